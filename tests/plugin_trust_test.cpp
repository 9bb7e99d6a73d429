// What is refused before a plugin is ever opened: files and folders others
// could have written, a build that differs from its pin, and a library that
// is not a billcheck plugin (whose constructor must then never run).
#include "test_support.hpp"

#include <billcheck/engine.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include <cstdlib>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using test::test_plugin_dir;

Config searching(const fs::path& dir, const std::string& yaml_tail = "") {
  Config c = parse_config("plugins:\n  search_paths: ['" + dir.string() + "']\n" + yaml_tail,
                          fs::path("/tmp") / "billcheck.yaml");
  return c;
}

const PluginRecord* plugin_in(const Engine& e, const fs::path& dir) {
  for (const auto& p : e.plugins())
    if (p.path.parent_path() == dir) return &p;
  return nullptr;
}

// A private copy of the good test plugin, as `name`.so in a new folder.
fs::path copy_of_good_plugin(const std::string& folder, const std::string& name = "good_plugin") {
  fs::path dir = test::temp_dir(folder);
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  fs::copy_file(test_plugin_dir() / "good_plugin.so", dir / (name + ".so"), fs::copy_options::overwrite_existing);
  return dir;
}

std::string sha256_of(const fs::path& file) {
  const fs::path log = test::temp_dir("sha256sum") / "out";
  EXPECT_EQ(test::run_shell("sha256sum " + test::shell_quoted(file), log), 0);
  return test::slurp(log).substr(0, 64);
}

TEST(PluginTrust, ALibraryThatIsNotAPluginIsRefusedWithoutRunningItsConstructor) {
  const fs::path mark = test::temp_dir("constructor-mark") / "ran";
  ::setenv("BILLCHECK_TEST_CONSTRUCTOR_MARK", mark.c_str(), 1);
  Engine engine(searching(test_plugin_dir() / "constructor"));
  ::unsetenv("BILLCHECK_TEST_CONSTRUCTOR_MARK");
  const PluginRecord* p = plugin_in(engine, test_plugin_dir() / "constructor");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->loaded);
  EXPECT_EQ(p->error, "is not a billcheck plugin: it has no billcheck_plugin_descriptor (declare one with BILLCHECK_PLUGIN)");
  EXPECT_FALSE(fs::exists(mark)) << "the library was opened: its constructor ran";
}

TEST(PluginTrust, AWorldWritablePluginFileIsRefusedWithTheFix) {
  const fs::path dir = copy_of_good_plugin("world-writable-plugin");
  fs::permissions(dir / "good_plugin.so", fs::perms::others_write, fs::perm_options::add);
  Engine engine(searching(dir));
  const PluginRecord* p = plugin_in(engine, dir);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->loaded);
  EXPECT_THAT(p->error, HasSubstr("is refused: it is world-writable (mode 0757)"));
  EXPECT_THAT(p->error, HasSubstr("chmod o-w " + (dir / "good_plugin.so").string()));
  fs::remove_all(dir);
}

TEST(PluginTrust, ASymlinkIsJudgedByItsTarget) {
  const fs::path real = copy_of_good_plugin("symlink-target");
  fs::permissions(real / "good_plugin.so", fs::perms::others_write, fs::perm_options::add);
  const fs::path dir = copy_of_good_plugin("symlink-dir");
  fs::remove(dir / "good_plugin.so");
  fs::create_symlink(real / "good_plugin.so", dir / "good_plugin.so");
  Engine engine(searching(dir));
  const PluginRecord* p = plugin_in(engine, dir);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->loaded);
  EXPECT_THAT(p->error, HasSubstr("its target " + (real / "good_plugin.so").string() + " is world-writable"));
  fs::remove_all(dir);
  fs::remove_all(real);
}

