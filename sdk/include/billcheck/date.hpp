// Civil dates (no time of day, no zone), as billing records carry them.
#pragma once

#include <billcheck/export.hpp>
#include <billcheck/optional.hpp>

#include <chrono>
#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace billcheck {

/// A calendar day, stored as days since 1970-01-01 in 32 bits (records carry several).
class BILLCHECK_SDK_API Date {
 public:
  constexpr Date() = default;
  constexpr explicit Date(std::chrono::sys_days days)
      : days_(static_cast<std::int32_t>(days.time_since_epoch().count())) {}
  static std::optional<Date> from_ymd(int year, unsigned month, unsigned day);

  /// `2026-01-31`; nullopt for anything else, including 2026-02-30.
  static std::optional<Date> parse_iso(std::string_view text);
  /// `20260131`, as LEDES writes dates.
  static std::optional<Date> parse_compact(std::string_view text);

  std::string to_string() const;          // 2026-01-31
  std::string to_compact_string() const;  // 20260131

  int year() const;
  unsigned month() const;
  unsigned day() const;
  /// 0 = Monday ... 6 = Sunday.
  unsigned weekday_index() const;
  /// `Mon` ... `Sun`.
  std::string_view weekday_name() const;

  constexpr std::chrono::sys_days sys_days() const { return std::chrono::sys_days(std::chrono::days(days_)); }
  Date plus_days(long long n) const { return Date(sys_days() + std::chrono::days(n)); }
  /// Days from `from` to `to` (positive when `to` is later).
  static long long days_between(Date from, Date to) {
    return static_cast<long long>(to.days_) - static_cast<long long>(from.days_);
  }

  friend constexpr bool operator==(Date, Date) = default;
  friend constexpr std::strong_ordering operator<=>(Date a, Date b) { return a.days_ <=> b.days_; }

 private:
  std::int32_t days_ = 0;
};

/// An absent Date is day -2^31 (some five million years BC), which no parse or
/// calendar arithmetic of a book's dates reaches.
template <>
struct OptionalTraits<Date> {
  static constexpr Date none() noexcept {
    return Date(std::chrono::sys_days(std::chrono::days(std::numeric_limits<std::int32_t>::min())));
  }
};

}  // namespace billcheck
