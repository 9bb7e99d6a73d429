#include <billcheck/date.hpp>

#include <array>
#include <cstdio>

namespace billcheck {
namespace {

bool digits(std::string_view s, std::size_t from, std::size_t n, int& out) {
  out = 0;
  for (std::size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::chrono::year_month_day ymd(std::chrono::sys_days d) { return std::chrono::year_month_day(d); }

}  // namespace

std::optional<Date> Date::from_ymd(int year, unsigned month, unsigned day) {
  std::chrono::year_month_day v{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (!v.ok()) return std::nullopt;
  return Date(std::chrono::sys_days(v));
}

std::optional<Date> Date::parse_iso(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!digits(text, 0, 4, y) || !digits(text, 5, 2, m) || !digits(text, 8, 2, d)) return std::nullopt;
  return from_ymd(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::optional<Date> Date::parse_compact(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 8) return std::nullopt;
  if (!digits(text, 0, 4, y) || !digits(text, 4, 2, m) || !digits(text, 6, 2, d)) return std::nullopt;
  return from_ymd(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
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