TEST(PluginTrust, AFifoOrALinkThatLoopsIsRefusedByNameAndTheRestLoad) {
  // A FIFO named *.so hung the host for good (its open waited for a writer);
  // a link to itself threw out of the folder's listing and stopped the run.
  const fs::path dir = copy_of_good_plugin("odd-plugin-files");
  ASSERT_EQ(::mkfifo((dir / "fifo.so").c_str(), 0644), 0);
  fs::create_symlink("loop.so", dir / "loop.so");
  Engine engine(searching(dir));
  std::map<std::string, std::string> refused;
  for (const auto& p : engine.plugins())
    if (p.path.parent_path() == dir && !p.loaded) refused[p.path.filename().string()] = p.error;
  EXPECT_EQ(refused["fifo.so"], "is refused: it is a FIFO (named pipe), not a shared library file");
  EXPECT_THAT(refused["loop.so"], HasSubstr("cannot be resolved: Too many levels of symbolic links"));
  EXPECT_EQ(refused.size(), 2u);
  EXPECT_NE(engine.find_rule("testgood.marker"), nullptr) << "the good plugin beside them loads";
  fs::remove_all(dir);
}

TEST(PluginTrust, APythonRuleFileThatIsAFifoIsRefused) {
  const fs::path dir = test::temp_dir("python-fifo");
  ASSERT_EQ(::mkfifo((dir / "rules.py").c_str(), 0644), 0);
  for (const char* isolate : {"true", "false"}) {
    try {
      Engine engine(parse_config("python: ['" + (dir / "rules.py").string() + "']\npython_isolate: " + isolate + "\n",
                                 dir / "billcheck.yaml"));
      ADD_FAILURE() << "expected ConfigError";
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.messages(), ::testing::Contains((dir / "billcheck.yaml").string() + ":1:10: python: " +
                                                    (dir / "rules.py").string() +
                                                    " is a FIFO (named pipe), not a Python file"));
    }
  }
  fs::remove_all(dir);
}

TEST(PluginTrust, APluginOwnedBySomeoneElseIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root can give a file to another user";
  const fs::path dir = copy_of_good_plugin("foreign-owner");
  ASSERT_EQ(::chown((dir / "good_plugin.so").c_str(), 4321, 4321), 0);
  Engine engine(searching(dir));
  const PluginRecord* p = plugin_in(engine, dir);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->loaded);
  EXPECT_THAT(p->error, HasSubstr("is owned by user 4321, neither root nor the user running billcheck"));
  fs::remove_all(dir);
}

TEST(PluginTrust, AWorldWritableSearchFolderIsAConfigError) {
  const fs::path dir = copy_of_good_plugin("world-writable-folder");
  fs::permissions(dir, fs::perms::others_write, fs::perm_options::add);
  try {
    Engine engine(searching(dir));
    FAIL() << "the folder was accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("plugins.search_paths: '" + dir.string() + "' is refused: it is world-writable"));
  }
  fs::remove_all(dir);
}

TEST(PluginTrust, APinnedPluginLoadsOnlyWithTheSameBytes) {
  const fs::path dir = copy_of_good_plugin("pinned");
  const std::string right = sha256_of(dir / "good_plugin.so");
  Engine pinned(searching(dir, "  pins:\n    good_plugin: " + right + "\n"));
  ASSERT_NE(plugin_in(pinned, dir), nullptr);
  EXPECT_TRUE(plugin_in(pinned, dir)->loaded) << plugin_in(pinned, dir)->error;

  const std::string wrong(64, 'a');
  Engine other(searching(dir, "  pins:\n    good_plugin: " + wrong + "\n"));
  const PluginRecord* p = plugin_in(other, dir);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->loaded);
  EXPECT_EQ(p->error, "is refused: its SHA-256 is " + right + ", but plugins.pins at /tmp/billcheck.yaml:4:18 says " +
                          wrong + "; it is not the build that was pinned (update the pin if it should be)");
  fs::remove_all(dir);
}

TEST(PluginTrust, APinThatIsNotASha256OrNamesNoPluginIsLocated) {
  const fs::path dir = copy_of_good_plugin("bad-pins");
  try {
    Engine engine(searching(dir, "  pins:\n    good_plugn: " + std::string(64, 'b') + "\n    good_plugin: abc\n"));
    FAIL() << "the pins were accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/tmp/billcheck.yaml:5:18: plugins.pins.good_plugin: 'abc' is not a SHA-256"));
    EXPECT_THAT(e.what(), HasSubstr("good_plugn"));
    EXPECT_THAT(e.what(), HasSubstr("did you mean 'good_plugin'"));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
