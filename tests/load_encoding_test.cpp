// The bytes of a book's files: text that is not UTF-8 and files with CR-only
// line endings are load errors that say where and what to do, in every input
// form (CSV, JSON, LEDES), and never reach a report.
#include <billcheck/load.hpp>

#include "load/encoding.hpp"
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kHint = " (save the file as UTF-8; text in Latin-1 or Windows-1252 must be converted)";

/// The messages a load fails with (test_support.hpp's).
const auto errors_of = test::book_errors;

/// A CSV book whose invoice_lines.csv is `lines`.
fs::path csv_book(const std::string& lines) {
  const fs::path dir = test::temp_dir("encoding");
  test::write_file(dir / "invoices.csv",
                   "invoice_id,client_id,issue_date,currency,total\nINV-1,C1,2026-01-31,USD,100.00\n");
  test::write_file(dir / "invoice_lines.csv", lines);
  return dir;
}

const std::string kLinesHeader = "invoice_id,line_no,type,description,quantity,rate,amount\n";

// ---------------------------------------------------------------------------
// UTF-8

TEST(Utf8, AcceptsWellFormedTextOfEveryLength) {
  EXPECT_TRUE(encoding::is_utf8(""));
  EXPECT_TRUE(encoding::is_utf8("plain ASCII, longer than eight bytes"));
  EXPECT_TRUE(encoding::is_utf8("Z\xC3\xBCrich"));                  // ü
  EXPECT_TRUE(encoding::is_utf8("Attorney\xE2\x80\x99s fees"));      // ’
  EXPECT_TRUE(encoding::is_utf8("\xF0\x9F\x98\x80 and \xF4\x8F\xBF\xBF"));  // U+1F600, U+10FFFF
}

TEST(Utf8, FindsTheFirstByteThatIsNotUtf8) {
  EXPECT_EQ(encoding::invalid_utf8_at("Caf\xE9"), 3u);                   // Latin-1 é, cut short
  EXPECT_EQ(encoding::invalid_utf8_at("Caf\xE9 au lait"), 3u);           // Latin-1 é, bad continuation
  EXPECT_EQ(encoding::invalid_utf8_at("0123456789\x80"), 10u);           // a lone continuation byte
  EXPECT_EQ(encoding::invalid_utf8_at("\xC0\xAF"), 0u);                  // overlong '/'
  EXPECT_EQ(encoding::invalid_utf8_at("\xE0\x80\xAF"), 0u);              // overlong, three bytes
  EXPECT_EQ(encoding::invalid_utf8_at("ab\xED\xA0\x80"), 2u);            // a surrogate
  EXPECT_EQ(encoding::invalid_utf8_at("\xF4\x90\x80\x80"), 0u);          // past U+10FFFF
  EXPECT_EQ(encoding::invalid_utf8_at("\xFF"), 0u);
}

TEST(Utf8, TheProblemQuotesOnlyTheValidTextBeforeTheByte) {
  EXPECT_EQ(encoding::utf8_problem("Caf\xE9", 3), "text is not valid UTF-8: byte 0xE9 after 'Caf'" + kHint);
  EXPECT_EQ(encoding::utf8_problem("\x92quoted", 0), "text is not valid UTF-8: byte 0x92 at the start" + kHint);
  EXPECT_EQ(encoding::utf8_problem("a long description of the work\x92s", 30),
            "text is not valid UTF-8: byte 0x92 after '...cription of the work'" + kHint);
}

TEST(LoadEncoding, CsvTextThatIsNotUtf8IsALocatedError) {
  const fs::path dir = csv_book(kLinesHeader + "INV-1,1,fee,Caf\xE9 meeting,1,100,100\n");
  const std::string lines = (dir / "invoice_lines.csv").string();
  EXPECT_THAT(errors_of([&] { load_book(dir); }),
              ElementsAre(lines + ":2: column 'description': text is not valid UTF-8: byte 0xE9 after 'Caf'" + kHint));
}

TEST(LoadEncoding, CsvErrorsNameExtraColumnsAndTheHeader) {
  const fs::path dir = csv_book(
      "invoice_id,line_no,type,quantity,rate,amount,po_number\n"
      "INV-1,1,fee,1,100,100,\"PO\xA0" "7\"\n");
  const std::string lines = (dir / "invoice_lines.csv").string();
  EXPECT_THAT(errors_of([&] { load_book(dir); }),
              ElementsAre(lines + ":2: column 'po_number': text is not valid UTF-8: byte 0xA0 after 'PO'" + kHint));

  const fs::path header = csv_book("invoice_id,line_no,type,quantity,rate,amount,r\xE9" "f\nINV-1,1,fee,1,100,100,x\n");
  EXPECT_THAT(errors_of([&] { load_book(header); }),
              ElementsAre((header / "invoice_lines.csv").string() +
                          ":1: the header: text is not valid UTF-8: byte 0xE9 after 'r'" + kHint));
}

