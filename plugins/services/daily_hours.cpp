#include "rules.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace billcheck::services {
namespace {

const Decimal kDayHours = 24;

Decimal warn_hours_of(const Options& options) {
  const Decimal hours = options.decimal("warn_hours");
  if (hours <= Decimal{} || hours > kDayHours)
    throw std::invalid_argument("option 'warn_hours' must be more than 0 and at most 24 (it is " +
                                hours.to_string() + "); use 24 to report only days of more than 24 hours");
  return hours;
}

/// One timekeeper on one day, and its fee lines in the order their invoices
/// were issued (by issue date, then invoice number), then by line_no.
struct Day {
  std::string_view timekeeper;
  Date date;
  std::vector<const InvoiceLine*> lines;
};

/// Every timekeeper-day with fee lines. One sort of the book's fee lines by
/// (timekeeper, date, issue order), with timekeepers numbered first so the sort
/// compares integers: a hash map of a vector per day cost a million small
/// allocations on a million-line book. Only days over `threshold` hours are
/// returned with their lines; the others are dropped as they are summed.
std::vector<Day> days_over(const Book& book, Decimal threshold) {
  std::vector<const Invoice*> invoices;
  for (const Invoice& invoice : book.invoices())
    if (!invoice.is_void()) invoices.push_back(&invoice);
  std::stable_sort(invoices.begin(), invoices.end(),
                   [](const Invoice* a, const Invoice* b) { return a->issue_date < b->issue_date; });
  struct Entry {
    std::uint64_t key;  // timekeeper number << 32 | day
    std::uint32_t order;  // place in issue order
    const InvoiceLine* line;
  };
  std::unordered_map<std::string_view, std::uint32_t> numbers;
  std::vector<std::string_view> names;
  std::vector<Entry> entries;
  entries.reserve(book.lines().size());
  for (const Invoice* invoice : invoices)
    for (const InvoiceLine& line : book.lines_of(*invoice)) {
      if (!line.is_fee() || line.timekeeper_id.empty() || !line.date || line.quantity <= Decimal{}) continue;
      auto [it, added] = numbers.try_emplace(line.timekeeper_id, static_cast<std::uint32_t>(names.size()));
      if (added) names.push_back(line.timekeeper_id);
      // Days since 1970 offset into 32 bits (any civil date fits) so that they sort as unsigned.
      const auto day = static_cast<std::uint32_t>(
          static_cast<std::int64_t>(line.date->sys_days().time_since_epoch().count()) + 0x80000000LL);
      entries.push_back({(std::uint64_t{it->second} << 32) | day, static_cast<std::uint32_t>(entries.size()), &line});
    }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key != b.key ? a.key < b.key : a.order < b.order; });
  std::vector<Day> days;
  for (std::size_t begin = 0; begin < entries.size();) {
    std::size_t end = begin;
    Decimal total;
    for (; end < entries.size() && entries[end].key == entries[begin].key; ++end) total += entries[end].line->quantity;
    if (total > threshold) {
      Day& day = days.emplace_back();
      day.timekeeper = names[entries[begin].key >> 32];
      day.date = *entries[begin].line->date;
      for (std::size_t i = begin; i < end; ++i) day.lines.push_back(entries[i].line);
    }
    begin = end;
  }
  return days;
}

/// The line at which the day's running total of hours first goes over `limit`.
const InvoiceLine& crossing(const std::vector<const InvoiceLine*>& lines, Decimal limit) {
  Decimal running;
  for (const InvoiceLine* line : lines) {
    running += line->quantity;
    if (running > limit) return *line;
  }
  return *lines.front();
}

/// What the hours beyond 24 cost, each at the rate of the line that billed it;
/// lines in another currency than `currency` are left out.
Decimal value_beyond_day(const Book& book, const std::vector<const InvoiceLine*>& lines, std::string_view currency) {
  Decimal running, value;
  for (const InvoiceLine* line : lines) {
    running += line->quantity;
    if (running <= kDayHours || book.invoice_of(*line).currency != currency) continue;
    value += std::min(line->quantity, running - kDayHours) * line->rate;
  }
  return value.round(minor_units(currency));
}

}  // namespace

DailyHoursRule::DailyHoursRule(const Options& options) : warn_hours_(warn_hours_of(options)) {}

RuleInfo DailyHoursRule::info() {
  RuleInfo info;
  info.id = "services.daily-hours";
  info.title = "Timekeeper billed for too many hours in a day";
  info.category = "services";
  info.severity = Severity::error;
  info.description =
      "The hours a timekeeper is billed for on one day, added up over the fee lines of every invoice in the book, "
      "may not exceed 24; more than warn_hours is reported as a warning (or at the rule's configured severity, "
      "if that is lower). Each timekeeper-day is reported once, on the line that takes the day's total over the "
      "limit (lines taken in the order their invoices were issued, then by invoice number and line_no), with the day's total "
      "and its lines in the evidence. Over 24 hours, the amount at stake is what the hours beyond 24 cost at the "
      "rates of the lines that billed them, counting the lines in the reported line's currency; below that no "
      "amount is at stake, since a long day may be real. Void invoices and lines without a timekeeper or a date "
      "are not counted.";
  info.options = {{"warn_hours", OptionType::decimal, "12",
                   "A day with more billed hours than this (up to 24) is reported as a warning; 24 = only "
                   "impossible days are reported."}};
  return info;
}

void DailyHoursRule::check(const Book& book, Context& ctx) const {
  for (const auto& [timekeeper, date, lines] : days_over(book, std::min(warn_hours_, kDayHours))) {
    Decimal total;
    for (const InvoiceLine* line : lines) total += line->quantity;
    if (total <= warn_hours_ && total <= kDayHours) continue;
    const bool impossible = total > kDayHours;
    const Decimal limit = impossible ? kDayHours : warn_hours_;
    const InvoiceLine& reported = crossing(lines, limit);

    std::string list;
    std::unordered_set<const Invoice*> invoices;
    for (const InvoiceLine* line : lines) {
      invoices.insert(&book.invoice_of(*line));
      list += (list.empty() ? "" : ", ") + line->invoice_id + " line " + std::to_string(line->line_no) + " (" +
              format_hours(line->quantity) + ")";
    }
    std::string message = timekeeper_text(book, std::string(timekeeper)) + " is billed for " + format_hours(total) +
                          " on " + date.to_string() + " over " + std::to_string(lines.size()) + " lines";
    if (invoices.size() > 1) message += " of " + std::to_string(invoices.size()) + " invoices";
    message += impossible ? ", more than the 24 hours a day has"
                          : ", more than the " + format_hours(warn_hours_) + " a day the firm expects of anyone";
    message += "; line " + std::to_string(reported.line_no) + " of invoice " + reported.invoice_id +
               " takes the day past " + format_hours(limit) + ".";

    Finding& finding = ctx.report(reported, std::move(message));
    if (impossible)
      finding.at_stake(value_beyond_day(book, lines, book.invoice_of(reported).currency));
    else
      finding.with_severity(std::min(finding.severity, Severity::warning));
    finding.evidence_of("expected", "at most " + format_hours(limit))
        .evidence_of("actual", format_hours(total))
        .evidence_of("timekeeper", std::string(timekeeper))
        .evidence_of("date", date)
        .evidence_of("lines", list);
  }
}

}  // namespace billcheck::services
