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
#include <cctype>
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

// An option every command takes (-v, -q, --force, --help), which may come anywhere.
bool program_option(const CLI::App& app, std::string_view word) {
  return app.get_option_no_throw(std::string(word.substr(0, word.find('=')))) != nullptr;
}

// Whether an option of one of a group's commands takes a value (`--store S`),
// so that the word after it is not taken for a command (`--state open`).
bool takes_value(const CLI::App& group, std::string_view word) {
  if (word.find('=') != std::string_view::npos) return false;
  for (const CLI::App* sub : group.get_subcommands([](const CLI::App*) { return true; }))
    if (const CLI::Option* opt = sub->get_option_no_throw(std::string(word)); opt && opt->get_items_expected_min() > 0)
      return true;
  return false;
}

std::string needs_command(const CLI::App& group, const std::string& list) {
  return "billcheck: '" + group.get_name() + "' needs a command after it: " + list + " (billcheck " +
         group.get_name() + " --help)";
}

// A word of the command line as it would be typed again in a shell: quoted
// when it holds a space or another character the shell would act on.
std::string as_typed(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("-_./:=@%+,").find(static_cast<char>(c)) != std::string_view::npos;
  });
  if (plain) return shown(word);
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return shown(out + "'");
}

// Options given between a group's name and its command (`finding --store S
// ack FP`), which CLI11 would take for no command at all: what to type instead,
// the same words with the options after the command.
std::optional<std::string> options_before_command(const CLI::App& group, const std::vector<std::string_view>& names,
                                                  const std::string& list, int next, int argc, char** argv) {
  int command = next;
  for (; command < argc && std::find(names.begin(), names.end(), argv[command]) == names.end(); ++command) {
    const std::string_view word = argv[command];
    if (word == "-h" || word == "--help") return std::nullopt;  // CLI11 prints the group's help
    if (takes_value(group, word) && command + 1 < argc) ++command;
  }
  const std::string name = group.get_name();
  std::string options;
  for (int i = next; i < command; ++i) options += ' ' + as_typed(argv[i]);
  if (command == argc)
    return "billcheck: '" + name + "' needs a command before its options: billcheck " + name + " COMMAND" + options +
           ", where COMMAND is one of " + list + " (billcheck " + name + " --help)";
  std::string rest;
  for (int i = command + 1; i < argc; ++i) rest += ' ' + as_typed(argv[i]);
  return "billcheck: '" + name + "' takes its options after its command: billcheck " + name + ' ' + argv[command] +
         options + rest;
}

// The command a group (finding, dispute, audit) is given right after its name
// (and the program's own -v, -q): a mistyped or missing one is named, with the
// group's commands, where CLI11 would say only "A subcommand is required";
// options before it are moved after it.
std::optional<std::string> unknown_group_command(const CLI::App& group, int next, int argc, char** argv) {
  const auto names = command_names(group);
  if (names.empty()) return std::nullopt;
  std::string list;
  for (const auto name : names) list += (list.empty() ? "" : ", ") + std::string(name);
  const std::string prefix = group.get_name() + ' ';
  while (next < argc && std::string_view(argv[next]) != "-h" && std::string_view(argv[next]) != "--help" &&
         program_option(*group.get_parent(), argv[next]))
    ++next;
  if (next >= argc) return needs_command(group, list);
  const std::string_view word = argv[next];
  if (!word.empty() && word.front() == '-') return options_before_command(group, names, list, next, argc, argv);
  if (word.empty() || std::find(names.begin(), names.end(), word) != names.end()) return std::nullopt;
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
