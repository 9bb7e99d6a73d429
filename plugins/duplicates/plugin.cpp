// The duplicates plugin: one registration line per rule, as in a clang-tidy module.
#include "rules.hpp"

namespace billcheck::duplicates {
namespace {

void register_rules(Registry& registry) {
  registry.add<DuplicateInvoiceRule>();
  registry.add<DuplicateLineRule>();
  registry.add<DuplicateWorkRule>();
  registry.add<DuplicateTimeEntryRule>();
  registry.add<DuplicateInvoiceNumberRule>();
  registry.add<DuplicatePaymentIdRule>();
}

}  // namespace

BILLCHECK_PLUGIN("duplicates", "0.1.0", register_rules)

}  // namespace billcheck::duplicates
