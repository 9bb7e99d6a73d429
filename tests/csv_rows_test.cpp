// The CSV reader takes a common row whole from masks of its separators, and
// leaves anything unusual to a careful reader from the cell where it is met.
// Whatever a row holds, and wherever in it the unusual thing is, the cells and
// line numbers read must be those RFC 4180 gives: here random rows of every
// kind of cell are read back and compared with what was written.
#include <billcheck/load.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <random>
#include <string>
#include <vector>

namespace billcheck {
namespace {

struct Row {
  std::vector<std::string> cells;  // what each extra cell must read as
  std::uint32_t line = 0;          // where the row starts
};

/// A random cell as written and as it must read. Unquoted cells hold no comma
/// or LF, and end with no CR (a CR before the row's LF would end the row);
/// they may hold a quote that does not start them and a lone CR. Quoted cells
/// hold anything, quotes doubled.
std::pair<std::string, std::string> random_cell(std::mt19937& rng, std::uint32_t& line_breaks) {
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::size_t size = pick(4) == 0 ? pick(40) : pick(6);
  std::string value;
  if (pick(3) == 0) {  // quoted
    static const char kQuoted[] = "ab ,\"\n\r";
    for (std::size_t i = 0; i < size; ++i) value += kQuoted[pick(sizeof kQuoted - 1)];
    std::string written = "\"";
    for (char c : value) {
      written += c;
      if (c == '"') written += '"';
      if (c == '\n') ++line_breaks;
    }
    written += '"';
    return {written, value};
  }
  static const char kPlain[] = "ab c\"\r";
  for (std::size_t i = 0; i < size; ++i) value += kPlain[pick(sizeof kPlain - 1)];
  if (!value.empty() && value.front() == '"') value.front() = 'q';
  while (!value.empty() && value.back() == '\r') value.back() = 'r';
  return {value, value};
}

TEST(CsvRows, EveryKindOfCellReadsAsWritten) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    constexpr int kExtras = 5;
    std::string text = "timekeeper_id,name,role";
    for (int k = 0; k < kExtras; ++k) text += ",x" + std::to_string(k);
    text += seed % 2 ? "\r\n" : "\n";
    std::uint32_t line = 2;
    std::vector<Row> rows;
    for (int i = 0; i < 2000; ++i) {
      if (rng() % 50 == 0) {  // a blank line
        text += "\n";
        ++line;
      }
      Row row;
      row.line = line;
      std::uint32_t breaks = 0;
      text += "T" + std::to_string(i) + ",Name " + std::to_string(i) + ",partner";
      for (int k = 0; k < kExtras; ++k) {
        auto [written, value] = random_cell(rng, breaks);
        text += ',' + written;
        row.cells.push_back(value);
      }
      text += rng() % 4 == 0 ? "\r\n" : "\n";
      line += 1 + breaks;
      rows.push_back(std::move(row));
    }
    const auto dir = test::temp_dir("csv-rows-" + std::to_string(seed));
    test::write_file(dir / "timekeepers.csv", text);
    const BookData data = read_csv_reference(dir);
    ASSERT_EQ(data.timekeepers.size(), rows.size()) << "seed " << seed;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Timekeeper& t = data.timekeepers[i];
      ASSERT_EQ(t.id, "T" + std::to_string(i)) << "seed " << seed;
      EXPECT_EQ(t.source.line, rows[i].line) << "seed " << seed << ", row " << i;
      for (int k = 0; k < kExtras; ++k) {
        const Text* value = t.extra.find("x" + std::to_string(k));
        const std::string got = value ? std::string(*value) : std::string();
        ASSERT_EQ(got, rows[i].cells[static_cast<std::size_t>(k)]) << "seed " << seed << ", row " << i << ", x" << k;
      }
    }
  }
}

