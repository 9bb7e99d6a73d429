// The billcheck executable end to end: exit codes, report shapes, errors a
// user sees, and byte-identical output for any --jobs.
#include "test_support.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace billcheck {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test::run_billcheck;

const std::string kEngineBook = "tests/data/engine/book";

// Configs written per test process (ctest runs tests in parallel), outside the source tree.
std::string config_file(const std::string& name, const std::string& yaml) {
  static const auto dir = test::temp_dir("cli-configs");
  test::write_file(dir / name, yaml);
  return (dir / name).string();
}

// Loads the test plugin, whose rule flags lines mentioning MARKER.
std::string plugins_option() {
  return "--config '" +
         config_file("test-plugins.yaml", "plugins:\n  search_paths: ['" + test::test_plugin_dir().string() + "']\n") +
         "'";
}

class Cli : public ::testing::Test {
 protected:
  const std::string kPlugins = plugins_option();
};

TEST_F(Cli, HelpExitsZeroAndNamesTheCommands) {
  auto r = run_billcheck("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* cmd : {"check", "rules", "plugins", "test"}) EXPECT_THAT(r.out, HasSubstr(cmd));
  EXPECT_THAT(r.out, HasSubstr("Exit status: 0 clean, 1 findings"));
}

TEST_F(Cli, UsageErrorExitsTwo) {
  EXPECT_EQ(run_billcheck("").status, 2);
  EXPECT_EQ(run_billcheck("check").status, 2);
  EXPECT_EQ(run_billcheck("check " + kEngineBook + " --format xml").status, 2);
  EXPECT_EQ(run_billcheck("frobnicate").status, 2);
}

TEST_F(Cli, CleanBookExitsZero) {
  auto r = run_billcheck("check tests/data/cli/clean");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("No billing errors found."));
  EXPECT_THAT(r.out, HasSubstr("1 invoice, 1 line checked"));
}

TEST_F(Cli, FindingsExitOneAtOrAboveFailOn) {
  // The test rule reports warnings only.
  EXPECT_EQ(run_billcheck("check " + kEngineBook + " " + kPlugins).status, 0);
  EXPECT_EQ(run_billcheck("check " + kEngineBook + " " + kPlugins + " --fail-on warning").status, 1);
  EXPECT_EQ(run_billcheck("check " + kEngineBook + " " + kPlugins + " --fail-on never").status, 0);
}

TEST_F(Cli, BrokenCsvGivesEveryLocatedErrorAndExitTwo) {
  auto r = run_billcheck("check tests/data/cli/broken");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");  // no report
  EXPECT_THAT(r.err, HasSubstr("tests/data/cli/broken/invoices.csv:2: column 'issue_date'"));
  EXPECT_THAT(r.err, HasSubstr("tests/data/cli/broken/invoices.csv:3:"));
  EXPECT_THAT(r.err, HasSubstr("the book was not loaded"));
}

TEST_F(Cli, MissingBookExitsTwo) {
  auto r = run_billcheck("check tests/data/cli/no-such-book");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("no-such-book"));
}

TEST_F(Cli, BadConfigIsLocatedAndExitsTwo) {
  std::string bad = config_file("bad.yaml", "rules:\n  arithmetic.line-amount: {severity: loud}\n");
  auto r = run_billcheck("check tests/data/cli/clean --config '" + bad + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr(bad + ":2:38: severity 'loud' is not one of error, warning, info"));
}

