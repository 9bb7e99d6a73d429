// billcheck: the command-line front end over the engine library. Each
// command lives in its own file (cli.hpp lists them); this one parses the
// command line, runs the chosen command and turns every error into exit 2.
#include "cli.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/version.hpp>

#include "config/suggest.hpp"
#include "report/visible.hpp"

#include <algorithm>
#include <iostream>
#include <optional>
#include <string_view>

using namespace billcheck;
using namespace billcheck::cli;

namespace {

// An error for the terminal: it may quote the book, a config or an argument,
// whose control characters (ESC [ 2 J, a bare CR) are shown as \x1B, \x0D
// rather than acted on; a message's own line breaks (a caret under a value) stay.
std::string shown(std::string_view message) { return detail::visible(message, {.line_breaks = true}); }

// A systematic mistake can make every row of a large file wrong: the first
// screenfuls say what to fix, -v lists them all.
void print_errors(const std::vector<std::string>& messages, std::string_view closing, bool all) {
  constexpr std::size_t kShown = 100;
  const std::size_t shown_count = all ? messages.size() : std::min(messages.size(), kShown);
  for (std::size_t i = 0; i < shown_count; ++i) std::cerr << shown(messages[i]) << '\n';
  if (shown_count < messages.size())
    std::cerr << "billcheck: … and " << messages.size() - shown_count << " more problems (-v lists every one)\n";
  std::cerr << "billcheck: " << closing << '\n';
}

std::vector<std::string_view> command_names(const CLI::App& app) {
  std::vector<std::string_view> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  return names;
}

// The command a group (finding, dispute, audit) is given right after its name:
// a mistyped or missing one is named, with the group's commands, where CLI11
// would say only "A subcommand is required". Options before it are left to CLI11.
std::optional<std::string> unknown_group_command(const CLI::App& group, int next, int argc, char** argv) {
  const auto names = command_names(group);
  if (names.empty()) return std::nullopt;
  std::string list;
  for (const auto name : names) list += (list.empty() ? "" : ", ") + std::string(name);
  const std::string prefix = group.get_name() + ' ';
  if (next >= argc)
    return "billcheck: '" + group.get_name() + "' needs a command after it: " + list + " (billcheck " +
           group.get_name() + " --help)";
  const std::string_view word = argv[next];
  if (word.empty() || word.front() == '-' || std::find(names.begin(), names.end(), word) != names.end())
    return std::nullopt;
  std::string message = "billcheck: unknown command '" + prefix + std::string(word) + "'";
  if (std::string closest = detail::closest_name(word, names); !closest.empty())
    message += "; did you mean '" + prefix + closest + "'?";
  return message + " (billcheck " + group.get_name() + " --help lists them: " + list + ")";
}

// CLI11 reports a mistyped command as a missing one; name it and the closest
// command instead. The top-level options take no values, so the first word
// that is not an option is the command.
std::optional<std::string> unknown_command(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word.empty() || word.front() == '-') continue;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == word) return unknown_group_command(*sub, i + 1, argc, argv);
    std::string message = "billcheck: unknown command '" + std::string(word) + "'";
    if (std::string closest = detail::closest_name(word, command_names(app)); !closest.empty())
      message += "; did you mean '" + closest + "'?";
    return message + " (billcheck --help lists the commands)";
  }
  return std::nullopt;
}

// Runs the chosen command; every error a user can cause ends here as a message and exit 2.
int run_reporting_errors(const Commands& commands, const CommonOptions& common) {
  try {
    for (const auto& command : commands)
      if (*command.app) return command.run();
    return kBadInput;
  } catch (const BookError& e) {
    print_errors(e.messages(), "the book was not loaded; fix the problems above and run again", common.verbose > 0);
  } catch (const ConfigError& e) {
    print_errors(e.messages(), "the configuration was not accepted; fix the problems above and run again",
                 common.verbose > 0);
  } catch (const UnknownInvoice& e) {
    std::cerr << "billcheck: --invoice: " << shown(e.what()) << " (give an invoice_id the book has)\n";
  } catch (const UnknownRecord& e) {
    std::cerr << "billcheck: " << shown(e.what()) << '\n';
  } catch (const std::exception& e) {
    std::cerr << "billcheck: " << shown(e.what()) << '\n';
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
  CommonOptions common;
  Commands commands;
  app.add_flag("-v,--verbose", common.verbose, "More log output on stderr (-vv for debug)");
  app.add_flag("-q,--quiet", common.quiet, "No log output and no progress");
  app.add_flag("--force", common.force, "Write through an output (-o, OUT) that is a symbolic link; refused otherwise");
  app.set_version_flag("--version", "billcheck " BILLCHECK_SDK_VERSION);
  add_check_command(app, common, commands);
  add_rule_commands(app, common, commands);
  add_tool_commands(app, common, commands);
  add_remedy_commands(app, common, commands);
  add_serve_command(app, common, commands);
  add_store_commands(app, common, commands);
  add_report_command(app, common, commands);

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
  set_log_verbosity(common.quiet ? -1 : common.verbose);
  return run_reporting_errors(commands, common);
}
