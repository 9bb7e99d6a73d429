#include "rules.hpp"

#include <algorithm>

namespace billcheck::timing {
namespace {

bool has_regular_cycle(const Engagement& engagement) {
  return engagement.billing_cycle == "monthly" || engagement.billing_cycle == "quarterly";
}

/// The engagement's last invoice billed before `invoice` that is not void nor
/// credited in full (a replaced one is not the previous bill), or nullptr
/// when `invoice` is its first. Billed by issue date, then the book's order,
/// except that a replacement (fix --reissue dates it the day it is written)
/// takes the place of the invoice it replaces: first_billed.
const Invoice* previous_invoice(const Invoice& invoice, const Book& book) {
  const Date when = first_billed(book, invoice);
  const Invoice* previous = nullptr;
  Date previous_when;
  bool after = false;  // past `invoice` in the book's order
  for (const Invoice* other : book.invoices_of_engagement(invoice.engagement_id)) {
    if (other == &invoice) {
      after = true;
      continue;
    }
    const Date other_when = first_billed(book, *other);
    const bool before = other_when < when || (other_when == when && !after);
    // is_cancelled looks up credit notes: asked only of an invoice that would be the previous one.
    if (before && (!previous || !(other_when < previous_when)) && !is_cancelled(book, *other))
      previous = other, previous_when = other_when;
  }
  return previous;
}

}  // namespace

RuleInfo CycleRule::info() {
  RuleInfo info;
  info.id = "timing.cycle";
  info.reach = Reach::firm;
  info.title = "Billing periods overlap or leave a gap";
  info.category = "timing";
  info.severity = Severity::warning;
  info.description =
      "On a monthly or quarterly engagement, each invoice's period must start the day after the previous "
      "invoice's period ended, the previous invoice being the engagement's last one issued before it. A period "
      "that starts earlier overlaps the previous one, so the same days may be billed twice (or, lying wholly "
      "before it, is billed out of order); one that starts later leaves days that no invoice bills. The finding "
      "is on the later invoice and names the earlier one; for an overlap or a gap the fix suggests the "
      "period_start that continues the cycle. Milestone engagements, invoices whose periods are not given, and "
      "void invoices (which are also skipped when finding the previous invoice, as are invoices credited in full, "
      "such as one billcheck fix --reissue replaced) are not checked. A replacement invoice (its replaces column) "
      "takes the place of the invoice it replaces in the engagement's order.";
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

  std::string message = "Invoice " + invoice.id + "'s period starts on " + start.to_string() +
                        ", but the previous invoice of " + engagement->billing_cycle + " engagement " +
                        engagement->id + ", " + previous->id + ", billed up to " + previous->period_end->to_string();
  bool out_of_order = false;
  if (start > expected) {
    message += ", so no invoice bills " + expected.to_string() + " to " + start.plus_days(-1).to_string() + " (" +
               days_text(Date::days_between(expected, start)) + ").";
  } else {
    // The days both periods cover; none when this period lies wholly before the previous one.
    const Date from = previous->period_start ? std::max(start, *previous->period_start) : start;
    const Date to = invoice.period_end ? std::min(*previous->period_end, *invoice.period_end) : *previous->period_end;
    out_of_order = from > to;
    if (out_of_order)
      message += ", so this invoice bills an earlier period (" + period_text(invoice) + ") than the one before it.";
    else
      message += ", so the two periods overlap by " + days_text(Date::days_between(from, to) + 1) + " (" +
                 from.to_string() + " to " + to.to_string() + ").";
  }

  Finding& finding = ctx.report(invoice, std::move(message));
  finding.evidence_of("expected", expected)
      .evidence_of("actual", start)
      .evidence_of("previous_invoice", previous->id)
      .evidence_of("previous_period", period_text(*previous))
      .evidence_of("billing_cycle", engagement->billing_cycle);
  // An invoice for an earlier period is out of order, not misdated: no single start date fixes it.
  if (!out_of_order) finding.suggest("period_start", start.to_string(), expected.to_string());
}

}  // namespace billcheck::timing
