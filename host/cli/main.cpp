// billcheck: the command-line front end over the engine library.
#include <billcheck/convert.hpp>
#include <billcheck/engine.hpp>
#include <billcheck/fixtures.hpp>
#include <billcheck/load.hpp>
#include <billcheck/output.hpp>
#include <billcheck/packs.hpp>
#include <billcheck/remedies.hpp>
#include <billcheck/report.hpp>
#include <billcheck/version.hpp>

#include "config/suggest.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <functional>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;
using namespace billcheck;

namespace {

// Exit statuses: the contract every caller (CI jobs, accounting packages) relies on.
constexpr int kClean = 0;
constexpr int kFindings = 1;
constexpr int kBadInput = 2;

struct CommonOptions {
  std::string config;
  int verbose = 0;
  bool quiet = false;
};

struct CheckArgs {
  std::string path;
  std::string format = "text";
  std::string output;
  std::string fail_on = "error";
  std::string color = "auto";
  std::string invoice;
  unsigned jobs = 0;
  bool stats = false;
  bool allow_refused_plugins = false;
  LoadOptions load;
};

// A systematic mistake can make every row of a large file wrong: the first
// screenfuls say what to fix, -v lists them all.
void print_errors(const std::vector<std::string>& messages, std::string_view closing, bool all) {
  constexpr std::size_t kShown = 100;
  const std::size_t shown = all ? messages.size() : std::min(messages.size(), kShown);
  for (std::size_t i = 0; i < shown; ++i) std::cerr << messages[i] << '\n';
  if (shown < messages.size())
    std::cerr << "billcheck: … and " << messages.size() - shown << " more problems (-v lists every one)\n";
  std::cerr << "billcheck: " << closing << '\n';
}

Engine make_engine(const Config& config) { return Engine(config); }

Config config_for(const std::string& book_path, const CommonOptions& common) {
  return find_config(book_path, common.config);
}

bool stderr_is_terminal(const CommonOptions& common) { return !common.quiet && isatty(STDERR_FILENO); }

Book load_with_progress(const CheckArgs& args, bool progress) {
  if (progress) std::cerr << "billcheck: loading " << args.path << "…" << std::flush;
  try {
    Book book = load_book(args.path, args.load);
    if (progress) std::cerr << "\r\033[K";
    return book;
  } catch (...) {
    if (progress) std::cerr << "\r\033[K";
    throw;
  }
}

void print_stats(const Report& report) {
  std::cerr << "rule                                      time (ms)   findings\n";
  for (const auto& s : report.stats) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%-40s %10.3f %10zu\n", s.rule.c_str(),
                  std::chrono::duration<double, std::milli>(s.time).count(), s.findings);
    std::cerr << buf;
  }
}

// Standard output unless `path` is given; either way every write is checked.
void write_to(const std::string& path, const std::function<void(std::ostream&)>& write) {
  if (path.empty())
    write_standard_output(write);
  else
    write_output(path, write);
}

void write_report(const CheckArgs& args, const Report& report, const Book& book) {
  if (args.format == "json") {
    write_to(args.output, [&](std::ostream& out) { write_json(out, report); });
    return;
  }
  bool color = args.color == "always" || (args.color == "auto" && args.output.empty() && isatty(STDOUT_FILENO));
  if (std::getenv("NO_COLOR") && *std::getenv("NO_COLOR")) color = false;
  write_to(args.output, [&](std::ostream& out) { write_text(out, report, book, TextStyle{color}); });
}

// The exit status once the report is written: a failed rule or a refused
// plugin means the book was not fully checked, whatever the findings.
int check_status(const CheckArgs& args, const Report& report) {
  if (report.has_internal_errors()) {
    std::cerr << "billcheck: a rule failed during the check (see the 'internal' findings); the report is incomplete\n";
    return kBadInput;
  }
  if (!report.refused.empty() && !args.allow_refused_plugins) {
    // Each refusal is already logged with its reason, and listed in the report.
    std::cerr << "billcheck: " << report.refused.size() << (report.refused.size() == 1 ? " plugin was" : " plugins were")
              << " refused, so their rules did not run; fix or remove them, or pass --allow-refused-plugins\n";
    return kBadInput;
  }
  if (args.fail_on == "never") return kClean;
  Severity threshold = args.fail_on == "warning" ? Severity::warning : Severity::error;
  auto worst = report.worst();
  return worst && *worst >= threshold ? kFindings : kClean;
}

