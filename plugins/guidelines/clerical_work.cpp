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

/// The tasks of a narrative, each as its words: the parts between `;`, `,`,
/// `/` and the word `and` (`Draft motion and filing with court` has two).
std::vector<std::vector<std::string>> tasks_of(std::string_view description) {
  std::vector<std::vector<std::string>> tasks(1);
  std::size_t start = 0;
  auto flush = [&](std::size_t end) {
    for (std::string& word : words_of(description.substr(start, end - start))) {
      if (word == "and") {
        if (!tasks.back().empty()) tasks.emplace_back();
        continue;
      }
      tasks.back().push_back(std::move(word));
    }
    if (!tasks.back().empty()) tasks.emplace_back();
    start = end + 1;
  };
  for (std::size_t i = 0; i < description.size(); ++i)
    if (description[i] == ';' || description[i] == ',' || description[i] == '/' || description[i] == '&') flush(i);
  flush(description.size());
  tasks.pop_back();  // always empty
  return tasks;
}

/// The first keyword some task starts with: `Filing of motion` is filing,
/// `Post-closing filing instructions to client` is advice about filing.
const std::vector<std::string>* clerical_keyword(std::string_view description,
                                                 const std::vector<std::vector<std::string>>& keywords) {
  for (const auto& task : tasks_of(description))
    for (const auto& keyword : keywords)
      if (task.size() >= keyword.size() && std::equal(keyword.begin(), keyword.end(), task.begin())) return &keyword;
  return nullptr;
}

}  // namespace

ClericalWorkRule::ClericalWorkRule(const Options& options)
    : keywords_(phrases_of(options.strings("keywords"))), roles_(lower_all(options.strings("roles"))) {}

RuleInfo ClericalWorkRule::info() {
  RuleInfo info;
  info.id = "guidelines.clerical-work";
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
  if (!is_billed_fee(line, ctx.book())) return;
  const Timekeeper* tk = ctx.book().timekeeper(line.timekeeper_id);
  if (!tk) return;
  const std::string role = lower(tk->role);
  if (std::find(roles_.begin(), roles_.end(), role) == roles_.end()) return;
  // Most narratives contain no keyword at all: find that out before splitting them into tasks.
  const std::string lowered = lower(line.description);
  const bool candidate = std::any_of(keywords_.begin(), keywords_.end(), [&](const std::vector<std::string>& k) {
    return lowered.find(k.front()) != std::string::npos;
  });
  if (!candidate) return;
  const std::vector<std::string>* keyword = clerical_keyword(line.description, keywords_);
  if (!keyword) return;

  const std::string& currency = ctx.book().invoice_of(line).currency;
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
