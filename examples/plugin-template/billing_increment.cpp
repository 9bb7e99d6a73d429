// myfirm.billing-increment: fee lines are billed in whole billing increments
// (tenths of an hour unless configured). A firm's starting point: one rule and
// its registration; add a file per rule as plugins/arithmetic/ does.
#include <billcheck/sdk.hpp>

#include <stdexcept>

namespace myfirm {
using namespace billcheck;

/// A fee line's hours are a whole number of billing increments.
class BillingIncrementRule final : public LineRule {
 public:
  explicit BillingIncrementRule(const Options& options) : increment_(positive(options.decimal("increment"))) {}

  static RuleInfo info() {
    return {.id = "myfirm.billing-increment",
            .title = "Hours not in whole billing increments",
            .category = "guidelines",
            .severity = Severity::warning,
            .description = "A fee line's hours must be a whole number of billing increments. The amount at stake "
                           "is the part beyond the last whole increment times the rate; the fix rounds the hours "
                           "down. Lines of void invoices are not checked.",
            .options = {{"increment", OptionType::decimal, "0.1", "The billing increment, in hours."}},
            .reach = Reach::client};
  }

  void check(const InvoiceLine& line, Context& ctx) const override {
    const Invoice& invoice = ctx.invoice_of(line);
    if (!line.is_fee() || invoice.is_void()) return;
    const Decimal billable = Decimal::from_int((line.quantity / increment_).whole()) * increment_;
    if (billable == line.quantity) return;
    const Decimal excess = ((line.quantity - billable) * line.rate).round(minor_units(invoice.currency));
    ctx.report(line, "Line " + std::to_string(line.line_no) + " bills " + line.quantity.to_string() +
                         " h, which is not a whole number of " + increment_.to_string() + " h increments.")
        .at_stake(excess)
        .evidence_of("expected", billable.to_string())
        .evidence_of("actual", line.quantity.to_string())
        .evidence_of("increment", increment_.to_string())
        .suggest("quantity", line.quantity.to_string(), billable.to_string());
  }

 private:
  static Decimal positive(Decimal increment) {
    if (increment <= Decimal{})
      throw std::invalid_argument("myfirm.billing-increment: option 'increment' must be above 0 (it is " +
                                  increment.to_string() + ")");
    return increment;
  }

  const Decimal increment_;
};

void register_rules(Registry& registry) { registry.add<BillingIncrementRule>(); }

BILLCHECK_PLUGIN("myfirm", "0.1.0", register_rules)

}  // namespace myfirm
