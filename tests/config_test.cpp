// billcheck.yaml: booleans, keys written twice, every problem in one run,
// YAML syntax in words, plugins and packs named by mistake, waivers.
#include "test_support.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

namespace billcheck {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

Config config(const std::string& yaml) { return parse_config(yaml, "billcheck.yaml"); }

// The problems of a billcheck.yaml with this text, thrown or kept.
std::vector<std::string> errors_of(const std::string& yaml) {
  try {
    return config(yaml).errors;
  } catch (const ConfigError& e) {
    return e.messages();
  }
}

// Every message the Engine refuses `c` with, or "accepted".
std::vector<std::string> engine_errors(Config c) {
  try {
    Engine engine(std::move(c));
  } catch (const ConfigError& e) {
    return e.messages();
  }
  return {"accepted"};
}

// ---------------------------------------------------------------------------
// A config that is not a file is refused before a byte is read: a folder read
// as an empty config (the defaults, silently), /dev/zero read without end.
TEST(ConfigFile, AFolderOrADeviceIsRefusedAndNothingIsRead) {
  const auto load_errors = [](const std::filesystem::path& file) {
    try {
      return load_config(file).errors;
    } catch (const ConfigError& e) {
      return e.messages();
    }
  };
  const auto dir = test::temp_dir("config-not-a-file");
  EXPECT_THAT(load_errors(dir),
              ElementsAre(dir.string() + ": is a folder, not a YAML file; give the file itself"));
  EXPECT_THAT(load_errors("/dev/zero"),
              ElementsAre("/dev/zero: is a character device, not a YAML file; give the file itself"));
  const auto r = test::run_billcheck("check examples/firm -c /dev/zero");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("/dev/zero: is a character device, not a YAML file"));
  EXPECT_THAT(load_errors(dir / "missing.yaml"),
              ElementsAre((dir / "missing.yaml").string() + ": cannot read it (does the config file exist?)"));
}

// Nesting past yaml-cpp's own limit gets the same words as nesting past ours.
TEST(ConfigFile, NestingFarPastTheLimitSaysSo) {
  const std::string yaml = "a: " + std::string(600, '[') + std::string(600, ']') + "\n";
  try {
    (void)config(yaml);
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.messages(), ElementsAre("billcheck.yaml:1:1204: billcheck.yaml nests deeper than 32 levels"));
  }
}

// Text that is not UTF-8 is a located error: it would break the JSON report.
TEST(ConfigFile, TextThatIsNotUtf8IsLocated) {
  EXPECT_THAT(errors_of("rules:\n  arithmetic.tax: {message: \"caf\xc3\"}\n"),
              ElementsAre("billcheck.yaml:2:33: byte 0xC3 is not UTF-8; save the file as UTF-8"));
}

// A second YAML document (after `---`) is an error where it starts: it was
// ignored without a word.
const std::string kSecondDocument =
    ": a second YAML document starts here; billcheck.yaml is one document, so merge the two (a '---' line starts a "
    "new one)";

TEST(ConfigFile, ASecondDocumentIsAnErrorWhereItStarts) {
  EXPECT_THAT(errors_of("rules: {}\n---\nrules: {}\n"), ElementsAre("billcheck.yaml:2:1" + kSecondDocument));
  EXPECT_THAT(errors_of("rules: {}\n---\n"), ElementsAre("billcheck.yaml:2:1" + kSecondDocument));
  EXPECT_THAT(errors_of("rules: {}\n...\nrules: {}\n"), ElementsAre("billcheck.yaml:3:1" + kSecondDocument));
  // What is wrong inside the second one does not matter.
  EXPECT_THAT(errors_of("rules: {}\n---\nrules: [\n"), ElementsAre("billcheck.yaml:2:1" + kSecondDocument));
  // One document, its start and end marked, is fine.
  EXPECT_THAT(errors_of("---\nrules: {}\n...\n"), IsEmpty());
  // A syntax error in the first is said as before.
  EXPECT_THAT(errors_of("rules: [\n---\n"), ElementsAre(HasSubstr("YAML syntax error")));

  const auto dir = test::temp_dir("config-two-documents");
  test::write_file(dir / "billcheck.yaml", "rules: {}\n---\nrules: {}\n");
  const auto r = test::run_billcheck("check examples/firm -c '" + (dir / "billcheck.yaml").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, StartsWith((dir / "billcheck.yaml").string() + ":2:1" + kSecondDocument + "\n"));
  std::filesystem::remove_all(dir);
}

