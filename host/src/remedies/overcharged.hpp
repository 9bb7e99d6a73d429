// What an issued invoice overcharged on its lines, as `fix`'s credit notes
// return it: one reckoning for the notes' caps and for what an invoice's
// under-billing is measured against, so that the two never disagree.
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/engine.hpp>

#include <algorithm>
#include <functional>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace billcheck::detail {

/// Whether a finding is money the client was overcharged, which a credit note
/// returns. Credit findings (a limit, an overdue balance) and payment findings
/// (an overpayment, which a credit note would only enlarge) are not.
inline bool is_overcharge(const Finding& f) {
  return f.amount_at_stake && *f.amount_at_stake > Decimal{} && f.category != "credit" && f.category != "payments";
}

/// What was taken off each line of an invoice, by line number.
using OffLines = std::map<std::int64_t, Decimal>;

/// A report's findings by invoice, in report order, for findings_on while it
/// is in scope on the thread that made it: the reckonings below read the
/// findings of one invoice at a time, for every invoice, which scanning the
/// whole report made quadratic (fix of a book of 20,000 overcharges). The
/// report must outlive it and stay unchanged while it is in scope.
class FindingsByInvoice {
 public:
  explicit FindingsByInvoice(const Report& report) : report_(report), outer_(innermost()) {
    for (const Finding& f : report.findings) on_[f.invoice].push_back(&f);
    innermost() = this;
  }
  ~FindingsByInvoice() { innermost() = outer_; }
  FindingsByInvoice(const FindingsByInvoice&) = delete;
  FindingsByInvoice& operator=(const FindingsByInvoice&) = delete;

  /// The findings of `report` on invoice `id`, in report order (findings_on).
  static std::vector<const Finding*> of(const Report& report, std::string_view id) {
    for (const FindingsByInvoice* index = innermost(); index; index = index->outer_)
      if (&index->report_ == &report) {
        const auto it = index->on_.find(id);
        return it == index->on_.end() ? std::vector<const Finding*>() : it->second;
      }
    std::vector<const Finding*> on;
    for (const Finding& f : report.findings)
      if (f.invoice == id) on.push_back(&f);
    return on;
  }

 private:
  static const FindingsByInvoice*& innermost() {
    thread_local const FindingsByInvoice* in_scope = nullptr;
    return in_scope;
  }
  const Report& report_;
  const FindingsByInvoice* outer_;
  std::map<std::string, std::vector<const Finding*>, std::less<>> on_;
};

/// The findings of `report` on invoice `id`, in report order: from a
/// FindingsByInvoice of it in scope, else read off the whole report.
inline std::vector<const Finding*> findings_on(const Report& report, std::string_view id) {
  return FindingsByInvoice::of(report, id);
}

/// What a draft fix would take off an invoice's discount in `report`: the
/// finding whose fix sets its `discount` (an agreed percentage of its lines,
/// credit.discount-above-agreed) takes its current value less the suggested
/// one off it. A discount with no percentage to hold it to has none.
inline Decimal discount_excess(const Report& report, std::string_view invoice) {
  for (const Finding& f : report.findings)
    if (f.invoice == invoice && f.fix && f.fix->field == "discount") {
      const std::optional<Decimal> current = Decimal::parse(f.fix->current), suggested = Decimal::parse(f.fix->suggested);
      return current && suggested && *current > *suggested ? *current - *suggested : Decimal{};
    }
  return Decimal{};
}

/// The part of an invoice's discount that credit notes on its lines keep
/// back: a discount agreed as a percentage of the lines shrinks with them (a
/// draft fix cuts it to that percentage of the corrected lines), so a note
/// returning an overcharge on a line returns it less the part of the
/// discount the invoice no longer earns without it, before its tax. What the
/// discount may be is the engine's check of it (the engagement's
/// discount_pct, the firm's max_discount_pct, the rule on or off), so the
/// engine tells it: the invoice alone, with its client and engagement, is
/// all that check reads.
class DiscountShare {
 public:
  /// The check of an invoice alone runs on this thread: a thread per core for
  /// one invoice cost more than its rules (fix of 10,000 overcharges on
  /// discounted invoices started 20,000 threads), and a report is the same
  /// whatever the number of threads. It is told of no source: the source is
  /// the whole book's, which isolated rules' workers would load instead.
  DiscountShare(const Engine& engine, const CheckOptions& options) : engine_(engine), options_(options) {
    options_.jobs = 1;
    options_.progress = nullptr;
    options_.source.reset();
  }

