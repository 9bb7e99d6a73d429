// The guidelines plugin's rules: what outside counsel billing guidelines ask of
// a fee narrative and its hours, as corporate clients enforce them on LEDES
// invoices: one task per entry, specific descriptions, the minimum increment,
// valid UTBMS codes, no clerical work at lawyers' rates, no marathon entries.
#pragma once

#include <billcheck/digits.hpp>
#include <billcheck/sdk.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace billcheck::guidelines {

/// ASCII character classes of the text helpers, as tables: a word byte is an
/// ASCII letter or digit or any non-ASCII byte (so UTF-8 letters stay inside
/// their words), and only ASCII letters have a case.
struct AsciiTables {
  bool word[256];
  char lower[256];
};
inline constexpr AsciiTables kAscii = [] {
  AsciiTables t{};
  for (int c = 0; c < 256; ++c) {
    t.word[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
    t.lower[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return t;
}();

inline bool is_word_byte(char c) { return kAscii.word[static_cast<unsigned char>(c)]; }
inline char lower_ascii(char c) { return kAscii.lower[static_cast<unsigned char>(c)]; }

/// Whether a word of the text is `lower` (a lower-case word), ignoring ASCII case.
inline bool same_word(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (lower_ascii(word[i]) != lower[i]) return false;
  return true;
}

/// A list of phrases compiled for matching whole words, ignoring ASCII case,
/// without copying the text: phrases are indexed by their first word in an
/// open-addressing table, and a table of the (first byte, length) pairs of
/// first words turns most words of a text away before they are hashed.
class PhraseMatcher {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// `phrases` as phrases_of() returns them (lower case words).
  explicit PhraseMatcher(std::vector<std::vector<std::string>> phrases);
  PhraseMatcher(const PhraseMatcher&) = delete;  // slots_ point into phrases_
  PhraseMatcher& operator=(const PhraseMatcher&) = delete;

  const std::vector<std::string>& phrase(std::size_t i) const { return phrases_[i]; }
  /// The most words a phrase has: a match never reads further into a text.
  std::size_t longest() const { return longest_; }
  /// Whether some phrase starts with `word` (in any ASCII case).
  bool starts_some(std::string_view word) const { return !starting_with(word).empty(); }
  /// The first phrase (in list order) that `words` starts with, or npos.
  std::size_t match_start(std::span<const std::string_view> words) const;
  /// The first phrase (in list order) that occurs anywhere in `words` as
  /// consecutive words, or npos.
  std::size_t find(std::span<const std::string_view> words) const;

 private:
  struct Slot {
    std::string_view word;         // a first word; empty = a free slot
    std::uint32_t begin = 0, end = 0;  // its phrases, in ids_
  };
  /// The phrases starting with `word`, in list order.
  std::span<const std::uint32_t> starting_with(std::string_view word) const;
  static std::uint64_t hash(std::string_view word);  // of the word in lower case
  static std::size_t length_bit(std::size_t size) { return size < 63 ? size : 63; }

  std::vector<std::vector<std::string>> phrases_;
  std::uint64_t lengths_by_first_[256] = {};  // bit length_bit(n): a first word of n bytes starts with this byte
  std::vector<Slot> slots_;                   // a power of two, at most half full
  std::vector<std::uint32_t> ids_;            // phrase indices grouped by first word
  std::size_t longest_ = 0;
};

/// One fee line describes several distinct tasks (block billing).
class BlockBillingRule : public LineRule {
 public:
  explicit BlockBillingRule(const Options& options);
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;

 private:
  const std::int64_t min_tasks_;
  const Decimal min_hours_;
};

/// A short fee narrative made of vague terms, or none at all. Checks a line
/// at a time, beside the other line rules that read its narrative (as an
/// invoice rule it read every line again from memory); only a line with no
/// narrative looks at its invoice's other lines, to learn whether the book
/// was exported with narratives.
class VagueDescriptionRule : public LineRule {
 public:
  explicit VagueDescriptionRule(const Options& options);
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;

 private:
  const PhraseMatcher vague_terms_;
  const std::int64_t max_words_;
};

/// Hours not in the minimum billing increment.
class IncrementRule : public LineRule {
 public:
  explicit IncrementRule(const Options& options);
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;

 private:
  const Decimal increment_;
};

/// The UTBMS codes a client's e-billing system reads from every line.
class CodeSets {
 public:
  enum class Kind { task, activity, expense };

  /// Reads a code set file: `name: ...` and `kind: task|activity|expense`
  /// lines, then one code a line (the code, then its name); `#` starts a comment.
  /// Throws std::invalid_argument naming the file and line of a problem, and
  /// for a file that is not a regular file (a FIFO would block, /dev/zero
  /// never end) or is over `max_bytes`, before reading it.
  void load(const std::filesystem::path& file, std::uintmax_t max_bytes = kDefaultMaxBytes);
  static constexpr std::uintmax_t kDefaultMaxBytes = std::uintmax_t{4} << 30;
  /// Every `*.txt` code set in `dir`, in name order.
  void load_directory(const std::filesystem::path& dir);
  /// A firm's own code, accepted in every field.
  void add_custom(std::string code);

  bool contains(Kind kind, std::string_view code) const;
  /// As above, with the hash the Text carries: a line's codes are looked up as read.
  bool contains(Kind kind, Text code) const { return known_[static_cast<std::size_t>(kind)].contains(code); }
  /// The sets of one kind, as a reader names them: `UTBMS Litigation (L110–L530)`.
  std::string describe(Kind kind) const;
  bool empty() const { return sets_.empty(); }

 private:
  struct Set {
    std::string name;
    Kind kind;
    std::map<std::string, std::string, std::less<>> codes;  // code -> name
  };
  /// Hashes a code as a Text's hash() does, so that a set of std::string is
  /// searched with a string_view, or with a Text without hashing it again.
  struct CodeHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view code) const { return static_cast<std::uint32_t>(text_hash(code)); }
    std::size_t operator()(Text code) const { return code.hash(); }
  };
  using CodeIndex = std::unordered_set<std::string, CodeHash, std::equal_to<>>;

  std::vector<Set> sets_;
  std::vector<std::string> custom_;
  CodeIndex known_[3];  // by Kind: every code contains() accepts, one hash look-up a line
};

/// A fee line without a UTBMS task or activity code, or with one no code set
/// has. Checks an invoice at a time: an invoice with no codes at all is not
/// billed under UTBMS, so its lines' missing codes are not reported.
class UtbmsCodesRule : public InvoiceRule {
 public:
  explicit UtbmsCodesRule(const Options& options);
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;

 private:
  /// Reports the code if it is missing or unknown; whether it passed.
  bool check_code(const InvoiceLine& line, Context& ctx, CodeSets::Kind kind, Text code,
                  bool codes_required) const;

  const CodeSets codes_;
  const bool require_codes_;
};

/// Clerical work billed by a lawyer.
class ClericalWorkRule : public LineRule {
 public:
  explicit ClericalWorkRule(const Options& options);
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;

 private:
  const PhraseMatcher keywords_;
  const std::vector<std::string> roles_;                  // lower case
};

/// A single line billing more hours than a day's work should.
class MaxLineHoursRule : public LineRule {
 public:
  explicit MaxLineHoursRule(const Options& options);
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;

 private:
  const Decimal max_hours_;
};

// Helpers shared by the rules above (text.cpp).

/// The words of `text` in lower case: runs of ASCII letters and digits, and of
/// any non-ASCII bytes, so that UTF-8 letters stay inside their words.
std::vector<std::string> words_of(std::string_view text);
/// How many words words_of would return, without building them; counting
/// stops at `limit` (a long narrative is not read to its end to learn it is long).
std::size_t count_words(std::string_view text, std::size_t limit = static_cast<std::size_t>(-1));
/// count_words(text, limit), in one pass that also puts the first words (as
/// views, in their own case) in `out`, as many as fit.
std::size_t words_into(std::string_view text, std::span<std::string_view> out, std::size_t limit);

/// Room on the stack for the first `N` words of a text, left uninitialized:
/// words_into writes only the ones it finds (zeroing an array of views first
/// was a third of guidelines.clerical-work's time).
template <std::size_t N>
class WordBuffer {
 public:
  std::span<std::string_view> all() { return {reinterpret_cast<std::string_view*>(bytes_), N}; }

 private:
  alignas(std::string_view) unsigned char bytes_[N * sizeof(std::string_view)];
};
/// Each phrase of `phrases` split into words.
std::vector<std::vector<std::string>> phrases_of(const std::vector<std::string>& phrases);
/// Words joined by single spaces.
std::string join_words(const std::vector<std::string>& words);

/// A fee line of an invoice that is not void: the lines these rules read.
inline bool is_billed_fee(const InvoiceLine& line, const Context& ctx) {
  return line.is_fee() && !ctx.invoice_of(line).is_void();
}

/// `Line 3`.
inline std::string line_text(const InvoiceLine& line) { return "Line " + std::to_string(line.line_no); }

/// `an associate`, `a partner`: the word with its indefinite article.
inline std::string with_article(std::string_view word) {
  const bool vowel = !word.empty() && std::string_view("aeiouAEIOU").find(word.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(word);
}

/// `Eleanor Ashford`, else the timekeeper's id, else empty.
inline std::string timekeeper_name(const InvoiceLine& line, const Book& book) {
  const Timekeeper* tk = book.timekeeper_of(line);
  if (tk && !tk->name.empty()) return tk->name;
  return line.timekeeper_id;
}

}  // namespace billcheck::guidelines
