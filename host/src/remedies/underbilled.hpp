// What an issued invoice under-billed, for `fix` and the letter alike: the
// client is owed back only what they overpaid on an invoice overall, so its
// under-billing offsets its overcharges.
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/engine.hpp>

#include "remedies/overcharged.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck::detail {

/// The invoice's tax rate of `amount`, rounded half-even to the currency's
/// minor units: the tax due on it (none when the invoice names no rate).
inline Decimal tax_at_rate(const Invoice& inv, const Decimal& amount) {
  if (!inv.tax_rate) return Decimal{};
  return (amount * *inv.tax_rate / Decimal(100)).round(minor_units(inv.currency));
}

/// How a finding's amount at stake stands to the invoice's tax, as the rule
/// that reported it says in its `at_stake_tax` evidence (docs/remedies.md):
/// `excluded` (billed before tax: the tax on it is at stake too), `included`
/// (of the invoice's total, tax and all) or `only` (the amount is tax). A
/// finding that does not say is `excluded` on a line and `included` on the
/// invoice, so that the client is never asked more than the rule found.
enum class TaxInAtStake { excluded, included, only };

inline TaxInAtStake tax_in_at_stake(const Finding& f) {
  for (const auto& [name, value] : f.evidence) {
    if (name != "at_stake_tax") continue;
    if (value == "excluded") return TaxInAtStake::excluded;
    if (value == "included") return TaxInAtStake::included;
    if (value == "only") return TaxInAtStake::only;
  }
  return f.line.empty() ? TaxInAtStake::included : TaxInAtStake::excluded;
}

/// Whether `f` says `inv` under-billed: a negative amount at stake on the
/// invoice or one of its lines; not a payment's nor a credit note's.
inline bool underbills(const Finding& f, const Invoice& inv) {
  if (f.invoice != inv.id || !f.amount_at_stake || !f.amount_at_stake->is_negative()) return false;
  return f.category != "payments" && f.payment.empty() && f.credit_note.empty();
}

/// Whether `inv` names a tax rate but charged no tax (tax 0.00, or none).
inline bool charged_no_tax(const Invoice& inv) { return inv.tax_rate && (!inv.tax || inv.tax->is_zero()); }

/// What `inv`'s lines less its discount come to once corrected, before what
/// it under-billed: less what fix's credit notes return of its overcharged
/// lines (overcharged_on_lines, every overcharge, each line once), plus the
/// part of a discount agreed as a percentage that the corrected lines no
/// longer earn (DiscountShare: what the engine's check takes off
/// the discount with the overcharges off the lines and `under` added to them,
/// less what it takes off as billed). `under` is what the invoice under-billed
/// on each line, by line number: a line billed short earns back its share of
/// the discount, up to what the invoice gave. TR-1 on 10% agreed, lines of
/// 100.00 that should be 5.00 and 50.00 that should be 60.03, less 15.00:
/// 40.00 + 9.50 without `under`, 40.00 + 8.50 with line 2's 10.03.
inline Decimal corrected_taxable(const Book& book, const Report& report, const Invoice& inv,
                                 const DiscountShare& shares, const OffLines& under = {}) {
  const auto every = [](const Finding&) { return true; };
  const auto no_note = [](const CreditNote&) { return false; };
  // No note counted: none needs reading for the part of a discount it kept back.
  OffLines off;
  Decimal taxable =
      -inv.discount.value_or(Decimal{}) - overcharged_on_lines(book, report, inv, every, no_note, nullptr, &off);
  for (const InvoiceLine& line : book.lines_of(inv)) taxable += line.amount;
  if (!inv.discount || *inv.discount <= Decimal{}) return taxable;
  for (const auto& [line_no, amount] : under) off[line_no] -= amount;
  return taxable + shares.excess(book, inv, off) - shares.excess(book, inv, {});
}

