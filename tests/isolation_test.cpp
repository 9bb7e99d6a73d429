// Isolated rules: a plugin or Python rule file that crashes, exits, hangs or
// allocates without end becomes an internal finding naming it; the run
// completes with every other rule's findings and exits 2; an engine that saw
// a worker fail checks the next book as if nothing had happened.
#include "test_support.hpp"

#include "engine/isolation.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/report.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// The example firm with one line that says BOOM, which the misbehaving rules act on.
fs::path boom_book() {
  static const fs::path dir = [] {
    fs::path d = test::temp_dir("isolation-book");
    for (const auto& e : fs::directory_iterator(test::source_dir() / "examples" / "firm"))
      if (e.path().extension() == ".csv") fs::copy_file(e.path(), d / e.path().filename());
    std::string lines = test::slurp(d / "invoice_lines.csv");
    const std::string from = "Strategy call with N. Patel";
    lines.replace(lines.find(from), from.size(), "BOOM Strategy call with N. Patel");
    test::write_file(d / "invoice_lines.csv", lines);
    return d;
  }();
  return dir;
}

// The example firm's settings, plus `extra` (plugins, python, limits).
std::string config_text(const std::string& extra) {
  return test::slurp(test::source_dir() / "examples" / "firm" / "billcheck.yaml") + extra;
}

fs::path write_config(const std::string& name, const std::string& extra) {
  fs::path p = test::temp_dir("isolation-config") / (name + ".yaml");
  test::write_file(p, config_text(extra));
  return p;
}

const std::string kLimits = "limits: {rule_seconds: 2, memory: 2G}\n";

std::string plugin_config(const std::string& kind) {
  return "plugins:\n  search_paths: ['" + (test::test_plugin_dir() / "misbehaving" / kind).string() + "']\n" + kLimits;
}

std::string python_config(const std::string& file) {
  return "python: ['" + (test::data_dir() / "isolation" / file).string() + "']\n" + kLimits;
}

// Fingerprints of the findings of `billcheck check` on the BOOM book without isolated code.
std::set<std::string> baseline_fingerprints() {
  static const std::set<std::string> prints = [] {
    auto r = test::run_billcheck("check --format json " + test::shell_quoted(boom_book()) + " --config " +
                                 test::shell_quoted(write_config("baseline", "")));
    std::set<std::string> out;
    const Json report = Json::parse(r.out);
    for (const auto& f : report.at("findings")) out.insert(f.at("fingerprint").get<std::string>());
    EXPECT_FALSE(out.empty()) << r.err;
    return out;
  }();
  return prints;
}

struct Misbehaviour {
  std::string name;      // the test's name
  std::string config;    // what billcheck.yaml adds
  std::string culprit;   // what the internal finding must name
  std::string how;       // how it says the worker ended
  std::string rule;      // the rule that was running (not the calm one registered before it)
};

class Isolation : public ::testing::TestWithParam<Misbehaviour> {};

// Why this build cannot show a misbehaviour, or "".
std::string cannot_run(const Misbehaviour& m) {
  if (m.name.starts_with("Python") && test::cache_value("BILLCHECK_BUILD_PYTHON") == "OFF")
    return "built without the Python module";
  // ASan reserves terabytes of address space for itself: the worker cannot
  // run under limits.memory there (host/worker/main.cpp).
  if (m.name == "PluginHugeAllocation" && test::built_with_asan())
    return "built with AddressSanitizer: limits.memory is not applied";
  return {};
}

