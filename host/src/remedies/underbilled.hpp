// What an issued invoice under-billed, for `fix` and the letter alike: the
// client is owed back only what they overpaid on an invoice overall, so its
// under-billing offsets its overcharges.
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/engine.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace billcheck::detail {

/// The tax the client pays on `amount` billed on a line of `inv` (none when
/// the invoice charged no tax), rounded half-even to the currency's minor units.
inline Decimal tax_on_line(const Invoice& inv, const Decimal& amount) {
  if (!inv.tax_rate || !inv.tax || inv.tax->is_zero()) return Decimal{};
  return (amount * *inv.tax_rate / Decimal(100)).round(minor_units(inv.currency));
}

/// What a credit note on a line returns of the line itself: a note on a line
/// of an invoice that charged tax returns the tax paid on it too (as fix
/// writes them), so its amount less that tax, rounded half-even.
inline Decimal without_tax(const Invoice& invoice, const Decimal& amount) {
  if (!invoice.tax_rate || !invoice.tax || invoice.tax->is_zero()) return amount;
  return (amount * Decimal(100) / (Decimal(100) + *invoice.tax_rate)).round(minor_units(invoice.currency));
}

/// What the findings on `inv` say it under-billed (a negative amount at stake
/// on the invoice or one of its lines; not a payment's nor a credit note's),
/// with the tax on a line's, less nothing that a remedy (a supplementary
/// invoice, or a credit note it was netted against) already settles: a
/// positive amount, or zero. `findings`, when given, gets their fingerprints.
inline Decimal underbilled_on(const Report& report, const Invoice& inv, std::vector<std::string>* findings = nullptr) {
  Decimal under;
  for (const Finding& f : report.findings) {
    if (f.invoice != inv.id || !f.amount_at_stake || !f.amount_at_stake->is_negative()) continue;
    if (f.category == "payments" || !f.payment.empty() || !f.credit_note.empty() || report.remedy_of(f)) continue;
    const Decimal amount = (-*f.amount_at_stake).round(minor_units(inv.currency));
    under += amount + (f.line.empty() ? Decimal{} : tax_on_line(inv, amount));
    if (findings) findings->push_back(f.fingerprint);
  }
  return under;
}

}  // namespace billcheck::detail