TEST_F(Cli, JsonReportHasTheContractShape) {
  auto r = run_billcheck("check " + kEngineBook + " " + kPlugins + " --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], 1);
  ASSERT_TRUE(j["findings"].is_array());
  ASSERT_FALSE(j["findings"].empty());
  const auto& f = j["findings"][0];
  for (const char* key : {"rule", "severity", "category", "message", "evidence", "fingerprint"})
    EXPECT_TRUE(f.contains(key)) << key;
  EXPECT_EQ(f["client"], "C1");
  EXPECT_TRUE(j["summary"].contains("by_severity"));
  EXPECT_TRUE(j["summary"].contains("amount_at_stake"));
  EXPECT_TRUE(j["waived"].is_array());
}

TEST_F(Cli, SameBytesForOneAndFourJobs) {
  for (const char* format : {"json", "text"}) {
    auto one = run_billcheck("check " + kEngineBook + " " + kPlugins + " --format " + format + " --jobs 1");
    auto four = run_billcheck("check " + kEngineBook + " " + kPlugins + " --format " + format + " --jobs 4");
    EXPECT_EQ(one.status, four.status);
    EXPECT_FALSE(one.out.empty());
    EXPECT_EQ(one.out, four.out) << format;
  }
}

TEST_F(Cli, JsonFromStdinAndOutputFile) {
  auto dir = test::temp_dir("cli-out");
  test::write_file(dir / "book.json", R"({"invoices": [{"invoice_id": "I1", "client_id": "C", "issue_date": "2026-01-05",
    "currency": "USD", "total": 12}], "invoice_lines": [{"invoice_id": "I1", "line_no": 1, "type": "fee",
    "quantity": 1, "rate": 10, "amount": 12}]})");
  auto r = run_billcheck("check - --format json --output '" + (dir / "report.json").string() + "'", "NO_COLOR=1",
                         (dir / "book.json").string());
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out, "");
  auto j = nlohmann::json::parse(test::slurp(dir / "report.json"));
  ASSERT_FALSE(j["findings"].empty());
  EXPECT_EQ(j["findings"][0]["rule"], "arithmetic.line-amount");
  EXPECT_EQ(j["findings"][0]["amount_at_stake"], "2.00");
  std::filesystem::remove_all(dir);
}

TEST_F(Cli, NoColourWithNoColorOrWhenPiped) {
  auto r = run_billcheck("check " + kEngineBook + " " + kPlugins + " --color always", "NO_COLOR=1");
  EXPECT_THAT(r.out, Not(HasSubstr("\033[")));
  auto forced = run_billcheck("check " + kEngineBook + " " + kPlugins + " --color always", "NO_COLOR=");
  EXPECT_THAT(forced.out, HasSubstr("\033["));
  auto piped = run_billcheck("check " + kEngineBook + " " + kPlugins, "NO_COLOR=");
  EXPECT_THAT(piped.out, Not(HasSubstr("\033[")));
}

TEST_F(Cli, StatsGoToStderr) {
  auto r = run_billcheck("check " + kEngineBook + " " + kPlugins + " --stats");
  EXPECT_THAT(r.err, HasSubstr("arithmetic.line-amount"));
  EXPECT_THAT(r.out, Not(HasSubstr("time (ms)")));
}

TEST_F(Cli, PluginsListsNameVersionAbiPathAndRules) {
  auto r = run_billcheck("plugins " + kPlugins);
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("testgood 1.2.3 (ABI 5.5) " + test::test_plugin_dir().string() + "/good_plugin.so"));
  EXPECT_THAT(r.out, HasSubstr("  testgood.marker"));
  EXPECT_THAT(r.out, HasSubstr("arithmetic "));
}

