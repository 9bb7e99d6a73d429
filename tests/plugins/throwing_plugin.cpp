// A plugin whose rule throws on one invoice, for the test that a failing rule
// becomes an internal finding and the run goes on.
#include <billcheck/sdk.hpp>

#include <stdexcept>

namespace {

class ExplodingRule final : public billcheck::InvoiceRule {
 public:
  static billcheck::RuleInfo info() {
    return {.id = "testthrow.explodes",
            .title = "Throws on invoices numbered BOOM",
            .category = "data",
            .severity = billcheck::Severity::info,
            .description = "Throws for an invoice whose id contains BOOM; reports nothing otherwise."};
  }

  void check(const billcheck::Invoice& invoice, billcheck::Context& ctx) const override {
    if (invoice.id.find("BOOM") != std::string::npos) {
      ctx.report(invoice, "partial finding that must be discarded");
      throw std::runtime_error("cannot handle invoice " + invoice.id);
    }
  }
};

void register_rules(billcheck::Registry& registry) { registry.add<ExplodingRule>(); }

}  // namespace

BILLCHECK_PLUGIN("testthrow", "0.0.1", register_rules)
