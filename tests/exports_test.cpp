// `check --format csv` (and the xlsx workbook's errors; its cells are checked
// with openpyxl in python/tests/test_exports.py): one row per finding, evidence
// flattened, and no cell a spreadsheet would run as a formula.
#include "test_support.hpp"

#include <billcheck/report.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

namespace billcheck {
namespace {

using ::testing::HasSubstr;
using test::run_billcheck;

TEST(CsvExport, OneRowPerFindingWithTheReportsFieldsAndEvidenceAsColumns) {
  auto r = run_billcheck("check tests/data/causes/book --format csv");
  EXPECT_EQ(r.status, 1) << r.err;  // the exit status says what the findings say, whatever the format
  EXPECT_EQ(r.out, test::slurp(test::data_dir() / "causes" / "check.csv"));
}

TEST(CsvExport, ABooksTextCannotRunAsAFormula) {
  // A client named =HYPERLINK(...), a billing email @SUM(1+1), an invoice +INV-1.
  auto r = run_billcheck("check tests/data/exports/malicious --format csv");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out, test::slurp(test::data_dir() / "exports" / "malicious.csv"));
  std::istringstream rows(r.out);
  for (std::string row; std::getline(rows, row);) {
    std::istringstream cells(row);
    for (std::string cell; std::getline(cells, cell, ',');) {
      if (!cell.empty() && cell.front() == '"') cell.erase(0, 1);
      EXPECT_TRUE(cell.empty() || std::string_view("=+@").find(cell.front()) == std::string_view::npos)
          << "cell '" << cell << "' of row " << row;
    }
  }
}

TEST(CsvExport, EveryFormulaStartIsNeutralisedButANegativeAmountStaysANumber) {
  Report report;
  Finding f;
  f.rule = "firm.test";
  f.category = "arithmetic";
  f.message = "-2+3 is not a number";
  f.client = "\tC-1";
  f.invoice = "\r=1";
  f.amount_at_stake = Decimal::parse("-313.35");
  f.currency = "USD";
  f.evidence = {{"expected", "-5"}, {"actual", "@SUM(A1)"}, {"note", "a \"quoted\", word"}};
  f.fingerprint = "0123456789abcdef";
  report.findings.push_back(f);
  std::ostringstream out;
  write_csv(out, report);
  EXPECT_EQ(out.str(),
            "rule,severity,category,message,client,engagement,invoice,line,payment,credit_note,time_entry,"
            "amount_at_stake,currency,fix_field,fix_current,fix_suggested,remedy,history,since,cause,fingerprint,"
            "location,evidence.actual,evidence.expected,evidence.note\n"
            "firm.test,error,arithmetic,'-2+3 is not a number,'\tC-1,,\"'\r=1\",,,,,-313.35,USD,,,,,,,,"
            "0123456789abcdef,,'@SUM(A1),-5,\"a \"\"quoted\"\", word\"\n");
}

TEST(CsvExport, WrittenToAFileOnlyWhenWhole) {
  const auto dir = test::temp_dir("csv-out");
  auto r = run_billcheck("check tests/data/causes/book --format csv -o " + test::shell_quoted(dir / "findings.csv"));
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(test::slurp(dir / "findings.csv"), test::slurp(test::data_dir() / "causes" / "check.csv"));
  auto bad = run_billcheck("check tests/data/causes/book --format xlsx -o " +
                           test::shell_quoted(dir / "no-such-folder" / "findings.xlsx"));
  EXPECT_EQ(bad.status, 2);
  EXPECT_THAT(bad.err, HasSubstr("cannot write " + (dir / "no-such-folder" / "findings.xlsx").string()));
  std::filesystem::remove_all(dir);
}

TEST(XlsxExport, AWorkbookIsAZipFileWithItsThreeSheets) {
  const auto dir = test::temp_dir("xlsx-out");
  auto r = run_billcheck("check tests/data/causes/book --format xlsx -o " + test::shell_quoted(dir / "report.xlsx"));
  EXPECT_EQ(r.status, 1) << r.err;
  const std::string bytes = test::slurp(dir / "report.xlsx");
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04", 4));
  for (const char* part : {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"})
    EXPECT_NE(bytes.find(part), std::string::npos) << part;
  std::filesystem::remove_all(dir);
}

// The same report gives the same workbook, byte for byte: core.xml's created
// and modified times are fixed, not the clock's (libxlsxwriter's default).
TEST(XlsxExport, TwoRunsGiveTheSameBytes) {
  const auto dir = test::temp_dir("xlsx-same");
  auto first = run_billcheck("check tests/data/causes/book --format xlsx -o " + test::shell_quoted(dir / "a.xlsx"));
  ASSERT_EQ(first.status, 1) << first.err;
  // A second apart at least, so that a time to the second would differ.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto second = run_billcheck("check tests/data/causes/book --format xlsx -o " + test::shell_quoted(dir / "b.xlsx"));
  ASSERT_EQ(second.status, 1) << second.err;
  const std::string a = test::slurp(dir / "a.xlsx");
  ASSERT_GT(a.size(), 1000u);
  EXPECT_TRUE(a == test::slurp(dir / "b.xlsx")) << "the two workbooks differ";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
