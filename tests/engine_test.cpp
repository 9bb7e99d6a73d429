// The engine: plugin loading (good, other ABI, throwing, not a plugin), config
// checks against the loaded rules, determinism, waivers and per-client settings.
#include "test_support.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/report.hpp>
#include <billcheck/version.hpp>

#include <atomic>
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace billcheck {
namespace {

using ::testing::HasSubstr;
using test::data_dir;
using test::test_plugin_dir;

Config config_with(std::initializer_list<std::filesystem::path> dirs, const std::string& yaml = "") {
  Config c = yaml.empty() ? Config{} : parse_config(yaml, "billcheck.yaml");
  for (const auto& d : dirs) c.plugin_search_paths.push_back(d);
  return c;
}

Book engine_book() { return load_book(data_dir() / "engine" / "book"); }

std::vector<std::string> rules_of(const Report& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(f.rule + "@" + f.invoice + (f.line.empty() ? "" : "#" + f.line));
  return out;
}

const PluginRecord* plugin_named(const Engine& e, const std::string& name) {
  for (const auto& p : e.plugins())
    if (p.name == name) return &p;
  return nullptr;
}

TEST(PluginLoading, GoodPluginIsLoadedAndItsRuleRuns) {
  Engine engine(config_with({test_plugin_dir()}));
  const PluginRecord* p = plugin_named(engine, "testgood");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->loaded) << p->error;
  EXPECT_EQ(p->version, "1.2.3");
  EXPECT_EQ(p->abi_major, 5u);
  EXPECT_THAT(p->rules, ::testing::ElementsAre("testgood.marker"));
  ASSERT_NE(engine.find_rule("testgood.marker"), nullptr);
  Book book = engine_book();
  Report r = engine.check(book);
  std::vector<std::string> markers;
  for (const auto& f : r.findings)
    if (f.rule == "testgood.marker") markers.push_back(f.invoice + "#" + f.line);
  EXPECT_THAT(markers, ::testing::ElementsAre("BOOM-2#1", "INV-1#1", "INV-3#1"));
}

TEST(PluginLoading, BundledPluginsLoadWithNoConfig) {
  Engine engine;
  const PluginRecord* p = plugin_named(engine, "arithmetic");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->loaded) << p->error;
  EXPECT_NE(engine.find_rule("arithmetic.line-amount"), nullptr);
}

TEST(PluginLoading, PluginBuiltForAnotherAbiIsRefusedAndTheRestRun) {
  Engine engine(config_with({test_plugin_dir() / "other-abi", test_plugin_dir()}));
  const PluginRecord* bad = nullptr;
  for (const auto& p : engine.plugins())
    if (p.path.filename() == "other_abi_plugin.so") bad = &p;
  ASSERT_NE(bad, nullptr);
  EXPECT_FALSE(bad->loaded);
  EXPECT_THAT(bad->error, HasSubstr("was built for billcheck plugin ABI 99." + std::to_string(BILLCHECK_ABI_MINOR) +
                                    ", but this host speaks ABI 5." + std::to_string(BILLCHECK_ABI_MINOR)));
  EXPECT_THAT(bad->error, HasSubstr("rebuild the plugin against this SDK"));
  EXPECT_EQ(engine.find_rule("other-abi.marker"), nullptr);
  EXPECT_NE(engine.find_rule("testgood.marker"), nullptr);
  EXPECT_NE(engine.find_rule("arithmetic.line-amount"), nullptr);
}

TEST(PluginLoading, FileThatIsNotAPluginIsReportedAndSkipped) {
  auto dir = test::temp_dir("notplugin");
  test::write_file(dir / "notes.so", "this is not a shared library\n");
  std::filesystem::copy_file("/bin/true", dir / "true.so");  // an ELF file, but no plugin
  Engine engine(config_with({dir}));
  int refused = 0;
  for (const auto& p : engine.plugins()) {
    if (p.path.parent_path() != dir) continue;
    EXPECT_FALSE(p.loaded);
    ++refused;
    if (p.path.filename() == "notes.so") {
      EXPECT_THAT(p.error, HasSubstr("cannot be loaded as a shared library"));
    }
  }
  EXPECT_EQ(refused, 2);
  EXPECT_NE(engine.find_rule("arithmetic.line-amount"), nullptr);
  std::filesystem::remove_all(dir);
}

