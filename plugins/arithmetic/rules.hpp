// The arithmetic plugin's rules: the figures an invoice states must add up.
#pragma once

#include <billcheck/sdk.hpp>

#include <span>
#include <string>

namespace billcheck::arithmetic {

/// A line's amount is its quantity times its rate plus its adjustment.
class LineAmountRule : public LineRule {
 public:
  explicit LineAmountRule(const Options& options);
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;

 private:
  const Decimal tolerance_;
};

/// An invoice's total is the sum of its lines, less the discount, plus tax.
class InvoiceTotalRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// An invoice's tax is its tax rate applied to the discounted sum of its lines.
class TaxRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// No amount is written with more decimals than its currency has.
class CurrencyDecimalsRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

// Helpers shared by the rules above.

/// The sum of the stated amounts of an invoice's lines.
inline Decimal sum_of_amounts(std::span<const InvoiceLine> lines) {
  Decimal sum;
  for (const InvoiceLine& line : lines) sum += line.amount;
  return sum;
}

/// Whether `stated` is only `expected` written with too many decimals: that is
/// arithmetic.currency-decimals' finding, so the other rules leave it alone
/// rather than report the same problem twice.
inline bool is_only_unrounded(Decimal stated, Decimal expected, int places) {
  return stated.places_used() > places && stated.round(places) == expected;
}

}  // namespace billcheck::arithmetic