  /// What the check takes off `inv`'s discount once its lines are billed `off` less.
  /// Found once for each: taken_for asks the same again round after round,
  /// and corrected_taxable the invoice as billed for every finding on it.
  /// (Kept by the book's address: a DiscountShare is used while the books it
  /// is given live, and a Book never changes.)
  Decimal excess(const Book& book, const Invoice& inv, const OffLines& off) const {
    auto key = std::make_tuple(&book, &inv, off);
    {
      std::lock_guard lock(mutex_);
      if (auto it = known_.find(key); it != known_.end()) return it->second;
    }
    const Decimal found = check_excess(book, inv, off);
    std::lock_guard lock(mutex_);
    known_.emplace(std::move(key), found);
    return found;
  }

  /// What notes taking `now` off `inv`'s lines, after notes that took
  /// `before` off them, keep back of its discount: what the check takes off
  /// it after both less what it takes after `before`, never below nothing
  /// nor beyond what they take. None for an invoice with no discount.
  Decimal of(const Book& book, const Invoice& inv, const OffLines& before, const OffLines& now) const {
    if (!inv.discount || *inv.discount <= Decimal{}) return Decimal{};
    Decimal taken;
    OffLines after = before;
    for (const auto& [line_no, amount] : now) {
      after[line_no] += amount;
      taken += amount;
    }
    if (taken <= Decimal{}) return Decimal{};
    return std::clamp(excess(book, inv, after) - excess(book, inv, before), Decimal{}, taken);
  }

  /// What a note of fix's that returned `p` of line `line_no` before tax,
  /// after notes that took `before` off the lines, took off the line: the
  /// least x with x less the share of the discount it keeps back (of) equal
  /// to p, or, where none is, above it. x less its share grows with x (the
  /// share by the percentage of it) while the lines add up to more than
  /// nothing, so p plus the share of the last x comes to it: 85.50 of TR-1's
  /// line, 10% agreed, took 95.00 off it. Once x takes what is left of the
  /// lines, the discount's check skips them and the share is none: a note
  /// that returned more than any x short of that keeps back (TR-1's line of
  /// 100.00 that should be 0.00, whose note the total caps at 108.00, 90.00
  /// and 18.00 tax as a later fix reads it) took all that is left, there
  /// 100.00; the rounds fell back there, cycling, to x = p, 90.00, and the
  /// line seemed to have 10.00 left to credit. p itself where even that is
  /// less than p, or where 64 rounds do not settle it.
  Decimal taken_for(const Book& book, const Invoice& inv, const OffLines& before, std::int64_t line_no,
                    const Decimal& p) const {
    if (!inv.discount || *inv.discount <= Decimal{} || p <= Decimal{}) return p;
    Decimal left;  // what is left of the lines after `before`
    for (const InvoiceLine& l : book.lines_of(inv)) left += l.amount;
    for (const auto& [n, amount] : before) left -= amount;
    Decimal x = p;
    for (int i = 0; i < 64; ++i) {
      const Decimal next = p + of(book, inv, before, {{line_no, x}});
      if (next == x) return x;
      // Only past what is left of the lines does the share fall as x grows.
      if (next < x) return p <= left ? left : p;
      x = next;
    }
    return p;
  }

 private:
  Decimal check_excess(const Book& book, const Invoice& inv, const OffLines& off) const {
    // The records keep their text in `book`'s store, which outlives this copy.
    BookData alone;
    alone.invoices.push_back(inv);
    if (const Client* client = book.client(inv.client_id)) alone.clients.push_back(*client);
    if (!inv.engagement_id.empty())
      if (const Engagement* engagement = book.engagement(inv.engagement_id)) alone.engagements.push_back(*engagement);
    for (const InvoiceLine& l : book.lines_of(inv)) {
      InvoiceLine& line = alone.lines.emplace_back(l);
      if (auto it = off.find(l.line_no); it != off.end()) line.amount -= it->second;
    }
    return discount_excess(engine_.check(Book{std::move(alone)}, options_), inv.id);
  }