TEST(PluginLoading, ThrowingRuleBecomesInternalFindingAndRunGoesOn) {
  Engine engine(config_with({test_plugin_dir() / "throwing", test_plugin_dir()}));
  Book book = engine_book();
  Report r = engine.check(book);
  EXPECT_TRUE(r.has_internal_errors());
  std::vector<const Finding*> internal;
  for (const auto& f : r.findings)
    if (f.category == "internal") internal.push_back(&f);
  ASSERT_EQ(internal.size(), 1u);
  EXPECT_EQ(internal[0]->rule, "testthrow.explodes");
  EXPECT_EQ(internal[0]->invoice, "BOOM-2");
  EXPECT_THAT(internal[0]->message, HasSubstr("failed on invoice BOOM-2"));
  EXPECT_THAT(internal[0]->message, HasSubstr("cannot handle invoice BOOM-2"));
  for (const auto& f : r.findings) EXPECT_NE(f.message, "partial finding that must be discarded");
  // The other rules still ran, on every invoice.
  EXPECT_THAT(rules_of(r), ::testing::Contains("testgood.marker@BOOM-2#1"));
}

TEST(EngineConfig, UnknownRuleAndOptionAreLocatedErrors) {
  try {
    Engine engine(config_with({}, "rules:\n  arithmetic.nope: off\n  arithmetic.line-amount:\n    options: {tolerence: 1}\n"));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.messages().size(), 2u);
    EXPECT_THAT(e.messages()[0], HasSubstr("billcheck.yaml:2:3: unknown rule 'arithmetic.nope'"));
    EXPECT_THAT(e.messages()[1], HasSubstr("billcheck.yaml:4:26: rule 'arithmetic.line-amount' has no option 'tolerence'"));
  }
}

TEST(EngineConfig, WrongOptionTypeIsALocatedError) {
  try {
    Engine engine(config_with({test_plugin_dir()}, "rules:\n  arithmetic.line-amount: {options: {tolerance: lots}}\n"));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.messages().size(), 1u);
    EXPECT_THAT(e.messages()[0], HasSubstr("billcheck.yaml:2:49: rule 'arithmetic.line-amount' option 'tolerance': "
                                           "expected a decimal number, got 'lots'"));
  }
}

TEST(EngineConfig, UnknownTopLevelKeyAndBadSeverity) {
  Config c = parse_config("rulez: {}\nrules:\n  a.b: {severity: fatal}\n", "cfg.yaml");
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_THAT(c.errors[0], HasSubstr("cfg.yaml:1:1: unknown key 'rulez' in the config"));
  EXPECT_THAT(c.errors[1], HasSubstr("cfg.yaml:3:19: severity 'fatal' is not one of error, warning, info"));
  EXPECT_THROW(Engine engine(c), ConfigError);  // the Engine refuses a config with errors
}

