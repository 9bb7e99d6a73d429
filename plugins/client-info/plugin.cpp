// The client-info plugin: one registration line per rule, as in a clang-tidy module.
#include "rules.hpp"

namespace billcheck::client_info {
namespace {

void register_rules(Registry& registry) {
  registry.add<UnknownClientRule>();
  registry.add<EngagementUnknownClientRule>();
  registry.add<BillingAddressRule>();
  registry.add<BillingEmailRule>();
  registry.add<BillingEntityRule>();
  registry.add<CurrencyRule>();
  registry.add<StaleVerificationRule>();
}

}  // namespace

BILLCHECK_PLUGIN("client-info", "0.1.0", register_rules)

}  // namespace billcheck::client_info