  const Engine& engine_;
  CheckOptions options_;
  mutable std::mutex mutex_;
  mutable std::map<std::tuple<const Book*, const Invoice*, OffLines>, Decimal> known_;
};

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

/// What overcharge `f` on a line of `inv` adds to what the overcharges
/// before it on the line (in report order) take off it, as fix's notes return
/// them: its amount, but never beyond what line_cap of them all leaves (a
/// rate error of 150.00 and an hours error of 500.00 on a line 600.00 over
/// together take 150.00 and 450.00; an error whose money those before it
/// already take, nothing). `before` gets what those before it take.
inline Decimal share_of_line(const Book& book, const Report& report, const Invoice& inv, const Finding& f,
                             Decimal& before) {
  const int places = minor_units(inv.currency);
  std::vector<const Finding*> on_line;
  for (const Finding* g : findings_on(report, inv.id))
    if (g->line == f.line && is_overcharge(*g)) on_line.push_back(g);
  before = Decimal{};
  for (const InvoiceLine& line : book.lines_of(inv)) {
    if (std::to_string(line.line_no) != f.line) continue;
    Decimal left = line_cap(line, on_line, inv.currency);
    for (const Finding* g : on_line) {
      const Decimal share = std::max(std::min(g->amount_at_stake->round(places), left), Decimal{});
      if (g == &f) return share;
      before += share;
      left -= share;
    }
  }
  return f.amount_at_stake->round(places);
}

/// What a credit note on a line returns of the line itself: a note on a line
/// of an invoice that charged tax returns the tax paid on it too (as fix
/// writes them), so its amount less that tax, rounded half-even.
inline Decimal without_tax(const Invoice& invoice, const Decimal& amount) {
  if (!invoice.tax_rate || !invoice.tax || invoice.tax->is_zero()) return amount;
  return (amount * Decimal(100) / (Decimal(100) + *invoice.tax_rate)).round(minor_units(invoice.currency));
}

