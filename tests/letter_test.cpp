// `billcheck letter`: the letter to a client about the errors on their
// invoices, on the example firm's book after `billcheck fix` (so that the
// credit notes it wrote are named), and the errors a caller can make.
#include "test_support.hpp"

#include <billcheck/load.hpp>
#include <billcheck/remedies.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace billcheck {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kGolden = test::data_dir() / "remedies" / "letter-C-300.txt";

class Letter : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::filesystem::path dir = "examples/firm";
    engine_ = new Engine(find_config(dir, ""));
    CheckOptions options;
    options.today = Date::parse_iso("2026-01-15");
    // The fixed book: the credit notes `fix` writes for the overcharges on issued invoices.
    book_ = new Book(fix_book(*engine_, read_book(dir), options).book);
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete book_;
  }
  static std::string run(std::string client, std::vector<std::string> invoices = {},
                         DocumentFormat format = DocumentFormat::text, std::filesystem::path templates = {}) {
    LetterRequest req;
    req.client = std::move(client);
    req.invoices = std::move(invoices);
    req.templates = std::move(templates);
    req.check.today = Date::parse_iso("2026-01-20").value();
    return letter(*engine_, *book_, req, format);
  }
  static Engine* engine_;
  static Book* book_;
};
Engine* Letter::engine_ = nullptr;
Book* Letter::book_ = nullptr;

// The golden letter to Hollis & Reed: each error in a sentence, the credit
// notes `fix` wrote, the firm's contact and sign-off from billcheck.yaml.
TEST_F(Letter, TheGoldenLetterToHollisAndReed) {
  const std::string text = run("C-300");
  if (std::getenv("BILLCHECK_UPDATE_GOLDEN")) test::write_file(kGolden, text);
  EXPECT_EQ(text, test::slurp(kGolden));
}

// The client reads plain words: no rule ids, none of the report's own terms.
TEST_F(Letter, HasNoRuleIdsNorInternalWords) {
  const std::string text = run("C-300");
  for (const RuleInfo& rule : engine_->rules()) EXPECT_THAT(text, Not(HasSubstr(rule.id)));
  for (const char* word : {"finding", "at stake", "evidence", "fingerprint", "rule"})
    EXPECT_THAT(text, Not(HasSubstr(word)));
  EXPECT_THAT(text, HasSubstr("Ashford & Vale LLP"));
}

TEST_F(Letter, OnlyTheInvoicesNamed) {
  const std::string all = run("C-300");
  ASSERT_THAT(all, HasSubstr("On invoice HR-115"));
  const std::string one = run("C-300", {"HR-115"});
  EXPECT_THAT(one, HasSubstr("Your invoices HR-115\n"));
  for (auto at = one.find("On invoice "); at != std::string::npos; at = one.find("On invoice ", at + 1))
    EXPECT_EQ(one.substr(at, 17), "On invoice HR-115");
}

// An invoice named twice is one invoice: the letter lists it and counts its errors once.
TEST_F(Letter, AnInvoiceNamedTwiceIsWrittenOfOnce) {
  EXPECT_EQ(run("C-300", {"HR-115", "HR-115"}), run("C-300", {"HR-115"}));
}

TEST_F(Letter, AClientWithNoErrorsGetsAShortLetterSayingSo) {
  // HR-104 has nothing the client was overcharged for (and so it is exit 0, not an error).
  const std::string clean = run("C-300", {"HR-104"});
  EXPECT_THAT(clean, HasSubstr("We have reviewed your invoices HR-104 and found no error in what we billed you"));
  EXPECT_THAT(clean, Not(HasSubstr("On invoice")));
  EXPECT_THAT(clean, Not(HasSubstr("credit note")));
  EXPECT_THAT(clean, HasSubstr("Yours sincerely,"));
}

// Two errors on one invoice, each with its credit note; an error in the
// invoice's own figures reads as its total.
TEST_F(Letter, SeveralErrorsAndTheInvoiceTotal) {
  const std::string text = run("C-100");
  EXPECT_THAT(text, HasSubstr("found 2 errors in what we billed you"));
  EXPECT_THAT(text, HasSubstr("On invoice NW-2025-07, we billed a total of USD 8408.00 where it should have been USD 8048.00"));
  EXPECT_THAT(text, HasSubstr("On invoice NW-2025-07, line 2 (Revise master lease and side letter), we billed USD 2772.00"));
  EXPECT_THAT(text, HasSubstr("We have issued credit note CN-NW-2025-07-2, dated 2026-01-15, for USD 420.00"));
}