/// What the findings on `inv` before `f` (in report order; all of them when
/// `f` is null) say it under-billed before tax on each of its lines, by line
/// number, and in `before` on the lines and the invoice together.
inline OffLines underbilled_before(const Report& report, const Invoice& inv, const Finding* f, Decimal& before) {
  OffLines under;
  before = Decimal{};
  for (const Finding& g : report.findings) {
    if (f && g.fingerprint == f->fingerprint) break;
    if (!underbills(g, inv) || tax_in_at_stake(g) != TaxInAtStake::excluded) continue;
    const Decimal amount = (-*g.amount_at_stake).round(minor_units(inv.currency));
    before += amount;
    if (!g.line.empty()) under[std::stoll(g.line)] += amount;
  }
  return under;
}

/// The tax an invoice that names a rate but charged none failed to charge:
/// its rate of its lines less its discount as corrected, rounded half-even
/// once, as arithmetic.tax rounds: less what the credit notes return of its
/// overcharged lines (without tax, since the client paid none on them), plus
/// what it under-billed before tax, less the part of a discount agreed as a
/// percentage that the corrected lines no longer earn, a line billed short
/// earning its share back (corrected_taxable). Not the tax on the lines as
/// billed, which would ask the tax on overcharges that the notes return
/// untaxed: TR-1 on 10% agreed, lines of 100.00 that should be 5.00 and
/// 50.00 that should be 60.03, less 15.00, no tax, owes 20% of 58.53
/// (65.03 less 6.50), 11.71, not of 50.03 (the discount as billed), 10.01.
inline Decimal untaxed_due(const Book& book, const Report& report, const Invoice& inv, const DiscountShare& shares) {
  Decimal before;
  const OffLines under = underbilled_before(report, inv, nullptr, before);
  return std::max(tax_at_rate(inv, corrected_taxable(book, report, inv, shares, under) + before), Decimal{});
}

/// The tax a supplementary invoice asks on `under` that `inv` under-billed
/// before tax, `on_lines` of it on its lines (by line number): the tax on its
/// lines as corrected (corrected_taxable) with `under` less the tax on them
/// without it, each rounded half-even as arithmetic.tax rounds, the second
/// being what the invoice less its credit notes charges (their tax is the tax
/// on what is left to bill before each less the tax after it). So the invoice
/// less its notes plus its supplement is the invoice recomputed on its
/// corrected lines, to the cent; the tax on `under` rounded alone can be a
/// cent off it (10.03 at 20% is 2.01, but 200.06 less 190.03 taxes 2.00).
/// `discount` gets the part of a discount agreed as a percentage that the
/// lines billed short earn back (corrected_taxable), which the supplement
/// gives: TR-1 above asks 10.03 less 1.00 of the discount, and 1.81 tax.
inline Decimal tax_on_underbilled(const Book& book, const Report& report, const Invoice& inv, const Decimal& under,
                                  const OffLines& on_lines, const DiscountShare& shares, Decimal& discount) {
  const Decimal taxable = corrected_taxable(book, report, inv, shares);
  const Decimal after = corrected_taxable(book, report, inv, shares, on_lines) + under;
  discount = taxable + under - after;
  return tax_at_rate(inv, after) - tax_at_rate(inv, taxable);
}

/// What finding `f` says `inv` under-billed, before the tax on it (with_tax):
/// its amount at stake, rounded to the currency's minor units; but the tax
/// an invoice that names a rate failed to charge at all is untaxed_due, the
/// tax on its corrected lines, which holds the tax on what it under-billed
/// before tax too.
inline Decimal underbilled_by(const Book& book, const Report& report, const Invoice& inv, const Finding& f,
                              const DiscountShare& shares) {
  if (tax_in_at_stake(f) == TaxInAtStake::only && charged_no_tax(inv)) return untaxed_due(book, report, inv, shares);
  return (-*f.amount_at_stake).round(minor_units(inv.currency));
}

