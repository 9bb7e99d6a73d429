#include "rules.hpp"

#include <boost/container/small_vector.hpp>

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
/// `and` (`Draft motion and filing with court` has two); they are matched as
/// they are read, as views into the text, and only as far as the longest
/// keyword: a task whose first word starts no keyword is not kept at all.
std::size_t clerical_keyword(std::string_view description, const PhraseMatcher& keywords) {
  boost::container::small_vector<std::string_view, 16> task;
  bool hopeless = false;  // the task's first word starts no keyword
  std::size_t found = PhraseMatcher::npos;
  auto end_task = [&] {
    if (found == PhraseMatcher::npos && !task.empty()) found = keywords.match_start({task.data(), task.size()});
    task.clear();
    hopeless = false;
  };
  for_each_word(
      description,
      [&](std::string_view word) {
        if (same_word(word, "and")) {
          end_task();
        } else if (task.empty() && !hopeless) {
          if (keywords.starts_some(word)) task.push_back(word);
          else hopeless = true;
        } else if (!task.empty() && task.size() < keywords.longest()) {
          task.push_back(word);
        }
      },
      [&](char c) {
        if (c == ';' || c == ',' || c == '/' || c == '&') end_task();
      });
  end_task();
  return found;
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
