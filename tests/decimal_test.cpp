// Exact decimals for money: parsing, text, rounding, arithmetic and overflow.
#include <billcheck/date.hpp>
#include <billcheck/decimal.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace billcheck {
namespace {

Decimal dec(std::string_view text) { return Decimal::parse(text).value(); }

constexpr Decimal kMax = Decimal::from_raw(std::numeric_limits<std::int64_t>::max());
constexpr Decimal kMin = Decimal::from_raw(-std::numeric_limits<std::int64_t>::max());
constexpr Decimal kMillionth = Decimal::from_raw(1);

TEST(DecimalParse, ReadsPlainDecimalsExactly) {
  EXPECT_EQ(dec("1250.00").raw(), 1'250'000'000);
  EXPECT_EQ(dec("7").raw(), 7'000'000);
  EXPECT_EQ(dec("0.000001").raw(), 1);
  EXPECT_EQ(dec("-12.34").raw(), -12'340'000);
  EXPECT_EQ(dec("0").raw(), 0);
}

TEST(DecimalParse, AcceptsATrailingPointAndALeadingPoint) {
  EXPECT_EQ(dec("1250."), Decimal(1250));
  EXPECT_EQ(dec(".5"), dec("0.5"));
}

TEST(DecimalParse, ReadsNegativeFractions) {
  EXPECT_EQ(dec("-0.5").raw(), -500'000);
  EXPECT_TRUE(dec("-0.5").is_negative());
  EXPECT_EQ(dec("-0"), Decimal(0));
}

TEST(DecimalParse, RejectsMoreThanSixSignificantDecimals) {
  EXPECT_FALSE(Decimal::parse("0.1234567"));
  EXPECT_FALSE(Decimal::parse("1.0000001"));
  Decimal out;
  EXPECT_EQ(Decimal::parse_error("1.0000001", out), "more than 6 decimal places");
}

TEST(DecimalParse, AcceptsTrailingZerosBeyondSixDecimals) {
  EXPECT_EQ(dec("1.50000000"), dec("1.5"));
  EXPECT_EQ(dec("2.1234560000"), dec("2.123456"));
}

TEST(DecimalParse, RejectsTextThatIsNotADecimal) {
  for (std::string_view text : {"", "-", ".", "-.", "abc", "1,000.00", "1.2.3", "$5", "5 USD", "1e3", " 5", "5 ",
                                "--5", "0x10", "1.-5", "12a"}) {
    EXPECT_FALSE(Decimal::parse(text)) << "'" << text << "'";
  }
}

TEST(DecimalParse, SaysWhatIsWrong) {
  Decimal out = Decimal(42);
  EXPECT_EQ(Decimal::parse_error("", out), "empty number");
  EXPECT_EQ(Decimal::parse_error("12a", out), "not a decimal number");
  EXPECT_EQ(Decimal::parse_error("99999999999999", out), "number out of range");
  EXPECT_EQ(out, Decimal(42)) << "a failed parse leaves the output alone";
  EXPECT_EQ(Decimal::parse_error("3.5", out), "");
  EXPECT_EQ(out, dec("3.5"));
}

TEST(DecimalParse, ReadsTheWholeRangeAndNoMore) {
  EXPECT_EQ(dec("9223372036854.775807"), kMax);
  EXPECT_EQ(dec("-9223372036854.775807"), kMin);
  EXPECT_FALSE(Decimal::parse("9223372036854.775808"));
  EXPECT_FALSE(Decimal::parse("-9223372036854.775808")) << "the int64 minimum marks an absent Decimal";
  EXPECT_FALSE(Decimal::parse("100000000000000000000000"));
  EXPECT_EQ(dec("-0.000001").raw(), -1);
  EXPECT_EQ(dec("+9223372036854"), Decimal::from_raw(9223372036854000000));
  EXPECT_FALSE(Decimal::parse("9223372036855"));
  // Each text gets its first error, read left to right.
  Decimal out;
  EXPECT_EQ(Decimal::parse_error("9223372036855x", out), "not a decimal number");
  EXPECT_EQ(Decimal::parse_error("9223372036855.1234567", out), "more than 6 decimal places");
  EXPECT_EQ(Decimal::parse_error("99999999999999999999x", out), "number out of range");
}

/// The value of `text` read the slow, plain way (sign, digits, a point,
/// digits; in 128 bits), or nullopt: what Decimal::parse must agree with.
std::optional<std::int64_t> reference_raw(std::string_view text) {
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) i = 1;
  __int128 whole = 0, frac = 0;
  int whole_digits = 0, places = 0;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !point) {
      point = true;
    } else if (c >= '0' && c <= '9' && !point) {
      whole = std::min<__int128>(whole * 10 + (c - '0'), __int128{1} << 100);  // out of range from there on
      ++whole_digits;
    } else if (c >= '0' && c <= '9') {
      if (places == 6 && c != '0') return std::nullopt;  // more than six places
      if (places < 6) frac = frac * 10 + (c - '0'), ++places;
    } else {
      return std::nullopt;
    }
  }
  if (whole_digits + places == 0) return std::nullopt;
  for (int k = places; k < 6; ++k) frac *= 10;
  const __int128 magnitude = whole * 1'000'000 + frac;
  if (magnitude > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
  return static_cast<std::int64_t>(negative ? -magnitude : magnitude);
}

TEST(DecimalParse, AgreesWithAPlainReadingOfManyTexts) {
  // Texts of digits, points, signs and a stray letter, of 0 to 22 characters:
  // around the lengths where the parse takes its short way or its long one.
  std::mt19937_64 random(20261201);
  constexpr std::string_view kAlphabet = "0123456789012345678901234567890123456789..-+x";
  int numbers = 0, common_numbers = 0;
  for (int n = 0; n < 300'000; ++n) {
    std::string text(random() % 23, ' ');
    for (char& c : text) c = kAlphabet[random() % kAlphabet.size()];
    if (n % 3 == 0) std::erase_if(text, [](char c) { return c == '-' || c == '+' || c == 'x'; });
    if (n % 5 == 0) text.insert(0, 1, '-');
    const std::optional<Decimal> got = Decimal::parse(text);
    const std::optional<std::int64_t> want = reference_raw(text);
    ASSERT_EQ(got.has_value(), want.has_value()) << "'" << text << "'";
    // The loaders' short way takes only numbers, and reads them as parse does.
    if (Decimal common{}; Decimal::parse_common(text, common)) {
      ASSERT_TRUE(want.has_value()) << "'" << text << "'";
      ASSERT_EQ(common.raw(), *want) << "'" << text << "'";
      ++common_numbers;
    }
    if (!got) continue;
    ASSERT_EQ(got->raw(), *want) << "'" << text << "'";
    ++numbers;
  }
  EXPECT_GT(numbers, 30'000);  // enough of them are numbers
  EXPECT_GT(common_numbers, 20'000);
}

TEST(DecimalToString, WritesTheShortestExactText) {
  EXPECT_EQ(Decimal(1200).to_string(), "1200");
  EXPECT_EQ(dec("0.5").to_string(), "0.5");
  EXPECT_EQ(dec("-3.125").to_string(), "-3.125");
  EXPECT_EQ(dec("1.500").to_string(), "1.5");
  EXPECT_EQ(Decimal(0).to_string(), "0");
  EXPECT_EQ(kMillionth.to_string(), "0.000001");
  EXPECT_EQ((-kMillionth).to_string(), "-0.000001");
}

TEST(DecimalToString, PadsToAtLeastTheGivenPlaces) {
  EXPECT_EQ(Decimal(1200).to_string(2), "1200.00");
  EXPECT_EQ(dec("-0.5").to_string(2), "-0.50");
  EXPECT_EQ(dec("3.125").to_string(2), "3.125") << "never hides a digit";
  EXPECT_EQ(Decimal(0).to_string(3), "0.000");
  EXPECT_EQ(Decimal(7).to_string(0), "7");
  EXPECT_EQ(Decimal(1).to_string(9), "1.000000") << "at most 6 places";
}

TEST(DecimalToString, WritesTheExtremes) {
  EXPECT_EQ(kMin.to_string(), "-9223372036854.775807");
  EXPECT_EQ(kMax.to_string(), "9223372036854.775807");
}

TEST(DecimalRound, HalfEvenRoundsTiesToTheEvenDigit) {
  EXPECT_EQ(dec("2.345").round(2), dec("2.34"));
  EXPECT_EQ(dec("2.355").round(2), dec("2.36"));
  EXPECT_EQ(dec("-2.345").round(2), dec("-2.34"));
  EXPECT_EQ(dec("-2.355").round(2), dec("-2.36"));
  EXPECT_EQ(dec("100.005").round(2), dec("100.00"));
}

TEST(DecimalRound, HalfEvenToWholeUnits) {
  EXPECT_EQ(dec("0.5").round(0), Decimal(0));
  EXPECT_EQ(dec("1.5").round(0), Decimal(2));
  EXPECT_EQ(dec("2.5").round(0), Decimal(2));
  EXPECT_EQ(dec("-0.5").round(0), Decimal(0));
  EXPECT_EQ(dec("-1.5").round(0), Decimal(-2));
  EXPECT_EQ(dec("-2.5").round(0), Decimal(-2));
}

TEST(DecimalRound, HalfUpRoundsTiesAwayFromZero) {
  EXPECT_EQ(dec("2.345").round(2, Rounding::half_up), dec("2.35"));
  EXPECT_EQ(dec("-2.345").round(2, Rounding::half_up), dec("-2.35"));
  EXPECT_EQ(dec("0.5").round(0, Rounding::half_up), Decimal(1));
  EXPECT_EQ(dec("2.5").round(0, Rounding::half_up), Decimal(3));
  EXPECT_EQ(dec("-0.5").round(0, Rounding::half_up), Decimal(-1));
  EXPECT_EQ(dec("-2.5").round(0, Rounding::half_up), Decimal(-3));
}

TEST(DecimalRound, NonTiesGoToTheNearestInEitherMode) {
  for (Rounding mode : {Rounding::half_even, Rounding::half_up}) {
    EXPECT_EQ(dec("2.346").round(2, mode), dec("2.35"));
    EXPECT_EQ(dec("2.344").round(2, mode), dec("2.34"));
    EXPECT_EQ(dec("-2.346").round(2, mode), dec("-2.35"));
    EXPECT_EQ(dec("0.4999").round(0, mode), Decimal(0));
    EXPECT_EQ(dec("1.25").round(6, mode), dec("1.25"));
  }
}

TEST(DecimalRound, OverflowingRoundThrows) {
  EXPECT_THROW(kMax.round(0), DecimalOverflow);
}

TEST(DecimalPlaces, CountsTheDecimalsNeeded) {
  EXPECT_EQ(Decimal(1200).places_used(), 0);
  EXPECT_EQ(dec("1.50").places_used(), 1);
  EXPECT_EQ(dec("1.25").places_used(), 2);
  EXPECT_EQ(dec("-0.005").places_used(), 3);
  EXPECT_EQ(kMillionth.places_used(), 6);
}

TEST(DecimalArithmetic, AddsAndSubtractsExactly) {
  EXPECT_EQ(dec("0.1") + dec("0.2"), dec("0.3"));
  EXPECT_EQ(Decimal(5) - dec("7.25"), dec("-2.25"));
  Decimal sum;
  for (int i = 0; i < 10; ++i) sum += dec("0.1");
  EXPECT_EQ(sum, Decimal(1));
  sum -= dec("0.01");
  EXPECT_EQ(sum, dec("0.99"));
  EXPECT_EQ(-dec("1.5"), dec("-1.5"));
  EXPECT_EQ(dec("-2.5").abs(), dec("2.5"));
  EXPECT_EQ(dec("-2.7").whole(), -2);
}

TEST(DecimalArithmetic, MultipliesExactlyWithinSixPlaces) {
  EXPECT_EQ(dec("5.0") * dec("240.00"), Decimal(1200));
  EXPECT_EQ(dec("0.3") * dec("333.35"), dec("100.005"));
  EXPECT_EQ(dec("-1.5") * dec("120.125"), dec("-180.1875"));
}

TEST(DecimalArithmetic, RoundsProductsHalfEvenToSixPlaces) {
  EXPECT_EQ(dec("0.001") * dec("0.0005"), Decimal(0));                  // 0.0000005
  EXPECT_EQ(dec("0.003") * dec("0.0005"), dec("0.000002"));             // 0.0000015
  EXPECT_EQ(dec("-0.003") * dec("0.0005"), dec("-0.000002"));
  EXPECT_EQ(dec("0.123456") * dec("0.123456"), dec("0.015241"));        // 0.015241383936
}

TEST(DecimalArithmetic, MultipliesAlikeWhetherTheRawProductFits64BitsOrNot) {
  // A raw product past 64 bits is divided in 128 bits, the others in 64: the same rules in both.
  EXPECT_EQ(Decimal(1000000) * Decimal(1000000), dec("1000000000000"));
  EXPECT_EQ(dec("-3000000.5") * dec("3000000"), dec("-9000001500000"));
  EXPECT_EQ(dec("4000000.000001") * dec("0.5"), dec("2000000"));       // 64 bits: 2000000.0000005, the even digit
  EXPECT_EQ(dec("4000000.000003") * dec("-0.5"), dec("-2000000.000002"));  // -2000000.0000015
  EXPECT_THROW(dec("3037000.5") * dec("3037000.5"), DecimalOverflow);
}

TEST(DecimalArithmetic, RoundsQuotientsHalfEvenToSixPlaces) {
  EXPECT_EQ(Decimal(10) / Decimal(4), dec("2.5"));
  EXPECT_EQ(Decimal(1) / Decimal(3), dec("0.333333"));
  EXPECT_EQ(Decimal(2) / Decimal(3), dec("0.666667"));
  EXPECT_EQ(Decimal(-1) / Decimal(3), dec("-0.333333"));
  EXPECT_EQ(Decimal(1) / Decimal(-3), dec("-0.333333"));
  EXPECT_EQ(Decimal(-2) / Decimal(-3), dec("0.666667"));
  EXPECT_EQ(kMillionth / Decimal(2), Decimal(0));                       // 0.0000005
  EXPECT_EQ(dec("0.000003") / Decimal(2), dec("0.000002"));             // 0.0000015
}

TEST(DecimalArithmetic, DivisionByZeroThrows) {
  EXPECT_THROW(Decimal(1) / Decimal(0), std::domain_error);
  EXPECT_THROW(Decimal(0) / Decimal(0), std::domain_error);
}

TEST(DecimalOverflowTest, EveryOperationThrowsRatherThanWraps) {
  EXPECT_THROW(kMax + kMillionth, DecimalOverflow);
  EXPECT_THROW(kMin - kMillionth, DecimalOverflow);
  EXPECT_THROW(kMax * Decimal(2), DecimalOverflow);
  EXPECT_THROW(Decimal::from_int(1'000'000'000'000) * Decimal::from_int(1'000'000'000'000), DecimalOverflow);
  EXPECT_THROW(kMax / dec("0.5"), DecimalOverflow);
  EXPECT_THROW(kMin * Decimal(2), DecimalOverflow);
  EXPECT_NO_THROW(kMax + Decimal(0));
  EXPECT_NO_THROW(kMin + kMax);
}

TEST(DecimalOverflowTest, FromIntChecksTheRange) {
  EXPECT_EQ(Decimal::from_int(9'223'372'036'854).raw(), 9'223'372'036'854'000'000);
  EXPECT_EQ(Decimal::from_int(-42), Decimal(-42));
  EXPECT_THROW(Decimal::from_int(9'223'372'036'855), DecimalOverflow);
  EXPECT_THROW(Decimal::from_int(std::numeric_limits<std::int64_t>::max()), DecimalOverflow);
  EXPECT_THROW(Decimal::from_int(std::numeric_limits<std::int64_t>::min()), DecimalOverflow);
}

TEST(DecimalOverflowTest, NoArithmeticMakesTheValueThatMarksAnAbsentDecimal) {
  EXPECT_THROW(kMin - kMillionth, DecimalOverflow);
  EXPECT_THROW(-kMax - kMillionth, DecimalOverflow);
  EXPECT_THROW(kMin * Decimal(1) - kMillionth, DecimalOverflow);
  EXPECT_EQ(-kMin, kMax);
  EXPECT_EQ(kMin.abs(), kMax);
}

TEST(OptionalDecimal, IsEightBytesAndReadsLikeStdOptional) {
  static_assert(sizeof(Optional<Decimal>) == 8);
  static_assert(sizeof(Optional<Date>) == 4);
  Optional<Decimal> none;
  EXPECT_FALSE(none.has_value());
  EXPECT_FALSE(none);
  EXPECT_EQ(none, std::nullopt);
  EXPECT_EQ(none.value_or(Decimal(7)), Decimal(7));
  EXPECT_THROW((void)none.value(), std::bad_optional_access);
  Optional<Decimal> min = kMin;  // the smallest Decimal is a value, not "absent"
  ASSERT_TRUE(min.has_value());
  EXPECT_EQ(*min, kMin);
  Optional<Decimal> zero = Decimal();
  EXPECT_TRUE(zero.has_value());
  EXPECT_EQ(zero, Decimal());
  EXPECT_NE(zero, none);
  // Ordered as std::optional: absent first, then by value.
  EXPECT_LT(none, min);
  EXPECT_LT(min, zero);
  EXPECT_EQ(std::optional<Decimal>(zero), std::optional<Decimal>(Decimal()));
  EXPECT_EQ(std::optional<Decimal>(none), std::nullopt);
  Optional<Decimal> from_std = std::optional<Decimal>(dec("1.5"));
  EXPECT_EQ(from_std, dec("1.5"));
  from_std = std::nullopt;
  EXPECT_FALSE(from_std);
  Optional<Date> day = Date::parse_iso("2026-01-31");
  ASSERT_TRUE(day);
  EXPECT_EQ(day->to_string(), "2026-01-31");
  EXPECT_LT(Optional<Date>(), day);
  EXPECT_FALSE(Optional<Date>(Date::parse_iso("2026-02-30")));
}

TEST(DecimalCompare, OrdersByValueNotByText) {
  EXPECT_EQ(dec("1.50"), dec("1.5"));
  EXPECT_LT(Decimal(1), dec("1.000001"));
  EXPECT_LT(dec("-2"), dec("-1.999999"));
  EXPECT_GT(Decimal(0), dec("-0.000001"));
}

TEST(MinorUnits, FollowsIso4217) {
  EXPECT_EQ(minor_units("JPY"), 0);
  EXPECT_EQ(minor_units("USD"), 2);
  EXPECT_EQ(minor_units("EUR"), 2);
  EXPECT_EQ(minor_units("GBP"), 2);
  EXPECT_EQ(minor_units("KWD"), 3);
  EXPECT_EQ(minor_units("BHD"), 3);
}

TEST(MinorUnits, UnknownCurrenciesHaveTwo) {
  EXPECT_EQ(minor_units("XYZ"), 2);
  EXPECT_EQ(minor_units(""), 2);
}

TEST(FormatAmount, WritesTheCurrencyDecimals) {
  EXPECT_EQ(format_amount(Decimal(1200), "USD"), "1200.00");
  EXPECT_EQ(format_amount(Decimal(1200), "JPY"), "1200");
  EXPECT_EQ(format_amount(dec("1.5"), "KWD"), "1.500");
  EXPECT_EQ(format_amount(Decimal(-3), "EUR"), "-3.00");
}

TEST(FormatAmount, ShowsDigitsBeyondTheCurrencyDecimals) {
  EXPECT_EQ(format_amount(dec("1200.005"), "USD"), "1200.005");
  EXPECT_EQ(format_amount(dec("75002.5"), "JPY"), "75002.5");
}

TEST(Money, RoundsToTheCurrencyMinorUnits) {
  EXPECT_EQ((Money{dec("100.005"), "USD"}.rounded().amount), dec("100.00"));
  EXPECT_EQ((Money{dec("100.005"), "USD"}.rounded(Rounding::half_up).amount), dec("100.01"));
  EXPECT_EQ((Money{dec("75002.5"), "JPY"}.rounded().amount), Decimal(75002));
  EXPECT_EQ((Money{dec("0.5005"), "KWD"}.rounded().amount), dec("0.500"));
  EXPECT_EQ((Money{dec("0.5005"), "KWD"}.rounded(Rounding::half_up).amount), dec("0.501"));
  EXPECT_EQ((Money{dec("-0.125"), "EUR"}.rounded().amount), dec("-0.12"));
  EXPECT_EQ((Money{dec("1.5"), "KWD"}.rounded().currency), "KWD");
}

TEST(Money, WritesCurrencyAndAmount) {
  EXPECT_EQ((Money{Decimal(1200), "USD"}.to_string()), "USD 1200.00");
  EXPECT_EQ((Money{Decimal(5000), "JPY"}.to_string()), "JPY 5000");
  EXPECT_EQ((Money{dec("0.5"), "BHD"}.to_string()), "BHD 0.500");
}

}  // namespace
}  // namespace billcheck
