// Civil dates as billing records carry them: ISO and LEDES text, weekdays, day counts.
#include <billcheck/date.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace billcheck {
namespace {

Date iso(std::string_view text) { return Date::parse_iso(text).value(); }

TEST(DateParseIso, ReadsValidDates) {
  const Date d = iso("2026-01-31");
  EXPECT_EQ(d.year(), 2026);
  EXPECT_EQ(d.month(), 1u);
  EXPECT_EQ(d.day(), 31u);
  EXPECT_TRUE(Date::parse_iso("2026-12-31"));
  EXPECT_TRUE(Date::parse_iso("1999-01-01"));
}

TEST(DateParseIso, KnowsLeapYears) {
  EXPECT_FALSE(Date::parse_iso("2026-02-29"));
  EXPECT_TRUE(Date::parse_iso("2024-02-29"));
  EXPECT_TRUE(Date::parse_iso("2000-02-29"));
  EXPECT_FALSE(Date::parse_iso("1900-02-29"));
}

TEST(DateParseIso, RejectsDaysThatDoNotExist) {
  for (std::string_view text : {"2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32"})
    EXPECT_FALSE(Date::parse_iso(text)) << text;
}

TEST(DateParseIso, RejectsOtherShapes) {
  for (std::string_view text : {"", "2026-1-31", "2026-01-1", "2026-01-031", "26-01-31", "20260131", "2026/01/31",
                                "2026-01-3a", " 2026-01-31", "2026-01-31 ", "31.01.2026", "2026-01-31T00:00"})
    EXPECT_FALSE(Date::parse_iso(text)) << "'" << text << "'";
}

TEST(DateParseIso, AgreesWithStdChronoOnEveryMonthAndDayNumberOfManyYears) {
  // Every text YYYY-MM-DD with month and day 00 to 39, in four centuries'
  // edges, the first and last years and leap-year edges: a date exactly when
  // std::chrono says the day exists, and the same day.
  int days = 0;
  for (int year : {0, 1, 4, 100, 1600, 1899, 1900, 1970, 1999, 2000, 2024, 2025, 2026, 2100, 2400, 9996, 9999})
    for (unsigned month = 0; month < 40; ++month)
      for (unsigned day = 0; day < 40; ++day) {
        char text[16], compact[16];
        std::snprintf(text, sizeof text, "%04d-%02u-%02u", year, month, day);
        std::snprintf(compact, sizeof compact, "%04d%02u%02u", year, month, day);
        const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                              std::chrono::day(day)};
        const std::optional<Date> parsed = Date::parse_iso(text);
        ASSERT_EQ(parsed.has_value(), ymd.ok()) << text;
        ASSERT_EQ(Date::parse_compact(compact), parsed) << compact;
        ASSERT_EQ(Date::from_ymd(year, month, day), parsed) << text;
        if (!parsed) continue;
        ASSERT_EQ(*parsed, Date(std::chrono::sys_days(ymd))) << text;
        ASSERT_EQ(parsed->to_string(), text);
        ++days;
      }
  EXPECT_EQ(days, 17 * 365 + 7);  // seven of the years are leap years: 0, 4, 1600, 2000, 2024, 2400, 9996
}

