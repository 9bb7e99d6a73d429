// Helpers shared by the tests: paths into the source and build trees, running
// the billcheck executable, writing temporary files.
#pragma once

#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>
#include <billcheck/text.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <vector>
#include <sys/wait.h>
#include <unistd.h>

namespace billcheck::test {

inline std::filesystem::path source_dir() { return BILLCHECK_SOURCE_DIR; }

/// Text for a record a test builds by hand, held for the whole test process
/// (a loader keeps its records' text in their BookData instead).
inline Text text(std::string_view s) {
  static std::mutex mutex;
  static TextStore* store = new TextStore;  // never freed: tests' records may outlive any scope
  std::lock_guard lock(mutex);
  return store->add(s);
}
inline std::filesystem::path data_dir() { return source_dir() / "tests" / "data"; }
inline std::filesystem::path test_plugin_dir() { return BILLCHECK_TEST_PLUGIN_DIR; }

struct RunResult {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

/// A fresh empty directory under the system temp dir.
/// A new empty directory of this test process's own, removed when the process
/// exits (not by a child it forked: only the process that made it removes it).
inline std::filesystem::path temp_dir(const std::string& name) {
  struct Made {
    ::pid_t owner = ::getpid();
    std::vector<std::filesystem::path> dirs;
    ~Made() {
      if (::getpid() != owner) return;
      std::error_code ignored;
      for (const auto& d : dirs) std::filesystem::remove_all(d, ignored);
    }
  };
  static Made made;
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("billcheck-test-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  made.dirs.push_back(dir);
  return dir;
}

/// Runs `billcheck ARGS` (ARGS already shell-quoted) from the source directory,
/// with stdout and stderr captured and standard input read from `input`.
inline RunResult run_billcheck(const std::string& args, const std::string& env = "NO_COLOR=1",
                               const std::string& input = "/dev/null") {
  auto dir = temp_dir("run");
  std::string cmd = "cd '" + source_dir().string() + "' && " + env + " '" + std::string(BILLCHECK_EXE) + "' " + args +
                    " >'" + (dir / "out").string() + "' 2>'" + (dir / "err").string() + "' <'" + input + "'";
  int raw = std::system(cmd.c_str());
  RunResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  std::filesystem::remove_all(dir);
  return r;
}

inline std::string shell_quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

/// Runs a shell command from the source directory, stdout and stderr in `log`;
/// returns its exit status.
inline int run_shell(const std::string& command, const std::filesystem::path& log) {
  const int raw = std::system(("cd " + shell_quoted(source_dir()) + " && " + command + " >" + shell_quoted(log) +
                               " 2>&1 </dev/null")
                                  .c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

/// A value from this build's CMakeCache.txt (`NAME:TYPE=value`), or "" when absent.
inline std::string cache_value(const std::string& name) {
  const std::string cache = slurp(std::filesystem::path(BILLCHECK_BINARY_DIR) / "CMakeCache.txt");
  const std::size_t at = cache.find("\n" + name + ":");
  if (at == std::string::npos) return {};
  const std::size_t begin = cache.find('=', at) + 1;
  return cache.substr(begin, cache.find('\n', begin) - begin);
}

/// True in a build with AddressSanitizer (./dev sanitize).
constexpr bool built_with_asan() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

/// Runs a docs page's walkthrough and checks every command prints what the page
/// shows; returns how many commands ran. The page's ```console blocks run in
/// order in `dir` (shown on the page as `shown_dir`), with the build's programs
/// first on PATH: `$ ` starts a command (a trailing backslash continues it), the
/// lines up to the next command are its output (stdout and stderr);
/// `<!-- now: TIME -->` sets BILLCHECK_NOW for the commands after it; a
/// ```text FILE block writes FILE into `dir`.
inline int run_walkthrough(const std::filesystem::path& page, const std::filesystem::path& dir,
                           const std::string& shown_dir) {
  const std::string bin = std::filesystem::path(BILLCHECK_EXE).parent_path().string();
  std::istringstream lines(slurp(page));
  std::string line, now = "2026-01-05T09:00:00Z";
  int commands = 0;
  auto run = [&](const std::string& command, const std::string& expected) {
    const std::filesystem::path out = dir.parent_path() / "out";
    run_shell("cd " + shell_quoted(dir) + " && PATH=" + shell_quoted(bin) + ":$PATH NO_COLOR=1 USER=margaret BILLCHECK_NOW=" +
                  now + " sh -c " + shell_quoted(std::regex_replace(command, std::regex("'"), "'\\''")),
              out);
    std::string got = slurp(out);
    for (std::size_t at; (at = got.find(dir.string())) != std::string::npos;) got.replace(at, dir.string().size(), shown_dir);
    EXPECT_EQ(got, expected) << "$ " << command;
    ++commands;
  };
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex(R"(<!-- now: (\S+) -->)"))) now = m[1];
    if (line.rfind("```text ", 0) == 0) {
      const std::string file = line.substr(8);
      std::string text;
      while (std::getline(lines, line) && line != "```") text += line + "\n";
      write_file(dir / file, text);
      continue;
    }
    if (line != "```console") continue;
    std::string command, expected;
    bool in_command = false;
    while (std::getline(lines, line) && line != "```") {
      if (line.rfind("$ ", 0) == 0) {
        if (!command.empty()) run(command, expected);
        command = line.substr(2);
        expected.clear();
        in_command = command.back() == '\\';
      } else if (in_command) {
        command += "\n" + line;
        in_command = !line.empty() && line.back() == '\\';
      } else {
        expected += line + "\n";
      }
    }
    if (!command.empty()) run(command, expected);
  }
  return commands;
}

/// What a reader of loaded records sees, to compare two ways of reading one
/// file: each invoice's and line's source line, and the book as JSON.
inline std::string records_seen(BookData data) {
  std::ostringstream out;
  for (const auto& invoice : data.invoices) out << invoice.id << '@' << invoice.source.line << ' ';
  for (const auto& line : data.lines) out << line.line_no << '@' << line.source.line << ' ';
  write_book_json(out, Book(std::move(data)));
  return out.str();
}

/// The messages `read` fails with (a test failure when it does not throw BookError).
inline std::vector<std::string> book_errors(const std::function<void()>& read) {
  try {
    read();
  } catch (const BookError& e) {
    return e.messages();
  }
  ADD_FAILURE() << "the book was read, but a BookError was expected";
  return {};
}

}  // namespace billcheck::test
