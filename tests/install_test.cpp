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
using test::cache_value;
using test::shell_quoted;
using ::testing::HasSubstr;

/// The count in `billcheck rules`' last line ("53 rules. ...").
int rule_count(const std::string& listing) {
  std::smatch m;
  return std::regex_search(listing, m, std::regex(R"((\d+) rules\. )")) ? std::stoi(m[1]) : -1;
}

TEST(Installed, CliAndPythonFindTheBundledPluginsAndPacks) {
  const fs::path tmp = test::temp_dir("install-" + std::to_string(std::hash<std::string>{}(BILLCHECK_BINARY_DIR)));
  const fs::path prefix = tmp / "prefix", log = tmp / "log";
  ASSERT_EQ(test::run_shell("cmake --install " + shell_quoted(BILLCHECK_BINARY_DIR) + " --prefix " + shell_quoted(prefix), log), 0)
      << test::slurp(log);

  // With the example firm's config, which turns on the example pack, so that every kind of source counts.
  const std::string rules = " rules --config examples/firm/billcheck.yaml";
  ASSERT_EQ(test::run_shell(shell_quoted(BILLCHECK_EXE) + rules, log), 0) << test::slurp(log);
  const int in_build_tree = rule_count(test::slurp(log));
  ASSERT_GT(in_build_tree, 0);
  ASSERT_EQ(test::run_shell(shell_quoted(prefix / "bin" / "billcheck") + rules, log), 0) << test::slurp(log);
  EXPECT_EQ(rule_count(test::slurp(log)), in_build_tree) << test::slurp(log);
  EXPECT_EQ(test::run_shell(shell_quoted(prefix / "bin" / "billcheck") + " check examples/firm --fail-on never", log), 0)
      << test::slurp(log);
  // `serve` loads the service module installed beside the plugins (lib/billcheck/libbillcheck_serve.so).
  ASSERT_EQ(test::run_shell(shell_quoted(BILLCHECK_EXE) + " serve --routes", log), 0) << test::slurp(log);
  const std::string routes = test::slurp(log);
  EXPECT_THAT(routes, HasSubstr("POST /v1/check\n"));
  EXPECT_EQ(test::run_shell(shell_quoted(prefix / "bin" / "billcheck") + " serve --routes", log), 0) << test::slurp(log);
  EXPECT_EQ(test::slurp(log), routes);

  const std::string python_dir = cache_value("BILLCHECK_PYTHON_INSTALL_DIR");
  if (python_dir.empty()) GTEST_SKIP() << "built without the Python module";
  std::string python = cache_value("Python_EXECUTABLE");
  if (python.empty()) python = "python3";
  const std::string script =
      "import billcheck; e = billcheck.Engine('examples/firm/billcheck.yaml'); "
      "print(len(e.rules()), 'rules from', billcheck.__file__)";
  ASSERT_EQ(test::run_shell("PYTHONPATH=" + shell_quoted(prefix / python_dir) + " " + shell_quoted(python) + " -c \"" + script + "\"", log), 0)
      << test::slurp(log);
  const std::string out = test::slurp(log);
  EXPECT_THAT(out, HasSubstr(std::to_string(in_build_tree) + " rules from " + (prefix / python_dir).string()));

  if (!::testing::Test::HasFailure()) fs::remove_all(tmp);
}

}  // namespace
}  // namespace billcheck
