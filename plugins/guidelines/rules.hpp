// The guidelines plugin's rules: what outside counsel billing guidelines ask of
// a fee narrative and its hours, as corporate clients enforce them on LEDES
// invoices: one task per entry, specific descriptions, the minimum increment,
// valid UTBMS codes, no clerical work at lawyers' rates, no marathon entries.
#pragma once

#include <billcheck/sdk.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck::guidelines {

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

/// A short fee narrative made of vague terms, or none at all. Checks an
/// invoice at a time: whether its other lines have narratives decides whether
/// a missing one is reported.
class VagueDescriptionRule : public InvoiceRule {
 public:
  explicit VagueDescriptionRule(const Options& options);
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;

 private:
  void check_line(const InvoiceLine& line, bool narratives_exported, Context& ctx) const;

  const std::vector<std::vector<std::string>> vague_terms_;  // each split into words
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
  void add_custom(std::string code) { custom_.push_back(std::move(code)); }

  bool contains(Kind kind, std::string_view code) const;
  /// The sets of one kind, as a reader names them: `UTBMS Litigation (L110–L530)`.
  std::string describe(Kind kind) const;
  bool empty() const { return sets_.empty(); }

 private:
  struct Set {
    std::string name;
    Kind kind;
    std::map<std::string, std::string, std::less<>> codes;  // code -> name
  };
  std::vector<Set> sets_;
  std::vector<std::string> custom_;
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
  void check_code(const InvoiceLine& line, Context& ctx, CodeSets::Kind kind, const std::string& code,
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
  const std::vector<std::vector<std::string>> keywords_;  // each split into words
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
/// How many words words_of would return, without building them.
std::size_t count_words(std::string_view text);
/// Each phrase of `phrases` split into words.
std::vector<std::vector<std::string>> phrases_of(const std::vector<std::string>& phrases);
/// The first phrase that occurs in `words` as consecutive whole words, or nullptr.
const std::vector<std::string>* find_phrase(const std::vector<std::string>& words,
                                            const std::vector<std::vector<std::string>>& phrases);
/// Words joined by single spaces.
std::string join_words(const std::vector<std::string>& words);

/// A fee line of an invoice that is not void: the lines these rules read.
inline bool is_billed_fee(const InvoiceLine& line, const Book& book) {
  return line.is_fee() && !book.invoice_of(line).is_void();
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
  const Timekeeper* tk = book.timekeeper(line.timekeeper_id);
  if (tk && !tk->name.empty()) return tk->name;
  return line.timekeeper_id;
}

}  // namespace billcheck::guidelines