TEST_P(Isolation, TheRunCompletesNamesTheCulpritKeepsEveryOtherFindingAndExitsTwo) {
  const Misbehaviour& m = GetParam();
  if (std::string why = cannot_run(m); !why.empty()) GTEST_SKIP() << why;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = test::run_billcheck("check --format json " + test::shell_quoted(boom_book()) + " --config " +
                               test::shell_quoted(write_config(m.name, m.config)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
  EXPECT_EQ(r.status, 2) << r.err;
  Json report = Json::parse(r.out);
  std::set<std::string> prints;
  std::vector<std::string> internal, blamed;
  for (const auto& f : report.at("findings")) {
    if (f.at("category") == "internal") {
      internal.push_back(f.at("message").get<std::string>());
      blamed.push_back(f.at("rule").get<std::string>());
    } else {
      prints.insert(f.at("fingerprint").get<std::string>());
    }
  }
  EXPECT_EQ(prints, baseline_fingerprints());
  ASSERT_EQ(internal.size(), 1u) << r.out;
  EXPECT_THAT(internal[0], HasSubstr(m.culprit));
  EXPECT_THAT(internal[0], HasSubstr(m.how));
  // The rule that was running, also when the worker ended without a last word (an exit).
  EXPECT_EQ(blamed[0], m.rule);
  EXPECT_THAT(internal[0], ::testing::AnyOf(HasSubstr("while rule " + m.rule + " checked"),
                                            HasSubstr("Rule " + m.rule + " failed on")));
}

// The same through the engine API, in this process: it survives, and the same
// engine then checks a second book with every finding and no internal one.
TEST_P(Isolation, ThroughTheEngineApiTheHostSurvivesAndChecksASecondBook) {
  const Misbehaviour& m = GetParam();
  if (std::string why = cannot_run(m); !why.empty()) GTEST_SKIP() << why;
  const Config config = load_config(write_config(m.name + "-api", m.config));
  ASSERT_TRUE(config.errors.empty());
  const Engine engine(config);
  const Report first = engine.check(load_book(boom_book()));
  std::set<std::string> prints;
  std::vector<std::string> internal;
  for (const auto& f : first.findings) {
    if (f.category == "internal") {
      internal.push_back(f.message);
      EXPECT_EQ(f.rule, m.rule);
    } else {
      prints.insert(f.fingerprint);
    }
  }
  EXPECT_EQ(prints, baseline_fingerprints());
  ASSERT_EQ(internal.size(), 1u);
  EXPECT_THAT(internal[0], HasSubstr(m.culprit));
  EXPECT_THAT(internal[0], HasSubstr(m.how));

  const Book clean = load_book(test::source_dir() / "examples" / "firm");
  const Report second = engine.check(clean);
  EXPECT_FALSE(second.has_internal_errors());
  const Report expected = Engine(load_config(write_config("plain", ""))).check(clean);
  ASSERT_EQ(second.findings.size(), expected.findings.size());
  for (std::size_t i = 0; i < expected.findings.size(); ++i)
    EXPECT_EQ(finding_to_json(second.findings[i]), finding_to_json(expected.findings[i]));
}

INSTANTIATE_TEST_SUITE_P(
    Misbehaviours, Isolation,
    ::testing::Values(
        Misbehaviour{"PluginSegfault", plugin_config("segfault"), "plugin testsegfault", "SIGSEGV",
                     "testsegfault.boom"},
        Misbehaviour{"PluginAbort", plugin_config("abort"), "plugin testabort", "SIGABRT", "testabort.boom"},
        Misbehaviour{"PluginExitZero", plugin_config("exit"), "plugin testexit", "exited (status 0)", "testexit.boom"},
        Misbehaviour{"PluginInfiniteLoop", plugin_config("loop"), "plugin testloop", "did not finish within 4 s",
                     "testloop.boom"},
        Misbehaviour{"PluginHugeAllocation", plugin_config("alloc"), "testalloc.boom", "std::bad_alloc",
                     "testalloc.boom"},
        Misbehaviour{"PythonExit", python_config("py_exit.py"), "py_exit.py", "exited (status 0)", "pyexit.boom"},
        Misbehaviour{"PythonInfiniteLoop", python_config("py_loop.py"), "py_loop.py", "did not finish within 4 s",
                     "pyloop.boom"},
        Misbehaviour{"PythonNullRead", python_config("py_nullread.py"), "py_nullread.py", "SIGSEGV",
                     "pynullread.boom"}),
    [](const auto& info) { return info.param.name; });

TEST(IsolationCli, APluginWhoseRegistrationThrowsIsRefusedWithTheReasonAndTheRunExitsTwo) {
  auto r = test::run_billcheck("check --format json " + test::shell_quoted(boom_book()) + " --config " +
                               test::shell_quoted(write_config("registration", plugin_config("registration"))));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("the licence file is missing"));
  std::set<std::string> prints;
  const Json report = Json::parse(r.out);
  for (const auto& f : report.at("findings")) prints.insert(f.at("fingerprint").get<std::string>());
  EXPECT_EQ(prints, baseline_fingerprints());
}

// The example firm's settings with the well-behaved test plugin, whose marker
// rule flags each line that names Patel, isolated or in process.
fs::path marker_config(bool isolate) {
  std::string text = config_text("plugins:\n  search_paths: ['" + test::test_plugin_dir().string() +
                                 "']\n  isolate: {good_plugin: " + (isolate ? "true" : "false") + "}\n");
  text.replace(text.find("rules:\n") + 7, 0, "  testgood.marker: {options: {word: Patel}}\n");
  fs::path p = test::temp_dir("isolation-marker") / "billcheck.yaml";
  test::write_file(p, text);
  return p;
}

TEST(IsolationCli, AnIsolatedWellBehavedPluginGivesTheSameReportByteForByte) {
  auto with = [&](bool isolate, const std::string& format = "json") {
    return test::run_billcheck("check --format " + format + " " + test::shell_quoted(boom_book()) + " --config " +
                               test::shell_quoted(marker_config(isolate)));
  };
  auto in_process = with(false);
  auto isolated = with(true);
  EXPECT_EQ(in_process.status, isolated.status);
  EXPECT_THAT(isolated.out, HasSubstr("testgood.marker"));
  EXPECT_EQ(in_process.out, isolated.out);
  // The text report too, with its file:line locations.
  EXPECT_EQ(with(false, "text").out, with(true, "text").out);
}

// Told of the book's files before loading them (as `billcheck check` does),
// the workers load the files themselves; the report is of the book the caller
// loaded, also when a file changes after that load, and when the book checked
// is another one.
TEST(IsolationEngine, WorkersLoadTheBooksOwnFilesOnlyWhileTheyAreTheOnesTheCallerLoaded) {
  const Engine isolated(load_config(marker_config(true)));
  const Engine plain(load_config(marker_config(false)));
  auto findings = [](const Report& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings) out.push_back(finding_to_json(f));
    return out;
  };
  const fs::path dir = test::temp_dir("isolation-source") / "book";
  fs::copy(boom_book(), dir);
  const BookSource source{dir, {}};

  isolated.prepare(source);
  const Book book = load_book(dir);
  CheckOptions options;
  options.source = source;
  const Report first = isolated.check(book, options);
  EXPECT_FALSE(first.has_internal_errors());
  EXPECT_EQ(findings(first), findings(plain.check(book)));
  EXPECT_THAT(findings(first), ::testing::Contains(HasSubstr("testgood.marker")));

  // A file changed after the caller's load: the book checked is the one loaded.
  isolated.prepare(source);
  const Book before = load_book(dir);
  std::string lines = test::slurp(dir / "invoice_lines.csv");
  lines.replace(lines.find("N. Patel"), 8, "N. Pattison");
  test::write_file(dir / "invoice_lines.csv", lines);
  const Report changed = isolated.check(before, options);
  EXPECT_EQ(findings(changed), findings(plain.check(before)));
  EXPECT_THAT(findings(changed), ::testing::Contains(HasSubstr("testgood.marker")));

  // Prepared for one book, checking another: that other book's findings.
  isolated.prepare(source);
  const Book after = load_book(dir);
  const Report other = isolated.check(load_book(boom_book()));
  EXPECT_EQ(findings(other), findings(plain.check(load_book(boom_book()))));
  // And the source, still unchanged, checked again.
  EXPECT_EQ(findings(isolated.check(after, options)), findings(plain.check(after)));
  EXPECT_THAT(findings(plain.check(after)), ::testing::Not(::testing::Contains(HasSubstr("testgood.marker"))));
}

