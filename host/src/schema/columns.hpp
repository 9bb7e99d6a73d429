// The schema's columns as text, for the loaders (CSV, JSON) and the writers,
// and the one set of text-to-value conversions that every loader shares, so
// that a value is accepted or rejected the same way whatever form the book
// came in. The columns themselves are in schema/schema.hpp.
#pragma once

#include <billcheck/book.hpp>

#include "load/scan.hpp"
#include "schema/schema.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace billcheck::fields {

/// Converts `text` (never empty) into the record, its text kept in `store`; on failure returns
/// false and sets `why` to what is wrong and what to do, e.g. `'12,50' is not a decimal number (...)`.
template <class T>
using Setter = bool (*)(T& record, std::string_view text, TextStore& store, std::string& why);

/// A value written back as text (empty = absent); `is_text` is false for
/// numbers and booleans, which JSON writes unquoted.
struct Cell {
  std::string text;
  bool is_text = true;
};

/// Reads the record's value of one column back as text, for the writers.
template <class T>
using Getter = Cell (*)(const T& record);

/// Puts a Text into the record's member, and reads it back: for a loader that
/// reuses the text of the row before when a cell repeats it (a Text column only).
template <class T>
using TextPut = void (*)(T& record, Text value);
template <class T>
using TextGet = Text (*)(const T& record);

/// Converts one cell of each of `n` rows (row r's from cells + r * stride; an
/// empty cell is absent) into records[0, n), for a loader that converts a
/// block of rows a column at a time. A Text value that repeats `last` (the
/// Text the row before got there, which passed the same checks) takes it
/// without asking the store, and `last` is left as the last row's. Returns n,
/// or the first row whose value it does not take at once (refused, an amount
/// Decimal::parse_common leaves to the careful reading, or empty where
/// `required`): the loader then converts the block row by row, as
/// Column::set, which accepts or reports it.
template <class T>
using BlockSetter = std::size_t (*)(T* records, const std::string_view* cells, std::size_t stride, std::size_t n,
                                    bool required, std::span<const std::string_view> choices, Text& last,
                                    TextStore& store);

/// A column as the loaders and writers see it, made from the schema's column.
template <class T>
struct Column {
  std::string_view name;
  bool required;
  std::span<const std::string_view> choices;  // the only values allowed (empty: any)
  Setter<T> parse;
  Getter<T> get;
  bool money = false;  // an amount: the writers give it its currency's decimals
  /// For a Text member (free text, a choice or a currency), else null: where
  /// set() would store the same bytes again, a loader may put the Text it
  /// made for them before (the checks set() makes gave the same answer then).
  TextPut<T> put_text = nullptr;
  TextGet<T> text_of = nullptr;
  BlockSetter<T> fill = nullptr;

  /// Converts `text` (never empty) into the record, its text kept in `store`; on failure
  /// returns false and sets `why`.
  bool set(T& record, std::string_view text, TextStore& store, std::string& why) const {
    if (!choices.empty() && !is_choice(text, why)) return false;
    return parse(record, text, store, why);
  }

 private:
  /// Whether `text` is one of `choices` (exact, lower case as the contract writes them).
  bool is_choice(std::string_view text, std::string& why) const;
};

// ---------------------------------------------------------------------------
// Conversions

inline std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline bool has_outer_space(std::string_view text) {
  return !text.empty() && (is_space(text.front()) || is_space(text.back()));
}

/// `what` plus the hint that fits: spaces around a value are the usual culprit.
inline std::string invalid(std::string_view text, std::string_view what, std::string_view hint) {
  std::string out = quoted(text);
  out += ' ';
  out += what;
  out += has_outer_space(text) ? " (remove the spaces around it)" : hint;
  return out;
}

inline bool parse_decimal(std::string_view text, Decimal& out, std::string& why) {
  if (Decimal::parse_common(text, out)) return true;
  std::string reason = Decimal::parse_error(text, out);
  if (reason.empty()) return true;
  if (reason == "more than 6 decimal places")
    why = quoted(text) + " has more than 6 decimal places (round it to at most 6)";
  else if (reason == "number out of range")
    why = quoted(text) + " is out of range (the largest magnitude is 9223372036854.775807)";
  else if (text.find_first_of("eE") != std::string_view::npos &&
           text.find_first_not_of("0123456789.-+eE") == std::string_view::npos)
    why = quoted(text) + " is not a decimal number (write it out in full, without an exponent)";
  else
    why = invalid(text, "is not a decimal number",
                  " (use '.' as the separator, no thousands separators or currency symbols)");
  return false;
}

