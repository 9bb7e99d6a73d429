// billcheck: the command-line front end over the engine library.
#include <billcheck/convert.hpp>
#include <billcheck/engine.hpp>
#include <billcheck/fixtures.hpp>
#include <billcheck/load.hpp>
#include <billcheck/packs.hpp>
#include <billcheck/report.hpp>
#include <billcheck/version.hpp>

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

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

int run_check(const CheckArgs& args, const CommonOptions& common) {
  Config config = config_for(args.path, common);
  Engine engine = make_engine(config);

  const bool progress = stderr_is_terminal(common);
  if (progress) std::cerr << "billcheck: loading " << args.path << "…" << std::flush;
  Book book = [&] {
    try {
      return load_book(args.path, args.load);
    } catch (...) {
      if (progress) std::cerr << "\r\033[K";
      throw;
    }
  }();
  if (progress) std::cerr << "\r\033[K";

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

  std::ofstream file;
  if (!args.output.empty()) {
    file.open(args.output, std::ios::binary);
    if (!file) {
      std::cerr << "billcheck: cannot write " << args.output << '\n';
      return kBadInput;
    }
  }
  std::ostream& out = args.output.empty() ? std::cout : file;
  if (args.format == "json") {
    write_json(out, report);
  } else {
    bool color = args.color == "always" || (args.color == "auto" && args.output.empty() && isatty(STDOUT_FILENO));
    if (std::getenv("NO_COLOR") && *std::getenv("NO_COLOR")) color = false;
    write_text(out, report, book, TextStyle{color});
  }
  out.flush();

  if (args.stats) {
    std::cerr << "rule                                      time (ms)   findings\n";
    for (const auto& s : report.stats) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%-40s %10.3f %10zu\n", s.rule.c_str(),
                    std::chrono::duration<double, std::milli>(s.time).count(), s.findings);
      std::cerr << buf;
    }
  }
  if (report.has_internal_errors()) {
    std::cerr << "billcheck: a rule failed during the check (see the 'internal' findings); the report is incomplete\n";
    return kBadInput;
  }
  if (args.fail_on == "never") return kClean;
  Severity threshold = args.fail_on == "warning" ? Severity::warning : Severity::error;
  auto worst = report.worst();
  return worst && *worst >= threshold ? kFindings : kClean;
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
    std::cout << explain_rule(*info);
    return kClean;
  }
  auto rules = engine.rules();
  if (!markdown_dir.empty()) {
    fs::create_directories(markdown_dir);
    std::ofstream index(fs::path(markdown_dir) / "README.md");
    index << "# Rules\n\nEvery rule billcheck ships, generated by `billcheck rules --markdown docs/rules`.\n\n"
          << "| rule | category | severity | what it finds |\n|---|---|---|---|\n";
    for (const auto& r : rules) {
      std::ofstream page(fs::path(markdown_dir) / (r.id + ".md"));
      page << rule_markdown(r);
      index << "| [" << r.id << "](" << r.id << ".md) | " << r.category << " | " << to_string(r.severity) << " | "
            << r.title << " |\n";
    }
    std::cout << "wrote " << rules.size() << " rule pages to " << markdown_dir << '\n';
    return kClean;
  }
  std::size_t width = 4;
  for (const auto& r : rules) width = std::max(width, r.id.size());
  std::printf("%-*s  %-8s  %-11s  %-11s  %s\n", static_cast<int>(width), "RULE", "SEVERITY", "CATEGORY", "CHECKS EACH",
              "TITLE");
  for (const auto& r : rules) {
    std::printf("%-*s  %-8s  %-11s  %-11s  %s\n", static_cast<int>(width), r.id.c_str(),
                std::string(to_string(r.severity)).c_str(), r.category.c_str(), std::string(to_string(r.scope)).c_str(),
                r.title.c_str());
  }
  std::cout << "\n" << rules.size() << " rules. `billcheck rules --explain RULE` describes one.\n";
  return kClean;
}

int run_plugins(const CommonOptions& common) {
  Config config = common.config.empty() ? Config{} : load_config(common.config);
  Engine engine = make_engine(config);
  for (const auto& p : engine.plugins()) {
    std::cout << p.name << ' ' << (p.version.empty() ? "" : p.version + " ") << "(ABI " << p.abi_major << '.'
              << p.abi_minor << ") " << p.path.string() << '\n';
    if (!p.loaded) {
      std::cout << "  not loaded: " << p.error << '\n';
      continue;
    }
    for (const auto& r : p.rules) std::cout << "  " << r << '\n';
  }
  return kClean;
}

// Writes IN as OUT's form; what the target format cannot carry goes to stderr.
int run_convert(const std::string& in, const std::string& out, const LoadOptions& load) {
  for (const auto& note : convert_book(in, out, load)) std::cerr << "billcheck: note: " << note << '\n';
  return kClean;
}

int run_tests(const std::vector<std::string>& dirs, bool verbose) {
  FixtureTally total;
  for (const auto& d : dirs) {
    FixtureTally t = run_fixtures(d, std::cout, verbose);
    total.passed += t.passed;
    total.failed += t.failed;
  }
  std::cout << total.passed << " passed, " << total.failed << " failed\n";
  return total.failed ? kFindings : kClean;
}