// Documents are counted from the parser's events, which build no node and
// expand no alias: aliases that multiply, and documents by the hundred
// thousand, cost what their text does (YAML::LoadAll took the config fuzzer
// past 2 GB and was withdrawn).
TEST(ConfigFile, CountingDocumentsTakesTimeInProportionToTheText) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";  // 10^10 values, counting aliases
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + char(c - 1);
    bomb += "]\n";
  }
  std::string many = "rules: {}\n";
  for (int i = 0; i < 200000; ++i) many += "---\nrules: {a: &x [1], b: *x}\n";

  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(errors_of(bomb), ElementsAre(HasSubstr("billcheck.yaml is too large (more than 200000 values")));
  EXPECT_THAT(errors_of(bomb + "---\n" + bomb), ElementsAre("billcheck.yaml:11:1" + kSecondDocument));
  EXPECT_THAT(errors_of("rules: {}\n---\n" + bomb), ElementsAre("billcheck.yaml:2:1" + kSecondDocument));
  EXPECT_THAT(errors_of(many), ElementsAre("billcheck.yaml:2:1" + kSecondDocument));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));  // well under 1 s in a release build
}

// ---------------------------------------------------------------------------
// Booleans are true or false.

TEST(ConfigBooleans, AMisspelledFalseIsALocatedErrorNotARuleTurnedOn) {
  Config c = config("rules:\n  timing.due-date: {enabled: flase}\n");
  EXPECT_THAT(c.errors, ElementsAre("billcheck.yaml:2:30: enabled must be true or false, not 'flase' "
                                    "(did you mean 'false'?)"));
  EXPECT_THAT(engine_errors(c), ElementsAre(c.errors[0]));
}

TEST(ConfigBooleans, OnlyWhatYaml12CallsABoolean) {
  for (const char* off : {"false", "False", "FALSE"}) {
    Config c = config(std::string("rules:\n  timing.due-date: {enabled: ") + off + "}\n");
    EXPECT_THAT(c.errors, IsEmpty()) << off;
    EXPECT_FALSE(c.rules.at("timing.due-date").enabled) << off;
  }
  for (const char* on : {"true", "True", "TRUE"}) {
    Config c = config(std::string("rules:\n  timing.due-date: {enabled: ") + on + "}\n");
    EXPECT_THAT(c.errors, IsEmpty()) << on;
    EXPECT_TRUE(c.rules.at("timing.due-date").enabled) << on;
  }
  for (const char* other : {"no", "off", "yes", "0", "''"}) {
    Config c = config(std::string("rules:\n  timing.due-date: {enabled: ") + other + "}\n");
    EXPECT_THAT(c.errors, ElementsAre(HasSubstr("billcheck.yaml:2:30: enabled must be true or false"))) << other;
  }
}

TEST(ConfigBooleans, TheShortFormIsOffOnABooleanOrASeverity) {
  Config c = config("rules:\n  a.b: off\n  a.c: on\n  a.d: false\n  a.e: warning\n  a.f: nope\n");
  EXPECT_FALSE(c.rules.at("a.b").enabled);
  EXPECT_TRUE(c.rules.at("a.c").enabled);
  EXPECT_FALSE(c.rules.at("a.d").enabled);
  EXPECT_EQ(c.rules.at("a.e").severity, Severity::warning);
  EXPECT_THAT(c.errors, ElementsAre("billcheck.yaml:6:8: rule 'a.f': 'nope' is not off, on, or a severity "
                                    "(error, warning, info)"));
}

TEST(ConfigBooleans, ABooleanOptionTakesTheSameSpellings) {
  // guidelines.utbms-codes has a boolean option, require_codes.
  EXPECT_THAT(engine_errors(config("rules:\n  guidelines.utbms-codes: {options: {require_codes: FALSE}}\n")),
              ElementsAre("accepted"));
  EXPECT_THAT(engine_errors(config("rules:\n  guidelines.utbms-codes: {options: {require_codes: no}}\n")),
              ElementsAre("billcheck.yaml:2:53: rule 'guidelines.utbms-codes' option 'require_codes': expected true "
                          "or false, got 'no'"));
}

