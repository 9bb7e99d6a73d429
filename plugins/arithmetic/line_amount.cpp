#include "rules.hpp"

#include <stdexcept>

namespace billcheck::arithmetic {
namespace {

/// `5 h × 240.00 − 50.00`: the line's figures as the client reads them.
std::string calculation_text(const InvoiceLine& line, std::string_view currency) {
  std::string text = line.is_fee() ? format_hours(line.quantity) : line.quantity.to_string();
  text += " × " + format_amount(line.rate, currency);
  if (line.adjustment && !line.adjustment->is_zero()) {
    text += line.adjustment->is_negative() ? " − " : " + ";
    text += format_amount(line.adjustment->abs(), currency);
  }
  return text;
}

}  // namespace

LineAmountRule::LineAmountRule(const Options& options) : tolerance_(options.non_negative_decimal("tolerance")) {}

RuleInfo LineAmountRule::info() {
  RuleInfo info;
  info.id = "arithmetic.line-amount";
  info.reach = Reach::client;
  info.title = "Line amount is not quantity × rate";
  info.category = "arithmetic";
  info.severity = Severity::error;
  info.description =
      "A line's amount must equal its quantity times its rate, plus its adjustment if it has one, rounded "
      "half-even to the invoice currency's minor units (0 decimals for JPY, 2 for USD, 3 for KWD). The amount "
      "at stake is the stated amount less the expected one. Lines of void invoices are not checked, and an "
      "amount that is the exact figure written with too many decimals is left to arithmetic.currency-decimals.";
  info.options = {{"tolerance", OptionType::decimal, "0",
                   "Differences up to this much, in the invoice currency, are not reported."}};
  return info;
}

void LineAmountRule::check(const InvoiceLine& line, Context& ctx) const {
  const Invoice& invoice = ctx.invoice_of(line);
  if (invoice.is_void()) return;
  const Text currency = invoice.currency;
  const int places = minor_units(currency);

  const Decimal exact = line.quantity * line.rate + line.adjustment.value_or(Decimal{});
  const Decimal expected = exact.round(places);
  const Decimal difference = line.amount - expected;
  if (difference.abs() <= tolerance_ || is_only_unrounded(line.amount, expected, places)) return;

  std::string figures = calculation_text(line, currency) + " = " + format_amount(exact, currency);
  if (exact != expected) {
    figures += ", which rounds to " + format_amount(expected, currency);
    // Half-up is what most people expect, so say why a half went down.
    if (exact.round(places, Rounding::half_up) != expected) figures += " (a half rounds to the even digit)";
  }
  Finding& finding = ctx.report(line, "Line " + std::to_string(line.line_no) + " bills " + figures +
                                          ", but its amount is " + format_amount(line.amount, currency) + ".");
  finding.at_stake(difference)
      .evidence_of("expected", expected)
      .evidence_of("actual", line.amount)
      .evidence_of("quantity", line.quantity.to_string())
      .evidence_of("rate", line.rate);
  if (line.adjustment) finding.evidence_of("adjustment", *line.adjustment);
  finding.suggest("amount", format_amount(line.amount, currency), format_amount(expected, currency));
}

}  // namespace billcheck::arithmetic
