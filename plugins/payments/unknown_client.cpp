#include "rules.hpp"

namespace billcheck::payments {

RuleInfo UnknownClientRule::info() {
  RuleInfo info;
  info.id = "payments.unknown-client";
  info.reach = Reach::firm;
  info.title = "Payment from a client not in the book";
  info.category = "payments";
  info.severity = Severity::error;
  info.description =
      "Every payment's client_id names one of the book's clients; otherwise nobody can tell whose account the "
      "money is on. Where the payment is applied to an invoice in the book, the fix suggests that invoice's "
      "client. Books without any client records (a LEDES file checked alone) are not checked.";
  return info;
}

void UnknownClientRule::check(const Payment& payment, Context& ctx) const {
  const Book& book = ctx.book();
  if (book.clients().empty() || book.client(payment.client_id)) return;
  const Invoice* invoice = applied_invoice(book, payment);
  std::string message = "Payment " + payment.id + " (" + money(payment.amount, payment.currency) +
                        ") is from client " + payment.client_id + ", who is not among the firm's clients";
  message += invoice ? "; the invoice it pays, " + invoice->id + ", is " + client_name(book, invoice->client_id) +
                           "'s (" + invoice->client_id + ")."
                     : "; add the client or correct the payment's client_id.";
  Finding& finding = ctx.report(payment, std::move(message));
  finding.evidence_of("expected", "a client in the book").evidence_of("actual", payment.client_id);
  if (invoice) finding.suggest("client_id", payment.client_id, invoice->client_id);
}

}  // namespace billcheck::payments