TEST_F(Letter, HtmlIsSelfContainedAndEscapesNames) {
  const std::string html = run("C-300", {}, DocumentFormat::html);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("Content-Security-Policy"));
  EXPECT_THAT(html, Not(HasSubstr("://")));
  EXPECT_THAT(html, HasSubstr("Hollis &amp; Reed"));
  EXPECT_THAT(html, HasSubstr("Ashford &amp; Vale LLP"));
  EXPECT_THAT(html, Not(HasSubstr("Hollis & Reed")));
  EXPECT_THAT(run("C-300", {}, DocumentFormat::markdown), HasSubstr("Dear Hollis & Reed Publishing Ltd,"));
}

TEST_F(Letter, AnUnknownClientOrAnotherClientsInvoiceIsNamed) {
  try {
    run("C-999");
    FAIL() << "no error";
  } catch (const UnknownRecord& e) {
    EXPECT_THAT(e.what(), HasSubstr("no client 'C-999' in the book"));
  }
  try {
    run("C-300", {"NW-2025-05"});
    FAIL() << "no error";
  } catch (const UnknownRecord& e) {
    EXPECT_THAT(e.what(), HasSubstr("invoice NW-2025-05 is not client C-300's"));
  }
  EXPECT_THROW(run("C-300", {"NOPE-1"}), UnknownInvoice);
}

// A broken section or tag is located at its line and column, with what closes it.
TEST_F(Letter, ATemplateWithABrokenSectionOrTagIsALocatedError) {
  const auto dir = test::temp_dir("letter-broken-templates");
  const auto error_of = [&](const std::string& text) {
    test::write_file(dir / "letter.txt", text);
    try {
      run("C-300", {}, DocumentFormat::text, dir);
    } catch (const ConfigError& e) {
      return e.messages().at(0);
    }
    return std::string("no error");
  };
  const std::string file = (dir / "letter.txt").string();
  EXPECT_EQ(error_of("Dear {{client.name}},\n\nline three\n{{#errors}}x{{/credit_notes}}\n"),
            file + ":4:1: Unclosed section \"errors\" (a section {{#name}} or {{^name}} ends with {{/name}}, the "
                   "same name)");
  EXPECT_EQ(error_of("Dear {{client.name\n"), file + ":1:6: Unclosed tag (each {{ needs its }})");
}

// A placeholder the letter cannot have is located at its line; where the
// template does not parse either (an unclosed section), it is named first.
TEST_F(Letter, ATemplateWithAnUnknownPlaceholderIsALocatedError) {
  const auto dir = test::temp_dir("letter-templates");
  for (const auto& [text, line] : {std::pair{"Dear {{client.name}},\n{{client.nmae}}\n", 2},
                                   std::pair{"Dear {{client.nmae}},\n{{#errors}}\n", 1}}) {
    test::write_file(dir / "letter.txt", text);
    try {
      run("C-300", {}, DocumentFormat::text, dir);
      ADD_FAILURE() << "no error for " << text;
    } catch (const ConfigError& e) {
      ASSERT_EQ(e.messages().size(), 1u);
      EXPECT_THAT(e.messages()[0], HasSubstr((dir / "letter.txt").string() + ":" + std::to_string(line) +
                                             ": unknown placeholder '{{client.nmae}}'"));
    }
  }
  std::filesystem::remove_all(dir);
}

// A host that keeps running (billcheck serve, a package embedding the
// engine) renders each letter from the template as the firm last saved it:
// templates are kept once read, and an edit, however soon after the last
// rendering and of whatever size, is read again.
TEST_F(Letter, AnEditedTemplateIsReadAgainByTheSameHost) {
  namespace fs = std::filesystem;
  const auto dir = test::temp_dir("letter-template-edits");
  const fs::path file = dir / "letter.txt";
  test::write_file(file, "Dear {{client.name}}, A\n");
  EXPECT_EQ(run("C-300", {}, DocumentFormat::text, dir), "Dear Hollis & Reed Publishing Ltd, A\n");
  // The same size, at once: the write's time may be the last one's to the tick.
  test::write_file(file, "Dear {{client.name}}, B\n");
  EXPECT_EQ(run("C-300", {}, DocumentFormat::text, dir), "Dear Hollis & Reed Publishing Ltd, B\n");
  // A file saved a while ago is kept once read; an edit after that is seen too.
  fs::last_write_time(file, fs::file_time_type::clock::now() - std::chrono::minutes(5));
  EXPECT_EQ(run("C-300", {}, DocumentFormat::text, dir), "Dear Hollis & Reed Publishing Ltd, B\n");
  EXPECT_EQ(run("C-300", {}, DocumentFormat::text, dir), "Dear Hollis & Reed Publishing Ltd, B\n");
  test::write_file(file, "Dear {{client.name}}, C\n");
  fs::last_write_time(file, fs::file_time_type::clock::now() - std::chrono::minutes(4));
  EXPECT_EQ(run("C-300", {}, DocumentFormat::text, dir), "Dear Hollis & Reed Publishing Ltd, C\n");
  fs::remove_all(dir);
}

