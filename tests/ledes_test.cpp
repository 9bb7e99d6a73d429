// LEDES 1998B: reading the format's own sample and malformed files (down to
// the exact located errors), `--with` reference books, `convert` round trips
// that keep every figure, and the CLI end to end.
#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>

#include "test_support.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using test::run_billcheck;

// The format's own sample, kept in the repository so that a clone alone runs every test.
const fs::path kSample = fs::path(BILLCHECK_SOURCE_DIR) / "tests" / "data" / "ledes" / "sample" /
                         "ledes98b-standard-sample.txt";
const std::string kSampleArg = "tests/data/ledes/sample/ledes98b-standard-sample.txt";
const fs::path kFixtures = fs::path(BILLCHECK_SOURCE_DIR) / "plugins" / "guidelines" / "tests";
// A CSV book in two currencies, with a discount, tax, an adjustment line, extras, payments and credit notes.
const fs::path kBook = fs::path(BILLCHECK_SOURCE_DIR) / "tests" / "data" / "ledes" / "book";
const std::string kBookArg = "tests/data/ledes/book";

const std::string kHeader =
    "INVOICE_DATE|INVOICE_NUMBER|CLIENT_ID|LAW_FIRM_MATTER_ID|INVOICE_TOTAL|BILLING_START_DATE|BILLING_END_DATE|"
    "INVOICE_DESCRIPTION|LINE_ITEM_NUMBER|EXP/FEE/INV_ADJ_TYPE|LINE_ITEM_NUMBER_OF_UNITS|LINE_ITEM_ADJUSTMENT_AMOUNT|"
    "LINE_ITEM_TOTAL|LINE_ITEM_DATE|LINE_ITEM_TASK_CODE|LINE_ITEM_EXPENSE_CODE|LINE_ITEM_ACTIVITY_CODE|TIMEKEEPER_ID|"
    "LINE_ITEM_DESCRIPTION|LAW_FIRM_ID|LINE_ITEM_UNIT_COST|TIMEKEEPER_NAME|TIMEKEEPER_CLASSIFICATION|CLIENT_MATTER_ID[]";

/// A good fee record of invoice 7 for client C1; `date` is its LINE_ITEM_DATE.
std::string fee_record(int line_no, const std::string& date = "20260305", const std::string& total = "300.00") {
  return "20260331|7|C1|M1|" + total + "|20260301|20260331|Advice|" + std::to_string(line_no) + "|F|1.0|0|300.00|" +
         date + "|L120||A104|T1|Analyze the supply agreement|F1|300.00|Vale, Margaret|PARTNR|CM1[]";
}

std::string ledes(const std::vector<std::string>& records) {
  std::string text = "LEDES1998B[]\n" + kHeader + "\n";
  for (const auto& r : records) text += r + "\n";
  return text;
}

/// The messages read_ledes_text fails with (a test failure when it reads).
std::vector<std::string> ledes_errors(const std::string& text) {
  try {
    read_ledes_text(text, "bill.ledes");
  } catch (const BookError& e) {
    return e.messages();
  }
  ADD_FAILURE() << "the LEDES text was read, but a BookError was expected";
  return {};
}

Decimal dec(std::string_view text) { return Decimal::parse(text).value(); }
Date ymd(std::string_view text) { return Date::parse_iso(text).value(); }

// ---------------------------------------------------------------------------
// The format's own sample

TEST(LedesSample, ReadsBothInvoicesAndAllSixLines) {
  Book book = load_book(kSample);
  ASSERT_EQ(book.invoices().size(), 2u);
  ASSERT_EQ(book.lines().size(), 6u);

  const Invoice& first = *book.invoice("96542");
  EXPECT_EQ(first.client_id, "00711");
  EXPECT_EQ(first.engagement_id, "0528");
  EXPECT_EQ(first.issue_date, ymd("1999-02-25"));
  EXPECT_EQ(first.period_start, ymd("1999-01-01"));
  EXPECT_EQ(first.period_end, ymd("1999-01-31"));
  EXPECT_EQ(first.total, dec("1684.45"));
  EXPECT_EQ(first.currency, "USD");
  EXPECT_EQ(*first.extra.find("invoice_description"), "For services rendered");
  EXPECT_EQ(*first.extra.find("law_firm_id"), "24-6437381");
  EXPECT_EQ(*first.extra.find("client_matter_id"), "423-987");
  EXPECT_EQ(first.source.line, 3u);
  EXPECT_EQ(book.lines_of(first).size(), 5u);

  const InvoiceLine& research = book.lines_of(first)[0];
  EXPECT_EQ(research.type, "fee");
  EXPECT_EQ(research.line_no, 1);
  EXPECT_EQ(research.quantity, dec("2"));
  EXPECT_EQ(research.rate, dec("350"));
  EXPECT_EQ(research.adjustment, dec("-70"));
  EXPECT_EQ(research.amount, dec("630"));
  EXPECT_EQ(research.date, ymd("1999-01-15"));
  EXPECT_EQ(research.task_code, "L510");
  EXPECT_EQ(research.activity_code, "A102");
  EXPECT_EQ(research.timekeeper_id, "22547");
  EXPECT_EQ(research.description, "Research Attorney\xE2\x80\x99s fees, Set off claim");  // the curly apostrophe, as UTF-8

  const InvoiceLine& meals = book.lines_of(first)[3];
  EXPECT_EQ(meals.type, "expense");
  EXPECT_EQ(meals.expense_code, "E111");
  EXPECT_TRUE(meals.timekeeper_id.empty());

  const Invoice& retainer = *book.invoice("96543");
  EXPECT_EQ(retainer.total, dec("1250"));
  EXPECT_EQ(retainer.source.line, 8u);
  ASSERT_EQ(book.lines_of(retainer).size(), 1u);
  const InvoiceLine& fee = book.lines_of(retainer)[0];
  EXPECT_EQ(fee.type, "adjustment");
  EXPECT_EQ(*fee.extra.find("ledes_type"), "IF");
  EXPECT_EQ(fee.quantity, dec("1"));
  EXPECT_EQ(fee.rate, dec("0"));        // no unit cost
  EXPECT_EQ(fee.adjustment, dec("1250"));  // written `1250.`
  EXPECT_EQ(fee.amount, dec("1250"));
}

