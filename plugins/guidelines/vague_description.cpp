#include "rules.hpp"

#include <algorithm>

namespace billcheck::guidelines {

VagueDescriptionRule::VagueDescriptionRule(const Options& options)
    : vague_terms_(phrases_of(options.strings("vague_terms"))), max_words_(options.non_negative_integer("max_words")) {}

RuleInfo VagueDescriptionRule::info() {
  RuleInfo info;
  info.id = "guidelines.vague-description";
  info.reach = Reach::client;
  info.title = "Fee narrative too vague to judge the time";
  info.category = "guidelines";
  info.severity = Severity::warning;
  info.description =
      "A fee line's description must say what was done, for whom and why, or the client cannot judge the time. "
      "A narrative of at most max_words words that contains one of vague_terms (\"attention to file\", \"work on "
      "matter\", \"review documents\") says too little, and so does a fee line with no description at all. Terms "
      "match whole words, ignoring case and punctuation: \"Review documents.\" matches, \"Review documents produced "
      "by Acme in response to our second requests\" is long enough to pass. A missing description is reported "
      "only on invoices whose other fee lines have one (a book exported without narratives is not checked for "
      "them). Expense and adjustment lines and void invoices are not checked.";
  info.options = {
      {"vague_terms", OptionType::string_list,
       "[attention to file, attention to matter, work on matter, work on file, work on case, review documents, "
       "review of documents, review file, review of file, file review, review correspondence, trial preparation, "
       "case management, legal research, research issues, follow up, various matters, miscellaneous]",
       "Phrases that say nothing about the work on their own."},
      {"max_words", OptionType::integer, "6",
       "A narrative with a vague term and at most this many words is reported; longer ones are taken to say more."}};
  return info;
}

namespace {

/// Per invoice (in book.invoices() order): whether some fee line of it has a
/// narrative. Made once per book, and only when a fee line without one asks
/// (a book exported without narratives would otherwise read each invoice's
/// lines once for each of its lines).
const std::vector<bool>& with_narratives(const Book& book) {
  return book.derived<std::vector<bool>>("guidelines.invoices-with-narratives", [](const Book& b) {
    std::vector<bool> has(b.invoices().size(), false);
    for (std::size_t i = 0; i < has.size(); ++i) {
      const auto lines = b.lines_of(b.invoices()[i]);
      has[i] = std::any_of(lines.begin(), lines.end(),
                           [](const InvoiceLine& l) { return l.is_fee() && count_words(l.description, 1) > 0; });
    }
    return has;
  });
}

}  // namespace

void VagueDescriptionRule::check(const InvoiceLine& line, Context& ctx) const {
  if (!is_billed_fee(line, ctx)) return;
  // The words as views, on the stack for the usual few; past max_words the count does not matter: stop there.
  WordBuffer<16> buffer;
  const std::span<std::string_view> first_words = buffer.all();
  const std::size_t word_count = words_into(line.description, first_words, static_cast<std::size_t>(max_words_) + 1);
  if (word_count == 0) {
    // Reported only where the invoice's other fee lines have narratives.
    const Book& book = ctx.book();
    if (!with_narratives(book)[static_cast<std::size_t>(&ctx.invoice_of(line) - book.invoices().data())]) return;
    ctx.report(line, line_text(line) + " bills " + format_hours(line.quantity) +
                         " with no description; say what was done so the client can judge the time.")
        .key("no-description")
        .evidence_of("expected", "a description of the work")
        .evidence_of("actual", "none");
    return;
  }
  if (static_cast<std::int64_t>(word_count) > max_words_) return;
  std::span<const std::string_view> words(first_words.data(), std::min(word_count, first_words.size()));
  std::vector<std::string_view> all_words;  // a long narrative that a large max_words lets through
  if (word_count > first_words.size()) {
    all_words.resize(word_count);
    words_into(line.description, all_words, word_count);
    words = all_words;
  }
  const std::size_t found = vague_terms_.find(words);
  if (found == PhraseMatcher::npos) return;
  const std::vector<std::string>* term = &vague_terms_.phrase(found);
  ctx.report(line, line_text(line) + " bills " + format_hours(line.quantity) + " as \"" + line.description +
                       "\", which says too little for the client to judge the time (\"" + join_words(*term) +
                       "\" is a vague term); describe the task, its subject and its purpose.")
      .key("vague")
      .evidence_of("expected", "a specific description (more than " + std::to_string(max_words_) +
                                   " words, or no vague term)")
      .evidence_of("actual", line.description)
      .evidence_of("vague_term", join_words(*term))
      .evidence_of("words", std::to_string(word_count));
}

}  // namespace billcheck::guidelines