inline bool parse_date(std::string_view text, Date& out, std::string& why) {
  if (auto d = Date::parse_iso(text)) {
    out = *d;
    return true;
  }
  why = invalid(text, "is not a valid date", " (expected YYYY-MM-DD)");
  return false;
}

inline bool parse_integer(std::string_view text, std::int64_t& out, std::string& why) {
  const char* first = text.data();
  const char* last = first + text.size();
  auto [end, ec] = std::from_chars(first, last, out);
  if (ec == std::errc() && end == last) return true;
  if (ec == std::errc::result_out_of_range && end == last)
    why = quoted(text) + " is out of range for a whole number";
  else
    why = invalid(text, "is not a whole number", " (use digits only, e.g. 30)");
  return false;
}

/// A whole number of 32 bits (a line's number).
inline bool parse_integer(std::string_view text, std::int32_t& out, std::string& why) {
  std::int64_t wide = 0;
  if (!parse_integer(text, wide, why)) return false;
  if (wide < INT32_MIN || wide > INT32_MAX) {
    why = quoted(text) + " is out of range (a whole number from -2147483648 to 2147483647)";
    return false;
  }
  out = static_cast<std::int32_t>(wide);
  return true;
}

inline bool equals_lower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

inline bool parse_bool(std::string_view text, bool& out, std::string& why) {
  // Case-insensitive: spreadsheets write TRUE/FALSE.
  if (equals_lower(text, "true") || equals_lower(text, "yes") || text == "1") {
    out = true;
    return true;
  }
  if (equals_lower(text, "false") || equals_lower(text, "no") || text == "0") {
    out = false;
    return true;
  }
  why = invalid(text, "is not a boolean", " (use true/false, yes/no or 1/0)");
  return false;
}

// ---------------------------------------------------------------------------
// Setters and getters, one per member: the member's type picks the conversion.

template <auto M>
using record_of = typename schema::member_traits<decltype(M)>::record;

template <class V>
bool convert(std::string_view text, V& out, TextStore& store, std::string& why) {
  if constexpr (std::is_same_v<V, Text>) {
    out = store.add(text);
    return true;
  } else if constexpr (std::is_same_v<V, Decimal>) {
    return parse_decimal(text, out, why);
  } else if constexpr (std::is_same_v<V, Date>) {
    return parse_date(text, out, why);
  } else if constexpr (std::is_same_v<V, std::int64_t>) {
    return parse_integer(text, out, why);
  } else if constexpr (std::is_same_v<V, std::int32_t>) {
    return parse_integer(text, out, why);
  } else if constexpr (std::is_same_v<V, bool>) {
    return parse_bool(text, out, why);
  } else {
    static_assert(sizeof(V) == 0, "no conversion for this member type");
  }
}

template <class V>
bool convert(std::string_view text, std::optional<V>& out, TextStore& store, std::string& why) {
  V value{};
  if (!convert(text, value, store, why)) return false;
  out = std::move(value);
  return true;
}
template <class V>
bool convert(std::string_view text, Optional<V>& out, TextStore& store, std::string& why) {
  V value{};
  if (!convert(text, value, store, why)) return false;
  out = value;
  return true;
}

template <auto M>
bool set(record_of<M>& record, std::string_view text, TextStore& store, std::string& why) {
  return convert(text, record.*M, store, why);
}

template <class T>
bool Column<T>::is_choice(std::string_view text, std::string& why) const {
  for (std::string_view allowed : choices)
    if (text == allowed) return true;
  std::string list;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) list += i + 1 == choices.size() ? " or " : ", ";
    list += choices[i];
  }
  why = quoted(text) + " is not a valid value (use " + list + ")";
  return false;
}

/// A currency column: an ISO 4217 code (the table minor_units() reads), since an
/// unknown or lower-case code would be taken for a two-decimal currency.
template <auto M>
bool set_currency(record_of<M>& record, std::string_view text, TextStore& store, std::string& why) {
  why = currency_problem(text);
  if (!why.empty()) return false;
  record.*M = store.add(text);
  return true;
}