/// What a date text of the given shape means, by the calendar, one character at a time.
std::optional<Date> reference(std::string_view text, bool compact) {
  const std::string_view digits_at = compact ? "01234567" : "0123 56 89";
  int y = 0;
  unsigned m = 0, d = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (digits_at[i] == ' ') {
      if (c != '-') return std::nullopt;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    const unsigned v = static_cast<unsigned>(c - '0');
    if (i < 4) y = y * 10 + static_cast<int>(v);
    else if (i < (compact ? 6u : 7u)) m = m * 10 + v;
    else d = d * 10 + v;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return Date(std::chrono::sys_days(ymd));
}

TEST(DateParseIso, ReadsEveryByteInEveryPlaceAsTheCalendarDoes) {
  // The digits are checked a word at a time: every byte value in every place
  // of a date (a leap day, so that a digit changed can make it no day at all).
  for (const std::string_view base : {"2024-02-29", "1999-12-31"})
    for (std::size_t i = 0; i < base.size(); ++i)
      for (int b = 0; b < 256; ++b) {
        std::string text(base);
        text[i] = static_cast<char>(b);
        ASSERT_EQ(Date::parse_iso(text), reference(text, false)) << "byte " << b << " at " << i << " of " << base;
      }
  for (const std::string_view base : {"20240229", "19991231"})
    for (std::size_t i = 0; i < base.size(); ++i)
      for (int b = 0; b < 256; ++b) {
        std::string text(base);
        text[i] = static_cast<char>(b);
        ASSERT_EQ(Date::parse_compact(text), reference(text, true)) << "byte " << b << " at " << i << " of " << base;
      }
}

TEST(DateParseCompact, ReadsLedesDates) {
  EXPECT_EQ(Date::parse_compact("20260131"), iso("2026-01-31"));
  EXPECT_EQ(Date::parse_compact("20240229"), iso("2024-02-29"));
  EXPECT_FALSE(Date::parse_compact("20260229"));
  EXPECT_FALSE(Date::parse_compact("2026-01-31"));
  EXPECT_FALSE(Date::parse_compact("2026013"));
  EXPECT_FALSE(Date::parse_compact("202601310"));
  EXPECT_FALSE(Date::parse_compact("2026013a"));
  EXPECT_FALSE(Date::parse_compact(""));
}

TEST(DateFromYmd, ChecksTheDay) {
  EXPECT_EQ(Date::from_ymd(2026, 3, 1), iso("2026-03-01"));
  EXPECT_FALSE(Date::from_ymd(2026, 2, 29));
  EXPECT_FALSE(Date::from_ymd(2026, 13, 1));
}

TEST(DateToString, WritesIsoAndCompactText) {
  EXPECT_EQ(iso("2026-01-05").to_string(), "2026-01-05");
  EXPECT_EQ(iso("2026-01-05").to_compact_string(), "20260105");
  EXPECT_EQ(iso("0999-12-31").to_string(), "0999-12-31");
  EXPECT_EQ(Date().to_string(), "1970-01-01");
  EXPECT_EQ(Date::parse_compact("20241231")->to_string(), "2024-12-31");
}

TEST(DateWeekday, NamesTheDay) {
  EXPECT_EQ(iso("2026-01-01").weekday_name(), "Thu");
  EXPECT_EQ(iso("2026-01-01").weekday_index(), 3u);
  EXPECT_EQ(iso("2026-02-01").weekday_name(), "Sun");
  EXPECT_EQ(iso("2026-02-01").weekday_index(), 6u);
  EXPECT_EQ(iso("2026-02-02").weekday_name(), "Mon");
  EXPECT_EQ(iso("2026-02-02").weekday_index(), 0u);
  EXPECT_EQ(iso("2024-02-29").weekday_name(), "Thu");
  EXPECT_EQ(iso("2026-12-25").weekday_name(), "Fri");
  EXPECT_EQ(iso("2026-01-03").weekday_name(), "Sat");
}

TEST(DatePlusDays, CrossesMonthsAndYears) {
  EXPECT_EQ(iso("2026-01-31").plus_days(1), iso("2026-02-01"));
  EXPECT_EQ(iso("2025-12-31").plus_days(1), iso("2026-01-01"));
  EXPECT_EQ(iso("2026-01-01").plus_days(-1), iso("2025-12-31"));
  EXPECT_EQ(iso("2024-02-28").plus_days(1), iso("2024-02-29"));
  EXPECT_EQ(iso("2026-02-28").plus_days(1), iso("2026-03-01"));
  EXPECT_EQ(iso("2026-01-15").plus_days(30), iso("2026-02-14"));
  EXPECT_EQ(iso("2024-01-01").plus_days(365), iso("2024-12-31"));
  EXPECT_EQ(iso("2026-03-10").plus_days(0), iso("2026-03-10"));
}

TEST(DateDaysBetween, IsSignedAndCountsLeapDays) {
  EXPECT_EQ(Date::days_between(iso("2026-01-01"), iso("2026-01-31")), 30);
  EXPECT_EQ(Date::days_between(iso("2026-01-31"), iso("2026-01-01")), -30);
  EXPECT_EQ(Date::days_between(iso("2026-02-01"), iso("2026-03-01")), 28);
  EXPECT_EQ(Date::days_between(iso("2024-01-01"), iso("2025-01-01")), 366);
  EXPECT_EQ(Date::days_between(iso("2026-05-05"), iso("2026-05-05")), 0);
}

TEST(DateCompare, OrdersByDay) {
  EXPECT_LT(iso("2025-12-31"), iso("2026-01-01"));
  EXPECT_GT(iso("2026-02-01"), iso("2026-01-31"));
  EXPECT_EQ(iso("2026-01-01"), Date::parse_compact("20260101"));
  EXPECT_NE(iso("2026-01-01"), iso("2026-01-02"));
}

}  // namespace
}  // namespace billcheck
