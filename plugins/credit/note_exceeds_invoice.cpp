#include "rules.hpp"

#include <algorithm>
#include <functional>

namespace billcheck::credit {
namespace {

/// Whether note `a` came before note `b`: by date, then id (the Book keeps notes by id).
bool is_earlier(const CreditNote* a, const CreditNote* b) {
  if (a->date != b->date) return a->date < b->date;
  return std::less<const CreditNote*>{}(a, b);
}

}  // namespace

RuleInfo NoteExceedsInvoiceRule::info() {
  RuleInfo info;
  info.id = "credit.note-exceeds-invoice";
  info.reach = Reach::firm;
  info.title = "Credit note larger than what its invoice has left";
  info.category = "credit";
  info.severity = Severity::error;
  info.description =
      "A credit note may credit at most its invoice's total less the credit notes already issued on that invoice "
      "(earlier ones: by date, then credit note id); nothing on a void invoice is left to credit. The amount at stake "
      "is the excess, negative: the client is credited that much too much. The fix suggests the largest amount "
      "the note could credit. Notes without an invoice, or for an invoice not in the book, are not checked, nor is a "
      "note with reason_code reissue for exactly its invoice's total (billcheck fix --reissue reverses the whole "
      "invoice for a corrected replacement; the earlier notes stay the client's credit).";
  return info;
}

void NoteExceedsInvoiceRule::check(const CreditNote& note, Context& ctx) const {
  if (note.invoice_id.empty() || note.amount <= Decimal{}) return;
  const Book& book = ctx.book();
  const Invoice* invoice = book.invoice(note.invoice_id);
  if (!invoice) return;
  // The reversal of a whole invoice for its replacement: the earlier notes stay the client's credit.
  if (note.reason_code == "reissue" && note.amount == invoice->total && !invoice->is_void()) return;
  const Text currency = invoice->currency;

  Decimal earlier;
  for (const CreditNote* other : book.credit_notes_of(*invoice))
    if (other != &note && is_earlier(other, &note)) earlier += other->amount;
  const Decimal left = invoice->is_void() ? Decimal{} : std::max(invoice->total - earlier, Decimal{});
  if (note.amount <= left) return;
  const Decimal excess = note.amount - left;

  std::string message = "Credit note " + note.id + " credits " + money(note.amount, currency) + " on invoice " +
                        invoice->id;
  if (invoice->is_void())
    message += ", which is void: nothing on it is left to credit.";
  else if (earlier.is_zero())
    message += ", whose total is only " + money(invoice->total, currency) + ".";
  else if (left.is_zero())
    message += ", but earlier credit notes on it (" + money(earlier, currency) + ") already use up its " +
               money(invoice->total, currency) + " total: nothing is left to credit.";
  else
    message += ", but earlier credit notes on it come to " + money(earlier, currency) + ", so only " +
               money(left, currency) + " of its " + money(invoice->total, currency) + " total is left to credit.";

  Finding& finding = ctx.report(note, std::move(message));
  finding.at_stake(-excess, currency)
      .evidence_of("expected", left)
      .evidence_of("actual", note.amount)
      .evidence_of("invoice_total", invoice->total)
      .evidence_of("earlier_credits", earlier);
  if (invoice->is_void()) finding.evidence_of("invoice_status", invoice->status);
  finding.suggest("amount", format_amount(note.amount, currency), format_amount(left, currency));
}

}  // namespace billcheck::credit
