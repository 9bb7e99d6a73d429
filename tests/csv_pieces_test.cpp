// A large CSV file is read in pieces on several threads: the records, their
// source lines and every error must be those of a read on one thread, whatever
// the file holds where a piece is cut (quoted line breaks, "" escapes, blank
// lines, a stray quote in an unquoted cell, a quote never closed).
#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <sstream>
#include <string>
#include <vector>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

// About 12.5 MB of lines: three pieces of at least 4 MB each can be cut from it.
constexpr int kLines = 175000;

/// A book of one invoice whose lines hold everything a cut could fall on;
/// `broken(i)` may replace line i's row.
template <class Broken>
fs::path write_book(const std::string& name, Broken broken) {
  const fs::path dir = test::temp_dir(name);
  test::write_file(dir / "invoices.csv",
                   "invoice_id,client_id,engagement_id,issue_date,currency,total,status\n"
                   "INV-1,C-1,E-1,2026-02-04,USD," + std::to_string(kLines) + "00.00,draft\n");
  std::string lines = "\xEF\xBB\xBFinvoice_id,line_no,type,description,quantity,rate,amount,matter_note\n";
  lines.reserve(static_cast<std::size_t>(kLines) * 110);
  for (int i = 1; i <= kLines; ++i) {
    std::string row;
    const std::string n = std::to_string(i);
    switch (i % 7) {
      case 0: row = "INV-1," + n + ",fee,\"Call about the \"\"lease\"\"\nand its\nrenewal " + n + "\",1,100.00,100.00,"; break;
      case 1: row = "INV-1," + n + ",fee,Review of 12\" drawings " + n + ",1,100.00,100.00,\"a, b\""; break;
      case 2: row = "INV-1," + n + ",fee,\"\",1,100.00,100.00,"; break;
      case 3: row = "\nINV-1," + n + ",expense,Courier " + n + ",1,100.00,100.00,x"; break;  // a blank line first
      // Most bytes are inside quoted cells that span lines, so that a cut made
      // at a line end that is not a row's end would show.
      default: row = "INV-1," + n + ",fee,\"Drafting \"\"the\"\" agreement\nfor the lease\nrenewal\n\n" + n + "\",1,100.00,100.00,"; break;
    }
    lines += broken(i, row);
    lines += '\n';
  }
  test::write_file(dir / "invoice_lines.csv", lines);
  return dir;
}

fs::path good_book() {
  static const fs::path dir = write_book("pieces-good", [](int, const std::string& row) { return row; });
  return dir;
}

/// What a reader of the records sees: the book as JSON, and each line's source line.
std::string records(const fs::path& dir, unsigned jobs) {
  BookData data = read_csv_directory(dir, jobs);
  std::ostringstream out;
  for (const auto& line : data.lines) out << line.line_no << '@' << line.source.line << ' ';
  write_book_json(out, Book(std::move(data)));
  return out.str();
}

std::vector<std::string> errors(const fs::path& dir, unsigned jobs) {
  try {
    read_csv_directory(dir, jobs);
  } catch (const BookError& e) {
    return e.messages();
  }
  ADD_FAILURE() << dir << " loaded, but a BookError was expected";
  return {};
}

TEST(CsvPieces, ALargeFileReadOnSeveralThreadsGivesTheRecordsOfOneThread) {
  const std::string one = records(good_book(), 1);
  ASSERT_NE(one.find(std::to_string(kLines) + "@"), std::string::npos);
  // The first line of a quoted three-line description is where its record starts.
  ASSERT_NE(one.find(" 7@21 "), std::string::npos) << one.substr(0, 200);
  for (unsigned jobs : {2u, 3u}) EXPECT_EQ(records(good_book(), jobs), one) << jobs << " threads";
}

TEST(CsvPieces, ABlankLineWhereAPieceIsCutIsSkippedAsOnOneThread) {
  // Every row followed by a blank line: most cuts fall where a blank line starts.
  const fs::path dir = write_book("pieces-double-spaced", [](int, const std::string& row) { return row + "\n"; });
  const std::string one = records(dir, 1);
  ASSERT_NE(one.find(std::to_string(kLines) + "@"), std::string::npos);
  for (unsigned jobs : {2u, 3u}) EXPECT_EQ(records(dir, jobs), one) << jobs << " threads";
}

