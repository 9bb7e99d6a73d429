// The report as a user reads it: the summary's money figures under one name in
// text and JSON, a total too large to add up, refused plugins, void invoices,
// hours, and `rules --explain`.
#include "test_support.hpp"

#include <billcheck/decimal.hpp>
#include <billcheck/report.hpp>

#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace billcheck {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test::run_billcheck;

std::string written(const std::string& name, const std::string& text) {
  static const auto dir = test::temp_dir("report-files");
  test::write_file(dir / name, text);
  return (dir / name).string();
}

// A book of one invoice; `lines` are invoice_lines.csv rows after the header.
std::string book(const std::string& name, const std::string& invoices, const std::string& lines) {
  written(name + "/invoices.csv", "invoice_id,client_id,issue_date,currency,total,status\n" + invoices);
  return std::filesystem::path(written(name + "/invoice_lines.csv",
                                       "invoice_id,line_no,type,quantity,rate,amount\n" + lines))
      .parent_path()
      .string();
}

// The JSON report is written as it is produced, not built as a tree first:
// its bytes are still nlohmann's dump(2) of the same values, escapes (quotes,
// tabs, control characters, DEL) and UTF-8 included, so that parsing it and
// dumping it again gives the same bytes. The hostile book has them all, and waivers.
TEST(ReportJson, IsWhatNlohmannDumpsOfTheSameValues) {
  auto r = run_billcheck("check tests/data/html/hostile --format json --fail-on never -c tests/data/html/hostile/billcheck.yaml");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_THAT(r.out, HasSubstr("\"waiver\": {"));
  const auto parsed = nlohmann::ordered_json::parse(r.out);
  EXPECT_EQ(r.out, parsed.dump(2) + "\n");
  for (const auto& f : parsed["findings"]) EXPECT_FALSE(f["evidence"].empty());
}

// A finding as the record keeps it (compact): an evidence name given twice
// keeps its first place and its last value, as an object's key assigned again.
TEST(ReportJson, AFindingInOneLine) {
  Finding f;
  f.rule = "x.rule";
  f.severity = Severity::warning;
  f.category = "rates";
  f.message = "Tab\there, \"quoted\", \x01, caf\xc3\xa9";
  f.invoice = "INV-1";
  f.at_stake(*Decimal::parse("12.5"), "USD");
  f.evidence_of("expected", "1").evidence_of("actual", "2").evidence_of("expected", "3");
  f.fix = Fix{"rate", "2", "1"};
  f.fingerprint = "abc";
  f.file = "lines.csv";
  f.source_line = 7;
  EXPECT_EQ(finding_to_json(f),
            "{\"rule\":\"x.rule\",\"severity\":\"warning\",\"category\":\"rates\",\"message\":\"Tab\\there, "
            "\\\"quoted\\\", \\u0001, caf\xc3\xa9\",\"invoice\":\"INV-1\",\"amount_at_stake\":\"12.50\",\"currency\":\"USD\","
            "\"evidence\":{\"expected\":\"3\",\"actual\":\"2\"},\"fix\":{\"field\":\"rate\",\"current\":\"2\",\"suggested\":"
            "\"1\"},\"fingerprint\":\"abc\",\"location\":\"lines.csv:7\"}");
  f.evidence.clear();
  f.fix.reset();
  EXPECT_THAT(finding_to_json(f), HasSubstr("\"evidence\":{},\"fingerprint\""));
}

TEST(ReportSummary, TextAndJsonNameEachMoneyFigureTheSameWay) {
  auto text = run_billcheck("check examples/firm --fail-on never");
  ASSERT_EQ(text.status, 0) << text.err;
  auto json = nlohmann::json::parse(run_billcheck("check examples/firm --format json --fail-on never").out);
  const auto& s = json["summary"];
  EXPECT_EQ(s["amount_at_stake"]["USD"], "466.65");  // net: overcharged - under-billed
  EXPECT_EQ(s["overcharged"]["USD"], "780.00");
  EXPECT_EQ(s["undercharged"]["USD"], "313.35");
  EXPECT_THAT(text.out, HasSubstr("  USD: overcharged 780.00, under-billed 313.35, net at stake 466.65\n"));
  EXPECT_THAT(text.out, Not(HasSubstr("1093.35")));  // the gross figure named "at stake" before
  EXPECT_THAT(text.out, HasSubstr("  GBP: overcharged 100.00, under-billed 0.00, credit exposure 715.20, net at stake "
                                  "815.20\n"));
}

