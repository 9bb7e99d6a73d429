#include "rules.hpp"

namespace billcheck::payments {

RuleInfo OverpaymentRule::info() {
  RuleInfo info;
  info.id = "payments.overpayment";
  info.reach = Reach::firm;
  info.title = "Invoice paid more than it asks";
  info.category = "payments";
  info.severity = Severity::error;
  info.description =
      "The payments applied to an invoice, together with the credit notes on it, may not exceed its total. Only "
      "the client's own payments in the invoice's currency count (others are payments.misapplied's and "
      "payments.currency's), whatever their dates. Credit notes count up to the total: credit beyond it is "
      "credit.note-exceeds-invoice's. The amount at stake is what was paid beyond the total less the credit, "
      "positive: the client paid that much more than it owed and is due a refund. Void invoices are left to "
      "payments.void-invoice.";
  return info;
}

void OverpaymentRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void()) return;
  const Received received = received_on(ctx.book(), invoice);
  if (received.paid <= Decimal{}) return;
  const Decimal total = std::max(invoice.total, Decimal{});
  const Decimal credited = std::clamp(received.credited, Decimal{}, total);
  const Decimal owed = total - credited;
  if (received.paid <= owed) return;
  const Decimal excess = received.paid - owed;

  const Text currency = invoice.currency;
  std::string message = "Invoice " + invoice.id + " (" + money(invoice.total, currency) + ") has been paid " +
                        money(received.paid, currency);
  if (!credited.is_zero()) message += " on top of " + money(credited, currency) + " in credit notes";
  message += ": " + money(excess, currency) + " more than the client owed, to be refunded or applied elsewhere.";
  Finding& finding = ctx.report(invoice, std::move(message));
  finding.at_stake(excess)
      .evidence_of("expected", owed)
      .evidence_of("actual", received.paid)
      .evidence_of("total", invoice.total);
  if (!received.credited.is_zero()) finding.evidence_of("credited", received.credited);
}

}  // namespace billcheck::payments
