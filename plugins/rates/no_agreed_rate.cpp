#include "rules.hpp"

namespace billcheck::rates {

RuleInfo NoAgreedRateRule::info() {
  RuleInfo info;
  info.id = "rates.no-agreed-rate";
  info.reach = Reach::client;
  info.title = "No agreed rate for a fee line";
  info.category = "rates";
  info.severity = Severity::warning;
  info.description =
      "Where an engagement has a rate card (any rows in rates.csv), every fee line billed on it must have a row "
      "that applies: one for the line's timekeeper or for the timekeeper's role, effective on the line's date "
      "(or the invoice's issue date when the line has none; effective_from and effective_to are both "
      "inclusive). A line with no such row bills time at a rate the client never agreed to, for example after "
      "the rate card expired or for a timekeeper who joined the matter later. Engagements without a rate card, "
      "lines whose timekeeper is not in the book (rates.unknown-timekeeper's finding) and lines of void invoices "
      "are not checked.";
  return info;
}

void NoAgreedRateRule::check(const InvoiceLine& line, Context& ctx) const {
  const Book& book = ctx.book();
  const Timekeeper* tk = checked_timekeeper(line, ctx);
  if (!tk) return;
  const Invoice& invoice = ctx.invoice_of(line);
  if (invoice.engagement_id.empty() || !book.has_rate_card(invoice.engagement_id)) return;
  if (book.agreed_rate(line)) return;

  const std::string date = rate_date(line, ctx).to_string();
  const std::string role = tk->role.empty() ? std::string("no role") : "role " + tk->role;
  ctx.report(line, "Line " + std::to_string(line.line_no) + " bills " + format_hours(line.quantity) + " by " +
                       timekeeper_text(*tk) + " at " + format_amount(line.rate, invoice.currency) +
                       " an hour, but engagement " + invoice.engagement_id + "'s rate card has no rate for " +
                       (tk->role.empty() ? timekeeper_text(*tk) : timekeeper_text(*tk) + " or for " + role_text(tk->role)) +
                       " on " + date + ".")
      .evidence_of("expected", "a rates.csv row for timekeeper " + tk->id + " or " + role + ", effective on " + date)
      .evidence_of("actual", "none")
      .evidence_of("rate", line.rate)
      .evidence_of("date", date)
      .evidence_of("timekeeper", tk->id);  // the cause lines of one timekeeper share (docs/patterns.md)
}

}  // namespace billcheck::rates
