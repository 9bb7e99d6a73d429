// Plain JSON records (flat objects without escapes) are read without
// simdjson, a window of a large book at a time: what is read so must be what
// simdjson's reader reads, and anything else must be left to it.
#include <billcheck/load.hpp>

#include <gtest/gtest.h>

#include "load/json.hpp"
#include "load/plain_json.hpp"
#include "schema/columns.hpp"
#include "test_support.hpp"

#include <optional>
#include <random>
#include <string>
#include <vector>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

struct Read {
  std::vector<InvoiceLine> lines;
  std::optional<std::size_t> rest;  // the offset past the array's ']', when it ends before the text
  std::uint32_t line = 0;           // where reading stopped
};

/// PlainJson over `text` (from its first '{'), with the padding after it that a window has.
std::optional<Read> read_plain(const std::string& text, BookData& data) {
  std::string buffer = text + std::string(64, '#');
  const char* begin = buffer.data();
  const char* end = begin + text.size();
  detail::PlainJson plain(begin, end, 1);
  Read read;
  const char* rest = nullptr;
  if (!plain.records(fields::kLines, 0, data, read.lines, rest)) return std::nullopt;
  if (rest) read.rest = static_cast<std::size_t>(rest - begin);
  read.line = plain.line();
  return read;
}

std::optional<Read> read_plain(const std::string& text) {
  BookData data;
  return read_plain(text, data);
}

constexpr const char* kLine =
    R"({"invoice_id": "INV-1", "line_no": 1, "type": "fee", "quantity": 1.5, "rate": "200.00", "amount": 300})";

TEST(PlainJson, ReadsFlatRecordsAsSimdjsonWould) {
  const std::string text = std::string(kLine) +
                           ",\r\n\t{\"amount\": \"20.00\",\"rate\":20 , \"quantity\" :1, \"type\":\"expense\",\n"
                           "  \"line_no\": 2, \"invoice_id\": \"INV-1\", \"description\": \"Café, naïve €\", "
                           "\"task_code\": null, \"date\": \"2024-02-29\", \"matter_ref\": \"M-7\", \"entry_id\": \"\"}"
                           "\n]";
  BookData data;
  const std::optional<Read> read = read_plain(text, data);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->lines.size(), 2u);
  const InvoiceLine& first = read->lines[0];
  EXPECT_EQ(first.invoice_id, "INV-1");
  EXPECT_EQ(first.line_no, 1);
  EXPECT_EQ(first.quantity, Decimal::parse("1.5"));
  EXPECT_EQ(first.amount, Decimal::parse("300"));
  EXPECT_EQ(first.source.line, 1u);
  const InvoiceLine& second = read->lines[1];
  EXPECT_EQ(second.type, "expense");
  EXPECT_EQ(second.description, "Café, naïve €");
  EXPECT_TRUE(second.task_code.empty());  // null: absent
  EXPECT_TRUE(second.entry_id.empty());   // "": absent
  ASSERT_TRUE(second.date);
  EXPECT_EQ(*second.date, *Date::parse_iso("2024-02-29"));
  EXPECT_EQ(second.source.line, 2u);
  ASSERT_EQ(second.extra.values.size(), 1u);
  EXPECT_EQ(second.extra.values[0].first, "matter_ref");
  EXPECT_EQ(second.extra.values[0].second, "M-7");
  ASSERT_TRUE(read->rest);
  EXPECT_EQ(*read->rest, text.size());
  EXPECT_EQ(read->line, 4u);
}

TEST(PlainJson, TheEndOfTheTextStandsForTheArraysEnd) {
  const std::optional<Read> read = read_plain(std::string(kLine) + ",\n" + kLine + "\n\n");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->lines.size(), 2u);
  EXPECT_FALSE(read->rest);
  EXPECT_EQ(read->line, 4u);
}

