// The duplicates plugin's rules: nothing is billed twice, whether a whole
// invoice, a line, a piece of work or a recorded time entry.
//
// One copy is one finding, so that the amounts at stake add up: the lines of an
// invoice that repeats a whole earlier one are left to duplicates.invoice, a
// line repeated in its own invoice to duplicates.line, and two lines citing
// one time entry to duplicates.time-entry.
#pragma once

#include <billcheck/cancelled.hpp>
#include <billcheck/sdk.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace billcheck::duplicates {

/// The same invoice sent twice under another number.
class DuplicateInvoiceRule : public BookRule {
 public:
  static RuleInfo info();
  void check(const Book& book, Context& ctx) const override;
};

/// The same line twice in one invoice.
class DuplicateLineRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// The same work (timekeeper, date, hours, description) billed on two invoices.
class DuplicateWorkRule : public BookRule {
 public:
  static RuleInfo info();
  void check(const Book& book, Context& ctx) const override;
};

/// One time entry billed on two lines.
class DuplicateTimeEntryRule : public BookRule {
 public:
  static RuleInfo info();
  void check(const Book& book, Context& ctx) const override;
};

/// One invoice number used by two invoice records.
class DuplicateInvoiceNumberRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// One payment id used by two payment records.
class DuplicatePaymentIdRule : public PaymentRule {
 public:
  static RuleInfo info();
  void check(const Payment& payment, Context& ctx) const override;
};

// Helpers shared by the rules above (matching.cpp).

/// Text as the duplicates rules compare it: ASCII letters in lower case, runs
/// of white space as one space, none at either end.
std::string normalized(std::string_view text);

/// Whether two descriptions are the same once normalized.
bool same_text(std::string_view a, std::string_view b);

/// text_hash(normalized(text)), computed without building it for most texts.
std::uint64_t normalized_hash(std::string_view text);

/// Whether two lines are the same as the duplicates rules compare them: the
/// same type, date, timekeeper, quantity, rate and amount, and the same
/// description once normalized.
bool same_line(const InvoiceLine& a, const InvoiceLine& b);

/// A hash of what same_line() compares: equal lines have equal hashes.
std::uint64_t line_hash(const InvoiceLine& line);

/// line_hash() with the description's normalized_hash() already computed.
std::uint64_t line_hash(const InvoiceLine& line, std::uint64_t description_hash);

/// The low 32 bits of normalized_hash() of every line's description, in the
/// book's line order: computed once per book and shared by the rules, which
/// otherwise each normalised every description again. Four bytes a line (eight
/// held the whole hash): every rule that finds two lines with equal hashes
/// compares their texts, so a collision costs a comparison, never a finding.
struct LineHashes {
  std::vector<std::uint32_t> text;

  std::size_t index(const Book& book, const InvoiceLine& l) const {
    return static_cast<std::size_t>(&l - book.lines().data());
  }
  std::uint32_t text_of(const Book& book, const InvoiceLine& l) const { return text[index(book, l)]; }
  /// line_hash(l), from the cached description hash.
  std::uint64_t of(const Book& book, const InvoiceLine& l) const { return line_hash(l, text_of(book, l)); }
};
const LineHashes& line_hashes(const Book& book);

/// The first of the lines added with each key, in one flat table: 8 bytes a
/// slot (32 bits of the key's hash and the line's index in the book + 1), at
/// most three quarters full. A node-based map of a million lines cost several
/// times the memory and the time.
class FirstLines {
 public:
  /// Empties the table and sizes it for `keys` keys at most.
  void reset(std::size_t keys) {
    std::size_t capacity = 16;
    while (capacity * 3 < keys * 4) capacity *= 2;
    slots_.assign(capacity, Slot{});
  }
  /// Starts fetching into the cache where first_of(hash, ...) looks first: a
  /// large client's table is larger than the cache.
  void prefetch(std::uint32_t hash) const { __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]); }
  /// The first line added with the key of line `index`, or `index` itself
  /// (then added) when it is the first; `hash` is the key's, and `same(a)`
  /// says whether line a has that key.
  template <class Same>
  std::uint32_t first_of(std::uint32_t hash, std::uint32_t index, Same same) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (!s.line) {
        s = {hash, index + 1};
        return index;
      }
      if (s.hash == hash && same(s.line - 1)) return s.line - 1;
    }
  }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t line = 0;  // index + 1; 0: free
  };
  std::vector<Slot> slots_;
};

/// The book's invoices other than void ones, in the order they were issued:
/// by issue date, then invoice number. Made once for a book (Book::derived).
const std::vector<const Invoice*>& in_issue_order(const Book& book);

/// For each invoice (not void) that repeats a whole earlier invoice, the
/// earliest invoice it repeats. See DuplicateInvoiceRule::info() for what
/// makes a repeat.
std::unordered_map<const Invoice*, const Invoice*> repeated_invoices(const Book& book);

/// `USD 1200.00`; the bare amount when the currency is not known.
inline std::string money(Decimal amount, std::string_view currency) {
  if (currency.empty()) return amount.to_string();
  return Money{amount, std::string(currency)}.to_string();
}


/// `line 4 of invoice BM-0051`.
inline std::string line_text(const Book& book, const InvoiceLine& line) {
  return "line " + std::to_string(line.line_no) + " of invoice " + book.invoice_of(line).id;
}

/// `invoices.csv:3`: where a record was read, by file name and line.
inline std::string where(const Book& book, const Source& source) {
  std::string_view file = book.file_of(source);
  if (auto slash = file.find_last_of("/\\"); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  return std::string(file) + ":" + std::to_string(source.line);
}

}  // namespace billcheck::duplicates
