// How the duplicates rules tell that two records are the same: normalized
// text, line comparison, the issue order, and whole invoices that repeat
// earlier ones. Records are grouped by hash and the groups checked field by
// field, so that no rule compares every record with every other.
#include "rules.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <optional>

namespace billcheck::duplicates {
namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t x) {
  return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

/// White space as the "C" locale's isspace() has it, without a call per byte.
constexpr bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/// Calls `emit` with each character of normalized(text), in order.
template <class Emit>
void for_each_normalized(std::string_view text, Emit emit) {
  bool space = false, started = false;
  for (unsigned char c : text) {
    if (is_space(c)) {
      space = started;
      continue;
    }
    if (space) emit(' ');
    space = false;
    started = true;
    emit(static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
  }
}

/// An invoice's lines sorted by hash, for comparing two invoices' lines as multisets.
std::vector<const InvoiceLine*> by_hash(std::span<const InvoiceLine> lines) {
  std::vector<const InvoiceLine*> sorted;
  sorted.reserve(lines.size());
  for (const InvoiceLine& line : lines) sorted.push_back(&line);
  std::sort(sorted.begin(), sorted.end(),
            [](const InvoiceLine* a, const InvoiceLine* b) { return line_hash(*a) < line_hash(*b); });
  return sorted;
}

/// Whether two invoices have the same lines in any order. Lines are matched
/// within runs of equal hash, so a hash collision cannot make unequal lines match.
bool same_lines(std::span<const InvoiceLine> a, std::span<const InvoiceLine> b) {
  if (a.size() != b.size()) return false;
  const auto sa = by_hash(a), sb = by_hash(b);
  for (std::size_t begin = 0; begin < sa.size();) {
    const std::uint64_t h = line_hash(*sa[begin]);
    std::size_t end = begin;
    while (end < sa.size() && line_hash(*sa[end]) == h) ++end;
    for (std::size_t i = begin; i < end; ++i)
      if (line_hash(*sb[i]) != h) return false;
    std::vector<bool> used(end - begin, false);
    for (std::size_t i = begin; i < end; ++i) {
      bool matched = false;
      for (std::size_t j = begin; j < end && !matched; ++j)
        if (!used[j - begin] && same_line(*sa[i], *sb[j])) matched = used[j - begin] = true;
      if (!matched) return false;
    }
    begin = end;
  }
  return true;
}

/// A hash of the client and the multiset of lines, to group candidate copies;
/// `hashes` is scratch space, kept by the caller so no invoice allocates.
std::uint64_t group_hash(const Book& book, const LineHashes& cached, const Invoice& invoice,
                         std::span<const InvoiceLine> lines, std::vector<std::uint64_t>& hashes) {
  hashes.clear();
  for (const InvoiceLine& line : lines) hashes.push_back(cached.of(book, line));
  std::sort(hashes.begin(), hashes.end());
  std::uint64_t h = std::hash<std::string_view>{}(invoice.client_id);
  for (std::uint64_t x : hashes) h = mix(h, x);
  return h;
}

bool has_period(const Invoice& invoice) { return invoice.period_start || invoice.period_end; }

bool same_period(const Invoice& a, const Invoice& b) {
  return a.period_start == b.period_start && a.period_end == b.period_end;
}

/// Whether `later` repeats `earlier`: same client and the same lines, and
/// either the same engagement and period or the same total. A line without a
/// date is placed in time only by its invoice's period, so invoices that state
/// different periods are not copies when any of their lines is undated (a fixed
/// fee billed each month).
bool is_copy(const Book& book, const Invoice& earlier, const Invoice& later) {
  if (earlier.client_id != later.client_id) return false;
  const auto later_lines = book.lines_of(later);
  if (!(earlier.engagement_id == later.engagement_id && same_period(earlier, later))) {
    if (earlier.total != later.total) return false;
    const bool undated =
        std::any_of(later_lines.begin(), later_lines.end(), [](const InvoiceLine& l) { return !l.date; });
    if (undated && has_period(earlier) && has_period(later) && !same_period(earlier, later)) return false;
  }
  return same_lines(book.lines_of(earlier), later_lines);
}

}  // namespace

std::string normalized(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_normalized(text, [&](char c) { out += c; });
  return out;
}

bool same_text(std::string_view a, std::string_view b) {
  // Usually already equal as written; otherwise compare the normalized forms.
  return a == b || normalized(a) == normalized(b);
}

std::uint64_t normalized_hash(std::string_view text) {
  // Most descriptions are plain: single spaces between words, none at the
  // ends, no tabs or line breaks. Their normalized form is their lower case,
  // made eight bytes at a time and hashed (as text_hash() would hash it) as it
  // is made; the others are normalized byte by byte, then hashed. (A byte loop
  // over every description was most of the book-wide duplicates rules' time;
  // lower-casing into a buffer, then hashing it, a third of this function's.)
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL, kLow = 0x7f7f7f7f7f7f7f7fULL;
  if (!text.empty() && text.front() != ' ' && text.back() != ' ') {
    bool plain = true;
    std::uint64_t space_before = 0;  // the last byte of the word before was a space
    std::uint64_t h = detail::text_hash_start(text.size());
    for (std::size_t at = 0; at < text.size() && plain; at += 8) {
      const std::size_t left = text.size() - at;
      std::uint64_t w;
      if (left >= 8)
        std::memcpy(&w, text.data() + at, 8);
      else  // the tail, padded with a letter
        w = detail::tail_word(text.data(), text.size(), left) | (('a' * kOnes) << (8 * left));
      const std::uint64_t control = (w - 0x20 * kOnes) & ~w & kHigh;  // a byte below ' '
      const std::uint64_t x = w ^ (' ' * kOnes);
      const std::uint64_t spaces = ~(((x & kLow) + kLow) | x | kLow);  // 0x80 at each space
      plain = !control && !(spaces & ((spaces << 8) | space_before));
      space_before = spaces >> 56;
      // 0x20 added to each byte from 'A' to 'Z'.
      const std::uint64_t low7 = w & kLow;
      const std::uint64_t upper = (low7 + (0x80 - 'A') * kOnes) & ~(low7 + (0x80 - 'Z' - 1) * kOnes) & ~w & kHigh;
      w |= upper >> 2;
      h = left >= 8 ? detail::text_hash_word(h, w) : detail::text_hash_tail(h, w & ((std::uint64_t{1} << (8 * left)) - 1));
    }
    if (plain) return detail::text_hash_finish(h);
  }
  return text_hash(normalized(text));
}

bool same_line(const InvoiceLine& a, const InvoiceLine& b) {
  return a.type == b.type && a.date == b.date && a.timekeeper_id == b.timekeeper_id && a.quantity == b.quantity &&
         a.rate == b.rate && a.amount == b.amount && same_text(a.description, b.description);
}

std::uint64_t line_hash(const InvoiceLine& line) { return line_hash(line, normalized_hash(line.description)); }

std::uint64_t line_hash(const InvoiceLine& line, std::uint64_t description_hash) {
  std::uint64_t h = line.type.hash();
  h = mix(h, line.date ? static_cast<std::uint64_t>(line.date->sys_days().time_since_epoch().count()) : ~0ULL);
  h = mix(h, line.timekeeper_id.hash());
  // Decimals compare by value: 2.5 and 2.50 have the same raw millionths.
  h = mix(h, static_cast<std::uint64_t>(line.quantity.raw()));
  h = mix(h, static_cast<std::uint64_t>(line.rate.raw()));
  h = mix(h, static_cast<std::uint64_t>(line.amount.raw()));
  return mix(h, description_hash);
}

const LineHashes& line_hashes(const Book& book) {
  return book.derived<LineHashes>("duplicates.line-hashes", [](const Book& b) {
    LineHashes hashes;
    const auto lines = b.lines();
    hashes.text.reserve(lines.size());
    // Each description's text is fetched some lines ahead: read in line order it
    // missed the cache all the same (the hashes took 31 ms of a 1M-line book, 20 so).
    constexpr std::size_t kAhead = 8;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i + kAhead < lines.size()) __builtin_prefetch(lines[i + kAhead].description.data() - 8);
      hashes.text.push_back(static_cast<std::uint32_t>(normalized_hash(lines[i].description)));
    }
    return hashes;
  });
}