int run_check(const CheckArgs& args, const CommonOptions& common) {
  Engine engine = make_engine(config_for(args.path, common));
  const bool progress = stderr_is_terminal(common);
  Book book = load_with_progress(args, progress);

  CheckOptions options;
  options.jobs = args.jobs;
  options.collect_stats = args.stats;
  std::atomic<int> last_percent{-1};
  if (progress && book.lines().size() > 200000) {
    options.progress = [&](std::size_t done, std::size_t total) {
      int percent = static_cast<int>(done * 100 / total);
      if (percent != last_percent.exchange(percent)) std::cerr << "\rbillcheck: checking… " << percent << "%" << std::flush;
    };
  }
  Report report = args.invoice.empty() ? engine.check(book, options) : engine.check_invoice(book, args.invoice, options);
  if (options.progress) std::cerr << "\r\033[K";

  write_report(args, report, book);
  if (args.stats) print_stats(report);
  return check_status(args, report);
}

struct ExplainArgs {
  std::string path, invoice, format = "text", output, templates;
  std::optional<std::int64_t> line;
  LoadOptions load;
};

// How a charge was worked out, for a client who questions it.
int run_explain(const ExplainArgs& args, const CommonOptions& common) {
  Engine engine = make_engine(config_for(args.path, common));
  Book book = load_book(args.path, args.load);
  ExplainRequest request;
  request.invoice = args.invoice;
  request.line = args.line;
  request.templates = args.templates;
  const std::string text = explain(engine, book, request, *parse_document_format(args.format));
  write_to(args.output, [&](std::ostream& out) { out << text; });
  return kClean;
}

struct LetterArgs {
  std::string path, client, format = "text", output, templates;
  std::vector<std::string> invoices;
  LoadOptions load;
};

// The letter to a client about the errors on their invoices and what was done.
int run_letter(const LetterArgs& args, const CommonOptions& common) {
  Engine engine = make_engine(config_for(args.path, common));
  Book book = load_book(args.path, args.load);
  LetterRequest request;
  request.client = args.client;
  request.invoices = args.invoices;
  request.templates = args.templates;
  const std::string text = letter(engine, book, request, *parse_document_format(args.format));
  write_to(args.output, [&](std::ostream& out) { out << text; });
  return kClean;
}

struct FixArgs {
  std::string path, out, to, format = "text";
  bool force = false;
  LoadOptions load;
};

// A corrected copy of the book; the summary on stdout says what changed and what is left.
int run_fix(const FixArgs& args, const CommonOptions& common) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(args.out, ec) && fs::equivalent(args.path, args.out, ec))
    throw std::runtime_error(args.out + ": is the book itself; fix never changes its input, give a new OUT");
  const fs::path book = fs::weakly_canonical(args.path, ec), out = fs::weakly_canonical(args.out, ec);
  if (fs::is_directory(book, ec) && out.lexically_relative(book).native().rfind("..", 0) != 0)
    throw std::runtime_error(args.out + ": is inside the book's folder; fix never changes its input, give an OUT outside it");
  const BookForm form = args.to.empty()   ? book_form_of(args.path)
                        : args.to == "csv"  ? BookForm::csv
                        : args.to == "json" ? BookForm::json
                                            : BookForm::ledes;
  Engine engine = make_engine(config_for(args.path, common));
  FixResult result = fix_book(engine, read_book(args.path, args.load));
  for (const auto& note : write_book(result.book, args.out, form, args.force))
    std::cerr << "billcheck: note: " << note << '\n';
  const std::string summary =
      fix_summary(result.summary, args.format == "json" ? DocumentFormat::json : DocumentFormat::text);
  write_standard_output([&](std::ostream& out) { out << summary; });
  return kClean;
}