// A plugin refused is listed with why, said once ("not loaded: is refused:" before).
TEST_F(Cli, PluginsSaysWhyAFileWasRefused) {
  const auto dir = test::temp_dir("plugins-fifo");
  ASSERT_EQ(::mkfifo((dir / "fifo.so").c_str(), 0644), 0);
  auto r = run_billcheck("plugins --config '" +
                         config_file("fifo-plugins.yaml", "plugins:\n  search_paths: ['" + dir.string() + "']\n") + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr((dir / "fifo.so").string() +
                               "\n  this file is refused: it is a FIFO (named pipe), not a shared library file\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("not loaded: is")));
  auto disabled = run_billcheck(
      "plugins --config '" +
      config_file("disabled-plugins.yaml", "plugins:\n  search_paths: ['" + test::test_plugin_dir().string() +
                                               "']\n  disable: [testgood]\n") +
      "'");
  EXPECT_THAT(disabled.out, HasSubstr("good_plugin.so\n  not loaded: disabled by plugins.disable in the config\n"));
}

// A Python rule file that cannot be loaded (a FIFO, a file that is not there)
// is named with the line of billcheck.yaml that names it, and the check does
// not run (exit 2). Nothing is read from the FIFO, isolated or in process.
TEST_F(Cli, APythonFileThatCannotBeLoadedIsNamedWithTheConfigLine) {
  namespace fs = std::filesystem;
  const auto dir = test::temp_dir("python-unloadable");
  ASSERT_EQ(::mkfifo((dir / "rules.py").c_str(), 0644), 0);
  for (const char* isolate : {"true", "false"}) {
    const fs::path config = dir / "billcheck.yaml";
    test::write_file(config, std::string("# the firm's Python rules\npython:\n  - rules.py\n  - missing.py\npython_isolate: ") +
                                 isolate + "\n");
    auto r = run_billcheck("check examples/firm --config '" + config.string() + "'");
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(config.string() + ":3:5: python: " + (dir / "rules.py").string() +
                                 " is a FIFO (named pipe), not a Python file"))
        << isolate;
    EXPECT_THAT(r.err, HasSubstr(config.string() + ":4:5: python: " + (dir / "missing.py").string() +
                                 ": cannot read the rule file: No such file or directory"))
        << isolate;
    EXPECT_EQ(r.out, "");
  }
  fs::remove_all(dir);
}

// Only `serve` loads cpp-httplib and what it brings (OpenSSL's libssl, zlib,
// Brotli): the service is a module it loads, and the program's start (every
// command's) does not pay for them.
TEST_F(Cli, OnlyServeLoadsTheHttpLibrary) {
  const std::filesystem::path log = test::temp_dir("cli-libs") / "ldd";
  ASSERT_EQ(test::run_shell("LD_TRACE_LOADED_OBJECTS=1 " + test::shell_quoted(BILLCHECK_EXE), log), 0) << test::slurp(log);
  const std::string loaded = test::slurp(log);
  EXPECT_THAT(loaded, HasSubstr("libbillcheck_engine.so"));
  for (const char* library : {"libcpp-httplib", "libssl", "libbrotli"}) EXPECT_THAT(loaded, Not(HasSubstr(library)));
  auto routes = run_billcheck("serve --routes");
  EXPECT_EQ(routes.status, 0) << routes.err;
  EXPECT_THAT(routes.out, HasSubstr("POST /v1/check\n"));
}

TEST_F(Cli, RulesListsAndExplains) {
  auto list = run_billcheck("rules");
  EXPECT_EQ(list.status, 0);
  EXPECT_THAT(list.out, HasSubstr("arithmetic.line-amount"));
  auto explain = run_billcheck("rules --explain arithmetic.line-amount");
  EXPECT_EQ(explain.status, 0);
  EXPECT_THAT(explain.out, HasSubstr("category: arithmetic"));
  EXPECT_THAT(explain.out, HasSubstr("tolerance (decimal, default 0)"));
  auto unknown = run_billcheck("rules --explain nope.nope");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_THAT(unknown.err, HasSubstr("no rule 'nope.nope'"));
  // A mistyped id is named with the closest one, as a mistyped command is.
  auto typo = run_billcheck("rules --explain arithmetic.line-amont");
  EXPECT_EQ(typo.status, 2);
  EXPECT_EQ(typo.err, "billcheck: no rule 'arithmetic.line-amont'; did you mean 'arithmetic.line-amount'? (run "
                      "`billcheck rules` to list them)\n");
}

// A rule a plugin registered that the host refused did not check the book:
// check says so on stderr and in the report, and exits 2 unless told to go on.
TEST_F(Cli, ARuleRefusedAtRegistrationExitsTwoUnlessAllowed) {
  std::string refusing = config_file(
      "refused-rules.yaml", "plugins:\n  search_paths: ['" + (test::test_plugin_dir() / "refused-rules").string() + "']\n");
  auto r = run_billcheck("check tests/data/cli/clean --config '" + refusing + "'");
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("billcheck: 2 plugin rules were refused, so they did not run (see 'Refused' in the "
                               "report); fix or remove them, or pass --allow-refused-plugins\n"));
  EXPECT_THAT(r.out, HasSubstr("\nRefused (their rules did not run)\n  rule testrefuse.bad-severity of "));
  EXPECT_THAT(r.out, HasSubstr("refused_rules_plugin.so: refused at registration: its severity (7) is not one of "
                               "Severity::info, warning or error; plugin testrefuse's other rules ran\n"));
  auto allowed = run_billcheck("check tests/data/cli/clean --allow-refused-plugins --config '" + refusing + "'");
  EXPECT_EQ(allowed.status, 0) << allowed.err;
  EXPECT_THAT(allowed.out, HasSubstr("rule testrefuse.bad-severity of "));
  auto json = nlohmann::json::parse(run_billcheck("check tests/data/cli/clean --format json --config '" + refusing + "'").out);
  ASSERT_EQ(json["refused"].size(), 2u);
  EXPECT_EQ(json["refused"][0]["kind"], "rule");
  EXPECT_EQ(json["refused"][0]["name"], "testrefuse.bad-severity");
}