const std::vector<const Invoice*>& in_issue_order(const Book& book) {
  return book.derived<std::vector<const Invoice*>>("duplicates.issue-order", [](const Book& b) {
    // The Book keeps invoices by number, so ordering (day, place) orders a
    // day's invoices by number. One sort of eight-byte keys, made once for
    // the rules that ask: a stable sort of pointers by date read two invoices
    // at random places for each comparison (a 10M-line book's 1.25M invoices,
    // three times: 1.5% of its check).
    const std::span<const Invoice> invoices = b.invoices();
    std::vector<std::uint64_t> keys;
    keys.reserve(invoices.size());
    for (std::size_t i = 0; i < invoices.size(); ++i) {
      if (is_cancelled(b, invoices[i])) continue;
      const auto day = static_cast<std::uint32_t>(invoices[i].issue_date.sys_days().time_since_epoch().count()) ^
                       0x80000000u;  // ordered as the signed day number is
      keys.push_back((std::uint64_t{day} << 32) | i);
    }
    std::sort(keys.begin(), keys.end());
    std::vector<const Invoice*> order;
    order.reserve(keys.size());
    for (std::uint64_t key : keys) order.push_back(&invoices[static_cast<std::uint32_t>(key)]);
    return order;
  });
}

std::unordered_map<const Invoice*, const Invoice*> repeated_invoices(const Book& book) {
  // Invoices sorted by (group hash, issue order): each group of candidate
  // copies is a run, in issue order, found with one sort of a flat array.
  struct Candidate {  // 16 bytes
    std::uint64_t hash;
    std::uint32_t order;
    std::uint32_t place;  // the invoice's, in book.invoices()
  };
  std::vector<Candidate> candidates;
  {
    const std::vector<const Invoice*>& in_order = in_issue_order(book);
    candidates.reserve(in_order.size());
    std::vector<std::uint64_t> scratch;
    const LineHashes& cached = line_hashes(book);  // once: a derived index is looked up by name, under a lock
    for (const Invoice* invoice : in_order) {
      const auto lines = book.lines_of(*invoice);
      if (!lines.empty())
        candidates.push_back({group_hash(book, cached, *invoice, lines, scratch),
                              static_cast<std::uint32_t>(candidates.size()),
                              static_cast<std::uint32_t>(invoice - book.invoices().data())});
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.order < b.order;
  });
  std::unordered_map<const Invoice*, const Invoice*> repeats;
  for (std::size_t begin = 0; begin < candidates.size();) {
    std::size_t end = begin + 1;
    while (end < candidates.size() && candidates[end].hash == candidates[begin].hash) ++end;
    const Invoice* invoices = book.invoices().data();
    for (std::size_t i = begin + 1; i < end; ++i) {
      for (std::size_t j = begin; j < i; ++j) {
        const Invoice& earlier = invoices[candidates[j].place];
        const Invoice& later = invoices[candidates[i].place];
        if (is_copy(book, earlier, later)) {
          repeats.emplace(&later, &earlier);
          break;
        }
      }
    }
    begin = end;
  }
  return repeats;
}

}  // namespace billcheck::duplicates
