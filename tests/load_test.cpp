// Loading books: what a user sees for good and broken CSV directories and JSON
// files, down to the exact text of every load error.
#include <billcheck/load.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(BILLCHECK_SOURCE_DIR) + "/tests/data/load";

std::string data(const std::string& name) { return kData + "/" + name; }

/// The messages load_book fails with (a test failure when it loads).
std::vector<std::string> load_errors(const fs::path& path) {
  try {
    load_book(path);
  } catch (const BookError& e) {
    return e.messages();
  }
  ADD_FAILURE() << path << " loaded, but a BookError was expected";
  return {};
}

/// The messages read_json_text fails with on `text` (named "inline").
std::vector<std::string> load_json_errors(const std::string& text) {
  try {
    read_json_text(text, "inline");
  } catch (const BookError& e) {
    return e.messages();
  }
  ADD_FAILURE() << text << " loaded, but a BookError was expected";
  return {};
}

Decimal dec(std::string_view text) { return Decimal::parse(text).value(); }
Date date(std::string_view text) { return Date::parse_iso(text).value(); }

using Extra = std::vector<std::pair<std::string, std::string>>;
/// A record's extra columns as plain strings, to compare with an expected list.
Extra strings(const Extras& e) {
  Extra out;
  for (const auto& [k, v] : e.values) out.emplace_back(k, v);
  return out;
}

/// A scratch directory for books whose exact bytes matter (CRLF, BOM).
class ScratchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("billcheck_load_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  /// A valid invoices.csv for INV-1, so a test can focus on invoice_lines.csv.
  void write_invoice() {
    write("invoices.csv", "invoice_id,client_id,issue_date,currency,total\nINV-1,C1,2026-01-31,USD,100.00\n");
  }

  fs::path dir_;
};

// ---------------------------------------------------------------------------
// A good CSV directory

TEST(LoadCsv, ReadsEveryEntityOfAGoodDirectory) {
  const std::string dir = data("good");
  Book book = load_book(dir);
  ASSERT_EQ(book.clients().size(), 2u);
  ASSERT_EQ(book.timekeepers().size(), 2u);
  ASSERT_EQ(book.engagements().size(), 2u);
  ASSERT_EQ(book.rates().size(), 2u);
  ASSERT_EQ(book.time_entries().size(), 2u);
  ASSERT_EQ(book.invoices().size(), 2u);
  ASSERT_EQ(book.lines().size(), 3u);
  ASSERT_EQ(book.payments().size(), 1u);
  ASSERT_EQ(book.credit_notes().size(), 1u);

  const Client& acme = *book.client("C1");
  EXPECT_EQ(acme.name, "Acme, Inc.");
  EXPECT_EQ(acme.currency, "USD");
  EXPECT_EQ(acme.payment_terms_days, 30);
  EXPECT_EQ(acme.credit_limit, dec("50000"));
  EXPECT_EQ(acme.credit_hold, false);
  EXPECT_EQ(acme.last_verified, date("2025-11-01"));
  const Client& globex = *book.client("C2");
  EXPECT_FALSE(globex.payment_terms_days);
  EXPECT_FALSE(globex.credit_hold);
  EXPECT_FALSE(globex.last_verified);

  const Engagement& merger = *book.engagement("E1");
  EXPECT_EQ(merger.billing_cycle, "monthly");
  EXPECT_EQ(merger.invoice_within_days, 30);
  EXPECT_EQ(merger.discount_pct, dec("5"));
  EXPECT_FALSE(merger.end_date);

  EXPECT_EQ(book.rates()[0].effective_to, date("2026-12-31"));
  EXPECT_FALSE(book.rates()[1].effective_to);
  EXPECT_EQ(book.rates()[1].role, "associate");
  EXPECT_TRUE(book.time_entry("T1")->billable);
  EXPECT_FALSE(book.time_entry("T2")->billable);

  const Invoice& inv2 = *book.invoice("INV-2");
  EXPECT_EQ(inv2.status, "draft");
  EXPECT_EQ(inv2.discount, dec("0"));
  EXPECT_EQ(inv2.tax_rate, dec("19"));
  EXPECT_EQ(inv2.tax, dec("190"));
  EXPECT_EQ(inv2.total, dec("1190"));
  EXPECT_EQ(inv2.issue_date, date("2026-02-15"));

  auto lines = book.lines();
  EXPECT_EQ(lines[0].description, "Review draft merger agreement, \"final\"\nand schedules");
  EXPECT_EQ(lines[0].quantity, dec("2.5"));
  EXPECT_EQ(lines[0].rate, dec("650"));
  EXPECT_FALSE(lines[0].adjustment);
  EXPECT_EQ(lines[0].amount, dec("1625"));
  EXPECT_EQ(lines[1].description, "Research, memo");
  EXPECT_EQ(lines[2].type, "expense");
  EXPECT_EQ(lines[2].expense_code, "E101");
  EXPECT_EQ(lines[2].adjustment, dec("-0.5"));
  EXPECT_TRUE(lines[2].timekeeper_id.empty());
  EXPECT_EQ(book.payments()[0].reference, "WIRE 123");
  EXPECT_EQ(book.credit_notes()[0].approved_by, "Alice Partner");
}