// `billcheck plugins` is where a plugin's author looks: a rule of it the host
// refused is listed under it with the reason, not left out as if never written.
TEST_F(Cli, PluginsListsTheRulesRefusedAtRegistration) {
  std::string refusing = config_file(
      "refused-rules.yaml", "plugins:\n  search_paths: ['" + (test::test_plugin_dir() / "refused-rules").string() + "']\n");
  auto r = run_billcheck("plugins --config '" + refusing + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("refused_rules_plugin.so\n"
                               "  testrefuse.marker\n"
                               "  testrefuse.bad-severity: refused at registration: its severity (7) is not one of "
                               "Severity::info, warning or error; plugin testrefuse's other rules ran\n"
                               "  testrefuse.marker: refused at registration: its id is registered twice (the first "
                               "registration is kept); plugin testrefuse's other rules ran\n"));
  // A bundled plugin none of whose rules was refused lists its rules alone.
  EXPECT_THAT(r.out, HasSubstr("arithmetic.so\n  arithmetic.line-amount\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("arithmetic.line-amount:")));
}

TEST_F(Cli, ARuleThatThrowsGivesInternalFindingThenExitTwo) {
  std::string throwing = config_file(
      "throwing.yaml", "plugins:\n  search_paths: ['" + (test::test_plugin_dir() / "throwing").string() + "']\n");
  auto r = run_billcheck("check " + kEngineBook + " --config '" + throwing + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("Rule testthrow.explodes failed on invoice BOOM-2"));
  EXPECT_THAT(r.err, HasSubstr("a rule failed during the check"));
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

TEST(CliErrors, AThousandBadRowsShowTheFirstHundredAndACount) {
  auto dir = test::temp_dir("many-errors");
  std::string invoices = "invoice_id,client_id,issue_date,currency,total\n";
  for (int i = 0; i < 1000; ++i) invoices += "I" + std::to_string(i) + ",C,2026-13-01,USD,1\n";
  test::write_file(dir / "invoices.csv", invoices);
  test::write_file(dir / "invoice_lines.csv", "invoice_id,line_no,type,quantity,rate,amount\n");
  auto r = test::run_billcheck("check '" + dir.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr("invoices.csv:101: column 'issue_date'"));
  EXPECT_THAT(r.err, ::testing::Not(::testing::HasSubstr("invoices.csv:102:")));
  EXPECT_THAT(r.err, ::testing::HasSubstr("… and 900 more problems (-v lists every one)"));
  auto all = test::run_billcheck("check -v '" + dir.string() + "'");
  EXPECT_THAT(all.err, ::testing::HasSubstr("invoices.csv:1001: column 'issue_date'"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Figures too large to multiply or add exactly are the book's to correct, not a
// rule's bug: the message names the record and what to check.
TEST(CliErrors, FiguresTooLargeToWorkOutNameTheRecordNotTheRulesAuthor) {
  const auto dir = test::temp_dir("cli-overflow");
  std::filesystem::copy(test::source_dir() / "examples" / "firm", dir / "book",
                        std::filesystem::copy_options::recursive);
  std::string lines = test::slurp(dir / "book" / "invoice_lines.csv");
  const std::size_t row = lines.find(",2.5,650.00,,1625.00\n");
  ASSERT_NE(row, std::string::npos);
  lines.replace(row, 20, ",9999999999,9999999999,,1625.00");
  test::write_file(dir / "book" / "invoice_lines.csv", lines);
  const auto r = run_billcheck("check '" + (dir / "book").string() + "' --format json");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("Rule arithmetic.line-amount could not check line 1 of invoice NW-2025-05: its figures "
                               "are too large to work out exactly (decimal overflow in multiplication; the largest "
                               "amount is 9223372036854.775807). Check the quantities, rates and amounts of line 1 "
                               "of invoice NW-2025-05."));
  EXPECT_THAT(r.out, Not(HasSubstr("Report this to the rule's author")));
}

TEST(CliUsage, ANegativeMaxRowsIsRefused) {
  const auto r = run_billcheck("check examples/firm --format html --max-rows -1");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--max-rows: '-1' is not a number of rows: give 0 (all) or more"));
}

TEST(CliUsage, AnUnknownInvoiceExitsTwoAndSaysSo) {
  auto r = test::run_billcheck("check tests/data/engine/book --invoice NOPE-1");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("billcheck: --invoice: no invoice 'NOPE-1' in the book"));
}

TEST(CliUsage, NegativeJobsGiveAShortMessage) {
  auto r = test::run_billcheck("check tests/data/cli/clean --jobs -1");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("'-1' is not a number of threads: give 0 (one per core) up to 1024"));
  EXPECT_LT(r.err.size(), 400u) << r.err;
  EXPECT_EQ(test::run_billcheck("check tests/data/cli/clean --jobs 99999999999999999999").status, 2);
  EXPECT_EQ(test::run_billcheck("check tests/data/cli/clean --jobs 3").status, 0);
}

TEST(CliUsage, AMistypedCommandIsNamedWithTheClosestOne) {
  auto r = test::run_billcheck("chek examples/firm");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'chek'; did you mean 'check'?"));
  EXPECT_THAT(r.err, Not(HasSubstr("A subcommand is required")));
  auto far = test::run_billcheck("-v frobnicate");
  EXPECT_EQ(far.status, 2);
  EXPECT_THAT(far.err, HasSubstr("unknown command 'frobnicate' (billcheck --help lists the commands)"));
}

// finding, dispute and audit take a command of their own: a mistyped or
// missing one is named with the ones there are, not "A subcommand is required".
TEST(CliUsage, AMistypedOrMissingMoveOfAGroupIsNamedWithTheMovesThereAre) {
  auto r = test::run_billcheck("finding ak 0f234e --store no-such.db");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "billcheck: unknown command 'finding ak'; did you mean 'finding ack'? (billcheck finding --help "
                   "lists them: ack, resolve, waive, reopen)\n");
  auto far = test::run_billcheck("dispute frobnicate 1 --store no-such.db");
  EXPECT_EQ(far.status, 2);
  EXPECT_EQ(far.err, "billcheck: unknown command 'dispute frobnicate' (billcheck dispute --help lists them: open, ack, "
                     "investigate, resolve, close, note, show, list, paid)\n");
  auto none = test::run_billcheck("-v audit");
  EXPECT_EQ(none.status, 2);
  EXPECT_EQ(none.err, "billcheck: 'audit' needs a command after it: verify, log (billcheck audit --help)\n");
  EXPECT_EQ(test::run_billcheck("finding --help").status, 0);
}

// Options typed between a group's name and its command: each group says what
// to type instead (the options after the command), not CLI11's "A subcommand
// is required" or "The following arguments were not expected".
TEST(CliUsage, OptionsBeforeAGroupsCommandAreMovedAfterItInWhatToType) {
  auto r = test::run_billcheck("finding --store no-such.db ack 0f234e");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "billcheck: 'finding' takes its options after its command: billcheck finding ack --store no-such.db "
                   "0f234e\n");
  // An option's value that is also a command's name (--state open) stays with its option.
  auto list = test::run_billcheck("dispute --store no-such.db --state open list");
  EXPECT_EQ(list.status, 2);
  EXPECT_EQ(list.err, "billcheck: 'dispute' takes its options after its command: billcheck dispute list --store "
                      "no-such.db --state open\n");
  auto quoted = test::run_billcheck("finding --note 'on it, Bob' ack 0f234e");
  EXPECT_EQ(quoted.err, "billcheck: 'finding' takes its options after its command: billcheck finding ack --note "
                        "'on it, Bob' 0f234e\n");
  auto none = test::run_billcheck("audit --store no-such.db");
  EXPECT_EQ(none.status, 2);
  EXPECT_EQ(none.err, "billcheck: 'audit' needs a command before its options: billcheck audit COMMAND --store "
                      "no-such.db, where COMMAND is one of verify, log (billcheck audit --help)\n");
  auto flag_only = test::run_billcheck("audit -v");
  EXPECT_EQ(flag_only.status, 2);
  EXPECT_EQ(flag_only.err, "billcheck: 'audit' needs a command after it: verify, log (billcheck audit --help)\n");
  // The program's own options may still come first, and --help still helps.
  auto verbose = test::run_billcheck("finding -v ak 0f234e --store no-such.db");
  EXPECT_THAT(verbose.err, HasSubstr("billcheck: unknown command 'finding ak'; did you mean 'finding ack'?"));
  EXPECT_EQ(test::run_billcheck("dispute --help").status, 0);
}

// The example firm as LEDES, checked with its CSV folder: payments and credit
// notes come from the folder, so paid invoices are not reported unpaid.
TEST(CliLedes, WithAddsThePaymentsAndCreditNotesOfTheInvoices) {
  auto dir = test::temp_dir("ledes-with");
  const std::string ledes = (dir / "firm.ledes").string();
  ASSERT_EQ(test::run_billcheck("convert examples/firm '" + ledes + "'").status, 0);
  auto csv = nlohmann::json::parse(test::run_billcheck("check examples/firm --format json").out);
  auto with = nlohmann::json::parse(test::run_billcheck("check '" + ledes + "' --with examples/firm --format json").out);
  auto credit_findings = [](const nlohmann::json& report) {
    std::set<std::string> out;
    for (const auto& f : report["findings"])
      if (f["category"] == "credit" || f["category"] == "payments")
        out.insert(f["rule"].get<std::string>() + " " + f.value("invoice", std::string()));
    return out;
  };
  const auto from_csv = credit_findings(csv);
  for (const auto& f : credit_findings(with)) EXPECT_TRUE(from_csv.contains(f)) << "not in the CSV check: " << f;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

// Book text with terminal controls in it: ESC [ 2 J clears the screen, a bare
// CR rewrites the line, OSC 0 retitles the window, U+009B is the one-byte CSI.
constexpr std::string_view kHostileName = "Acme\x1b[2J\rLtd\xc2\x9b";
constexpr std::string_view kHostileDescription = "Drafting\x1b]0;owned\x07 memo";

std::filesystem::path hostile_book() {
  auto dir = test::temp_dir("hostile-text");
  test::write_file(dir / "clients.csv", "client_id,name,currency\nC1,\"" + std::string(kHostileName) + "\",USD\n");
  test::write_file(dir / "invoices.csv", "invoice_id,client_id,issue_date,currency,total\nINV-1,C1,2026-02-03,USD,160.00\n");
  test::write_file(dir / "invoice_lines.csv", "invoice_id,line_no,type,description,quantity,rate,amount\nINV-1,1,fee," +
                                                  std::string(kHostileDescription) + ",1.5,100.00,160.00\n");
  return dir;
}

bool has_control(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0) return true;
  }
  return false;
}

