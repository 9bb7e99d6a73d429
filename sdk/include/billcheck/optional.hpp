// An optional value in the value's own bytes, for the fields of records that a
// book holds a million of: one value a T never holds stands for "absent", so an
// optional Decimal is 8 bytes (std::optional's is 16) and an optional Date 4.
// Reads like std::optional, and converts to and from it.
#pragma once

#include <compare>
#include <optional>
#include <utility>

namespace billcheck {

/// `none()`: the value that marks an absent T. Specialised next to each T that
/// has one (Decimal, Date); that value must be one T's own operations never make.
template <class T>
struct OptionalTraits;

template <class T>
class Optional {
 public:
  using value_type = T;

  constexpr Optional() noexcept = default;
  constexpr Optional(std::nullopt_t) noexcept {}                 // NOLINT: implicit, as std::optional's
  constexpr Optional(T value) noexcept : value_(value) {}        // NOLINT: implicit, as std::optional's
  constexpr Optional(const std::optional<T>& o) noexcept : value_(o ? *o : none()) {}  // NOLINT

  constexpr operator std::optional<T>() const noexcept {  // NOLINT: reads as a std::optional by design
    return has_value() ? std::optional<T>(value_) : std::nullopt;
  }

  constexpr bool has_value() const noexcept { return !(value_ == none()); }
  constexpr explicit operator bool() const noexcept { return has_value(); }

  /// The value; like std::optional's, only when has_value().
  constexpr const T& operator*() const noexcept { return value_; }
  constexpr T& operator*() noexcept { return value_; }
  constexpr const T* operator->() const noexcept { return &value_; }
  constexpr T* operator->() noexcept { return &value_; }
  constexpr const T& value() const {
    if (!has_value()) throw std::bad_optional_access();
    return value_;
  }
  template <class U>
  constexpr T value_or(U&& otherwise) const {
    return has_value() ? value_ : static_cast<T>(std::forward<U>(otherwise));
  }

  constexpr void reset() noexcept { value_ = none(); }
  template <class... Args>
  constexpr T& emplace(Args&&... args) {
    return value_ = T(std::forward<Args>(args)...);
  }

  // As std::optional's: equal when both are absent or both hold equal values;
  // an absent value orders before every value.
  friend constexpr bool operator==(const Optional& a, const Optional& b) noexcept { return a.value_ == b.value_; }
  friend constexpr std::strong_ordering operator<=>(const Optional& a, const Optional& b) noexcept {
    if (a.has_value() != b.has_value()) return a.has_value() ? std::strong_ordering::greater : std::strong_ordering::less;
    return a.has_value() ? a.value_ <=> b.value_ : std::strong_ordering::equal;
  }
  friend constexpr bool operator==(const Optional& a, std::nullopt_t) noexcept { return !a.has_value(); }
  friend constexpr bool operator==(const Optional& a, const T& b) noexcept { return a.has_value() && a.value_ == b; }
  friend constexpr bool operator==(const Optional& a, const std::optional<T>& b) noexcept { return a == Optional(b); }

 private:
  static constexpr T none() noexcept { return OptionalTraits<T>::none(); }
  T value_ = none();
};

}  // namespace billcheck
