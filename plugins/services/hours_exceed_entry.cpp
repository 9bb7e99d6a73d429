#include "rules.hpp"

namespace billcheck::services {
namespace {

/// The time behind a line: how many billable hours, and what the client is told about them.
struct Recorded {
  Decimal hours;
  std::string source;   // `time entry TE-7`, `the time entries TE-7, TE-8`
  std::string entries;  // the ids, for the evidence
};

/// The billable time a timekeeper recorded on a line's date for the line's
/// invoice: on its engagement, or, for an invoice without one, on any
/// engagement of its client.
Recorded recorded_that_day(const Book& book, const Invoice& invoice, const InvoiceLine& line) {
  Recorded r;
  int count = 0;
  for (const TimeEntry* entry : book.time_entries_on(line.timekeeper_id, *line.date)) {
    if (!entry->billable) continue;
    if (!invoice.engagement_id.empty()) {
      if (entry->engagement_id != invoice.engagement_id) continue;
    } else {
      const Engagement* engagement = book.engagement(entry->engagement_id);
      if (!engagement || engagement->client_id != invoice.client_id) continue;
    }
    r.hours += entry->hours;
    r.entries += (r.entries.empty() ? "" : ", ") + entry->id;
    ++count;
  }
  r.source = count == 0 ? "no time entry" : count == 1 ? "time entry " + r.entries : "time entries " + r.entries;
  return r;
}

}  // namespace

RuleInfo HoursExceedEntryRule::info() {
  RuleInfo info;
  info.id = "services.hours-exceed-entry";
  info.reach = Reach::client;
  info.title = "Fee line bills more hours than were recorded";
  info.category = "services";
  info.severity = Severity::error;
  info.description =
      "A fee line may bill no more hours than the time recorded for it: the hours of the time entry it cites "
      "(entry_id), or, for a line that cites none, the billable hours its timekeeper recorded on the line's date "
      "on the invoice's engagement (on any of the client's engagements when the invoice names none). Several "
      "lines without entry_id for the same timekeeper and day are each compared with the day's time, not with "
      "each other. The amount at stake is the excess hours times the line's rate, rounded to the currency's "
      "minor units; the fix suggests the recorded hours. A cited entry that is missing, not billable, or "
      "another timekeeper's or engagement's is left to services.entry-missing. Books with no time entries at "
      "all, void invoices, and lines without a timekeeper or a date (where no entry is cited) are not checked.";
  return info;
}

void HoursExceedEntryRule::check(const InvoiceLine& line, Context& ctx) const {
  const Book& book = ctx.book();
  if (!line.is_fee() || line.quantity <= Decimal{} || !records_time(book)) return;
  const Invoice& invoice = ctx.invoice_of(line);
  if (invoice.is_void()) return;

  Recorded recorded;
  if (!line.entry_id.empty()) {
    const TimeEntry* entry = book.time_entry(line.entry_id);
    if (!entry || !entry->billable || !foreign_entry_reason(invoice, line, *entry).empty()) return;
    recorded = {entry->hours, "time entry " + entry->id, entry->id};
  } else {
    if (line.timekeeper_id.empty() || !line.date) return;
    recorded = recorded_that_day(book, invoice, line);
  }
  if (line.quantity <= recorded.hours) return;

  const Text currency = invoice.currency;
  const Decimal excess = line.quantity - recorded.hours;
  const Decimal stake = (excess * line.rate).round(minor_units(currency));
  std::string message = "Line " + std::to_string(line.line_no) + " bills " + format_hours(line.quantity);
  if (line.entry_id.empty()) {
    const std::string who = timekeeper_text(book, line.timekeeper_id);
    const std::string scope =
        invoice.engagement_id.empty() ? "for this client" : "on engagement " + invoice.engagement_id;
    message += " for " + who + " on " + line.date->to_string() + ", but ";
    message += recorded.hours.is_zero() ? "no billable time is recorded for them that day " + scope
                                        : "only " + format_hours(recorded.hours) +
                                              " of billable time is recorded for them that day " + scope + " (" +
                                              recorded.source + ")";
  } else {
    message += ", but " + recorded.source + " records only " + format_hours(recorded.hours);
  }
  message += ": " + format_hours(excess) + " more than the work recorded, " + format_amount(stake, currency) + " at " +
             format_amount(line.rate, currency) + " an hour.";

  Finding& finding = ctx.report(line, std::move(message));
  finding.at_stake(stake)
      .evidence_of("expected", "at most " + format_hours(recorded.hours))
      .evidence_of("actual", format_hours(line.quantity))
      .evidence_of("time_entries", recorded.entries.empty() ? std::string("none") : recorded.entries)
      .evidence_of("rate", line.rate)
      .suggest("quantity", line.quantity.to_string(), recorded.hours.to_string());
}

}  // namespace billcheck::services