TEST(PlainJson, LeavesEverythingElseToSimdjson) {
  const std::string line = kLine;
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string text = line;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  for (const std::string& text : {
           with("INV-1", "INV-\\u0031"),                        // an escape in a value
           with("\"type\"", "\"ty\\u0070e\""),                  // an escape in a key
           with("INV-1", "INV\t1"),                             // a control character in a string
           with("INV-1", "INV\xC3\x28"),                        // a string that is not UTF-8
           with("1.5", "{\"h\": 1}"),                           // an object for a value
           with("1.5", "[1]"),                                  // an array for a value
           with("1.5", "01"), with("1.5", "1."), with("1.5", ".5"), with("1.5", "-"), with("1.5", "1e"),
           with("1.5", "+1"), with("1.5", "1.5x"), with("1.5", "0x1"),  // not numbers
           with("1.5", "tru"), with("1.5", "True"), with("1.5", "nulls"),  // not literals
           with("\"fee\"", "\"fee\", \"type\": \"fee\""),      // a key twice
           with("\"quantity\": 1.5, ", ""),                     // a required value missing
           with("\"quantity\": 1.5, ", "\"quantity\": null, "), // null for a required value
           with("\"fee\"", "\"fees\""),                         // a value its column refuses
           with("\"amount\": 300}", "\"amount\": 300,}"),       // a trailing comma in a record
           with("\"rate\":", "\"rate\""),                       // no colon
           with("\"INV-1\"", "\"INV-1"),                         // a string that does not end
           line + ",]",                                         // a trailing comma in the array
           line + " x",                                         // not JSON after a record
           "[" + line + "]",                                    // not a record
       })
    EXPECT_FALSE(read_plain(text)) << text;
}

/// A book of plain records (some not, now and then: their windows are
/// simdjson's) in every form JSON allows: keys in any order, white space and
/// line breaks anywhere between tokens, numbers or strings for numbers,
/// literals, null and "", extra keys, characters of several bytes.
std::string random_book(std::mt19937& rng, int lines) {
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const auto space = [&] {
    static const char* kSpaces[] = {"", "", " ", " ", "\n", "\r\n  ", "\t", " \n\n "};
    return std::string(kSpaces[pick(8)]);
  };
  std::string text = "{\"invoices\": [{\"invoice_id\": \"INV-1\", \"client_id\": \"C-1\", \"currency\": \"USD\", "
                     "\"total\": \"1.00\", \"issue_date\": \"2026-01-31\"}],\n\"invoice_lines\": [";
  for (int i = 0; i < lines; ++i) {
    std::vector<std::string> fields = {
        "\"invoice_id\":" + space() + "\"INV-1\"",
        "\"line_no\":" + space() + (pick(2) ? std::to_string(i + 1) : "\"" + std::to_string(i + 1) + "\""),
        "\"type\":" + space() + (pick(2) ? "\"fee\"" : "\"expense\""),
        "\"quantity\":" + space() + (pick(3) ? "1.25" : pick(2) ? "\"2\"" : "-0.50"),
        "\"rate\":" + space() + (pick(2) ? "200" : "\"199.99\""),
        "\"amount\":" + space() + (pick(2) ? "250.00" : "0"),
    };
    switch (pick(8)) {
      case 0: fields.push_back("\"description\":" + space() + "\"Réunion — 会議 " + std::to_string(i) + "\""); break;
      case 1: fields.push_back("\"task_code\":" + space() + "null"); break;
      case 2: fields.push_back("\"activity_code\":" + space() + "\"\""); break;
      case 3: fields.push_back("\"billable\":" + space() + (pick(2) ? "true" : "false")); break;
      case 4: fields.push_back("\"date\":" + space() + "\"2026-01-0" + std::to_string(1 + pick(9)) + "\""); break;
      case 5: fields.push_back("\"timekeeper_id\":" + space() + "\"T" + std::to_string(pick(50)) + "\""); break;
      case 6:
        if (pick(10) == 0) fields.push_back("\"description\": \"Said \\\"yes\\\"\"");  // an escape: not plain
        break;
      default: break;
    }
    std::shuffle(fields.begin(), fields.end(), rng);
    text += space() + "{" + space();
    for (std::size_t f = 0; f < fields.size(); ++f) text += (f ? "," + space() : "") + fields[f] + space();
    text += "}" + space() + (i + 1 < lines ? "," : "");
  }
  return text + "\n]}\n";
}

TEST(PlainJson, ABookReadInWindowsIsTheBookReadWhole) {
  std::mt19937 rng(20261202);
  for (int round = 0; round < 20; ++round) {
    const std::string text = random_book(rng, 600);
    const fs::path file = test::temp_dir("plain-json") / "book.json";
    test::write_file(file, text);
    const std::string whole = test::records_seen(read_json_text(text, file.string()));
    for (std::size_t window : {512, 4096}) {
      std::optional<BookData> data = detail::read_json_in_windows(file, window);
      ASSERT_TRUE(data) << "round " << round << ", window " << window;
      ASSERT_EQ(test::records_seen(std::move(*data)), whole) << "round " << round << ", window " << window;
    }
  }
}

}  // namespace
}  // namespace billcheck
