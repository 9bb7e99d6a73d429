// A report is a function of the book's records, not of the order of the rows
// that hold them: an export sorted another way must give the same findings,
// in the same order, with the same fingerprints and messages, so that waivers
// by line and fingerprints stored from an earlier run keep matching.
//
// "The same" here is byte-identical text and JSON reports once the row numbers
// of `file.csv:N` locations are masked: a location points at the row a record
// was read from, and that row moved. Everything else must not change.
#include "test_support.hpp"

#include "synthetic_book.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/report.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <regex>
#include <sstream>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

/// The records of a CSV text, each with its line ending; a quoted cell may hold
/// line breaks, so records are split only on a newline outside quotes.
std::vector<std::string> csv_records(const std::string& text) {
  std::vector<std::string> records;
  std::string current;
  bool quoted = false;
  for (char c : text) {
    current += c;
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) {
      records.push_back(current);
      current.clear();
    }
  }
  if (!current.empty()) records.push_back(current + "\n");
  return records;
}

/// Cell `column` of a CSV record (quotes kept; enough to tell invoice ids apart).
std::string cell(const std::string& record, std::size_t column) {
  std::size_t at = 0;
  bool quoted = false;
  std::string out;
  for (char c : record) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == ',' || c == '\n' || c == '\r')) {
      if (at++ == column) return out;
      continue;
    }
    if (at == column) out += c;
  }
  return out;
}

/// The rows of an invoice_lines.csv in invoice blocks, the blocks shuffled and
/// each block's rows kept in their order: an export that lists each invoice's
/// lines together, in another order of invoices than the book's.
void shuffle_invoice_blocks(std::vector<std::string>& records, std::mt19937& random) {
  const std::string& header = records.front();
  std::size_t column = 0;
  while (column < 64 && cell(header, column) != "invoice_id") ++column;
  std::vector<std::string> ids;  // in first-seen order
  std::map<std::string, std::vector<std::string>> blocks;
  for (std::size_t i = 1; i < records.size(); ++i) {
    const std::string id = cell(records[i], column);
    if (!blocks.contains(id)) ids.push_back(id);
    blocks[id].push_back(records[i]);
  }
  std::shuffle(ids.begin(), ids.end(), random);
  records.resize(1);
  for (const std::string& id : ids) records.insert(records.end(), blocks[id].begin(), blocks[id].end());
}

/// Writes every CSV file of `from` into `to` with its data rows (not its header)
/// shuffled; with `by_invoice`, the lines are shuffled by invoice blocks.
void write_shuffled(const fs::path& from, const fs::path& to, unsigned seed, bool by_invoice = false) {
  std::mt19937 random(seed);
  for (const auto& entry : fs::directory_iterator(from)) {
    if (entry.path().extension() != ".csv") continue;
    auto records = csv_records(test::slurp(entry.path()));
    if (by_invoice && entry.path().filename() == "invoice_lines.csv" && records.size() > 2)
      shuffle_invoice_blocks(records, random);
    else if (records.size() > 2)
      std::shuffle(records.begin() + 1, records.end(), random);
    std::string text;
    for (const auto& r : records) text += r;
    test::write_file(to / entry.path().filename(), text);
  }
}

/// The text and JSON reports of `book`, with the row numbers of locations masked.
std::string reports(const Engine& engine, const fs::path& book_dir) {
  Book book = load_book(book_dir);
  Report report = engine.check(book);
  std::ostringstream out;
  write_text(out, report, book);
  out << "\n";
  write_json(out, report);
  static const std::regex kRow(R"(\.csv:[0-9]+)");
  return std::regex_replace(out.str(), kRow, ".csv:#");
}

/// Checks `book_dir` (a CSV book) as it is and with its rows shuffled with a few
/// seeds, with each engine; the copy lives at one path so that file names match.
void expect_order_independent(const fs::path& book_dir, const std::vector<const Engine*>& engines) {
  const fs::path copy = test::temp_dir("row-order");
  fs::copy(book_dir, copy, fs::copy_options::recursive);
  std::vector<std::string> expected;
  try {
    for (const Engine* engine : engines) expected.push_back(reports(*engine, copy));
  } catch (const BookError&) {
    fs::remove_all(copy);
    return;  // a fixture of a load error: nothing to report on
  }
  for (unsigned seed : {1u, 2u, 3u}) {
    write_shuffled(book_dir, copy, seed);
    for (std::size_t i = 0; i < engines.size(); ++i)
      EXPECT_EQ(reports(*engines[i], copy), expected[i]) << book_dir << " shuffled with seed " << seed;
  }
  // Lines in invoice blocks, the order of the blocks shuffled: the book orders
  // the blocks, not every line (Book's order_lines).
  for (unsigned seed : {4u, 5u}) {
    write_shuffled(book_dir, copy, seed, true);
    for (std::size_t i = 0; i < engines.size(); ++i)
      EXPECT_EQ(reports(*engines[i], copy), expected[i]) << book_dir << " shuffled by invoice with seed " << seed;
  }
  fs::remove_all(copy);
}

TEST(RowOrder, TheExampleFirmReportsTheSameWhateverTheRowOrder) {
  const fs::path firm = test::source_dir() / "examples" / "firm";
  const Engine defaults;
  const Engine configured(find_config(firm, ""));
  expect_order_independent(firm, {&defaults, &configured});
}

TEST(RowOrder, ASyntheticBookReportsTheSameWhateverTheRowOrder) {
  const fs::path dir = test::temp_dir("synthetic");
  bench::write_synthetic_book(dir, 400, 40);
  const Engine defaults;
  expect_order_independent(dir, {&defaults});
  fs::remove_all(dir);
}

TEST(RowOrder, EveryFixtureBookReportsTheSameWhateverTheRowOrder) {
  const Engine defaults;
  std::size_t books = 0;
  for (const fs::path& root : {test::source_dir() / "plugins", test::source_dir() / "rules"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_directory() || !fs::exists(entry.path() / "invoices.csv")) continue;
      ++books;
      expect_order_independent(entry.path(), {&defaults});
    }
  }
  EXPECT_GT(books, 30u);
}

// The defect this file was written for: duplicates.line named the later file
// row as the repeat, so sorting the rows swapped its finding to the other line.
TEST(RowOrder, ARepeatedLineIsTheOneWithTheHigherLineNo) {
  const fs::path dir = test::temp_dir("repeated-line");
  test::write_file(dir / "invoices.csv", "invoice_id,client_id,issue_date,currency,total\nI-1,C1,2026-02-03,USD,600.00\n");
  test::write_file(dir / "invoice_lines.csv",
                   "invoice_id,line_no,type,date,timekeeper_id,description,quantity,rate,amount\n"
                   "I-1,2,fee,2026-01-22,TK-1,Draft board minutes,1.0,300.00,300.00\n"
                   "I-1,1,fee,2026-01-22,TK-1,Draft board minutes,1.0,300.00,300.00\n");
  const Engine engine;
  Book book = load_book(dir);
  Report report = engine.check(book);
  std::vector<std::string> repeats;
  for (const Finding& f : report.findings)
    if (f.rule == "duplicates.line") repeats.push_back(f.line + ": " + f.message);
  EXPECT_EQ(repeats, std::vector<std::string>{"2: Line 2 repeats line 1 of the same invoice (\"Draft board minutes\", "
                                              "1 h × 300.00 = 300.00), so it is billed twice."});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
