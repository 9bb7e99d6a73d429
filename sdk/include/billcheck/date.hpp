// Civil dates (no time of day, no zone), as billing records carry them.
#pragma once

#include <billcheck/export.hpp>

#include <chrono>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace billcheck {

/// A calendar day, stored as days since 1970-01-01.
class BILLCHECK_SDK_API Date {
 public:
  constexpr Date() = default;
  constexpr explicit Date(std::chrono::sys_days days) : days_(days) {}
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

  constexpr std::chrono::sys_days sys_days() const { return days_; }
  Date plus_days(long long n) const { return Date(days_ + std::chrono::days(n)); }
  /// Days from `from` to `to` (positive when `to` is later).
  static long long days_between(Date from, Date to) { return (to.days_ - from.days_).count(); }

  friend constexpr bool operator==(Date, Date) = default;
  friend constexpr std::strong_ordering operator<=>(Date a, Date b) {
    return a.days_.time_since_epoch().count() <=> b.days_.time_since_epoch().count();
  }

 private:
  std::chrono::sys_days days_{};
};

}  // namespace billcheck
