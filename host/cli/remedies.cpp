// billcheck explain, letter and fix: what the firm does once an error is found.
#include "cli.hpp"

#include <billcheck/convert.hpp>
#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/output.hpp>
#include <billcheck/remedies.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>

namespace billcheck::cli {
namespace {

std::optional<Date> today_of(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto date = Date::parse_iso(text);
  if (!date) throw std::runtime_error("--today '" + text + "' is not a date (YYYY-MM-DD)");
  return date;
}

struct ExplainArgs {
  std::string path, invoice, format = "text", output, templates;
  std::optional<std::int64_t> line;
  LoadOptions load;
};

// How a charge was worked out, for a client who questions it.
int run_explain(const ExplainArgs& args, const CommonOptions& common) {
  Config config = config_for(args.path, common);
  const LoadOptions load = load_options(args.load, config);
  refuse_output_over_inputs(args.output, args.path, load, config);
  RulesInProcess rules;
  Engine engine(std::move(config));
  Book book = load_book(args.path, load);
  ExplainRequest request;
  request.invoice = args.invoice;
  request.line = args.line;
  request.templates = args.templates;
  const std::string text = explain(engine, book, request, *parse_document_format(args.format));
  rules.end();
  write_to(args.output, [&](std::ostream& out) { out << text; }, common.force);
  return kClean;
}

struct LetterArgs {
  std::string path, client, format = "text", output, templates, today;
  std::vector<std::string> invoices;
  LoadOptions load;
};

// The letter to a client about the errors on their invoices and what was done.
int run_letter(const LetterArgs& args, const CommonOptions& common) {
  Config config = config_for(args.path, common);
  const LoadOptions load = load_options(args.load, config);
  refuse_output_over_inputs(args.output, args.path, load, config);
  RulesInProcess rules;
  Engine engine(std::move(config));
  Book book = load_book(args.path, load);
  LetterRequest request;
  request.client = args.client;
  request.invoices = args.invoices;
  request.templates = args.templates;
  request.date = today_of(args.today);
  const std::string text = letter(engine, book, request, *parse_document_format(args.format));
  rules.end();
  write_to(args.output, [&](std::ostream& out) { out << text; }, common.force);
  return kClean;
}

struct FixArgs {
  std::string path, out, to, format = "text", today;
  bool force = false;
  FixOptions fix;
  LoadOptions load;
};

std::string file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw std::runtime_error(file.string() + ": cannot read the config to copy it beside the fixed book");
  return bytes.str();
}

// The config goes with a corrected CSV folder, so that `billcheck check OUT`
// and `letter OUT` run the same rules. Not when it names folders relative to
// itself (they would not be found from OUT), and never beside a JSON or LEDES
// file: a billcheck.yaml there would be every other book's in that folder too.
std::map<std::string, std::string> config_to_copy(const Config& config, BookForm form, const std::string& out,
                                                  std::vector<std::string>& notes) {
  std::map<std::string, std::string> also;
  if (config.file.empty()) return also;
  const std::string use = "; check it with -c " + config.file.string();
  if (form != BookForm::csv) {
    const Config beside = find_config(out, "");
    if (beside.file.empty())
      notes.push_back(out + " has no billcheck.yaml beside it, so it is checked with every rule at its defaults, not "
                      "with " + config.file.string() + use);
    else if (file_bytes(beside.file) != file_bytes(config.file))
      notes.push_back(out + " is checked with the billcheck.yaml beside it, which is not " + config.file.string() + use);
  } else if (!config.relative_paths.empty()) {
    std::string keys;
    for (const std::string& k : config.relative_paths) keys += (keys.empty() ? "" : ", ") + k;
    notes.push_back(out + " has no billcheck.yaml: " + config.file.string() + " names folders relative to itself (" +
                    keys + ")" + use);
  } else {
    also.emplace("billcheck.yaml", file_bytes(config.file));
  }
  return also;
}

// A corrected copy of the book; the summary on stdout says what changed and what is left.
int run_fix(const FixArgs& args, const CommonOptions& common) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(args.out, ec) && fs::equivalent(args.path, args.out, ec))
    throw std::runtime_error(args.out + ": is the book itself; fix never changes its input, give a new OUT");
  // Absolute first: weakly_canonical leaves a relative path that does not exist yet (OUT) relative.
  const fs::path book = fs::weakly_canonical(fs::absolute(args.path, ec), ec),
                 out = fs::weakly_canonical(fs::absolute(args.out, ec), ec);
  if (fs::is_directory(book, ec) && out.lexically_relative(book).native().rfind("..", 0) != 0)
    throw std::runtime_error(args.out + ": is inside the book's folder; fix never changes its input, give an OUT outside it");
  // Replacing OUT (--force) must not take an input with it.
  const Config config = config_for(args.path, common);
  for (const fs::path& input : {fs::path(args.path), fs::path(args.load.reference), config.file}) {
    if (input.empty()) continue;
    const fs::path in = fs::weakly_canonical(fs::absolute(input, ec), ec);
    if (in.lexically_relative(out).native().rfind("..", 0) != 0)
      throw std::runtime_error(args.out + ": holds " + input.string() +
                               ", which fix reads; fix never changes its input, give an OUT that holds none of them");
  }
  const BookForm form = args.to.empty()   ? book_form_of(args.path)
                        : args.to == "csv"  ? BookForm::csv
                        : args.to == "json" ? BookForm::json
                                            : BookForm::ledes;
  CheckOptions options;
  options.today = today_of(args.today);
  std::vector<std::string> notes;
  const auto also = config_to_copy(config, form, args.out, notes);
  RulesInProcess rules;
  Engine engine(config);
  FixResult result = fix_book(engine, read_book(args.path, load_options(args.load, config)), options, args.fix);
  rules.end();
  for (const auto& note : write_book(result.book, args.out, form, args.force, also)) notes.push_back(note);
  for (const auto& note : notes) std::cerr << "billcheck: note: " << note << '\n';
  const std::string summary =
      fix_summary(result.summary, args.format == "json" ? DocumentFormat::json : DocumentFormat::text);
  write_standard_output([&](std::ostream& out) { out << summary; });
  return kClean;
}

}  // namespace

