#include "rules.hpp"

namespace billcheck::services {

RuleInfo InactiveTimekeeperRule::info() {
  RuleInfo info;
  info.id = "services.inactive-timekeeper";
  info.reach = Reach::client;
  info.title = "Timekeeper billed outside their active dates";
  info.category = "services";
  info.severity = Severity::error;
  info.description =
      "A line with a timekeeper may only bill work dated within that timekeeper's active dates (active_from and "
      "active_to, both inclusive; an absent end is open): before they joined or after they left, they did no "
      "work for the firm. The amount at stake is the line's amount. Timekeepers not in the book (see "
      "rates.unknown-timekeeper), lines without a date and void invoices are not checked.";
  return info;
}

void InactiveTimekeeperRule::check(const InvoiceLine& line, Context& ctx) const {
  if (line.timekeeper_id.empty() || !line.date) return;
  const Book& book = ctx.book();
  const Invoice& invoice = ctx.invoice_of(line);
  if (invoice.is_void()) return;
  const Timekeeper* tk = book.timekeeper_of(line);
  if (!tk) return;
  const Date date = *line.date;
  const bool before = tk->active_from && date < *tk->active_from;
  const bool after = tk->active_to && date > *tk->active_to;
  if (!before && !after) return;

  std::string expected;
  if (tk->active_from && tk->active_to)
    expected = "from " + tk->active_from->to_string() + " to " + tk->active_to->to_string();
  else if (tk->active_from)
    expected = "on or after " + tk->active_from->to_string();
  else
    expected = "on or before " + tk->active_to->to_string();
  const std::string why = before ? "before they became active on " + tk->active_from->to_string()
                                 : "after they stopped being active on " + tk->active_to->to_string();

  Finding& finding = ctx.report(line, "Line " + std::to_string(line.line_no) + " bills " +
                                          timekeeper_text(book, tk->id) + " for work on " + date.to_string() + ", " +
                                          why + ".");
  finding.at_stake(line.amount)
      .evidence_of("expected", expected)
      .evidence_of("actual", date);
  if (tk->active_from) finding.evidence_of("active_from", *tk->active_from);
  if (tk->active_to) finding.evidence_of("active_to", *tk->active_to);
  finding.evidence_of("timekeeper", tk->id);  // the cause lines of one timekeeper share (docs/patterns.md)
}

}  // namespace billcheck::services
