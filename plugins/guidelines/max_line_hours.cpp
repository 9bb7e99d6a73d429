#include "rules.hpp"

#include <stdexcept>

namespace billcheck::guidelines {
namespace {

Decimal positive_max_hours(const Options& options) {
  const Decimal max_hours = options.decimal("max_hours");
  if (max_hours <= Decimal{})
    throw std::invalid_argument("option 'max_hours' must be more than 0 (it is " + max_hours.to_string() + ")");
  return max_hours;
}

}  // namespace

MaxLineHoursRule::MaxLineHoursRule(const Options& options) : max_hours_(positive_max_hours(options)) {}

RuleInfo MaxLineHoursRule::info() {
  RuleInfo info;
  info.id = "guidelines.max-line-hours";
  info.reach = Reach::client;
  info.title = "Too many hours on a single line";
  info.category = "guidelines";
  info.severity = Severity::warning;
  info.description =
      "A single fee line billing more than max_hours is more than a day's work in one entry: clients ask for it "
      "to be split by day and task, or explained (a trial day, a closing). Exactly max_hours is fine. Expense and "
      "adjustment lines and void invoices are not checked.";
  info.options = {{"max_hours", OptionType::decimal, "10", "The most hours one fee line may bill."}};
  return info;
}

void MaxLineHoursRule::check(const InvoiceLine& line, Context& ctx) const {
  if (!is_billed_fee(line, ctx) || line.quantity <= max_hours_) return;
  std::string who = timekeeper_name(line, ctx.book());
  ctx.report(line, line_text(line) + " bills " + format_hours(line.quantity) + (who.empty() ? "" : " by " + who) +
                       " in one entry, more than the " + format_hours(max_hours_) +
                       " a single line may bill; split it by day and task, or explain it.")
      .evidence_of("expected", "at most " + format_hours(max_hours_))
      .evidence_of("actual", format_hours(line.quantity));
}

}  // namespace billcheck::guidelines