// ---------------------------------------------------------------------------
// A key written twice.

TEST(ConfigDuplicateKeys, TwoRulesBlocksAreAnErrorAtTheSecond) {
  Config c = config("rules:\n  timing.due-date: off\nclients: {}\nrules:\n  timing.cycle: off\n");
  EXPECT_THAT(c.errors, ElementsAre("billcheck.yaml:4:1: 'rules' is written twice in this mapping (first on line "
                                    "1); only one can count, so merge them"));
}

TEST(ConfigDuplicateKeys, ARuleSetTwiceOrAKeyTwiceInItsSettings) {
  Config c = config(
      "rules:\n"
      "  timing.due-date: off\n"
      "  timing.due-date: {severity: info}\n"
      "  timing.cycle: {severity: info, severity: error}\n");
  EXPECT_THAT(c.errors,
              ElementsAre(HasSubstr("billcheck.yaml:3:3: 'timing.due-date' is written twice in this mapping (first "
                                    "on line 2)"),
                          HasSubstr("billcheck.yaml:4:34: 'severity' is written twice in this mapping (first on "
                                    "line 4)")));
}

// ---------------------------------------------------------------------------
// Every problem of the file in one run.

TEST(ConfigAllProblems, ABadSeverityDoesNotHideAnUnknownRuleOrABadOption) {
  Config c = config(
      "rules:\n"
      "  timing.due-date: {severity: eror}\n"
      "  timing.nope: off\n"
      "  arithmetic.line-amount: {options: {tolerance: lots}}\n");
  EXPECT_THAT(engine_errors(c),
              ElementsAre("billcheck.yaml:2:31: severity 'eror' is not one of error, warning, info (did you mean "
                          "'error'?)",
                          HasSubstr("billcheck.yaml:3:3: unknown rule 'timing.nope'"),
                          HasSubstr("billcheck.yaml:4:49: rule 'arithmetic.line-amount' option 'tolerance': "
                                    "expected a decimal number, got 'lots'")));
}

TEST(ConfigAllProblems, TheCliListsThemAllAndExitsTwo) {
  auto dir = test::temp_dir("config-all");
  test::write_file(dir / "billcheck.yaml",
                   "rules:\n"
                   "  timing.due-date: {severity: eror}\n"
                   "  timing.nope: off\n"
                   "  arithmetic.line-amount: {options: {tolerance: lots}}\n");
  auto r = test::run_billcheck("check examples/firm --config '" + (dir / "billcheck.yaml").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("billcheck.yaml:2:31: severity 'eror'"));
  EXPECT_THAT(r.err, HasSubstr("billcheck.yaml:3:3: unknown rule 'timing.nope'"));
  EXPECT_THAT(r.err, HasSubstr("billcheck.yaml:4:49: rule 'arithmetic.line-amount' option 'tolerance'"));
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------
// YAML syntax, said in words.

TEST(ConfigSyntax, BadIndentationSaysSoWithTheLine) {
  try {
    config("rules:\n  timing.due-date: off\n timing.cycle: off\n");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.messages(), ElementsAre(HasSubstr("billcheck.yaml:3:2: YAML syntax error: bad indentation")));
  }
  try {
    config("rules:\n  timing.due-date:\n    severity: info\n      enabled: false\n");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.messages(), ElementsAre(HasSubstr("billcheck.yaml:4:14: YAML syntax error: bad indentation")));
  }
  try {
    config("rules:\n  timing.due-date: off\n\ttiming.cycle: off\n");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.messages(), ElementsAre(HasSubstr("billcheck.yaml:3:1: YAML syntax error: a tab in the indentation: indent with spaces")));
  }
}

TEST(ConfigSyntax, AnUnclosedListSaysWhatIsMissing) {
  try {
    config("plugins:\n  disable: [timing\n");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.messages(), ElementsAre(HasSubstr("billcheck.yaml:3:1: YAML syntax error: unclosed '['")));
  }
}

// ---------------------------------------------------------------------------
// Plugins and packs named by mistake.