// A cell that repeats the one above takes the Text made for it: a value that
// was refused is refused again on every row that repeats it, and a value that
// repeats one refused is not taken for it.
TEST(CsvRows, ARepeatedCellIsCheckedLikeTheFirst) {
  const auto dir = test::temp_dir("csv-rows-repeat");
  test::write_file(dir / "clients.csv",
                   "client_id,name,currency\n"
                   "C1,Ann,usd\n"
                   "C2,Ann,usd\n"
                   "C3,Bob,USD\n"
                   "C4,Bob,USD\n");
  test::write_file(dir / "timekeepers.csv",
                   "timekeeper_id,name,role\n"
                   "T1,Ann,partner\n"
                   "T2,Bob,partner\n");
  try {
    (void)read_csv_reference(dir);
    FAIL() << "the lower-case currency was taken";
  } catch (const BookError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("clients.csv:2: column 'currency'"), std::string::npos) << what;
    EXPECT_NE(what.find("clients.csv:3: column 'currency'"), std::string::npos) << what;
    EXPECT_EQ(what.find("clients.csv:4:"), std::string::npos) << what;
    EXPECT_EQ(what.find("clients.csv:5:"), std::string::npos) << what;
  }
  test::write_file(dir / "clients.csv", "client_id,name,currency\nC1,Ann,USD\nC2,Ann,USD\nC3,Bob,EUR\n");
  const BookData data = read_csv_reference(dir);
  ASSERT_EQ(data.clients.size(), 3u);
  EXPECT_EQ(data.clients[1].name, "Ann");
  EXPECT_EQ(data.clients[1].currency, "USD");
  EXPECT_EQ(data.clients[2].name, "Bob");
  EXPECT_EQ(data.clients[2].currency, "EUR");
  EXPECT_EQ(data.timekeepers[1].role, "partner");
}

// Common rows are converted a block of 64 at a time, a column at a time; a
// block with a value that cannot be taken at once is read again row by row.
// Wherever in a block a problem is (its first row, its last, the next
// block's first), every problem is reported once, in the order of the rows,
// and the rows around it read as they would alone.
std::string numbered_line(int i) {
  const std::string n = std::to_string(i);
  const int day = i / 3 % 28 + 1;  // three rows a day: a date that repeats the row before's is taken as its
  return "INV-" + std::to_string(i / 8) + "," + n + ",fee,2026-01-" + (day < 10 ? "0" : "") + std::to_string(day) +
         ",T" + std::to_string(i % 5) + ",Work " + n + ",1.5,100.00,150.00," + (i % 3 == 0 ? "note " + n : "");
}

constexpr char kLinesHeader[] =
    "invoice_id,line_no,type,date,timekeeper_id,description,quantity,rate,amount,matter_note\n";

TEST(CsvRows, ABlockWithAProblemIsReadAgainRowByRowInTheOrderOfTheRows) {
  std::string text = kLinesHeader;
  for (int i = 1; i <= 300; ++i) {
    switch (i) {
      case 1: text += "INV-0,1,fee,2026-01-02,T1,Work 1,1.5,100.00,1O0.00,"; break;
      case 64: text += "INV-8,64,fees,2026-01-09,T4,Work 64,1.5,100.00,150.00,"; break;
      case 65: text += "INV-8,65,fee,2026-02-30,T0,Work 65,1.5,100.00,150.00,"; break;
      case 130: text += "INV-16,130,fee"; break;
      case 200: text += ",200,fee,2026-01-05,T0,Work 200,1.5,100.00,150.00,"; break;
      case 300: text += "INV-37,300,fee,2026-01-21,T0,Work 300,1e3,100.00,150.00,note 300"; break;
      default: text += numbered_line(i);
    }
    text += '\n';
  }
  const auto dir = test::temp_dir("csv-rows-blocks-broken");
  test::write_file(dir / "invoice_lines.csv", text);
  std::vector<std::string> messages;
  try {
    (void)read_csv_reference(dir);
  } catch (const BookError& e) {
    messages = e.messages();
  }
  const std::vector<std::string> starts = {
      ":2: column 'amount': '1O0.00' is not a decimal number",
      ":65: column 'type': 'fees' is not a valid value (use fee, expense or adjustment)",
      ":66: column 'date': '2026-02-30' is not a valid date (expected YYYY-MM-DD)",
      ":131: row has 3 cells, the header has 10",
      ":201: column 'invoice_id': required value missing",
      ":301: column 'quantity': '1e3' is not a decimal number (write it out in full, without an "
      "exponent)",
  };
  const std::string file = (dir / "invoice_lines.csv").string();
  ASSERT_EQ(messages.size(), starts.size()) << ::testing::PrintToString(messages);
  for (std::size_t i = 0; i < starts.size(); ++i)
    EXPECT_EQ(messages[i].substr(0, file.size() + starts[i].size()), file + starts[i]) << messages[i];
}

