// The remedies work out new figures from a book's (credit notes, totals,
// balances): figures too large to work out exactly are the book's problem,
// reported as one, not a failure of billcheck's.
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/decimal.hpp>

#include "engine/too_large.hpp"

#include <string>

namespace billcheck::detail {

/// `work()`, with a Decimal overflow turned into a BookError that says what to check.
template <class F>
auto with_book_figures(F work) -> decltype(work()) {
  try {
    return work();
  } catch (const DecimalOverflow& e) {
    throw BookError({"the book's figures are " + too_large_to_work_out(e.what()) +
                     ": check its largest quantities, rates and amounts"});
  }
}

}  // namespace billcheck::detail