TEST(EngineConfig, YamlSyntaxErrorIsLocated) {
  try {
    parse_config("rules:\n  a.b: [unclosed\n", "cfg.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.messages()[0], HasSubstr("cfg.yaml:"));
    EXPECT_THAT(e.messages()[0], HasSubstr("YAML syntax error"));
  }
}

TEST(EngineConfig, SeverityOffAndPerClientSettings) {
  Config c = config_with({test_plugin_dir()}, R"(
rules:
  testgood.marker: {severity: error}
clients:
  C2:
    rules:
      testgood.marker: off
  C1:
    rules:
      testgood.marker: {options: {word: memo}}
)");
  Engine engine(std::move(c));
  Book book = engine_book();
  Report r = engine.check(book);
  std::vector<std::string> markers;
  for (const auto& f : r.findings)
    if (f.rule == "testgood.marker") {
      markers.push_back(f.invoice + "#" + f.line);
      EXPECT_EQ(f.severity, Severity::error);
    }
  // C1 looks for "memo" instead of MARKER; C2 has the rule off.
  EXPECT_THAT(markers, ::testing::ElementsAre("INV-1#1"));
}

TEST(EngineWaivers, WaivedFindingsAreReportedApartUntilTheyExpire) {
  Config c = config_with({test_plugin_dir()}, R"(
waivers:
  - {rule: testgood.marker, invoice: INV-1, line: 1, reason: agreed with client, approved_by: J. Smith, expires: 2026-06-30}
)");
  Engine engine(std::move(c));
  Book book = engine_book();
  CheckOptions before;
  before.today = Date::parse_iso("2026-06-30");
  Report r = engine.check(book, before);
  ASSERT_EQ(r.waived.size(), 1u);
  EXPECT_EQ(r.waived[0].finding.invoice, "INV-1");
  EXPECT_EQ(r.waived[0].waiver.reason, "agreed with client");
  EXPECT_THAT(rules_of(r), ::testing::Not(::testing::Contains("testgood.marker@INV-1#1")));

  CheckOptions after;
  after.today = Date::parse_iso("2026-07-01");
  Report expired = engine.check(book, after);
  EXPECT_TRUE(expired.waived.empty());
  EXPECT_THAT(rules_of(expired), ::testing::Contains("testgood.marker@INV-1#1"));
}

TEST(EngineDeterminism, SameFindingsAndFingerprintsForAnyNumberOfThreads) {
  Engine engine(config_with({test_plugin_dir()}));
  Book book = engine_book();
  CheckOptions one, four;
  one.jobs = 1;
  four.jobs = 4;
  Report a = engine.check(book, one), b = engine.check(book, four);
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (std::size_t i = 0; i < a.findings.size(); ++i) {
    EXPECT_EQ(a.findings[i].fingerprint, b.findings[i].fingerprint);
    EXPECT_EQ(a.findings[i].message, b.findings[i].message);
  }
}

TEST(EngineApi, CheckInvoiceReportsOnlyThatInvoice) {
  Engine engine(config_with({test_plugin_dir()}));
  Book book = engine_book();
  Report r = engine.check_invoice(book, "INV-3");
  for (const auto& f : r.findings) EXPECT_TRUE(f.invoice == "INV-3" || f.invoice.empty()) << f.rule << " " << f.invoice;
  EXPECT_THAT(rules_of(r), ::testing::Contains("testgood.marker@INV-3#1"));
  EXPECT_THROW(engine.check_invoice(book, "NOPE"), UnknownInvoice);
}

TEST(EngineApi, AddRuleFromTheEmbeddingProgram) {
  struct BigInvoice final : InvoiceRule {
    static RuleInfo info() {
      return {.id = "host.big", .title = "Big", .category = "credit", .severity = Severity::info, .description = "d"};
    }
    void check(const Invoice& inv, Context& ctx) const override {
      if (inv.total > Decimal(250)) ctx.report(inv, "big invoice").at_stake(inv.total);
    }
  };
  Engine engine;
  RuleInfo info = BigInvoice::info();
  info.scope = Scope::invoice;
  engine.add_rule(info, [](const Options&) { return std::make_unique<BigInvoice>(); });
  Book book = engine_book();
  Report r = engine.check(book);
  EXPECT_THAT(rules_of(r), ::testing::Contains("host.big@INV-1"));
  EXPECT_EQ(r.summary.at_stake.at("USD"), Decimal::parse("300").value());
}

// A line rule's context knows the line's invoice (ABI 5.5); for any other
// line it asks the book, as book().invoice_of does.
TEST(EngineApi, ALineRulesContextGivesTheInvoiceOfAnyLine) {
  struct InvoiceOfLines final : LineRule {
    void check(const InvoiceLine& line, Context& ctx) const override {
      const InvoiceLine& first = ctx.book().lines().front();
      ctx.report(line, std::string(ctx.invoice_of(line).id) + "/" + ctx.book().invoice_of(line).id + " " +
                           ctx.invoice_of(first).id + "/" + ctx.book().invoice_of(first).id);
    }
  };
  Engine engine;
  RuleInfo info{.id = "host.invoice-of", .title = "t", .category = "data", .severity = Severity::info,
                .description = "d"};
  info.scope = Scope::line;
  engine.add_rule(info, [](const Options&) { return std::make_unique<InvoiceOfLines>(); });
  Book book = engine_book();
  const std::string first = book.invoice_of(book.lines().front()).id;
  for (const Report& r : {engine.check(book), engine.check_invoice(book, "INV-3")}) {
    std::size_t seen = 0;
    for (const Finding& f : r.findings) {
      if (f.rule != "host.invoice-of") continue;
      ++seen;
      EXPECT_EQ(f.message, f.invoice + "/" + f.invoice + " " + first + "/" + first);
    }
    EXPECT_GT(seen, 0u);
  }
}

// The engine checks records in chunks (run.cpp): every invoice and every line
// exactly once, whether an invoice has no lines, one, or more lines than a
// chunk, and the same report for any number of threads.
TEST(EngineDeterminism, EveryInvoiceIsCheckedOnceWhereverItsLinesFallInChunks) {
  struct EachInvoice final : InvoiceRule {
    void check(const Invoice& inv, Context& ctx) const override {
      ctx.report(inv, std::to_string(ctx.book().lines_of(inv).size()) + " lines");
    }
  };
  struct EachLine final : LineRule {
    void check(const InvoiceLine& line, Context& ctx) const override { ctx.report(line, "a line"); }
  };
  BookData data;
  const Date day = *Date::parse_iso("2025-01-01");
  std::map<std::string, std::size_t> lines_of;
  std::size_t total_lines = 0;
  for (int i = 0; i < 300; ++i) {
    const std::string id = "I-" + std::to_string(1000 + i);
    Invoice inv;
    inv.id = data.text.add(id);
    inv.client_id = data.text.add("C-1");
    inv.issue_date = day;
    inv.currency = data.text.add("USD");
    data.invoices.push_back(inv);
    // No lines, one to five, or (one invoice) more than two chunks' worth.
    const std::size_t n = i == 150 ? 5000 : i % 7 == 0 ? 0 : static_cast<std::size_t>(i % 5) + 1;
    lines_of[id] = n;
    total_lines += n;
    for (std::size_t k = 1; k <= n; ++k) {
      InvoiceLine line;
      line.invoice_id = inv.id;
      line.line_no = static_cast<std::int32_t>(k);
      line.date = day;
      line.type = data.text.add("fee");
      line.quantity = Decimal(1);
      line.rate = Decimal(1);
      line.amount = Decimal(1);
      data.lines.push_back(line);
    }
  }
  const Book book(std::move(data));
  Engine engine;
  RuleInfo invoices{.id = "host.each-invoice", .title = "t", .category = "data", .severity = Severity::info,
                    .description = "d"};
  invoices.scope = Scope::invoice;
  engine.add_rule(invoices, [](const Options&) { return std::make_unique<EachInvoice>(); });
  RuleInfo lines{.id = "host.each-line", .title = "t", .category = "data", .severity = Severity::info,
                 .description = "d"};
  lines.scope = Scope::line;
  engine.add_rule(lines, [](const Options&) { return std::make_unique<EachLine>(); });
  std::vector<std::string> reports;
  for (unsigned jobs : {1u, 2u, 3u}) {
    CheckOptions options;
    options.jobs = jobs;
    const Report r = engine.check(book, options);
    std::map<std::string, std::size_t> invoice_findings;
    std::size_t line_findings = 0;
    std::string all;
    for (const Finding& f : r.findings) {
      all += f.rule + " " + f.invoice + " " + f.line + " " + f.message + "\n";
      if (f.rule == "host.each-line") ++line_findings;
      if (f.rule != "host.each-invoice") continue;
      ++invoice_findings[f.invoice];
      EXPECT_EQ(f.message, std::to_string(lines_of.at(f.invoice)) + " lines") << f.invoice;
    }
    EXPECT_EQ(invoice_findings.size(), 300u) << jobs << " jobs";
    for (const auto& [id, count] : invoice_findings) EXPECT_EQ(count, 1u) << id;
    EXPECT_EQ(line_findings, total_lines) << jobs << " jobs";
    reports.push_back(std::move(all));
  }
  EXPECT_EQ(reports[0], reports[1]);
  EXPECT_EQ(reports[0], reports[2]);
}

TEST(EngineApi, ARulesTextThatIsNotUtf8IsRepairedAndTheReportIsStillWritten) {
  // A plugin's bug: bytes that are not UTF-8 in its message and evidence. The
  // JSON report could not be written at all; now each bad sequence is U+FFFD,
  // as the isolated worker's reply makes it, and the other findings stay.
  struct BadBytes final : InvoiceRule {
    void check(const Invoice& inv, Context& ctx) const override {
      ctx.report(inv, "bad \xff\xfe bytes \xc3\x28 here").evidence_of("note", std::string("\xe2\x82"));
    }
  };
  Engine engine(config_with({test_plugin_dir()}));
  RuleInfo info{.id = "host.bytes", .title = "Bytes", .category = "credit", .severity = Severity::info,
                .description = "d"};
  info.scope = Scope::invoice;
  engine.add_rule(info, [](const Options&) { return std::make_unique<BadBytes>(); });
  Book book = engine_book();
  Report r = engine.check(book);
  std::ostringstream json;
  ASSERT_NO_THROW(write_json(json, r));
  const Finding* bad = nullptr;
  for (const auto& f : r.findings)
    if (f.rule == "host.bytes") bad = &f;
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->message, "bad \uFFFD\uFFFD bytes \uFFFD( here");
  ASSERT_EQ(bad->evidence.size(), 1u);
  EXPECT_EQ(bad->evidence[0].second, "\uFFFD");
  EXPECT_THAT(rules_of(r), ::testing::Contains("testgood.marker@INV-3#1"));
}

