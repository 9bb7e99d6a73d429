#include "rules.hpp"

#include <stdexcept>

namespace billcheck::rates {
namespace {

DecimalMap non_negative_caps(const Options& options) {
  DecimalMap caps = options.decimal_map("caps");
  for (const auto& [role, cap] : caps)
    if (cap.is_negative())
      throw std::invalid_argument("rates.role-cap: option 'caps' gives role '" + role + "' a negative maximum (" +
                                  cap.to_string() + "); give each role the highest hourly rate it may bill");
  return caps;
}

}  // namespace

RoleCapRule::RoleCapRule(const Options& options) : caps_(non_negative_caps(options)) {}

RuleInfo RoleCapRule::info() {
  RuleInfo info;
  info.id = "rates.role-cap";
  info.reach = Reach::client;
  info.title = "Fee line above the maximum rate for its role";
  info.category = "rates";
  info.severity = Severity::error;
  info.description =
      "A firm or client can set the highest hourly rate each role may bill, whatever the rate card says: a fee "
      "line whose rate is above the maximum for its timekeeper's role (as written in timekeepers.csv) is "
      "reported. The amount at stake is the rate less the maximum, times the quantity, rounded half-even to the "
      "invoice currency's minor units. Nothing is checked until the caps option names at least one role; roles "
      "it does not name have no maximum. Lines whose timekeeper is not in the book and lines of void invoices "
      "are not checked.";
  info.options = {{"caps", OptionType::decimal_map, "{}",
                   "The maximum hourly rate per role, in the invoice currency, e.g. {partner: 650, associate: 400}."}};
  return info;
}

void RoleCapRule::check(const InvoiceLine& line, Context& ctx) const {
  if (caps_.empty()) return;
  const Timekeeper* tk = checked_timekeeper(line, ctx);
  if (!tk) return;
  const auto cap = caps_.find(tk->role);
  if (cap == caps_.end() || line.rate <= cap->second) return;

  const Text currency = ctx.invoice_of(line).currency;
  const Decimal at_stake = ((line.rate - cap->second) * line.quantity).round(minor_units(currency));
  ctx.report(line, "Line " + std::to_string(line.line_no) + " bills " + format_hours(line.quantity) + " by " +
                       timekeeper_text(*tk) + " at " + format_amount(line.rate, currency) + " an hour, above the " +
                       format_amount(cap->second, currency) + " maximum for " + role_text(tk->role) + ".")
      .at_stake(at_stake)
      .evidence_of("expected", "at most " + format_amount(cap->second, currency))
      .evidence_of("actual", line.rate)
      .evidence_of("quantity", line.quantity.to_string())
      .evidence_of("role", tk->role)
      .suggest("rate", format_amount(line.rate, currency), format_amount(cap->second, currency));
}

}  // namespace billcheck::rates