TEST(LoadCsv, SourcesNameTheFileAsGivenAndTheLineWhereTheRecordStarts) {
  const std::string dir = data("good");
  Book book = load_book(dir);
  auto lines = book.lines();
  EXPECT_EQ(book.file_of(lines[0].source), dir + "/invoice_lines.csv");
  EXPECT_EQ(lines[0].source.line, 2u);
  EXPECT_EQ(lines[1].source.line, 4u);  // after a quoted cell spanning two lines
  EXPECT_EQ(lines[2].source.line, 5u);
  EXPECT_EQ(book.file_of(book.invoices()[1].source), dir + "/invoices.csv");
  EXPECT_EQ(book.invoices()[1].source.line, 3u);
}

TEST(LoadCsv, KeepsExtraColumnsInHeaderOrderAndOnlyWithValues) {
  Book book = load_book(data("good"));
  EXPECT_EQ(strings(book.client("C1")->extra), (Extra{{"account_manager", "Dana"}}));
  EXPECT_TRUE(book.client("C2")->extra.values.empty());
  EXPECT_EQ(*book.invoice("INV-1")->extra.find("matter_ref"), "M-77");
  EXPECT_EQ(book.invoice("INV-2")->extra.find("matter_ref"), nullptr);
  auto lines = book.lines();
  EXPECT_EQ(strings(lines[0].extra), (Extra{{"ledes_code", "X1"}}));
  EXPECT_EQ(strings(lines[1].extra), (Extra{{"note", "checked"}}));
  EXPECT_TRUE(lines[2].extra.values.empty());
}

using LoadCsvBytes = ScratchDir;

TEST_F(LoadCsvBytes, ReadsCrlfFilesWithAByteOrderMark) {
  write("invoices.csv",
        "\xEF\xBB\xBFinvoice_id,client_id,issue_date,currency,total\r\n"
        "INV-1,C1,2026-01-31,USD,100.00\r\n");
  write("invoice_lines.csv",
        "\xEF\xBB\xBFinvoice_id,line_no,type,description,quantity,rate,amount\r\n"
        "INV-1,1,fee,\"two\r\nlines, one cell\",1,60,60.00\r\n"
        "\r\n"
        "INV-1,2,fee,last,1,40,40.00");  // no line break at the end
  Book book = load_book(dir_);
  ASSERT_EQ(book.invoices().size(), 1u);
  EXPECT_EQ(book.invoices()[0].id, "INV-1");  // the BOM is not part of the first column's name
  EXPECT_EQ(book.invoices()[0].total, dec("100"));
  ASSERT_EQ(book.lines().size(), 2u);
  EXPECT_EQ(book.lines()[0].description, "two\r\nlines, one cell");
  EXPECT_EQ(book.lines()[0].amount, dec("60"));
  EXPECT_EQ(book.lines()[1].description, "last");
  EXPECT_EQ(book.lines()[1].amount, dec("40"));
  EXPECT_EQ(book.lines()[1].source.line, 5u);  // the blank line is skipped but counted
}

