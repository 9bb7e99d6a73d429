// The entity schema: for each entity of a book, its columns (name, type,
// whether required, allowed values, what it means, and the record's member
// that holds it), written once. Every view of a column comes from here: the
// CSV and JSON loaders and the writers (schema/columns.hpp), the fields of
// pack expressions (packs/expr/bindings.cpp), the Python attributes
// (python/src/bind_entities.cpp) and the tables of docs/book-format.md
// (schema/markdown.cpp). Adding a column is one line here plus the struct member.
#pragma once

#include <billcheck/book.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace billcheck::schema {

template <class M>
struct member_traits;
template <class C, class V>
struct member_traits<V C::*> {
  using record = C;
  using value = V;
};

template <class V>
struct unwrap_optional {
  using type = V;
  static constexpr bool optional = false;
};
template <class V>
struct unwrap_optional<std::optional<V>> {
  using type = V;
  static constexpr bool optional = true;
};
template <class V>
struct unwrap_optional<Optional<V>> {
  using type = V;
  static constexpr bool optional = true;
};

/// One column of an entity; `Member` is the record's member that holds its value,
/// and the member's type is the column's type (text, Decimal, Date, whole number, bool).
template <auto Member>
struct Column {
  using record = typename member_traits<decltype(Member)>::record;
  /// The member's type, e.g. std::optional<Decimal>.
  using member_type = typename member_traits<decltype(Member)>::value;
  /// The value's type without the optional, e.g. Decimal.
  using value_type = typename unwrap_optional<member_type>::type;
  static constexpr auto member = Member;

  std::string_view name;  // the CSV header and the JSON key, e.g. `client_id`
  std::string_view doc;   // what it holds, one phrase in lower case, e.g. `the client's id`
  bool required = false;  // a record without it does not load
  bool is_money = false;  // an amount, written with its currency's decimals
  bool is_currency = false;  // an ISO 4217 code, checked when read
  std::span<const std::string_view> choices;  // the only values allowed (empty: any)
  std::string_view attribute;                 // its name on a record when not `name` (`id`)

  /// The name pack expressions and Python read it by: `invoice.id` for the `invoice_id` column.
  constexpr std::string_view field() const { return attribute.empty() ? name : attribute; }
  /// Whether a record may lack a value: an optional member, or text that is not required.
  constexpr bool may_be_absent() const {
    return unwrap_optional<member_type>::optional || (std::is_same_v<member_type, Text> && !required);
  }

  constexpr Column money() const {
    Column c = *this;
    c.is_money = true;
    return c;
  }
  constexpr Column currency() const {
    Column c = *this;
    c.is_currency = true;
    return c;
  }
  constexpr Column one_of(std::span<const std::string_view> allowed) const {
    Column c = *this;
    c.choices = allowed;
    return c;
  }
  /// The record's key column, read as `id` (`invoice.id`, not `invoice.invoice_id`).
  constexpr Column key() const {
    Column c = *this;
    c.attribute = "id";
    return c;
  }
};

template <auto Member>
constexpr Column<Member> required(std::string_view name, std::string_view doc) {
  return {.name = name, .doc = doc, .required = true};
}
template <auto Member>
constexpr Column<Member> optional(std::string_view name, std::string_view doc) {
  return {.name = name, .doc = doc, .required = false};
}

inline constexpr std::array<std::string_view, 3> kLineTypes = {"fee", "expense", "adjustment"};
inline constexpr std::array<std::string_view, 4> kInvoiceStatuses = {"draft", "issued", "paid", "void"};
inline constexpr std::array<std::string_view, 3> kBillingCycles = {"monthly", "quarterly", "milestone"};

// ---------------------------------------------------------------------------
// The columns, in the order the writers write them.

inline constexpr auto kClientColumns = std::tuple{
    required<&Client::id>("client_id", "the client's id").key(),
    required<&Client::name>("name", "the client's name"),
    optional<&Client::billing_entity>("billing_entity", "the entity invoices are addressed to"),
    optional<&Client::billing_address>("billing_address", "the billing address"),
    optional<&Client::billing_email>("billing_email", "where invoices are sent"),
    optional<&Client::tax_id>("tax_id", "the client's tax id"),
    optional<&Client::country>("country", "the client's country"),
    required<&Client::currency>("currency", "the client's ISO 4217 currency code").currency(),
    optional<&Client::payment_terms_days>("payment_terms_days", "days the client has to pay an invoice"),
    optional<&Client::credit_limit>("credit_limit", "the most the client may owe").money(),
    optional<&Client::credit_hold>("credit_hold", "true when no more credit may be given"),
    optional<&Client::last_verified>("last_verified", "when the client's details were last checked"),
};

