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