TEST_F(LoadCsvBytes, AcceptsBooleanSpellings) {
  write_invoice();
  write("invoice_lines.csv", "invoice_id,line_no,type,quantity,rate,amount\nINV-1,1,fee,1,100,100\n");
  write("time_entries.csv",
        "entry_id,engagement_id,timekeeper_id,date,hours,billable\n"
        "T1,E1,TK1,2026-01-05,1,true\nT2,E1,TK1,2026-01-05,1,no\nT3,E1,TK1,2026-01-05,1,1\n"
        "T4,E1,TK1,2026-01-05,1,FALSE\nT5,E1,TK1,2026-01-05,1,\n");
  Book book = load_book(dir_);
  std::vector<bool> billable;
  for (const auto& e : book.time_entries()) billable.push_back(e.billable);
  EXPECT_EQ(billable, (std::vector<bool>{true, false, true, false, true}));
}

// ---------------------------------------------------------------------------
// Broken CSV directories: exact messages

TEST(LoadCsvErrors, UnterminatedQuote) {
  EXPECT_EQ(load_errors(data("unterminated_quote")),
            (std::vector<std::string>{data("unterminated_quote") + "/invoice_lines.csv:3: unterminated quoted field"}));
}

TEST(LoadCsvErrors, CellCountDiffersFromHeader) {
  EXPECT_EQ(load_errors(data("cell_count")),
            (std::vector<std::string>{data("cell_count") + "/invoice_lines.csv:3: row has 5 cells, the header has 7"}));
}

TEST(LoadCsvErrors, MalformedNumber) {
  EXPECT_EQ(load_errors(data("bad_number")),
            (std::vector<std::string>{data("bad_number") +
                                      "/invoice_lines.csv:2: column 'amount': '12,50' is not a decimal number (use '.' "
                                      "as the separator, no thousands separators or currency symbols)"}));
}

TEST(LoadCsvErrors, MalformedDate) {
  EXPECT_EQ(load_errors(data("bad_date")),
            (std::vector<std::string>{data("bad_date") +
                                      "/invoices.csv:2: column 'issue_date': '2026-02-30' is not a valid date "
                                      "(expected YYYY-MM-DD)"}));
}

TEST(LoadCsvErrors, MissingRequiredColumn) {
  EXPECT_EQ(load_errors(data("missing_column")),
            (std::vector<std::string>{data("missing_column") +
                                      "/invoice_lines.csv:1: column 'amount': required column missing"}));
}

TEST(LoadCsvErrors, MissingRequiredValue) {
  EXPECT_EQ(load_errors(data("missing_value")),
            (std::vector<std::string>{data("missing_value") +
                                      "/invoice_lines.csv:2: column 'amount': required value missing"}));
}

TEST(LoadCsvErrors, UnknownEnumerationValue) {
  EXPECT_EQ(load_errors(data("bad_enum")),
            (std::vector<std::string>{data("bad_enum") +
                                      "/invoice_lines.csv:2: column 'type': 'fees' is not a valid value (use fee, "
                                      "expense or adjustment)"}));
}

TEST(LoadCsvErrors, MissingInvoicesFile) {
  EXPECT_EQ(load_errors(data("no_invoices")),
            (std::vector<std::string>{data("no_invoices") + "/invoices.csv: file not found; a book needs invoices.csv "
                                                            "and invoice_lines.csv"}));
}

