#include "rules.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

#include <algorithm>
#include <array>

namespace billcheck::guidelines {
namespace {

using Kind = CodeSets::Kind;

/// Where the shipped code sets are installed: guidelines/ beside this plugin's library.
std::filesystem::path shipped_code_sets() { return boost::dll::this_line_location().parent_path() / "guidelines"; }

CodeSets code_sets_of(const Options& options) {
  CodeSets codes;
  const std::string& data_dir = options.string("data_dir");
  codes.load_directory(data_dir.empty() ? shipped_code_sets() : std::filesystem::path(data_dir));
  const auto max_bytes = static_cast<std::uintmax_t>(options.non_negative_integer("code_set_max_bytes"));
  for (const std::string& file : options.strings("code_sets")) codes.load(file, max_bytes);
  for (const std::string& code : options.strings("custom_codes")) codes.add_custom(code);
  return codes;
}

struct CodeField {
  const char* field;  // the book's column
  const char* what;   // as a sentence names it
};

CodeField field_of(Kind kind) {
  switch (kind) {
    case Kind::task: return {"task_code", "task code"};
    case Kind::activity: return {"activity_code", "activity code"};
    case Kind::expense: return {"expense_code", "expense code"};
  }
  return {"task_code", "task code"};
}

}  // namespace

UtbmsCodesRule::UtbmsCodesRule(const Options& options)
    : codes_(code_sets_of(options)), require_codes_(options.boolean("require_codes")) {}

RuleInfo UtbmsCodesRule::info() {
  RuleInfo info;
  info.id = "guidelines.utbms-codes";
  info.reach = Reach::client;
  info.title = "Missing or unknown UTBMS code";
  info.category = "guidelines";
  info.severity = Severity::error;
  info.description =
      "Clients' e-billing systems read the UTBMS codes of every line and reject invoices whose codes they do not "
      "know. A fee line needs a task code and an activity code, an expense line an expense code, each from the "
      "code sets: the published UTBMS litigation task codes (L110–L530), counseling task codes (C100–C400), "
      "activity codes (A101–A111) and expense codes (E101–E124), which ship with the plugin as data files, plus "
      "any code_sets files and custom_codes the firm adds. Each missing or unknown code is its own finding. "
      "Missing codes are reported only on invoices that use codes (one of whose lines has a task, activity or "
      "expense code): an invoice without any is not billed under UTBMS. Adjustment lines and void invoices are "
      "not checked.";
  info.options = {
      {"custom_codes", OptionType::string_list, "[]",
       "The firm's or client's own codes, accepted as task, activity and expense codes (e.g. [X100, X200])."},
      {"code_sets", OptionType::string_list, "[]",
       "More code set files (paths, relative to the working directory): lines `name: ...`, `kind: task` (or "
       "activity, expense), then one code a line followed by its name."},
      {"code_set_max_bytes", OptionType::integer, "4294967296",
       "The largest code_sets file read, in bytes; a larger one (or a pipe or device) is refused unread."},
      {"require_codes", OptionType::boolean, "true",
       "Whether a line without a code is reported (on invoices that use codes); false = only codes that are given "
       "are checked."},
      {"data_dir", OptionType::string, "",
       "The folder of the shipped code sets; empty = guidelines/ beside the plugin."}};
  return info;
}

void UtbmsCodesRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void()) return;
  const auto lines = ctx.book().lines_of(invoice);
  const bool uses_codes = std::any_of(lines.begin(), lines.end(), [](const InvoiceLine& l) {
    return !l.task_code.empty() || !l.activity_code.empty() || !l.expense_code.empty();
  });
  const bool codes_required = require_codes_ && uses_codes;
  // An invoice's lines repeat their codes: the last code of each kind found in
  // the sets is not looked up again (a Text compares by address first).
  std::array<Text, 3> known;
  const auto check = [&](const InvoiceLine& line, Kind kind, Text code) {
    Text& last = known[static_cast<std::size_t>(kind)];
    if (!code.empty() && code == last) return;
    if (check_code(line, ctx, kind, code, codes_required) && !code.empty()) last = code;
  };
  for (const InvoiceLine& line : lines) {
    if (line.is_fee()) {
      check(line, Kind::task, line.task_code);
      check(line, Kind::activity, line.activity_code);
    } else if (line.is_expense()) {
      check(line, Kind::expense, line.expense_code);
    }
  }
}

bool UtbmsCodesRule::check_code(const InvoiceLine& line, Context& ctx, Kind kind, Text code,
                                bool codes_required) const {
  if (code.empty() ? !codes_required : codes_.contains(kind, code)) return true;
  const CodeField f = field_of(kind);
  const std::string kind_of_line = line.is_fee() ? "a fee" : "an expense";
  if (code.empty()) {
    ctx.report(line, line_text(line) + " is " + kind_of_line + " line without " + with_article(f.what) +
                         "; the client's e-billing system needs one from " + codes_.describe(kind) + ".")
        .key(f.field)
        .evidence_of("field", f.field)
        .evidence_of("expected", with_article(f.what) + " from " + codes_.describe(kind))
        .evidence_of("actual", "none");
    return false;
  }
  ctx.report(line, line_text(line) + " has " + f.what + " " + code + ", which is not in " + codes_.describe(kind) +
                       "; the client's e-billing system will reject it.")
      .key(f.field)
      .evidence_of("field", f.field)
      .evidence_of("expected", with_article(f.what) + " from " + codes_.describe(kind))
      .evidence_of("actual", code);
  return false;
}

}  // namespace billcheck::guidelines
