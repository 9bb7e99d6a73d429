#include "rules.hpp"

#include <algorithm>
#include <functional>
#include <limits>
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

std::int32_t day_number(Date d) { return static_cast<std::int32_t>(d.sys_days().time_since_epoch().count()); }

/// Whether a line counts towards its timekeeper's day.
bool counts(const InvoiceLine& line) {
  return line.is_fee() && !line.timekeeper_id.empty() && line.date && line.quantity > Decimal{};
}

/// Which timekeeper a counted line bills, as a number: its Timekeeper's place
/// in the book, else (an id the book does not know) a number after those, one
/// per id. Lines with one timekeeper id get one number.
class TimekeeperNumbers {
 public:
  explicit TimekeeperNumbers(const Book& book) : book_(book), known_(book.timekeepers().size()) {}
  std::uint32_t of(const InvoiceLine& line) {
    if (const Timekeeper* tk = book_.timekeeper_of(line))
      return static_cast<std::uint32_t>(tk - book_.timekeepers().data());
    return unknown_.try_emplace(line.timekeeper_id, known_ + static_cast<std::uint32_t>(unknown_.size())).first->second;
  }
  std::uint32_t count() const { return known_ + static_cast<std::uint32_t>(unknown_.size()); }

 private:
  const Book& book_;
  std::uint32_t known_;
  std::unordered_map<Text, std::uint32_t> unknown_;
};

std::uint64_t day_key(std::uint32_t timekeeper, std::int32_t day) {
  return (std::uint64_t{timekeeper} << 32) | static_cast<std::uint32_t>(day);
}