TEST(ReportSummary, AmountsThatAddUpPastTheDecimalRangeStillGiveAReport) {
  // Each line is overbilled by 5 trillion (two clients, so no rule adds them
  // up itself): together they do not fit a Decimal.
  const std::string dir = book("huge",
                               "H1,C1,2026-01-05,USD,5000000000000.00,issued\n"
                               "H2,C2,2026-01-05,USD,5000000000000.00,issued\n",
                               "H1,1,expense,1,0,5000000000000.00\nH2,1,expense,1,0,5000000000000.00\n");
  auto text = run_billcheck("check '" + dir + "'");
  EXPECT_EQ(text.status, 1) << text.err;
  EXPECT_THAT(text.err, Not(HasSubstr("overflow")));
  EXPECT_THAT(text.out, HasSubstr("USD: the amounts at stake add up past 9223372036854.775807"));
  auto json = run_billcheck("check '" + dir + "' --format json");
  EXPECT_EQ(json.status, 1) << json.err;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["summary"]["overflowed"], nlohmann::json::array({"USD"}));
  EXPECT_FALSE(j["summary"]["amount_at_stake"].contains("USD"));
  EXPECT_GE(j["findings"].size(), 2u);
}

TEST(ReportSummary, AVoidInvoiceIsHeadedVoid) {
  const std::string dir = book("void", "V1,C,2026-01-05,USD,12.00,void\n", "V1,1,expense,1,12,12.00\n");
  const std::string pack = written("void-pack/pack.yaml",
                                   "pack: voidpack\nversion: 1.0.0\nrules:\n  - id: void\n    title: Void invoices\n"
                                   "    category: data\n    severity: info\n    scope: invoice\n"
                                   "    when: \"invoice.status == 'void'\"\n    message: void\n");
  const std::string config =
      written("void-pack.yaml", "packs: ['" + std::filesystem::path(pack).parent_path().string() + "']\n");
  auto r = run_billcheck("check '" + dir + "' --fail-on never --config '" + config + "'");
  EXPECT_THAT(r.out, HasSubstr("Invoice V1 (void, dated 2026-01-05, total USD 12.00)")) << r.out << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("issued 2026-01-05")));
}

TEST(ReportHours, HoursReadAsHoursInMessages) {
  EXPECT_EQ(format_hours(*Decimal::parse("10.50")), "10.5 h");
  EXPECT_EQ(format_hours(*Decimal::parse("12.0")), "12 h");
  const std::string dir = book("hours", "L1,C,2026-01-05,USD,100.00,issued\n", "L1,1,fee,12.0,10,100.00\n");
  auto r = run_billcheck("check '" + dir + "' --fail-on never");
  EXPECT_THAT(r.out, HasSubstr("Line 1 bills 12 h × 10.00"));
  EXPECT_THAT(r.out, Not(HasSubstr("12.0 h")));
}

// at_stake_tax is a key for fix and the letters (docs/remedies.md); a reader is told in words.
TEST(ReportEvidence, TheTaxInAnAmountAtStakeIsSaidInWords) {
  auto text = run_billcheck("check examples/firm --fail-on never");
  EXPECT_THAT(text.out, HasSubstr("        expected 8048.00, actual 8408.00, lines 8048.00, tax included in the amount at "
                                  "stake; at stake USD 360.00\n"));
  EXPECT_THAT(text.out, HasSubstr("        expected 313.35, actual 626.70, discount_pct 5%, lines 6267.00, the amount at "
                                  "stake is before tax; at stake USD -313.35\n"));
  EXPECT_THAT(text.out, HasSubstr(", the amount at stake is all tax; at stake EUR 64.04\n"));
  EXPECT_THAT(text.out, Not(HasSubstr("at_stake_tax")));
  auto html = run_billcheck("check examples/firm --fail-on never --format html");
  EXPECT_THAT(html.out, HasSubstr("lines 8048.00, tax included in the amount at stake</span>"));
  EXPECT_THAT(html.out, Not(HasSubstr("at_stake_tax")));
}

