#include "rules.hpp"

#include <stdexcept>

namespace billcheck::guidelines {
namespace {

Decimal positive_increment(const Options& options) {
  const Decimal increment = options.decimal("increment");
  if (increment <= Decimal{})
    throw std::invalid_argument("option 'increment' must be more than 0 (it is " + increment.to_string() +
                                "), e.g. 0.1 for six-minute units");
  return increment;
}

}  // namespace

IncrementRule::IncrementRule(const Options& options) : increment_(positive_increment(options)) {}

RuleInfo IncrementRule::info() {
  RuleInfo info;
  info.id = "guidelines.increment";
  info.reach = Reach::client;
  info.title = "Hours not in the minimum billing increment";
  info.category = "guidelines";
  info.severity = Severity::warning;
  info.description =
      "Time is billed in a minimum increment, usually a tenth of an hour (six minutes): a fee line's hours must be "
      "a whole multiple of increment. 0.25 h is not, in tenths; 0.2 h and 0.3 h are. The message names the two "
      "nearest hours that are. Expense and adjustment lines and void invoices are not checked.";
  info.options = {{"increment", OptionType::decimal, "0.1",
                   "The smallest unit of billed time, in hours (0.1 = six minutes, 0.25 = fifteen)."}};
  return info;
}

void IncrementRule::check(const InvoiceLine& line, Context& ctx) const {
  if (!is_billed_fee(line, ctx)) return;
  const std::int64_t remainder = line.quantity.raw() % increment_.raw();
  if (remainder == 0) return;
  // Toward zero, then one increment further: the two multiples either side.
  const Decimal lower = Decimal::from_raw(line.quantity.raw() - remainder);
  const Decimal upper = line.quantity.is_negative() ? lower - increment_ : lower + increment_;
  ctx.report(line, line_text(line) + " bills " + format_hours(line.quantity) + ", which is not in increments of " +
                       format_hours(increment_) + "; bill " + format_hours(lower) + " or " + format_hours(upper) + ".")
      .evidence_of("expected", "a multiple of " + format_hours(increment_))
      .evidence_of("actual", format_hours(line.quantity))
      .evidence_of("increment", increment_.to_string());
}

}  // namespace billcheck::guidelines
