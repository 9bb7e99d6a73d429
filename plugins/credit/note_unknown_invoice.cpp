#include "rules.hpp"

namespace billcheck::credit {

RuleInfo NoteUnknownInvoiceRule::info() {
  RuleInfo info;
  info.id = "credit.note-unknown-invoice";
  info.reach = Reach::firm;
  info.title = "Credit note on an invoice not in the book";
  info.category = "credit";
  info.severity = Severity::error;
  info.description =
      "A credit note's invoice_id, when it has one, names an invoice in the book; otherwise nothing shows what "
      "it credits, and the invoice it was meant for still looks owed in full. A note with an empty invoice_id "
      "credits the client's account and is not this rule's. No amount is at stake: the note's record is wrong, "
      "not its amount.";
  return info;
}

void NoteUnknownInvoiceRule::check(const CreditNote& note, Context& ctx) const {
  const Book& book = ctx.book();
  if (note.invoice_id.empty() || book.invoice(note.invoice_id)) return;
  ctx.report(note, "Credit note " + note.id + " (" + money(note.amount, note_currency(book, note)) + ") for " +
                       client_name(book, note.client_id) + " is on invoice " + note.invoice_id +
                       ", which is not in the book; correct the note's invoice_id, or leave it empty for a credit "
                       "on the client's account.")
      .evidence_of("expected", "an invoice in the book")
      .evidence_of("actual", note.invoice_id)
      .evidence_of("amount", note.amount);
}

}  // namespace billcheck::credit
