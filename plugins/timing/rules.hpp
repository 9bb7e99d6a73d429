// The timing plugin's rules: an invoice is issued when its period allows, bills
// work of that period, and falls due when the client's terms say.
#pragma once

#include <billcheck/cancelled.hpp>
#include <billcheck/replaces.hpp>
#include <billcheck/sdk.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace billcheck::timing {

/// An invoice is not issued before the end of the period it bills.
class IssuedEarlyRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// An invoice is issued within the engagement's days of the end of its period.
class LateInvoiceRule : public InvoiceRule {
 public:
  explicit LateInvoiceRule(const Options& options);
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;

 private:
  const std::int64_t default_days_;
};

/// A line is dated within its invoice's period.
class LineOutsidePeriodRule : public LineRule {
 public:
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;
};

/// An invoice's due date is its issue date plus the client's payment terms.
class DueDateRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// Work is billed within so many days of being done.
class StaleTimeRule : public LineRule {
 public:
  explicit StaleTimeRule(const Options& options);
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;

 private:
  const std::int64_t max_age_days_;
};

/// No line is dated after its invoice was issued.
class FutureDateRule : public LineRule {
 public:
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;
};

/// A monthly or quarterly engagement's invoices bill one period after another,
/// with no overlap and no gap.
class CycleRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

// Helpers shared by the rules above.

/// `1 day`, `30 days`.
inline std::string days_text(long long days) {
  return std::to_string(days) + (days == 1 || days == -1 ? " day" : " days");
}

/// `2026-01-01 to 2026-01-31`, `from 2026-01-01`, `up to 2026-01-31`: an invoice's period.
inline std::string period_text(const Invoice& invoice) {
  if (invoice.period_start && invoice.period_end)
    return invoice.period_start->to_string() + " to " + invoice.period_end->to_string();
  if (invoice.period_start) return "from " + invoice.period_start->to_string();
  if (invoice.period_end) return "up to " + invoice.period_end->to_string();
  return "no period";
}

}  // namespace billcheck::timing
