// Whether the client owes anything on an invoice, for the rules that compare
// invoices with each other. Header-only, so that the plugin ABI is unchanged.
#pragma once

#include <billcheck/book.hpp>

namespace billcheck {

/// Whether the client owes nothing on an invoice: it is void, or credited in
/// full (its credit notes add up to its total, as when `billcheck fix
/// --reissue` cancels it for a corrected replacement). Rules that compare
/// invoices with each other (duplicates, a day's hours, the billing cycle)
/// leave such an invoice out, as they leave out a void one.
inline bool is_cancelled(const Book& book, const Invoice& invoice) {
  if (invoice.is_void()) return true;
  if (invoice.total <= Decimal{}) return false;
  Decimal credited;
  for (const CreditNote* note : book.credit_notes_of_invoice(invoice.id)) credited += note->amount;
  return credited >= invoice.total;
}

}  // namespace billcheck