std::string padded(std::string_view text, std::size_t width) {
  std::string out(text);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

void write_rule_list(std::ostream& out, const std::vector<RuleInfo>& rules) {
  std::size_t width = 4;
  for (const auto& r : rules) width = std::max(width, r.id.size());
  auto row = [&](std::string_view id, std::string_view severity, std::string_view category, std::string_view scope,
                 std::string_view title) {
    out << padded(id, width) << "  " << padded(severity, 8) << "  " << padded(category, 11) << "  "
        << padded(scope, 11) << "  " << title << '\n';
  };
  row("RULE", "SEVERITY", "CATEGORY", "CHECKS EACH", "TITLE");
  for (const auto& r : rules) row(r.id, to_string(r.severity), r.category, to_string(r.scope), r.title);
  out << "\n" << rules.size() << " rules. `billcheck rules --explain RULE` describes one.\n";
}

// docs/rules: an index page and one page per rule, each written whole or not at all.
void write_rule_pages(const fs::path& dir, const std::vector<RuleInfo>& rules) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw OutputError(dir, ec.message());
  for (const auto& r : rules)
    write_output(dir / (r.id + ".md"), [&](std::ostream& page) { page << rule_markdown(r); });
  write_output(dir / "README.md", [&](std::ostream& index) {
    index << "# Rules\n\nEvery rule billcheck ships, generated by `billcheck rules --markdown docs/rules`.\n\n"
          << "| rule | category | severity | what it finds |\n|---|---|---|---|\n";
    for (const auto& r : rules)
      index << "| [" << r.id << "](" << r.id << ".md) | " << r.category << " | " << to_string(r.severity) << " | "
            << r.title << " |\n";
  });
}

int run_rules(const std::string& explain, const std::string& markdown_dir, const CommonOptions& common) {
  Config config = common.config.empty() ? Config{} : load_config(common.config);
  Engine engine = make_engine(config);
  if (!explain.empty()) {
    const RuleInfo* info = engine.find_rule(explain);
    if (!info) {
      std::cerr << "billcheck: no rule '" << explain << "' (run `billcheck rules` to list them)\n";
      return kBadInput;
    }
    write_standard_output([&](std::ostream& out) { out << explain_rule(*info); });
    return kClean;
  }
  auto rules = engine.rules();
  if (!markdown_dir.empty()) {
    write_rule_pages(markdown_dir, rules);
    write_standard_output(
        [&](std::ostream& out) { out << "wrote " << rules.size() << " rule pages to " << markdown_dir << '\n'; });
    return kClean;
  }
  write_standard_output([&](std::ostream& out) { write_rule_list(out, rules); });
  return kClean;
}

int run_plugins(const CommonOptions& common) {
  Config config = common.config.empty() ? Config{} : load_config(common.config);
  Engine engine = make_engine(config);
  write_standard_output([&](std::ostream& out) {
    for (const auto& p : engine.plugins()) {
      out << p.name << ' ' << (p.version.empty() ? "" : p.version + " ") << "(ABI " << p.abi_major << '.'
          << p.abi_minor << ") " << p.path.string() << '\n';
      if (!p.loaded) {
        out << "  not loaded: " << p.error << '\n';
        continue;
      }
      for (const auto& r : p.rules) out << "  " << r << '\n';
    }
  });
  return kClean;
}

// Writes IN as OUT's form; what the target format cannot carry goes to stderr.
int run_convert(const std::string& in, const std::string& out, const LoadOptions& load) {
  for (const auto& note : convert_book(in, out, load)) std::cerr << "billcheck: note: " << note << '\n';
  return kClean;
}

int run_tests(const std::vector<std::string>& dirs, bool verbose) {
  FixtureTally total;
  write_standard_output([&](std::ostream& out) {
    for (const auto& d : dirs) {
      FixtureTally t = run_fixtures(d, out, verbose);
      total.passed += t.passed;
      total.failed += t.failed;
    }
    out << total.passed << " passed, " << total.failed << " failed\n";
  });
  return total.failed ? kFindings : kClean;
}