TEST(LoadCsvErrors, LineForAnInvoiceNotInTheBook) {
  const std::string dir = data("orphan_line");
  EXPECT_EQ(load_errors(dir), (std::vector<std::string>{dir + "/invoice_lines.csv:3: column 'invoice_id': no invoice "
                                                              "'INV-9' in " +
                                                              dir + "/invoices.csv; add the invoice or correct the "
                                                                    "line's invoice_id"}));
}

TEST(LoadCsvErrors, ListsEveryErrorOfEveryFile) {
  const std::string dir = data("many_errors");
  const std::string lines = dir + "/invoice_lines.csv";
  const std::string number_hint = " is not a decimal number (use '.' as the separator, no thousands separators or "
                                  "currency symbols)";
  EXPECT_EQ(load_errors(dir),
            (std::vector<std::string>{
                dir + "/invoices.csv:2: column 'status': 'sent' is not a valid value (use draft, issued, paid or void)",
                lines + ":2: column 'line_no': 'one' is not a whole number (use digits only, e.g. 30)",
                lines + ":3: column 'date': '05/01/2026' is not a valid date (expected YYYY-MM-DD)",
                lines + ":3: column 'rate': '$100'" + number_hint,
                lines + ":3: column 'amount': required value missing",
                lines + ":4: row has 3 cells, the header has 7",
                lines + ":5: column 'rate': '1,000.00'" + number_hint,
            }));
}

using LoadCsvProblems = ScratchDir;

TEST_F(LoadCsvProblems, TextAfterAClosingQuote) {
  write_invoice();
  write("invoice_lines.csv",
        "invoice_id,line_no,type,description,quantity,rate,amount\n"
        "INV-1,1,fee,\"quoted\" then text,1,100,100\n");
  EXPECT_EQ(load_errors(dir_),
            (std::vector<std::string>{path("invoice_lines.csv") +
                                      ":2: text after a closing quote (a quoted cell must end at a comma or the line "
                                      "end; write \"\" for a quote inside quotes)"}));
}

// A million broken records must not take gigabytes to say so: the readers list
// kMaxProblems and say they stopped (a 3 MB JSON body of `{}` made 2.35 GB and a
// 407 MB error in the service).
TEST_F(LoadCsvProblems, ProblemsStopBeingListedAfterTenThousand) {
  write_invoice();
  std::string lines = "invoice_id,line_no,type,description,quantity,rate,amount\n";
  for (int i = 0; i < 20000; ++i) lines += "INV-1,1\n";
  write("invoice_lines.csv", lines);
  const auto errors = load_errors(dir_);
  ASSERT_EQ(errors.size(), 10001u);
  EXPECT_EQ(errors.back(), dir_.string() + ": … stopped listing problems after 10000; fix these and load the book again");

  std::string json = "{\"invoices\": [";
  for (int i = 0; i < 1000000; ++i) json += i ? ",{}" : "{}";
  json += "]}";
  try {
    (void)read_json_text(json, "many.json");
    FAIL() << "loaded";
  } catch (const BookError& e) {
    ASSERT_EQ(e.messages().size(), 10001u);
    EXPECT_EQ(e.messages().back(), "many.json: … stopped listing problems after 10000; fix these and load the book again");
  }
}

// A stray quote opens a cell that runs on over the next lines to the next quote:
// the error is where the quote opened, not where the run-on cell ends.
TEST_F(LoadCsvProblems, AStrayQuoteIsNamedWhereItOpens) {
  write_invoice();
  write("invoice_lines.csv",
        "invoice_id,line_no,type,description,quantity,rate,amount\n"
        "INV-1,1,fee,\"Strategy call,1,100,100\n"
        "INV-1,2,fee,Review,1,100,100\n"
        "INV-1,3,fee,\"Draft, revise\",1,100,100\n");
  EXPECT_EQ(load_errors(dir_),
            (std::vector<std::string>{path("invoice_lines.csv") +
                                      ":2: a quote opens a cell here that runs to line 4 and has text after its "
                                      "closing quote there; if this quote is a stray, remove it (write \"\" for a "
                                      "quote inside quotes)"}));
}

