// What a client owes on an invoice after `fix`: one reckoning for the fix
// summary and the letter, so that the two never disagree.
#pragma once

#include <billcheck/book.hpp>

namespace billcheck::detail {

inline Decimal credited_on(const Book& book, const Invoice& inv) {
  Decimal sum;
  for (const CreditNote* n : book.credit_notes_of(inv)) sum += n->amount;
  return sum;
}

inline Decimal paid_on(const Book& book, const Invoice& inv) {
  Decimal sum;
  for (const Payment* p : book.payments_of(inv))
    if (p->currency == inv.currency) sum += p->amount;
  return sum;
}

/// What the client paid on an invoice beyond what is left of it after its
/// credit notes: for an invoice `fix --reissue` reversed, what was paid on it
/// and the credit it had, which count toward its replacement.
inline Decimal carried_from(const Book& book, const Invoice& replaced) {
  const Decimal carried = paid_on(book, replaced) - (replaced.total - credited_on(book, replaced));
  return carried > Decimal{} ? carried : Decimal{};
}

/// What the client owes now on an invoice (negative: owed back), counting
/// toward a replacement what is carried from the invoice it `replaces`.
inline Decimal owed_now(const Book& book, const Invoice& inv, const Invoice* replaces = nullptr) {
  Decimal owed = inv.total - credited_on(book, inv) - paid_on(book, inv);
  if (replaces) owed -= carried_from(book, *replaces);
  return owed;
}

}  // namespace billcheck::detail
