#include "rules.hpp"

#include <stdexcept>

namespace billcheck::credit {
namespace {

Decimal cap_of(const Options& options) {
  const Decimal cap = options.decimal("max_discount_pct");
  if (cap.is_negative() || cap > Decimal(100))
    throw std::invalid_argument("credit.discount-above-agreed: option 'max_discount_pct' must be between 0 and 100 "
                                "(it is " + cap.to_string() + "); use 0 for no firm-wide cap");
  return cap;
}

/// The discount percentage an invoice may take, and where that figure comes from.
struct Allowance {
  Decimal pct;
  std::string source;
};

}  // namespace

DiscountAboveAgreedRule::DiscountAboveAgreedRule(const Options& options) : max_discount_pct_(cap_of(options)) {}

RuleInfo DiscountAboveAgreedRule::info() {
  RuleInfo info;
  info.id = "credit.discount-above-agreed";
  info.reach = Reach::client;
  info.title = "Discount larger than agreed";
  info.category = "credit";
  info.severity = Severity::error;
  info.description =
      "An invoice's discount may be at most its engagement's discount_pct of the sum of its lines' amounts, "
      "rounded half-even to the currency's minor units. Where the firm sets a maximum discount, it applies to "
      "invoices whose engagement has no discount_pct, and caps the agreed percentage of those that do. The "
      "amount at stake is the excess, negative: the client is billed that much too little, before tax (evidence "
      "at_stake_tax: excluded); the fix suggests the allowed discount. Invoices with no discount, with no agreed percentage and no firm-wide maximum, with "
      "lines summing to zero or less, and void invoices are not checked.";
  info.options = {{"max_discount_pct", OptionType::decimal, "0",
                   "The firm-wide maximum discount, in percent of the lines; 0 = no firm-wide cap."}};
  return info;
}

void DiscountAboveAgreedRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void() || !invoice.discount || *invoice.discount <= Decimal{}) return;
  const Engagement* engagement = invoice.engagement_id.empty() ? nullptr : ctx.book().engagement(invoice.engagement_id);
  const bool agreed = engagement && engagement->discount_pct;
  const bool capped = !max_discount_pct_.is_zero();
  if (!agreed && !capped) return;

  Allowance allowance;
  if (agreed && (!capped || *engagement->discount_pct <= max_discount_pct_))
    allowance = {*engagement->discount_pct, "engagement " + engagement->id + "'s agreed"};
  else
    allowance = {max_discount_pct_, "the firm's maximum"};

  const Text currency = invoice.currency;
  Decimal lines;
  for (const InvoiceLine& line : ctx.book().lines_of(invoice)) lines += line.amount;
  if (lines <= Decimal{}) return;
  const Decimal allowed = (lines * allowance.pct / Decimal(100)).round(minor_units(currency));
  const Decimal discount = *invoice.discount;
  if (discount <= allowed) return;

  const std::string pct = allowance.pct.to_string() + "%";
  const std::string limit = allowed.is_zero() ? "allows no discount"
                                                : "of its " + money(lines, currency) + " in lines allows only " +
                                                      money(allowed, currency);
  ctx.report(invoice, "Invoice " + invoice.id + " takes a discount of " + money(discount, currency) + ", but " +
                          allowance.source + " " + pct + " " + limit + ".")
      .at_stake(allowed - discount)
      .evidence_of("expected", allowed)
      .evidence_of("actual", discount)
      .evidence_of("discount_pct", pct)
      .evidence_of("lines", lines)
      .evidence_of("at_stake_tax", "excluded")
      .suggest("discount", format_amount(discount, currency), format_amount(allowed, currency));
}

}  // namespace billcheck::credit