TEST(IsolationConfig, UnknownPluginNamesAndBadLimitsAreLocatedErrors) {
  Config c = parse_config("plugins:\n  isolate: {good_plugn: false}\nlimits: {rule_seconds: soon, memory: lots}\n"
                          "python_isolate: maybe\n",
                          "b.yaml");
  EXPECT_THAT(c.errors, ::testing::Contains(HasSubstr("b.yaml:3:24: limits.rule_seconds: 'soon'")));
  EXPECT_THAT(c.errors, ::testing::Contains(HasSubstr("b.yaml:3:38: limits.memory: 'lots' is not a size")));
  EXPECT_THAT(c.errors, ::testing::Contains(HasSubstr("python_isolate: 'maybe' is not true or false")));
  c.errors.clear();
  c.plugin_search_paths.push_back(test::test_plugin_dir());
  try {
    Engine engine(c);
    ADD_FAILURE() << "an unknown plugin name in plugins.isolate must be refused";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("b.yaml:2:13: plugins.isolate: there is no plugin file named 'good_plugn'"));
  }
  Config sizes = parse_config("limits: {rule_seconds: 5, memory: 512M}\n", "b.yaml");
  EXPECT_TRUE(sizes.errors.empty());
  EXPECT_EQ(sizes.limits.rule_seconds, 5u);
  EXPECT_EQ(sizes.limits.memory, std::uint64_t{512} << 20);
}

