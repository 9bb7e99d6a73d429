#include "rules.hpp"

namespace billcheck::payments {

RuleInfo UnknownInvoiceRule::info() {
  RuleInfo info;
  info.id = "payments.unknown-invoice";
  info.reach = Reach::firm;
  info.title = "Payment applied to an invoice not in the book";
  info.category = "payments";
  info.severity = Severity::error;
  info.description =
      "A payment's invoice_id, when it has one, names an invoice in the book. Otherwise the money settles "
      "nothing the firm's books know of, and the invoice it was meant for still looks unpaid. A payment with an "
      "empty invoice_id is unapplied, which is not this rule's (see payments.unapplied). No amount is at stake: "
      "nothing is billed wrong, the payment's record is.";
  return info;
}

void UnknownInvoiceRule::check(const Payment& payment, Context& ctx) const {
  const Book& book = ctx.book();
  if (payment.invoice_id.empty() || book.invoice(payment.invoice_id)) return;
  ctx.report(payment, "Payment " + payment.id + " (" + money(payment.amount, payment.currency) + ") from " +
                          client_name(book, payment.client_id) + " is applied to invoice " + payment.invoice_id +
                          ", which is not in the book; correct the payment's invoice_id, or leave it empty if "
                          "the payment is not applied to any invoice.")
      .evidence_of("expected", "an invoice in the book")
      .evidence_of("actual", payment.invoice_id)
      .evidence_of("amount", payment.amount);
}

}  // namespace billcheck::payments
