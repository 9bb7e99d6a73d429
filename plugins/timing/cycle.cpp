#include "rules.hpp"

namespace billcheck::timing {
namespace {

bool has_regular_cycle(const Engagement& engagement) {
  return engagement.billing_cycle == "monthly" || engagement.billing_cycle == "quarterly";
}

/// The engagement's last non-void invoice issued before `invoice` (by issue
/// date, then file order), or nullptr when `invoice` is its first.
const Invoice* previous_invoice(const Invoice& invoice, const Book& book) {
  const Invoice* previous = nullptr;
  for (const Invoice* other : book.invoices_of_engagement(invoice.engagement_id)) {
    if (other == &invoice) return previous;
    if (!other->is_void()) previous = other;
  }
  return nullptr;
}

}  // namespace

RuleInfo CycleRule::info() {
  RuleInfo info;
  info.id = "timing.cycle";
  info.title = "Billing periods overlap or leave a gap";
  info.category = "timing";
  info.severity = Severity::warning;
  info.description =
      "On a monthly or quarterly engagement, each invoice's period must start the day after the previous "
      "invoice's period ended, the previous invoice being the engagement's last one issued before it. A period "
      "that starts earlier overlaps the previous one, so the same days may be billed twice; one that starts later "
      "leaves days that no invoice bills. The finding is on the later invoice and names the earlier one; the fix "
      "suggests the period_start that continues the cycle. Milestone engagements, invoices whose periods are not "
      "given, and void invoices (which are also skipped when finding the previous invoice) are not checked.";
  return info;
}

void CycleRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void() || !invoice.period_start || invoice.engagement_id.empty()) return;
  const Book& book = ctx.book();
  const Engagement* engagement = book.engagement(invoice.engagement_id);
  if (!engagement || !has_regular_cycle(*engagement)) return;
  const Invoice* previous = previous_invoice(invoice, book);
  if (!previous || !previous->period_end) return;
  const Date expected = previous->period_end->plus_days(1);
  const Date start = *invoice.period_start;
  if (start == expected) return;

  std::string message = "Invoice " + invoice.id + "'s period starts on " + start.to_string() + ", but the " +
                        engagement->billing_cycle + " engagement " + engagement->id + "'s previous invoice, " +
                        previous->id + ", billed up to " + previous->period_end->to_string();
  if (start < expected)
    message += ", so the two periods overlap by " + days_text(Date::days_between(start, expected)) + ".";
  else
    message += ", so " + expected.to_string() + " to " + start.plus_days(-1).to_string() + " (" +
               days_text(Date::days_between(expected, start)) + ") is not billed.";

  ctx.report(invoice, std::move(message))
      .evidence_of("expected", expected)
      .evidence_of("actual", start)
      .evidence_of("previous_invoice", previous->id)
      .evidence_of("previous_period", period_text(*previous))
      .evidence_of("billing_cycle", engagement->billing_cycle)
      .suggest("period_start", start.to_string(), expected.to_string());
}

}  // namespace billcheck::timing