/// Whether credit note `n` is a correction of the firm's own: written by hand,
/// or one of fix's with its `remedies` blanked; it names no finding and is
/// neither a reissue nor goodwill. The letter counts one on an error's line as
/// that error's credit, and reckons what fix's notes return after it.
inline bool is_firms_correction(const CreditNote& n) {
  return n.remedies.empty() && n.reason_code != "goodwill" && n.reason_code != "reissue";
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

/// What is left to bill on `inv`'s lines, less its discount, when `left` of
/// its total is: the q that with the tax at the rate on it (rounded half-even
/// as arithmetic.tax rounds) makes `left`. q plus its tax grows by a cent at
/// least with each cent of q, so one q at most does; none when none does, or
/// when the invoice charged no tax (a note on it returns none).
inline std::optional<Decimal> taxable_in(const Invoice& inv, const Decimal& left) {
  if (!inv.tax_rate || !inv.tax || inv.tax->is_zero()) return std::nullopt;
  const int places = minor_units(inv.currency);
  Decimal cent = 1;
  for (int i = 0; i < places; ++i) cent = cent / Decimal(10);
  const Decimal near = (left * Decimal(100) / (Decimal(100) + *inv.tax_rate)).round(places);
  for (Decimal q = near - cent - cent; q <= near + cent + cent; q += cent)
    if (q + (q * *inv.tax_rate / Decimal(100)).round(places) == left) return q;
  return std::nullopt;
}

/// What each credit note on `inv`'s lines returned of the lines themselves,
/// before tax, in the order the book lists them (the order fix wrote them).
/// A note fix wrote (one naming a finding) returned p and tax_returned on the
/// lines left before it, so its amount tells p exactly: p plus that tax grows
/// by a cent at least with each cent of p, so one p at most gives the amount.
/// A note fix cut (one naming an under-billing of the invoice, in `report`,
/// that it takes off) left the invoice as corrected: p is what was left to
/// bill before it less what is left once its total less the notes up to it
/// is taxed at the rate (taxable_in), as fix split it; its tax is the rest
/// (1.00 of 11.00 for a line 10.00 over whose 2.00 tax the invoice charged
/// 1.00 short). A note the firm wrote itself has no tax of its own in the
/// book, so its amount less the tax at the rate (without_tax) is all the
/// book tells; so is a note whose amount neither gives.
inline std::vector<std::pair<const CreditNote*, Decimal>> returned_before_tax(const Book& book, const Report& report,
                                                                              const Invoice& inv) {
  std::set<std::string_view> cut;  // the notes that an under-billing of the invoice was taken off
  for (const Finding* f : findings_on(report, inv.id))
    if (const Remedy* r = report.remedy_of(*f);
        r && r->kind == "credit_note" && f->amount_at_stake && *f->amount_at_stake < Decimal{})
      cut.insert(r->id);
  std::vector<std::pair<const CreditNote*, Decimal>> returned;
  Decimal taxable = -inv.discount.value_or(Decimal{});
  for (const InvoiceLine& line : book.lines_of(inv)) taxable += line.amount;
  Decimal total_left = inv.total;
  Decimal cent = 1;
  for (int i = 0; i < minor_units(inv.currency); ++i) cent = cent / Decimal(10);
  for (const CreditNote* n : book.credit_notes_of_invoice(inv.id)) {
    total_left -= n->amount;
    if (!n->line_no) continue;
    Decimal before_tax = without_tax(inv, n->amount);
    if (!n->remedies.empty() && !is_firms_correction(*n)) {
      const std::optional<Decimal> after = cut.count(n->id) ? taxable_in(inv, total_left) : std::nullopt;
      if (after) before_tax = taxable - *after;
      else
        for (Decimal p = before_tax - cent - cent; p <= before_tax + cent + cent; p += cent)
          if (p + tax_returned(inv, taxable, p) == n->amount) before_tax = p;
    }
    returned.emplace_back(n, before_tax);
    taxable -= before_tax;
  }
  return returned;
}

/// What each credit note on `inv`'s lines took off its line, in the book's
/// order: what it returned of the line before tax (returned_before_tax), and,
/// on an invoice whose discount shrinks with its lines, the part of the
/// discount it kept back too (DiscountShare::taken_for), so that a line is
/// never credited twice for the same money: TR-1's 102.60 (10% agreed, at
/// 20%) returned 85.50 and took 95.00 off its line. A note of the firm's is
/// read the same way, as the note of fix's that returns what it returns.
/// Without `shares` (a reckoning that counts no note), what each returned.
inline std::vector<std::pair<const CreditNote*, Decimal>> taken_off_lines(const Book& book, const Report& report,
                                                                          const Invoice& inv,
                                                                          const DiscountShare* shares) {
  std::vector<std::pair<const CreditNote*, Decimal>> taken = returned_before_tax(book, report, inv);
  if (!shares) return taken;
  OffLines off;
  for (auto& [n, amount] : taken) {
    amount = shares->taken_for(book, inv, off, *n->line_no, amount);
    off[*n->line_no] += amount;
  }
  return taken;
}

/// What is left to bill on `inv`'s lines, less its discount, before credit
/// note `note` (or after all its notes, when null): what fix taxes the next
/// note it writes on a line on (tax_returned).
inline Decimal taxable_before(const Book& book, const Report& report, const Invoice& inv,
                              const CreditNote* note = nullptr) {
  Decimal taxable = -inv.discount.value_or(Decimal{});
  for (const InvoiceLine& line : book.lines_of(inv)) taxable += line.amount;
  for (const auto& [n, before_tax] : returned_before_tax(book, report, inv)) {
    if (n == note) break;
    taxable -= before_tax;
  }
  return taxable;
}

/// The credit notes on `inv` written before `note`: those dated before it,
/// and those of the same day listed before it (fix numbers a run's notes in
/// the order it writes them). The firm's CN-X of 2025-10-01 came before fix's
/// CN-TR-1-1 of 2026-01-15, though the book lists it after.
inline std::set<const CreditNote*> written_before(const Book& book, const Invoice& inv, const CreditNote& note) {
  std::set<const CreditNote*> before;
  bool listed_before = true;
  for (const CreditNote* n : book.credit_notes_of_invoice(inv.id)) {
    if (n == &note) listed_before = false;
    else if (n->date < note.date || (n->date == note.date && listed_before)) before.insert(n);
  }
  return before;
}

/// What of `inv`'s total was left to credit when credit note `note` was
/// written: its total less the notes written before it, which fix counted
/// (it credits no more than the invoice).
inline Decimal left_before(const Book& book, const Invoice& inv, const CreditNote& note) {
  Decimal left = inv.total;
  for (const CreditNote* n : written_before(book, inv, note)) left -= n->amount;
  return left;
}

/// The tax that fix's credit note `note` on a line of `inv` returned with
/// `amount` of the line: tax_returned on what was left to bill before it
/// (taxable_before), but never beyond what the invoice's total less the notes
/// before it (left_before) leaves after `amount`, since fix credits no more
/// than the invoice: a discount of 10.00 on a line of 100.00 that should be
/// 5.00, at 20% (108.00), leaves 13.00 of tax for a note returning 95.00,
/// not the 19.00 at the rate.
inline Decimal tax_returned_by(const Book& book, const Report& report, const Invoice& inv, const CreditNote& note,
                               const Decimal& amount) {
  const Decimal left = left_before(book, inv, note);
  const Decimal tax = tax_returned(inv, taxable_before(book, report, inv, &note), amount);
  return left < amount + tax ? std::max(left - amount, Decimal{}) : tax;
}

/// What is left for new credit notes to return on `line` of `inv`: line_cap
/// of the overcharges `on_line` on it, less what the notes `counted` picks on
/// the line took off it (taken_off_lines: with the part of a discount agreed
/// as a percentage each kept back, not only what it returned before tax).
template <class Counted>
Decimal left_on_line(const Book& book, const Report& report, const Invoice& inv, const InvoiceLine& line,
                     const std::vector<const Finding*>& on_line, Counted counted, const DiscountShare* shares) {
  Decimal left = line_cap(line, on_line, inv.currency);
  for (const auto& [n, taken] : taken_off_lines(book, report, inv, shares))
    if (n->line_no == line.line_no && counted(*n)) left -= taken;
  return left;
}

/// What is left for new credit notes to return on `inv`: its total less the
/// notes `counted` picks on it, since a note never returns more than the invoice.
template <class Counted>
Decimal left_on_invoice(const Book& book, const Invoice& inv, Counted counted) {
  Decimal left = inv.total;
  for (const CreditNote* n : book.credit_notes_of_invoice(inv.id))
    if (counted(*n)) left -= n->amount;
  return left;
}

/// What credit notes for the overcharges `picked` picks on `inv`'s lines
/// take off the lines themselves, before the part of a discount they keep
/// back and before any tax: on each line the sum of those, but never more
/// than what is left on it (left_on_line, after the notes `counted` picks),
/// as fix caps them (a rate and an hours error on one line, 150.00 and
/// 500.00 of 600.00 together, take 150.00 picked alone and 600.00 picked
/// together). `by_line_taken`, when given, gets what they take off each line.
template <class Pick, class Counted>
Decimal overcharged_on_lines(const Book& book, const Report& report, const Invoice& inv, Pick picked, Counted counted,
                             const DiscountShare* shares, OffLines* by_line_taken = nullptr) {
  std::map<std::string, std::vector<const Finding*>> by_line;
  for (const Finding* f : findings_on(report, inv.id))
    if (!f->line.empty() && is_overcharge(*f)) by_line[f->line].push_back(f);
  Decimal over;
  for (const InvoiceLine& line : book.lines_of(inv)) {
    const auto on = by_line.find(std::to_string(line.line_no));
    if (on == by_line.end()) continue;
    Decimal sum;
    for (const Finding* f : on->second)
      if (picked(*f)) sum += f->amount_at_stake->round(minor_units(inv.currency));
    const Decimal left = left_on_line(book, report, inv, line, on->second, counted, shares);
    const Decimal taken = std::max(std::min(sum, left), Decimal{});
    over += taken;
    if (by_line_taken && taken > Decimal{}) (*by_line_taken)[line.line_no] += taken;
  }
  return over;
}

/// The tax fix's note returns with `over` of overcharge `f` on a line of
/// `inv` (share_of_line), and in `discount` the part of a discount agreed as
/// a percentage it keeps back (DiscountShare): tax_returned on its lines less
/// its discount less what the notes for the overcharges on its lines before
/// `f`, in report order, return of them, as fix writes its notes; not the
/// tax on `over` rounded alone, a cent off the note's at times (5.03 at 20%
/// is 1.01, but 195.12 less 190.09 taxes 1.00). TR-1 (10% agreed) billing a
/// line of 100.00 that should be 5.00, less 10.00, at 20%: 9.50 of the
/// discount kept back, and 17.10 tax on the 85.50 left.
inline Decimal tax_returned_with(const Book& book, const Report& report, const Invoice& inv, const Finding& f,
                                 const Decimal& over, const DiscountShare& shares, Decimal& discount) {
  Decimal taxable = -inv.discount.value_or(Decimal{});
  for (const InvoiceLine& line : book.lines_of(inv)) taxable += line.amount;
  OffLines before;
  // The findings on inv before f in report order (f is one of the report's, or none is before it).
  const std::less<const Finding*> earlier;
  const bool in_report = !earlier(&f, report.findings.data()) && earlier(&f, report.findings.data() + report.findings.size());
  for (const Finding* on : findings_on(report, inv.id)) {
    if (in_report && !earlier(on, &f)) break;
    const Finding& g = *on;
    Decimal unused;
    if (g.line.empty() || !is_overcharge(g)) continue;
    const Decimal taken = share_of_line(book, report, inv, g, unused);
    const std::int64_t line_no = std::stoll(g.line);
    taxable -= taken - shares.of(book, inv, before, {{line_no, taken}});
    before[line_no] += taken;
  }
  discount = shares.of(book, inv, before, {{std::stoll(f.line), over}});
  return tax_returned(inv, taxable, over - discount);
}

/// What fix's credit notes for the overcharges `picked` picks on `inv`
/// return, written after the notes `counted` picks (fix counts every note
/// the book had; the letter, on a book fix wrote, the firm's own,
/// is_firms_correction): on its lines overcharged_on_lines less the part of
/// a discount agreed as a percentage they keep back (DiscountShare, after
/// what the notes counted took off the lines), with the tax paid on the rest
/// (tax_returned), on the invoice each amount as it stands; and never more
/// than what is left of the invoice (left_on_invoice). TR-1 (10% agreed),
/// a line of 100.00 that should be 5.00, less 10.00, at 20%: 102.60, whether
/// fix's note, the firm's or none returns it.
template <class Pick, class Counted>
Decimal returned_for(const Book& book, const Report& report, const Invoice& inv, Pick picked, Counted counted,
                     const DiscountShare& shares) {
  OffLines now, before;
  const Decimal on_lines = overcharged_on_lines(book, report, inv, picked, counted, &shares, &now);
  for (const auto& [n, taken] : taken_off_lines(book, report, inv, &shares))
    if (counted(*n)) before[*n->line_no] += taken;
  const Decimal net = on_lines - shares.of(book, inv, before, now);
  Decimal taxable = -inv.discount.value_or(Decimal{});
  for (const InvoiceLine& line : book.lines_of(inv)) taxable += line.amount;
  Decimal returned = net + tax_returned(inv, taxable, net);
  for (const Finding* f : findings_on(report, inv.id))
    if (f->line.empty() && is_overcharge(*f) && picked(*f))
      returned += f->amount_at_stake->round(minor_units(inv.currency));
  return std::max(std::min(returned, left_on_invoice(book, inv, counted)), Decimal{});
}

}  // namespace billcheck::detail
