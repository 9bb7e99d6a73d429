// The arithmetic plugin: one registration line per rule, as in a clang-tidy module.
#include "rules.hpp"

namespace billcheck::arithmetic {
namespace {

void register_rules(Registry& registry) {
  registry.add<LineAmountRule>();
  registry.add<InvoiceTotalRule>();
  registry.add<TaxRule>();
  registry.add<CurrencyDecimalsRule>();
}

}  // namespace

BILLCHECK_PLUGIN("arithmetic", "0.1.0", register_rules)

}  // namespace billcheck::arithmetic
