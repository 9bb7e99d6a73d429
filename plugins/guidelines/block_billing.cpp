#include "rules.hpp"

#include <algorithm>
#include <stdexcept>

namespace billcheck::guidelines {
namespace {

std::int64_t min_tasks_of(const Options& options) {
  const std::int64_t n = options.integer("min_tasks");
  if (n < 2)
    throw std::invalid_argument("option 'min_tasks' must be at least 2 (it is " + std::to_string(n) +
                                "): one task per line is what guidelines ask for");
  return n;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

/// Whether `text` has at least `n` `;`s: memchr finds them, and stops at the n-th.
bool has_separators(std::string_view text, std::int64_t n) {
  for (std::size_t at = 0; n > 0; --n, ++at)
    if ((at = text.find(';', at)) == std::string_view::npos) return false;
  return true;
}

/// The distinct task phrases of a narrative: its `;`-separated parts that have
/// words, compared ignoring case and punctuation, in the order written.
std::vector<std::string> tasks_of(std::string_view description) {
  std::vector<std::string> tasks, seen;
  std::size_t start = 0;
  while (start <= description.size()) {
    std::size_t end = description.find(';', start);
    if (end == std::string_view::npos) end = description.size();
    const std::string_view part = trimmed(description.substr(start, end - start));
    const std::string key = join_words(words_of(part));
    if (!key.empty() && std::find(seen.begin(), seen.end(), key) == seen.end()) {
      seen.push_back(key);
      tasks.emplace_back(part);
    }
    start = end + 1;
  }
  return tasks;
}

}  // namespace

BlockBillingRule::BlockBillingRule(const Options& options)
    : min_tasks_(min_tasks_of(options)), min_hours_(options.non_negative_decimal("min_hours")) {}

RuleInfo BlockBillingRule::info() {
  RuleInfo info;
  info.id = "guidelines.block-billing";
  info.reach = Reach::client;
  info.title = "Several tasks billed as one entry (block billing)";
  info.category = "guidelines";
  info.severity = Severity::warning;
  info.description =
      "Billing guidelines ask for one task per time entry, so that the client can see how long each took. A fee "
      "line whose description lists min_tasks or more distinct tasks separated by ';' (\"Draft motion; call with "
      "client; revise brief\") is block-billed, and clients routinely cut such entries. Only lines billing more "
      "than min_hours are reported. Expense and adjustment lines and void invoices are not checked.";
  info.options = {
      {"min_tasks", OptionType::integer, "3",
       "A line listing at least this many distinct tasks, separated by ';', is block-billed (at least 2)."},
      {"min_hours", OptionType::decimal, "0", "Only lines billing more hours than this are reported."}};
  return info;
}

void BlockBillingRule::check(const InvoiceLine& line, Context& ctx) const {
  // Fewer separators than min_tasks − 1 cannot make enough tasks: skip the split. The line's own
  // fields are read before its invoice's.
  if (!line.is_fee() || line.quantity <= min_hours_ || !has_separators(line.description, min_tasks_ - 1)) return;
  if (!is_billed_fee(line, ctx)) return;
  const std::vector<std::string> tasks = tasks_of(line.description);
  if (static_cast<std::int64_t>(tasks.size()) < min_tasks_) return;

  std::string list;
  for (const auto& t : tasks) list += (list.empty() ? "" : "; ") + t;
  ctx.report(line, line_text(line) + " bills " + format_hours(line.quantity) + " for " + std::to_string(tasks.size()) +
                       " tasks in one entry (" + list +
                       "), so nobody can tell how long each took; bill each task on its own line.")
      .evidence_of("expected", "fewer than " + std::to_string(min_tasks_) + " tasks per line")
      .evidence_of("actual", std::to_string(tasks.size()) + " tasks")
      .evidence_of("hours", line.quantity.to_string());
}

}  // namespace billcheck::guidelines