TEST(CsvRows, ABlockReadAgainRowByRowGivesTheRecordsOfEachRow) {
  std::string text = kLinesHeader;
  for (int i = 1; i <= 300; ++i) {
    if (i == 64)  // valid, but more whole digits than the common amount (read row by row), and no date
      text += "INV-8,64,fee,,T4,\"Work \"\"64\"\"\",1.5,100.00,1234567890123.50,note 64";
    else
      text += numbered_line(i);
    text += i % 2 ? "\r\n" : "\n";
  }
  const auto dir = test::temp_dir("csv-rows-blocks-good");
  test::write_file(dir / "invoice_lines.csv", text);
  const BookData data = read_csv_reference(dir);
  ASSERT_EQ(data.lines.size(), 300u);
  for (int i = 1; i <= 300; ++i) {
    const InvoiceLine& line = data.lines[static_cast<std::size_t>(i - 1)];
    ASSERT_EQ(line.line_no, i);
    EXPECT_EQ(line.source.line, static_cast<std::uint32_t>(i + 1)) << i;
    EXPECT_EQ(line.invoice_id, "INV-" + std::to_string(i / 8)) << i;
    EXPECT_EQ(line.timekeeper_id, "T" + std::to_string(i % 5)) << i;
    EXPECT_EQ(line.quantity.to_string(), "1.5") << i;
    const Text* note = line.extra.find("matter_note");
    EXPECT_EQ(note ? std::string(*note) : std::string("(none)"),
              i % 3 == 0 || i == 64 ? "note " + std::to_string(i) : "(none)")
        << i;
    if (i == 64) {
      EXPECT_FALSE(line.date.has_value());
      EXPECT_EQ(line.description, "Work \"64\"");
      EXPECT_EQ(line.amount.to_string(2), "1234567890123.50");
    } else {
      ASSERT_TRUE(line.date.has_value()) << i;
      EXPECT_EQ(line.date->day(), static_cast<unsigned>(i / 3 % 28 + 1)) << i;
      EXPECT_EQ(line.description, "Work " + std::to_string(i)) << i;
      EXPECT_EQ(line.amount.to_string(2), "150.00") << i;
    }
  }
}

// The JSON reader reuses a repeated value's Text the same way, by column.
TEST(JsonRecords, ARepeatedValueIsCheckedLikeTheFirst) {
  const std::string text = R"({"clients": [
  {"client_id": "C1", "name": "Ann", "currency": "usd"},
  {"client_id": "C2", "name": "Ann", "currency": "usd"},
  {"currency": "USD", "client_id": "C3", "name": "Bob"},
  {"client_id": "C4", "name": "Bob", "currency": "USD"}
]})";
  try {
    (void)read_json_text(text, "book.json");
    FAIL() << "the lower-case currency was taken";
  } catch (const BookError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("book.json:2: column 'currency'"), std::string::npos) << what;
    EXPECT_NE(what.find("book.json:3: column 'currency'"), std::string::npos) << what;
    EXPECT_EQ(what.find("book.json:4:"), std::string::npos) << what;
    EXPECT_EQ(what.find("book.json:5:"), std::string::npos) << what;
  }
  const BookData data = read_json_text(
      R"({"clients": [{"client_id": "C1", "name": "Ann", "currency": "USD"},
                      {"name": "Ann", "client_id": "C2", "currency": "EUR"}]})",
      "book.json");
  ASSERT_EQ(data.clients.size(), 2u);
  EXPECT_EQ(data.clients[1].id, "C2");
  EXPECT_EQ(data.clients[1].name, "Ann");
  EXPECT_EQ(data.clients[1].currency, "EUR");
}

}  // namespace
}  // namespace billcheck
