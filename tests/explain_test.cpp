// `billcheck explain`: how a charge was worked out, with the documents behind
// it, for the example firm; and the errors a caller can make.
#include "test_support.hpp"

#include <billcheck/load.hpp>
#include <billcheck/remedies.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>

namespace billcheck {
namespace {

using ::testing::HasSubstr;

class Explain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Relative, as a user types it: the sources in the explanation read examples/firm/….
    const std::filesystem::path dir = "examples/firm";
    engine_ = new Engine(find_config(dir, ""));
    book_ = new Book(load_book(dir));
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete book_;
  }
  static std::string run(std::string invoice, std::optional<std::int64_t> line, DocumentFormat format,
                         std::filesystem::path templates = {}) {
    ExplainRequest req;
    req.invoice = std::move(invoice);
    req.line = line;
    req.templates = std::move(templates);
    req.check.today = Date::parse_iso("2026-01-15").value();
    return explain(*engine_, *book_, req, format);
  }
  static Engine* engine_;
  static Book* book_;
};
Engine* Explain::engine_ = nullptr;
Book* Explain::book_ = nullptr;

// The golden explanation of a correct line: the partner's time entry, the
// agreed rate and the rate card row it comes from, the payment and credit note.
TEST_F(Explain, ACorrectLineShowsItsEntryRateAndSettlement) {
  const std::string text = run("NW-2025-05", 1, DocumentFormat::text);
  EXPECT_EQ(text, test::slurp(test::data_dir() / "remedies" / "explain-NW-2025-05-line1.txt"));
}

TEST_F(Explain, ALineWithAnErrorSaysSoAndPointsToFix) {
  const std::string text = run("HR-115", 3, DocumentFormat::text);
  EXPECT_THAT(text, HasSubstr("Line 3 bills 3.5 h"));
  EXPECT_THAT(text, HasSubstr("The rules find 1 problem(s) here (marked !): `billcheck fix` corrects a draft"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("No rule finds an error here")));
}

TEST_F(Explain, JsonIsTheModelTheTemplatesRender) {
  const auto j = nlohmann::json::parse(run("BM-0070", 2, DocumentFormat::json));
  EXPECT_EQ(j["invoice"]["id"], "BM-0070");
  ASSERT_EQ(j["lines"].size(), 1u);
  EXPECT_EQ(j["lines"][0]["agreed_rate"]["rate"], "380.00");
  EXPECT_EQ(j["lines"][0]["agreed_rate"]["applies_to"], "role associate");
  EXPECT_THAT(j["lines"][0]["agreed_rate"]["source"].get<std::string>(), HasSubstr("rates.csv:"));
  EXPECT_EQ(j["lines"][0]["findings"][0]["rule"], "rates.contract-rate");
  EXPECT_EQ(j["settlement"]["credit_notes"][0]["id"], "CN-002");
  EXPECT_FALSE(j["correct"].get<bool>());
}

TEST_F(Explain, HtmlIsSelfContainedAndEscapesTheBook) {
  const std::string html = run("NW-2025-05", std::nullopt, DocumentFormat::html);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("Content-Security-Policy"));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("://")));  // no network: nothing fetched
  EXPECT_THAT(html, HasSubstr("<h2>Line 1:"));
  EXPECT_THAT(run("HR-115", 1, DocumentFormat::html), HasSubstr("Hollis &amp; Reed"));
}

TEST_F(Explain, MarkdownListsEveryLineOfTheInvoice) {
  const std::string md = run("NW-2025-05", std::nullopt, DocumentFormat::markdown);
  EXPECT_THAT(md, HasSubstr("# How invoice NW-2025-05 was worked out"));
  EXPECT_THAT(md, HasSubstr("## Line 1:"));
  EXPECT_THAT(md, HasSubstr("## Line 2:"));
}

