#include "rules.hpp"

namespace billcheck::client_info {

StaleVerificationRule::StaleVerificationRule(const Options& options)
    : max_age_days_(options.non_negative_integer("max_age_days")),
      report_never_verified_(options.boolean("report_never_verified")) {}

RuleInfo StaleVerificationRule::info() {
  RuleInfo info;
  info.id = "client-info.stale-verification";
  info.reach = Reach::client;
  info.title = "Client details not verified recently";
  info.category = "client-info";
  info.severity = Severity::warning;
  info.description =
      "An invoice should go out on client details (address, email, entity, tax id) that were verified no more "
      "than max_age_days before its issue date, according to the client's last_verified. A client without a "
      "last_verified date is reported only when report_never_verified is on: many exports do not carry the "
      "date at all, and then its absence says nothing. A verification dated after the issue date is taken as "
      "good for the invoice, since the book keeps only the latest one. Each invoice is reported, as each went "
      "out on the stale details. Void invoices and invoices for clients not in the book are not checked.";
  info.options = {
      {"max_age_days", OptionType::integer, "365",
       "How many days before an invoice's issue date the client's details may last have been verified."},
      {"report_never_verified", OptionType::boolean, "false",
       "Also report invoices for clients with no last_verified date, as never verified."}};
  return info;
}

void StaleVerificationRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void()) return;
  const Client* client = ctx.book().client(invoice.client_id);
  if (!client) return;
  const Date oldest = invoice.issue_date.plus_days(-max_age_days_);
  // Written only for a finding: most invoices go to clients verified in time.
  auto expected = [&] { return "verified on or after " + oldest.to_string(); };
  if (!client->last_verified) {
    if (!report_never_verified_) return;
    ctx.report(invoice, "Invoice " + invoice.id + " goes to " + client_name(*client) +
                            ", whose details have never been verified; verify them before billing.")
        .evidence_of("expected", expected())
        .evidence_of("actual", "never verified");
    return;
  }
  const Date verified = *client->last_verified;
  if (verified >= oldest) return;
  const long long age = Date::days_between(verified, invoice.issue_date);
  ctx.report(invoice, "Invoice " + invoice.id + " (issued " + invoice.issue_date.to_string() + ") goes to " +
                          client_name(*client) + ", whose details were last verified on " + verified.to_string() +
                          ", " + std::to_string(age) + " days earlier (more than " + std::to_string(max_age_days_) +
                          "); verify them before billing.")
      .evidence_of("expected", expected())
      .evidence_of("actual", verified)
      .evidence_of("days_since_verified", std::to_string(age));
}

}  // namespace billcheck::client_info
