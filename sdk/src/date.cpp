#include <billcheck/date.hpp>
#include <billcheck/digits.hpp>

#include <array>
#include <bit>
#include <cstring>
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

/// Days from 1970-01-01 to 1 January of each year from kFirstTabled on (and
/// of the year after the last), and to the first of each month of a common
/// year: the day of a date in those years is a look-up and a sum.
constexpr int kFirstTabled = 1900;
constexpr auto kYearStart = [] {
  std::array<std::int32_t, 257> t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = days_from_civil(kFirstTabled + static_cast<int>(i), 1, 1);
  return t;
}();
constexpr std::int32_t kMonthStart[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

/// The eight bytes at `p`, the first in the lowest bits.
std::uint64_t bytes_at(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}

constexpr unsigned byte_at(std::uint64_t w, unsigned i) { return static_cast<unsigned>(w >> (8 * i)) & 0xFF; }

/// The date of year `y` (0 to 9999), month `m` and day `d`, when there is
/// one: a loader reads a date on every line, and for years from 1900 to
/// 2156 the day is two look-ups and a sum.
std::optional<Date> date_of(unsigned y, unsigned m, unsigned d) {
  static constexpr unsigned char kLastDay[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const unsigned tabled = y - kFirstTabled;
  if (tabled >= kYearStart.size() - 1) return day_of(static_cast<int>(y), m, d);
  if (m - 1 >= 12 || d == 0) return std::nullopt;
  const bool leap = kYearStart[tabled + 1] - kYearStart[tabled] == 366;
  if (d > kLastDay[m - 1] + (m == 2 && leap ? 1u : 0u)) return std::nullopt;
  const std::int32_t days =
      kYearStart[tabled] + kMonthStart[m - 1] + (m > 2 && leap ? 1 : 0) + static_cast<std::int32_t>(d) - 1;
  return Date(std::chrono::sys_days(std::chrono::days(days)));
}

}  // namespace

std::optional<Date> Date::from_ymd(int year, unsigned month, unsigned day) {
  if (year >= 0 && year <= 9999) return day_of(year, month, day);
  std::chrono::year_month_day v{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (!v.ok()) return std::nullopt;
  return Date(std::chrono::sys_days(v));
}

std::optional<Date> Date::parse_iso(std::string_view text) {
  // YYYY-MM- in one word, and MM-DD in the word from byte 2: checked, and
  // their digits read in pairs, at once.
  if (text.size() != 10) return std::nullopt;
  const std::uint64_t w = bytes_at(text.data()), tail = bytes_at(text.data() + 2);
  if ((w & 0xFF0000FF00000000ull) != 0x2D00002D00000000ull || !detail::all_digits(w, 0x00FFFF00FFFFFFFFull) ||
      !detail::all_digits(tail, 0xFFFF000000000000ull))
    return std::nullopt;
  const std::uint64_t p = detail::digit_pairs(w);
  return date_of(byte_at(p, 0) * 100 + byte_at(p, 2), byte_at(p, 5), byte_at(detail::digit_pairs(tail), 6));
}

std::optional<Date> Date::parse_compact(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  const std::uint64_t w = bytes_at(text.data());
  if (!detail::all_digits(w, ~std::uint64_t{0})) return std::nullopt;
  const std::uint64_t p = detail::digit_pairs(w);
  return date_of(byte_at(p, 0) * 100 + byte_at(p, 2), byte_at(p, 4), byte_at(p, 6));
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
