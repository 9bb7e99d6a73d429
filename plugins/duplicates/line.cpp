#include "rules.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace billcheck::duplicates {

RuleInfo DuplicateLineRule::info() {
  RuleInfo info;
  info.id = "duplicates.line";
  info.reach = Reach::client;
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
  // Lines sorted by (hash, line order): a repeat is in the run of its hash,
  // after the first line equal to it. A sorted array, not a hash map, so that
  // an invoice of a few lines allocates once.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> sorted;
  sorted.reserve(lines.size());
  const LineHashes& hashes = line_hashes(ctx.book());
  for (std::size_t i = 0; i < lines.size(); ++i)
    sorted.emplace_back(hashes.of(ctx.book(), lines[i]), static_cast<std::uint32_t>(i));
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> repeats;  // (repeat, first), by hash
  for (std::size_t begin = 0; begin < sorted.size();) {
    std::size_t end = begin + 1;
    while (end < sorted.size() && sorted[end].first == sorted[begin].first) ++end;
    if (end - begin == 1) {  // a line like no other: the usual case
      begin = end;
      continue;
    }
    // Each line matches the first earlier line equal to it that is not itself a repeat.
    std::vector<bool> is_repeat(end - begin, false);
    for (std::size_t i = begin + 1; i < end; ++i)
      for (std::size_t j = begin; j < i; ++j)
        if (!is_repeat[j - begin] && same_line(lines[sorted[j].second], lines[sorted[i].second])) {
          is_repeat[i - begin] = true;
          repeats.emplace_back(sorted[i].second, sorted[j].second);
          break;
        }
    begin = end;
  }
  for (const auto& [repeat, first] : repeats) {
    const InvoiceLine& line = lines[repeat];
    const InvoiceLine& original = lines[first];
    const Text currency = invoice.currency;
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
