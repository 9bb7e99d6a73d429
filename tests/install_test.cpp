// The installed layout, not only the build tree: `cmake --install` into a
// temporary prefix, then the installed billcheck and the installed Python
// module must find the same bundled plugins and packs as the build tree.
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <string>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string shell_quoted(const fs::path& p) { return "'" + p.string() + "'"; }

/// Runs a shell command from the source directory, output in `log`; returns its exit status.
int run(const std::string& command, const fs::path& log) {
  const int raw = std::system(("cd " + shell_quoted(test::source_dir()) + " && " + command + " >" + shell_quoted(log) +
                               " 2>&1 </dev/null")
                                  .c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

std::string cache_value(const std::string& name) {
  const std::string cache = test::slurp(fs::path(BILLCHECK_BINARY_DIR) / "CMakeCache.txt");
  const std::size_t at = cache.find("\n" + name + ":");
  if (at == std::string::npos) return {};
  const std::size_t begin = cache.find('=', at) + 1;
  return cache.substr(begin, cache.find('\n', begin) - begin);
}

/// The count in `billcheck rules`' last line ("53 rules. ...").
int rule_count(const std::string& listing) {
  std::smatch m;
  return std::regex_search(listing, m, std::regex(R"((\d+) rules\. )")) ? std::stoi(m[1]) : -1;
}

TEST(Installed, CliAndPythonFindTheBundledPluginsAndPacks) {
  const fs::path tmp = test::temp_dir("install-" + std::to_string(std::hash<std::string>{}(BILLCHECK_BINARY_DIR)));
  const fs::path prefix = tmp / "prefix", log = tmp / "log";
  ASSERT_EQ(run("cmake --install " + shell_quoted(BILLCHECK_BINARY_DIR) + " --prefix " + shell_quoted(prefix), log), 0)
      << test::slurp(log);

  // With the example firm's config, which turns on the example pack, so that every kind of source counts.
  const std::string rules = " rules --config examples/firm/billcheck.yaml";
  ASSERT_EQ(run(shell_quoted(BILLCHECK_EXE) + rules, log), 0) << test::slurp(log);
  const int in_build_tree = rule_count(test::slurp(log));
  ASSERT_GT(in_build_tree, 0);
  ASSERT_EQ(run(shell_quoted(prefix / "bin" / "billcheck") + rules, log), 0) << test::slurp(log);
  EXPECT_EQ(rule_count(test::slurp(log)), in_build_tree) << test::slurp(log);
  EXPECT_EQ(run(shell_quoted(prefix / "bin" / "billcheck") + " check examples/firm --fail-on never", log), 0)
      << test::slurp(log);

  const std::string python_dir = cache_value("BILLCHECK_PYTHON_INSTALL_DIR");
  if (python_dir.empty()) GTEST_SKIP() << "built without the Python module";
  std::string python = cache_value("Python_EXECUTABLE");
  if (python.empty()) python = "python3";
  const std::string script =
      "import billcheck; e = billcheck.Engine('examples/firm/billcheck.yaml'); "
      "print(len(e.rules()), 'rules from', billcheck.__file__)";
  ASSERT_EQ(run("PYTHONPATH=" + shell_quoted(prefix / python_dir) + " " + shell_quoted(python) + " -c \"" + script + "\"", log), 0)
      << test::slurp(log);
  const std::string out = test::slurp(log);
  EXPECT_THAT(out, HasSubstr(std::to_string(in_build_tree) + " rules from " + (prefix / python_dir).string()));

  if (!::testing::Test::HasFailure()) fs::remove_all(tmp);
}

}  // namespace
}  // namespace billcheck
