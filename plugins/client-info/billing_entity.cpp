#include "rules.hpp"

#include <unordered_set>

namespace billcheck::client_info {

RuleInfo BillingEntityRule::info() {
  RuleInfo info;
  info.id = "client-info.billing-entity";
  info.reach = Reach::client;
  info.title = "Engagement bills another entity than its client's";
  info.category = "client-info";
  info.severity = Severity::error;
  info.description =
      "An engagement's billing_entity, where it has one, is its client's billing_entity (compared ignoring case "
      "and spacing): invoices on it are otherwise addressed to another legal entity than the one the client "
      "record names. Each engagement is reported once, and the fix suggests the client's entity; if the "
      "engagement is right to bill a subsidiary, correct the client record or waive the finding. Only "
      "engagements billed on an invoice that is not void are checked, and only when both entities are set.";
  return info;
}

void BillingEntityRule::check(const Client& client, Context& ctx) const {
  const std::string_view expected = trimmed(client.billing_entity);
  if (expected.empty()) return;
  const Book& book = ctx.book();
  std::unordered_set<const Engagement*> seen;
  for (const Invoice* invoice : book.invoices_of_client(client.id)) {
    if (invoice->is_void() || invoice->engagement_id.empty()) continue;
    const Engagement* engagement = book.engagement(invoice->engagement_id);
    if (!engagement || engagement->client_id != client.id || !seen.insert(engagement).second) continue;
    const std::string_view actual = trimmed(engagement->billing_entity);
    if (actual.empty() || same_text(actual, expected)) continue;

    std::string name = "Engagement " + engagement->id;
    if (!engagement->name.empty()) name += " (" + engagement->name + ")";
    ctx.report(*engagement, name + " bills \"" + std::string(actual) + "\", but its client " + client_name(client) +
                                " is billed as \"" + std::string(expected) +
                                "\": its invoices are addressed to another legal entity.")
        .evidence_of("expected", std::string(expected))
        .evidence_of("actual", std::string(actual))
        .suggest("billing_entity", std::string(actual), std::string(expected));
  }
}

}  // namespace billcheck::client_info