TEST_F(Explain, AnUnknownInvoiceOrLineIsNamed) {
  try {
    run("NOPE-1", std::nullopt, DocumentFormat::text);
    FAIL() << "no error";
  } catch (const UnknownInvoice& e) {
    EXPECT_STREQ(e.what(), "no invoice 'NOPE-1' in the book");
  }
  try {
    run("NW-2025-05", 99, DocumentFormat::text);
    FAIL() << "no error";
  } catch (const UnknownRecord& e) {
    EXPECT_THAT(e.what(), HasSubstr("invoice NW-2025-05 has no line 99"));
  }
}

TEST_F(Explain, ATemplateWithAnUnknownPlaceholderIsALocatedError) {
  const auto dir = test::temp_dir("templates");
  test::write_file(dir / "explain.txt", "Invoice {{invoice.id}}\nTotal {{invoice.totl}}\n");
  try {
    run("NW-2025-05", 1, DocumentFormat::text, dir);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.messages().size(), 1u);
    EXPECT_EQ(e.messages()[0], (dir / "explain.txt").string() +
                                   ":2: unknown placeholder '{{invoice.totl}}'; the placeholders this template can use "
                                   "are listed in docs/remedies.md");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

TEST(CliExplain, WritesTheExplanationAndExitsZero) {
  auto r = test::run_billcheck("explain examples/firm --invoice NW-2025-05 --line 1");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, test::slurp(test::data_dir() / "remedies" / "explain-NW-2025-05-line1.txt"));
}

TEST(CliExplain, AnUnknownInvoiceOrLineIsExitTwoWithTheReason) {
  auto r = test::run_billcheck("explain examples/firm --invoice NOPE-1");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "billcheck: --invoice: no invoice 'NOPE-1' in the book (give an invoice_id the book has)\n");
  r = test::run_billcheck("explain examples/firm --invoice NW-2025-05 --line 99");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("invoice NW-2025-05 has no line 99"));
  r = test::run_billcheck("explain examples/firm --invoice NW-2025-05 --format pdf");
  EXPECT_EQ(r.status, 2);
}

