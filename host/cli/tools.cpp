// billcheck test, convert and lint: tools for people writing rules and moving books.
#include "cli.hpp"

#include <billcheck/convert.hpp>
#include <billcheck/fixtures.hpp>
#include <billcheck/output.hpp>
#include <billcheck/packs.hpp>

#include <iostream>
#include <memory>
#include <sstream>

namespace billcheck::cli {
namespace {

// The fixtures' rules run in this process (RulesInProcess): what they print goes
// to stderr and an exit() in one ends the run with 2; the tally is written after.
int run_tests(const std::vector<std::string>& dirs, bool verbose) {
  FixtureTally total;
  std::ostringstream tally;
  RulesInProcess rules;
  for (const auto& d : dirs) {
    FixtureTally t = run_fixtures(d, tally, verbose);
    total.passed += t.passed;
    total.failed += t.failed;
  }
  rules.end();
  write_standard_output([&](std::ostream& out) {
    out << tally.str() << total.passed << " passed, " << total.failed << " failed\n";
  });
  return total.failed ? kFindings : kClean;
}

// Writes IN as OUT's form; what the target format cannot carry goes to stderr.
int run_convert(const std::string& in, const std::string& out, const LoadOptions& load, bool force) {
  for (const auto& note : convert_book(in, out, load, OutputOptions{force})) std::cerr << "billcheck: note: " << note << '\n';
  return kClean;
}

// Lints every pack at or below each DIR: 2 when one does not load, 1 when
// lint finds problems, 0 when every pack is clean. A pack does not load when
// `check` would refuse it: a rule with a plugin rule's id, a `use:` of a rule
// or option nobody has; the rules are those `check` with the same config loads.
int run_lint(const std::vector<std::string>& dirs, const CommonOptions& common) {
  const LintBasis basis(config_or_default(common));
  std::size_t packs = 0, problems = 0, broken = 0;
  write_standard_output([&](std::ostream& out) {
    for (const auto& d : dirs) {
      auto found = find_packs(d);
      if (found.empty()) {
        std::cerr << d << ": no pack.yaml found (a pack is a folder holding pack.yaml)\n";
        ++broken;
      }
      for (const auto& dir : found) {
        PackLint lint = lint_pack(dir, basis);
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

struct ToolArgs {
  std::vector<std::string> test_dirs, lint_dirs;
  bool test_verbose = false;
  std::string convert_in, convert_out;
  LoadOptions convert_load;
};

}  // namespace

void add_tool_commands(CLI::App& app, CommonOptions& common, Commands& commands) {
  auto args = std::make_shared<ToolArgs>();
  auto* cmd = app.add_subcommand("test", "Run rule fixtures (DIR/expect.yaml) and print N passed, M failed");
  cmd->add_option("dirs", args->test_dirs, "Folders holding expect.yaml (searched recursively)")->required();
  cmd->add_flag("--list", args->test_verbose, "Print every expectation, not only failures");
  commands.push_back({cmd, [args] { return run_tests(args->test_dirs, args->test_verbose); }});

  cmd = app.add_subcommand("convert",
                           "Write a book as LEDES 1998B (OUT.ledes, OUT.txt), JSON (OUT.json) or a CSV folder (OUT)");
  cmd->add_option("in", args->convert_in, "The book to read: a CSV directory, a .json file or a LEDES file")->required();
  cmd->add_option("out", args->convert_out, "Where to write it; a CSV folder must be new or empty")->required();
  cmd->add_option("--with", args->convert_load.reference,
                  "Add this CSV book's clients, engagements, rates, timekeepers, time entries, payments and credit notes");
  cmd->add_option("--currency", args->convert_load.ledes_currency,
                  "Currency of LEDES invoices whose client --with does not give")
      ->check(kIsoCurrency)
      ->capture_default_str();
  commands.push_back({cmd, [args, &common] { return run_convert(args->convert_in, args->convert_out, args->convert_load, common.force); }});

  cmd = app.add_subcommand("lint", "Check rule packs: duplicate ids (a plugin rule's too), missing messages, unknown categories, unused options");
  cmd->add_option("dirs", args->lint_dirs, "Pack folders (or folders holding packs)")->required();
  cmd->add_option("-c,--config", common.config, "Config file (its plugins.search_paths are searched too)");
  commands.push_back({cmd, [args, &common] { return run_lint(args->lint_dirs, common); }});
}

}  // namespace billcheck::cli