TEST(EngineApi, AFindingWithASeverityOutsideTheThreeIsAnErrorAndTheRuleIsNamedOnce) {
  // A plugin cast a number to Severity on its findings: each is reported as
  // an error, and the log says so once for the rule (it said nothing).
  struct OddSeverity final : InvoiceRule {
    void check(const Invoice& inv, Context& ctx) const override {
      ctx.report(inv, "odd").with_severity(static_cast<Severity>(9));
    }
  };
  Engine engine;
  RuleInfo info{.id = "host.odd", .title = "Odd", .category = "credit", .severity = Severity::info,
                .description = "d"};
  info.scope = Scope::invoice;
  engine.add_rule(info, [](const Options&) { return std::make_unique<OddSeverity>(); });
  Book book = engine_book();
  ::testing::internal::CaptureStderr();
  Report r = engine.check(book);
  const std::string log = ::testing::internal::GetCapturedStderr();
  std::size_t odd = 0;
  for (const auto& f : r.findings)
    if (f.rule == "host.odd") {
      ++odd;
      EXPECT_EQ(f.severity, Severity::error);
    }
  EXPECT_GT(odd, 1u);
  const std::string said = "rule host.odd reported a severity that is none of info, warning and error (9); it is "
                           "reported as an error (report this to the rule's author)";
  EXPECT_THAT(log, ::testing::HasSubstr(said));
  EXPECT_EQ(log.find(said), log.rfind(said)) << log;
}

