// Findings grouped by cause (docs/patterns.md): a book with known groups
// (tests/data/causes/book: fourteen lines at an old associate rate, two late
// invoices of one engagement, one typing slip of its own), reported once each
// in text and JSON with the action that fixes them; the example firm, whose
// errors share no cause, reads as before.
#include "test_support.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/report.hpp>

#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>


namespace billcheck {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using test::run_billcheck;

const std::string kBook = "tests/data/causes/book";

Report check_causes_book() {
  Engine engine;
  return engine.check(load_book(test::source_dir() / kBook));
}

TEST(Causes, FourteenLinesAtAnOldRateAreOneCause) {
  const Report report = check_causes_book();
  ASSERT_EQ(report.causes.size(), 2u);
  const Cause& rate = report.causes[0];
  EXPECT_EQ(rate.rule, "rates.contract-rate");
  EXPECT_EQ(rate.kind, "rate_row");
  EXPECT_EQ(rate.key, "E-201 rates.csv:4");
  EXPECT_EQ(rate.severity, Severity::error);
  EXPECT_EQ(rate.members.size(), 14u);
  ASSERT_EQ(rate.at_stake.count("EUR"), 1u);
  EXPECT_EQ(rate.at_stake.at("EUR").to_string(2), "650.00");  // 32.5 h x 20.00
  EXPECT_EQ(rate.action, "apply the 2025-03-01 associate rate of 380.00 on engagement E-201 (rates.csv:4)");

  const Cause& late = report.causes[1];
  EXPECT_EQ(late.rule, "timing.late-invoice");
  EXPECT_EQ(late.kind, "engagement");
  EXPECT_EQ(late.key, "E-202");
  EXPECT_EQ(late.severity, Severity::warning);
  EXPECT_TRUE(late.at_stake.empty());
  EXPECT_EQ(late.action, "issue engagement E-202's invoices within 10 days of the end of their period");

  // Every member is a finding of the report, of the cause's rule; the line-amount slip is in no cause.
  for (const Cause& c : report.causes)
    for (const auto& fp : c.members) {
      auto it = std::find_if(report.findings.begin(), report.findings.end(),
                             [&](const Finding& f) { return f.fingerprint == fp; });
      ASSERT_NE(it, report.findings.end()) << fp;
      EXPECT_EQ(it->rule, c.rule);
    }
}

TEST(Causes, TheTextReportListsEachCauseOnceWithItsAction) {
  auto r = run_billcheck("check " + kBook);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out, test::slurp(test::data_dir() / "causes" / "check.txt"));
}

TEST(Causes, TheJsonReportListsTheMembersFingerprints) {
  auto r = run_billcheck("check " + kBook + " --format json");
  const auto report = nlohmann::json::parse(r.out);
  ASSERT_TRUE(report.contains("causes"));
  const auto& causes = report["causes"];
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0]["rule"], "rates.contract-rate");
  EXPECT_EQ(causes[0]["kind"], "rate_row");
  EXPECT_EQ(causes[0]["key"], "E-201 rates.csv:4");
  EXPECT_EQ(causes[0]["amount_at_stake"], nlohmann::json({{"EUR", "650.00"}}));
  EXPECT_EQ(causes[0]["members"].size(), 14u);
  EXPECT_EQ(causes[1]["members"].size(), 2u);
  std::set<std::string> fingerprints;
  for (const auto& f : report["findings"]) fingerprints.insert(f["fingerprint"]);
  for (const auto& c : causes)
    for (const auto& m : c["members"]) EXPECT_TRUE(fingerprints.contains(m.get<std::string>())) << m;
}

TEST(Causes, AReportWhoseFindingsShareNoCauseReadsAsBefore) {
  const Report report = [] {
    Engine engine(load_config(test::source_dir() / "examples/firm/billcheck.yaml"));
    return engine.check(load_book(test::source_dir() / "examples/firm"));
  }();
  EXPECT_TRUE(report.causes.empty());
  EXPECT_THAT(run_billcheck("check examples/firm").out, Not(HasSubstr("Causes")));
  EXPECT_FALSE(nlohmann::json::parse(run_billcheck("check examples/firm --format json").out).contains("causes"));
}

TEST(Causes, AFindingWaivedIsNoLongerAMember) {
  // Waive one of the fourteen in the config (BM-0102 line 1, 4 h): thirteen are left in the cause.
  const auto dir = test::temp_dir("causes-waived");
  std::filesystem::copy(test::source_dir() / kBook, dir / "book");
  test::write_file(dir / "book" / "billcheck.yaml",
                   "waivers:\n  - rule: rates.contract-rate\n    invoice: BM-0102\n    line: 1\n"
                   "    reason: agreed with the client\n    approved_by: EA\n");
  auto r = run_billcheck("check " + test::shell_quoted(dir / "book") + " --format json");
  const auto report = nlohmann::json::parse(r.out);
  ASSERT_EQ(report["causes"][0]["members"].size(), 13u) << r.err;
  EXPECT_EQ(report["causes"][0]["amount_at_stake"]["EUR"], "570.00");
  std::filesystem::remove_all(dir);
}

