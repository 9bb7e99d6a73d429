#include "rules.hpp"

namespace billcheck::credit {
namespace {

/// Drafts are not sent yet and void invoices are cancelled: neither is owed.
bool is_owed(const Invoice& invoice) { return !invoice.is_void() && invoice.status != "draft"; }

/// What makes up a client's open balance as of one invoice's issue.
struct Balance {
  Decimal invoiced, paid, credited;
  Decimal open() const { return invoiced - paid - credited; }
};

/// The client's balance on `invoice`'s issue date, before `invoice` itself:
/// the owed invoices issued before it (by issue date, then invoice number), less
/// the payments and credit notes dated up to that date, all in `currency`.
Balance balance_before(const Book& book, const Invoice& invoice, const std::string& currency) {
  Balance b;
  const Date as_of = invoice.issue_date;
  for (const Invoice* earlier : book.invoices_of_client(invoice.client_id)) {
    if (earlier == &invoice || earlier->issue_date > as_of) break;
    if (is_owed(*earlier) && earlier->currency == currency) b.invoiced += earlier->total;
  }
  for (const Payment* p : book.payments_of_client(invoice.client_id))
    if (p->date <= as_of && p->currency == currency) b.paid += p->amount;
  for (const CreditNote* n : book.credit_notes_of_client(invoice.client_id)) {
    if (n->date > as_of) continue;
    // A note on an invoice that is not owed, or in another currency, does not lower this balance.
    const Invoice* credited = n->invoice_id.empty() ? nullptr : book.invoice(n->invoice_id);
    if (credited && (!is_owed(*credited) || credited->currency != currency)) continue;
    b.credited += n->amount;
  }
  return b;
}

}  // namespace

RuleInfo OverLimitRule::info() {
  RuleInfo info;
  info.id = "credit.over-limit";
  info.reach = Reach::firm;
  info.title = "Invoice takes the client over its credit limit";
  info.category = "credit";
  info.severity = Severity::error;
  info.description =
      "A client's open balance when an invoice is issued must not exceed the client's credit limit. The balance "
      "is the totals of the client's invoices issued up to and including this one (by issue date, then invoice "
      "number; void invoices and other drafts are left out), less the client's payments and credit notes dated on "
      "or before the issue date; a payment or credit note dated later does not count. A balance exactly at the "
      "limit is fine. Every invoice issued while the balance is over the limit is reported, and the message "
      "says whether it pushed the balance over or found it over already. The amount at stake is the balance "
      "less the limit. Clients without a credit limit, and amounts in another currency than the client's, are "
      "not checked, nor is a replacement invoice (its replaces column, as billcheck fix --reissue writes it) that "
      "bills no more than the invoice it replaces: it extends no new credit.";
  return info;
}

void OverLimitRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void()) return;
  const Book& book = ctx.book();
  if (replaces_a_larger_bill(book, invoice)) return;
  const Client* client = book.client(invoice.client_id);
  if (!client || !client->credit_limit || invoice.currency != client->currency) return;
  const Text currency = client->currency;
  const Decimal limit = *client->credit_limit;

  const Balance before = balance_before(book, invoice, currency);
  const Decimal balance = before.open() + invoice.total;
  if (balance <= limit) return;

  const Decimal over = balance - limit;
  const std::string who = client_name(book, client->id);
  const std::string head = "Invoice " + invoice.id + " (" + money(invoice.total, currency) + ", issued " +
                           invoice.issue_date.to_string() + ") ";
  std::string message;
  if (before.open() <= limit)
    message = head + "takes " + who + "'s open balance to " + money(balance, currency) + ", over its credit limit of " +
              money(limit, currency) + " by " + money(over, currency) + ".";
  else
    message = head + "was issued while " + who + "'s open balance was already " + money(before.open(), currency) +
              ", over its credit limit of " + money(limit, currency) + "; it now stands at " +
              money(balance, currency) + ", " + money(over, currency) + " over.";

  ctx.report(invoice, std::move(message))
      .at_stake(over)
      .evidence_of("balance", balance)
      .evidence_of("limit", limit)
      .evidence_of("balance_before", before.open())
      .evidence_of("invoiced", before.invoiced + invoice.total)
      .evidence_of("paid", before.paid)
      .evidence_of("credited", before.credited);
}

}  // namespace billcheck::credit