TEST(EngineApi, ARuleWithASeverityOutsideTheThreeIsRefused) {
  struct Any final : InvoiceRule {
    void check(const Invoice&, Context&) const override {}
  };
  Engine engine;
  RuleInfo info{.id = "host.sev", .title = "Sev", .category = "credit", .severity = static_cast<Severity>(77),
                .description = "d"};
  info.scope = Scope::invoice;
  try {
    engine.add_rule(info, [](const Options&) { return std::make_unique<Any>(); });
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.messages(), ::testing::ElementsAre("rule 'host.sev': its severity (77) is not one of "
                                                     "Severity::info, warning or error"));
  }
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

TEST(EngineConfig, ARuleThatIsOffIsNeverCalled) {
  // The throwing rule would leave an internal finding if it ran at all.
  Engine engine(config_with({test_plugin_dir() / "throwing"}, "rules:\n  testthrow.explodes: off\n"));
  Book book = engine_book();
  EXPECT_FALSE(engine.check(book).has_internal_errors());
  Engine on_for_one(config_with({test_plugin_dir() / "throwing"},
                                "rules:\n  testthrow.explodes: off\nclients:\n  C1: {rules: {testthrow.explodes: on}}\n"));
  EXPECT_TRUE(on_for_one.check(book).has_internal_errors());
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

TEST(EnginePacks, AConfiguredCopyOfABundledPackReplacesIt) {
  // An analyst copies the example pack, lowers the partner cap, and lists the copy.
  auto dir = test::temp_dir("pack-copy") / "my-policy";
  std::filesystem::copy(test::source_dir() / "rules" / "firm-policy-example", dir,
                        std::filesystem::copy_options::recursive);
  std::string yaml = test::slurp(dir / "pack.yaml");
  auto at = yaml.find("cap: {type: decimal, default: 650,");
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, std::string("cap: {type: decimal, default: 650,").size(), "cap: {type: decimal, default: 600,");
  test::write_file(dir / "pack.yaml", yaml);

  Config config;
  config.packs.push_back(dir);
  Engine engine(config);  // no "already defined" error: the copy replaces the bundled pack
  Book book = load_book(dir / "fixtures" / "policy");
  std::vector<std::string> capped;
  for (const auto& f : engine.check(book).findings)
    if (f.rule == "firm-policy-example.partner-cap") capped.push_back(f.line);
  Config example;
  example.enabled_packs.push_back({"firm-policy-example", {}});
  Engine bundled(example);
  std::vector<std::string> before;
  for (const auto& f : bundled.check(book).findings)
    if (f.rule == "firm-policy-example.partner-cap") before.push_back(f.line);
  EXPECT_GT(capped.size(), before.size());  // lines between 600 and 650 are now over the cap
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

TEST(EngineApi, BookRulesRunOncePerBookWhenInvoicesAreCheckedOneByOne) {
  static std::atomic<int> runs{0};
  struct CountingRule final : BookRule {
    void check(const Book& book, Context& ctx) const override {
      ++runs;
      for (const auto& inv : book.invoices()) ctx.report(inv, "seen " + inv.id);
    }
  };
  RuleInfo info{.id = "host.counting", .title = "Counts", .category = "data", .severity = Severity::info,
                .description = "Reports every invoice, counting its runs."};
  info.scope = Scope::book;
  Engine engine;
  engine.add_rule(info, [](const Options&) { return std::make_unique<CountingRule>(); });
  Book book = engine_book();
  for (const char* id : {"INV-1", "BOOM-2", "INV-3", "INV-1"}) {
    Report r = engine.check_invoice(book, id);
    std::vector<std::string> seen;
    for (const auto& f : r.findings)
      if (f.rule == "host.counting") seen.push_back(f.invoice);
    EXPECT_THAT(seen, ::testing::ElementsAre(id));
  }
  EXPECT_EQ(runs.load(), 1);
  engine.check(book);  // a whole-book check always runs it afresh
  EXPECT_EQ(runs.load(), 2);
}

}  // namespace
}  // namespace billcheck
