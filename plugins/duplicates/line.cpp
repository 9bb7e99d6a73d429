#include "rules.hpp"

#include <algorithm>

namespace billcheck::duplicates {

RuleInfo DuplicateLineRule::info() {
  RuleInfo info;
  info.id = "duplicates.line";
  info.title = "Line billed twice in one invoice";
  info.category = "duplicates";
  info.severity = Severity::error;
  info.description =
      "No invoice has the same line twice: the same type, date, timekeeper, quantity, rate and amount, and the "
      "same description ignoring case and spacing. Each repeat is reported on the line with the higher line_no, "
      "naming the first; the amount at stake is the repeated line's amount. Void invoices, and invoices credited in "
      "full (credit notes adding up to the total, as billcheck fix --reissue writes), are not checked.";
  return info;
}

void DuplicateLineRule::check(const Invoice& invoice, Context& ctx) const {
  if (is_cancelled(ctx.book(), invoice)) return;
  const auto lines = ctx.book().lines_of(invoice);
  if (lines.size() < 2) return;
  // Each distinct line seen so far, by hash; a repeat is matched with the first line equal to it.
  std::unordered_map<std::uint64_t, std::vector<const InvoiceLine*>> seen;
  seen.reserve(lines.size());
  for (const InvoiceLine& line : lines) {
    auto& candidates = seen[line_hash(line)];
    auto it = std::find_if(candidates.begin(), candidates.end(),
                           [&](const InvoiceLine* other) { return same_line(*other, line); });
    if (it == candidates.end()) {
      candidates.push_back(&line);
      continue;
    }
    const InvoiceLine& original = **it;
    const std::string& currency = invoice.currency;
    std::string what = line.is_fee() ? format_hours(line.quantity) : line.quantity.to_string();
    what += " × " + format_amount(line.rate, currency) + " = " + format_amount(line.amount, currency);
    if (!line.description.empty()) what = "\"" + line.description + "\", " + what;
    ctx.report(line, "Line " + std::to_string(line.line_no) + " repeats line " + std::to_string(original.line_no) +
                         " of the same invoice (" + what + "), so it is billed twice.")
        .at_stake(line.amount)
        .evidence_of("expected", "billed once")
        .evidence_of("actual", "billed on lines " + std::to_string(original.line_no) + " and " +
                                   std::to_string(line.line_no))
        .evidence_of("duplicate_of_line", std::to_string(original.line_no))
        .evidence_of("amount", line.amount);
  }
}

}  // namespace billcheck::duplicates
