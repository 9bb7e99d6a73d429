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

template <class T>
struct Column {
  std::string_view name;
  bool required;
  Setter<T> set;
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

inline constexpr std::array<std::string_view, 3> kLineTypes = {"fee", "expense", "adjustment"};
inline constexpr std::array<std::string_view, 4> kInvoiceStatuses = {"draft", "issued", "paid", "void"};
inline constexpr std::array<std::string_view, 3> kBillingCycles = {"monthly", "quarterly", "milestone"};

// ---------------------------------------------------------------------------
// The contract's columns (`*` there = required here).

inline constexpr Column<Client> kClientColumns[] = {
    {"client_id", true, set<&Client::id>},
    {"name", true, set<&Client::name>},
    {"billing_entity", false, set<&Client::billing_entity>},
    {"billing_address", false, set<&Client::billing_address>},
    {"billing_email", false, set<&Client::billing_email>},
    {"tax_id", false, set<&Client::tax_id>},
    {"country", false, set<&Client::country>},
    {"currency", true, set<&Client::currency>},
    {"payment_terms_days", false, set<&Client::payment_terms_days>},
    {"credit_limit", false, set<&Client::credit_limit>},
    {"credit_hold", false, set<&Client::credit_hold>},
    {"last_verified", false, set<&Client::last_verified>},
};

inline constexpr Column<Timekeeper> kTimekeeperColumns[] = {
    {"timekeeper_id", true, set<&Timekeeper::id>},
    {"name", true, set<&Timekeeper::name>},
    {"role", true, set<&Timekeeper::role>},
    {"active_from", false, set<&Timekeeper::active_from>},
    {"active_to", false, set<&Timekeeper::active_to>},
};

inline constexpr Column<Engagement> kEngagementColumns[] = {
    {"engagement_id", true, set<&Engagement::id>},
    {"client_id", true, set<&Engagement::client_id>},
    {"name", false, set<&Engagement::name>},
    {"billing_entity", false, set<&Engagement::billing_entity>},
    {"billing_cycle", false, set_choice<&Engagement::billing_cycle, kBillingCycles>},
    {"invoice_within_days", false, set<&Engagement::invoice_within_days>},
    {"discount_pct", false, set<&Engagement::discount_pct>},
    {"fee_cap", false, set<&Engagement::fee_cap>},
    {"start_date", false, set<&Engagement::start_date>},
    {"end_date", false, set<&Engagement::end_date>},
};

inline constexpr Column<Rate> kRateColumns[] = {
    {"engagement_id", true, set<&Rate::engagement_id>},
    {"timekeeper_id", false, set<&Rate::timekeeper_id>},
    {"role", false, set<&Rate::role>},
    {"rate", true, set<&Rate::rate>},
    {"effective_from", true, set<&Rate::effective_from>},
    {"effective_to", false, set<&Rate::effective_to>},
};

inline constexpr Column<TimeEntry> kTimeEntryColumns[] = {
    {"entry_id", true, set<&TimeEntry::id>},
    {"engagement_id", true, set<&TimeEntry::engagement_id>},
    {"timekeeper_id", true, set<&TimeEntry::timekeeper_id>},
    {"date", true, set<&TimeEntry::date>},
    {"hours", true, set<&TimeEntry::hours>},
    {"billable", false, set<&TimeEntry::billable>},
    {"task_code", false, set<&TimeEntry::task_code>},
    {"activity_code", false, set<&TimeEntry::activity_code>},
    {"description", false, set<&TimeEntry::description>},
};

inline constexpr Column<Invoice> kInvoiceColumns[] = {
    {"invoice_id", true, set<&Invoice::id>},
    {"client_id", true, set<&Invoice::client_id>},
    {"engagement_id", false, set<&Invoice::engagement_id>},
    {"issue_date", true, set<&Invoice::issue_date>},
    {"period_start", false, set<&Invoice::period_start>},
    {"period_end", false, set<&Invoice::period_end>},
    {"due_date", false, set<&Invoice::due_date>},
    {"currency", true, set<&Invoice::currency>},
    {"discount", false, set<&Invoice::discount>},
    {"tax_rate", false, set<&Invoice::tax_rate>},
    {"tax", false, set<&Invoice::tax>},
    {"total", true, set<&Invoice::total>},
    {"status", false, set_choice<&Invoice::status, kInvoiceStatuses>},
};

inline constexpr Column<InvoiceLine> kLineColumns[] = {
    {"invoice_id", true, set<&InvoiceLine::invoice_id>},
    {"line_no", true, set<&InvoiceLine::line_no>},
    {"type", true, set_choice<&InvoiceLine::type, kLineTypes>},
    {"date", false, set<&InvoiceLine::date>},
    {"timekeeper_id", false, set<&InvoiceLine::timekeeper_id>},
    {"entry_id", false, set<&InvoiceLine::entry_id>},
    {"task_code", false, set<&InvoiceLine::task_code>},
    {"activity_code", false, set<&InvoiceLine::activity_code>},
    {"expense_code", false, set<&InvoiceLine::expense_code>},
    {"description", false, set<&InvoiceLine::description>},
    {"quantity", true, set<&InvoiceLine::quantity>},
    {"rate", true, set<&InvoiceLine::rate>},
    {"adjustment", false, set<&InvoiceLine::adjustment>},
    {"amount", true, set<&InvoiceLine::amount>},
};

inline constexpr Column<Payment> kPaymentColumns[] = {
    {"payment_id", true, set<&Payment::id>},
    {"client_id", true, set<&Payment::client_id>},
    {"invoice_id", false, set<&Payment::invoice_id>},
    {"date", true, set<&Payment::date>},
    {"amount", true, set<&Payment::amount>},
    {"currency", true, set<&Payment::currency>},
    {"reference", false, set<&Payment::reference>},
};

inline constexpr Column<CreditNote> kCreditNoteColumns[] = {
    {"credit_note_id", true, set<&CreditNote::id>},
    {"client_id", true, set<&CreditNote::client_id>},
    {"invoice_id", false, set<&CreditNote::invoice_id>},
    {"date", true, set<&CreditNote::date>},
    {"amount", true, set<&CreditNote::amount>},
    {"reason", false, set<&CreditNote::reason>},
    {"approved_by", false, set<&CreditNote::approved_by>},
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