// Lints every pack at or below each DIR: 2 when one does not load, 1 when
// lint finds problems, 0 when every pack is clean.
int run_lint(const std::vector<std::string>& dirs) {
  std::size_t packs = 0, problems = 0, broken = 0;
  write_standard_output([&](std::ostream& out) {
    for (const auto& d : dirs) {
      auto found = find_packs(d);
      if (found.empty()) {
        std::cerr << d << ": no pack.yaml found (a pack is a folder holding pack.yaml)\n";
        ++broken;
      }
      for (const auto& dir : found) {
        PackLint lint = lint_pack(dir);
        ++packs;
        for (const auto& e : lint.errors) std::cerr << e << '\n';
        for (const auto& p : lint.problems) out << p << '\n';
        problems += lint.problems.size();
        broken += !lint.errors.empty();
      }
    }
    out << packs << (packs == 1 ? " pack, " : " packs, ") << problems << (problems == 1 ? " problem" : " problems");
    if (broken) out << ", " << broken << " not loaded";
    out << '\n';
  });
  return broken ? kBadInput : problems ? kFindings : kClean;
}

// Every subcommand's arguments, filled by the parser.
struct Commands {
  CommonOptions common;
  CheckArgs check;
  std::string explain, markdown_dir;
  std::vector<std::string> test_dirs;
  bool test_verbose = false;
  std::string convert_in, convert_out;
  LoadOptions convert_load;
  std::vector<std::string> lint_dirs;
  ExplainArgs explain_args;
  LetterArgs letter_args;
  FixArgs fix_args;
  CLI::App *explain_cmd = nullptr, *fix_cmd = nullptr, *letter_cmd = nullptr;
  CLI::App *check_cmd = nullptr, *rules_cmd = nullptr, *plugins_cmd = nullptr, *test_cmd = nullptr,
           *convert_cmd = nullptr, *lint_cmd = nullptr;
};

// A currency code as ISO 4217 spells it (upper case), said plainly when it is not.
const CLI::Validator kIsoCurrency([](std::string& code) { return currency_problem(code); }, "ISO 4217");

// --jobs as a count a person can read in the error, not CLI11's numeric range.
const CLI::Validator kJobs(
    [](std::string& text) -> std::string {
      unsigned long n = 0;
      const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
      if (digits && text.size() <= 4) n = std::stoul(text);
      if (!digits || text.size() > 4 || n > 1024)
        return "'" + text + "' is not a number of threads: give 0 (one per core) up to 1024";
      return {};
    },
    "0..1024", "THREADS");

void add_check(CLI::App& app, Commands& c) {
  CheckArgs& check = c.check;
  auto* cmd = c.check_cmd = app.add_subcommand("check", "Check a book and print the report");
  cmd->add_option("book", check.path,
                  "A CSV directory, a .json file, a LEDES 1998B file, or - for JSON or LEDES on stdin")
      ->required();
  cmd->add_option("-c,--config", c.common.config, "Config file (default: billcheck.yaml beside the book)");
  cmd->add_option("-f,--format", check.format, "Report format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_option("-o,--output", check.output,
                  "Write the report to FILE instead of stdout (replaced only when the whole report is written)");
  cmd->add_option("--fail-on", check.fail_on, "Exit 1 when a finding is at least this severe")
      ->check(CLI::IsMember({"error", "warning", "never"}))
      ->capture_default_str();
  cmd->add_option("-j,--jobs", check.jobs, "Threads (default: one per core)")->check(kJobs);
  cmd->add_option("--invoice", check.invoice, "Check only this invoice (with its lines, client and payments)");
  cmd->add_option("--color", check.color, "Colour the text report")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_flag("--stats", check.stats, "Print each rule's time and finding count to stderr");
  cmd->add_flag("--allow-refused-plugins", check.allow_refused_plugins,
                "Exit as the findings say even when a plugin was refused (the report still lists it)");
  cmd->add_option("--with", check.load.reference,
                  "Add this CSV book's clients, engagements, rates, timekeepers, time entries, payments and "
                  "credit notes for the invoices checked (e.g. to a LEDES file)");
  cmd->add_option("--currency", check.load.ledes_currency, "Currency of LEDES invoices whose client --with does not give")
      ->check(kIsoCurrency)
      ->capture_default_str();
}

