#include "rules.hpp"

namespace billcheck::timing {

RuleInfo FutureDateRule::info() {
  RuleInfo info;
  info.id = "timing.future-date";
  info.reach = Reach::client;
  info.title = "Line dated after the invoice was issued";
  info.category = "timing";
  info.severity = Severity::error;
  info.description =
      "No line may be dated after its invoice's issue date: the invoice would bill work or costs that had not "
      "happened when it was sent. A line dated on the issue date is fine. Lines without a date, and void "
      "invoices, are not checked.";
  return info;
}

void FutureDateRule::check(const InvoiceLine& line, Context& ctx) const {
  if (!line.date) return;
  const Invoice& invoice = ctx.invoice_of(line);
  if (invoice.is_void() || *line.date <= invoice.issue_date) return;

  ctx.report(line, "Line " + std::to_string(line.line_no) + " is dated " + line.date->to_string() + ", " +
                       days_text(Date::days_between(invoice.issue_date, *line.date)) + " after invoice " + invoice.id +
                       " was issued on " + invoice.issue_date.to_string() + ".")
      .evidence_of("expected", "on or before " + invoice.issue_date.to_string())
      .evidence_of("actual", *line.date);
}

}  // namespace billcheck::timing