TEST(LetterConfig, FirmKeysAreReadAndAnUnknownOneIsLocated) {
  Config c = parse_config("firm:\n  name: A & B\n  signoff: Kind regards,\n  fax: 123\n", "billcheck.yaml");
  EXPECT_EQ(c.firm.name, "A & B");
  EXPECT_EQ(c.firm.signoff, "Kind regards,");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_THAT(c.errors[0], HasSubstr("billcheck.yaml:4:3"));
  EXPECT_THAT(c.errors[0], HasSubstr("fax"));
}

// The firm: block does not change what the example firm's check reports.
TEST(LetterConfig, TheExampleFirmsCheckIsUnchanged) {
  auto with = test::run_billcheck("check examples/firm --format json");
  const auto dir = test::temp_dir("nofirm");
  std::string yaml = test::slurp(test::source_dir() / "examples/firm/billcheck.yaml");
  yaml = yaml.substr(0, yaml.find("# Who signs the letters"));
  test::write_file(dir / "billcheck.yaml", yaml);
  auto without = test::run_billcheck("check examples/firm --format json -c '" + (dir / "billcheck.yaml").string() + "'");
  EXPECT_EQ(with.status, without.status);
  EXPECT_EQ(with.out, without.out);
  std::filesystem::remove_all(dir);
}

TEST(CliLetter, WritesTheLetterOfTheFixedBook) {
  const auto dir = test::temp_dir("letter-cli");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "fixed").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-300 -c examples/firm/billcheck.yaml");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Dear Hollis & Reed Publishing Ltd,"));
  EXPECT_THAT(r.out, HasSubstr("We have issued credit note CN-HR-"));
  // The note's internal_note is the firm's: in the book, never in the letter or the explanation.
  EXPECT_THAT(test::slurp(dir / "fixed" / "credit_notes.csv"),
              HasSubstr(",\"arithmetic.line-amount: Line 3 bills 3.5 h × 330.00 = 1155.00, but its amount is 1255.00.\"\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("arithmetic.line-amount")));
  const auto explained = test::run_billcheck("explain '" + (dir / "fixed").string() + "' --invoice HR-115 -c examples/firm/billcheck.yaml");
  EXPECT_THAT(explained.out, HasSubstr("CN-HR-115-1"));
  EXPECT_THAT(explained.out, Not(HasSubstr("arithmetic.line-amount:")));
  r = test::run_billcheck("letter examples/firm --client C-300 --format html -o '" + (dir / "l.html").string() + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(test::slurp(dir / "l.html"), HasSubstr("Hollis &amp; Reed"));
  std::filesystem::remove_all(dir);
}

TEST(CliLetter, BadInputIsExitTwoWithTheReason) {
  auto r = test::run_billcheck("letter examples/firm --client C-999");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "billcheck: no client 'C-999' in the book (give a client_id the book has)\n");
  r = test::run_billcheck("letter examples/firm --client C-300 --invoice NW-2025-05");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("invoice NW-2025-05 is not client C-300's"));
  const auto dir = test::temp_dir("letter-bad-template");
  test::write_file(dir / "letter.txt", "{{firm.nam}}\n");
  r = test::run_billcheck("letter examples/firm --client C-300 --templates '" + dir.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("letter.txt:1: unknown placeholder '{{firm.nam}}'"));
  std::filesystem::remove_all(dir);
}