inline Cell cell(Text v) { return {v.str(), true}; }
inline Cell cell(Decimal v) { return {v.to_string(), false}; }
inline Cell cell(std::int64_t v) { return {std::to_string(v), false}; }
inline Cell cell(std::int32_t v) { return {std::to_string(v), false}; }
inline Cell cell(bool v) { return {v ? "true" : "false", false}; }
inline Cell cell(Date v) { return {v.to_string(), true}; }
template <class V>
Cell cell(const std::optional<V>& v) {
  return v ? cell(*v) : Cell{};
}
template <class V>
Cell cell(const Optional<V>& v) {
  return v ? cell(*v) : Cell{};
}

template <auto M>
Cell get(const record_of<M>& record) {
  return cell(record.*M);
}

/// The BlockSetter of member M (a currency column when `Currency`).
template <auto M, bool Currency = false>
std::size_t fill(record_of<M>* records, const std::string_view* cells, std::size_t stride, std::size_t n,
                 bool required, std::span<const std::string_view> choices, Text& last, TextStore& store) {
  using V = std::remove_cvref_t<decltype(records->*M)>;
  std::string why;
  for (std::size_t r = 0; r < n; ++r, cells += stride) {
    const std::string_view text = *cells;
    if (text.empty()) {
      if (required) return r;
      continue;
    }
    V& out = records[r].*M;
    if constexpr (std::is_same_v<V, Text>) {
      if (last.size() == text.size() && scan::same_bytes(last.data(), text.data(), text.size())) {
        out = last;
        continue;
      }
      if (!choices.empty() && std::find(choices.begin(), choices.end(), text) == choices.end()) return r;
      if constexpr (Currency)
        if (!currency_problem(text).empty()) return r;
      last = out = store.add(text);
    } else if constexpr (std::is_same_v<V, Date> || std::is_same_v<V, Optional<Date>>) {
      // A date repeats the row before's more often than not (an invoice's
      // lines, a day's work): comparing ten bytes costs less than reading them.
      if (const std::string_view before = r > 0 ? cells[-static_cast<std::ptrdiff_t>(stride)] : std::string_view();
          before.size() == text.size() && scan::same_bytes(before.data(), text.data(), text.size())) {
        out = records[r - 1].*M;
        continue;
      }
      if (!convert(text, out, store, why)) return r;
    } else if constexpr (std::is_same_v<V, Decimal> || std::is_same_v<V, Optional<Decimal>>) {
      Decimal d;
      if (!Decimal::parse_common(text, d)) return r;
      out = d;
    } else {
      if (!convert(text, out, store, why)) return r;
    }
  }
  return n;
}

template <auto M>
void put_text(record_of<M>& record, Text value) {
  record.*M = value;
}
template <auto M>
Text text_of(const record_of<M>& record) {
  return record.*M;
}

// ---------------------------------------------------------------------------
// The schema's columns as text.

template <auto M>
constexpr Column<record_of<M>> text_column(const schema::Column<M>& column) {
  if constexpr (std::is_same_v<typename schema::Column<M>::member_type, Text>)
    return {column.name, column.required, column.choices, column.is_currency ? &set_currency<M> : &set<M>,
            &get<M>,     column.is_money, &put_text<M>,   &text_of<M>,
            column.is_currency ? &fill<M, true> : &fill<M>};
  else
    return {column.name, column.required, column.choices, &set<M>, &get<M>, column.is_money, nullptr, nullptr, &fill<M>};
}

/// The text view of one of the schema's column tuples, as an array.
template <const auto& Columns>
inline constexpr auto kTextColumns =
    std::apply([](const auto&... column) { return std::array{text_column(column)...}; }, Columns);

// Which columns a record has is tracked in a 32-bit mask.
static_assert(std::tuple_size_v<std::remove_cvref_t<decltype(schema::kClientColumns)>> <= 32 &&
              std::tuple_size_v<std::remove_cvref_t<decltype(schema::kTimekeeperColumns)>> <= 32 &&
              std::tuple_size_v<std::remove_cvref_t<decltype(schema::kEngagementColumns)>> <= 32 &&
              std::tuple_size_v<std::remove_cvref_t<decltype(schema::kRateColumns)>> <= 32 &&
              std::tuple_size_v<std::remove_cvref_t<decltype(schema::kTimeEntryColumns)>> <= 32 &&
              std::tuple_size_v<std::remove_cvref_t<decltype(schema::kInvoiceColumns)>> <= 32 &&
              std::tuple_size_v<std::remove_cvref_t<decltype(schema::kLineColumns)>> <= 32 &&
              std::tuple_size_v<std::remove_cvref_t<decltype(schema::kPaymentColumns)>> <= 32 &&
              std::tuple_size_v<std::remove_cvref_t<decltype(schema::kCreditNoteColumns)>> <= 32);

