#include "rules.hpp"

namespace billcheck::rates {

RuleInfo UnknownTimekeeperRule::info() {
  RuleInfo info;
  info.id = "rates.unknown-timekeeper";
  info.reach = Reach::client;
  info.title = "Fee line by an unknown timekeeper";
  info.category = "rates";
  info.severity = Severity::error;
  info.description =
      "Every fee line must name its timekeeper (timekeeper_id), and that timekeeper must be in the book's "
      "timekeepers.csv: otherwise nobody can tell who did the work or check its rate. A book with no timekeepers "
      "at all (timekeepers.csv not exported, as with a LEDES file) is not checked, nor are expense and adjustment "
      "lines or lines of void invoices.";
  return info;
}

void UnknownTimekeeperRule::check(const InvoiceLine& line, Context& ctx) const {
  const Book& book = ctx.book();
  if (!line.is_fee() || book.timekeepers().empty() || ctx.invoice_of(line).is_void()) return;
  if (book.timekeeper_of(line)) return;

  const std::string subject = "Line " + std::to_string(line.line_no) + " bills " + format_hours(line.quantity);
  ctx.report(line, line.timekeeper_id.empty()
                       ? subject + " of time without saying who did the work."
                       : subject + " by timekeeper " + line.timekeeper_id + ", who is not among the firm's timekeepers.")
      .evidence_of("expected", "a timekeeper_id listed in timekeepers.csv")
      .evidence_of("actual", line.timekeeper_id.empty() ? std::string("absent") : line.timekeeper_id);
}

}  // namespace billcheck::rates
