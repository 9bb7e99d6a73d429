// Exact decimal numbers for money, rates, quantities and percentages.
#pragma once

#include <billcheck/export.hpp>
#include <billcheck/optional.hpp>

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace billcheck {

/// Thrown when a result does not fit in a Decimal; never wraps silently.
class BILLCHECK_SDK_API DecimalOverflow : public std::overflow_error {
 public:
  using std::overflow_error::overflow_error;
};

enum class Rounding { half_even, half_up };

/// A fixed-point decimal: an int64 count of millionths. Arithmetic uses 128-bit
/// intermediates; a product or quotient with more than 6 decimals is rounded
/// half-even to 6, which never happens for quantity x rate in practice. The
/// range is symmetric, +-9223372036854.775807: the int64 minimum is no Decimal
/// (Optional<Decimal> uses it to mean absent).
class BILLCHECK_SDK_API Decimal {
 public:
  static constexpr int kPlaces = 6;
  static constexpr std::int64_t kScale = 1'000'000;

  constexpr Decimal() = default;
  constexpr Decimal(int whole) : raw_(static_cast<std::int64_t>(whole) * kScale) {}  // NOLINT: implicit by design

  /// Whole number, with overflow detection.
  static Decimal from_int(std::int64_t whole);
  static constexpr Decimal from_raw(std::int64_t raw) {
    Decimal d;
    d.raw_ = raw;
    return d;
  }
  /// Parses `-12.3400`, `7`, `1250.` exactly; nullopt for anything else,
  /// including more than 6 significant decimals or a value out of range.
  static std::optional<Decimal> parse(std::string_view text);
  /// Like parse, but says what is wrong: empty string when `out` was set.
  static std::string parse_error(std::string_view text, Decimal& out);
  /// The common amount, quantity or rate (`650.00`, `-0.5`, `7`: a sign, at
  /// most 12 whole digits and 6 places, at most 19 characters) read in one
  /// pass with no range check per digit (it cannot overflow); false for any
  /// other text, valid or not, which parse_error() then reads or refuses.
  /// Inline (no symbol of the library), for loaders that read every amount of a book.
  static bool parse_common(std::string_view text, Decimal& out) noexcept {
    if (text.empty() || text.size() > 19) return false;
    const char* p = text.data();
    const char* const end = p + text.size();
    const bool negative = *p == '-';
    if (negative || *p == '+') ++p;
    const char* const digits = p;
    std::uint64_t value = 0;
    const auto digit = [](char c) { return static_cast<unsigned>(static_cast<unsigned char>(c)) - '0'; };
    for (unsigned d; p < end && (d = digit(*p)) < 10; ++p) value = value * 10 + d;
    const auto whole_digits = static_cast<std::size_t>(p - digits);
    std::size_t places = 0;
    if (p < end) {
      if (*p != '.') return false;
      const char* const point = ++p;
      for (unsigned d; p < end && (d = digit(*p)) < 10; ++p) value = value * 10 + d;
      if (p != end) return false;
      places = static_cast<std::size_t>(end - point);
    }
    if (whole_digits > 12 || places > static_cast<std::size_t>(kPlaces) || whole_digits + places == 0) return false;
    // At most 12 + 6 digits: below 10^18, within the range.
    static constexpr std::int64_t kUnit[] = {1'000'000, 100'000, 10'000, 1'000, 100, 10, 1};
    const auto magnitude = static_cast<std::int64_t>(value) * kUnit[places];
    out.raw_ = negative ? -magnitude : magnitude;
    return true;
  }

  constexpr std::int64_t raw() const { return raw_; }
  constexpr bool is_zero() const { return raw_ == 0; }
  constexpr bool is_negative() const { return raw_ < 0; }

  /// Shortest exact text: `1200`, `0.5`, `-3.125`.
  std::string to_string() const;
  /// Text with at least `min_places` decimals: to_string(2) of 1200 is `1200.00`.
  std::string to_string(int min_places) const;

  /// Rounds to `places` decimals (0..6).
  Decimal round(int places, Rounding mode = Rounding::half_even) const;
  /// Number of decimals needed to write the value exactly (0..6).
  int places_used() const;
  Decimal abs() const;
  /// Integer part toward zero.
  std::int64_t whole() const { return raw_ / kScale; }

  BILLCHECK_SDK_API friend Decimal operator+(Decimal a, Decimal b);
  BILLCHECK_SDK_API friend Decimal operator-(Decimal a, Decimal b);
  BILLCHECK_SDK_API friend Decimal operator*(Decimal a, Decimal b);
  /// Throws std::domain_error on division by zero.
  BILLCHECK_SDK_API friend Decimal operator/(Decimal a, Decimal b);
  Decimal operator-() const;
  Decimal& operator+=(Decimal b) { return *this = *this + b; }
  Decimal& operator-=(Decimal b) { return *this = *this - b; }

  friend constexpr bool operator==(Decimal a, Decimal b) = default;
  friend constexpr std::strong_ordering operator<=>(Decimal a, Decimal b) { return a.raw_ <=> b.raw_; }

 private:
  std::int64_t raw_ = 0;
};

/// An absent Decimal is the int64 minimum, which no arithmetic or parse makes.
template <>
struct OptionalTraits<Decimal> {
  static constexpr Decimal none() noexcept { return Decimal::from_raw(std::numeric_limits<std::int64_t>::min()); }
};

/// ISO 4217 minor units: JPY 0, USD 2, KWD 3; unknown codes 2 (a loaded book
/// has none: the loaders reject them).
BILLCHECK_SDK_API int minor_units(std::string_view currency);

/// Whether `code` is a current ISO 4217 currency code (case-sensitive: `USD`, not
/// `usd`); the same table as minor_units().
BILLCHECK_SDK_API bool is_currency(std::string_view code);

/// Empty when `code` is an ISO 4217 code, else what is wrong and what to write:
/// `'jpy' is not an ISO 4217 currency code (codes are upper case: JPY)`.
BILLCHECK_SDK_API std::string currency_problem(std::string_view code);

/// An amount in a currency.
struct BILLCHECK_SDK_API Money {
  Decimal amount;
  std::string currency;

  int minor_units() const { return billcheck::minor_units(currency); }
  /// The amount rounded half-even to the currency's minor units.
  Money rounded(Rounding mode = Rounding::half_even) const;
  /// `USD 1200.00`.
  std::string to_string() const;
};

/// `1200.00` for USD: the amount with exactly the currency's decimals (or more
/// if the value needs them, so nothing is hidden).
BILLCHECK_SDK_API std::string format_amount(Decimal amount, std::string_view currency);

/// `10.5 h`, `12 h`: hours as a person writes them (the exact value, no padded
/// decimals), for every message and report that shows a number of hours.
BILLCHECK_SDK_API std::string format_hours(Decimal hours);

}  // namespace billcheck
