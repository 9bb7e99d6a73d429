#include "rules.hpp"

#include <vector>

namespace billcheck::payments {
namespace {

/// An invoice the client still owes on, and how much.
struct Open {
  const Invoice* invoice;
  Decimal balance;
};

/// Whether the firm still expects money on an invoice: sent (not a draft),
/// not cancelled, and not marked paid.
bool is_outstanding(const Invoice& invoice) {
  return !invoice.is_void() && invoice.status != "draft" && invoice.status != "paid";
}

}  // namespace

RuleInfo UnappliedRule::info() {
  RuleInfo info;
  info.id = "payments.unapplied";
  info.reach = Reach::firm;
  info.title = "Unapplied payment while invoices are open";
  info.category = "payments";
  info.severity = Severity::info;
  info.description =
      "A payment with no invoice_id is reported while the same client has open invoices in the payment's "
      "currency: invoices that are neither draft, void nor marked paid, whose total exceeds the client's own "
      "payments applied to them and the credit notes on them. The client may be chased for money it has paid. "
      "The open invoices are listed in the evidence; where exactly one of them has a balance equal to the "
      "payment, the fix suggests applying the payment to it. No amount is at stake: nothing is billed wrong.";
  return info;
}

void UnappliedRule::check(const Payment& payment, Context& ctx) const {
  if (!payment.invoice_id.empty()) return;
  const Book& book = ctx.book();
  std::vector<Open> open;
  Decimal balance_total;
  for (const Invoice* invoice : book.invoices_of_client(payment.client_id)) {
    if (!is_outstanding(*invoice) || !same_currency(invoice->currency, payment.currency)) continue;
    const Received received = received_on(book, *invoice);
    const Decimal balance = invoice->total - received.paid - received.credited;
    if (balance <= Decimal{}) continue;
    open.push_back({invoice, balance});
    balance_total += balance;
  }
  if (open.empty()) return;

  std::string list;
  const Invoice* match = nullptr;
  int matches = 0;
  for (const Open& o : open) {
    list += (list.empty() ? "" : ", ") + o.invoice->id + " (" + money(o.balance, payment.currency) + " open)";
    if (o.balance == payment.amount) {
      match = o.invoice;
      ++matches;
    }
  }
  const std::string who = client_name(book, payment.client_id);
  std::string message = "Payment " + payment.id + " (" + money(payment.amount, payment.currency) + ") from " + who +
                        " is not applied to any invoice, while " + who + " has " +
                        (open.size() == 1 ? "an open invoice: " : std::to_string(open.size()) + " open invoices: ") +
                        list + ".";
  if (matches == 1) message += " It matches the balance of " + match->id + ".";

  Finding& finding = ctx.report(payment, std::move(message));
  finding.evidence_of("expected", "applied to an invoice")
      .evidence_of("actual", "not applied")
      .evidence_of("open_invoices", list)
      .evidence_of("open_balance", balance_total);
  if (matches == 1) finding.suggest("invoice_id", "", match->id);
}

}  // namespace billcheck::payments