TEST(CliExplain, HtmlToAFile) {
  const auto dir = test::temp_dir("explain-html");
  auto r = test::run_billcheck("explain examples/firm --invoice HR-115 --format html -o '" + (dir / "e.html").string() + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(test::slurp(dir / "e.html"), HasSubstr("<h1>How invoice HR-115 was worked out</h1>"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

// docs/remedies.md shows a real run: the block after its `$ billcheck explain …`
// line is what that command prints.
TEST(CliExplain, TheDocsExampleIsWhatTheCommandPrints) {
  const std::string doc = test::slurp(test::source_dir() / "docs" / "remedies.md");
  const std::string prompt = "$ billcheck explain examples/firm --invoice BM-0070 --line 2\n";
  const auto from = doc.find(prompt);
  ASSERT_NE(from, std::string::npos);
  const auto start = from + prompt.size();
  const std::string shown = doc.substr(start, doc.find("```", start) - start);
  auto r = test::run_billcheck("explain examples/firm --invoice BM-0070 --line 2");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, shown);
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

// After `fix --reissue` with a goodwill policy, explain says what each note is:
// on the replaced invoice, the credit note that cancels it in full and the
// replacement; on the replacement, the invoice it replaces and the errors it
// corrects, and the goodwill note (its reason code, a gesture, who approved
// it); and, without --reissue, a goodwill note beside the credit notes that
// correct charges. Golden files, with the temporary folder left out of the sources.
TEST(CliExplain, AReissueNoteItsReplacementAndAGoodwillNoteAreSaidForWhatTheyAre) {
  const auto dir = test::temp_dir("explain-remedies");
  // docs/remedies.md's goodwill.yaml: the example firm's config and this policy.
  const std::string policy =
      "remedies:\n  goodwill: {percent: 5, cap: {USD: 200, EUR: 500, JPY: 10000}, min_overcharge: 100, "
      "approve_above: {EUR: 400}}\n";
  const std::string doc = test::slurp(test::source_dir() / "docs" / "remedies.md");
  EXPECT_THAT(doc, HasSubstr("```yaml\n" + policy + "```\n"));
  test::write_file(dir / "goodwill.yaml", test::slurp(test::source_dir() / "examples/firm/billcheck.yaml") + policy);
  const std::string config = " -c '" + (dir / "goodwill.yaml").string() + "'";
  std::map<std::string, std::string> summaries;
  for (const char* how : {"reissued", "credited"}) {
    const std::string reissue = std::string(how) == "reissued" ? " --reissue" : "";
    const auto r = test::run_billcheck("fix examples/firm --out '" + (dir / how).string() + "' --today 2026-01-15" +
                                       reissue + config);
    ASSERT_EQ(r.status, 0) << r.err;
    summaries[how] = r.out;
  }
  auto explained = [&](const std::string& book, const std::string& invoice, const char* format = "text") {
    auto r = test::run_billcheck("explain '" + (dir / book).string() + "' --invoice " + invoice + " --format " +
                                 format + config);
    EXPECT_EQ(r.status, 0) << r.err;
    for (auto at = r.out.find(dir.string() + "/"); at != std::string::npos; at = r.out.find(dir.string() + "/"))
      r.out.erase(at, dir.string().size() + 1);
    return r.out;
  };
  const std::filesystem::path goldens = test::data_dir() / "remedies" / "firm";
  auto expect_golden = [&](const std::string& text, const std::string& name) {
    if (std::getenv("BILLCHECK_UPDATE_GOLDEN")) test::write_file(goldens / name, text);
    EXPECT_EQ(text, test::slurp(goldens / name)) << name;
  };
  const std::string replaced = explained("reissued", "NW-2025-07");
  EXPECT_THAT(replaced, HasSubstr("\n  Replaced by: invoice NW-2025-07-R1, this invoice corrected; credit note "
                                  "CN-NW-2025-07-1 cancels this one in full. What is owed is owed on the replacement.\n\n"));
  EXPECT_THAT(replaced, HasSubstr("\nCredit note CN-NW-2025-07-1 on 2026-01-15: USD 8408.00 (reason code reissue): it "
                                  "cancels this invoice in full, so that invoice NW-2025-07-R1 replaces it, corrected.\n"));
  EXPECT_THAT(replaced, HasSubstr(" (remedied by replacement invoice NW-2025-07-R1)\n"));
  expect_golden(replaced, "explain-reissued-NW-2025-07.txt");

  const std::string replacement = explained("reissued", "NW-2025-07-R1");
  EXPECT_THAT(replacement, HasSubstr("\n  Replaces: invoice NW-2025-07, issued 2025-08-05, cancelled in full by credit "
                                     "note CN-NW-2025-07-1. This invoice is that one corrected, without its errors:\n"
                                     "    - Invoice NW-2025-07's lines come to 8048.00, but its total is 8408.00. "
                                     "[arithmetic.invoice-total]\n    - Line 2 bills 6.6 h, but time entry TE-0041"));
  EXPECT_THAT(replacement, HasSubstr("\nGoodwill credit note CN-NW-2025-07-R1-1 on 2026-01-15: USD 200.00 (reason code "
                                     "goodwill): a goodwill gesture for the errors on this invoice, not the correction "
                                     "of a charge; not yet approved."));
  expect_golden(replacement, "explain-replacement-NW-2025-07-R1.txt");
  EXPECT_THAT(explained("reissued", "NW-2025-07-R1", "md"),
              HasSubstr("| Replaces | invoice NW-2025-07, issued 2025-08-05, cancelled in full by credit note "
                        "CN-NW-2025-07-1: this invoice is that one corrected, without its errors: Invoice "
                        "NW-2025-07's lines come to 8048.00"));
  EXPECT_THAT(explained("reissued", "NW-2025-07-R1", "html"),
              HasSubstr("<li><strong>Goodwill</strong> credit note CN-NW-2025-07-R1-1 on 2026-01-15: USD 200.00 "
                        "(reason code goodwill): a goodwill gesture"));

  const std::string goodwill = explained("credited", "BM-0070");
  EXPECT_THAT(goodwill, HasSubstr("\nGoodwill credit note CN-BM-0070-2 on 2026-01-15: EUR 386.51 (reason code "
                                  "goodwill): a goodwill gesture for the errors on this invoice, not the correction of "
                                  "a charge; approved by remedies.goodwill. The client reads: As a goodwill gesture for "
                                  "the errors on invoice BM-0070, we credit EUR 386.51 (5% of the invoice).\n"));
  EXPECT_THAT(goodwill, HasSubstr("\nCredit note CN-BM-0070-1 on 2026-01-15: EUR "));
  expect_golden(goodwill, "explain-goodwill-BM-0070.txt");

  // docs/remedies.md shows these runs: the lines it quotes of each fix, and
  // the whole of each explanation after its prompt.
  const std::string reissue_prompt =
      "$ billcheck fix examples/firm --out reissued --reissue --today 2026-01-15 -c goodwill.yaml\n...\n";
  const auto at = doc.find(reissue_prompt);
  ASSERT_NE(at, std::string::npos);
  const std::string quoted = doc.substr(at + reissue_prompt.size(), doc.find("\n...\n", at + reissue_prompt.size()) -
                                                                        at - reissue_prompt.size() + 1);
  EXPECT_THAT(summaries["reissued"], HasSubstr("\n" + quoted));
  const std::string row = "NW-2025-07-R1,C-100,E-101,2026-01-15,";
  const auto row_at = doc.find("\n" + row);
  ASSERT_NE(row_at, std::string::npos);
  EXPECT_THAT(test::slurp(dir / "reissued" / "invoices.csv"), HasSubstr(doc.substr(row_at, doc.find('\n', row_at + 1) - row_at + 1)));
  const std::string summary = summaries["credited"];
  const auto from = summary.find("Credit notes written");
  ASSERT_NE(from, std::string::npos);
  EXPECT_THAT(doc, HasSubstr("$ billcheck fix examples/firm --out credited --today 2026-01-15 -c goodwill.yaml\n...\n" +
                             summary.substr(from, summary.find("\n\n", from) + 2 - from) + "...\n"));
  for (const auto& [book, invoice] : {std::pair{"reissued", "NW-2025-07-R1"}, std::pair{"credited", "BM-0070"}}) {
    const std::string prompt = "$ billcheck explain " + std::string(book) + " --invoice " + invoice + " --line 2\n";
    const auto start = doc.find(prompt);
    ASSERT_NE(start, std::string::npos) << prompt;
    auto r = test::run_billcheck("explain " + std::string(book) + " --invoice " + invoice + " --line 2",
                                 "cd '" + dir.string() + "' && NO_COLOR=1");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(doc.substr(start + prompt.size(), doc.find("```", start) - start - prompt.size()), r.out) << prompt;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

// HR-115's line 3 after fix, its credit note approved: the one finding is
// remedied, so nothing is left to correct (and it is not said to be correct).
TEST(CliExplain, WhenEveryFindingIsRemediedNothingIsLeftToCorrect) {
  const auto dir = test::temp_dir("explain-remedied");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "fixed").string() + "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string notes = test::slurp(dir / "fixed" / "credit_notes.csv");
  const std::string unapproved = "(100.00 and 20.00 tax on it).\",,3,arithmetic,";
  const auto at = notes.find(unapproved);
  ASSERT_NE(at, std::string::npos) << notes;
  notes.replace(at, unapproved.size(), "(100.00 and 20.00 tax on it).\",Eleanor Ashford,3,arithmetic,");
  test::write_file(dir / "fixed" / "credit_notes.csv", notes);
  r = test::run_billcheck("explain '" + (dir / "fixed").string() + "' --invoice HR-115 --line 3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (remedied by credit note CN-HR-115-1)\n"));
  EXPECT_THAT(r.out, HasSubstr("\nThe rules find 1 problem(s) here (marked !), each remedied as shown: nothing is left "
                               "to correct.\n"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("No rule finds an error here")));
  const auto model = nlohmann::json::parse(
      test::run_billcheck("explain '" + (dir / "fixed").string() + "' --invoice HR-115 --line 3 -f json").out);
  EXPECT_EQ(model["finding_count"], 0);
  EXPECT_EQ(model["remedied_count"], 1);
  EXPECT_EQ(model["all_remedied"], true);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
