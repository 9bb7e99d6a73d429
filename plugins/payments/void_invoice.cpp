#include "rules.hpp"

namespace billcheck::payments {

RuleInfo VoidInvoiceRule::info() {
  RuleInfo info;
  info.id = "payments.void-invoice";
  info.reach = Reach::firm;
  info.title = "Payment applied to a void invoice";
  info.category = "payments";
  info.severity = Severity::error;
  info.description =
      "No payment is applied to a void invoice: the client paid for a bill that was cancelled. The amount at "
      "stake is the payment, positive: it must be refunded or applied to the invoice that replaced the void one. "
      "A payment from another client than the invoice's is left to payments.misapplied.";
  return info;
}

void VoidInvoiceRule::check(const Payment& payment, Context& ctx) const {
  const Invoice* invoice = applied_invoice(ctx.book(), payment);
  if (!invoice || !invoice->is_void() || invoice->client_id != payment.client_id) return;
  ctx.report(payment, "Payment " + payment.id + " (" + money(payment.amount, payment.currency) +
                          ") is applied to invoice " + invoice->id +
                          ", which is void; refund it or apply it to the invoice that replaced " + invoice->id + ".")
      .at_stake(payment.amount)
      .evidence_of("expected", "an invoice that is not void")
      .evidence_of("actual", invoice->id + " (void)")
      .evidence_of("amount", payment.amount);
}

}  // namespace billcheck::payments