// In one process, as an accounting package or the service would: the worker
// crashes on the first book, and the same engine checks a second book fully.
TEST(IsolationEngine, AfterAWorkerCrashTheSameEngineChecksTheNextBook) {
  Config c = load_config(write_config("engine", plugin_config("segfault")));
  ASSERT_TRUE(c.errors.empty());
  Engine engine(c);
  const Book boom = load_book(boom_book());
  Report first = engine.check(boom);
  ASSERT_TRUE(first.has_internal_errors());
  std::size_t internal = 0;
  for (const auto& f : first.findings)
    if (f.category == "internal") {
      ++internal;
      EXPECT_THAT(f.message, HasSubstr("SIGSEGV"));
      EXPECT_EQ(f.rule, "testsegfault.boom");
    }
  EXPECT_EQ(internal, 1u);

  const Book clean = load_book(test::source_dir() / "examples" / "firm");
  Report second = engine.check(clean);
  EXPECT_FALSE(second.has_internal_errors());
  Engine plain(load_config(write_config("plain", "")));
  Report expected = plain.check(clean);
  ASSERT_EQ(second.findings.size(), expected.findings.size());
  for (std::size_t i = 0; i < expected.findings.size(); ++i)
    EXPECT_EQ(finding_to_json(second.findings[i]), finding_to_json(expected.findings[i]));
  // And the crash again: the worker is replaced each time.
  EXPECT_TRUE(engine.check(boom).has_internal_errors());
  EXPECT_TRUE(engine.check_invoice(boom, "NW-2025-05").has_internal_errors());
  EXPECT_FALSE(engine.check_invoice(boom, "NW-2025-06").has_internal_errors());
}

// What a worker sends is untrusted: every malformed finding is refused with the reason.
TEST(IsolationWire, AFindingFromAWorkerIsValidatedLikeInput) {
  Finding good;
  good.rule = "x.rule";
  good.category = "data";
  good.message = "m";
  good.amount_at_stake = Decimal::parse("12.50");
  good.evidence_of("word", "w");
  Json wire = detail::finding_to_wire(good);
  Finding back = detail::finding_from_wire(wire);
  EXPECT_EQ(finding_to_json(back), finding_to_json(good));

  auto refused = [&](const std::string& key, Json value) {
    Json bad = wire;
    bad[key] = std::move(value);
    EXPECT_THROW(detail::finding_from_wire(bad), Error) << key;
  };
  refused("severity", "fatal");
  refused("category", "made-up");
  refused("amount_at_stake", "12,50");
  refused("evidence", Json::array({1, 2}));
  refused("message", 42);
  refused("fix", "not a fix");
  refused("invoice", std::string(2 << 20, 'x'));
  // A long message is not malformed: a rule in process may write one.
  Json long_message = wire;
  long_message["message"] = std::string(2 << 20, 'x');
  EXPECT_EQ(detail::finding_from_wire(long_message).message.size(), std::size_t{2} << 20);
  EXPECT_THROW(detail::finding_from_wire(Json::array()), Error);
  EXPECT_THROW(detail::rule_info_from_json(Json{{"id", "x.y"}, {"category", "nope"}}), Error);
}

// ---- containment of rules that run in this process (isolated or not) ----

// A misbehaving test plugin run in process (plugins.isolate: false) or in its worker.
std::string plugin_config(const std::string& kind, bool isolate) {
  return "plugins:\n  search_paths: ['" + (test::test_plugin_dir() / "misbehaving" / kind).string() +
         "']\n  isolate: {misbehaving_" + kind + ": " + (isolate ? "true" : "false") + "}\n" + kLimits;
}

std::string python_config(const std::string& file, bool isolate) {
  return python_config(file) + "python_isolate: " + (isolate ? "true" : "false") + "\n";
}

bool without_python() { return test::cache_value("BILLCHECK_BUILD_PYTHON") == "OFF"; }

