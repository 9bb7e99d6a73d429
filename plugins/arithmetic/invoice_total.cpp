#include "rules.hpp"

namespace billcheck::arithmetic {

RuleInfo InvoiceTotalRule::info() {
  RuleInfo info;
  info.id = "arithmetic.invoice-total";
  info.reach = Reach::client;
  info.title = "Invoice total does not add up";
  info.category = "arithmetic";
  info.severity = Severity::error;
  info.description =
      "An invoice's total must equal the sum of its lines' amounts, less its discount, plus its tax (an absent "
      "discount or tax counts as zero). The line amounts are taken as stated: a wrong line amount is "
      "arithmetic.line-amount's finding. The amount at stake is the stated total less the expected one, tax "
      "included (evidence at_stake_tax: included). Void invoices are not checked.";
  return info;
}

void InvoiceTotalRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void()) return;
  const Text currency = invoice.currency;
  const int places = minor_units(currency);
  const auto lines = ctx.book().lines_of(invoice);

  const Decimal line_sum = sum_of_amounts(lines);
  const Decimal expected = (line_sum - invoice.discount.value_or(Decimal{}) + invoice.tax.value_or(Decimal{})).round(places);
  if (invoice.total == expected || is_only_unrounded(invoice.total, expected, places)) return;

  const std::string stated = format_amount(invoice.total, currency);
  std::string message;
  if (lines.empty()) {
    message = "Invoice " + invoice.id + " has no lines, but its total is " + stated + ".";
  } else {
    message = "Invoice " + invoice.id + "'s lines come to " + format_amount(line_sum, currency);
    if (invoice.discount) message += ", less a " + format_amount(*invoice.discount, currency) + " discount";
    if (invoice.tax) message += ", plus " + format_amount(*invoice.tax, currency) + " tax";
    if (invoice.discount || invoice.tax) message += ", which makes " + format_amount(expected, currency);
    message += ", but its total is " + stated + ".";
  }

  Finding& finding = ctx.report(invoice, std::move(message));
  finding.at_stake(invoice.total - expected)
      .evidence_of("expected", expected)
      .evidence_of("actual", invoice.total)
      .evidence_of("lines", line_sum);
  if (invoice.discount) finding.evidence_of("discount", *invoice.discount);
  if (invoice.tax) finding.evidence_of("tax", *invoice.tax);
  finding.evidence_of("at_stake_tax", "included");
  finding.suggest("total", stated, format_amount(expected, currency));
}

}  // namespace billcheck::arithmetic
