#include "rules.hpp"

namespace billcheck::timing {

StaleTimeRule::StaleTimeRule(const Options& options)
    : max_age_days_(options.non_negative_integer("max_age_days")) {}

RuleInfo StaleTimeRule::info() {
  RuleInfo info;
  info.id = "timing.stale-time";
  info.reach = Reach::client;
  info.title = "Time billed long after the work was done";
  info.category = "timing";
  info.severity = Severity::warning;
  info.description =
      "Work should be billed soon after it is done: a fee line dated more than max_age_days before its "
      "invoice's issue date is reported (exactly max_age_days is fine). Clients often refuse old time, and it "
      "is hard to check. Expense and adjustment lines, lines without a date, and void invoices are not checked. "
      "On a replacement invoice (its replaces column, as billcheck fix --reissue writes it) the age is counted to "
      "the issue date of the invoice it replaces.";
  info.options = {{"max_age_days", OptionType::integer, "90",
                   "The most days allowed between the date of the work and the invoice's issue date."}};
  return info;
}

void StaleTimeRule::check(const InvoiceLine& line, Context& ctx) const {
  if (!line.is_fee() || !line.date) return;
  const Invoice& invoice = ctx.invoice_of(line);
  if (invoice.is_void()) return;
  // A replacement re-bills work first billed by the invoice it replaces: its age is counted to then.
  const Date billed = first_billed(ctx.book(), invoice);
  const long long age = Date::days_between(*line.date, billed);
  if (age <= max_age_days_) return;

  const std::string issued = billed == invoice.issue_date ? " was issued on " : " replaces was issued on ";
  ctx.report(line, "Line " + std::to_string(line.line_no) + " bills work done on " + line.date->to_string() + ", " +
                       days_text(age) + " before " + (billed == invoice.issue_date ? "" : "the invoice that ") +
                       "invoice " + invoice.id + issued + billed.to_string() + "; work is to be billed within " +
                       days_text(max_age_days_) + ".")
      .evidence_of("expected", "at most " + days_text(max_age_days_) + " old (on or after " +
                                   billed.plus_days(-max_age_days_).to_string() + ")")
      .evidence_of("actual", days_text(age) + " old (" + line.date->to_string() + ")")
      .evidence_of("issue_date", billed);
}

}  // namespace billcheck::timing
