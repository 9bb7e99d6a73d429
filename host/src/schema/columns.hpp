// The columns of each entity of the book-format contract and the one set of
// text-to-value conversions that every loader (CSV, JSON) shares, so that a
// value is accepted or rejected the same way whatever form the book came in.
#pragma once

#include <billcheck/book.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace billcheck::fields {

/// Converts `text` (never empty) into the record; on failure returns false and
/// sets `why` to what is wrong and what to do, e.g. `'12,50' is not a decimal number (...)`.
template <class T>
using Setter = bool (*)(T& record, std::string_view text, std::string& why);

/// A value written back as text (empty = absent); `is_text` is false for
/// numbers and booleans, which JSON writes unquoted.
struct Cell {
  std::string text;
  bool is_text = true;
};

/// Reads the record's value of one column back as text, for the writers.
template <class T>
using Getter = Cell (*)(const T& record);

template <class T>
struct Column {
  std::string_view name;
  bool required;
  Setter<T> set;
  Getter<T> get;
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
// Setters, one per member: the member's type picks the conversion.

template <class M>
struct member_traits;
template <class C, class V>
struct member_traits<V C::*> {
  using record = C;
  using value = V;
};
template <auto M>
using record_of = typename member_traits<decltype(M)>::record;
template <auto M>
using value_of = typename member_traits<decltype(M)>::value;

template <class V>
bool convert(std::string_view text, V& out, std::string& why) {
  if constexpr (std::is_same_v<V, std::string>) {
    out.assign(text.data(), text.size());
    return true;
  } else if constexpr (std::is_same_v<V, Decimal>) {
    return parse_decimal(text, out, why);
  } else if constexpr (std::is_same_v<V, Date>) {
    return parse_date(text, out, why);
  } else if constexpr (std::is_same_v<V, std::int64_t>) {
    return parse_integer(text, out, why);
  } else if constexpr (std::is_same_v<V, bool>) {
    return parse_bool(text, out, why);
  } else {
    static_assert(sizeof(V) == 0, "no conversion for this member type");
  }
}

template <class V>
bool convert(std::string_view text, std::optional<V>& out, std::string& why) {
  V value{};
  if (!convert(text, value, why)) return false;
  out = std::move(value);
  return true;
}

template <auto M>
bool set(record_of<M>& record, std::string_view text, std::string& why) {
  return convert(text, record.*M, why);
}

/// A text column limited to `Allowed` (exact, lower case as the contract writes them).
template <auto M, const auto& Allowed>
bool set_choice(record_of<M>& record, std::string_view text, std::string& why) {
  for (std::string_view allowed : Allowed) {
    if (text == allowed) {
      (record.*M).assign(text.data(), text.size());
      return true;
    }
  }
  std::string list;
  for (std::size_t i = 0; i < Allowed.size(); ++i) {
    if (i > 0) list += i + 1 == Allowed.size() ? " or " : ", ";
    list += Allowed[i];
  }
  why = quoted(text) + " is not a valid value (use " + list + ")";
  return false;
}

/// A currency column: an ISO 4217 code (the table minor_units() reads), since an
/// unknown or lower-case code would be taken for a two-decimal currency.
template <auto M>
bool set_currency(record_of<M>& record, std::string_view text, std::string& why) {
  why = currency_problem(text);
  if (!why.empty()) return false;
  (record.*M).assign(text.data(), text.size());
  return true;
}

inline Cell cell(const std::string& v) { return {v, true}; }
inline Cell cell(Decimal v) { return {v.to_string(), false}; }
inline Cell cell(std::int64_t v) { return {std::to_string(v), false}; }
inline Cell cell(bool v) { return {v ? "true" : "false", false}; }
inline Cell cell(Date v) { return {v.to_string(), true}; }
template <class V>
Cell cell(const std::optional<V>& v) {
  return v ? cell(*v) : Cell{};
}

template <auto M>
Cell get(const record_of<M>& record) {
  return cell(record.*M);
}

inline constexpr std::array<std::string_view, 3> kLineTypes = {"fee", "expense", "adjustment"};
inline constexpr std::array<std::string_view, 4> kInvoiceStatuses = {"draft", "issued", "paid", "void"};
inline constexpr std::array<std::string_view, 3> kBillingCycles = {"monthly", "quarterly", "milestone"};

// ---------------------------------------------------------------------------
// The contract's columns (`*` there = required here).

inline constexpr Column<Client> kClientColumns[] = {
    {"client_id", true, set<&Client::id>, get<&Client::id>},
    {"name", true, set<&Client::name>, get<&Client::name>},
    {"billing_entity", false, set<&Client::billing_entity>, get<&Client::billing_entity>},
    {"billing_address", false, set<&Client::billing_address>, get<&Client::billing_address>},
    {"billing_email", false, set<&Client::billing_email>, get<&Client::billing_email>},
    {"tax_id", false, set<&Client::tax_id>, get<&Client::tax_id>},
    {"country", false, set<&Client::country>, get<&Client::country>},
    {"currency", true, set_currency<&Client::currency>, get<&Client::currency>},
    {"payment_terms_days", false, set<&Client::payment_terms_days>, get<&Client::payment_terms_days>},
    {"credit_limit", false, set<&Client::credit_limit>, get<&Client::credit_limit>},
    {"credit_hold", false, set<&Client::credit_hold>, get<&Client::credit_hold>},
    {"last_verified", false, set<&Client::last_verified>, get<&Client::last_verified>},
};

inline constexpr Column<Timekeeper> kTimekeeperColumns[] = {
    {"timekeeper_id", true, set<&Timekeeper::id>, get<&Timekeeper::id>},
    {"name", true, set<&Timekeeper::name>, get<&Timekeeper::name>},
    {"role", true, set<&Timekeeper::role>, get<&Timekeeper::role>},
    {"active_from", false, set<&Timekeeper::active_from>, get<&Timekeeper::active_from>},
    {"active_to", false, set<&Timekeeper::active_to>, get<&Timekeeper::active_to>},
};

inline constexpr Column<Engagement> kEngagementColumns[] = {
    {"engagement_id", true, set<&Engagement::id>, get<&Engagement::id>},
    {"client_id", true, set<&Engagement::client_id>, get<&Engagement::client_id>},
    {"name", false, set<&Engagement::name>, get<&Engagement::name>},
    {"billing_entity", false, set<&Engagement::billing_entity>, get<&Engagement::billing_entity>},
    {"billing_cycle", false, set_choice<&Engagement::billing_cycle, kBillingCycles>, get<&Engagement::billing_cycle>},
    {"invoice_within_days", false, set<&Engagement::invoice_within_days>, get<&Engagement::invoice_within_days>},
    {"discount_pct", false, set<&Engagement::discount_pct>, get<&Engagement::discount_pct>},
    {"fee_cap", false, set<&Engagement::fee_cap>, get<&Engagement::fee_cap>},
    {"start_date", false, set<&Engagement::start_date>, get<&Engagement::start_date>},
    {"end_date", false, set<&Engagement::end_date>, get<&Engagement::end_date>},
};

inline constexpr Column<Rate> kRateColumns[] = {
    {"engagement_id", true, set<&Rate::engagement_id>, get<&Rate::engagement_id>},
    {"timekeeper_id", false, set<&Rate::timekeeper_id>, get<&Rate::timekeeper_id>},
    {"role", false, set<&Rate::role>, get<&Rate::role>},
    {"rate", true, set<&Rate::rate>, get<&Rate::rate>},
    {"effective_from", true, set<&Rate::effective_from>, get<&Rate::effective_from>},
    {"effective_to", false, set<&Rate::effective_to>, get<&Rate::effective_to>},
};

inline constexpr Column<TimeEntry> kTimeEntryColumns[] = {
    {"entry_id", true, set<&TimeEntry::id>, get<&TimeEntry::id>},
    {"engagement_id", true, set<&TimeEntry::engagement_id>, get<&TimeEntry::engagement_id>},
    {"timekeeper_id", true, set<&TimeEntry::timekeeper_id>, get<&TimeEntry::timekeeper_id>},
    {"date", true, set<&TimeEntry::date>, get<&TimeEntry::date>},
    {"hours", true, set<&TimeEntry::hours>, get<&TimeEntry::hours>},
    {"billable", false, set<&TimeEntry::billable>, get<&TimeEntry::billable>},
    {"task_code", false, set<&TimeEntry::task_code>, get<&TimeEntry::task_code>},
    {"activity_code", false, set<&TimeEntry::activity_code>, get<&TimeEntry::activity_code>},
    {"description", false, set<&TimeEntry::description>, get<&TimeEntry::description>},
};

inline constexpr Column<Invoice> kInvoiceColumns[] = {
    {"invoice_id", true, set<&Invoice::id>, get<&Invoice::id>},
    {"client_id", true, set<&Invoice::client_id>, get<&Invoice::client_id>},
    {"engagement_id", false, set<&Invoice::engagement_id>, get<&Invoice::engagement_id>},
    {"issue_date", true, set<&Invoice::issue_date>, get<&Invoice::issue_date>},
    {"period_start", false, set<&Invoice::period_start>, get<&Invoice::period_start>},
    {"period_end", false, set<&Invoice::period_end>, get<&Invoice::period_end>},
    {"due_date", false, set<&Invoice::due_date>, get<&Invoice::due_date>},
    {"currency", true, set_currency<&Invoice::currency>, get<&Invoice::currency>},
    {"discount", false, set<&Invoice::discount>, get<&Invoice::discount>},
    {"tax_rate", false, set<&Invoice::tax_rate>, get<&Invoice::tax_rate>},
    {"tax", false, set<&Invoice::tax>, get<&Invoice::tax>},
    {"total", true, set<&Invoice::total>, get<&Invoice::total>},
    {"status", false, set_choice<&Invoice::status, kInvoiceStatuses>, get<&Invoice::status>},
};

inline constexpr Column<InvoiceLine> kLineColumns[] = {
    {"invoice_id", true, set<&InvoiceLine::invoice_id>, get<&InvoiceLine::invoice_id>},
    {"line_no", true, set<&InvoiceLine::line_no>, get<&InvoiceLine::line_no>},
    {"type", true, set_choice<&InvoiceLine::type, kLineTypes>, get<&InvoiceLine::type>},
    {"date", false, set<&InvoiceLine::date>, get<&InvoiceLine::date>},
    {"timekeeper_id", false, set<&InvoiceLine::timekeeper_id>, get<&InvoiceLine::timekeeper_id>},
    {"entry_id", false, set<&InvoiceLine::entry_id>, get<&InvoiceLine::entry_id>},
    {"task_code", false, set<&InvoiceLine::task_code>, get<&InvoiceLine::task_code>},
    {"activity_code", false, set<&InvoiceLine::activity_code>, get<&InvoiceLine::activity_code>},
    {"expense_code", false, set<&InvoiceLine::expense_code>, get<&InvoiceLine::expense_code>},
    {"description", false, set<&InvoiceLine::description>, get<&InvoiceLine::description>},
    {"quantity", true, set<&InvoiceLine::quantity>, get<&InvoiceLine::quantity>},
    {"rate", true, set<&InvoiceLine::rate>, get<&InvoiceLine::rate>},
    {"adjustment", false, set<&InvoiceLine::adjustment>, get<&InvoiceLine::adjustment>},
    {"amount", true, set<&InvoiceLine::amount>, get<&InvoiceLine::amount>},
};

inline constexpr Column<Payment> kPaymentColumns[] = {
    {"payment_id", true, set<&Payment::id>, get<&Payment::id>},
    {"client_id", true, set<&Payment::client_id>, get<&Payment::client_id>},
    {"invoice_id", false, set<&Payment::invoice_id>, get<&Payment::invoice_id>},
    {"date", true, set<&Payment::date>, get<&Payment::date>},
    {"amount", true, set<&Payment::amount>, get<&Payment::amount>},
    {"currency", true, set_currency<&Payment::currency>, get<&Payment::currency>},
    {"reference", false, set<&Payment::reference>, get<&Payment::reference>},
};

inline constexpr Column<CreditNote> kCreditNoteColumns[] = {
    {"credit_note_id", true, set<&CreditNote::id>, get<&CreditNote::id>},
    {"client_id", true, set<&CreditNote::client_id>, get<&CreditNote::client_id>},
    {"invoice_id", false, set<&CreditNote::invoice_id>, get<&CreditNote::invoice_id>},
    {"date", true, set<&CreditNote::date>, get<&CreditNote::date>},
    {"amount", true, set<&CreditNote::amount>, get<&CreditNote::amount>},
    {"reason", false, set<&CreditNote::reason>, get<&CreditNote::reason>},
    {"approved_by", false, set<&CreditNote::approved_by>, get<&CreditNote::approved_by>},
};

// Which columns a record has is tracked in a 32-bit mask.
static_assert(std::size(kClientColumns) <= 32 && std::size(kTimekeeperColumns) <= 32 &&
              std::size(kEngagementColumns) <= 32 && std::size(kRateColumns) <= 32 &&
              std::size(kTimeEntryColumns) <= 32 && std::size(kInvoiceColumns) <= 32 &&
              std::size(kLineColumns) <= 32 && std::size(kPaymentColumns) <= 32 &&
              std::size(kCreditNoteColumns) <= 32);

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

inline constexpr Entity<Client> kClients{"clients", kClientColumns, &BookData::clients};
inline constexpr Entity<Timekeeper> kTimekeepers{"timekeepers", kTimekeeperColumns, &BookData::timekeepers};
inline constexpr Entity<Engagement> kEngagements{"engagements", kEngagementColumns, &BookData::engagements};
inline constexpr Entity<Rate> kRates{"rates", kRateColumns, &BookData::rates};
inline constexpr Entity<TimeEntry> kTimeEntries{"time_entries", kTimeEntryColumns, &BookData::time_entries};
inline constexpr Entity<Invoice> kInvoices{"invoices", kInvoiceColumns, &BookData::invoices};
inline constexpr Entity<InvoiceLine> kLines{"invoice_lines", kLineColumns, &BookData::lines};
inline constexpr Entity<Payment> kPayments{"payments", kPaymentColumns, &BookData::payments};
inline constexpr Entity<CreditNote> kCreditNotes{"credit_notes", kCreditNoteColumns, &BookData::credit_notes};

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

inline constexpr std::string_view kEntityNames =
    "clients, timekeepers, engagements, rates, time_entries, invoices, invoice_lines, payments, credit_notes";

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
