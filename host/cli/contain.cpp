#include "cli.hpp"

#include "engine/run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace billcheck::cli {
namespace {

std::atomic<bool> g_rules_running{false};
// What an exit() in a rule leaves undone, for its message: a string literal,
// which outlives the static destructors that run before the handler.
std::atomic<const char*> g_left_undone{""};

// exit() or quick_exit() while rules were loaded or run in process: a rule (or
// a plugin's registration) ended the program. Its status, 0 most often, must
// not pass for a clean check (or a service stopped on purpose): say who, and end with 2.
extern "C" void on_exit_while_rules_run() {
  if (!g_rules_running.exchange(false)) return;
  std::string who = detail::describe_running_check();
  who = who.empty() ? "a plugin or rule file (while it was loaded or its rules ran)" : who;
  const std::string message =
      "billcheck: " + who + " ended the program (it called exit); " + g_left_undone.load() +
      ". Report this to the rule's author, or run it isolated (plugins.isolate, python_isolate in "
      "billcheck.yaml), where it becomes an internal finding\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, message.data(), message.size());
  ::_exit(kBadInput);
}

// Which rule runs on which record, for that message: the engine keeps it up to
// date only when asked (two stores per record and rule).
detail::CurrentCheck g_slots[1024];

// `track`: name the rule and record in the message. Its slots are per rule
// thread of one check, so only where one check runs at a time.
void arm_exit_guard(const char* left_undone, bool track) {
  static const bool registered = [] {
    std::atexit(on_exit_while_rules_run);
    std::at_quick_exit(on_exit_while_rules_run);
    return true;
  }();
  (void)registered;
  if (track) detail::track_current_checks(g_slots, std::size(g_slots));
  g_left_undone = left_undone;
  g_rules_running = true;
}

}  // namespace

RulesInProcess::RulesInProcess(Output output) {
  if (output == Output::service) {
    arm_exit_guard("the service stopped, and the requests it was answering got no answer", false);
    return;
  }
  std::cout.flush();
  std::fflush(stdout);
  saved_stdout_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  // No standard output to keep (closed by the caller): nothing to point away.
  if (saved_stdout_ >= 0 && ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    ::close(saved_stdout_);
    saved_stdout_ = -1;
  }
  arm_exit_guard("the book was not fully checked and no report was written", true);
}

RulesInProcess::~RulesInProcess() { end(); }

void RulesInProcess::end() {
  g_rules_running = false;
  if (saved_stdout_ < 0) return;
  // What a rule left in the buffers is its chatter too: out to stderr first.
  std::cout.flush();
  std::fflush(stdout);
  ::dup2(saved_stdout_, STDOUT_FILENO);
  ::close(saved_stdout_);
  saved_stdout_ = -1;
}

}  // namespace billcheck::cli
