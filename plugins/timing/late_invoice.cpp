#include "rules.hpp"

namespace billcheck::timing {

LateInvoiceRule::LateInvoiceRule(const Options& options)
    : default_days_(options.non_negative_integer("default_days")) {}

RuleInfo LateInvoiceRule::info() {
  RuleInfo info;
  info.id = "timing.late-invoice";
  info.reach = Reach::client;
  info.title = "Invoice issued late";
  info.category = "timing";
  info.severity = Severity::warning;
  info.description =
      "An invoice must be issued within the engagement's invoice_within_days of the end of the period it bills "
      "(the default_days option where the engagement does not say). Issuing on the last allowed day is fine; a "
      "day later is reported. Late invoices surprise clients and may breach the engagement terms. Invoices "
      "without a period_end, and void invoices, are not checked. A replacement invoice (its replaces column names "
      "the invoice it replaces, as billcheck fix --reissue writes it) is judged by the issue date of the invoice "
      "it replaces.";
  info.options = {{"default_days", OptionType::integer, "30",
                   "Days allowed between the end of the period and the issue date, for engagements without "
                   "invoice_within_days."}};
  return info;
}

void LateInvoiceRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void() || !invoice.period_end) return;
  const Engagement* engagement =
      invoice.engagement_id.empty() ? nullptr : ctx.book().engagement(invoice.engagement_id);
  const bool agreed = engagement && engagement->invoice_within_days;
  const std::int64_t allowed = agreed ? *engagement->invoice_within_days : default_days_;
  // A replacement is as late as the invoice it replaces: that is when the period was billed.
  const Date billed = first_billed(ctx.book(), invoice);
  const long long after = Date::days_between(*invoice.period_end, billed);
  if (after <= allowed) return;

  const Date deadline = invoice.period_end->plus_days(allowed);
  const std::string who = agreed ? "engagement " + engagement->id + " calls for invoices" : "invoices are to be issued";
  const std::string issued = billed == invoice.issue_date ? " was issued on " : " replaces an invoice issued on ";
  ctx.report(invoice, "Invoice " + invoice.id + issued + billed.to_string() + ", " + days_text(after) +
                          " after its period ended on " + invoice.period_end->to_string() + ", but " + who +
                          " within " + days_text(allowed) + " (by " + deadline.to_string() + ").")
      .evidence_of("expected", "on or before " + deadline.to_string())
      .evidence_of("actual", billed)
      .evidence_of("days_after_period", std::to_string(after))
      .evidence_of("days_allowed", std::to_string(allowed))
      .evidence_of("days_allowed_by", agreed ? "engagement " + engagement->id : std::string("option default_days"));
}

}  // namespace billcheck::timing