// Lints every pack at or below each DIR: 2 when one does not load, 1 when
// lint finds problems, 0 when every pack is clean.
int run_lint(const std::vector<std::string>& dirs) {
  std::size_t packs = 0, problems = 0, broken = 0;
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
      for (const auto& p : lint.problems) std::cout << p << '\n';
      problems += lint.problems.size();
      broken += !lint.errors.empty();
    }
  }
  std::cout << packs << (packs == 1 ? " pack, " : " packs, ") << problems << (problems == 1 ? " problem" : " problems");
  if (broken) std::cout << ", " << broken << " not loaded";
  std::cout << '\n';
  return broken ? kBadInput : problems ? kFindings : kClean;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"billcheck finds billing errors before an invoice goes out: wrong amounts, rates above the "
               "agreed ones, invoices sent early or late, credit over limit, and more.\n\n"
               "Exit status: 0 clean, 1 findings at or above --fail-on, 2 bad input, bad config or a failed rule."};
  app.require_subcommand(1);
  app.fallthrough();  // -v and -q work after the subcommand too
  CommonOptions common;
  app.add_flag("-v,--verbose", common.verbose, "More log output on stderr (-vv for debug)");
  app.add_flag("-q,--quiet", common.quiet, "No log output and no progress");
  app.set_version_flag("--version", "billcheck " BILLCHECK_SDK_VERSION);

  CheckArgs check;
  auto* check_cmd = app.add_subcommand("check", "Check a book and print the report");
  check_cmd->add_option("book", check.path,
                        "A CSV directory, a .json file, a LEDES 1998B file, or - for JSON or LEDES on stdin")
      ->required();
  check_cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml beside the book)");
  check_cmd->add_option("-f,--format", check.format, "Report format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  check_cmd->add_option("-o,--output", check.output, "Write the report to FILE instead of stdout");
  check_cmd->add_option("--fail-on", check.fail_on, "Exit 1 when a finding is at least this severe")
      ->check(CLI::IsMember({"error", "warning", "never"}))
      ->capture_default_str();
  check_cmd->add_option("-j,--jobs", check.jobs, "Threads (default: one per core)")->check(CLI::NonNegativeNumber);
  check_cmd->add_option("--invoice", check.invoice, "Check only this invoice (with its lines, client and payments)");
  check_cmd->add_option("--color", check.color, "Colour the text report")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  check_cmd->add_flag("--stats", check.stats, "Print each rule's time and finding count to stderr");
  check_cmd->add_option("--with", check.load.reference,
                        "Add this CSV book's clients, engagements, rates, timekeepers and time entries for the "
                        "invoices checked (e.g. to a LEDES file)");
  const CLI::Validator iso_currency([](std::string& code) { return currency_problem(code); }, "ISO 4217");
  check_cmd->add_option("--currency", check.load.ledes_currency,
                        "Currency of LEDES invoices whose client --with does not give")
      ->check(iso_currency)
      ->capture_default_str();

  std::string explain, markdown_dir;
  auto* rules_cmd = app.add_subcommand("rules", "List every rule, or explain one");
  rules_cmd->add_option("-c,--config", common.config, "Config file (its plugins, packs and Python rules are listed too)");
  rules_cmd->add_option("--explain", explain, "Describe one rule: what it finds, its options and defaults");
  rules_cmd->add_option("--markdown", markdown_dir, "Write one Markdown page per rule into DIR (the docs/rules pages)");

  auto* plugins_cmd = app.add_subcommand("plugins", "List the plugins found: name, version, ABI, path, rules");
  plugins_cmd->add_option("-c,--config", common.config, "Config file (its plugins.search_paths are searched too)");

  std::vector<std::string> test_dirs;
  bool test_verbose = false;
  auto* test_cmd = app.add_subcommand("test", "Run rule fixtures (DIR/expect.yaml) and print N passed, M failed");
  test_cmd->add_option("dirs", test_dirs, "Folders holding expect.yaml (searched recursively)")->required();
  test_cmd->add_flag("--list", test_verbose, "Print every expectation, not only failures");

  std::string convert_in, convert_out;
  LoadOptions convert_load;
  auto* convert_cmd = app.add_subcommand(
      "convert", "Write a book as LEDES 1998B (OUT.ledes, OUT.txt), JSON (OUT.json) or a CSV folder (OUT)");
  convert_cmd->add_option("in", convert_in, "The book to read: a CSV directory, a .json file or a LEDES file")
      ->required();
  convert_cmd->add_option("out", convert_out, "Where to write it; a CSV folder must be new or empty")->required();
  convert_cmd->add_option("--with", convert_load.reference,
                          "Add this CSV book's clients, engagements, rates, timekeepers and time entries");
  convert_cmd->add_option("--currency", convert_load.ledes_currency,
                          "Currency of LEDES invoices whose client --with does not give")
      ->check(iso_currency)
      ->capture_default_str();

  std::vector<std::string> lint_dirs;
  auto* lint_cmd = app.add_subcommand(
      "lint", "Check rule packs: duplicate ids, missing messages, unknown categories, unused options");
  lint_cmd->add_option("dirs", lint_dirs, "Pack folders (or folders holding packs)")->required();

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
  set_log_verbosity(common.quiet ? -1 : common.verbose);

  try {
    if (*check_cmd) return run_check(check, common);
    if (*rules_cmd) return run_rules(explain, markdown_dir, common);
    if (*plugins_cmd) return run_plugins(common);
    if (*test_cmd) return run_tests(test_dirs, test_verbose);
    if (*convert_cmd) return run_convert(convert_in, convert_out, convert_load);
    if (*lint_cmd) return run_lint(lint_dirs);
  } catch (const BookError& e) {
    print_errors(e.messages(), "the book was not loaded; fix the problems above and run again", common.verbose > 0);
  } catch (const ConfigError& e) {
    print_errors(e.messages(), "the configuration was not accepted; fix the problems above and run again",
                 common.verbose > 0);
  } catch (const std::exception& e) {
    std::cerr << "billcheck: " << e.what() << '\n';
  }
  return kBadInput;
}