TEST(ConfigNames, DisablingAPluginThatDoesNotExistSuggestsTheName) {
  EXPECT_THAT(engine_errors(config("plugins:\n  disable: [timng]\n")),
              ElementsAre("billcheck.yaml:2:13: plugins.disable: there is no plugin named 'timng' (did you mean "
                          "'timing'?)"));
  // A real name disables the plugin: its rules are gone.
  Engine engine(config("plugins:\n  disable: [timing]\n"));
  EXPECT_EQ(engine.find_rule("timing.due-date"), nullptr);
  EXPECT_NE(engine.find_rule("arithmetic.line-amount"), nullptr);
}

TEST(ConfigNames, AnUnknownPackNameSuggestsTheName) {
  EXPECT_THAT(engine_errors(config("packs:\n  enable: [firm-policy-exampel]\n")),
              ElementsAre("billcheck.yaml:2:12: packs.enable: there is no pack named 'firm-policy-exampel' (did you "
                          "mean 'firm-policy-example'?)"));
  EXPECT_THAT(engine_errors(config("packs:\n  disable: [acme]\n")),
              ElementsAre("billcheck.yaml:2:13: packs.disable: there is no pack named 'acme' (packs: "
                          "firm-policy-example)"));
}

TEST(ConfigNames, APackBothEnabledAndDisabledIsAnError) {
  EXPECT_THAT(engine_errors(config("packs: {enable: [firm-policy-example], disable: [firm-policy-example]}\n")),
              ElementsAre(HasSubstr("billcheck.yaml:1:18: pack 'firm-policy-example' is in both packs.enable and "
                                    "packs.disable")));
}

// ---------------------------------------------------------------------------
// Waivers (defect 12: a waiver naming an invoice and a client ignored the client).

TEST(ConfigWaivers, AnInvoiceAndAClientMustBothMatch) {
  // testgood.marker flags INV-1#1 and BOOM-2#1 (client C1) and INV-3#1 (client C2).
  auto check = [](const std::string& waiver) {
    Config c = config("waivers:\n  - {rule: testgood.marker, reason: agreed, " + waiver + "}\n");
    c.plugin_search_paths.push_back(test::test_plugin_dir());
    Engine engine(std::move(c));
    Book book = load_book(test::data_dir() / "engine" / "book");
    std::vector<std::string> waived;
    for (const auto& w : engine.check(book).waived) waived.push_back(w.finding.invoice + "#" + w.finding.line);
    return waived;
  };
  EXPECT_THAT(check("invoice: INV-3, client: C1"), IsEmpty());  // INV-3 is C2's
  EXPECT_THAT(check("invoice: INV-3, client: C2"), ElementsAre("INV-3#1"));
  EXPECT_THAT(check("client: C1"), ElementsAre("BOOM-2#1", "INV-1#1"));
  EXPECT_THAT(check("invoice: INV-1, line: 1, client: C2"), IsEmpty());
  EXPECT_THAT(check("invoice: INV-1, line: 1, client: C1"), ElementsAre("INV-1#1"));
}

TEST(ConfigWaivers, AWaiverNeedsARecordAndALineNeedsItsInvoice) {
  Config c = config(
      "waivers:\n"
      "  - {rule: testgood.marker, reason: agreed}\n"
      "  - {rule: testgood.marker, reason: agreed, client: C1, line: 2}\n");
  EXPECT_THAT(c.errors, ElementsAre(HasSubstr("billcheck.yaml:2:5: a waiver needs one of invoice, client"),
                                    HasSubstr("billcheck.yaml:3:5: a waiver for a line needs 'invoice' too")));
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

// `store:` left empty (an unset variable in a generated file) would record in
// the config's folder, or nowhere: refused where it is written, as --store "" is.
TEST(ConfigStore, AnEmptyStoreIsRefusedAtItsLine) {
  const std::string why =
      "store is empty: give the path of the record's SQLite file, or leave store: out to record nothing";
  EXPECT_THAT(errors_of("rules: {}\nstore: \"\"\n"), ::testing::ElementsAre("billcheck.yaml:2:8: " + why));
  EXPECT_THAT(errors_of("rules: {}\nstore: '  '\n"), ::testing::ElementsAre("billcheck.yaml:2:8: " + why));
  EXPECT_THAT(errors_of("rules: {}\nstore:\n"), ::testing::ElementsAre(::testing::EndsWith(why)));
  EXPECT_EQ(config("store: record.db\n").store, std::filesystem::path("record.db"));
}

}  // namespace
}  // namespace billcheck