void add_remedies(CLI::App& app, Commands& c) {
  ExplainArgs& ex = c.explain_args;
  auto* cmd = c.explain_cmd =
      app.add_subcommand("explain", "Explain how an invoice or line was worked out, with the records behind it");
  cmd->add_option("book", ex.path, "A CSV directory, a .json file, or a LEDES 1998B file (with --with)")->required();
  cmd->add_option("--invoice", ex.invoice, "The invoice the client questions")->required();
  cmd->add_option("--line", ex.line, "Only this line of the invoice (its line_no)");
  cmd->add_option("-f,--format", ex.format, "text, md (Markdown), html (printable, self-contained) or json")
      ->check(CLI::IsMember({"text", "md", "html", "json"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", ex.output, "Write to FILE instead of stdout (replaced only when complete)");
  cmd->add_option("--templates", ex.templates, "A folder of your own templates (a copy of share/billcheck/templates)");
  cmd->add_option("-c,--config", c.common.config, "Config file (default: billcheck.yaml beside the book)");
  cmd->add_option("--with", ex.load.reference, "Add this CSV book's reference records (e.g. to a LEDES file)");

  LetterArgs& lt = c.letter_args;
  cmd = c.letter_cmd = app.add_subcommand(
      "letter", "Write the letter to a client about the errors on their invoices and what was done about them");
  cmd->add_option("book", lt.path, "A CSV directory, a .json file, or a LEDES 1998B file (with --with)")->required();
  cmd->add_option("--client", lt.client, "The client the letter is to (its client_id)")->required();
  cmd->add_option("--invoice", lt.invoices, "Only this invoice of the client (repeat for more; default: all sent ones)");
  cmd->add_option("-f,--format", lt.format, "text, md (Markdown) or html (printable, self-contained)")
      ->check(CLI::IsMember({"text", "md", "html"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", lt.output, "Write to FILE instead of stdout (replaced only when complete)");
  cmd->add_option("--templates", lt.templates, "A folder of your own templates (a copy of share/billcheck/templates)");
  cmd->add_option("-c,--config", c.common.config, "Config file (default: billcheck.yaml beside the book)");
  cmd->add_option("--with", lt.load.reference, "Add this CSV book's reference records (e.g. to a LEDES file)");

  FixArgs& fx = c.fix_args;
  cmd = c.fix_cmd = app.add_subcommand(
      "fix", "Write a corrected copy of the book: drafts fixed and recomputed, credit notes for issued invoices");
  cmd->add_option("book", fx.path, "A CSV directory, a .json file, or a LEDES 1998B file")->required();
  cmd->add_option("--out", fx.out, "Where to write the corrected book; must not exist or be an empty folder")
      ->required();
  cmd->add_option("--to", fx.to, "Write it as csv (a folder), json or ledes (default: the input's form)")
      ->check(CLI::IsMember({"csv", "json", "ledes"}));
  cmd->add_flag("--force", fx.force, "Replace OUT if it exists");
  cmd->add_option("-f,--format", fx.format, "The fix summary on stdout: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("-c,--config", c.common.config, "Config file (default: billcheck.yaml beside the book)");
  cmd->add_option("--with", fx.load.reference, "Add this CSV book's reference records (e.g. to a LEDES file)");
}

void add_rules(CLI::App& app, Commands& c) {
  c.rules_cmd = app.add_subcommand("rules", "List every rule, or explain one");
  c.rules_cmd->add_option("-c,--config", c.common.config, "Config file (its plugins, packs and Python rules are listed too)");
  c.rules_cmd->add_option("--explain", c.explain, "Describe one rule: what it finds, its options and defaults");
  c.rules_cmd->add_option("--markdown", c.markdown_dir, "Write one Markdown page per rule into DIR (the docs/rules pages)");
}

void add_tools(CLI::App& app, Commands& c) {
  c.plugins_cmd = app.add_subcommand("plugins", "List the plugins found: name, version, ABI, path, rules");
  c.plugins_cmd->add_option("-c,--config", c.common.config, "Config file (its plugins.search_paths are searched too)");

  c.test_cmd = app.add_subcommand("test", "Run rule fixtures (DIR/expect.yaml) and print N passed, M failed");
  c.test_cmd->add_option("dirs", c.test_dirs, "Folders holding expect.yaml (searched recursively)")->required();
  c.test_cmd->add_flag("--list", c.test_verbose, "Print every expectation, not only failures");

  c.convert_cmd = app.add_subcommand(
      "convert", "Write a book as LEDES 1998B (OUT.ledes, OUT.txt), JSON (OUT.json) or a CSV folder (OUT)");
  c.convert_cmd->add_option("in", c.convert_in, "The book to read: a CSV directory, a .json file or a LEDES file")
      ->required();
  c.convert_cmd->add_option("out", c.convert_out, "Where to write it; a CSV folder must be new or empty")->required();
  c.convert_cmd->add_option("--with", c.convert_load.reference,
                            "Add this CSV book's clients, engagements, rates, timekeepers, time entries, payments and credit notes");
  c.convert_cmd->add_option("--currency", c.convert_load.ledes_currency,
                            "Currency of LEDES invoices whose client --with does not give")
      ->check(kIsoCurrency)
      ->capture_default_str();

  c.lint_cmd = app.add_subcommand(
      "lint", "Check rule packs: duplicate ids, missing messages, unknown categories, unused options");
  c.lint_cmd->add_option("dirs", c.lint_dirs, "Pack folders (or folders holding packs)")->required();
}

// CLI11 reports a mistyped command as a missing one; name it and the closest
// command instead. The top-level options take no values, so the first word
// that is not an option is the command.
std::optional<std::string> unknown_command(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word.empty() || word.front() == '-') continue;
    std::vector<std::string_view> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      if (sub->get_name() == word) return std::nullopt;
      names.push_back(sub->get_name());
    }
    std::string message = "billcheck: unknown command '" + std::string(word) + "'";
    if (std::string closest = detail::closest_name(word, names); !closest.empty())
      message += "; did you mean '" + closest + "'?";
    return message + " (billcheck --help lists the commands)";
  }
  return std::nullopt;
}

int dispatch(const Commands& c) {
  if (*c.check_cmd) return run_check(c.check, c.common);
  if (*c.rules_cmd) return run_rules(c.explain, c.markdown_dir, c.common);
  if (*c.plugins_cmd) return run_plugins(c.common);
  if (*c.test_cmd) return run_tests(c.test_dirs, c.test_verbose);
  if (*c.convert_cmd) return run_convert(c.convert_in, c.convert_out, c.convert_load);
  if (*c.lint_cmd) return run_lint(c.lint_dirs);
  if (*c.explain_cmd) return run_explain(c.explain_args, c.common);
  if (*c.fix_cmd) return run_fix(c.fix_args, c.common);
  if (*c.letter_cmd) return run_letter(c.letter_args, c.common);
  return kBadInput;
}

// Runs the chosen command; every error a user can cause ends here as a message and exit 2.
int run_reporting_errors(const Commands& c) {
  try {
    return dispatch(c);
  } catch (const BookError& e) {
    print_errors(e.messages(), "the book was not loaded; fix the problems above and run again", c.common.verbose > 0);
  } catch (const ConfigError& e) {
    print_errors(e.messages(), "the configuration was not accepted; fix the problems above and run again",
                 c.common.verbose > 0);
  } catch (const UnknownInvoice& e) {
    std::cerr << "billcheck: --invoice: " << e.what() << " (give an invoice_id the book has)\n";
  } catch (const UnknownRecord& e) {
    std::cerr << "billcheck: " << e.what() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "billcheck: " << e.what() << '\n';
  }
  return kBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"billcheck finds billing errors before an invoice goes out: wrong amounts, rates above the "
               "agreed ones, invoices sent early or late, credit over limit, and more.\n\n"
               "Exit status: 0 clean, 1 findings at or above --fail-on, 2 bad input, bad config, a failed rule, "
               "a refused plugin or an output that could not be written."};
  app.require_subcommand(1);
  app.fallthrough();  // -v and -q work after the subcommand too
  Commands commands;
  app.add_flag("-v,--verbose", commands.common.verbose, "More log output on stderr (-vv for debug)");
  app.add_flag("-q,--quiet", commands.common.quiet, "No log output and no progress");
  app.set_version_flag("--version", "billcheck " BILLCHECK_SDK_VERSION);
  add_check(app, commands);
  add_rules(app, commands);
  add_tools(app, commands);
  add_remedies(app, commands);

  if (auto message = unknown_command(app, argc, argv)) {
    std::cerr << *message << '\n';
    return kBadInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kBadInput;
  }
  set_log_verbosity(commands.common.quiet ? -1 : commands.common.verbose);
  return run_reporting_errors(commands);
}
