#include "rules.hpp"

#include <algorithm>

namespace billcheck::guidelines {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::vector<std::string> lower_all(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const auto& t : texts) out.push_back(lower(t));
  return out;
}

/// The first keyword some task of the narrative starts with: `Filing of
/// motion` is filing, `Post-closing filing instructions to client` is advice
/// about filing. Tasks are the parts between `;`, `,`, `/`, `&` and the word
/// `and` (`Draft motion and filing with court` has two); a task is matched only
/// as far as the longest keyword, and only when its first word starts one.
/// The words are found as words_into splits them (16 bytes at a time); the
/// separators are looked for only in the few bytes between two words.
std::size_t clerical_keyword(std::string_view description, const PhraseMatcher& keywords) {
  WordBuffer<32> buffer;
  const std::span<std::string_view> first_words = buffer.all();
  std::span<const std::string_view> words(first_words.data(),
                                          words_into(description, first_words, first_words.size() + 1));
  std::vector<std::string_view> all_words;  // a narrative of more words than the stack holds
  if (words.size() > first_words.size()) {
    all_words.resize(count_words(description));
    words_into(description, all_words, all_words.size());
    words = all_words;
  }
  const auto offset = [&](const char* p) { return static_cast<std::size_t>(p - description.data()); };
  // Whether a separator lies between word k - 1 and word k.
  const auto separated = [&](std::size_t k) {
    const std::size_t from = offset(words[k - 1].data() + words[k - 1].size()), to = offset(words[k].data());
    for (std::size_t i = from; i < to; ++i)
      if (const char c = description[i]; c == ';' || c == ',' || c == '/' || c == '&') return true;
    return false;
  };
  bool task_starts = true;  // the next word (other than `and`) is a task's first
  for (std::size_t k = 0; k < words.size(); ++k) {
    if (k > 0 && separated(k)) task_starts = true;
    if (same_word(words[k], "and")) {
      task_starts = true;
      continue;
    }
    if (!task_starts) continue;
    task_starts = false;
    if (!keywords.starts_some(words[k])) continue;  // no keyword starts this task
    std::size_t end = k + 1;                         // the task's words, as far as the longest keyword
    while (end < words.size() && end - k < keywords.longest() && !separated(end) && !same_word(words[end], "and"))
      ++end;
    if (const std::size_t found = keywords.match_start(words.subspan(k, end - k)); found != PhraseMatcher::npos)
      return found;
  }
  return PhraseMatcher::npos;
}

bool is_one_of(std::string_view role, const std::vector<std::string>& roles) {
  return std::any_of(roles.begin(), roles.end(), [&](const std::string& r) { return same_word(role, r); });
}

}  // namespace

ClericalWorkRule::ClericalWorkRule(const Options& options)
    : keywords_(phrases_of(options.strings("keywords"))), roles_(lower_all(options.strings("roles"))) {}

RuleInfo ClericalWorkRule::info() {
  RuleInfo info;
  info.id = "guidelines.clerical-work";
  info.reach = Reach::client;
  info.title = "Clerical work billed at a lawyer's rate";
  info.category = "guidelines";
  info.severity = Severity::warning;
  info.description =
      "Filing, copying, scanning, scheduling and the like are overhead: billing guidelines do not pay for them, "
      "and certainly not at a lawyer's rate. A fee line by a timekeeper whose role is one of roles (as "
      "timekeepers.csv or the LEDES classification gives it) with a task that starts with one of keywords is "
      "reported: the description, or a part of it after ';', ',', '/', '&' or 'and', begins with the keyword's "
      "words, ignoring case (\"Filing of motion\" and \"Draft motion and scanning exhibits\" are clerical; "
      "\"Post-closing filing instructions to client\" is advice). The amount at stake is the line's amount. Lines of "
      "timekeepers not in the book, expense and adjustment lines and void invoices are not checked.";
  info.options = {
      {"keywords", OptionType::string_list,
       "[filing, photocopying, copying, scanning, scheduling, calendaring, collating, bates stamping, bates "
       "numbering, data entry, organizing files, organize files, faxing, printing]",
       "Words and phrases that mark a task starting with them as clerical."},
      {"roles", OptionType::string_list, "[partner, associate]",
       "Timekeeper roles (compared ignoring case) whose clerical work is reported."}};
  return info;
}

void ClericalWorkRule::check(const InvoiceLine& line, Context& ctx) const {
  if (!is_billed_fee(line, ctx)) return;
  // The narrative first: most have no clerical task, and then the timekeeper need not be looked up.
  const std::size_t found = clerical_keyword(line.description, keywords_);
  if (found == PhraseMatcher::npos) return;
  const Timekeeper* tk = ctx.book().timekeeper_of(line);
  if (!tk) return;
  if (!is_one_of(tk->role, roles_)) return;
  const std::vector<std::string>* keyword = &keywords_.phrase(found);
  const std::string role = lower(tk->role);

  const Text currency = ctx.invoice_of(line).currency;
  const std::string who = (tk->name.empty() ? tk->id : tk->name) + " (" + tk->role + ")";
  ctx.report(line, line_text(line) + " bills " + who + " for " + format_hours(line.quantity) + " of clerical work (\"" +
                       line.description + "\"): " + join_words(*keyword) +
                       " is overhead, not billable at a lawyer's rate; write it off or have staff do it.")
      .at_stake(line.amount)
      .evidence_of("expected", "no clerical work billed by " + with_article(role))
      .evidence_of("actual", line.description)
      .evidence_of("keyword", join_words(*keyword))
      .evidence_of("role", tk->role)
      .evidence_of("amount", format_amount(line.amount, currency));
}

}  // namespace billcheck::guidelines
