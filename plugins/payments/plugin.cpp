// The payments plugin: one registration line per rule, as in a clang-tidy module.
#include "rules.hpp"

namespace billcheck::payments {
namespace {

void register_rules(Registry& registry) {
  registry.add<MisappliedRule>();
  registry.add<OverpaymentRule>();
  registry.add<VoidInvoiceRule>();
  registry.add<CurrencyRule>();
  registry.add<UnappliedRule>();
  registry.add<UnknownInvoiceRule>();
  registry.add<UnknownClientRule>();
}

}  // namespace

BILLCHECK_PLUGIN("payments", "0.1.0", register_rules)

}  // namespace billcheck::payments
