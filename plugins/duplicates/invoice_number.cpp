#include "rules.hpp"

namespace billcheck::duplicates {

RuleInfo DuplicateInvoiceNumberRule::info() {
  RuleInfo info;
  info.id = "duplicates.invoice-number";
  info.reach = Reach::firm;
  info.title = "Invoice number used twice";
  info.category = "duplicates";
  info.severity = Severity::error;
  info.description =
      "Every invoice record has its own invoice_id. Each record after the first (by issue date, then client, engagement and "
      "total) that reuses a number is reported, naming where the first was read; a void invoice's number counts as used. Lines, "
      "payments and credit notes name invoices by number, so they cannot tell such invoices apart: whatever "
      "names the number is taken to be about the first. No amount is at stake: whether anything is billed twice "
      "is for the other duplicates rules.";
  return info;
}

void DuplicateInvoiceNumberRule::check(const Invoice& invoice, Context& ctx) const {
  const auto numbered = ctx.book().invoices_numbered(invoice.id);
  if (numbered.size() < 2 || numbered.front() == &invoice) return;
  std::size_t position = 0;
  while (position < numbered.size() && numbered[position] != &invoice) ++position;
  const Invoice& first = *numbered.front();

  ctx.report(invoice, "Invoice number " + invoice.id + " is used again by the invoice read at " +
                          where(ctx.book(), invoice.source) + " (issued " + invoice.issue_date.to_string() +
                          "); the invoice read at " + where(ctx.book(), first.source) + " (issued " +
                          first.issue_date.to_string() + ", client " + first.client_id +
                          ") already has it. Give each invoice its own number.")
      .key(std::to_string(position + 1))
      .evidence_of("expected", "a number used once")
      .evidence_of("actual", "used by " + std::to_string(numbered.size()) + " invoices")
      .evidence_of("first_record", where(ctx.book(), first.source))
      .evidence_of("this_record", where(ctx.book(), invoice.source));
}

}  // namespace billcheck::duplicates