TEST(LedesSample, TimekeepersComeFromTheLines) {
  Book book = load_book(kSample);
  ASSERT_EQ(book.timekeepers().size(), 2u);
  const Timekeeper& arnsley = *book.timekeeper("22547");
  EXPECT_EQ(arnsley.name, "Arnsley, Robert");
  EXPECT_EQ(arnsley.role, "partner");
  EXPECT_EQ(*arnsley.extra.find("ledes_classification"), "PARTNR");
  EXPECT_EQ(book.timekeeper("45875")->role, "associate");
}

TEST(LedesSample, RaisesNoArithmeticFinding) {
  auto r = run_billcheck("check " + kSampleArg + " --format json");
  ASSERT_NE(r.status, 2) << r.err;
  auto report = nlohmann::json::parse(r.out);
  for (const auto& f : report["findings"]) EXPECT_NE(f["category"], "arithmetic") << f.dump();
  EXPECT_EQ(report["summary"]["invoices"], 2) << report["summary"].dump();
}

// ---------------------------------------------------------------------------
// What the reader accepts

TEST(LedesRead, RecordsEndAtTheBracketsNotAtLineBreaks) {
  const std::string wrapped = "20260331|7|C1|M1|600.00|20260301|20260331|Advice|2|F|1.0|0|300.00|20260306|L120||A104|T1|"
                              "Draft the notice\r\n of termination|F1|300.00|Vale, Margaret|PARTNR|CM1[]";
  BookData data = read_ledes_text(ledes({fee_record(1, "20260305", "600.00"), wrapped}) + "\n\n", "bill.ledes");
  ASSERT_EQ(data.lines.size(), 2u);
  EXPECT_EQ(data.lines[1].description, "Draft the notice of termination");
  EXPECT_EQ(data.lines[1].source.line, 4u);
  ASSERT_EQ(data.invoices.size(), 1u);
  ASSERT_EQ(data.timekeepers.size(), 1u);
}

// A common record is read whole from masks of its separators, anything else
// by the careful reader: random descriptions (a '[' of the text, line breaks
// inside, on the record's last bytes or not), records several to a line or
// one, LF or CRLF, read back as written, with the line each record starts on.
TEST(LedesRead, EveryKindOfRecordReadsAsWritten) {
  for (unsigned seed = 1; seed <= 10; ++seed) {
    std::mt19937 rng(seed);
    std::string text = "LEDES1998B[]\n" + kHeader + "\n";
    std::uint32_t line = 3;
    std::vector<std::pair<std::string, std::uint32_t>> want;  // description, line
    for (int i = 1; i <= 500; ++i) {
      std::string written, read;
      const std::size_t size = 1 + rng() % (rng() % 4 == 0 ? 60 : 12);
      std::uint32_t breaks = 0;
      for (std::size_t k = 0; k < size; ++k) {
        static const char* kPieces[] = {"a", "b", " ", "[", "\n", "\r\n", "c"};
        const std::string piece = kPieces[rng() % (rng() % 8 == 0 ? 7 : 4)];
        written += piece;
        if (piece.back() == '\n') ++breaks;
        else read += piece;
      }
      if (read.empty() || read.front() == ' ' || read.back() == ' ') {  // (no empty or padded description)
        written = "x" + written + "x";
        read = "x" + read + "x";
      }
      std::string record = fee_record(i);
      record.replace(record.find("Analyze the supply agreement"), 28, written);
      text += record;
      want.emplace_back(read, line);
      line += breaks;
      switch (rng() % 3) {
        case 0: break;  // the next record on the same line
        case 1: text += "\n"; ++line; break;
        default: text += "\r\n"; ++line; break;
      }
    }
    // Every line of invoice 7 repeats its total, which is not checked as it is read.
    const BookData data = read_ledes_text(text, "bill.ledes");
    ASSERT_EQ(data.lines.size(), want.size()) << "seed " << seed;
    for (std::size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(std::string(data.lines[i].description), want[i].first) << "seed " << seed << ", record " << i;
      ASSERT_EQ(data.lines[i].source.line, want[i].second) << "seed " << seed << ", record " << i;
    }
  }
}

TEST(LedesRead, LineTypesInAnyCase) {
  std::string expense = fee_record(2);
  expense.replace(expense.find("|F|"), 3, "|e|");
  std::string adjustment = fee_record(3);
  adjustment.replace(adjustment.find("|F|"), 3, "|ie|");
  std::string fee = fee_record(1);
  fee.replace(fee.find("|F|"), 3, "|f|");
  const BookData data = read_ledes_text(ledes({fee, expense, adjustment}), "bill.ledes");
  ASSERT_EQ(data.lines.size(), 3u);
  EXPECT_EQ(data.lines[0].type, "fee");
  EXPECT_EQ(data.lines[1].type, "expense");
  EXPECT_EQ(data.lines[2].type, "adjustment");
  ASSERT_EQ(data.lines[2].extra.values.size(), 1u);
  for (const auto& [name, value] : data.lines[2].extra.values) EXPECT_EQ(value, "IE") << name;
  std::string bad = fee_record(4);
  bad.replace(bad.find("|F|"), 3, "|fx|");
  EXPECT_THAT(ledes_errors(ledes({bad})),
              ElementsAre(HasSubstr("field 'EXP/FEE/INV_ADJ_TYPE': 'FX' is not a line type")));
}

