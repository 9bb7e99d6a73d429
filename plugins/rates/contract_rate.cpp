#include "rules.hpp"

#include <stdexcept>

namespace billcheck::rates {
namespace {

/// `2026-01-01 to 2026-12-31`, or `from 2026-01-01` for a row with no end.
std::string effective_text(const Rate& rate) {
  if (!rate.effective_to) return "from " + rate.effective_from.to_string();
  return rate.effective_from.to_string() + " to " + rate.effective_to->to_string();
}

}  // namespace

ContractRateRule::ContractRateRule(const Options& options) : tolerance_(options.non_negative_decimal("tolerance")) {}

RuleInfo ContractRateRule::info() {
  RuleInfo info;
  info.id = "rates.contract-rate";
  info.reach = Reach::client;
  info.title = "Fee line not billed at the agreed rate";
  info.category = "rates";
  info.severity = Severity::error;
  info.description =
      "A fee line's rate must be the rate agreed for its engagement, timekeeper and date: the engagement's "
      "rates.csv row for that timekeeper, else its row for the timekeeper's role, effective on the line's date "
      "(or the invoice's issue date when the line has none; effective_from and effective_to are both "
      "inclusive). Billing below the agreed rate is reported too. The amount at stake is the billed rate less "
      "the agreed rate, times the quantity, rounded half-even to the invoice currency's minor units: negative "
      "when the client is undercharged. Lines whose timekeeper is not in the book are left to "
      "rates.unknown-timekeeper, and lines no rate card row applies to are left to rates.no-agreed-rate. Lines "
      "of void invoices are not checked.";
  info.options = {{"tolerance", OptionType::decimal, "0",
                   "Rate differences up to this much per unit (hour), in the invoice currency, are not reported."}};
  return info;
}

void ContractRateRule::check(const InvoiceLine& line, Context& ctx) const {
  const Book& book = ctx.book();
  const Timekeeper* tk = checked_timekeeper(line, ctx);
  if (!tk) return;
  const Rate* agreed = book.agreed_rate(line);
  if (!agreed) return;
  const Decimal difference = line.rate - agreed->rate;
  if (difference.abs() <= tolerance_) return;

  const Text currency = ctx.invoice_of(line).currency;
  const Decimal at_stake = (difference * line.quantity).round(minor_units(currency));
  const bool by_timekeeper = !agreed->timekeeper_id.empty();
  const std::string agreed_for = by_timekeeper ? timekeeper_text(*tk) : role_text(agreed->role);

  std::string message = "Line " + std::to_string(line.line_no) + " bills " + format_hours(line.quantity) + " by " +
                        timekeeper_text(*tk) + " at " + format_amount(line.rate, currency) +
                        " an hour, but the rate agreed for " + agreed_for + " on " +
                        rate_date(line, ctx).to_string() + " is " + format_amount(agreed->rate, currency);
  if (!at_stake.is_zero())
    message += std::string(", so the client is ") + (at_stake.is_negative() ? "undercharged" : "overcharged") +
               " by " + format_amount(at_stake.abs(), currency);
  message += ".";

  ctx.report(line, std::move(message))
      .at_stake(at_stake)
      .evidence_of("expected", agreed->rate)
      .evidence_of("actual", line.rate)
      .evidence_of("quantity", line.quantity.to_string())
      .evidence_of("agreed_for", by_timekeeper ? "timekeeper " + tk->id : "role " + agreed->role)
      .evidence_of("effective", effective_text(*agreed))
      .evidence_of("rate_row", row_text(ctx.book(), *agreed))
      .suggest("rate", format_amount(line.rate, currency), format_amount(agreed->rate, currency));
}

}  // namespace billcheck::rates
