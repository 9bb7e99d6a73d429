#include "cli.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace billcheck::cli {

RulesInProcess::RulesInProcess() {
  std::cout.flush();
  std::fflush(stdout);
  saved_stdout_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  // No standard output to keep (closed by the caller): nothing to point away.
  if (saved_stdout_ >= 0 && ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    ::close(saved_stdout_);
    saved_stdout_ = -1;
  }
}

RulesInProcess::~RulesInProcess() { end(); }

void RulesInProcess::end() {
  if (saved_stdout_ < 0) return;
  // What a rule left in the buffers is its chatter too: out to stderr first.
  std::cout.flush();
  std::fflush(stdout);
  ::dup2(saved_stdout_, STDOUT_FILENO);
  ::close(saved_stdout_);
  saved_stdout_ = -1;
}

}  // namespace billcheck::cli
