#include <billcheck/decimal.hpp>

#include <algorithm>
#include <array>
#include <iterator>
#include <limits>

namespace billcheck {
namespace {

using i128 = __int128;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::array<std::int64_t, 7> kPow10 = {1, 10, 100, 1000, 10000, 100000, 1000000};

std::int64_t checked(i128 v, const char* what) {
  if (v > kMax || v < kMin) throw DecimalOverflow(std::string("decimal overflow in ") + what);
  return static_cast<std::int64_t>(v);
}

// Divides with rounding to nearest; ties per `mode`. `den` > 0.
i128 divide_rounded(i128 num, i128 den, Rounding mode) {
  i128 q = num / den;
  i128 r = num % den;
  if (r == 0) return q;
  i128 twice = (r < 0 ? -r : r) * 2;
  bool away = twice > den || (twice == den && (mode == Rounding::half_up || (q % 2 != 0)));
  if (away) q += (num < 0) ? -1 : 1;
  return q;
}

}  // namespace

Decimal Decimal::from_int(std::int64_t whole) {
  return from_raw(checked(static_cast<i128>(whole) * kScale, "from_int"));
}

std::string Decimal::parse_error(std::string_view text, Decimal& out) {
  if (text.empty()) return "empty number";
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  i128 whole = 0;
  std::size_t whole_digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    whole = whole * 10 + (text[i] - '0');
    if (whole > kMax) return "number out of range";
    ++i;
    ++whole_digits;
  }
  i128 frac = 0;
  std::size_t frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (frac_digits < static_cast<std::size_t>(kPlaces)) {
        frac = frac * 10 + (text[i] - '0');
        ++frac_digits;
      } else if (text[i] != '0') {
        return "more than 6 decimal places";
      }
      ++i;
    }
  }
  if (i != text.size() || (whole_digits == 0 && frac_digits == 0)) return "not a decimal number";
  i128 raw = whole * kScale + frac * kPow10[kPlaces - frac_digits];
  if (negative) raw = -raw;
  if (raw > kMax || raw < kMin) return "number out of range";
  out = from_raw(static_cast<std::int64_t>(raw));
  return {};
}

std::optional<Decimal> Decimal::parse(std::string_view text) {
  Decimal d;
  if (!parse_error(text, d).empty()) return std::nullopt;
  return d;
}

std::string Decimal::to_string() const { return to_string(0); }

std::string Decimal::to_string(int min_places) const {
  min_places = std::clamp(min_places, 0, kPlaces);
  // Work in unsigned so that the most negative value formats too.
  bool negative = raw_ < 0;
  unsigned long long mag = negative ? 0ULL - static_cast<unsigned long long>(raw_) : static_cast<unsigned long long>(raw_);
  unsigned long long whole_part = mag / kScale;
  unsigned long long frac = mag % kScale;
  int places = kPlaces;
  while (places > min_places && frac % 10 == 0) {
    frac /= 10;
    --places;
  }
  std::string out = negative ? "-" : "";
  out += std::to_string(whole_part);
  if (places > 0) {
    std::string digits = std::to_string(frac);
    out += '.';
    out.append(static_cast<std::size_t>(places) - digits.size(), '0');
    out += digits;
  }
  return out;
}

Decimal Decimal::round(int places, Rounding mode) const {
  places = std::clamp(places, 0, kPlaces);
  std::int64_t unit = kPow10[kPlaces - places];
  i128 q = divide_rounded(raw_, unit, mode);
  return from_raw(checked(q * unit, "round"));
}

int Decimal::places_used() const {
  std::int64_t frac = raw_ % kScale;
  int places = kPlaces;
  while (places > 0 && frac % 10 == 0) {
    frac /= 10;
    --places;
  }
  return places;
}

Decimal Decimal::abs() const { return raw_ < 0 ? -*this : *this; }

Decimal Decimal::operator-() const { return from_raw(checked(-static_cast<i128>(raw_), "negation")); }

Decimal operator+(Decimal a, Decimal b) {
  return Decimal::from_raw(checked(static_cast<i128>(a.raw_) + b.raw_, "addition"));
}
Decimal operator-(Decimal a, Decimal b) {
  return Decimal::from_raw(checked(static_cast<i128>(a.raw_) - b.raw_, "subtraction"));
}
Decimal operator*(Decimal a, Decimal b) {
  i128 product = static_cast<i128>(a.raw_) * b.raw_;
  return Decimal::from_raw(checked(divide_rounded(product, Decimal::kScale, Rounding::half_even), "multiplication"));
}
Decimal operator/(Decimal a, Decimal b) {
  if (b.raw_ == 0) throw std::domain_error("decimal division by zero");
  i128 num = static_cast<i128>(a.raw_) * Decimal::kScale;
  i128 den = b.raw_;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  return Decimal::from_raw(checked(divide_rounded(num, den, Rounding::half_even), "division"));
}

int minor_units(std::string_view currency) {
  // ISO 4217 codes whose minor unit is not 2, sorted, as 3-letter keys packed
  // in an integer: called for every amount, so a binary search, not a scan.
  struct Code {
    std::uint32_t key;
    int units;
  };
  static constexpr auto key = [](std::string_view c) {
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(c[0])) << 16) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(c[1])) << 8) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(c[2]));
  };
  static constexpr Code kExceptions[] = {
      {key("BHD"), 3}, {key("BIF"), 0}, {key("CLF"), 4}, {key("CLP"), 0}, {key("DJF"), 0}, {key("GNF"), 0},
      {key("IQD"), 3}, {key("ISK"), 0}, {key("JOD"), 3}, {key("JPY"), 0}, {key("KMF"), 0}, {key("KRW"), 0},
      {key("KWD"), 3}, {key("LYD"), 3}, {key("OMR"), 3}, {key("PYG"), 0}, {key("RWF"), 0}, {key("TND"), 3},
      {key("UGX"), 0}, {key("UYI"), 0}, {key("UYW"), 4}, {key("VND"), 0}, {key("VUV"), 0}, {key("XAF"), 0},
      {key("XOF"), 0}, {key("XPF"), 0}};
  static_assert(std::is_sorted(std::begin(kExceptions), std::end(kExceptions),
                               [](const Code& a, const Code& b) { return a.key < b.key; }));
  if (currency.size() != 3) return 2;
  const std::uint32_t k = key(currency);
  auto it = std::lower_bound(std::begin(kExceptions), std::end(kExceptions), k,
                             [](const Code& c, std::uint32_t v) { return c.key < v; });
  return it != std::end(kExceptions) && it->key == k ? it->units : 2;
}

Money Money::rounded(Rounding mode) const { return Money{amount.round(minor_units(), mode), currency}; }

std::string Money::to_string() const { return currency + " " + format_amount(amount, currency); }

std::string format_amount(Decimal amount, std::string_view currency) {
  return amount.to_string(minor_units(currency));
}

std::string format_hours(Decimal hours) { return hours.to_string() + " h"; }

}  // namespace billcheck
