#include <billcheck/decimal.hpp>

#include <algorithm>
#include <array>
#include <iterator>
#include <limits>

namespace billcheck {
namespace {

using i128 = __int128;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
// The range is symmetric: the int64 minimum is no Decimal, it marks an absent one (Optional<Decimal>).
constexpr std::int64_t kMin = -kMax;
constexpr std::array<std::int64_t, 7> kPow10 = {1, 10, 100, 1000, 10000, 100000, 1000000};

std::int64_t checked(i128 v, const char* what) {
  if (v > kMax || v < kMin) throw DecimalOverflow(std::string("decimal overflow in ") + what);
  return static_cast<std::int64_t>(v);
}

// Divides with rounding to nearest; ties per `mode`. `den` > 0. Used in 64
// bits where the operands fit (a 128-bit division is a library call, several
// times slower): there `den` is at most 10^6, so 2|r| < 2 * 10^6 cannot overflow.
template <class I>
I divide_rounded(I num, I den, Rounding mode) {
  I q = num / den;
  I r = num % den;
  if (r == 0) return q;
  I twice = (r < 0 ? -r : r) * 2;
  bool away = twice > den || (twice == den && (mode == Rounding::half_up || (q % 2 != 0)));
  if (away) q += (num < 0) ? -1 : 1;
  return q;
}

}  // namespace

Decimal Decimal::from_int(std::int64_t whole) {
  return from_raw(checked(static_cast<i128>(whole) * kScale, "from_int"));
}

std::string Decimal::parse_error(std::string_view text, Decimal& out) {
  if (parse_common(text, out)) return {};
  // In unsigned 64 bits, not 128 (a loader parses every amount it reads). The
  // whole part is checked against the range digit by digit, and the value at
  // the end, as before, so that each text gets the first error it has.
  constexpr auto kMaxMagnitude = static_cast<std::uint64_t>(kMax);
  if (text.empty()) return "empty number";
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  std::uint64_t whole = 0;
  std::size_t whole_digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    // 18 digits are below 10^18 < kMax: only a longer whole part needs the (dividing) check.
    if (whole_digits >= 18 && whole > (kMaxMagnitude - digit) / 10) return "number out of range";
    whole = whole * 10 + digit;
    ++i;
    ++whole_digits;
  }
  std::uint64_t frac = 0;
  std::size_t frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (frac_digits < static_cast<std::size_t>(kPlaces)) {
        frac = frac * 10 + static_cast<std::uint64_t>(text[i] - '0');
        ++frac_digits;
      } else if (text[i] != '0') {
        return "more than 6 decimal places";
      }
      ++i;
    }
  }
  if (i != text.size() || (whole_digits == 0 && frac_digits == 0)) return "not a decimal number";
  // A whole part past kMax / kScale is out of range either way.
  constexpr auto kScaleU = static_cast<std::uint64_t>(kScale);
  if (whole > kMaxMagnitude / kScaleU) return "number out of range";
  const std::uint64_t magnitude = whole * kScaleU + frac * static_cast<std::uint64_t>(kPow10[kPlaces - frac_digits]);
  if (magnitude > kMaxMagnitude) return "number out of range";
  out = from_raw(static_cast<std::int64_t>(negative ? 0 - magnitude : magnitude));
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
  const std::int64_t unit = kPow10[kPlaces - places];
  const std::int64_t q = divide_rounded<std::int64_t>(raw_, unit, mode);
  return from_raw(checked(static_cast<i128>(q) * unit, "round"));
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
  // Hours times a rate fits in 64 bits before the scale is divided out: then
  // the division is by a constant, done with a multiplication.
  if (std::int64_t product; !__builtin_mul_overflow(a.raw_, b.raw_, &product))
    return Decimal::from_raw(divide_rounded<std::int64_t>(product, Decimal::kScale, Rounding::half_even));
  const i128 product = static_cast<i128>(a.raw_) * b.raw_;
  return Decimal::from_raw(
      checked(divide_rounded<i128>(product, Decimal::kScale, Rounding::half_even), "multiplication"));
}
Decimal operator/(Decimal a, Decimal b) {
  if (b.raw_ == 0) throw std::domain_error("decimal division by zero");
  i128 num = static_cast<i128>(a.raw_) * Decimal::kScale;
  i128 den = b.raw_;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  return Decimal::from_raw(checked(divide_rounded<i128>(num, den, Rounding::half_even), "division"));
}

