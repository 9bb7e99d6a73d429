#include "rules.hpp"

namespace billcheck::timing {

RuleInfo DueDateRule::info() {
  RuleInfo info;
  info.id = "timing.due-date";
  info.reach = Reach::client;
  info.title = "Due date does not match the payment terms";
  info.category = "timing";
  info.severity = Severity::warning;
  info.description =
      "An invoice's due date must be its issue date plus its client's payment_terms_days: an earlier date asks "
      "the client to pay sooner than agreed, a later one delays the firm's cash. The fix suggests the date the "
      "terms give. Invoices without a due date, clients without payment terms, and void invoices are not "
      "checked.";
  return info;
}

void DueDateRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void() || !invoice.due_date) return;
  const Client* client = ctx.book().client(invoice.client_id);
  if (!client || !client->payment_terms_days) return;
  const std::int64_t terms = *client->payment_terms_days;
  const Date expected = invoice.issue_date.plus_days(terms);
  if (*invoice.due_date == expected) return;

  const long long off = Date::days_between(expected, *invoice.due_date);
  ctx.report(invoice, "Invoice " + invoice.id + " is due on " + invoice.due_date->to_string() + ", " +
                          days_text(off < 0 ? -off : off) + (off < 0 ? " early" : " late") + ": issued on " +
                          invoice.issue_date.to_string() + " under the client's payment terms of " + days_text(terms) +
                          ", it is due on " + expected.to_string() + ".")
      .evidence_of("expected", expected)
      .evidence_of("actual", *invoice.due_date)
      .evidence_of("payment_terms_days", std::to_string(terms))
      .evidence_of("issue_date", invoice.issue_date)
      .suggest("due_date", invoice.due_date->to_string(), expected.to_string());
}

}  // namespace billcheck::timing