/// What the client pays for `amount` that finding `f` says `inv` under-billed:
/// with the tax on it when the amount is before tax and the invoice charged
/// tax, which is what it adds to the tax on the corrected lines with what the
/// findings before it (in report order) under-billed before tax
/// (tax_on_underbilled), so that the under-billings' tax adds up to what the
/// corrected invoice charges, to the cent, as a supplement's does; and less
/// the part of a discount agreed as a percentage that a line billed short
/// earns back (corrected_taxable), which `discount` gets, when given.
inline Decimal with_tax(const Book& book, const Report& report, const Invoice& inv, const Finding& f,
                        const Decimal& amount, const DiscountShare& shares, Decimal* discount = nullptr) {
  if (discount) *discount = Decimal{};
  if (tax_in_at_stake(f) != TaxInAtStake::excluded) return amount;
  Decimal before;
  OffLines under = underbilled_before(report, inv, &f, before);
  const Decimal taxable = corrected_taxable(book, report, inv, shares, under) + before;
  if (!f.line.empty()) under[std::stoll(f.line)] += amount;
  const Decimal after = corrected_taxable(book, report, inv, shares, under) + before + amount;
  if (discount) *discount = taxable + amount - after;
  if (!inv.tax || inv.tax->is_zero()) return after - taxable;
  return after + tax_at_rate(inv, after) - taxable - tax_at_rate(inv, taxable);
}

/// What the findings on `inv` say it under-billed (underbills, underbilled_by),
/// with the tax on what was billed before tax (with_tax), less nothing that a
/// remedy (a supplementary invoice, or a credit note it was netted against)
/// already settles: a positive amount, or zero. `findings`, when given, gets
/// their fingerprints.
inline Decimal underbilled_on(const Book& book, const Report& report, const Invoice& inv,
                              const DiscountShare& shares, std::vector<std::string>* findings = nullptr) {
  Decimal under;
  for (const Finding* on : findings_on(report, inv.id)) {
    const Finding& f = *on;
    if (!underbills(f, inv) || report.remedy_of(f)) continue;
    under += with_tax(book, report, inv, f, underbilled_by(book, report, inv, f, shares), shares);
    if (findings) findings->push_back(f.fingerprint);
  }
  return under;
}

/// What fix's credit note `note` on a line of `inv` kept back of `amount` of
/// the line as the part of the invoice's discount the corrected lines no
/// longer earn (a discount agreed as a percentage of them): `amount` less
/// what the note returned before tax. p plus tax_returned on what was left
/// to bill before it grows by a cent at least with each cent of p, so its
/// amount tells p exactly. A note the invoice's under-billing was taken off
/// tells it no more (what was taken off it is what that under-billing came
/// to less what it took off the overcharges fix left with no note, which
/// the book does not keep), so its share is reckoned as fix reckoned it
/// (DiscountShare), after what the notes written before it took off the
/// lines (taken_off_lines): TR-1 (10% agreed, less 20.00) billing lines 10.00
/// and 20.00 over and one 25.00 short keeps back 1.00 of line 1's 10.00 in
/// its note cut to 5.40. None for a note the invoice's total capped (what was
/// cut is tax, see tax_returned_by), a note of the firm's, or an invoice with
/// no discount: TR-1 (10% agreed) billing a line of 100.00 that should be
/// 5.00, less 10.00, at 20%, gets 102.60 for 95.00 less 9.50 of the discount
/// and 17.10 tax on it.
inline Decimal discount_kept_by(const Book& book, const Report& report, const Invoice& inv, const CreditNote& note,
                                const Decimal& amount, const DiscountShare& shares) {
  if (!inv.discount || *inv.discount <= Decimal{} || note.remedies.empty() || is_firms_correction(note)) return {};
  if (note.amount >= left_before(book, inv, note)) return {};
  for (const Finding* on : findings_on(report, inv.id))
    if (const Remedy* r = underbills(*on, inv) ? report.remedy_of(*on) : nullptr;
        r && r->kind == "credit_note" && r->id == note.id) {
      const std::set<const CreditNote*> before_it = written_before(book, inv, note);
      OffLines before;
      for (const auto& [n, taken] : taken_off_lines(book, report, inv, &shares))
        if (before_it.count(n)) before[*n->line_no] += taken;
      return shares.of(book, inv, before, {{*note.line_no, amount}});
    }
  const Decimal taxable = taxable_before(book, report, inv, &note);
  Decimal cent = 1;
  for (int i = 0; i < minor_units(inv.currency); ++i) cent = cent / Decimal(10);
  const Decimal near = without_tax(inv, note.amount);
  for (Decimal p = near - cent - cent; p <= near + cent + cent; p += cent)
    if (p + tax_returned(inv, taxable, p) == note.amount) return std::max(amount - p, Decimal{});
  return {};
}

}  // namespace billcheck::detail
