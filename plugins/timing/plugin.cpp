// The timing plugin: one registration line per rule, as in a clang-tidy module.
#include "rules.hpp"

namespace billcheck::timing {
namespace {

void register_rules(Registry& registry) {
  registry.add<IssuedEarlyRule>();
  registry.add<LateInvoiceRule>();
  registry.add<LineOutsidePeriodRule>();
  registry.add<DueDateRule>();
  registry.add<StaleTimeRule>();
  registry.add<FutureDateRule>();
  registry.add<CycleRule>();
}

}  // namespace

BILLCHECK_PLUGIN("timing", "0.1.0", register_rules)

}  // namespace billcheck::timing