namespace {

/// An ISO 4217 code and its minor units.
struct Currency {
  std::uint32_t key;  // the three letters packed in an integer
  int units;
};

constexpr std::uint32_t currency_key(std::string_view c) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(c[0])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(c[1])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(c[2]));
}

/// The code's entry in ISO 4217 list one (current currencies and funds, with
/// numeric minor units; not gold, SDRs or test codes, which nothing is billed
/// in), or nullptr. Called for every amount, so a binary search over packed
/// keys, not a scan of strings.
const Currency* find_currency(std::string_view code) {
  static constexpr auto key = currency_key;
  static constexpr Currency kCurrencies[] = {
      {key("AED"), 2}, {key("AFN"), 2}, {key("ALL"), 2}, {key("AMD"), 2}, {key("ANG"), 2}, {key("AOA"), 2},
      {key("ARS"), 2}, {key("AUD"), 2}, {key("AWG"), 2}, {key("AZN"), 2}, {key("BAM"), 2}, {key("BBD"), 2},
      {key("BDT"), 2}, {key("BGN"), 2}, {key("BHD"), 3}, {key("BIF"), 0}, {key("BMD"), 2}, {key("BND"), 2},
      {key("BOB"), 2}, {key("BOV"), 2}, {key("BRL"), 2}, {key("BSD"), 2}, {key("BTN"), 2}, {key("BWP"), 2},
      {key("BYN"), 2}, {key("BZD"), 2}, {key("CAD"), 2}, {key("CDF"), 2}, {key("CHE"), 2}, {key("CHF"), 2},
      {key("CHW"), 2}, {key("CLF"), 4}, {key("CLP"), 0}, {key("CNY"), 2}, {key("COP"), 2}, {key("COU"), 2},
      {key("CRC"), 2}, {key("CUC"), 2}, {key("CUP"), 2}, {key("CVE"), 2}, {key("CZK"), 2}, {key("DJF"), 0},
      {key("DKK"), 2}, {key("DOP"), 2}, {key("DZD"), 2}, {key("EGP"), 2}, {key("ERN"), 2}, {key("ETB"), 2},
      {key("EUR"), 2}, {key("FJD"), 2}, {key("FKP"), 2}, {key("GBP"), 2}, {key("GEL"), 2}, {key("GHS"), 2},
      {key("GIP"), 2}, {key("GMD"), 2}, {key("GNF"), 0}, {key("GTQ"), 2}, {key("GYD"), 2}, {key("HKD"), 2},
      {key("HNL"), 2}, {key("HTG"), 2}, {key("HUF"), 2}, {key("IDR"), 2}, {key("ILS"), 2}, {key("INR"), 2},
      {key("IQD"), 3}, {key("IRR"), 2}, {key("ISK"), 0}, {key("JMD"), 2}, {key("JOD"), 3}, {key("JPY"), 0},
      {key("KES"), 2}, {key("KGS"), 2}, {key("KHR"), 2}, {key("KMF"), 0}, {key("KPW"), 2}, {key("KRW"), 0},
      {key("KWD"), 3}, {key("KYD"), 2}, {key("KZT"), 2}, {key("LAK"), 2}, {key("LBP"), 2}, {key("LKR"), 2},
      {key("LRD"), 2}, {key("LSL"), 2}, {key("LYD"), 3}, {key("MAD"), 2}, {key("MDL"), 2}, {key("MGA"), 2},
      {key("MKD"), 2}, {key("MMK"), 2}, {key("MNT"), 2}, {key("MOP"), 2}, {key("MRU"), 2}, {key("MUR"), 2},
      {key("MVR"), 2}, {key("MWK"), 2}, {key("MXN"), 2}, {key("MXV"), 2}, {key("MYR"), 2}, {key("MZN"), 2},
      {key("NAD"), 2}, {key("NGN"), 2}, {key("NIO"), 2}, {key("NOK"), 2}, {key("NPR"), 2}, {key("NZD"), 2},
      {key("OMR"), 3}, {key("PAB"), 2}, {key("PEN"), 2}, {key("PGK"), 2}, {key("PHP"), 2}, {key("PKR"), 2},
      {key("PLN"), 2}, {key("PYG"), 0}, {key("QAR"), 2}, {key("RON"), 2}, {key("RSD"), 2}, {key("RUB"), 2},
      {key("RWF"), 0}, {key("SAR"), 2}, {key("SBD"), 2}, {key("SCR"), 2}, {key("SDG"), 2}, {key("SEK"), 2},
      {key("SGD"), 2}, {key("SHP"), 2}, {key("SLE"), 2}, {key("SLL"), 2}, {key("SOS"), 2}, {key("SRD"), 2},
      {key("SSP"), 2}, {key("STN"), 2}, {key("SVC"), 2}, {key("SYP"), 2}, {key("SZL"), 2}, {key("THB"), 2},
      {key("TJS"), 2}, {key("TMT"), 2}, {key("TND"), 3}, {key("TOP"), 2}, {key("TRY"), 2}, {key("TTD"), 2},
      {key("TWD"), 2}, {key("TZS"), 2}, {key("UAH"), 2}, {key("UGX"), 0}, {key("USD"), 2}, {key("USN"), 2},
      {key("UYI"), 0}, {key("UYU"), 2}, {key("UYW"), 4}, {key("UZS"), 2}, {key("VED"), 2}, {key("VES"), 2},
      {key("VND"), 0}, {key("VUV"), 0}, {key("WST"), 2}, {key("XAF"), 0}, {key("XCD"), 2}, {key("XCG"), 2},
      {key("XOF"), 0}, {key("XPF"), 0}, {key("YER"), 2}, {key("ZAR"), 2}, {key("ZMW"), 2}, {key("ZWG"), 2},
      {key("ZWL"), 2}};
  static_assert(std::is_sorted(std::begin(kCurrencies), std::end(kCurrencies),
                               [](const Currency& a, const Currency& b) { return a.key < b.key; }));
  if (code.size() != 3) return nullptr;
  const std::uint32_t k = key(code);
  auto it = std::lower_bound(std::begin(kCurrencies), std::end(kCurrencies), k,
                             [](const Currency& c, std::uint32_t v) { return c.key < v; });
  return it != std::end(kCurrencies) && it->key == k ? &*it : nullptr;
}

}  // namespace

