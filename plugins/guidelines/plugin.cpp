// The guidelines plugin: one registration line per rule, as in a clang-tidy module.
#include "rules.hpp"

namespace billcheck::guidelines {
namespace {

void register_rules(Registry& registry) {
  registry.add<BlockBillingRule>();
  registry.add<VagueDescriptionRule>();
  registry.add<IncrementRule>();
  registry.add<UtbmsCodesRule>();
  registry.add<ClericalWorkRule>();
  registry.add<MaxLineHoursRule>();
}

}  // namespace

BILLCHECK_PLUGIN("guidelines", "0.1.0", register_rules)

}  // namespace billcheck::guidelines
