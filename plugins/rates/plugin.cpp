// The rates plugin: one registration line per rule, as in a clang-tidy module.
#include "rules.hpp"

namespace billcheck::rates {
namespace {

void register_rules(Registry& registry) {
  registry.add<ContractRateRule>();
  registry.add<NoAgreedRateRule>();
  registry.add<UnknownTimekeeperRule>();
  registry.add<RoleCapRule>();
  registry.add<EffectiveDatesRule>();
}

}  // namespace

BILLCHECK_PLUGIN("rates", "0.1.0", register_rules)

}  // namespace billcheck::rates