/// One entity: its name (the JSON key, and the CSV file without `.csv`), its
/// columns and where its records go in BookData.
template <class T>
struct Entity {
  std::string_view name;
  std::span<const Column<T>> columns;
  std::vector<T> BookData::*records;

  /// Index of column `name`, or -1 when the contract does not name it.
  int find(std::string_view column) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i].name == column) return static_cast<int>(i);
    return -1;
  }
  std::uint32_t required_mask() const {
    std::uint32_t mask = 0;
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i].required) mask |= 1u << i;
    return mask;
  }
};

/// The text view of a schema entity.
template <const auto& E>
inline constexpr Entity<typename std::remove_cvref_t<decltype(E)>::record> kEntity{
    E.name, kTextColumns<E.columns>, E.records};

inline constexpr const auto& kClients = kEntity<schema::kClients>;
inline constexpr const auto& kTimekeepers = kEntity<schema::kTimekeepers>;
inline constexpr const auto& kEngagements = kEntity<schema::kEngagements>;
inline constexpr const auto& kRates = kEntity<schema::kRates>;
inline constexpr const auto& kTimeEntries = kEntity<schema::kTimeEntries>;
inline constexpr const auto& kInvoices = kEntity<schema::kInvoices>;
inline constexpr const auto& kLines = kEntity<schema::kLines>;
inline constexpr const auto& kPayments = kEntity<schema::kPayments>;
inline constexpr const auto& kCreditNotes = kEntity<schema::kCreditNotes>;

/// Calls `f(entity)` for each entity, in the contract's order.
template <class F>
void for_each_entity(F&& f) {
  f(kClients);
  f(kTimekeepers);
  f(kEngagements);
  f(kRates);
  f(kTimeEntries);
  f(kInvoices);
  f(kLines);
  f(kPayments);
  f(kCreditNotes);
}

/// `clients, timekeepers, ...`: the entities' names, for messages.
inline constexpr auto kEntityNamesText = [] {
  constexpr std::size_t size = [] {
    std::size_t n = 0;
    schema::for_each_entity([&](const auto& entity) { n += (n ? 2 : 0) + entity.name.size(); });
    return n;
  }();
  std::array<char, size> out{};
  std::size_t i = 0;
  schema::for_each_entity([&](const auto& entity) {
    if (i > 0) out[i++] = ',', out[i++] = ' ';
    for (char c : entity.name) out[i++] = c;
  });
  return out;
}();
inline constexpr std::string_view kEntityNames{kEntityNamesText.data(), kEntityNamesText.size()};

// ---------------------------------------------------------------------------
// Messages: `file:line: column 'name': what is wrong`.

inline std::string located(std::string_view file, std::uint32_t line, std::string_view what) {
  std::string out;
  out.reserve(file.size() + what.size() + 16);
  out += file;
  out += ':';
  out += std::to_string(line);
  out += ": ";
  out += what;
  return out;
}

/// The problems a reader lists before it stops converting records: a book
/// of a million broken records must not take gigabytes to say so.
inline constexpr std::size_t kMaxProblems = 10000;

/// Ends a list of problems that reached kMaxProblems with what to do.
inline void note_problems_stopped(std::vector<std::string>& errors, std::string_view file) {
  if (errors.size() < kMaxProblems) return;
  errors.push_back(std::string(file) + ": … stopped listing problems after " + std::to_string(kMaxProblems) +
                   "; fix these and load the book again");
}

inline std::string column_error(std::string_view file, std::uint32_t line, std::string_view column,
                                std::string_view what) {
  std::string out;
  out.reserve(file.size() + column.size() + what.size() + 28);
  out += file;
  out += ':';
  out += std::to_string(line);
  out += ": column '";
  out += column;
  out += "': ";
  out += what;
  return out;
}

/// Reports every required column of `entity` in `required` that `seen` lacks.
template <class T>
void check_required(const Entity<T>& entity, std::uint32_t required, std::uint32_t seen, std::string_view file,
                    std::uint32_t line, std::vector<std::string>& errors) {
  std::uint32_t missing = required & ~seen;
  for (std::size_t i = 0; missing != 0; ++i, missing >>= 1)
    if (missing & 1u) errors.push_back(column_error(file, line, entity.columns[i].name, "required value missing"));
}

}  // namespace billcheck::fields
