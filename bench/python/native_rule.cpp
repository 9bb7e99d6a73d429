// bench.native-long-line: flags fee lines over 24 hours. The same rule as
// bench.python-long-line in python_rule_bench.py, in C++.
#include <billcheck/sdk.hpp>

namespace {

class NativeLongLineRule final : public billcheck::LineRule {
 public:
  static billcheck::RuleInfo info() {
    return {.id = "bench.native-long-line",
            .title = "Fee line over 24 hours (bench)",
            .category = "data",
            .severity = billcheck::Severity::warning,
            .description = "The native half of the Python rule benchmark."};
  }
  void check(const billcheck::InvoiceLine& line, billcheck::Context& ctx) const override {
    if (line.quantity > billcheck::Decimal(24)) ctx.report(line, "more than 24 hours on one line");
  }
};

void register_rules(billcheck::Registry& registry) { registry.add<NativeLongLineRule>(); }

}  // namespace

BILLCHECK_PLUGIN("bench", "0.1.0", register_rules)