std::string refusing_config() {
  return written("refusing.yaml", "plugins:\n  search_paths: ['" + (test::test_plugin_dir() / "other-abi").string() +
                                      "']\n");
}

TEST(ReportRefused, ARefusedPluginIsInTheReportAndExitsTwo) {
  auto text = run_billcheck("check tests/data/cli/clean --config '" + refusing_config() + "'");
  EXPECT_EQ(text.status, 2);
  EXPECT_THAT(text.out, HasSubstr("Refused (their rules did not run)\n  plugin " +
                                  (test::test_plugin_dir() / "other-abi" / "other_abi_plugin.so").string() +
                                  ": was built for billcheck plugin ABI 99."));
  EXPECT_THAT(text.err, HasSubstr("1 plugin was refused, so their rules did not run"));
  EXPECT_THAT(text.err, HasSubstr("--allow-refused-plugins"));

  auto json = run_billcheck("check tests/data/cli/clean --format json --config '" + refusing_config() + "'");
  EXPECT_EQ(json.status, 2);
  auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["refused"].size(), 1u);
  EXPECT_EQ(j["refused"][0]["kind"], "plugin");
  EXPECT_THAT(j["refused"][0]["reason"].get<std::string>(), HasSubstr("ABI 99."));
  bool arithmetic = false;
  for (const auto& p : j["plugins"]) arithmetic |= p["name"] == "arithmetic" && p["version"].is_string();
  EXPECT_TRUE(arithmetic);
  EXPECT_TRUE(j["packs"].is_array());
}

TEST(ReportRefused, AllowRefusedPluginsExitsAsTheFindingsSay) {
  auto r = run_billcheck("check tests/data/cli/clean --allow-refused-plugins --config '" + refusing_config() + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Refused (their rules did not run)"));
}

TEST(ReportRefused, ACleanRunHasNoRefusedSection) {
  auto r = run_billcheck("check tests/data/cli/clean --format json");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(r.out)["refused"].empty());
}

TEST(RulesExplain, APackRuleWithoutADescriptionHasNoBlankLines) {
  const std::string pack = written("bare-pack/pack.yaml",
                                   "pack: barepack\nversion: 1.0.0\nrules:\n  - id: never\n    title: Never fires\n"
                                   "    category: data\n    severity: info\n    scope: invoice\n"
                                   "    when: \"false\"\n    message: never\n");
  const std::string config =
      written("bare-pack.yaml", "packs: ['" + std::filesystem::path(pack).parent_path().string() + "']\n");
  auto r = run_billcheck("rules --explain barepack.never --config '" + config + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("\n\n\n")));
  EXPECT_THAT(r.out, HasSubstr("from: pack barepack\n\n  Options: none."));
}

TEST(RulesExplain, APythonRuleDoesNotRepeatItsTitle) {
  if (test::cache_value("BILLCHECK_BUILD_PYTHON") == "OFF") GTEST_SKIP() << "built without the Python module";
  const std::string file = written("titled.py",
                                   "import billcheck\n\n"
                                   "@billcheck.rule('mine.titled', category='data', scope='invoice')\n"
                                   "def titled(invoice, ctx):\n"
                                   "    \"\"\"Invoices that say hello.\"\"\"\n");
  const std::string config = written("titled.yaml", "python: ['" + file + "']\n");
  auto r = run_billcheck("rules --explain mine.titled --config '" + config + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("mine.titled: Invoices that say hello."));
  const std::size_t first = r.out.find("Invoices that say hello.");
  EXPECT_EQ(r.out.find("Invoices that say hello.", first + 1), std::string::npos) << r.out;
}

}  // namespace
}  // namespace billcheck
