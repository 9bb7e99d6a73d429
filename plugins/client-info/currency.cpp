#include "rules.hpp"

namespace billcheck::client_info {

RuleInfo CurrencyRule::info() {
  RuleInfo info;
  info.id = "client-info.currency";
  info.reach = Reach::client;
  info.title = "Invoice in another currency than its client's";
  info.category = "client-info";
  info.severity = Severity::error;
  info.description =
      "An invoice is in its client's currency; the fix suggests the client's. Void "
      "invoices, invoices for clients not in the book (see client-info.unknown-client) and clients without a "
      "currency are not checked.";
  return info;
}

void CurrencyRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void()) return;
  const Client* client = ctx.book().client(invoice.client_id);
  // Both codes are ISO 4217 codes (the loaders check them), so equal text is the same currency.
  if (!client || client->currency.empty() || invoice.currency == client->currency) return;
  ctx.report(invoice, "Invoice " + invoice.id + " is in " + invoice.currency + ", but " + client_name(*client) +
                          " is billed in " + client->currency + ".")
      .evidence_of("expected", client->currency)
      .evidence_of("actual", invoice.currency)
      .suggest("currency", invoice.currency, client->currency);
}

}  // namespace billcheck::client_info
