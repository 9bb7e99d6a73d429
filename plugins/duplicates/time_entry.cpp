#include "rules.hpp"

#include <optional>

namespace billcheck::duplicates {

RuleInfo DuplicateTimeEntryRule::info() {
  RuleInfo info;
  info.id = "duplicates.time-entry";
  info.reach = Reach::client;
  info.title = "Time entry billed on two lines";
  info.category = "duplicates";
  info.severity = Severity::error;
  info.description =
      "A time entry is billed on one line only. A line citing an entry_id that an earlier line already cites "
      "(on any invoice, by issue date, then invoice number, then line_no) is reported, naming the first line; "
      "the amount at stake is its amount. An entry split over several lines is reported too: bill it on one line, "
      "or record one entry per line. Left to other rules: a line repeated whole within one invoice "
      "(duplicates.line) and lines of an invoice that repeats a whole earlier one (duplicates.invoice). Void "
      "invoices, and invoices credited in full (as billcheck fix --reissue writes), are not checked.";
  return info;
}

void DuplicateTimeEntryRule::check(const Book& book, Context& ctx) const {
  // Computed on the first repeat found: a clean book never needs it.
  std::optional<std::unordered_map<const Invoice*, const Invoice*>> repeats;
  auto is_whole_copy = [&](const Invoice* invoice) {
    if (!repeats) repeats = repeated_invoices(book);
    return repeats->contains(invoice);
  };
  const auto all = book.lines();
  std::size_t citing = 0;
  for (const InvoiceLine& line : all) citing += !line.entry_id.empty();
  if (citing < 2) return;
  FirstLines firsts;
  firsts.reset(citing);
  for (const Invoice* invoice : in_issue_order(book)) {
    for (const InvoiceLine& line : book.lines_of(*invoice)) {
      if (line.entry_id.empty()) continue;
      const auto index = static_cast<std::uint32_t>(&line - all.data());
      auto cites_it = [&](std::uint32_t a) { return all[a].entry_id == line.entry_id; };
      const std::uint32_t first = firsts.first_of(line.entry_id.hash(), index, cites_it);
      if (first == index) continue;  // the first line citing this entry
      const InvoiceLine& original = all[first];
      const Invoice& original_invoice = book.invoice_of(original);
      if (&original_invoice == invoice && same_line(line, original)) continue;
      if (is_whole_copy(invoice)) continue;

      std::string entry_text = "time entry " + line.entry_id;
      if (const TimeEntry* entry = book.time_entry(line.entry_id))
        entry_text += " (" + format_hours(entry->hours) + " by " + entry->timekeeper_id + " on " +
                      entry->date.to_string() + ")";
      const std::string earlier = &original_invoice == invoice
                                      ? "line " + std::to_string(original.line_no) + " of the same invoice"
                                      : line_text(book, original) + " (issued " +
                                            original_invoice.issue_date.to_string() + ")";
      ctx.report(line, "Line " + std::to_string(line.line_no) + " bills " + entry_text + ", which " + earlier +
                           " already bills.")
          .at_stake(line.amount)
          .evidence_of("expected", "time entry " + line.entry_id + " billed once")
          .evidence_of("actual", "also on " + line_text(book, original))
          .evidence_of("duplicate_of_invoice", original_invoice.id)
          .evidence_of("duplicate_of_line", std::to_string(original.line_no))
          .evidence_of("amount", line.amount);
    }
  }
}

}  // namespace billcheck::duplicates
