#include "rules.hpp"

#include <optional>
#include <utility>

namespace billcheck::arithmetic {
namespace {

std::string decimals_text(int places) {
  if (places == 0) return "no decimals";
  return std::to_string(places) + (places == 1 ? " decimal" : " decimals");
}

/// `Line 2's amount, 1200.005, has 3 decimals, but USD amounts have only 2.`
std::string message(const std::string& subject, Decimal value, std::string_view currency, int places) {
  return subject + ", " + value.to_string() + ", has " + decimals_text(value.places_used()) + ", but " +
         std::string(currency) + " amounts have " + (places == 0 ? std::string("none") : "only " + std::to_string(places)) +
         ".";
}

/// The key, evidence and fix of a finding about `field`: the key keeps one
/// finding per field when an invoice has several.
void explain(Finding& finding, const std::string& field, Decimal value, int places) {
  finding.key(field)
      .evidence_of("actual", value.to_string())
      .evidence_of("decimals", std::to_string(value.places_used()))
      .evidence_of("allowed_decimals", std::to_string(places))
      .suggest(field, value.to_string(), value.round(places).to_string(places));
}

}  // namespace

RuleInfo CurrencyDecimalsRule::info() {
  RuleInfo info;
  info.id = "arithmetic.currency-decimals";
  info.reach = Reach::client;
  info.title = "Amount has more decimals than its currency";
  info.category = "arithmetic";
  info.severity = Severity::error;
  info.description =
      "Nothing can be billed in fractions of a currency's smallest unit: a line amount, invoice total, tax or "
      "discount may have at most the currency's minor units of decimals (0 for JPY, 2 for USD, 3 for KWD). "
      "Each such amount is its own finding, and the fix suggests it rounded half-even. Rates and quantities "
      "may have more decimals. Void invoices are not checked.";
  return info;
}

void CurrencyDecimalsRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void()) return;
  const Text currency = invoice.currency;
  const int places = minor_units(currency);
  auto too_precise = [places](Decimal value) { return value.places_used() > places; };

  for (const InvoiceLine& line : ctx.book().lines_of(invoice)) {
    if (!too_precise(line.amount)) continue;
    const std::string subject = "Line " + std::to_string(line.line_no) + "'s amount";
    explain(ctx.report(line, message(subject, line.amount, currency, places)), "amount", line.amount, places);
  }

  const std::pair<std::string, std::optional<Decimal>> fields[] = {
      {"total", invoice.total}, {"tax", invoice.tax}, {"discount", invoice.discount}};
  for (const auto& [field, value] : fields) {
    if (!value || !too_precise(*value)) continue;
    const std::string subject = "Invoice " + invoice.id + "'s " + field;
    explain(ctx.report(invoice, message(subject, *value, currency, places)), field, *value, places);
  }
}

}  // namespace billcheck::arithmetic