TEST(Causes, ARolesCapIsSaidToComeFromBillcheckYamlNotARateCardRow) {
  // The sixteen associate lines at 400.00 are above a 390 cap for associates: one cause, the cap the config sets.
  const auto dir = test::temp_dir("causes-role-cap");
  std::filesystem::copy(test::source_dir() / kBook, dir / "book");
  test::write_file(dir / "book" / "billcheck.yaml", "rules:\n  rates.role-cap: {options: {caps: {associate: 390}}}\n");
  auto text = run_billcheck("check " + test::shell_quoted(dir / "book"));
  EXPECT_EQ(text.status, 1) << text.err;
  EXPECT_THAT(text.out, HasSubstr("  error: 16 findings share the cap for role associate in billcheck.yaml "
                                  "[rates.role-cap]; at stake EUR 375.00\n"
                                  "      action: bill associate time at no more than 390.00 an hour\n"));
  EXPECT_THAT(text.out, Not(HasSubstr("rate card row associate")));
  const auto report =
      nlohmann::json::parse(run_billcheck("check " + test::shell_quoted(dir / "book") + " --format json").out);
  ASSERT_EQ(report["causes"].size(), 3u);
  EXPECT_EQ(report["causes"][0]["rule"], "rates.role-cap");
  EXPECT_EQ(report["causes"][0]["kind"], "role_cap");
  EXPECT_EQ(report["causes"][0]["key"], "associate");
  // The CSV's cause column words it as the text does.
  auto csv = run_billcheck("check " + test::shell_quoted(dir / "book") + " --format csv");
  EXPECT_THAT(csv.out, HasSubstr(",the cap for role associate in billcheck.yaml,"));
  EXPECT_THAT(csv.out, Not(HasSubstr("role_cap")));
  std::filesystem::remove_all(dir);
}

Finding finding(std::string rule, std::string engagement, std::string row, std::optional<Decimal> at_stake,
                std::string currency = "EUR") {
  Finding f;
  f.rule = std::move(rule);
  f.engagement = std::move(engagement);
  f.evidence = {{"expected", "380.00"}, {"agreed_for", "role associate"}, {"effective", "from 2025-03-01"},
                {"rate_row", std::move(row)}};
  f.amount_at_stake = at_stake;
  f.currency = std::move(currency);
  f.fingerprint = std::to_string(std::hash<std::string>{}(f.rule + f.engagement + f.evidence[3].second));
  return f;
}

TEST(Causes, TheKeyComesFromTheFindingAloneAndIgnoresTheBooksPath) {
  const auto a = cause_key(finding("rates.contract-rate", "E-1", "/books/a/rates.csv:3", Decimal(1)));
  const auto b = cause_key(finding("rates.contract-rate", "E-1", "elsewhere/rates.csv:3", Decimal(1)));
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->key, "E-1 rates.csv:3");
  EXPECT_FALSE(cause_key(finding("arithmetic.line-amount", "E-1", "rates.csv:3", Decimal(1))));  // its own cause
}

TEST(Causes, TotalsAreExactPerCurrencyAndATotalTooLargeIsSetApart) {
  std::vector<Finding> findings{finding("rates.contract-rate", "E-1", "rates.csv:3", *Decimal::parse("0.10")),
                                finding("rates.contract-rate", "E-1", "rates.csv:3", *Decimal::parse("0.20")),
                                finding("rates.contract-rate", "E-1", "rates.csv:3", *Decimal::parse("0.05"), "USD"),
                                finding("rates.contract-rate", "E-2", "rates.csv:9", Decimal::from_raw(INT64_MAX)),
                                finding("rates.contract-rate", "E-2", "rates.csv:9", Decimal::from_raw(INT64_MAX)),
                                finding("rates.contract-rate", "E-3", "rates.csv:5", std::nullopt)};
  const auto causes = group_causes(findings);
  ASSERT_EQ(causes.size(), 2u);  // E-3's single finding is no shared cause
  EXPECT_EQ(causes[0].key, "E-1 rates.csv:3");  // three members before two
  EXPECT_EQ(causes[0].at_stake.at("EUR").to_string(2), "0.30");  // 0.1 + 0.2, exactly
  EXPECT_EQ(causes[0].at_stake.at("USD").to_string(2), "0.05");
  EXPECT_TRUE(causes[1].at_stake.empty());
  EXPECT_THAT(causes[1].overflowed, ElementsAre("EUR"));
  EXPECT_EQ(group_causes(findings, 1).size(), 3u);
}

TEST(Causes, AFirmsTemplateWithATypoIsALocatedError) {
  const auto dir = test::temp_dir("cause-template");
  test::write_file(dir / "cause-action.txt", "{{#rates_contract_rate}}apply {{rat}}{{/rates_contract_rate}}\n");
  std::vector<Finding> findings{finding("rates.contract-rate", "E-1", "rates.csv:3", std::nullopt),
                                finding("rates.contract-rate", "E-1", "rates.csv:3", std::nullopt)};
  try {
    group_causes(findings, 2, dir);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cause-action.txt:1: unknown placeholder '{{rat}}'"));
  }
  test::write_file(dir / "cause-action.txt", "{{#rates_contract_rate}}bill {{rate}}\n on {{engagement}}{{/rates_contract_rate}}\n");
  EXPECT_EQ(group_causes(findings, 2, dir)[0].action, "bill 380.00 on E-1");
  std::filesystem::remove_all(dir);
}


// ---- docs/patterns.md: every command in it prints what the page shows, run
// (test::run_walkthrough) in a folder holding a copy of the causes book as
// book/ (shown as /home/margaret/records).
TEST(PatternsDocs, ThePagePrintsWhatItShows) {
  namespace fs = std::filesystem;
  const fs::path dir = test::temp_dir("patterns-docs") / "records";
  fs::create_directories(dir);
  fs::copy(test::source_dir() / kBook, dir / "book", fs::copy_options::recursive);
  const int commands = test::run_walkthrough(test::source_dir() / "docs" / "patterns.md", dir, "/home/margaret/records");
  EXPECT_EQ(commands, 17);
  // The workbook the page writes is one.
  EXPECT_EQ(test::slurp(dir / "findings.xlsx").substr(0, 2), "PK");
  fs::remove_all(dir.parent_path());
}

}  // namespace
}  // namespace billcheck
