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
  std::uint32_t description;  // LineHashes: equal for equal descriptions, and for a few unequal ones
  bool operator==(const Work&) const = default;
};

struct WorkHash {
  std::size_t operator()(const Work& w) const {
    std::uint64_t h = w.client.hash();
    for (std::uint64_t x : {std::uint64_t{w.timekeeper.hash()},
                            static_cast<std::uint64_t>(w.date.sys_days().time_since_epoch().count()),
                            static_cast<std::uint64_t>(w.hours), std::uint64_t{w.description}})
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
  const LineHashes& hashes = line_hashes(book);
  const auto all = book.lines();
  auto work_of = [&](std::uint32_t i) {
    const InvoiceLine& l = all[i];
    return Work{book.invoice_of(l).client_id, l.timekeeper_id, *l.date, l.quantity.raw(), hashes.text[i]};
  };
  auto is_work = [](const InvoiceLine& line) {
    return line.is_fee() && !line.timekeeper_id.empty() && line.date && line.quantity > Decimal{};
  };
  // Work is the same only for the same client, so each client's lines are
  // looked at on their own, in issue order: the table of the first line
  // billing each piece of work is one client's (cache-sized), not the book's.
  std::unordered_map<Text, std::size_t> group_of;  // a client's place in `clients`
  std::vector<std::vector<const Invoice*>> clients;
  std::vector<Text> client_ids;  // each group's client: read from its invoices again, a miss of the cache each
  for (const Invoice* invoice : in_issue_order(book)) {
    auto [it, added] = group_of.try_emplace(invoice->client_id, clients.size());
    if (added) {
      clients.emplace_back();
      client_ids.push_back(invoice->client_id);
    }
    clients[it->second].push_back(invoice);
  }
  FirstLines firsts;
  // An invoice's pieces of work, hashed (and their places in the table asked
  // for) before any is looked up: a large client's table, and its invoices'
  // lines, spread over the book, are not in the cache, and the look-ups of an
  // invoice's lines then wait on memory together, not one after another.
  struct Piece {
    std::uint32_t index, hash;
    Work work;
  };
  std::vector<Piece> pieces;
  const auto fetch_lines = [](std::span<const InvoiceLine> lines) {
    const auto* begin = reinterpret_cast<const char*>(lines.data());
    for (std::size_t at = 0; at < lines.size_bytes(); at += 64) __builtin_prefetch(begin + at);
  };
  for (std::size_t c = 0; c < clients.size(); ++c) {
    const std::vector<const Invoice*>& invoices = clients[c];
    const Text client = client_ids[c];
    std::size_t count = 0;
    for (const Invoice* invoice : invoices) count += book.lines_of(*invoice).size();
    firsts.reset(count);
    for (std::size_t k = 0; k < invoices.size(); ++k) {
      const Invoice* invoice = invoices[k];
      if (k + 2 < invoices.size()) fetch_lines(book.lines_of(*invoices[k + 2]));
      pieces.clear();
      for (const InvoiceLine& line : book.lines_of(*invoice)) {
        if (!is_work(line)) continue;
        const auto index = static_cast<std::uint32_t>(&line - all.data());
        const Work work{client, line.timekeeper_id, *line.date, line.quantity.raw(), hashes.text[index]};
        const auto hash = static_cast<std::uint32_t>(WorkHash{}(work));
        firsts.prefetch(hash);
        pieces.push_back({index, hash, work});
      }
      for (const Piece& p : pieces) {
        const std::uint32_t index = p.index;
        const InvoiceLine& line = all[index];
        // Equal hashes of unequal descriptions (a collision) are not the same work.
        const std::uint32_t first = firsts.first_of(p.hash, index, [&](std::uint32_t a) {
          return work_of(a) == p.work && same_text(all[a].description, line.description);
        });
        if (first == index) continue;  // the first line billing this work
        const InvoiceLine& original = all[first];
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
}

}  // namespace billcheck::duplicates