void add_remedy_commands(CLI::App& app, CommonOptions& common, Commands& commands) {
  auto explain_args = std::make_shared<ExplainArgs>();
  ExplainArgs& ex = *explain_args;
  auto* cmd = app.add_subcommand("explain", "Explain how an invoice or line was worked out, with the records behind it");
  cmd->add_option("book", ex.path, "A CSV directory, a .json file, or a LEDES 1998B file (with --with)")->required();
  cmd->add_option("--invoice", ex.invoice, "The invoice the client questions")->required();
  cmd->add_option("--line", ex.line, "Only this line of the invoice (its line_no)");
  cmd->add_option("-f,--format", ex.format, "text, md (Markdown), html (printable, self-contained) or json")
      ->check(CLI::IsMember({"text", "md", "html", "json"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", ex.output, "Write to FILE instead of stdout (replaced only when complete)");
  cmd->add_option("--templates", ex.templates, "A folder of your own templates (a copy of share/billcheck/templates; default: letters.templates)");
  cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml beside the book)");
  cmd->add_option("--with", ex.load.reference, "Add this CSV book's reference records (e.g. to a LEDES file)");
  commands.push_back({cmd, [explain_args, &common] { return run_explain(*explain_args, common); }});

  auto letter_args = std::make_shared<LetterArgs>();
  LetterArgs& lt = *letter_args;
  cmd = app.add_subcommand("letter",
                           "Write the letter to a client about the errors on their invoices and what was done about them");
  cmd->add_option("book", lt.path, "A CSV directory, a .json file, or a LEDES 1998B file (with --with)")->required();
  cmd->add_option("--client", lt.client, "The client the letter is to (its client_id)")->required();
  cmd->add_option("--invoice", lt.invoices, "Only this invoice of the client (repeat for more; default: all sent ones)");
  cmd->add_option("-f,--format", lt.format, "text, md (Markdown) or html (printable, self-contained)")
      ->check(CLI::IsMember({"text", "md", "html"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", lt.output, "Write to FILE instead of stdout (replaced only when complete)");
  cmd->add_option("--today", lt.today, "The letter's date (YYYY-MM-DD; default: today)");
  cmd->add_option("--templates", lt.templates, "A folder of your own templates (a copy of share/billcheck/templates; default: letters.templates)");
  cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml beside the book)");
  cmd->add_option("--with", lt.load.reference, "Add this CSV book's reference records (e.g. to a LEDES file)");
  commands.push_back({cmd, [letter_args, &common] { return run_letter(*letter_args, common); }});

  auto fix_args = std::make_shared<FixArgs>();
  FixArgs& fx = *fix_args;
  cmd = app.add_subcommand(
      "fix", "Write a corrected copy of the book: drafts fixed and recomputed, credit notes for issued invoices");
  cmd->add_option("book", fx.path, "A CSV directory, a .json file, or a LEDES 1998B file")->required();
  cmd->add_option("--out", fx.out, "Where to write the corrected book; must not exist or be an empty folder")
      ->required();
  cmd->add_option("--to", fx.to, "Write it as csv (a folder), json or ledes (default: the input's form)")
      ->check(CLI::IsMember({"csv", "json", "ledes"}));
  cmd->add_flag("--force", fx.force, "Replace OUT if it exists (a folder only when it holds nothing but a book's .csv files and billcheck.yaml)");
  cmd->add_flag("--reissue", fx.fix.reissue,
                "Credit an issued invoice with an overcharge in full and write a corrected replacement invoice "
                "(remedies.reissue_id) instead of a credit note per error");
  cmd->add_option("--today", fx.today, "The date of the credit notes written (YYYY-MM-DD; default: today)");
  cmd->add_option("-f,--format", fx.format, "The fix summary on stdout: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml beside the book)");
  cmd->add_option("--with", fx.load.reference, "Add this CSV book's reference records (e.g. to a LEDES file)");
  commands.push_back({cmd, [fix_args, &common] { return run_fix(*fix_args, common); }});
}

}  // namespace billcheck::cli
