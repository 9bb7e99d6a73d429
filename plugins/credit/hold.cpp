#include "rules.hpp"

namespace billcheck::credit {

RuleInfo HoldRule::info() {
  RuleInfo info;
  info.id = "credit.hold";
  info.reach = Reach::client;
  info.title = "Invoice drafted for a client on credit hold";
  info.category = "credit";
  info.severity = Severity::error;
  info.description =
      "A client on credit hold (credit_hold true) is not to be billed for new work until the hold is lifted, so a "
      "draft invoice (status draft) for such a client is reported before it goes out. The amount at stake is the "
      "draft's total. Issued, paid and void invoices are not checked, nor is a replacement (its replaces column, as "
      "billcheck fix --reissue writes it) that bills no more than the invoice it replaces: it is no new work.";
  return info;
}

void HoldRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.status != "draft" || replaces_a_larger_bill(ctx.book(), invoice)) return;
  const Client* client = ctx.book().client(invoice.client_id);
  if (!client || !client->credit_hold.value_or(false)) return;

  ctx.report(invoice, "Draft invoice " + invoice.id + " (" + money(invoice.total, invoice.currency) + ") is for " +
                          client_name(ctx.book(), client->id) +
                          ", whose account is on credit hold; lift the hold or stop the invoice before it is issued.")
      .at_stake(invoice.total)
      .evidence_of("status", invoice.status)
      .evidence_of("credit_hold", "true")
      .evidence_of("total", invoice.total);
}

}  // namespace billcheck::credit
