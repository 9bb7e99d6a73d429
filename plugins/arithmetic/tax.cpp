#include "rules.hpp"

namespace billcheck::arithmetic {

RuleInfo TaxRule::info() {
  RuleInfo info;
  info.id = "arithmetic.tax";
  info.reach = Reach::client;
  info.title = "Tax does not match the tax rate";
  info.category = "arithmetic";
  info.severity = Severity::error;
  info.description =
      "Where an invoice gives a tax rate, its tax must be that percentage of the sum of its lines less its "
      "discount, rounded half-even to the currency's minor units; a missing tax is reported when the tax due "
      "is not zero. The amount at stake is the stated tax (zero when absent) less the expected tax, all of it "
      "tax (evidence at_stake_tax: only). Invoices without a tax rate, and void invoices, are not checked.";
  return info;
}

void TaxRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void() || !invoice.tax_rate) return;
  const Text currency = invoice.currency;
  const int places = minor_units(currency);

  const Decimal line_sum = sum_of_amounts(ctx.book().lines_of(invoice));
  const Decimal taxable = line_sum - invoice.discount.value_or(Decimal{});
  const Decimal expected = (taxable * *invoice.tax_rate / Decimal(100)).round(places);
  const Decimal stated = invoice.tax.value_or(Decimal{});
  if (stated == expected || is_only_unrounded(stated, expected, places)) return;

  const std::string rate = invoice.tax_rate->to_string() + "%";
  std::string base = format_amount(taxable, currency);
  if (invoice.discount && !invoice.discount->is_zero())
    base += " (lines of " + format_amount(line_sum, currency) + " less a " +
            format_amount(*invoice.discount, currency) + " discount)";
  const std::string charged = invoice.tax ? format_amount(stated, currency) + " tax" : "no tax";

  ctx.report(invoice, "Invoice " + invoice.id + " charges " + charged + ", but " + rate + " of " + base + " is " +
                          format_amount(expected, currency) + ".")
      .at_stake(stated - expected)
      .evidence_of("expected", expected)
      .evidence_of("actual", invoice.tax ? format_amount(stated, currency) : std::string("absent"))
      .evidence_of("tax_rate", rate)
      .evidence_of("taxable", taxable)
      .evidence_of("at_stake_tax", "only")
      .suggest("tax", invoice.tax ? format_amount(stated, currency) : std::string(), format_amount(expected, currency));
}

}  // namespace billcheck::arithmetic
