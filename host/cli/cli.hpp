// What every billcheck command shares: exit statuses, the common options,
// and how a command is registered with the parser.
#pragma once

#include <billcheck/config.hpp>
#include <billcheck/load.hpp>
#include <billcheck/engine.hpp>

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace billcheck::cli {

// Exit statuses: the contract every caller (CI jobs, accounting packages) relies on.
constexpr int kClean = 0;
constexpr int kFindings = 1;
constexpr int kBadInput = 2;

struct CommonOptions {
  std::string config;
  int verbose = 0;
  bool quiet = false;
  bool force = false;  // write through an output that is a symbolic link
};

// A subcommand: its parser, and what runs when the user chose it. Each
// command file adds its own; their arguments live in the closure.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
using Commands = std::vector<Command>;

// The config for a book: -c, or billcheck.yaml beside the book.
Config config_for(const std::string& book_path, const CommonOptions& common);
// The config -c names, else the defaults (commands that read no book).
Config config_or_default(const CommonOptions& common);

// The load options of a command, with the config's limits (limits.max_file_size).
LoadOptions load_options(LoadOptions given, const Config& config);

// Progress and colour only for a person watching a terminal.
bool stderr_is_terminal(const CommonOptions& common);

// Standard output unless `path` is given; either way every write is checked.
void write_to(const std::string& path, const std::function<void(std::ostream&)>& write, bool force);

// Refuses, before any work, an output (-o) that would replace what the command
// reads: the book (a JSON or LEDES file), a .csv in the book's folder or the
// --with folder (each is read as a table), the config, or `also` (the store).
void refuse_output_over_inputs(const std::string& output, const std::string& book, const LoadOptions& load,
                               const Config& config, const std::vector<std::filesystem::path>& also = {});

// A currency code as ISO 4217 spells it (upper case), said plainly when it is not.
extern const CLI::Validator kIsoCurrency;
// --store FILE: an empty one (an unset $STORE in a script) is a usage error,
// not "no store", which would silently record nothing.
extern const CLI::Validator kStoreFile;

// The record (store.cpp): the store a command writes to (--store, else the
// config's `store:`) and who acts (--by, else the login name).
struct StoreArgs {
  std::string store, by;
};
void add_store_options(CLI::App* command, StoreArgs& args);
/// Records a check in the store when one is named, and completes the report
/// from it (history, fixed, the store's waivers); nothing without a store.
/// `write_report(recording)` writes the report: inside the recording
/// transaction (`recording`), so that a report that cannot be written records
/// nothing; alone without a store. `after_recorded`, when given, runs once the
/// run is committed, before the "recorded run" line: what is left to write
/// without holding the store's write lock.
void record_check(const StoreArgs& args, const Config& config, const std::string& book_path,
                  const std::string& invoice, const Book& book, Report& report, const CommonOptions& common,
                  const std::function<void(bool recording)>& write_report,
                  const std::function<void()>& after_recorded = {});

// While plugins and rule files are loaded and run in this process (those not
// isolated), a report on standard output must survive what they do, and what
// they do must not pass for a result. From construction until end():
// - file descriptor 1 is standard error, so that what a rule prints (printf,
//   std::cout, Python's os.write(1, ...)) is not mixed into the report;
// - a rule that ends the program (exit, quick_exit) ends it with status 2 and
//   a message naming the rule and record it was checking, never with the
//   rule's status (0 would read as a clean check). _exit cannot be caught:
//   isolation (the default for third-party code) is the answer to that.
// end() (or the destructor) flushes and points fd 1 back, before the report is written.
// A service (`serve`) writes no report: its standard output stays as it is,
// and the message cannot name the rule (its checks run at once, each on its
// own request's thread), only that one ended the service.
class RulesInProcess {
 public:
  enum class Output { report, service };
  explicit RulesInProcess(Output output = Output::report);
  ~RulesInProcess();
  RulesInProcess(const RulesInProcess&) = delete;
  RulesInProcess& operator=(const RulesInProcess&) = delete;
  void end();

 private:
  int saved_stdout_ = -1;
};

// One function per command file; main.cpp calls each.
void add_check_command(CLI::App& app, CommonOptions& common, Commands& commands);
void add_remedy_commands(CLI::App& app, CommonOptions& common, Commands& commands);
void add_rule_commands(CLI::App& app, CommonOptions& common, Commands& commands);
void add_serve_command(CLI::App& app, CommonOptions& common, Commands& commands);
void add_tool_commands(CLI::App& app, CommonOptions& common, Commands& commands);
void add_store_commands(CLI::App& app, CommonOptions& common, Commands& commands);
void add_report_command(CLI::App& app, CommonOptions& common, Commands& commands);

}  // namespace billcheck::cli