inline constexpr auto kTimekeeperColumns = std::tuple{
    required<&Timekeeper::id>("timekeeper_id", "the timekeeper's id").key(),
    required<&Timekeeper::name>("name", "the timekeeper's name"),
    required<&Timekeeper::role>("role", "partner, associate, paralegal, ..."),
    optional<&Timekeeper::active_from>("active_from", "the first day with the firm"),
    optional<&Timekeeper::active_to>("active_to", "the last day with the firm"),
};

inline constexpr auto kEngagementColumns = std::tuple{
    required<&Engagement::id>("engagement_id", "the engagement's id").key(),
    required<&Engagement::client_id>("client_id", "the client's id"),
    optional<&Engagement::name>("name", "the matter's name"),
    optional<&Engagement::billing_entity>("billing_entity", "the entity invoiced"),
    optional<&Engagement::billing_cycle>("billing_cycle", "how often it is invoiced").one_of(kBillingCycles),
    optional<&Engagement::invoice_within_days>("invoice_within_days", "days after the period to invoice within"),
    optional<&Engagement::discount_pct>("discount_pct", "the agreed discount, in percent"),
    optional<&Engagement::fee_cap>("fee_cap", "the agreed fee cap").money(),
    optional<&Engagement::start_date>("start_date", "the engagement's first day"),
    optional<&Engagement::end_date>("end_date", "the engagement's last day"),
};

inline constexpr auto kRateColumns = std::tuple{
    required<&Rate::engagement_id>("engagement_id", "the engagement's id"),
    optional<&Rate::timekeeper_id>("timekeeper_id", "the timekeeper the row is for (absent for a role's row)"),
    optional<&Rate::role>("role", "the role the row is for"),
    required<&Rate::rate>("rate", "the agreed hourly rate").money(),
    required<&Rate::effective_from>("effective_from", "the first day the rate applies"),
    optional<&Rate::effective_to>("effective_to", "the last day the rate applies (absent: open)"),
};

inline constexpr auto kTimeEntryColumns = std::tuple{
    required<&TimeEntry::id>("entry_id", "the entry's id").key(),
    required<&TimeEntry::engagement_id>("engagement_id", "the engagement's id"),
    required<&TimeEntry::timekeeper_id>("timekeeper_id", "the timekeeper's id"),
    required<&TimeEntry::date>("date", "the day worked"),
    required<&TimeEntry::hours>("hours", "the hours recorded"),
    optional<&TimeEntry::billable>("billable", "false for time not to be billed"),
    optional<&TimeEntry::task_code>("task_code", "the UTBMS task code"),
    optional<&TimeEntry::activity_code>("activity_code", "the UTBMS activity code"),
    optional<&TimeEntry::description>("description", "the narrative"),
};

inline constexpr auto kInvoiceColumns = std::tuple{
    required<&Invoice::id>("invoice_id", "the invoice number").key(),
    required<&Invoice::client_id>("client_id", "the client's id"),
    optional<&Invoice::engagement_id>("engagement_id", "the engagement's id"),
    required<&Invoice::issue_date>("issue_date", "the date of issue"),
    optional<&Invoice::period_start>("period_start", "the first day billed"),
    optional<&Invoice::period_end>("period_end", "the last day billed"),
    optional<&Invoice::due_date>("due_date", "the due date"),
    required<&Invoice::currency>("currency", "the ISO 4217 currency code").currency(),
    optional<&Invoice::discount>("discount", "the discount given").money(),
    optional<&Invoice::tax_rate>("tax_rate", "the tax rate, in percent"),
    optional<&Invoice::tax>("tax", "the tax charged").money(),
    required<&Invoice::total>("total", "the invoice total").money(),
    optional<&Invoice::status>("status", "where the invoice stands").one_of(kInvoiceStatuses),
};

inline constexpr auto kLineColumns = std::tuple{
    required<&InvoiceLine::invoice_id>("invoice_id", "the invoice number"),
    required<&InvoiceLine::line_no>("line_no", "the line number within the invoice"),
    required<&InvoiceLine::type>("type", "what the line bills").one_of(kLineTypes),
    optional<&InvoiceLine::date>("date", "the day of the work or expense"),
    optional<&InvoiceLine::timekeeper_id>("timekeeper_id", "the timekeeper's id"),
    optional<&InvoiceLine::entry_id>("entry_id", "the id of the time entry billed"),
    optional<&InvoiceLine::task_code>("task_code", "the UTBMS task code"),
    optional<&InvoiceLine::activity_code>("activity_code", "the UTBMS activity code"),
    optional<&InvoiceLine::expense_code>("expense_code", "the UTBMS expense code"),
    optional<&InvoiceLine::description>("description", "the narrative"),
    required<&InvoiceLine::quantity>("quantity", "hours for a fee line, units for an expense"),
    required<&InvoiceLine::rate>("rate", "the rate billed").money(),
    optional<&InvoiceLine::adjustment>("adjustment", "the adjustment added to quantity × rate").money(),
    required<&InvoiceLine::amount>("amount", "the line's amount").money(),
};

