#include "rules.hpp"

namespace billcheck::client_info {
namespace {

/// Whether the record carries any billing detail besides the address.
bool has_billing_details(const Client& client) {
  for (const Text* field : {&client.billing_entity, &client.billing_email, &client.tax_id, &client.country})
    if (!trimmed(*field).empty()) return true;
  return false;
}

}  // namespace

RuleInfo BillingAddressRule::info() {
  RuleInfo info;
  info.id = "client-info.billing-address";
  info.reach = Reach::client;
  info.title = "Client billed without a billing address";
  info.category = "client-info";
  info.severity = Severity::error;
  info.description =
      "A client the firm bills needs a billing address (billing_address): without one an invoice cannot be "
      "delivered or, in many countries, be a valid tax invoice. Not checked: clients with no invoice in the book "
      "other than void ones (nothing was sent to them), and client records with no billing details at all (no "
      "billing_entity, billing_email, tax_id or country either), which come from an export that does not carry "
      "them rather than from a client whose address is missing.";
  return info;
}

void BillingAddressRule::check(const Client& client, Context& ctx) const {
  if (!trimmed(client.billing_address).empty() || !has_billing_details(client) || !is_billed(ctx.book(), client))
    return;
  ctx.report(client, client_name(client) + " (" + client.id +
                         ") has no billing address, yet is billed; add the address invoices are to be sent to.")
      .evidence_of("expected", "a billing address")
      .evidence_of("actual", "none");
}

}  // namespace billcheck::client_info
