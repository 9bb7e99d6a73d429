#include "rules.hpp"

namespace billcheck::timing {

RuleInfo LineOutsidePeriodRule::info() {
  RuleInfo info;
  info.id = "timing.line-outside-period";
  info.reach = Reach::client;
  info.title = "Line dated outside the invoice's period";
  info.category = "timing";
  info.severity = Severity::warning;
  info.description =
      "A line must be dated within the period its invoice bills, from period_start to period_end inclusive: work "
      "from another period belongs on that period's invoice, and may already have been billed there. Where only "
      "one end of the period is given, only that end is checked. A line dated after the invoice's issue date is "
      "left to timing.future-date. Lines without a date, invoices without a period, and void invoices are not "
      "checked.";
  return info;
}

void LineOutsidePeriodRule::check(const InvoiceLine& line, Context& ctx) const {
  if (!line.date) return;
  const Invoice& invoice = ctx.invoice_of(line);
  if (invoice.is_void() || *line.date > invoice.issue_date) return;
  const bool before = invoice.period_start && *line.date < *invoice.period_start;
  const bool after = invoice.period_end && *line.date > *invoice.period_end;
  if (!before && !after) return;

  ctx.report(line, "Line " + std::to_string(line.line_no) + " is dated " + line.date->to_string() + ", " +
                       (before ? "before" : "after") + " the period invoice " + invoice.id + " bills (" +
                       period_text(invoice) + ").")
      .evidence_of("expected", period_text(invoice))
      .evidence_of("actual", *line.date);
}

}  // namespace billcheck::timing
