#include "rules.hpp"

namespace billcheck::timing {

RuleInfo IssuedEarlyRule::info() {
  RuleInfo info;
  info.id = "timing.issued-early";
  info.reach = Reach::client;
  info.title = "Invoice issued before its period ended";
  info.category = "timing";
  info.severity = Severity::error;
  info.description =
      "An invoice bills a period that has ended: its issue date must not be before its period_end (issuing on "
      "the last day of the period is fine). An invoice issued early bills work that may not have been done yet. "
      "Invoices without a period_end, and void invoices, are not checked.";
  return info;
}

void IssuedEarlyRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void() || !invoice.period_end || invoice.issue_date >= *invoice.period_end) return;
  const long long early = Date::days_between(invoice.issue_date, *invoice.period_end);
  ctx.report(invoice, "Invoice " + invoice.id + " was issued on " + invoice.issue_date.to_string() + ", " +
                          days_text(early) + " before the end of the period it bills (" + period_text(invoice) + ").")
      .evidence_of("expected", "on or after " + invoice.period_end->to_string())
      .evidence_of("actual", invoice.issue_date)
      .evidence_of("days_early", std::to_string(early));
}

}  // namespace billcheck::timing