/// Every timekeeper-day of more than `threshold` hours, with its lines. The
/// hours are summed per timekeeper and day, then the lines of the few days over
/// are collected in issue order. A timekeeper whose lines fall within a span of
/// days at most twice their number gets a sum for each day of it (4 bytes a
/// day); one billed on a few days far apart gets its lines' (day, hours) sorted
/// by day (8 bytes a line). A table of every timekeeper-day took 38 MB of a
/// million-line book, a sort of every line cost more, and the sorted (day,
/// hours) of every line 8 MB, where the sums of a firm's days take kilobytes.
std::vector<Day> days_over(const Book& book, Decimal threshold) {
  if (threshold > kDayHours) throw std::logic_error("days_over: a threshold above 24 hours");
  TimekeeperNumbers numbers(book);
  auto counted = [&](const InvoiceLine& line) { return counts(line) && !book.invoice_of(line).is_void(); };
  // A line's hours are capped at 4294.967295 and a day's sum at the same: one
  // such line or day is over any threshold (at most 24), so the days over are the same.
  auto capped = [](const InvoiceLine& line) {
    return static_cast<std::uint32_t>(std::min<std::int64_t>(line.quantity.raw(), 0xffffffff));
  };
  struct Days {  // one timekeeper's
    std::int32_t first = std::numeric_limits<std::int32_t>::max(), last = std::numeric_limits<std::int32_t>::min();
    std::uint32_t lines = 0;
    std::size_t at = 0;  // where its sums (a day each) or its sorted lines start
    bool by_day() const { return static_cast<std::int64_t>(last) - first < 2 * std::int64_t{lines}; }
  };
  std::vector<Days> timekeepers;
  for (const InvoiceLine& line : book.lines()) {
    if (!counted(line)) continue;
    const std::uint32_t t = numbers.of(line);
    if (timekeepers.size() <= t) timekeepers.resize(t + 1);
    Days& tk = timekeepers[t];
    const std::int32_t day = day_number(*line.date);
    tk.first = std::min(tk.first, day);
    tk.last = std::max(tk.last, day);
    ++tk.lines;
  }
  std::size_t day_count = 0, line_count = 0;
  for (Days& tk : timekeepers) {
    if (!tk.lines) continue;
    std::size_t& at = tk.by_day() ? day_count : line_count;
    tk.at = at;
    at += tk.by_day() ? static_cast<std::size_t>(tk.last - tk.first) + 1 : tk.lines;
  }
  struct Hours {
    std::uint32_t hours;  // raw millionths, capped
    std::int32_t day;
  };
  std::vector<std::uint32_t> sums(day_count, 0);
  std::vector<Hours> sorted(line_count);
  {
    std::vector<std::size_t> next(timekeepers.size());
    // A line's timekeeper is not the line before's: its day's sum is a miss of
    // the cache in a large book (a 10M-line book's sums are 29 MB, a 1M-line
    // book's 2.9), fetched some lines ahead. Only a known timekeeper's (numbers.of() would number
    // an unknown id of a line not counted).
    constexpr std::size_t kAhead = 16, kCachedBytes = std::size_t{4} << 20;
    const auto lines = book.lines();
    const auto fetch = [&](const InvoiceLine& line) {
      const Timekeeper* known = line.date ? book.timekeeper_of(line) : nullptr;
      if (!known) return;
      const auto t = static_cast<std::size_t>(known - book.timekeepers().data());
      if (t >= timekeepers.size()) return;
      const Days& tk = timekeepers[t];
      const std::int32_t day = day_number(*line.date);
      if (tk.lines && tk.by_day() && day >= tk.first && day <= tk.last)
        __builtin_prefetch(&sums[tk.at + static_cast<std::size_t>(day - tk.first)]);
    };
    // (Where the sums fit in the cache, fetching them ahead costs more than it saves.)
    const bool ahead = day_count * sizeof(std::uint32_t) > kCachedBytes;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (ahead && i + kAhead < lines.size()) fetch(lines[i + kAhead]);
      const InvoiceLine& line = lines[i];
      if (!counted(line)) continue;
      const std::uint32_t t = numbers.of(line);
      const Days& tk = timekeepers[t];
      const std::int32_t day = day_number(*line.date);
      if (tk.by_day()) {
        std::uint32_t& sum = sums[tk.at + static_cast<std::size_t>(day - tk.first)];
        sum = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{sum} + capped(line), 0xffffffff));
      } else {
        sorted[tk.at + next[t]++] = {capped(line), day};
      }
    }
  }
  std::unordered_map<std::uint64_t, std::uint32_t> over;  // day_key -> index into days, once known
  constexpr std::uint32_t kNone = static_cast<std::uint32_t>(-1);
  for (std::size_t t = 0; t < timekeepers.size(); ++t) {
    const Days& tk = timekeepers[t];
    if (!tk.lines) continue;
    const auto timekeeper = static_cast<std::uint32_t>(t);
    if (tk.by_day()) {
      for (std::int32_t day = tk.first; day <= tk.last; ++day)
        if (Decimal::from_raw(std::int64_t{sums[tk.at + static_cast<std::size_t>(day - tk.first)]}) > threshold)
          over.emplace(day_key(timekeeper, day), kNone);
      continue;
    }
    const auto first = sorted.begin() + static_cast<std::ptrdiff_t>(tk.at), last = first + tk.lines;
    std::sort(first, last, [](const Hours& a, const Hours& b) { return a.day < b.day; });
    for (auto run = first; run != last;) {
      Decimal total;
      auto end = run;
      for (; end != last && end->day == run->day; ++end) total += Decimal::from_raw(std::int64_t{end->hours});
      if (total > threshold) over.emplace(day_key(timekeeper, run->day), kNone);
      run = end;
    }
  }
  std::vector<Day> days;
  if (over.empty()) return days;
  std::vector<const Invoice*> invoices;
  for (const Invoice& invoice : book.invoices())
    if (!is_cancelled(book, invoice)) invoices.push_back(&invoice);
  std::stable_sort(invoices.begin(), invoices.end(),
                   [](const Invoice* a, const Invoice* b) { return a->issue_date < b->issue_date; });
  for (const Invoice* invoice : invoices)
    for (const InvoiceLine& line : book.lines_of(*invoice)) {
      if (!counts(line)) continue;
      auto it = over.find(day_key(numbers.of(line), day_number(*line.date)));
      if (it == over.end()) continue;
      if (it->second == kNone) {
        it->second = static_cast<std::uint32_t>(days.size());
        days.push_back({line.timekeeper_id, *line.date, {}});
      }
      days[it->second].lines.push_back(&line);
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
  info.reach = Reach::timekeeper;
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
      "amount is at stake, since a long day may be real. Void invoices, invoices credited in full (as billcheck "
      "fix --reissue writes) and lines without a timekeeper or a date "
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
