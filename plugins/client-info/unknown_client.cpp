#include "rules.hpp"

namespace billcheck::client_info {

RuleInfo UnknownClientRule::info() {
  RuleInfo info;
  info.id = "client-info.unknown-client";
  info.reach = Reach::client;
  info.title = "Invoice for a client not in the book";
  info.category = "client-info";
  info.severity = Severity::error;
  info.description =
      "Every invoice's client_id names one of the book's clients; otherwise nobody knows where the invoice goes "
      "or on what terms. Where the invoice's engagement belongs to a known client, the fix suggests that client. "
      "Void invoices are not checked, nor are books without any client records (a LEDES file checked alone).";
  return info;
}

void UnknownClientRule::check(const Invoice& invoice, Context& ctx) const {
  const Book& book = ctx.book();
  if (invoice.is_void() || book.clients().empty() || book.client(invoice.client_id)) return;

  const Engagement* engagement = invoice.engagement_id.empty() ? nullptr : book.engagement(invoice.engagement_id);
  const Client* owner = engagement ? book.client(engagement->client_id) : nullptr;
  std::string message = "Invoice " + invoice.id + " is for client " + invoice.client_id +
                        ", who is not among the firm's clients";
  message += owner ? "; its engagement " + engagement->id + " belongs to " + client_name(*owner) + " (" +
                         owner->id + ")."
                   : "; add the client or correct the invoice's client_id.";

  Finding& finding = ctx.report(invoice, std::move(message));
  finding.evidence_of("expected", "a client in the book").evidence_of("actual", invoice.client_id);
  if (owner) finding.suggest("client_id", invoice.client_id, owner->id);
}

}  // namespace billcheck::client_info
