// What the host refuses at the plugin boundary and how a refusal shows: the
// standard library ABI in the descriptor, older descriptors, files that are not
// libraries, and the report's list of what ran and what was refused.
#include "test_support.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/plugin.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace billcheck {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using test::test_plugin_dir;

Config searching(std::initializer_list<std::filesystem::path> dirs) {
  Config c;
  for (const auto& d : dirs) c.plugin_search_paths.push_back(d);
  return c;
}

const PluginRecord* plugin_in(const Engine& e, const std::filesystem::path& dir) {
  for (const auto& p : e.plugins())
    if (p.path.parent_path() == dir) return &p;
  return nullptr;
}

TEST(PluginBoundary, PluginBuiltWithTheOldStringAbiIsRefusedWithTheReason) {
  Engine engine(searching({test_plugin_dir() / "old-string-abi"}));
  const PluginRecord* p = plugin_in(engine, test_plugin_dir() / "old-string-abi");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->loaded);
  EXPECT_THAT(p->error, HasSubstr("was built against the C++ standard library libstdc++ (old string ABI, "
                                  "_GLIBCXX_USE_CXX11_ABI=0), but this host uses libstdc++ (C++11 string ABI)"));
  EXPECT_THAT(p->error, HasSubstr("rebuild the plugin"));
}

TEST(PluginBoundary, PluginOfAnEarlierMajorAbiIsRefusedAndToldToRebuild) {
  // ABI 2.0: the entities' layout changed (credit notes gained line_no,
  // reason_code, remedies), so a 1.x plugin would read records at the wrong offsets;
  // ABI 3.0: RuleInfo gained `reach`; 4.0: records hold Text, not std::string.
  Engine engine(searching({test_plugin_dir() / "abi-1.0"}));
  const PluginRecord* p = plugin_in(engine, test_plugin_dir() / "abi-1.0");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->loaded);
  EXPECT_EQ(p->abi_major, 1u);
  EXPECT_THAT(p->error, HasSubstr("was built for billcheck plugin ABI 1.0, but this host speaks ABI 5.5"));
  EXPECT_THAT(p->error, HasSubstr("rebuild the plugin"));
}

TEST(PluginBoundary, BundledPluginsRecordTheHostsStandardLibrary) {
  Engine engine;
  for (const auto& p : engine.plugins()) EXPECT_EQ(p.cxx_library, BILLCHECK_CXX_LIBRARY) << p.name;
}

TEST(PluginBoundary, ATextFileNamedSoSaysWhyWithoutAStrayErrnoText) {
  auto dir = test::temp_dir("text-so");
  test::write_file(dir / "x.so", "not a library\n");
  Engine engine(searching({dir}));
  const PluginRecord* p = plugin_in(engine, dir);
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->loaded);
  EXPECT_THAT(p->error, HasSubstr("cannot be loaded as a shared library"));
  EXPECT_THAT(p->error, Not(HasSubstr("Bad file descriptor")));
  EXPECT_THAT(p->error, Not(HasSubstr((dir / "x.so").string())));  // the caller prints the path once
  std::filesystem::remove_all(dir);
}

// A pack of one rule that never fires and has no description.
std::filesystem::path quiet_pack() {
  static const auto dir = test::temp_dir("quiet-pack");
  test::write_file(dir / "pack.yaml", "pack: quietpack\nversion: 2.3.4\nrules:\n  - id: never\n    title: Never fires\n"
                                      "    category: data\n    severity: info\n    scope: invoice\n"
                                      "    when: \"false\"\n    message: never\n");
  return dir;
}

TEST(PluginBoundary, TheReportListsWhatRanAndWhatWasRefused) {
  Config config = searching({test_plugin_dir(), test_plugin_dir() / "other-abi"});
  config.packs.push_back(quiet_pack());
  Engine engine(config);
  Book book = load_book(test::data_dir() / "engine" / "book");
  Report report = engine.check(book);
  auto has_source = [&](std::string_view kind, std::string_view name) {
    return std::any_of(report.sources.begin(), report.sources.end(),
                       [&](const RuleSource& s) { return s.kind == kind && s.name == name; });
  };
  EXPECT_TRUE(has_source("plugin", "testgood"));
  EXPECT_TRUE(has_source("plugin", "arithmetic"));
  EXPECT_TRUE(std::any_of(report.sources.begin(), report.sources.end(), [](const RuleSource& s) {
    return s.kind == "pack" && s.name == "quietpack" && s.version == "2.3.4";
  }));
  ASSERT_EQ(report.refused.size(), 1u);
  EXPECT_EQ(report.refused[0].path.filename(), "other_abi_plugin.so");
  EXPECT_THAT(report.refused[0].reason, HasSubstr("was built for billcheck plugin ABI 99."));
}

TEST(PluginBoundary, APluginWhoseRegistrationThrowsIsRefusedInTheReport) {
  Engine engine(searching({test_plugin_dir() / "throwing-registration"}));
  Book book = load_book(test::data_dir() / "engine" / "book");
  Report report = engine.check(book);
  ASSERT_EQ(report.refused.size(), 1u);
  EXPECT_EQ(report.refused[0].name, "throwreg");
  EXPECT_EQ(report.refused[0].reason, "failed while registering its rules: the licence file is missing");
}

// A rule refused at registration did not check the book: in process or in a
// worker, the report lists it as refused, beside the plugin's rules that ran.
TEST(PluginBoundary, ARuleRefusedAtRegistrationIsRefusedInTheReport) {
  for (const bool isolate : {false, true}) {
    Config config = searching({test_plugin_dir() / "refused-rules"});
    config.plugin_isolation.push_back({"refused_rules_plugin", isolate, {}});
    Engine engine(config);
    const PluginRecord* p = plugin_in(engine, test_plugin_dir() / "refused-rules");
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(p->loaded) << p->error;
    EXPECT_THAT(p->rules, ElementsAre("testrefuse.marker"));
    Report report = engine.check(load_book(test::data_dir() / "engine" / "book"));
    ASSERT_EQ(report.refused.size(), 2u) << "isolate " << isolate;
    EXPECT_EQ(report.refused[0].kind, "rule");
    EXPECT_EQ(report.refused[0].name, "testrefuse.bad-severity");
    EXPECT_EQ(report.refused[0].reason,
              "refused at registration: its severity (7) is not one of Severity::info, warning or error; plugin "
              "testrefuse's other rules ran");
    EXPECT_EQ(report.refused[1].name, "testrefuse.marker");
    EXPECT_EQ(report.refused[1].reason,
              "refused at registration: its id is registered twice (the first registration is kept); plugin "
              "testrefuse's other rules ran");
  }
}

TEST(PluginBoundary, ADisabledPluginIsNotARefusal) {
  Config config = searching({test_plugin_dir()});
  config.disabled_plugins.push_back({"testgood", {}});
  Engine engine(config);
  Book book = load_book(test::data_dir() / "engine" / "book");
  EXPECT_TRUE(engine.check(book).refused.empty());
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

TEST(CheckInvoice, AnUnknownIdIsATypedBillcheckError) {
  Engine engine;
  Book book = load_book(test::data_dir() / "engine" / "book");
  try {
    engine.check_invoice(book, "NOPE-1");
    FAIL() << "no error";
  } catch (const UnknownInvoice& e) {
    EXPECT_EQ(e.invoice(), "NOPE-1");
    EXPECT_STREQ(e.what(), "no invoice 'NOPE-1' in the book");
  }
  EXPECT_THROW(engine.check_invoice(book, "NOPE-1"), Error);  // one handler catches every billcheck error
}

}  // namespace
}  // namespace billcheck
