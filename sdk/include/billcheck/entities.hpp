// The records of a billing book, one struct per entity of the book-format
// contract. Empty texts and empty optionals mean "absent" (an Optional<T> keeps
// that in its own bytes, optional.hpp). Texts point into the
// TextStore of the BookData (then the Book) that holds the records.
#pragma once

#include <billcheck/date.hpp>
#include <billcheck/decimal.hpp>
#include <billcheck/text.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace billcheck {

/// Where a record was read: its file, as a number (1 + its place in the book's
/// `files`; 0 for none), and its 1-based line. Eight bytes (ABI 5.0; a Text made
/// it 16): the file's name is `book.file_of(record.source)`.
struct Source {
  std::uint32_t file = 0;
  std::uint32_t line = 0;
};

/// A record's extra columns: eight bytes in every record (most have none), the
/// pairs (column name, text) on the heap. Reads like a std::vector of them.
class ExtraValues {
 public:
  using value_type = std::pair<Text, Text>;
  using iterator = value_type*;
  using const_iterator = const value_type*;

  ExtraValues() = default;
  ExtraValues(std::initializer_list<value_type> values) { *this = values; }
  ExtraValues(const ExtraValues& other)
      : p_(other.empty() ? nullptr : std::make_unique<std::vector<value_type>>(*other.p_)) {}
  ExtraValues& operator=(const ExtraValues& other) {
    if (this != &other) p_ = other.empty() ? nullptr : std::make_unique<std::vector<value_type>>(*other.p_);
    return *this;
  }
  ExtraValues(ExtraValues&&) noexcept = default;
  ExtraValues& operator=(ExtraValues&&) noexcept = default;
  ExtraValues& operator=(std::initializer_list<value_type> values) {
    p_ = values.size() == 0 ? nullptr : std::make_unique<std::vector<value_type>>(values);
    return *this;
  }
  ~ExtraValues() = default;

  bool empty() const noexcept { return !p_ || p_->empty(); }
  std::size_t size() const noexcept { return p_ ? p_->size() : 0; }
  iterator begin() noexcept { return p_ ? p_->data() : nullptr; }
  iterator end() noexcept { return p_ ? p_->data() + p_->size() : nullptr; }
  const_iterator begin() const noexcept { return p_ ? p_->data() : nullptr; }
  const_iterator end() const noexcept { return p_ ? p_->data() + p_->size() : nullptr; }
  value_type& operator[](std::size_t i) noexcept { return (*p_)[i]; }
  const value_type& operator[](std::size_t i) const noexcept { return (*p_)[i]; }
  value_type& back() noexcept { return p_->back(); }
  const value_type& back() const noexcept { return p_->back(); }

  template <class... Args>
  value_type& emplace_back(Args&&... args) {
    if (!p_) p_ = std::make_unique<std::vector<value_type>>();
    return p_->emplace_back(std::forward<Args>(args)...);
  }
  void push_back(value_type value) { emplace_back(std::move(value)); }
  void pop_back() noexcept { p_->pop_back(); }
  void clear() noexcept { p_.reset(); }

  friend bool operator==(const ExtraValues& a, const ExtraValues& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::unique_ptr<std::vector<value_type>> p_;
};

/// Columns the contract does not name, kept in header order as text.
struct Extras {
  ExtraValues values;

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
  Optional<Decimal> credit_limit;
  std::optional<bool> credit_hold;
  Optional<Date> last_verified;
  Extras extra;
  Source source;
};

struct Timekeeper {
  Text id, name, role;
  Optional<Date> active_from, active_to;
  Extras extra;
  Source source;
};

struct Engagement {
  Text id, client_id, name, billing_entity;
  Text billing_cycle;  // monthly, quarterly, milestone, or empty
  std::optional<std::int64_t> invoice_within_days;
  Optional<Decimal> discount_pct, fee_cap;
  Optional<Date> start_date, end_date;
  Extras extra;
  Source source;
};

/// A rate card row: for one timekeeper, or for a role when timekeeper_id is empty.
struct Rate {
  Text engagement_id, timekeeper_id, role;
  Decimal rate;
  Date effective_from;
  Optional<Date> effective_to;
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
  Optional<Date> period_start, period_end, due_date;
  Text currency;
  Optional<Decimal> discount, tax_rate, tax;
  Decimal total;
  Text status;  // draft, issued, paid, void, or empty
  Extras extra;
  Source source;

  bool is_void() const { return status == "void"; }
};

struct InvoiceLine {
  Text invoice_id;
  std::int32_t line_no = 0;  // 32 bits (ABI 5.0), beside the date: a line is 8 bytes smaller
  Optional<Date> date;
  Text type;  // fee, expense, adjustment
  Text timekeeper_id, entry_id, task_code, activity_code, expense_code, description;
  Decimal quantity, rate;
  Optional<Decimal> adjustment;
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
