// libbillcheck as a package that links it sees it: installed into a temporary
// prefix, examples/c/check_book.c compiled against the installed header and
// library alone (`cc -I PREFIX/include check_book.c -lbillcheck`, as
// docs/hosting.md says), and its report the CLI's, byte for byte.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using test::shell_quoted;

TEST(InstalledCApi, CheckBookBuildsAgainstTheInstalledHeaderAndLibrary) {
  const fs::path tmp = test::temp_dir("capi-install-" + std::to_string(std::hash<std::string>{}(BILLCHECK_BINARY_DIR)));
  const fs::path prefix = tmp / "prefix", log = tmp / "log", program = tmp / "check_book";
  ASSERT_EQ(test::run_shell("cmake --install " + shell_quoted(BILLCHECK_BINARY_DIR) + " --prefix " + shell_quoted(prefix), log), 0)
      << test::slurp(log);
  std::string lib = test::cache_value("CMAKE_INSTALL_LIBDIR");
  if (lib.empty()) lib = "lib";
  EXPECT_TRUE(fs::exists(prefix / "include" / "billcheck" / "billcheck.h"));
  EXPECT_TRUE(fs::exists(prefix / lib / "libbillcheck.so.1"));
  for (const char* schema : {"book", "report", "error"})
    EXPECT_TRUE(fs::exists(prefix / "share" / "billcheck" / "schema" / (std::string(schema) + ".schema.json"))) << schema;

  std::string cc = test::cache_value("CMAKE_C_COMPILER");
  if (cc.empty()) cc = "cc";
  // The build's own C flags and libraries: under ./dev sanitize the library
  // needs the sanitizers' runtime in the program that links it.
  ASSERT_EQ(test::run_shell(shell_quoted(cc) + " " + test::cache_value("CMAKE_C_FLAGS") +
                                " -std=c99 -pedantic-errors -Wall -Wextra -Werror -I " +
                                shell_quoted(prefix / "include") + " examples/c/check_book.c -L " +
                                shell_quoted(prefix / lib) + " -lbillcheck -Wl,-rpath," + (prefix / lib).string() +
                                " " + test::cache_value("CMAKE_C_STANDARD_LIBRARIES") + " -o " + shell_quoted(program),
                            log),
            0)
      << test::slurp(log);
  ASSERT_EQ(test::run_shell(shell_quoted(program) + " examples/firm", log), 0) << test::slurp(log);
  const std::string report = test::slurp(log);
  EXPECT_EQ(report, test::run_billcheck("check examples/firm --format json").out);

  if (!::testing::Test::HasFailure()) fs::remove_all(tmp);
}

}  // namespace
}  // namespace billcheck
