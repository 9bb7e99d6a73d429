#include "rules.hpp"

namespace billcheck::duplicates {

RuleInfo DuplicateInvoiceRule::info() {
  RuleInfo info;
  info.id = "duplicates.invoice";
  info.reach = Reach::client;
  info.title = "Invoice sent twice under another number";
  info.category = "duplicates";
  info.severity = Severity::error;
  info.description =
      "An invoice repeats an earlier one when it is for the same client, has the same lines (compared as a "
      "whole, in any order: type, date, timekeeper, quantity, rate, amount, and description ignoring case and "
      "spacing), and either has the same engagement and billing period or the same total. Invoices that state "
      "different periods are not repeats when any of their lines is undated, since such a line (a fixed monthly "
      "fee) is placed in time only by its period. The later invoice (by issue date, then invoice number) is "
      "reported, naming the earliest one it repeats; the amount at stake is its total, and its lines are not "
      "reported again by duplicates.work or duplicates.time-entry. Void invoices, invoices credited in full (credit "
      "notes adding up to the total, as billcheck fix --reissue writes) and invoices without lines are not checked.";
  return info;
}

void DuplicateInvoiceRule::check(const Book& book, Context& ctx) const {
  for (const auto& [copy, original] : repeated_invoices(book)) {
    const Text currency = copy->currency;
    const std::size_t lines = book.lines_of(*copy).size();
    const std::string same = copy->engagement_id == original->engagement_id && copy->period_start == original->period_start &&
                               copy->period_end == original->period_end
                           ? "the same engagement and period"
                           : "the same total";
    ctx.report(*copy, "Invoice " + copy->id + " (issued " + copy->issue_date.to_string() + ", " +
                          money(copy->total, currency) + ") repeats invoice " + original->id + " (issued " +
                          original->issue_date.to_string() + "): the same " +
                          (lines == 1 ? std::string("line") : std::to_string(lines) + " lines") + " and " + same +
                          ", so the client is billed twice for the same work.")
        .at_stake(copy->total)
        .evidence_of("expected", "no invoice repeating " + original->id)
        .evidence_of("actual", "repeats " + original->id)
        .evidence_of("duplicate_of", original->id)
        .evidence_of("duplicate_of_issued", original->issue_date)
        .evidence_of("lines", std::to_string(lines))
        .evidence_of("total", copy->total)
        .suggest("status", copy->status, "void");
  }
}

}  // namespace billcheck::duplicates
