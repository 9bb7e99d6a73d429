#include "rules.hpp"

namespace billcheck::client_info {

RuleInfo EngagementUnknownClientRule::info() {
  RuleInfo info;
  info.id = "client-info.engagement-unknown-client";
  info.reach = Reach::firm;
  info.title = "Engagement for a client not in the book";
  info.category = "client-info";
  info.severity = Severity::error;
  info.description =
      "Every engagement's client_id names one of the book's clients; otherwise the matter's invoices have no "
      "terms, address or currency to be checked against. Where the engagement's invoices all go to one known "
      "client, the fix suggests that client. Books without any client records are not checked.";
  return info;
}

void EngagementUnknownClientRule::check(const Book& book, Context& ctx) const {
  if (book.clients().empty()) return;
  for (const Engagement& engagement : book.engagements()) {
    if (book.client(engagement.client_id)) continue;
    // The one known client the engagement's invoices are addressed to, if there is exactly one.
    const Client* billed = nullptr;
    for (const Invoice* invoice : book.invoices_of_engagement(engagement.id)) {
      const Client* client = book.client(invoice->client_id);
      if (!client) continue;
      if (billed && client != billed) {
        billed = nullptr;
        break;
      }
      billed = client;
    }
    std::string message = "Engagement " + engagement.id + (engagement.name.empty() ? "" : " (" + engagement.name + ")") +
                          " is for client " + engagement.client_id + ", who is not among the firm's clients";
    message += billed ? "; its invoices go to " + client_name(*billed) + " (" + billed->id + ")."
                      : "; add the client or correct the engagement's client_id.";
    Finding& finding = ctx.report(engagement, std::move(message));
    finding.evidence_of("expected", "a client in the book").evidence_of("actual", engagement.client_id);
    if (billed) finding.suggest("client_id", engagement.client_id, billed->id);
  }
}

}  // namespace billcheck::client_info