// A row is converted after the rows behind it have been read (their ids are
// prefetched); the problems still come in the order of the rows, whether
// reading or converting a row found them.
TEST_F(LoadCsvProblems, ProblemsOfReadingAndOfConvertingComeInTheOrderOfTheRows) {
  write_invoice();
  write("invoice_lines.csv",
        "invoice_id,line_no,type,description,quantity,rate,amount\n"
        "INV-1,one,fee,Review,1,100,100\n"
        "INV-1,2,fee,\"quoted\" then text,1,100,100\n"
        "INV-1,3,fees,Review,1,100,100\n"
        "INV-1,4,fee,\"x\"y,1,100,100\n"
        "INV-1,5,fee,Review,1,$100,100\n");
  const std::string lines = path("invoice_lines.csv");
  const std::string after_quote =
      ": text after a closing quote (a quoted cell must end at a comma or the line end; write \"\" for a quote inside "
      "quotes)";
  EXPECT_EQ(load_errors(dir_),
            (std::vector<std::string>{
                lines + ":2: column 'line_no': 'one' is not a whole number (use digits only, e.g. 30)",
                lines + ":3" + after_quote,
                lines + ":4: column 'type': 'fees' is not a valid value (use fee, expense or adjustment)",
                lines + ":5" + after_quote,
                lines + ":6: column 'rate': '$100' is not a decimal number (use '.' as the separator, no thousands "
                        "separators or currency symbols)",
            }));
}
TEST_F(LoadCsvProblems, HeaderProblems) {
  write_invoice();
  write("invoice_lines.csv",
        "invoice_id,line_no,type,quantity,rate,Amount,rate\n"
        "INV-1,1,fee,1,100,100,100\n");
  EXPECT_EQ(load_errors(dir_),
            (std::vector<std::string>{
                path("invoice_lines.csv") + ":1: column 'rate': appears twice in the header; keep one",
                path("invoice_lines.csv") +
                    ":1: column 'amount': required column missing (the header has 'Amount'; column names are lower "
                    "case)"}));
}

TEST_F(LoadCsvProblems, EmptyFile) {
  write_invoice();
  write("invoice_lines.csv", "");
  EXPECT_EQ(load_errors(dir_),
            (std::vector<std::string>{path("invoice_lines.csv") +
                                      ":1: the file is empty; it needs a header row naming the columns"}));
}

TEST_F(LoadCsvProblems, ValuesOutOfRangeOrTooPrecise) {
  write_invoice();
  write("invoice_lines.csv",
        "invoice_id,line_no,type,quantity,rate,amount\n"
        "INV-1,99999999999999999999,fee,0.1234567,99999999999999,\" 1.00\"\n");
  const std::string file = path("invoice_lines.csv");
  EXPECT_EQ(load_errors(dir_),
            (std::vector<std::string>{
                file + ":2: column 'line_no': '99999999999999999999' is out of range for a whole number",
                file + ":2: column 'quantity': '0.1234567' has more than 6 decimal places (round it to at most 6)",
                file + ":2: column 'rate': '99999999999999' is out of range (the largest magnitude is "
                       "9223372036854.775807)",
                file + ":2: column 'amount': ' 1.00' is not a decimal number (remove the spaces around it)"}));
}

TEST_F(LoadCsvProblems, ALineNumberPast32BitsIsOutOfRange) {
  write_invoice();
  write("invoice_lines.csv",
        "invoice_id,line_no,type,quantity,rate,amount\n"
        "INV-1,2147483647,fee,1,1.00,1.00\n"
        "INV-1,2147483648,fee,1,1.00,1.00\n");
  EXPECT_EQ(load_errors(dir_),
            (std::vector<std::string>{path("invoice_lines.csv") +
                                      ":3: column 'line_no': '2147483648' is out of range (a whole number from "
                                      "-2147483648 to 2147483647)"}));
}

