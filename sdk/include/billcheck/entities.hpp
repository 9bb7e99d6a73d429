// The records of a billing book, one struct per entity of the book-format
// contract. Empty texts and empty optionals mean "absent". Texts point into the
// TextStore of the BookData (then the Book) that holds the records.
#pragma once

#include <billcheck/date.hpp>
#include <billcheck/decimal.hpp>
#include <billcheck/text.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace billcheck {

/// Where a record was read: the file (its name held by the Book) and its 1-based line.
struct Source {
  Text file;
  std::uint32_t line = 0;
};

/// Columns the contract does not name, kept in header order as text.
struct Extras {
  std::vector<std::pair<Text, Text>> values;

  /// The value of column `name`, or nullptr when the record has none.
  const Text* find(std::string_view name) const {
    for (const auto& [key, value] : values)
      if (key == name) return &value;
    return nullptr;
  }
};

struct Client {
  Text id, name, billing_entity, billing_address, billing_email, tax_id, country, currency;
  std::optional<std::int64_t> payment_terms_days;
  std::optional<Decimal> credit_limit;
  std::optional<bool> credit_hold;
  std::optional<Date> last_verified;
  Extras extra;
  Source source;
};

struct Timekeeper {
  Text id, name, role;
  std::optional<Date> active_from, active_to;
  Extras extra;
  Source source;
};

struct Engagement {
  Text id, client_id, name, billing_entity;
  Text billing_cycle;  // monthly, quarterly, milestone, or empty
  std::optional<std::int64_t> invoice_within_days;
  std::optional<Decimal> discount_pct, fee_cap;
  std::optional<Date> start_date, end_date;
  Extras extra;
  Source source;
};

/// A rate card row: for one timekeeper, or for a role when timekeeper_id is empty.
struct Rate {
  Text engagement_id, timekeeper_id, role;
  Decimal rate;
  Date effective_from;
  std::optional<Date> effective_to;
  Extras extra;
  Source source;

  bool effective_on(Date d) const { return effective_from <= d && (!effective_to || d <= *effective_to); }
};

struct TimeEntry {
  Text id, engagement_id, timekeeper_id;
  Date date;
  Decimal hours;
  bool billable = true;
  Text task_code, activity_code, description;
  Extras extra;
  Source source;
};

struct Invoice {
  Text id, client_id, engagement_id;
  Date issue_date;
  std::optional<Date> period_start, period_end, due_date;
  Text currency;
  std::optional<Decimal> discount, tax_rate, tax;
  Decimal total;
  Text status;  // draft, issued, paid, void, or empty
  Extras extra;
  Source source;

  bool is_void() const { return status == "void"; }
};

struct InvoiceLine {
  Text invoice_id;
  std::int64_t line_no = 0;
  Text type;  // fee, expense, adjustment
  std::optional<Date> date;
  Text timekeeper_id, entry_id, task_code, activity_code, expense_code, description;
  Decimal quantity, rate;
  std::optional<Decimal> adjustment;
  Decimal amount;
  Extras extra;
  Source source;

  bool is_fee() const { return type == "fee"; }
  bool is_expense() const { return type == "expense"; }
};

struct Payment {
  Text id, client_id, invoice_id;
  Date date;
  Decimal amount;
  Text currency, reference;
  Extras extra;
  Source source;
};

struct CreditNote {
  Text id, client_id, invoice_id;
  Date date;
  Decimal amount;
  Text reason, approved_by;
  std::optional<std::int64_t> line_no;  // the line of the invoice it corrects
  Text reason_code;              // arithmetic, rate, duplicate, hours, discount, tax, goodwill, ...
  Text remedies;                 // the fingerprint of the finding it remedies
  Extras extra;
  Source source;
};

}  // namespace billcheck
