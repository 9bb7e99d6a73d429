// A plugin written outside this repository: install billcheck into a temporary
// prefix, build examples/plugin-template against it with find_package(billcheck),
// and have the installed billcheck load the plugin, report its finding and
// pass the template's fixtures.
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using test::cache_value;
using test::shell_quoted;
using ::testing::HasSubstr;

/// The template's files, without a build directory someone left in the source tree.
void copy_template(const fs::path& to) {
  const fs::path from = test::source_dir() / "examples" / "plugin-template";
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from))
    if (entry.path().filename() != "build")
      fs::copy(entry.path(), to / entry.path().filename(), fs::copy_options::recursive);
}

TEST(PluginTemplate, BuildsOutOfTreeAgainstTheInstalledSdkAndIsLoadedByTheInstalledHost) {
  // Named after this build too: builds of other checkouts may run this test at the same time.
  const fs::path tmp = test::temp_dir("plugin-template-" + std::to_string(std::hash<std::string>{}(BILLCHECK_BINARY_DIR)));
  const fs::path prefix = tmp / "prefix", src = tmp / "plugin-template", build = src / "build";
  const fs::path log = tmp / "log";

  ASSERT_EQ(test::run_shell("cmake --install " + shell_quoted(BILLCHECK_BINARY_DIR) + " --prefix " + shell_quoted(prefix), log), 0)
      << test::slurp(log);
  ASSERT_TRUE(fs::exists(prefix / "lib" / "cmake" / "billcheck" / "billcheckConfig.cmake"));

  // Configure with this build's compiler and generator, so the plugin matches the SDK it links.
  copy_template(src);
  std::string configure = "cmake -S " + shell_quoted(src) + " -B " + shell_quoted(build) + " -DCMAKE_PREFIX_PATH=" + shell_quoted(prefix);
  if (const std::string g = cache_value("CMAKE_GENERATOR"); !g.empty()) configure += " -G " + shell_quoted(g);
  if (const std::string make = cache_value("CMAKE_MAKE_PROGRAM"); !make.empty())
    configure += " -DCMAKE_MAKE_PROGRAM=" + shell_quoted(make);
  if (const std::string cxx = cache_value("CMAKE_CXX_COMPILER"); !cxx.empty())
    configure += " -DCMAKE_CXX_COMPILER=" + shell_quoted(cxx);
  ASSERT_EQ(test::run_shell(configure, log), 0) << test::slurp(log);
  ASSERT_EQ(test::run_shell("cmake --build " + shell_quoted(build), log), 0) << test::slurp(log);
  ASSERT_TRUE(fs::exists(build / "myfirm.so"));

  const std::string billcheck = shell_quoted(prefix / "bin" / "billcheck");
  const fs::path config = tmp / "billcheck.yaml";
  test::write_file(config, "plugins:\n  search_paths: [" + shell_quoted(build) + "]\n");

  // The installed host finds its bundled plugins and the firm's.
  ASSERT_EQ(test::run_shell(billcheck + " plugins --config " + shell_quoted(config), log), 0) << test::slurp(log);
  const std::string plugins = test::slurp(log);
  EXPECT_THAT(plugins, HasSubstr("myfirm 0.1.0 (ABI 5.5)"));
  EXPECT_THAT(plugins, HasSubstr("myfirm.billing-increment"));
  EXPECT_THAT(plugins, HasSubstr((prefix / "lib" / "billcheck" / "plugins" / "arithmetic.so").string()));

  const fs::path report = tmp / "report.json";
  // 0 or 1: the bundled plugins may have findings of their own; 2 would mean the check failed.
  EXPECT_LT(test::run_shell(billcheck + " check " + shell_quoted(src / "tests" / "increments") + " --config " + shell_quoted(config) +
                    " --format json --output " + shell_quoted(report),
                log),
            2)
      << test::slurp(log);
  const auto json = nlohmann::json::parse(test::slurp(report));
  std::vector<std::string> found;
  for (const auto& f : json["findings"])
    if (f["rule"] == "myfirm.billing-increment")
      found.push_back(f["invoice"].get<std::string>() + "#" + f["line"].get<std::string>() + " " +
                      f["amount_at_stake"].get<std::string>());
  EXPECT_EQ(found, std::vector<std::string>{"INV-1#2 15.00"});

  ASSERT_EQ(test::run_shell(billcheck + " test " + shell_quoted(src / "tests"), log), 0) << test::slurp(log);
  EXPECT_THAT(test::slurp(log), HasSubstr("4 passed, 0 failed"));

  if (!::testing::Test::HasFailure()) fs::remove_all(tmp);
}

}  // namespace
}  // namespace billcheck