// ---------------------------------------------------------------------------
// JSON

TEST(LoadJson, ReadsTheSameBookAsTheCsvForm) {
  Book csv = load_book(data("good"));
  Book json = load_book(data("good.json"));
  ASSERT_EQ(json.clients().size(), csv.clients().size());
  ASSERT_EQ(json.lines().size(), csv.lines().size());
  ASSERT_EQ(json.invoices().size(), csv.invoices().size());
  for (std::size_t i = 0; i < csv.clients().size(); ++i) {
    const Client &a = csv.clients()[i], &b = json.clients()[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.payment_terms_days, b.payment_terms_days);
    EXPECT_EQ(a.credit_limit, b.credit_limit);
    EXPECT_EQ(a.credit_hold, b.credit_hold);
    EXPECT_EQ(a.last_verified, b.last_verified);
    EXPECT_EQ(a.extra.values, b.extra.values);
  }
  for (std::size_t i = 0; i < csv.invoices().size(); ++i) {
    const Invoice &a = csv.invoices()[i], &b = json.invoices()[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.issue_date, b.issue_date);
    EXPECT_EQ(a.due_date, b.due_date);
    EXPECT_EQ(a.total, b.total);
    EXPECT_EQ(a.discount, b.discount);
    EXPECT_EQ(a.tax_rate, b.tax_rate);
    EXPECT_EQ(a.tax, b.tax);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.extra.values, b.extra.values);
  }
  for (std::size_t i = 0; i < csv.lines().size(); ++i) {
    const InvoiceLine &a = csv.lines()[i], &b = json.lines()[i];
    EXPECT_EQ(a.invoice_id, b.invoice_id);
    EXPECT_EQ(a.line_no, b.line_no);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.date, b.date);
    EXPECT_EQ(a.description, b.description);
    EXPECT_EQ(a.quantity, b.quantity);
    EXPECT_EQ(a.rate, b.rate);
    EXPECT_EQ(a.adjustment, b.adjustment);
    EXPECT_EQ(a.amount, b.amount);
    EXPECT_EQ(a.extra.values, b.extra.values);
  }
  EXPECT_EQ(json.rates()[1].rate, dec("400"));
  EXPECT_FALSE(json.time_entry("T2")->billable);
  EXPECT_EQ(json.engagement("E1")->fee_cap, dec("100000"));
}

TEST(LoadJson, RecordsStartOnTheLineOfTheirOpeningBrace) {
  const std::string file = data("good.json");
  Book book = load_book(file);
  EXPECT_EQ(book.file_of(book.lines()[0].source), file);
  EXPECT_EQ(book.lines()[0].source.line, 37u);
  EXPECT_EQ(book.lines()[1].source.line, 41u);
  EXPECT_EQ(book.lines()[2].source.line, 44u);
  EXPECT_EQ(book.clients()[1].source.line, 6u);
  EXPECT_EQ(book.credit_notes()[0].source.line, 52u);
}

