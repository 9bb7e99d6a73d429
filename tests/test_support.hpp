// Helpers shared by the tests: paths into the source and build trees, running
// the billcheck executable, writing temporary files.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace billcheck::test {

inline std::filesystem::path source_dir() { return BILLCHECK_SOURCE_DIR; }
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
inline std::filesystem::path temp_dir(const std::string& name) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("billcheck-test-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
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

}  // namespace billcheck::test
