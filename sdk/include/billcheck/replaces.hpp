// What a replacement invoice (`billcheck fix --reissue`) means to the rules:
// when its work was first billed, and whether it extends new credit.
// Header-only, so that the plugin ABI is unchanged.
#pragma once

#include <billcheck/book.hpp>

namespace billcheck {

/// The invoice this one replaces (its `replaces` column), or nullptr.
inline const Invoice* replaced_invoice(const Book& book, const Invoice& invoice) {
  const Text* of = invoice.extra.find("replaces");
  const Invoice* replaced = of ? book.invoice(*of) : nullptr;
  return replaced == &invoice ? nullptr : replaced;
}

/// Whether an invoice replaces one that bills at least as much, in the same
/// currency: it corrects a bill the client already had and extends no new
/// credit, so the rules about extending credit (a credit limit, an overdue
/// balance, a credit hold) leave it out, however late it is written.
inline bool replaces_a_larger_bill(const Book& book, const Invoice& invoice) {
  const Invoice* replaced = replaced_invoice(book, invoice);
  return replaced && replaced->currency == invoice.currency && invoice.total <= replaced->total;
}

/// The issue date of the invoice this one replaces (its `replaces` column, as
/// `billcheck fix --reissue` writes it, followed back to the first), else its
/// own. A replacement re-bills, on the day it is written, work that was billed
/// on time once: the rules that judge how late work is billed (an invoice
/// after its period, time long after it was done) judge it by that first date.
inline Date first_billed(const Book& book, const Invoice& invoice) {
  const Invoice* at = &invoice;
  // Bounded by the number of invoices, so that two invoices naming each other do not loop.
  for (std::size_t n = 0; n < book.invoices().size(); ++n) {
    const Text* of = at->extra.find("replaces");
    const Invoice* replaced = of ? book.invoice(*of) : nullptr;
    if (!replaced || replaced == at) break;
    at = replaced;
  }
  return at->issue_date;
}

}  // namespace billcheck