TEST(LedesRead, SeveralRecordsOnOneLineAndAByteOrderMark) {
  BookData data = read_ledes_text("\xEF\xBB\xBFLEDES1998B[]\r\n" + kHeader + fee_record(1) + fee_record(2, "20260305", "300.00"),
                                  "bill.ledes");
  EXPECT_EQ(data.lines.size(), 2u);
}

TEST(LedesRead, NumbersWithATrailingOrLeadingPoint) {
  std::string record = "20260331|7|C1|M1|150.|20260301|20260331|Advice|1|F|.5|0|150.|20260305|L120||A104|T1|"
                       "Call with client|F1|300.|Vale, Margaret|PARTNR|CM1[]";
  BookData data = read_ledes_text(ledes({record}), "bill.ledes");
  EXPECT_EQ(data.lines[0].quantity, dec("0.5"));
  EXPECT_EQ(data.lines[0].rate, dec("300"));
  EXPECT_EQ(data.invoices[0].total, dec("150"));
}

TEST(LedesRead, AFieldTheStandardDoesNotNameIsKeptOnTheLinesThatGiveIt) {
  // Two non-standard fields, one before the standard ones and one after; each line keeps what it gives.
  std::string text = "LEDES1998B[]\nMATTER_NOTE|" + kHeader.substr(0, kHeader.size() - 2) + "|PO_NUMBER[]\n";
  text += "urgent|" + fee_record(1).substr(0, fee_record(1).size() - 2) + "|PO-1[]\n";
  text += "|" + fee_record(2).substr(0, fee_record(2).size() - 2) + "|PO-1[]\n";
  text += "|" + fee_record(3).substr(0, fee_record(3).size() - 2) + "|[]\n";
  BookData data = read_ledes_text(text, "bill.ledes");
  ASSERT_EQ(data.lines.size(), 3u);
  EXPECT_EQ(*data.lines[0].extra.find("MATTER_NOTE"), "urgent");
  EXPECT_EQ(*data.lines[0].extra.find("PO_NUMBER"), "PO-1");
  EXPECT_EQ(data.lines[1].extra.find("MATTER_NOTE"), nullptr);
  EXPECT_EQ(*data.lines[1].extra.find("PO_NUMBER"), "PO-1");
  EXPECT_TRUE(data.lines[2].extra.values.empty());
  // The texts each line repeats from the one before read as written.
  for (const InvoiceLine& line : data.lines) {
    EXPECT_EQ(line.invoice_id, "7");
    EXPECT_EQ(line.task_code, "L120");
    EXPECT_EQ(line.timekeeper_id, "T1");
    EXPECT_EQ(line.description, "Analyze the supply agreement");
    EXPECT_TRUE(line.expense_code.empty());
  }
}

TEST(LedesRead, ClassificationsBecomeRoles) {
  std::vector<std::string> records;
  const char* codes[] = {"PARTNR", "ASSOC", "OFCOUN", "PARLEG", "LEGAST", "OTHER", "SRASSOC"};
  for (int i = 0; i < 7; ++i)
    records.push_back("20260331|7|C1|M1|2100.00|20260301|20260331|Advice|" + std::to_string(i + 1) +
                      "|F|1.0|0|300.00|20260305|L120||A104|T" + std::to_string(i) + "|Work|F1|300.00|Name " +
                      std::to_string(i) + "|" + codes[i] + "|CM1[]");
  BookData data = read_ledes_text(ledes(records), "bill.ledes");
  std::vector<std::string> roles;
  for (const auto& tk : data.timekeepers) roles.push_back(tk.role);
  EXPECT_THAT(roles, ElementsAre("partner", "associate", "counsel", "paralegal", "legal assistant", "other", "srassoc"));
}

TEST(LedesRead, AnyExtensionStartingWithTheFirstLineIsLedes) {
  auto dir = test::temp_dir("ledes-ext");
  test::write_file(dir / "march.dat", ledes({fee_record(1)}));
  EXPECT_EQ(load_book(dir / "march.dat").lines().size(), 1u);
  auto r = run_billcheck("check - --format json", "NO_COLOR=1", (dir / "march.dat").string());
  EXPECT_NE(r.status, 2) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["summary"]["lines"], 1);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------
// Malformed files: every error, located

TEST(LedesErrors, BadDateIsLocatedByLineAndField) {
  EXPECT_THAT(ledes_errors(ledes({fee_record(1), fee_record(2, "1999011")})),
              ElementsAre("bill.ledes:4: field 'LINE_ITEM_DATE': '1999011' is not a date (expected YYYYMMDD)"));
}

// A line's date that repeats the line before's is taken as its value; one
// that was refused is refused again on every line that repeats it.
TEST(LedesRead, ALineDateThatRepeatsTheLineBeforesIsReadAsItsDate) {
  const BookData data = read_ledes_text(ledes({fee_record(1), fee_record(2), fee_record(3, ""), fee_record(4),
                                               fee_record(5, "20260306"), fee_record(6, "20260306")}),
                                        "bill.ledes");
  ASSERT_EQ(data.lines.size(), 6u);
  const std::vector<std::string> dates = {"2026-03-05", "2026-03-05", "", "2026-03-05", "2026-03-06", "2026-03-06"};
  for (std::size_t i = 0; i < dates.size(); ++i)
    EXPECT_EQ(data.lines[i].date ? data.lines[i].date->to_string() : "", dates[i]) << "line " << i + 1;
}

TEST(LedesErrors, ADateRefusedIsRefusedOnEveryLineThatRepeatsIt) {
  EXPECT_THAT(ledes_errors(ledes({fee_record(1, "20260231"), fee_record(2, "20260231"), fee_record(3)})),
              ElementsAre("bill.ledes:3: field 'LINE_ITEM_DATE': '20260231' is not a date (expected YYYYMMDD)",
                          "bill.ledes:4: field 'LINE_ITEM_DATE': '20260231' is not a date (expected YYYYMMDD)"));
}

