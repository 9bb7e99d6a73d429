#include "rules.hpp"

namespace billcheck::payments {

RuleInfo CurrencyRule::info() {
  RuleInfo info;
  info.id = "payments.currency";
  info.reach = Reach::firm;
  info.title = "Payment in another currency than its invoice";
  info.category = "payments";
  info.severity = Severity::error;
  info.description =
      "A payment applied to an invoice is in the invoice's currency. A payment in "
      "another currency cannot be set against the invoice without a conversion the book does not record, so it "
      "does not count toward the invoice's payments; no amount at stake is given, as the two cannot be "
      "compared. Void invoices are left to payments.void-invoice.";
  return info;
}

void CurrencyRule::check(const Payment& payment, Context& ctx) const {
  const Invoice* invoice = applied_invoice(ctx.book(), payment);
  if (!invoice || invoice->is_void() || same_currency(payment.currency, invoice->currency)) return;
  ctx.report(payment, "Payment " + payment.id + " (" + money(payment.amount, payment.currency) +
                          ") is applied to invoice " + invoice->id + ", which is in " + invoice->currency +
                          "; record the payment in " + invoice->currency + " or convert it before applying it.")
      .evidence_of("expected", invoice->currency)
      .evidence_of("actual", payment.currency)
      .evidence_of("amount", payment.amount);
}

}  // namespace billcheck::payments
