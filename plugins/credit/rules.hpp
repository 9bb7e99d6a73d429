// The credit plugin's rules: what a client may be billed and credited, given
// its credit limit, its credit hold, its agreed discount and its unpaid invoices.
#pragma once

#include <billcheck/replaces.hpp>
#include <billcheck/sdk.hpp>

#include <algorithm>
#include <unordered_map>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck::credit {

/// An invoice must not take its client's open balance over the client's credit limit.
class OverLimitRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// No invoice is drafted for a client on credit hold.
class HoldRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// Every credit note is approved, above a threshold by one of the named approvers.
class NoteUnapprovedRule : public CreditNoteRule {
 public:
  explicit NoteUnapprovedRule(const Options& options);
  static RuleInfo info();
  void check(const CreditNote& note, Context& ctx) const override;

 private:
  bool may_approve(std::string_view name) const;

  const Decimal threshold_;
  const std::vector<std::string> approvers_;
};

/// A credit note credits no more than its invoice still has to credit.
class NoteExceedsInvoiceRule : public CreditNoteRule {
 public:
  static RuleInfo info();
  void check(const CreditNote& note, Context& ctx) const override;
};

/// A credit note's invoice_id, when it has one, names an invoice in the book.
class NoteUnknownInvoiceRule : public CreditNoteRule {
 public:
  static RuleInfo info();
  void check(const CreditNote& note, Context& ctx) const override;
};

/// A credit note's client_id names a client in the book.
class NoteUnknownClientRule : public CreditNoteRule {
 public:
  static RuleInfo info();
  void check(const CreditNote& note, Context& ctx) const override;
};

/// An invoice's discount is no larger than the engagement's agreed discount.
class DiscountAboveAgreedRule : public InvoiceRule {
 public:
  explicit DiscountAboveAgreedRule(const Options& options);
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;

 private:
  const Decimal max_discount_pct_;
};

/// A new invoice goes out while the client still owes on long-overdue invoices.
class OverdueBalanceRule : public InvoiceRule {
 public:
  explicit OverdueBalanceRule(const Options& options);
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;

 private:
  const std::int64_t overdue_days_;
};

// Helpers shared by the rules above.

/// `USD 1200.00`; the bare amount when the currency is not known.
inline std::string money(Decimal amount, std::string_view currency) {
  if (currency.empty()) return amount.to_string();
  return Money{amount, std::string(currency)}.to_string();
}

/// A client as a sentence names it: its name, else its id.
inline std::string client_name(const Book& book, std::string_view client_id) {
  const Client* client = book.client(client_id);
  return client && !client->name.empty() ? client->name : "client " + std::string(client_id);
}

/// A credit note's currency: its invoice's, else its client's (as Context::report fills it).
inline std::string note_currency(const Book& book, const CreditNote& note) {
  if (const Invoice* invoice = book.invoice(note.invoice_id)) return invoice->currency;
  if (const Client* client = book.client(note.client_id)) return client->currency;
  return {};
}

/// The day each invoice was settled: when the payments applied to it and the
/// credit notes on it, taken in date order, first cover its total. Absent for
/// an invoice still open. By the invoice's place in the book (4 bytes an
/// invoice; a map keyed by invoice took 4 MB of a million-line book). Computed
/// once per book and shared.
class SettledOn {
 public:
  explicit SettledOn(const Book& book) : first_(book.invoices().data()), days_(book.invoices().size()) {
    std::vector<std::pair<Date, Decimal>> movements;
    for (std::size_t i = 0; i < days_.size(); ++i) {
      const Invoice& invoice = book.invoices()[i];
      movements.clear();
      for (const Payment* p : book.payments_of(invoice)) movements.emplace_back(p->date, p->amount);
      for (const CreditNote* n : book.credit_notes_of(invoice)) movements.emplace_back(n->date, n->amount);
      std::sort(movements.begin(), movements.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
      Decimal unpaid = invoice.total;
      for (const auto& [date, amount] : movements) {
        unpaid -= amount;
        if (unpaid <= Decimal{}) {
          days_[i] = date;
          break;
        }
      }
    }
  }
  /// When `invoice` (one of the book's) was settled; absent while it is open.
  Optional<Date> of(const Invoice& invoice) const { return days_[static_cast<std::size_t>(&invoice - first_)]; }

 private:
  const Invoice* first_;
  std::vector<Optional<Date>> days_;
};

inline const SettledOn& settled_on(const Book& book) {
  return book.derived<SettledOn>("credit.settled-on", [](const Book& b) { return SettledOn(b); });
}

/// What the client still owes on `invoice` as of `date`: its total less the
/// payments applied to it and the credit notes on it dated on or before `date`.
inline Decimal unpaid_on(const Book& book, const Invoice& invoice, Date date) {
  Decimal unpaid = invoice.total;
  for (const Payment* p : book.payments_of(invoice))
    if (p->date <= date) unpaid -= p->amount;
  for (const CreditNote* n : book.credit_notes_of(invoice))
    if (n->date <= date) unpaid -= n->amount;
  return unpaid;
}

}  // namespace billcheck::credit