TEST(LedesErrors, EveryErrorIsListed) {
  std::string bad_number = fee_record(3);
  bad_number.replace(bad_number.find("|0|300.00|"), 10, "|0|300,00|");
  EXPECT_THAT(
      ledes_errors(ledes({fee_record(1, "20260231"), fee_record(2), bad_number})),
      ElementsAre("bill.ledes:3: field 'LINE_ITEM_DATE': '20260231' is not a date (expected YYYYMMDD)",
                  "bill.ledes:5: field 'LINE_ITEM_TOTAL': '300,00' is not a decimal number (use '.' as the separator, "
                  "no thousands separators or currency symbols)"));
}

TEST(LedesErrors, WrongFieldCount) {
  std::string short_record = fee_record(2);
  short_record.erase(short_record.find("|CM1[]"), 4);  // drop CLIENT_MATTER_ID
  EXPECT_THAT(ledes_errors(ledes({fee_record(1), short_record})),
              ElementsAre("bill.ledes:4: the record has 23 fields, the header has 24 (fields are separated by '|' and a "
                          "record ends with '[]')"));
}

TEST(LedesErrors, AMissingBracketRunsIntoTheNextLine) {
  std::string open = fee_record(1);
  open.resize(open.size() - 2);
  auto errors = ledes_errors(ledes({open, fee_record(2)}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("bill.ledes:3: the record has 47 fields, the header has 24"));
  EXPECT_THAT(errors[0], HasSubstr("the record runs on to line 4: is the '[]' missing at the end of line 3?"));
}

TEST(LedesErrors, MissingHeader) {
  EXPECT_THAT(ledes_errors("LEDES1998B[]\n" + fee_record(1) + "\n"),
              ElementsAre("bill.ledes:2: the header is missing: the line after 'LEDES1998B[]' must name the fields, " +
                          kHeader));
}

TEST(LedesErrors, HeaderWithoutAStandardField) {
  std::string header = kHeader;
  header.replace(header.find("|LINE_ITEM_TASK_CODE"), 20, "");
  auto errors = ledes_errors("LEDES1998B[]\n" + header + "\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("bill.ledes:2: field 'LINE_ITEM_TASK_CODE': missing from the header"));
}

TEST(LedesErrors, NotLedesAtAll) {
  EXPECT_THAT(ledes_errors("invoice_id,client_id\n"),
              ElementsAre("bill.ledes:1: not a LEDES 1998B file: the first line must be 'LEDES1998B[]' (it is "
                          "'invoice_id,client_id')"));
}

TEST(LedesErrors, UnterminatedLastRecord) {
  std::string open = fee_record(2);
  open.resize(open.size() - 2);
  EXPECT_THAT(ledes_errors(ledes({fee_record(1)}) + open),
              ElementsAre("bill.ledes:4: the record does not end with '[]' (every LEDES 1998B record ends with '[]')"));
}

TEST(LedesErrors, RequiredValuesAndLineTypes) {
  std::string no_units = fee_record(1);
  no_units.replace(no_units.find("|F|1.0|"), 7, "|F||");
  std::string bad_type = fee_record(2);
  bad_type.replace(bad_type.find("|F|"), 3, "|X|");
  std::string no_name = fee_record(3);
  no_name.replace(no_name.find("Vale, Margaret"), 14, "");
  EXPECT_THAT(ledes_errors(ledes({no_units, bad_type, no_name})),
              ElementsAre("bill.ledes:3: field 'LINE_ITEM_NUMBER_OF_UNITS': required value missing (F and E lines "
                          "state their units and unit cost)",
                          "bill.ledes:4: field 'EXP/FEE/INV_ADJ_TYPE': 'X' is not a line type (use F for a fee, E for "
                          "an expense, IF or IE for an invoice-level fee or expense adjustment)",
                          "bill.ledes:5: field 'TIMEKEEPER_NAME': required value missing (a line naming a timekeeper "
                          "gives their name and classification)"));
}

TEST(LedesErrors, LinesOfOneInvoiceMustRepeatItsFields) {
  EXPECT_THAT(ledes_errors(ledes({fee_record(1), fee_record(2, "20260305", "300"), fee_record(3, "20260305", "900.00")})),
              ElementsAre("bill.ledes:5: field 'INVOICE_TOTAL': '900.00' differs from '300.00' on line 3 (every line "
                          "of invoice 7 repeats the same invoice fields)"));
}

// The first line's invoice fields are what the others repeat, even where the
// first line wraps inside one of them (its line break is dropped).
TEST(LedesErrors, AWrappedInvoiceFieldIsRepeatedWithoutItsLineBreak) {
  std::string wrapped = fee_record(1);
  wrapped.replace(wrapped.find("|Advice|"), 8, "|Ad\r\nvice|");
  std::string other = fee_record(3);
  other.replace(other.find("|Advice|"), 8, "|Advise|");
  EXPECT_THAT(ledes_errors(ledes({wrapped, fee_record(2), other})),
              ElementsAre("bill.ledes:6: field 'INVOICE_DESCRIPTION': 'Advise' differs from 'Advice' on line 3 (every "
                          "line of invoice 7 repeats the same invoice fields)"));
  BookData data = read_ledes_text(ledes({wrapped, fee_record(2)}), "bill.ledes");
  EXPECT_EQ(data.invoices.size(), 1u);
  EXPECT_EQ(data.lines.size(), 2u);
}

TEST(LedesErrors, CliListsThemAndExitsTwo) {
  auto dir = test::temp_dir("ledes-cli");
  test::write_file(dir / "bill.txt", ledes({fee_record(1, "1999011"), fee_record(2, "20261301")}));
  auto r = run_billcheck("check '" + (dir / "bill.txt").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("bill.txt:3: field 'LINE_ITEM_DATE': '1999011' is not a date (expected YYYYMMDD)"));
  EXPECT_THAT(r.err, HasSubstr("bill.txt:4: field 'LINE_ITEM_DATE': '20261301' is not a date (expected YYYYMMDD)"));
  EXPECT_TRUE(r.out.empty());
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------
// --with: a CSV book's reference records for the invoices in the file

/// A reference book for the sample's client 00711 and matter 0528, with
/// records of another client and matter that must stay out.
fs::path write_reference() {
  auto dir = test::temp_dir("ledes-with");
  test::write_file(dir / "clients.csv",
                   "client_id,name,currency,billing_address\n00711,Northwind Holdings,EUR,1 Dock Rd\n"
                   "C-9,Other Client,USD,2 Main St\n");
  test::write_file(dir / "engagements.csv", "engagement_id,client_id,name\n0528,00711,Set-off claim\nE-9,C-9,Other\n");
  test::write_file(dir / "rates.csv",
                   "engagement_id,timekeeper_id,role,rate,effective_from\n0528,,partner,300.00,1998-01-01\n"
                   "0528,,associate,200.00,1998-01-01\nE-9,,partner,999.00,1998-01-01\n");
  test::write_file(dir / "timekeepers.csv",
                   "timekeeper_id,name,role,active_from\n22547,Robert Arnsley,partner,1990-01-01\n"
                   "99999,Someone Else,associate,1990-01-01\n");
  test::write_file(dir / "time_entries.csv",
                   "entry_id,engagement_id,timekeeper_id,date,hours\nTE-1,0528,22547,1999-01-15,2.0\n"
                   "TE-9,E-9,99999,1999-01-15,5.0\n");
  return dir;
}

TEST(LedesWith, AddsOnlyTheRecordsTheInvoicesName) {
  const fs::path ref = write_reference();
  Book book = load_book(kSample, LoadOptions{ref, "USD"});
  ASSERT_EQ(book.clients().size(), 1u);
  EXPECT_EQ(book.clients()[0].name, "Northwind Holdings");
  ASSERT_EQ(book.engagements().size(), 1u);
  EXPECT_EQ(book.engagements()[0].id, "0528");
  EXPECT_EQ(book.rates().size(), 2u);
  ASSERT_EQ(book.time_entries().size(), 1u);
  EXPECT_EQ(book.time_entries()[0].id, "TE-1");
  // The firm's own timekeeper record replaces the LEDES one; the other stays.
  ASSERT_EQ(book.timekeepers().size(), 2u);
  EXPECT_EQ(book.timekeeper("22547")->name, "Robert Arnsley");
  EXPECT_EQ(book.timekeeper("22547")->active_from, ymd("1990-01-01"));
  EXPECT_EQ(book.timekeeper("45875")->name, "Beaster, John");
  EXPECT_FALSE(book.timekeeper("99999"));
  // LEDES has no currency: both invoices take their client's.
  EXPECT_EQ(book.invoice("96542")->currency, "EUR");
  EXPECT_EQ(book.invoice("96543")->currency, "EUR");
  fs::remove_all(ref);
}

TEST(LedesWith, CurrencyDefaultsToUsdOrTheOneGiven) {
  EXPECT_EQ(load_book(kSample).invoice("96542")->currency, "USD");
  LoadOptions options;
  options.ledes_currency = "CAD";
  EXPECT_EQ(load_book(kSample, options).invoice("96542")->currency, "CAD");
}

TEST(LedesWith, RatesFromTheReferenceAreCheckedEndToEnd) {
  const fs::path ref = write_reference();
  auto plain = run_billcheck("check " + kSampleArg + " --format json");
  auto with = run_billcheck("check " + kSampleArg + " --with '" + ref.string() + "' --format json");
  ASSERT_NE(with.status, 2) << with.err;
  auto rate_findings = [](const std::string& out) {
    std::vector<std::string> lines;
    const auto report = nlohmann::json::parse(out);
    for (const auto& f : report["findings"])
      if (f["rule"] == "rates.contract-rate") lines.push_back(f["invoice"].get<std::string>() + "/" + f["line"].get<std::string>());
    return lines;
  };
  EXPECT_TRUE(rate_findings(plain.out).empty());
  // Arnsley billed 350.00 where 0528's partner rate is 300.00; Beaster's 200.00 is agreed.
  EXPECT_THAT(rate_findings(with.out), ElementsAre("96542/1", "96542/2"));
  EXPECT_EQ(with.status, 1);

  auto missing = run_billcheck("check " + kSampleArg + " --with /no/such/folder");
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.err, HasSubstr("/no/such/folder: not a directory; --with takes a folder of CSV files"));
  fs::remove_all(ref);
}

// ---------------------------------------------------------------------------
// convert: every figure survives a round trip

/// Every invoice and line figure of `a` is in `b`, the same; `b` may have more
/// lines only where LEDES wrote a discount or tax as an IF line.
void expect_same_figures(const Book& a, const Book& b, bool ledes_between) {
  ASSERT_EQ(a.invoices().size(), b.invoices().size());
  for (const Invoice& x : a.invoices()) {
    SCOPED_TRACE("invoice " + x.id);
    const Invoice* y = b.invoice(x.id);
    ASSERT_TRUE(y);
    EXPECT_EQ(x.client_id, y->client_id);
    EXPECT_EQ(x.engagement_id, y->engagement_id);
    EXPECT_EQ(x.issue_date, y->issue_date);
    EXPECT_EQ(x.period_start, y->period_start);
    EXPECT_EQ(x.period_end, y->period_end);
    if (ledes_between) {
      // LEDES has no currency: read back with the book's clients, an invoice takes its client's.
      const Client* client = a.client(x.client_id);
      EXPECT_EQ(client && !client->currency.empty() ? client->currency : std::string("USD"), y->currency);
    } else {
      EXPECT_EQ(x.currency, y->currency);
    }
    EXPECT_EQ(x.total, y->total);
    if (!ledes_between) {
      EXPECT_EQ(x.discount, y->discount);
      EXPECT_EQ(x.tax, y->tax);
      EXPECT_EQ(x.tax_rate, y->tax_rate);
      EXPECT_EQ(x.due_date, y->due_date);
      EXPECT_EQ(x.status, y->status);
    }
    auto xs = a.lines_of(x);
    auto ys = b.lines_of(*y);
    std::size_t added = ledes_between ? (x.discount && !x.discount->is_zero()) + (x.tax && !x.tax->is_zero()) : 0;
    ASSERT_EQ(xs.size() + added, ys.size());
    for (std::size_t i = 0; i < xs.size(); ++i) {
      SCOPED_TRACE("line " + std::to_string(xs[i].line_no));
      EXPECT_EQ(xs[i].line_no, ys[i].line_no);
      EXPECT_EQ(xs[i].type, ys[i].type);
      EXPECT_EQ(xs[i].date, ys[i].date);
      EXPECT_EQ(xs[i].timekeeper_id, ys[i].timekeeper_id);
      EXPECT_EQ(xs[i].task_code, ys[i].task_code);
      EXPECT_EQ(xs[i].activity_code, ys[i].activity_code);
      EXPECT_EQ(xs[i].expense_code, ys[i].expense_code);
      EXPECT_EQ(xs[i].description, ys[i].description);
      EXPECT_EQ(xs[i].quantity, ys[i].quantity);
      EXPECT_EQ(xs[i].rate, ys[i].rate);
      EXPECT_EQ(xs[i].adjustment.value_or(Decimal{}), ys[i].adjustment.value_or(Decimal{}));
      EXPECT_EQ(xs[i].amount, ys[i].amount);
    }
    // What LEDES added in place of the discount and tax.
    Decimal extra;
    for (std::size_t i = xs.size(); i < ys.size(); ++i) {
      EXPECT_EQ(ys[i].type, "adjustment");
      extra += ys[i].amount;
    }
    if (ledes_between) {
      EXPECT_EQ(extra, x.tax.value_or(Decimal{}) - x.discount.value_or(Decimal{}));
    }
  }
}

// The IF line a tax or discount becomes is dated within the period and not
// after the invoice: dated at the period's end, an invoice issued before it
// ended (BM-0063) got a "line dated after the invoice" finding of its own.
TEST(LedesConvert, TheLinesATaxOrDiscountBecomesAddNoFinding) {
  auto dir = test::temp_dir("ledes-if-date");
  const std::string ledes = (dir / "firm.ledes").string();
  ASSERT_EQ(test::run_billcheck("-q convert examples/firm '" + ledes + "'").status, 0);
  const auto csv = test::run_billcheck("check examples/firm --format json");
  const auto back = test::run_billcheck("check '" + ledes + "' --with examples/firm -c examples/firm/billcheck.yaml --format json");
  const auto future_dated = [](const std::string& report) {
    const nlohmann::json parsed = nlohmann::json::parse(report);  // (a loop over a temporary's member would dangle)
    std::size_t n = 0;
    for (const auto& f : parsed["findings"]) n += f["rule"] == "timing.future-date";
    return n;
  };
  EXPECT_EQ(future_dated(back.out), future_dated(csv.out)) << back.err;
}

TEST(LedesConvert, CsvToLedesAndBackKeepsEveryFigure) {
  auto dir = test::temp_dir("ledes-convert");
  const fs::path out = dir / "book.ledes";
  auto notes = convert_book(kBook, out);
  EXPECT_EQ(test::slurp(out).rfind("LEDES1998B[]\n", 0), 0u);
  EXPECT_THAT(notes, ElementsAre(HasSubstr("invoice I-2: its discount of 50.00 was written as IF line 3"),
                                 HasSubstr("invoice I-2: its tax of 368.58 was written as IF line 4"),
                                 // What LEDES cannot carry is said, not lost without a word.
                                 "LEDES 1998B has no field for lines' entry_id, lines' phase, so they were left out",
                                 HasSubstr("LEDES 1998B has no currency field, and invoices in EUR were written")));
  Book original = load_book(kBook);
  // The book bills in USD and EUR; --with gives the currencies back from its clients.
  Book back = load_book(out, LoadOptions{kBook, "USD"});
  expect_same_figures(original, back, /*ledes_between=*/true);
  EXPECT_EQ(back.timekeeper("TK-S")->role, "senior associate");  // from --with; LEDES wrote OTHER
  fs::remove_all(dir);
}

TEST(LedesConvert, RoleCodesAndRepeatedInvoiceNumbers) {
  auto dir = test::temp_dir("ledes-convert");
  convert_book(kBook, dir / "book.ledes");
  Book back = load_book(dir / "book.ledes");
  EXPECT_EQ(back.timekeeper("TK-P")->role, "partner");
  EXPECT_EQ(back.timekeeper("TK-S")->role, "other");
  EXPECT_EQ(back.invoice("I-2")->currency, "USD");

  test::write_file(dir / "twice" / "invoices.csv",
                   "invoice_id,client_id,issue_date,currency,total\nI-1,C1,2026-03-31,USD,10\nI-1,C1,2026-04-30,USD,20\n");
  test::write_file(dir / "twice" / "invoice_lines.csv",
                   "invoice_id,line_no,type,quantity,rate,amount\nI-1,1,expense,1,10,10\n");
  auto notes = convert_book(dir / "twice", dir / "twice.ledes");
  EXPECT_THAT(notes, ElementsAre(HasSubstr("invoice number I-1 appears more than once in the book")));
  EXPECT_EQ(load_book(dir / "twice.ledes").invoices().size(), 1u);
  fs::remove_all(dir);
}

TEST(LedesConvert, LedesToJsonAndCsvAndBack) {
  auto dir = test::temp_dir("ledes-convert");
  Book original = load_book(kSample);
  convert_book(kSample, dir / "sample.json");
  convert_book(kSample, dir / "sample-csv");
  convert_book(dir / "sample-csv", dir / "again.ledes");
  expect_same_figures(original, load_book(dir / "sample.json"), false);
  expect_same_figures(original, load_book(dir / "sample-csv"), false);
  Book again = load_book(dir / "again.ledes");
  expect_same_figures(original, again, false);
  EXPECT_EQ(*again.lines()[5].extra.find("ledes_type"), "IF");
  EXPECT_EQ(again.lines()[0].description, original.lines()[0].description);
  EXPECT_EQ(again.timekeeper("22547")->role, "partner");
  fs::remove_all(dir);
}

TEST(LedesConvert, LedesWrittenByBillcheckComesBackByteForByte) {
  auto dir = test::temp_dir("ledes-convert");
  convert_book(kBook, dir / "a.ledes");
  convert_book(dir / "a.ledes", dir / "csv");
  convert_book(dir / "csv", dir / "b.ledes");
  convert_book(dir / "b.ledes", dir / "b.json");
  convert_book(dir / "b.json", dir / "c.ledes");
  EXPECT_EQ(test::slurp(dir / "a.ledes"), test::slurp(dir / "b.ledes"));
  EXPECT_EQ(test::slurp(dir / "a.ledes"), test::slurp(dir / "c.ledes"));
  fs::remove_all(dir);
}

// A LEDES file read into CSV keeps each adjustment's IF or IE as the column
// ledes_type; writing it back as LEDES uses it, so no note may say it was left out.
TEST(LedesConvert, AnAdjustmentsLedesTypeIsWrittenNotNotedAsLeftOut) {
  auto dir = test::temp_dir("ledes-convert");
  convert_book(kSample, dir / "sample-csv");
  ASSERT_THAT(test::slurp(dir / "sample-csv" / "invoice_lines.csv"), HasSubstr("ledes_type"));
  EXPECT_THAT(convert_book(dir / "sample-csv", dir / "again.ledes"), IsEmpty());
  fs::remove_all(dir);
}

TEST(LedesConvert, WholeBookThroughJsonAndCsv) {
  auto dir = test::temp_dir("ledes-convert");
  Book original = load_book(kBook);
  convert_book(kBook, dir / "book.json");
  convert_book(dir / "book.json", dir / "book-csv");
  Book back = load_book(dir / "book-csv");
  expect_same_figures(original, back, false);
  EXPECT_EQ(back.lines()[1].description, "Draft answer, with \"affirmative\" defenses");
  EXPECT_EQ(*back.lines()[0].extra.find("phase"), "pleadings");
  EXPECT_EQ(back.time_entry("TE-1")->hours, dec("2.5"));
  EXPECT_EQ(back.rates()[0].timekeeper_id, "TK-S");  // an engagement's timekeeper rows sort first
  EXPECT_EQ(back.client("C1")->billing_address, "100 Mill Rd, Dayton OH");
  EXPECT_EQ(back.clients().size(), original.clients().size());
  EXPECT_EQ(back.rates().size(), original.rates().size());
  EXPECT_EQ(back.time_entries().size(), original.time_entries().size());
  EXPECT_EQ(back.payments().size(), original.payments().size());
  EXPECT_EQ(back.credit_notes().size(), original.credit_notes().size());
  for (std::size_t i = 0; i < original.payments().size(); ++i)
    EXPECT_EQ(back.payments()[i].amount, original.payments()[i].amount);
  fs::remove_all(dir);
}

TEST(LedesConvert, TextThatLedesCannotHoldIsMadeSafe) {
  auto dir = test::temp_dir("ledes-convert");
  test::write_file(dir / "book" / "invoices.csv",
                   "invoice_id,client_id,issue_date,currency,total\nI-1,C1,2026-03-31,USD,100.00\n");
  test::write_file(dir / "book" / "invoice_lines.csv",
                   "invoice_id,line_no,type,description,quantity,rate,amount\n"
                   "I-1,1,expense,\"Copies | binders [] and\ntabs\",1,100.00,100.00\n");
  convert_book(dir / "book", dir / "out.ledes");
  Book back = load_book(dir / "out.ledes");
  EXPECT_EQ(back.lines()[0].description, "Copies / binders [ ] and tabs");
  EXPECT_EQ(back.lines()[0].amount, dec("100"));
  fs::remove_all(dir);
}

TEST(LedesConvert, CliWritesNotesAndRefusesAFullFolder) {
  auto dir = test::temp_dir("ledes-convert-cli");
  auto r = run_billcheck("convert " + kBookArg + " '" + (dir / "book.txt").string() + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("billcheck: note: invoice I-2: its discount of 50.00 was written as IF line 3"));
  auto check = run_billcheck("check '" + (dir / "book.txt").string() + "' --with " + kBookArg + " --format json");
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_EQ(nlohmann::json::parse(check.out)["findings"].size(), 0u) << check.out;

  test::write_file(dir / "full" / "clients.csv", "client_id,name,currency\n");
  auto full = run_billcheck("convert " + kBookArg + " '" + (dir / "full").string() + "'");
  EXPECT_EQ(full.status, 2);
  EXPECT_THAT(full.err, HasSubstr("exists and is not an empty folder"));
  EXPECT_EQ(run_billcheck("convert " + kBookArg + " '" + (dir / "x.csv").string() + "'").status, 2);
  EXPECT_EQ(run_billcheck("convert no/such/book '" + (dir / "y.json").string() + "'").status, 2);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------
// guidelines.utbms-codes: a firm's own code set files

TEST(UtbmsCodeSets, AFirmsCodeSetFileAddsItsCodes) {
  auto dir = test::temp_dir("code-sets");
  test::write_file(dir / "acme.txt", "# Acme's own tasks\nname: Acme tasks\nkind: task\nX100 Regulatory filings\n");
  test::write_file(dir / "billcheck.yaml", "rules:\n  guidelines.utbms-codes: {options: {code_sets: ['" +
                                               (dir / "acme.txt").string() + "']}}\n");
  auto r = run_billcheck("check plugins/guidelines/tests/utbms --format json --config '" +
                         (dir / "billcheck.yaml").string() + "'");
  ASSERT_NE(r.status, 2) << r.err;
  std::vector<std::string> flagged;
  const auto report = nlohmann::json::parse(r.out);
  for (const auto& f : report["findings"])
    if (f["rule"] == "guidelines.utbms-codes") flagged.push_back(f["line"].get<std::string>());
  // Line 10's X100 is Acme's now; the other unknown and missing codes stay flagged.
  EXPECT_THAT(flagged, ElementsAre("2", "3", "4", "5", "7", "8", "11", "12", "13"));
  for (const auto& f : report["findings"])
    if (f["rule"] == "guidelines.utbms-codes" && f["line"] == "2") {
      EXPECT_THAT(f["message"].get<std::string>(), HasSubstr("Acme tasks (X100)"));
    }

  test::write_file(dir / "acme.txt", "name: Acme tasks\nkind: tasks\nX100 Regulatory filings\n");
  auto bad = run_billcheck("check plugins/guidelines/tests/utbms --config '" + (dir / "billcheck.yaml").string() + "'");
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.err, HasSubstr("acme.txt:2: kind must be task, activity or expense, not 'tasks'"));
  fs::remove_all(dir);
}

// A code set that is a pipe would block the run, /dev/zero never end, a huge
// file exhaust memory: each is refused unread, with the reason.
TEST(UtbmsCodeSets, APipeOrAnOversizedCodeSetIsRefusedUnread) {
  auto dir = test::temp_dir("code-sets-refused");
  ASSERT_EQ(::mkfifo((dir / "pipe.txt").c_str(), 0600), 0);
  test::write_file(dir / "big.txt", "name: Big\nkind: task\n" + std::string(2000, '#') + "\n");
  const auto config = [&](const std::string& file, const std::string& extra) {
    test::write_file(dir / "billcheck.yaml", "rules:\n  guidelines.utbms-codes: {options: {code_sets: ['" +
                                                 (dir / file).string() + "']" + extra + "}}\n");
    return run_billcheck("check plugins/guidelines/tests/utbms --config '" + (dir / "billcheck.yaml").string() + "'");
  };
  auto pipe = config("pipe.txt", "");
  EXPECT_EQ(pipe.status, 2);
  EXPECT_THAT(pipe.err, HasSubstr("pipe.txt is not a regular file"));
  auto big = config("big.txt", ", code_set_max_bytes: 1000");
  EXPECT_EQ(big.status, 2);
  EXPECT_THAT(big.err, HasSubstr("big.txt is 2022 bytes, over the limit of 1000 (the rule's option code_set_max_bytes)"));
  EXPECT_NE(config("big.txt", "").status, 2);  // under the default 4 GiB
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------
// The CLI on LEDES fixtures

TEST(LedesCli, FlagsExactlyThePlantedLines) {
  auto r = run_billcheck("check plugins/guidelines/tests/ledes-errors.ledes --format json");
  EXPECT_EQ(r.status, 1) << r.err;
  std::vector<std::string> found;
  const auto report = nlohmann::json::parse(r.out);
  for (const auto& f : report["findings"]) {
    const std::string rule = f["rule"];
    if (rule.rfind("arithmetic.", 0) != 0 && rule.rfind("guidelines.", 0) != 0) continue;
    found.push_back(rule + " " + f["invoice"].get<std::string>() + "/" + f.value("line", std::string()));
  }
  std::sort(found.begin(), found.end());
  EXPECT_THAT(found, ElementsAre("arithmetic.invoice-total 2026-101/", "arithmetic.line-amount 2026-101/2",
                                 "guidelines.block-billing 2026-101/3", "guidelines.utbms-codes 2026-101/4"));
}

TEST(LedesCli, CleanFileHasNoArithmeticOrGuidelinesFinding) {
  auto r = run_billcheck("check plugins/guidelines/tests/ledes-clean.ledes --format json");
  ASSERT_NE(r.status, 2) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["summary"]["lines"], 6);
  for (const auto& f : report["findings"]) {
    const std::string rule = f["rule"];
    EXPECT_NE(rule.rfind("arithmetic.", 0), 0u) << f.dump();
    EXPECT_NE(rule.rfind("guidelines.", 0), 0u) << f.dump();
  }
}

// A book held in memory (an HTTP request's body) reads as the same file would,
// its form told by its first line, with the LEDES currency given.
TEST(ReadBookText, TellsLedesFromJsonAndGivesLedesInvoicesTheCurrency) {
  LoadOptions options;
  options.ledes_currency = "EUR";
  BookData ledes_book = read_book_text(ledes({fee_record(1)}), "request", options);
  ASSERT_EQ(ledes_book.invoices.size(), 1u);
  EXPECT_EQ(ledes_book.invoices[0].currency, "EUR");
  EXPECT_EQ(ledes_book.file_of(ledes_book.lines[0].source), "request");

  BookData json_book = read_book_text(R"({"invoices": [{"invoice_id": "INV-1", "client_id": "C1", "issue_date": "2026-02-05", "currency": "USD", "total": "0"}]})", "request");
  ASSERT_EQ(json_book.invoices.size(), 1u);
  EXPECT_EQ(json_book.invoices[0].currency, "USD");

  options.ledes_currency = "EURO";
  try {
    read_book_text(ledes({fee_record(1)}), "request", options);
    FAIL() << "a bad currency was accepted";
  } catch (const BookError& e) {
    EXPECT_THAT(e.messages(), ElementsAre(HasSubstr("request: the currency for LEDES invoices: ")));
  }
}

}  // namespace
}  // namespace billcheck