TEST(LoadEncoding, CsvTextThatIsNotUtf8NeverReachesTheJsonReport) {
  // Before: the book loaded, and `--format json` died on a json exception.
  const fs::path dir = csv_book(kLinesHeader + "INV-1,1,fee,Caf\xE9 meeting,1,100,100\n");
  auto r = test::run_billcheck("check '" + dir.string() + "' --format json");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("invoice_lines.csv:2: column 'description': text is not valid UTF-8"));
  EXPECT_THAT(r.err, Not(HasSubstr("json.exception")));
  EXPECT_TRUE(encoding::is_utf8(r.err)) << r.err;
}

TEST(LoadEncoding, JsonTextThatIsNotUtf8IsALocatedError) {
  const std::string value = "{\"invoices\": [\n  {\"invoice_id\": \"INV-1\",\n   \"status\": \"d\xE9j\xE0\"}\n]}\n";
  EXPECT_THAT(errors_of([&] { read_json_text(value, "book.json"); }),
              ElementsAre("book.json:3: column 'status': text is not valid UTF-8: byte 0xE9 after 'd'" + kHint));

  const std::string key = "{\"invoices\": [\n  {\"invoice_id\": \"INV-1\",\n   \"r\xE9" "f\": \"x\"}\n]}\n";
  EXPECT_THAT(errors_of([&] { read_json_text(key, "book.json"); }),
              ElementsAre("book.json:3: text is not valid UTF-8: byte 0xE9 after 'r'" + kHint));

  const std::string stray = "{\"invoices\": []}\n\xFF\n";
  EXPECT_THAT(errors_of([&] { read_json_text(stray, "book.json"); }),
              ElementsAre("book.json:2: text is not valid UTF-8: byte 0xFF at the start" + kHint));
}

const std::string kLedesHeader =
    "INVOICE_DATE|INVOICE_NUMBER|CLIENT_ID|LAW_FIRM_MATTER_ID|INVOICE_TOTAL|BILLING_START_DATE|BILLING_END_DATE|"
    "INVOICE_DESCRIPTION|LINE_ITEM_NUMBER|EXP/FEE/INV_ADJ_TYPE|LINE_ITEM_NUMBER_OF_UNITS|LINE_ITEM_ADJUSTMENT_AMOUNT|"
    "LINE_ITEM_TOTAL|LINE_ITEM_DATE|LINE_ITEM_TASK_CODE|LINE_ITEM_EXPENSE_CODE|LINE_ITEM_ACTIVITY_CODE|TIMEKEEPER_ID|"
    "LINE_ITEM_DESCRIPTION|LAW_FIRM_ID|LINE_ITEM_UNIT_COST|TIMEKEEPER_NAME|TIMEKEEPER_CLASSIFICATION|CLIENT_MATTER_ID[]";

std::string ledes_record(const std::string& description) {
  return "20260331|7|C1|M1|300.00|20260301|20260331|Advice|1|F|1.0|0|300.00|20260305|L120||A104|T1|" + description +
         "|F1|300.00|Vale, Margaret|PARTNR|CM1[]";
}

TEST(LoadEncoding, LedesTextThatIsNotUtf8IsALocatedError) {
  const std::string text = "LEDES1998B[]\n" + kLedesHeader + "\n" + ledes_record("Attorney\x92s fees") + "\n";
  EXPECT_THAT(errors_of([&] { read_ledes_text(text, "bill.ledes"); }),
              ElementsAre("bill.ledes:3: field 'LINE_ITEM_DESCRIPTION': text is not valid UTF-8: byte 0x92 after "
                          "'Attorney'" +
                          kHint));
}

// ---------------------------------------------------------------------------
// CR-only line endings

TEST(LoadEncoding, ACsvFileWithCrOnlyLineEndingsIsNamedAsSuch) {
  // Before: read as one header row, and the error blamed a column of that "row".
  const fs::path dir = csv_book("invoice_id,line_no,type,quantity,rate,amount\rINV-1,1,fee,1,100,100\r");
  EXPECT_THAT(errors_of([&] { load_book(dir); }),
              ElementsAre((dir / "invoice_lines.csv").string() +
                          ": the file uses CR-only (old Mac) line endings; save it with LF or CRLF line endings"));
}

TEST(LoadEncoding, ALedesFileWithCrOnlyLineEndingsIsNamedAsSuch) {
  const fs::path dir = test::temp_dir("encoding-ledes");
  const fs::path file = dir / "bill.txt";  // recognised by its first line, whatever its line endings
  test::write_file(file, "LEDES1998B[]\r" + kLedesHeader + "\r" + ledes_record("Advice") + "\r");
  EXPECT_THAT(errors_of([&] { load_book(file); }),
              ElementsAre(file.string() +
                          ": the file uses CR-only (old Mac) line endings; save it with LF or CRLF line endings"));
}

TEST(LoadEncoding, CrInsideOtherwiseLfFilesIsStillText) {
  // One line with a trailing CR, or a CR inside a cell, is not a CR-only file.
  const fs::path dir = csv_book(kLinesHeader + "INV-1,1,fee,\"a\rb\",1,100,100\n");
  Book book = load_book(dir);
  ASSERT_EQ(book.lines().size(), 1u);
  EXPECT_EQ(book.lines()[0].description, "a\rb");
}

}  // namespace
}  // namespace billcheck
