#include "rules.hpp"

namespace billcheck::services {

RuleInfo EntryMissingRule::info() {
  RuleInfo info;
  info.id = "services.entry-missing";
  info.reach = Reach::client;
  info.title = "Line cites a time entry that does not back it";
  info.category = "services";
  info.severity = Severity::error;
  info.description =
      "A line that cites a time entry (entry_id) must cite one that is in the firm's time records, is billable, "
      "and is the line's own: recorded by the line's timekeeper on the invoice's engagement. Otherwise nothing "
      "recorded backs the line, and the amount at stake is its whole amount. Books with no time entries at all "
      "(a LEDES file alone, an export of invoices only) and void invoices are not checked.";
  return info;
}

void EntryMissingRule::check(const InvoiceLine& line, Context& ctx) const {
  const Book& book = ctx.book();
  if (line.entry_id.empty() || !records_time(book)) return;
  const Invoice& invoice = ctx.invoice_of(line);
  if (invoice.is_void()) return;

  const TimeEntry* entry = book.time_entry(line.entry_id);
  std::string reason, actual;
  if (!entry) {
    reason = "which is not in the firm's time records";
    actual = "no such entry";
  } else if (!entry->billable) {
    reason = "which is recorded as not billable";
    actual = "not billable";
  } else if (std::string foreign = foreign_entry_reason(invoice, line, *entry); !foreign.empty()) {
    reason = "but " + foreign;
    actual = entry->timekeeper_id + " on " + entry->engagement_id;
  } else {
    return;
  }

  const Text currency = invoice.currency;
  Finding& finding = ctx.report(line, "Line " + std::to_string(line.line_no) + " (" +
                                          format_amount(line.amount, currency) + ") cites time entry " +
                                          line.entry_id + ", " + reason + ", so no recorded work backs it.");
  finding.at_stake(line.amount)
      .evidence_of("expected", "a billable time entry of " +
                                   (line.timekeeper_id.empty() ? std::string("this line's timekeeper")
                                                               : line.timekeeper_id) +
                                   (invoice.engagement_id.empty() ? std::string() : " on " + invoice.engagement_id))
      .evidence_of("actual", actual)
      .evidence_of("entry_id", line.entry_id);
  if (entry) finding.evidence_of("entry_hours", format_hours(entry->hours));
}

}  // namespace billcheck::services