TEST(CsvPieces, EveryErrorOfALargeFileIsReportedAsOnOneThreadInFileOrder) {
  const fs::path dir = write_book("pieces-broken", [](int i, const std::string& row) -> std::string {
    if (i == 10 || i == 64000 || i == 129990) return "INV-1," + std::to_string(i) + ",fee,x,1,1O0.00,100.00,";
    if (i == 90001) return "INV-1,90001,fee,too few cells";
    return row;
  });
  const auto one = errors(dir, 1);
  ASSERT_EQ(one.size(), 4u);
  EXPECT_NE(one[0].find("invoice_lines.csv:26: column 'rate': '1O0.00' is not a decimal number"), std::string::npos)
      << one[0];
  EXPECT_NE(one[2].find("row has 4 cells, the header has 8"), std::string::npos) << one[2];
  for (unsigned jobs : {2u, 3u}) EXPECT_EQ(errors(dir, jobs), one) << jobs << " threads";
}

TEST(CsvPieces, AQuoteNeverClosedIsReportedOnceWhereItOpens) {
  const fs::path dir = write_book("pieces-unclosed", [](int i, const std::string& row) -> std::string {
    return i == kLines ? "INV-1," + std::to_string(i) + ",fee,\"never closed,1,100.00,100.00," : row;
  });
  const auto one = errors(dir, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_NE(one[0].find("unterminated quoted field"), std::string::npos) << one[0];
  EXPECT_EQ(errors(dir, 2), one);
  EXPECT_EQ(errors(dir, 3), one);
}

TEST(CsvPieces, AQuoteThatOpensMidCellShiftsEveryCutAsItShiftsTheRowsOnOneThread) {
  // A cell of row 40000 opens a quote that the next quoted cell closes: from
  // there on, the rows the reader sees are not the ones written.
  const fs::path dir = write_book("pieces-shifted", [](int i, const std::string& row) -> std::string {
    return i == 40000 ? "INV-1,40000,fee,\"never closed,1,100.00,100.00," : row;
  });
  const auto one = errors(dir, 1);
  ASSERT_FALSE(one.empty());
  EXPECT_EQ(errors(dir, 2), one);
  EXPECT_EQ(errors(dir, 3), one);
}

TEST(CsvPieces, ARowLongerThanTheReadersWindowIsReadWhole) {
  // A file is read 4 MB at a time: rows of 5 and 9 MB, one quoted over many
  // lines and one a single unquoted cell, must come out whole, on any number of threads.
  std::string long_quoted, unescaped;  // as written in the file, and as read
  for (int i = 0; long_quoted.size() < (std::size_t{5} << 20); ++i) {
    long_quoted += "line " + std::to_string(i) + " of a \"\"long\"\" note\n";
    unescaped += "line " + std::to_string(i) + " of a \"long\" note\n";
  }
  const std::string long_plain(std::size_t{9} << 20, 'x');
  const fs::path dir = write_book("pieces-long-rows", [&](int i, const std::string& row) -> std::string {
    if (i == 1000) return "INV-1,1000,fee,\"" + long_quoted + "\",1,100.00,100.00,";
    if (i == 100000) return "INV-1,100000,fee," + long_plain + ",1,100.00,100.00,";
    return row;
  });
  BookData data = read_csv_directory(dir, 1);
  ASSERT_EQ(data.lines.size(), static_cast<std::size_t>(kLines));
  EXPECT_EQ(data.lines[999].description.view(), unescaped);
  EXPECT_EQ(data.lines[99999].description.view(), long_plain);
  EXPECT_EQ(data.lines[1000].line_no, 1001);
  const std::string one = records(dir, 1);
  for (unsigned jobs : {2u, 3u}) EXPECT_EQ(records(dir, jobs), one) << jobs << " threads";
}

TEST(CsvPieces, RowsFarShorterAfterTheFirstWindowAreAllRead) {
  // One thread sizes the records at the first window's density: here far too
  // few (its rows are 20 KB, the rest 30 bytes), so the room grows as the rows come.
  const std::string note(20000, 'n');
  const fs::path dir = write_book("pieces-shortening", [&](int i, const std::string&) -> std::string {
    if (i <= 60) return "INV-1," + std::to_string(i) + ",fee,Long row " + std::to_string(i) + ",1,100.00,100.00," + note;
    return "INV-1," + std::to_string(i) + ",fee,x,1,100.00,100.00,";
  });
  BookData data = read_csv_directory(dir, 1);
  ASSERT_EQ(data.lines.size(), static_cast<std::size_t>(kLines));
  EXPECT_EQ(data.lines[59].description.view(), "Long row 60");
  EXPECT_EQ(data.lines.back().line_no, kLines);
  EXPECT_EQ(data.lines.back().source.line, static_cast<std::uint32_t>(kLines + 1));
  const std::string one = records(dir, 1);
  for (unsigned jobs : {2u, 3u}) EXPECT_EQ(records(dir, jobs), one) << jobs << " threads";
}

}  // namespace
}  // namespace billcheck