int minor_units(std::string_view currency) {
  const Currency* c = find_currency(currency);
  return c ? c->units : 2;
}

bool is_currency(std::string_view code) { return find_currency(code) != nullptr; }

std::string currency_problem(std::string_view code) {
  if (is_currency(code)) return {};
  // Quote at most a code's worth and a little: a stray column can hold a page of text.
  constexpr std::size_t kShown = 12;
  std::string shown = code.size() > kShown ? std::string(code.substr(0, kShown)) + "..." : std::string(code);
  std::string out = "'" + shown + "'";
  if (code.size() > kShown) out += " (" + std::to_string(code.size()) + " characters)";
  out += " is not an ISO 4217 currency code";
  std::string upper(code.size() == 3 ? code : std::string_view());
  for (char& ch : upper)
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  if (!upper.empty() && upper != code && is_currency(upper))
    out += " (codes are upper case: " + upper + ")";
  else
    out += " (use the three capital letters of ISO 4217, e.g. USD, EUR, JPY)";
  return out;
}

Money Money::rounded(Rounding mode) const { return Money{amount.round(minor_units(), mode), currency}; }

std::string Money::to_string() const { return currency + " " + format_amount(amount, currency); }

std::string format_amount(Decimal amount, std::string_view currency) {
  return amount.to_string(minor_units(currency));
}

std::string format_hours(Decimal hours) { return hours.to_string() + " h"; }

}  // namespace billcheck
