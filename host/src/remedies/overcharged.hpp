// What an issued invoice overcharged on its lines, as `fix`'s credit notes
// return it: one reckoning for the notes' caps and for what an invoice's
// under-billing is measured against, so that the two never disagree.
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/engine.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck::detail {

/// Whether a finding is money the client was overcharged, which a credit note
/// returns. Credit findings (a limit, an overdue balance) and payment findings
/// (an overpayment, which a credit note would only enlarge) are not.
inline bool is_overcharge(const Finding& f) {
  return f.amount_at_stake && *f.amount_at_stake > Decimal{} && f.category != "credit" && f.category != "payments";
}

/// Sets one field of a line; false when `fix` does not correct that field.
inline bool apply_to_line(InvoiceLine& line, const Fix& fix) {
  const auto value = Decimal::parse(fix.suggested);
  if (!value) return false;
  if (fix.field == "amount") line.amount = *value;
  else if (fix.field == "rate") line.rate = *value;
  else if (fix.field == "quantity") line.quantity = *value;
  else return false;
  return true;
}

/// The most the credit notes on one line may return: never more than its
/// amount, and, when each finding on it has a fix, what all the fixes
/// together take off it (a rate and an hours error on one line overlap: 3 h
/// at 500 for 2 h at 450 is 600 over, not 150 + 500). One finding is capped
/// the same way, so that a note already on the line counts against it.
inline Decimal line_cap(const InvoiceLine& line, const std::vector<const Finding*>& on_line, std::string_view currency) {
  Decimal cap = line.amount;
  if (on_line.empty()) return cap;
  InvoiceLine fixed = line;
  std::optional<Decimal> amount_fix;
  std::set<std::string> fields;
  bool recompute = false;
  for (const Finding* f : on_line) {
    if (!f->fix) return cap;
    if (!fields.insert(f->fix->field).second) continue;  // the first rule in report order wins, as on a draft
    if (f->fix->field == "amount") amount_fix = Decimal::parse(f->fix->suggested);
    else if (apply_to_line(fixed, *f->fix)) recompute = true;
    else return cap;
  }
  const std::optional<Decimal> corrected =
      recompute ? (fixed.quantity * fixed.rate + fixed.adjustment.value_or(Decimal{})).round(minor_units(currency))
                : amount_fix;
  if (corrected && line.amount - *corrected < cap) cap = line.amount - *corrected;
  return cap;
}

/// What credit notes for the overcharges `picked` picks on `inv`'s lines
/// return of the lines themselves, before any tax: on each line the sum of
/// those, but never more than line_cap of all the overcharges on it, as fix
/// caps them (a rate and an hours error on one line, 150.00 and 500.00 of
/// 600.00 together, return 150.00 picked alone and 600.00 picked together).
template <class Pick>
Decimal overcharged_on_lines(const Book& book, const Report& report, const Invoice& inv, Pick picked) {
  std::map<std::string, std::vector<const Finding*>> by_line;
  for (const Finding& f : report.findings)
    if (f.invoice == inv.id && !f.line.empty() && is_overcharge(f)) by_line[f.line].push_back(&f);
  Decimal over;
  for (const InvoiceLine& line : book.lines_of(inv)) {
    const auto on = by_line.find(std::to_string(line.line_no));
    if (on == by_line.end()) continue;
    Decimal sum;
    for (const Finding* f : on->second)
      if (picked(*f)) sum += f->amount_at_stake->round(minor_units(inv.currency));
    over += std::min(sum, line_cap(line, on->second, inv.currency));
  }
  return over;
}

/// The tax the client paid on `amount` of `inv`'s lines that a note returns,
/// `taxable` being its lines less its discount less what the notes before it
/// returned of them: the tax on `taxable` less the tax on what is left,
/// each rounded half-even as arithmetic.tax rounds, so that the notes' tax
/// adds up to the tax on the corrected lines to the cent. None when the
/// invoice charged no tax (the client paid none).
inline Decimal tax_returned(const Invoice& inv, const Decimal& taxable, const Decimal& amount) {
  if (!inv.tax_rate || !inv.tax || inv.tax->is_zero()) return Decimal{};
  const int places = minor_units(inv.currency);
  return (taxable * *inv.tax_rate / Decimal(100)).round(places) -
         ((taxable - amount) * *inv.tax_rate / Decimal(100)).round(places);
}

/// What fix's credit notes for the overcharges `picked` picks on `inv`
/// return, written before any other note on it: on its lines
/// overcharged_on_lines with the tax paid on it (tax_returned), on the
/// invoice each amount as it stands.
template <class Pick>
Decimal returned_for(const Book& book, const Report& report, const Invoice& inv, Pick picked) {
  const Decimal on_lines = overcharged_on_lines(book, report, inv, picked);
  Decimal taxable = -inv.discount.value_or(Decimal{});
  for (const InvoiceLine& line : book.lines_of(inv)) taxable += line.amount;
  Decimal returned = on_lines + tax_returned(inv, taxable, on_lines);
  for (const Finding& f : report.findings)
    if (f.invoice == inv.id && f.line.empty() && is_overcharge(f) && picked(f))
      returned += f.amount_at_stake->round(minor_units(inv.currency));
  return returned;
}

}  // namespace billcheck::detail
