#include "rules.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace billcheck::credit {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// Names match whatever their case and surrounding spaces: `j. smith ` is `J. Smith`.
bool same_name(std::string_view a, std::string_view b) {
  a = trimmed(a);
  b = trimmed(b);
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::vector<std::string> approvers_of(const Options& options) {
  std::vector<std::string> approvers = options.strings("approvers");
  if (approvers.empty() && !options.decimal("approval_threshold").is_zero())
    throw std::invalid_argument(
        "credit.note-unapproved: option 'approval_threshold' is set but 'approvers' is empty; name who may approve "
        "credit notes above the threshold, e.g. approvers: [Managing Partner]");
  return approvers;
}

std::string list_text(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return text;
}

}  // namespace

NoteUnapprovedRule::NoteUnapprovedRule(const Options& options)
    : threshold_(options.non_negative_decimal("approval_threshold")), approvers_(approvers_of(options)) {}

RuleInfo NoteUnapprovedRule::info() {
  RuleInfo info;
  info.id = "credit.note-unapproved";
  info.reach = Reach::firm;
  info.title = "Credit note without a proper approval";
  info.category = "credit";
  info.severity = Severity::error;
  info.description =
      "Every credit note must name who approved it (approved_by). Where the firm lists its approvers, a credit "
      "note above the approval threshold must be approved by one of them (names compare ignoring case). The "
      "amount at stake is the amount credited, negative: the client pays that much less.";
  info.options = {
      {"approval_threshold", OptionType::decimal, "0",
       "Credit notes above this amount, in the note's currency, need one of 'approvers'; 0 = every note does."},
      {"approvers", OptionType::string_list, "[]",
       "Who may approve credit notes above the threshold; empty = anyone may (only a missing approver is reported)."}};
  return info;
}

bool NoteUnapprovedRule::may_approve(std::string_view name) const {
  return std::any_of(approvers_.begin(), approvers_.end(), [&](const std::string& a) { return same_name(a, name); });
}

void NoteUnapprovedRule::check(const CreditNote& note, Context& ctx) const {
  const std::string_view approver = trimmed(note.approved_by);
  const bool needs_named = !approvers_.empty() && note.amount > threshold_;
  if (!approver.empty() && (!needs_named || may_approve(approver))) return;

  const std::string currency = note_currency(ctx.book(), note);
  const std::string expected = needs_named ? list_text(approvers_) : "an approver";
  std::string message = "Credit note " + note.id;
  message += approver.empty() ? " has no approver"
                              : " was approved by " + std::string(approver) + ", who is not among the approvers";
  message += " (" + money(note.amount, currency) + " credited";
  if (!note.invoice_id.empty()) message += " on invoice " + note.invoice_id;
  message += ")";
  if (needs_named) {
    message += "; credit notes";
    if (!threshold_.is_zero()) message += " above " + money(threshold_, currency);
    message += " must be approved by " + expected;
  }

  Finding& finding = ctx.report(note, message + ".");
  finding.at_stake(-note.amount)
      .evidence_of("expected", expected)
      .evidence_of("actual", approver.empty() ? std::string("none") : std::string(approver))
      .evidence_of("amount", note.amount);
  if (needs_named && !threshold_.is_zero()) finding.evidence_of("approval_threshold", threshold_);
}

}  // namespace billcheck::credit