test::RunResult check_json(const std::string& name, const std::string& extra) {
  return test::run_billcheck("check --format json " + test::shell_quoted(boom_book()) + " --config " +
                             test::shell_quoted(write_config(name, extra)));
}

struct Chatter {
  std::string name;
  std::string config;
  bool python = false;
};

class RuleChatter : public ::testing::TestWithParam<Chatter> {};

// What a rule prints to fd 1 (printf, std::cout, write(1), Python's print and
// os.write(1)) goes to stderr: the JSON report on stdout still parses, whole.
TEST_P(RuleChatter, WhatARulePrintsGoesToStderrAndTheReportOnStdoutStaysWhole) {
  const Chatter& c = GetParam();
  if (c.python && without_python()) GTEST_SKIP() << "built without the Python module";
  auto r = check_json(c.name, c.config);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("chatter")));
  EXPECT_THAT(r.err, HasSubstr("chatter from"));
  const Json report = Json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out.substr(0, 300);
  std::set<std::string> prints;
  for (const auto& f : report.at("findings")) prints.insert(f.at("fingerprint").get<std::string>());
  EXPECT_EQ(prints, baseline_fingerprints());
}

INSTANTIATE_TEST_SUITE_P(
    Rules, RuleChatter,
    ::testing::Values(Chatter{"PluginInProcess", plugin_config("print", false)},
                      Chatter{"PluginIsolated", plugin_config("print", true)},
                      Chatter{"PythonInProcess", python_config("py_print.py", false), true},
                      Chatter{"PythonIsolated", python_config("py_print.py", true), true}),
    [](const auto& info) { return info.param.name; });

// The lists `billcheck plugins` and `billcheck rules` print are the output too:
// what a plugin prints while it registers goes to stderr.
TEST(RuleChatterLists, WhatAPluginPrintsWhileRegisteringIsNotInThePluginAndRuleLists) {
  const std::string config = test::shell_quoted(write_config("chatter-lists", plugin_config("print", false)));
  for (const std::string command : {"plugins", "rules"}) {
    SCOPED_TRACE(command);
    auto r = test::run_billcheck(command + " --config " + config);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("testprint.boom"));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("chatter")));
    EXPECT_THAT(r.err, HasSubstr("chatter while registering"));
  }
}

// exit(0) in a rule run in process must not pass for a clean check: exit 2,
// no report, and stderr names the rule and the record.
TEST(RuleExit, ARuleInProcessThatCallsExitEndsTheProgramWithStatusTwoNamingIt) {
  auto r = check_json("exit-in-process", plugin_config("exit", false));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("rule testexit.boom (plugin testexit) checking line "));
  EXPECT_THAT(r.err, HasSubstr("ended the program"));
  EXPECT_THAT(r.err, HasSubstr("no report was written"));
}

TEST(RuleExit, APythonRuleInProcessThatCallsTheCLibrarysExitEndsTheProgramWithStatusTwo) {
  if (without_python()) GTEST_SKIP() << "built without the Python module";
  auto r = check_json("libc-exit-in-process", python_config("py_libcexit.py", false));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("rule pylibcexit.boom"));
  EXPECT_THAT(r.err, HasSubstr("ended the program"));
}

// `billcheck test` of one fixture, the BOOM book, with a misbehaving plugin run
// in process: its rules run as `check` runs them.
test::RunResult test_fixture(const std::string& kind) {
  const fs::path dir = test::temp_dir("fixture-" + kind);
  test::write_file(dir / "expect.yaml", "fixtures:\n  - book: '" + boom_book().string() + "'\n    config: '" +
                                            write_config("fixture-" + kind, plugin_config(kind, false)).string() +
                                            "'\n    not_flagged:\n      - {rule: test" + kind + ".boom}\n");
  return test::run_billcheck("test " + test::shell_quoted(dir));
}

// The tally `billcheck test` prints is its output: a rule's chatter goes to stderr.
TEST(RuleChatterLists, WhatARulePrintsIsNotInTheTallyOfBillcheckTest) {
  auto r = test_fixture("print");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "1 passed, 0 failed\n");
  EXPECT_THAT(r.err, HasSubstr("chatter from printf"));
}

// exit(0) in a fixture's rule must not pass for fixtures that passed.
TEST(RuleExit, ARuleThatCallsExitEndsBillcheckTestWithStatusTwoNamingIt) {
  auto r = test_fixture("exit");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("billcheck: rule testexit.boom (plugin testexit) checking line "));
  EXPECT_THAT(r.err, HasSubstr("ended the program (it called exit); the book was not fully checked"));
}