// docs/remedies.md shows the golden letter: the block after its
// `$ billcheck letter …` line is the golden file.
TEST(CliLetter, TheDocsExampleIsTheGoldenLetter) {
  const std::string doc = test::slurp(test::source_dir() / "docs" / "remedies.md");
  const std::string prompt = "$ billcheck letter fixed --client C-300 -c examples/firm/billcheck.yaml\n";
  const auto from = doc.find(prompt);
  ASSERT_NE(from, std::string::npos);
  const auto start = from + prompt.size();
  EXPECT_EQ(doc.substr(start, doc.find("```", start) - start), test::slurp(kGolden));
}

// A letter about a reissued invoice says it was cancelled and replaced, and
// what is owed now on the replacement, counting what was paid on the invoice
// it replaces (NW-2025-07 was paid USD 8408.00; its replacement is 7628.00).
TEST(CliLetter, AReissuedInvoiceIsCancelledReplacedAndWhatIsOwedNowIsSaid) {
  const auto dir = test::temp_dir("letter-reissue");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "fixed").string() + "' --reissue --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-100 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("What we have done:\n- We have cancelled invoice NW-2025-07 in full with credit note "
                               "CN-NW-2025-07-1, dated 2026-01-15, and replaced it with the corrected invoice "
                               "NW-2025-07-R1 for USD 7628.00.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice NW-2025-07-R1, which replaces invoice NW-2025-07, you have paid USD 780.00 "
                               "more than you now owe: we will refund it, or take it off your next invoice if you "
                               "prefer.\n"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("will send you a credit note")));
  // The replacement is dated the day of the fix on the original's 30 days: due after the letter, not before.
  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-300 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("On invoice HR-115-R1, which replaces invoice HR-115, GBP 5989.20 is now left to pay, "
                               "due by 2026-02-14.\n"));
  // BM-0070 had a credit note of EUR 300.00 before: it stays the client's, so the EUR 154.70 overcharge
  // (130.00 and its tax) is owed back, not EUR 145.30 more to pay.
  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-200 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("On invoice BM-0070-R1, which replaces invoice BM-0070, you have paid EUR 154.70 more "
                               "than you now owe"));
  std::filesystem::remove_all(dir);
}

// When a credit note changes what is owed on an unpaid invoice, the letter
// says what is left to pay and by when.
TEST(CliLetter, WhatIsLeftToPayAndTheDueDate) {
  const auto dir = test::temp_dir("letter-due");
  test::write_file(dir / "book" / "clients.csv", "client_id,name,currency,payment_terms_days\nC-1,Lark Ltd,GBP,30\n");
  test::write_file(dir / "book" / "invoices.csv",
                   "invoice_id,client_id,issue_date,due_date,currency,total,status\n"
                   "INV-1,C-1,2025-11-01,2025-12-01,GBP,1000.00,issued\n");
  test::write_file(dir / "book" / "invoice_lines.csv",
                   "invoice_id,line_no,type,description,quantity,rate,amount\n"
                   "INV-1,1,fee,Advice,2,400.00,1000.00\n");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "fixed").string() +
                               "' --today 2025-11-10");
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-1 --today 2025-11-12");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("On invoice INV-1, GBP 800.00 is now left to pay, due by 2025-12-01.\n"));
  std::filesystem::remove_all(dir);
}

// A void invoice bills nothing: the letter does not count it among the
// invoices reviewed, and `explain` says nothing is owed on it.
TEST(CliLetter, AVoidInvoiceIsNotReviewedAndExplainOwesNothingOnIt) {
  const auto dir = test::temp_dir("letter-void");
  std::filesystem::copy(test::source_dir() / "examples" / "firm", dir / "book", std::filesystem::copy_options::recursive);
  std::string invoices = test::slurp(dir / "book" / "invoices.csv");
  const std::string issued = ",1154.40,6926.40,issued";
  ASSERT_NE(invoices.find(issued), std::string::npos);
  invoices.replace(invoices.find(issued), issued.size(), ",1154.40,6926.40,void");
  test::write_file(dir / "book" / "invoices.csv", invoices);
  auto r = test::run_billcheck("letter '" + (dir / "book").string() + "' --client C-300 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Your invoices HR-104, HR-109, HR-115\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("HR-121")));
  // Named, it is refused: the letter would call a bill the client does not owe "as agreed".
  r = test::run_billcheck("letter '" + (dir / "book").string() + "' --client C-300 --invoice HR-121 --today 2026-01-20");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("invoice HR-121 is void: it bills the client nothing, so a letter has nothing to say of "
                               "it (leave it out; a letter without invoices named reviews the others)"));
  r = test::run_billcheck("explain '" + (dir / "book").string() + "' --invoice HR-121");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Balance: GBP 0.00\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("6926.40\n")));
  std::filesystem::remove_all(dir);
}