TEST(LoadJson, ReadsNumbersFromTheirTextExactly) {
  Book book = load_book(data("numbers.json"));
  const Invoice& inv = book.invoices()[0];
  EXPECT_EQ(inv.total.raw(), 12'345'678'123'456);
  EXPECT_EQ(inv.discount->raw(), 9'007'199'254'740'993);  // not representable as a double
  auto lines = book.lines();
  EXPECT_EQ(lines[0].quantity.raw(), 100'000);
  EXPECT_EQ(lines[0].rate.raw(), 200'000);
  EXPECT_EQ(lines[0].quantity + lines[0].rate, lines[0].amount);  // 0.1 + 0.2 == 0.3
  EXPECT_EQ(lines[1].quantity.raw(), -1);
  EXPECT_EQ(lines[1].rate, Decimal::from_int(9'223'372'036'854));
  EXPECT_EQ(lines[1].amount.to_string(), "12345678.123456");
  EXPECT_EQ(lines[1].adjustment, dec("100"));
  EXPECT_EQ(lines[2].quantity.to_string(), "1.1");
  EXPECT_EQ(lines[2].rate, dec("0.1"));
  EXPECT_EQ(lines[2].line_no, 3);
}

TEST(LoadJson, RejectsASeventhDecimal) {
  EXPECT_EQ(load_errors(data("too_precise.json")),
            (std::vector<std::string>{data("too_precise.json") +
                                      ":6: column 'rate': '0.1234567' has more than 6 decimal places (round it to at "
                                      "most 6)"}));
}

TEST(LoadJson, SyntaxErrorNamesTheLine) {
  EXPECT_EQ(load_errors(data("syntax_error.json")),
            (std::vector<std::string>{data("syntax_error.json") +
                                      ":4: JSON syntax error: unexpected '{'; expected ']'"}));
}

TEST(LoadJson, ListsEveryError) {
  const std::string f = data("errors.json");
  const std::string number_hint = " is not a decimal number (use '.' as the separator, no thousands separators or "
                                  "currency symbols)";
  EXPECT_EQ(load_errors(f),
            (std::vector<std::string>{
                f + ":3: column 'issue_date': '2026-1-31' is not a valid date (expected YYYY-MM-DD)",
                f + ":4: column 'status': 'sent' is not a valid value (use draft, issued, paid or void)",
                f + ":4: column 'tags': expected a string, number or boolean, not an array",
                f + ":7: column 'line_no': '1.5' is not a whole number (use digits only, e.g. 30)",
                f + ":7: column 'quantity': '1e2' is not a decimal number (write it out in full, without an exponent)",
                f + ":7: column 'rate': '12,50'" + number_hint,
                f + ":7: column 'amount': required value missing",
                f + ":8: column 'quantity': appears twice in the record; keep one",
                f + ":9: column 'amount': expected a string, number or boolean, not an object",
                f + ":10: each element of 'invoice_lines' must be an object, one per record",
                f + ":12: unknown key 'invoice' (a book's keys are clients, timekeepers, engagements, rates, "
                    "time_entries, invoices, invoice_lines, payments, credit_notes)",
                f + ":13: 'payments' must be an array of objects, one per record",
            }));
}

// A text that stops being JSON still lists every problem before that point,
// then says where and how it breaks.
TEST(LoadJson, ListsTheProblemsBeforeTheTextStopsBeingJson) {
  EXPECT_EQ(load_json_errors("{\"invoices\": [{\"issue_date\": \"bad\",\n \"tags\": [1, 2"),
            (std::vector<std::string>{
                "inline:1: column 'issue_date': 'bad' is not a valid date (expected YYYY-MM-DD)",
                "inline:2: column 'tags': expected a string, number or boolean, not an array",
                "inline:2: JSON syntax error: unexpected end of input; expected ']'"}));
  EXPECT_EQ(load_json_errors("{\"invoices\": [{\"invoice_id\": tru}]}"),
            (std::vector<std::string>{"inline:1: JSON syntax error: invalid literal; last read: '\"invoice_id\": tru}'"}));
  EXPECT_EQ(load_json_errors("{\"invoices\": []}\n{}"),
            (std::vector<std::string>{"inline:2: JSON syntax error: unexpected '{'; expected end of input"}));
  EXPECT_EQ(load_json_errors("{\"invoices\": [{\"invoice_id\": \"x\", \"total\": 1.}]}"),
            (std::vector<std::string>{
                "inline:1: JSON syntax error: invalid number; expected digit after '.'; last read: '1.}'"}));
  // A number that is not JSON is a syntax error, even where the column takes text.
  EXPECT_EQ(load_json_errors("{\"invoices\": [{\"invoice_id\": 01}]}"),
            (std::vector<std::string>{"inline:1: JSON syntax error: unexpected number literal; expected '}'"}));
}

TEST(LoadJson, TopLevelMustBeAnObject) {
  EXPECT_EQ(load_errors(data("not_an_object.json")),
            (std::vector<std::string>{data("not_an_object.json") +
                                      ":1: the book must be a JSON object with the keys clients, timekeepers, "
                                      "engagements, rates, time_entries, invoices, invoice_lines, payments, "
                                      "credit_notes, each an array of objects"}));
}

TEST(LoadJson, TextInMemoryUsesTheGivenName) {
  const std::string text =
      "{\"invoices\": [{\"invoice_id\": \"INV-1\", \"client_id\": 17, \"issue_date\": \"2026-01-31\",\n"
      "  \"currency\": \"JPY\", \"total\": 1000, \"priority\": 2, \"urgent\": true, \"memo\": null}],\n"
      " \"invoice_lines\": [], \"payments\": null}";
  BookData book = read_json_text(text, "inline");
  ASSERT_EQ(book.invoices.size(), 1u);
  const Invoice& inv = book.invoices[0];
  EXPECT_EQ(inv.client_id, "17");
  EXPECT_EQ(inv.total, dec("1000"));
  EXPECT_EQ(strings(inv.extra), (Extra{{"priority", "2"}, {"urgent", "true"}}));
  EXPECT_EQ(book.file_of(inv.source), "inline");
  EXPECT_EQ(inv.source.line, 1u);
  EXPECT_TRUE(book.payments.empty());
  EXPECT_EQ(read_json_text("\xEF\xBB\xBF{\"invoices\": []}", "bom").invoices.size(), 0u);
  try {
    read_json_text("{\"invoices\": [\n{\"invoice_id\": \"INV-1\"}\n]}", "inline");
    FAIL() << "expected a BookError";
  } catch (const BookError& e) {
    EXPECT_EQ(e.messages(), (std::vector<std::string>{"inline:2: column 'client_id': required value missing",
                                                      "inline:2: column 'issue_date': required value missing",
                                                      "inline:2: column 'currency': required value missing",
                                                      "inline:2: column 'total': required value missing"}));
  }
}

// ---------------------------------------------------------------------------
// load_book: which form a path is

using LoadBookPaths = ScratchDir;

TEST_F(LoadBookPaths, MissingPath) {
  EXPECT_EQ(load_errors(path("nowhere")),
            (std::vector<std::string>{path("nowhere") + ": no such file or directory"}));
}

TEST_F(LoadBookPaths, UnsupportedFile) {
  write("book.txt", "hello\n");
  EXPECT_EQ(load_errors(path("book.txt")),
            (std::vector<std::string>{path("book.txt") +
                                      ": not a book billcheck can read; give a directory of CSV files (invoices.csv, "
                                      "invoice_lines.csv, ...), a .json file, a LEDES 1998B file (first line "
                                      "LEDES1998B[]), or - to read JSON or LEDES from standard input"}));
}

TEST_F(LoadBookPaths, DashReadsJsonFromStandardInput) {
  std::istringstream in("{\"invoices\": [], \"invoice_lines\": []}\n");
  std::streambuf* saved = std::cin.rdbuf(in.rdbuf());
  Book book = load_book("-");
  std::cin.rdbuf(saved);
  EXPECT_TRUE(book.invoices().empty());

  std::istringstream broken("{\"invoices\": [\n");
  saved = std::cin.rdbuf(broken.rdbuf());
  std::vector<std::string> errors = load_errors("-");
  std::cin.rdbuf(saved);
  EXPECT_EQ(errors, (std::vector<std::string>{"<stdin>:1: JSON syntax error: unexpected end of input; expected '[', "
                                              "'{', or a literal"}));
}

}  // namespace
}  // namespace billcheck
