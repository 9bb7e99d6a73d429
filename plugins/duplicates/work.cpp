#include "rules.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

namespace billcheck::duplicates {
namespace {

/// The work a fee line bills, as compared across invoices: the client, the
/// timekeeper, the date, the hours and (by hash) the normalized description.
struct Work {
  Text client, timekeeper;
  Date date;
  std::int64_t hours;
  std::uint64_t description;
  bool operator==(const Work&) const = default;
};

struct WorkHash {
  std::size_t operator()(const Work& w) const {
    std::uint64_t h = w.client.hash();
    for (std::uint64_t x : {std::uint64_t{w.timekeeper.hash()},
                            static_cast<std::uint64_t>(w.date.sys_days().time_since_epoch().count()),
                            static_cast<std::uint64_t>(w.hours), w.description})
      h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    // Mixed, so that the low 32 bits the table keeps depend on every field.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
  }
};

/// `Eleanor Ashford (TK-01)`, or the id alone when the timekeeper is not in the book.
std::string timekeeper_text(const Book& book, const std::string& id) {
  const Timekeeper* tk = book.timekeeper(id);
  return tk && !tk->name.empty() ? tk->name + " (" + id + ")" : id;
}

}  // namespace

RuleInfo DuplicateWorkRule::info() {
  RuleInfo info;
  info.id = "duplicates.work";
  info.reach = Reach::client;
  info.title = "Same work billed on two invoices";
  info.category = "duplicates";
  info.severity = Severity::error;
  info.description =
      "A fee line bills work already billed to the same client on an earlier invoice (by issue date, then invoice "
      "number) when it has the same timekeeper, date and hours and the same description, compared ignoring case "
      "and spacing; the rate and amount may differ. The later line is reported, naming the first; the amount at "
      "stake is its amount. Left to other rules: repeats within one invoice (duplicates.line), lines of an "
      "invoice that repeats a whole earlier one (duplicates.invoice), and two lines citing the same time entry "
      "(duplicates.time-entry). Void invoices, invoices credited in full (credit notes adding up to the total, as "
      "billcheck fix --reissue writes), and lines without a timekeeper, a date or hours, are not checked.";
  return info;
}

void DuplicateWorkRule::check(const Book& book, Context& ctx) const {
  // Computed on the first repeat found: a clean book never needs it.
  std::optional<std::unordered_map<const Invoice*, const Invoice*>> repeats;
  auto is_whole_copy = [&](const Invoice* invoice) {
    if (!repeats) repeats = repeated_invoices(book);
    return repeats->contains(invoice);
  };
  // The first line billing each piece of work, in one flat table (open
  // addressing on the work's hash, each slot a line's index): a node-based map
  // of a million entries, or a sort of every line, cost several times more.
  const LineHashes& hashes = line_hashes(book);
  const auto all = book.lines();
  auto work_of = [&](std::uint32_t i) {
    const InvoiceLine& l = all[i];
    return Work{book.invoice_of(l).client_id, l.timekeeper_id, *l.date, l.quantity.raw(), hashes.text[i]};
  };
  // 8 bytes a slot (32 bits of the hash: a collision costs one more compare),
  // sized for every line at once: growing it held the old table beside the new.
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t line = 0;  // index + 1; 0: free
  };
  std::size_t capacity = 1024;
  while (capacity * 3 < all.size() * 4) capacity *= 2;
  std::vector<Slot> slots(capacity);
  std::size_t used = 0;
  auto first_of = [&](std::uint32_t hash, const Work& work, std::uint32_t index) -> std::uint32_t {
    if ((used + 1) * 4 > slots.size() * 3) {  // keep probes short: grow at three quarters full
      std::vector<Slot> bigger(slots.size() * 2);
      for (const Slot& s : slots) {
        if (!s.line) continue;
        std::size_t i = s.hash & (bigger.size() - 1);
        while (bigger[i].line) i = (i + 1) & (bigger.size() - 1);
        bigger[i] = s;
      }
      slots = std::move(bigger);
    }
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots[i];
      if (!s.line) {
        s = {hash, index + 1};
        ++used;
        return index;
      }
      if (s.hash == hash && work_of(s.line - 1) == work) return s.line - 1;
    }
  };
  for (const Invoice* invoice : in_issue_order(book)) {
    for (const InvoiceLine& line : book.lines_of(*invoice)) {
      if (!line.is_fee() || line.timekeeper_id.empty() || !line.date || line.quantity <= Decimal{}) continue;
      const auto index = static_cast<std::uint32_t>(&line - all.data());
      const Work piece = work_of(index);
      const std::uint32_t first = first_of(static_cast<std::uint32_t>(WorkHash{}(piece)), piece, index);
      if (first == index) continue;  // the first line billing this work
      const InvoiceLine& original = all[first];
      // Equal hashes of unequal descriptions (a 64-bit collision) are not the same work.
      if (!same_text(original.description, line.description)) continue;
      const Invoice& original_invoice = book.invoice_of(original);
      if (&original_invoice == invoice) continue;
      if (!line.entry_id.empty() && line.entry_id == original.entry_id) continue;
      if (is_whole_copy(invoice)) continue;

      std::string work = timekeeper_text(book, line.timekeeper_id) + ", " + format_hours(line.quantity) + " on " +
                         line.date->to_string();
      if (!line.description.empty()) work += ", \"" + line.description + "\"";
      ctx.report(line, "Line " + std::to_string(line.line_no) + " bills work already billed on " +
                           line_text(book, original) + " (issued " + original_invoice.issue_date.to_string() +
                           "): " + work + ".")
          .at_stake(line.amount)
          .evidence_of("expected", "work billed once")
          .evidence_of("actual", "also on " + line_text(book, original))
          .evidence_of("duplicate_of_invoice", original_invoice.id)
          .evidence_of("duplicate_of_line", std::to_string(original.line_no))
          .evidence_of("amount", line.amount);
    }
  }
}

}  // namespace billcheck::duplicates