// sys.exit() in a Python rule raises SystemExit: a failure of that rule, in
// process and isolated, and the check goes on.
TEST(RuleExit, SystemExitInAPythonRuleIsThatRulesFailureNotTheProgramsEnd) {
  if (without_python()) GTEST_SKIP() << "built without the Python module";
  for (bool isolate : {false, true}) {
    SCOPED_TRACE(isolate ? "isolated" : "in process");
    auto r = check_json(std::string("sysexit-") + (isolate ? "isolated" : "in-process"),
                        python_config("py_sysexit.py", isolate));
    EXPECT_EQ(r.status, 2) << r.err;
    const Json report = Json::parse(r.out);
    std::set<std::string> prints;
    std::vector<Json> internal;
    for (const auto& f : report.at("findings")) {
      if (f.at("category") == "internal") internal.push_back(f);
      else prints.insert(f.at("fingerprint").get<std::string>());
    }
    EXPECT_EQ(prints, baseline_fingerprints());
    ASSERT_EQ(internal.size(), 1u) << r.out;
    EXPECT_EQ(internal[0].at("rule"), "pysysexit.boom");
    EXPECT_THAT(internal[0].at("message").get<std::string>(), HasSubstr("SystemExit"));
  }
}

// A rule whose error is 5 MB of text: the same finding in process and
// isolated (where it used to lose the worker's whole reply), its quote of the
// error cut at 4096 bytes on a character boundary, with a marker.
TEST(RuleError, AHugeErrorIsCutToTheSameFindingInProcessAndIsolated) {
  auto in_process = check_json("huge-error-in-process", plugin_config("hugeerror", false));
  auto isolated = check_json("huge-error-isolated", plugin_config("hugeerror", true));
  EXPECT_EQ(in_process.status, 2) << in_process.err;
  EXPECT_EQ(isolated.status, 2) << isolated.err;
  EXPECT_EQ(in_process.out, isolated.out);
  const Json report = Json::parse(isolated.out);
  std::vector<std::string> internal;
  for (const auto& f : report.at("findings"))
    if (f.at("category") == "internal") internal.push_back(f.at("message").get<std::string>());
  ASSERT_EQ(internal.size(), 1u) << isolated.out.substr(0, 2000);
  const std::string& m = internal[0];
  EXPECT_THAT(m, HasSubstr("Rule testhugeerror.boom failed on line 1 of invoice NW-2025-05"));
  EXPECT_THAT(m, HasSubstr(std::string(4095, 'x') + "… [cut: the rule's error was 5246977 bytes]"));
  EXPECT_LT(m.size(), 4096u + 400u);
}

// A rule that reports 4 MB of ordinary findings (one of them a 2 MB message):
// isolated, its worker's reply is read whole (a message past 1 MiB used to
// fail the reply, an internal finding and exit 2 instead of the findings), and
// the report is the one the rule gives in process, byte for byte.
TEST(RuleFindings, MegabytesOfFindingsAreTheSameReportInProcessAndIsolated) {
  auto in_process = check_json("huge-findings-in-process", plugin_config("hugefinding", false));
  auto isolated = check_json("huge-findings-isolated", plugin_config("hugefinding", true));
  EXPECT_EQ(in_process.status, 1) << in_process.err;
  EXPECT_EQ(isolated.status, 1) << isolated.err;
  EXPECT_TRUE(in_process.out == isolated.out) << "the isolated report differs: " << isolated.out.substr(0, 2000);
  const Json report = Json::parse(isolated.out);
  std::size_t huge = 0, small = 0;
  for (const auto& f : report.at("findings")) {
    EXPECT_NE(f.at("category"), "internal") << f.at("message").get<std::string>().substr(0, 300);
    if (f.at("rule") != "testhugefinding.boom") continue;
    const std::string m = f.at("message").get<std::string>();
    if (m.size() > 1024 * 1024) {
      ++huge;
      EXPECT_EQ(m, std::string((std::size_t{1} << 20) - 1, 'x') + "\xC3\xA9" + std::string(std::size_t{1} << 20, 'y'));
    } else {
      ++small;
    }
  }
  EXPECT_EQ(huge, 1u);
  EXPECT_EQ(small, 2000u);
}

}  // namespace
}  // namespace billcheck
