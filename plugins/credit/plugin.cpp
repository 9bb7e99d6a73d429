// The credit plugin: one registration line per rule, as in a clang-tidy module.
#include "rules.hpp"

namespace billcheck::credit {
namespace {

void register_rules(Registry& registry) {
  registry.add<OverLimitRule>();
  registry.add<HoldRule>();
  registry.add<NoteUnapprovedRule>();
  registry.add<NoteExceedsInvoiceRule>();
  registry.add<NoteUnknownInvoiceRule>();
  registry.add<NoteUnknownClientRule>();
  registry.add<DiscountAboveAgreedRule>();
  registry.add<OverdueBalanceRule>();
}

}  // namespace

BILLCHECK_PLUGIN("credit", "0.1.0", register_rules)

}  // namespace billcheck::credit