inline constexpr auto kPaymentColumns = std::tuple{
    required<&Payment::id>("payment_id", "the payment's id").key(),
    required<&Payment::client_id>("client_id", "the client's id"),
    optional<&Payment::invoice_id>("invoice_id", "the invoice it is applied to (absent: unapplied)"),
    required<&Payment::date>("date", "the day received"),
    required<&Payment::amount>("amount", "the amount received").money(),
    required<&Payment::currency>("currency", "the ISO 4217 currency code").currency(),
    optional<&Payment::reference>("reference", "the bank reference"),
};

inline constexpr auto kCreditNoteColumns = std::tuple{
    required<&CreditNote::id>("credit_note_id", "the credit note's id").key(),
    required<&CreditNote::client_id>("client_id", "the client's id"),
    optional<&CreditNote::invoice_id>("invoice_id", "the invoice it credits"),
    required<&CreditNote::date>("date", "the day issued"),
    required<&CreditNote::amount>("amount", "the amount credited").money(),
    optional<&CreditNote::reason>("reason", "why it was issued"),
    optional<&CreditNote::approved_by>("approved_by", "who approved it"),
    optional<&CreditNote::line_no>("line_no", "the line of the invoice it corrects, if one"),
    optional<&CreditNote::reason_code>("reason_code",
                                       "why, as a code: arithmetic, rate, duplicate, hours, discount, tax, goodwill, ..."),
    optional<&CreditNote::remedies>("remedies", "the fingerprints of the findings it remedies, separated by spaces (written by billcheck fix)"),
};

// ---------------------------------------------------------------------------
// The entities

/// One entity: its name (the JSON key, and the CSV file without `.csv`), its
/// columns and where its records go in BookData.
template <class T, class Columns>
struct Entity {
  using record = T;
  std::string_view name;
  const Columns& columns;
  std::vector<T> BookData::*records;
};

inline constexpr Entity<Client, decltype(kClientColumns)> kClients{"clients", kClientColumns, &BookData::clients};
inline constexpr Entity<Timekeeper, decltype(kTimekeeperColumns)> kTimekeepers{"timekeepers", kTimekeeperColumns,
                                                                               &BookData::timekeepers};
inline constexpr Entity<Engagement, decltype(kEngagementColumns)> kEngagements{"engagements", kEngagementColumns,
                                                                               &BookData::engagements};
inline constexpr Entity<Rate, decltype(kRateColumns)> kRates{"rates", kRateColumns, &BookData::rates};
inline constexpr Entity<TimeEntry, decltype(kTimeEntryColumns)> kTimeEntries{"time_entries", kTimeEntryColumns,
                                                                             &BookData::time_entries};
inline constexpr Entity<Invoice, decltype(kInvoiceColumns)> kInvoices{"invoices", kInvoiceColumns,
                                                                      &BookData::invoices};
inline constexpr Entity<InvoiceLine, decltype(kLineColumns)> kLines{"invoice_lines", kLineColumns, &BookData::lines};
inline constexpr Entity<Payment, decltype(kPaymentColumns)> kPayments{"payments", kPaymentColumns,
                                                                      &BookData::payments};
inline constexpr Entity<CreditNote, decltype(kCreditNoteColumns)> kCreditNotes{"credit_notes", kCreditNoteColumns,
                                                                               &BookData::credit_notes};

/// Calls `f(entity)` for each entity, in the contract's order.
template <class F>
constexpr void for_each_entity(F&& f) {
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

/// Calls `f(column)` for each column of `columns` (one of the k*Columns tuples), in order.
template <class Columns, class F>
constexpr void for_each_column(const Columns& columns, F&& f) {
  std::apply([&](const auto&... column) { (f(column), ...); }, columns);
}

/// The columns of the entity whose records are `T`.
template <class T>
constexpr const auto& columns_of() {
  if constexpr (std::is_same_v<T, Client>) return kClientColumns;
  else if constexpr (std::is_same_v<T, Timekeeper>) return kTimekeeperColumns;
  else if constexpr (std::is_same_v<T, Engagement>) return kEngagementColumns;
  else if constexpr (std::is_same_v<T, Rate>) return kRateColumns;
  else if constexpr (std::is_same_v<T, TimeEntry>) return kTimeEntryColumns;
  else if constexpr (std::is_same_v<T, Invoice>) return kInvoiceColumns;
  else if constexpr (std::is_same_v<T, InvoiceLine>) return kLineColumns;
  else if constexpr (std::is_same_v<T, Payment>) return kPaymentColumns;
  else if constexpr (std::is_same_v<T, CreditNote>) return kCreditNoteColumns;
  else static_assert(sizeof(T) == 0, "not an entity of the book");
}

/// The Markdown tables of every entity's columns, as docs/book-format.md shows them.
std::string columns_markdown();

}  // namespace billcheck::schema