// Why each charge was wrong is the letter-reason.txt template's words; a firm
// folder without it keeps the bundled one.
TEST(CliLetter, TheReasonsAreATemplateTheFirmCanRewrite) {
  const auto dir = test::temp_dir("letter-reasons");
  test::write_file(dir / "templates" / "letter-reason.txt",
                   "{{#arithmetic}}our sums were wrong{{/arithmetic}}{{^arithmetic}}we erred{{/arithmetic}}\n");
  test::write_file(dir / "templates" / "letter.txt", "{{#errors}}{{reason}}\n{{/errors}}");
  auto r = test::run_billcheck("letter examples/firm --client C-300 --templates '" + (dir / "templates").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "our sums were wrong\n");
  std::filesystem::remove(dir / "templates" / "letter-reason.txt");
  r = test::run_billcheck("letter examples/firm --client C-300 --templates '" + (dir / "templates").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "the amount was miscalculated\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck

namespace billcheck {
namespace {

TEST(LetterConfig, DateFormatIsReadAndABadOneIsLocated) {
  Config c = parse_config("letters:\n  date_format: D Month YYYY\n", "billcheck.yaml");
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(format_date(*Date::parse_iso("2026-01-05"), c.letters.date_format), "5 January 2026");
  EXPECT_EQ(format_date(*Date::parse_iso("2026-01-05"), "DD/MM/YYYY"), "05/01/2026");
  EXPECT_EQ(format_date(*Date::parse_iso("2026-01-05"), "Mon D, YYYY"), "Jan 5, 2026");
  EXPECT_EQ(format_date(*Date::parse_iso("2026-01-05"), ""), "2026-01-05");
  c = parse_config("letters:\n  date_format: dd/mm/yyyy\n  colour: red\n", "billcheck.yaml");
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_THAT(c.errors[0] + c.errors[1], HasSubstr("billcheck.yaml:2:16: letters.date_format: 'dd/mm/yyyy' does not "
                                                   "name the year, month and day"));
  EXPECT_THAT(c.errors[0] + c.errors[1], HasSubstr("colour"));
}

// letters.templates and letters.date_format in billcheck.yaml do what
// --templates does, and date the letter as the firm writes dates; --today
// gives the letter's date.
TEST(LetterConfig, TheFirmsTemplatesAndDateFormatFromTheConfig) {
  const auto dir = test::temp_dir("letter-config");
  test::write_file(dir / "templates" / "letter.txt", "{{date}}: Dear {{client.name}}\n");
  std::string yaml = test::slurp(test::source_dir() / "examples/firm/billcheck.yaml");
  test::write_file(dir / "billcheck.yaml", yaml + "letters:\n  templates: templates\n  date_format: D Month YYYY\n");
  const auto r = test::run_billcheck("letter examples/firm --client C-300 --today 2026-01-20 -c '" +
                                     (dir / "billcheck.yaml").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "20 January 2026: Dear Hollis & Reed Publishing Ltd\n");
  const auto iso = test::run_billcheck("letter examples/firm --client C-300 --today 2026-01-20");
  EXPECT_THAT(iso.out, HasSubstr("\n2026-01-20\n"));
  const auto bad = test::run_billcheck("letter examples/firm --client C-300 --today 20/01/2026");
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.err, HasSubstr("--today '20/01/2026' is not a date (YYYY-MM-DD)"));
  std::filesystem::remove_all(dir);
}

// What a caller can get wrong on the command line: each a clear message and exit 2.
TEST(LetterCli, BadInputIsExit2WithAMessage) {
  auto r = test::run_billcheck("letter examples/firm --client C-999");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("no client 'C-999' in the book"));
  const auto dir = test::temp_dir("letter-bad-template");
  test::write_file(dir / "letter.txt", "Dear {{client.nmae}}\n");
  r = test::run_billcheck("letter examples/firm --client C-300 --templates '" + dir.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr((dir / "letter.txt").string() + ":1: unknown placeholder '{{client.nmae}}'"));
  r = test::run_billcheck("explain examples/firm --invoice NW-2025-05 --line 99");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("invoice NW-2025-05 has no line 99"));
  r = test::run_billcheck("explain examples/firm --invoice NOPE-1");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("NOPE-1"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
