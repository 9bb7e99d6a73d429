// The services plugin's rules: billing for work not done. Billed hours are
// backed by the firm's time records, fit in a day, and fall within the dates
// the timekeeper was with the firm.
#pragma once

#include <billcheck/cancelled.hpp>
#include <billcheck/sdk.hpp>

#include <string>
#include <string_view>

namespace billcheck::services {

/// A fee line bills no more hours than the time recorded for it.
class HoursExceedEntryRule : public LineRule {
 public:
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;
};

/// A line's time entry exists, is billable, and is this line's.
class EntryMissingRule : public LineRule {
 public:
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;
};

/// A timekeeper is billed for no more hours in a day than a day can hold.
class DailyHoursRule : public BookRule {
 public:
  explicit DailyHoursRule(const Options& options);
  static RuleInfo info();
  void check(const Book& book, Context& ctx) const override;

 private:
  const Decimal warn_hours_;
};

/// A timekeeper is billed only for dates within their active dates.
class InactiveTimekeeperRule : public LineRule {
 public:
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;
};

// Helpers shared by the rules above.

/// `Dana Reyes (TK-2)`, or the id alone when the timekeeper is not in the book.
inline std::string timekeeper_text(const Book& book, const std::string& id) {
  const Timekeeper* tk = book.timekeeper(id);
  return tk && !tk->name.empty() ? tk->name + " (" + id + ")" : id;
}


/// The book has time records to check lines against. A book without any (a
/// LEDES file alone, an export of invoices only) says nothing about the work.
inline bool records_time(const Book& book) { return !book.time_entries().empty(); }

/// Why `entry` is not the time behind `line` of `invoice`: it was recorded by
/// another timekeeper or on another engagement than the invoice's. Empty when
/// it is the line's own (or the line or invoice does not say).
inline std::string foreign_entry_reason(const Invoice& invoice, const InvoiceLine& line, const TimeEntry& entry) {
  if (!line.timekeeper_id.empty() && entry.timekeeper_id != line.timekeeper_id)
    return "it was recorded by " + entry.timekeeper_id + ", not " + line.timekeeper_id;
  if (!invoice.engagement_id.empty() && entry.engagement_id != invoice.engagement_id)
    return "it was recorded on engagement " + entry.engagement_id + ", not " + invoice.engagement_id;
  return {};
}

}  // namespace billcheck::services