TEST(CliHostileText, TheTextReportShowsControlCharactersAsEscapes) {
  const auto book = hostile_book();
  auto r = test::run_billcheck("check '" + book.string() + "'");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Client C1 (Acme\\x1B[2J\\x0DLtd\\xC2\\x9B)\n"));
  EXPECT_FALSE(has_control(r.out)) << r.out;
}

TEST(CliHostileText, LettersAndExplanationsShowControlCharactersAsEscapes) {
  const auto book = hostile_book();
  auto letter = test::run_billcheck("letter '" + book.string() + "' --client C1 --today 2026-03-01");
  EXPECT_EQ(letter.status, 0) << letter.err;
  EXPECT_THAT(letter.out, HasSubstr("Acme\\x1B[2J\\x0DLtd\\xC2\\x9B"));
  EXPECT_FALSE(has_control(letter.out)) << letter.out;
  auto html_letter = test::run_billcheck("letter '" + book.string() + "' --client C1 --today 2026-03-01 --format html");
  EXPECT_EQ(html_letter.status, 0) << html_letter.err;
  EXPECT_THAT(html_letter.out, HasSubstr("Acme\\x1B[2J\\x0DLtd\\xC2\\x9B"));
  EXPECT_FALSE(has_control(html_letter.out)) << html_letter.out;
  for (const char* format : {"text", "md", "html"}) {
    auto explain = test::run_billcheck("explain '" + book.string() + "' --invoice INV-1 --line 1 --format " + format);
    EXPECT_EQ(explain.status, 0) << explain.err;
    EXPECT_THAT(explain.out, HasSubstr("Drafting\\x1B]0;owned\\x07 memo")) << format;
    EXPECT_FALSE(has_control(explain.out)) << explain.out;
  }
}

// The HTML report shows text as the text report does (escaping the markup left
// ESC and CR in the page), but the data its script compares stays as it is:
// the client filter still matches the rows of a client whose id holds ESC.
TEST(CliHostileText, TheHtmlReportShowsControlCharactersAsEscapesButKeepsItsData) {
  auto dir = test::temp_dir("hostile-html");
  const std::string id = "C\x1b[1m1";
  test::write_file(dir / "clients.csv", "client_id,name,currency\n\"" + id + "\",\"" + std::string(kHostileName) + "\",USD\n");
  test::write_file(dir / "invoices.csv",
                   "invoice_id,client_id,issue_date,currency,total\nINV-1,\"" + id + "\",2026-02-03,USD,160.00\n");
  test::write_file(dir / "invoice_lines.csv", "invoice_id,line_no,type,description,quantity,rate,amount\nINV-1,1,fee," +
                                                  std::string(kHostileDescription) + ",1.5,100.00,160.00\n");
  auto r = test::run_billcheck("check '" + dir.string() + "' --format html -o '" + (dir / "report.html").string() + "'");
  EXPECT_EQ(r.status, 1) << r.err;
  const std::string page = test::slurp(dir / "report.html");
  const std::string shown_id = "C\\x1B[1m1";
  const std::string shown_name = "Acme\\x1B[2J\\x0DLtd\\xC2\\x9B";
  // Text: the findings table's client, the filter's label, the line's description.
  EXPECT_THAT(page, HasSubstr("<td>" + shown_name + " (" + shown_id + ")</td>"));
  EXPECT_THAT(page, HasSubstr("<option value=\"" + id + "\">" + shown_name + " (" + shown_id + ")</option>"));
  EXPECT_THAT(page, HasSubstr("<td>Drafting\\x1B]0;owned\\x07 memo</td>"));
  // Data: the row's client and the option's value, the same bytes as the book's id.
  EXPECT_THAT(page, HasSubstr("data-client=\"" + id + "\""));
  // No other control character is left in the page.
  std::string rest = page;
  for (std::size_t at = rest.find(id); at != std::string::npos; at = rest.find(id)) rest.erase(at, id.size());
  EXPECT_FALSE(has_control(rest)) << rest.substr(0, 4000);
}

TEST(CliHostileText, AnErrorQuotingTheBookShowsItsControlCharactersAsEscapes) {
  auto dir = test::temp_dir("hostile-error");
  std::filesystem::copy("tests/data/cli/clean", dir, std::filesystem::copy_options::recursive);
  test::write_file(dir / "invoices.csv",
                   "invoice_id,client_id,issue_date,currency,total\nINV-1,C1,2026-02-30\x1b[2J,USD,150.00\n");
  auto r = test::run_billcheck("check '" + dir.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("2026-02-30\\x1B[2J"));
  EXPECT_FALSE(has_control(r.err)) << r.err;
}

}  // namespace
}  // namespace billcheck
