// `billcheck explain`: how a charge was worked out, with the documents behind
// it, for the example firm; and the errors a caller can make.
#include "test_support.hpp"

#include <billcheck/load.hpp>
#include <billcheck/remedies.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
