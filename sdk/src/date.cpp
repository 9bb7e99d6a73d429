#include <billcheck/date.hpp>

#include <array>
#include <cstdint>
#include <cstdio>

namespace billcheck {
namespace {

std::chrono::year_month_day ymd(std::chrono::sys_days d) { return std::chrono::year_month_day(d); }

/// Days since 1970-01-01 of a valid day of the proleptic Gregorian calendar
/// (H. Hinnant's days_from_civil, what std::chrono computes).
constexpr std::int32_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int32_t>(doe) - 719468;
}

constexpr bool is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

/// The day, when year-month-day is one of the calendar.
std::optional<Date> day_of(int y, unsigned m, unsigned d) {
  static constexpr unsigned char kLastDay[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m - 1 >= 12 || d == 0 || d > kLastDay[m - 1] + (m == 2 && is_leap(y) ? 1u : 0u)) return std::nullopt;
  return Date(std::chrono::sys_days(std::chrono::days(days_from_civil(y, m, d))));
}

/// The value of digit `c`, or 10 or more when `c` is not a digit.
constexpr unsigned digit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c)) - '0'; }

/// The date written as digits at `y` (4), `m` (2) and `d` (2) of `s`: each
/// digit checked and converted by itself, with no loop (loaders parse a date
/// on every line, and std::chrono's checks and conversion were most of it).
std::optional<Date> parse_digits(const char* s, std::size_t y, std::size_t m, std::size_t d) {
  const unsigned y0 = digit(s[y]), y1 = digit(s[y + 1]), y2 = digit(s[y + 2]), y3 = digit(s[y + 3]);
  const unsigned m0 = digit(s[m]), m1 = digit(s[m + 1]), d0 = digit(s[d]), d1 = digit(s[d + 1]);
  if ((y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (m0 > 9) | (m1 > 9) | (d0 > 9) | (d1 > 9)) return std::nullopt;
  return day_of(static_cast<int>(y0 * 1000 + y1 * 100 + y2 * 10 + y3), m0 * 10 + m1, d0 * 10 + d1);
}

}  // namespace

std::optional<Date> Date::from_ymd(int year, unsigned month, unsigned day) {
  if (year >= 0 && year <= 9999) return day_of(year, month, day);
  std::chrono::year_month_day v{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (!v.ok()) return std::nullopt;
  return Date(std::chrono::sys_days(v));
}

std::optional<Date> Date::parse_iso(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  return parse_digits(text.data(), 0, 5, 8);
}

std::optional<Date> Date::parse_compact(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  return parse_digits(text.data(), 0, 4, 6);
}

std::string Date::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year(), month(), day());
  return buf;
}

std::string Date::to_compact_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", year(), month(), day());
  return buf;
}

int Date::year() const { return static_cast<int>(ymd(sys_days()).year()); }
unsigned Date::month() const { return static_cast<unsigned>(ymd(sys_days()).month()); }
unsigned Date::day() const { return static_cast<unsigned>(ymd(sys_days()).day()); }

unsigned Date::weekday_index() const { return std::chrono::weekday(sys_days()).iso_encoding() - 1; }

std::string_view Date::weekday_name() const {
  static constexpr std::array<std::string_view, 7> kNames = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return kNames[weekday_index()];
}

}  // namespace billcheck
