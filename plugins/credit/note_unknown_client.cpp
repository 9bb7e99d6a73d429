#include "rules.hpp"

namespace billcheck::credit {

RuleInfo NoteUnknownClientRule::info() {
  RuleInfo info;
  info.id = "credit.note-unknown-client";
  info.reach = Reach::firm;
  info.title = "Credit note for a client not in the book";
  info.category = "credit";
  info.severity = Severity::error;
  info.description =
      "Every credit note's client_id names one of the book's clients; otherwise nobody can tell whose account "
      "it credits. Where the note is on an invoice in the book, the fix suggests that invoice's client. Books "
      "without any client records (a LEDES file checked alone) are not checked.";
  return info;
}

void NoteUnknownClientRule::check(const CreditNote& note, Context& ctx) const {
  const Book& book = ctx.book();
  if (book.clients().empty() || book.client(note.client_id)) return;
  const Invoice* invoice = note.invoice_id.empty() ? nullptr : book.invoice(note.invoice_id);
  std::string message = "Credit note " + note.id + " (" + money(note.amount, note_currency(book, note)) +
                        ") is for client " + note.client_id + ", who is not among the firm's clients";
  message += invoice ? "; the invoice it credits, " + invoice->id + ", is " + client_name(book, invoice->client_id) +
                           "'s (" + invoice->client_id + ")."
                     : "; add the client or correct the note's client_id.";
  Finding& finding = ctx.report(note, std::move(message));
  finding.evidence_of("expected", "a client in the book").evidence_of("actual", note.client_id);
  if (invoice) finding.suggest("client_id", note.client_id, invoice->client_id);
}

}  // namespace billcheck::credit
