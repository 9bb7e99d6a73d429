// The services plugin: one registration line per rule, as in a clang-tidy module.
#include "rules.hpp"

namespace billcheck::services {
namespace {

void register_rules(Registry& registry) {
  registry.add<HoursExceedEntryRule>();
  registry.add<EntryMissingRule>();
  registry.add<DailyHoursRule>();
  registry.add<InactiveTimekeeperRule>();
}

}  // namespace

BILLCHECK_PLUGIN("services", "0.1.0", register_rules)

}  // namespace billcheck::services
