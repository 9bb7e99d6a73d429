#include "rules.hpp"

namespace billcheck::payments {

RuleInfo MisappliedRule::info() {
  RuleInfo info;
  info.id = "payments.misapplied";
  info.reach = Reach::firm;
  info.title = "Payment applied to another client's invoice";
  info.category = "payments";
  info.severity = Severity::error;
  info.description =
      "A payment is applied (invoice_id) only to an invoice of the client who paid it (client_id). Otherwise one "
      "client's money settles another's bill: the payer is still asked for what it already paid. The amount at "
      "stake is the payment, positive, in its currency. Either the payment's client or its invoice is wrong, so "
      "no fix is suggested. Payments not applied, or applied to an invoice not in the book, are not checked.";
  return info;
}

void MisappliedRule::check(const Payment& payment, Context& ctx) const {
  const Book& book = ctx.book();
  const Invoice* invoice = applied_invoice(book, payment);
  if (!invoice || invoice->client_id == payment.client_id) return;
  const std::string payer = client_name(book, payment.client_id);
  ctx.report(payment, "Payment " + payment.id + " (" + money(payment.amount, payment.currency) + ") from " + payer +
                          " is applied to invoice " + invoice->id + ", which was issued to " +
                          client_name(book, invoice->client_id) + ": " + payer +
                          "'s money is settling another client's bill.")
      .at_stake(payment.amount)
      .evidence_of("expected", "an invoice of " + payment.client_id)
      .evidence_of("actual", invoice->id + " of " + invoice->client_id)
      .evidence_of("invoice_client", invoice->client_id)
      .evidence_of("amount", payment.amount);
}

}  // namespace billcheck::payments
