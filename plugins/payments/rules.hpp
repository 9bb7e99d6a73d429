// The payments plugin's rules: what clients pay lands on their own, live
// invoices, in the invoice's currency, and no more than they owe.
//
// Signs follow the report contract (positive = the client is overcharged):
// money a client paid that does not settle what it owes (paid twice, paid on a
// cancelled invoice, credited to someone else's bill) is positive.
#pragma once

#include <billcheck/sdk.hpp>

#include <algorithm>
#include <string>
#include <string_view>

namespace billcheck::payments {

/// A payment settles an invoice of the client who paid it.
class MisappliedRule : public PaymentRule {
 public:
  static RuleInfo info();
  void check(const Payment& payment, Context& ctx) const override;
};

/// The payments and credit notes on an invoice do not exceed its total.
class OverpaymentRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// No payment is applied to a void invoice.
class VoidInvoiceRule : public PaymentRule {
 public:
  static RuleInfo info();
  void check(const Payment& payment, Context& ctx) const override;
};

/// A payment is in its invoice's currency.
class CurrencyRule : public PaymentRule {
 public:
  static RuleInfo info();
  void check(const Payment& payment, Context& ctx) const override;
};

/// A payment left unapplied while its client has open invoices.
class UnappliedRule : public PaymentRule {
 public:
  static RuleInfo info();
  void check(const Payment& payment, Context& ctx) const override;
};

/// A payment's invoice_id, when it has one, names an invoice in the book.
class UnknownInvoiceRule : public PaymentRule {
 public:
  static RuleInfo info();
  void check(const Payment& payment, Context& ctx) const override;
};

/// A payment's client_id names a client in the book.
class UnknownClientRule : public PaymentRule {
 public:
  static RuleInfo info();
  void check(const Payment& payment, Context& ctx) const override;
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

/// Whether two records are in one currency: the loaders accept only ISO 4217
/// codes, which are upper case, so the same code is the same text.
inline bool same_currency(std::string_view a, std::string_view b) { return a == b; }

/// The invoice a payment is applied to, or nullptr when it names none or one not in the book.
inline const Invoice* applied_invoice(const Book& book, const Payment& payment) {
  return payment.invoice_id.empty() ? nullptr : book.invoice(payment.invoice_id);
}

/// Whether a payment counts toward settling `invoice`: it is the invoice
/// client's own, in the invoice's currency (the others are payments.misapplied's
/// and payments.currency's).
inline bool settles(const Payment& payment, const Invoice& invoice) {
  return payment.client_id == invoice.client_id && same_currency(payment.currency, invoice.currency);
}

/// What an invoice has received: the payments that settle it, and the credit
/// notes on it (in the invoice's currency, as credit notes have none of their own).
struct Received {
  Decimal paid, credited;
};

inline Received received_on(const Book& book, const Invoice& invoice) {
  Received r;
  for (const Payment* p : book.payments_of(invoice))
    if (settles(*p, invoice)) r.paid += p->amount;
  for (const CreditNote* n : book.credit_notes_of(invoice)) r.credited += n->amount;
  return r;
}

}  // namespace billcheck::payments
