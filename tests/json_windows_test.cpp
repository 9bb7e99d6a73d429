// A large JSON book file is read a window at a time: the records, their source
// lines and the problems of a broken book must be those of the book read whole,
// whatever falls where a window is cut (braces and brackets inside strings,
// escapes, white space and line breaks between records, a record larger than
// the window, an entity's array ending inside a window).
#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>

#include <gtest/gtest.h>

#include "load/json.hpp"
#include "test_support.hpp"

#include <optional>
#include <string>
#include <vector>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

// Windows this small cut a 300 KB book in a hundred places.
constexpr std::size_t kWindows[] = {4096, 7000, 65536};

/// A book whose records hold what a cut could fall on; `broken(i, record)` may
/// replace line i's record.
template <class Broken>
std::string book_text(int lines, Broken broken) {
  std::string text = "\xEF\xBB\xBF{\n  \"clients\": [{\"client_id\": \"C-1\", \"name\": \"Client {1}, \\\"One\\\"\", "
                     "\"currency\": \"USD\"}],\n  \"invoices\": [\n";
  const int invoices = lines / 10;
  for (int i = 1; i <= invoices; ++i) {
    const std::string n = std::to_string(i);
    text += "    {\"invoice_id\": \"INV-" + n + "\", \"client_id\": \"C-1\", \"engagement_id\": \"E-1\", " +
            "\"issue_date\": \"2026-02-04\", \"currency\": \"USD\", \"total\": \"1000.00\", \"status\": \"issued\"}";
    text += i == invoices ? "\n  ],\n" : i % 3 == 0 ? " ,\n\n\t" : ",\n";
  }
  text += "  \"invoice_lines\": [";
  for (int i = 1; i <= lines; ++i) {
    const std::string n = std::to_string(i);
    const std::string head = "{\"invoice_id\": \"INV-" + std::to_string((i - 1) / 10 + 1) + "\", \"line_no\": " +
                             std::to_string((i - 1) % 10 + 1) + ", \"type\": \"fee\", ";
    std::string record;
    switch (i % 6) {
      case 0:  // what a cut looks for, inside strings
        record = head + "\"description\": \"Braces }, and ]} in {a}, b}]" + n + "\", \"quantity\": 1, \"rate\": " +
                 "\"100.00\", \"amount\": \"100.00\"}";
        break;
      case 1:  // escapes, a key the book does not know, null
        record = head + "\"description\": \"Caf\\u00e9 \\\"quoted\\\"\\n}, " + n + "\", \"matter_note\": \"x\\\\y\", " +
                 "\"task_code\": null, \"quantity\": 1.5, \"rate\": 100, \"amount\": \"150.00\"}";
        break;
      case 2:  // a record over several lines
        record = "{\n      \"invoice_id\": \"INV-" + std::to_string((i - 1) / 10 + 1) + "\",\n      \"line_no\": " +
                 std::to_string((i - 1) % 10 + 1) + ",\n      \"type\": \"expense\",\n      \"description\": " +
                 "\"Courier " + n + "\",\n      \"quantity\": \"1\", \"rate\": \"20.00\", \"amount\": \"20.00\"\n    }";
        break;
      case 3:  // larger than the smallest windows, now and then
        record = head + "\"description\": \"" + std::string(i % 500 == 3 ? 9000 : 40, 'w') + n + "\", " +
                 "\"quantity\": 2, \"rate\": \"50.00\", \"amount\": \"100.00\"}";
        break;
      default:
        record = head + "\"description\": \"Drafting " + n + "\", \"quantity\": \"0.5\", \"rate\": \"300.00\", " +
                 "\"amount\": \"150.00\"}";
        break;
    }
    text += i % 4 == 0 ? "\n\n    " : "\n    ";
    text += broken(i, record);
    if (i < lines) text += i % 5 == 0 ? "\t,\r\n" : ",";
  }
  text += "\n  ],\n  \"payments\": [{\"payment_id\": \"P-1\", \"client_id\": \"C-1\", \"invoice_id\": \"INV-1\", "
          "\"date\": \"2026-03-01\", \"amount\": \"1000.00\", \"currency\": \"USD\"}]\n}\n";
  return text;
}

constexpr int kLines = 2000;

std::string good_text() {
  static const std::string text = book_text(kLines, [](int, const std::string& record) { return record; });
  return text;
}

fs::path write_book(const std::string& name, const std::string& text) {
  const fs::path file = test::temp_dir(name) / "book.json";
  test::write_file(file, text);
  return file;
}

using test::book_errors;
using test::records_seen;

TEST(JsonWindows, ABookReadAWindowAtATimeIsTheBookReadWhole) {
  const fs::path file = write_book("json-windows-good", good_text());
  const std::string whole = records_seen(read_json_text(good_text(), file.string()));
  ASSERT_NE(whole.find(std::to_string(kLines / 10) + "@"), std::string::npos);
  ASSERT_NE(whole.find("Braces }, and ]} in {a}, b}]6"), std::string::npos);
  for (std::size_t window : kWindows) {
    std::optional<BookData> data = detail::read_json_in_windows(file, window);
    ASSERT_TRUE(data) << window;
    EXPECT_EQ(records_seen(std::move(*data)), whole) << window;
  }
}

TEST(JsonWindows, AnEmptyBookAndEmptyArraysReadAsWhole) {
  for (const std::string text : {"{}", " \n{ }\n", "{\"invoices\": [], \"invoice_lines\": [\n]}"}) {
    const fs::path file = write_book("json-windows-empty", text);
    std::optional<BookData> data = detail::read_json_in_windows(file, 4096);
    ASSERT_TRUE(data) << text;
    EXPECT_EQ(records_seen(std::move(*data)), records_seen(read_json_text(text, file.string()))) << text;
  }
}

// Where a problem is, the windows give up and the file is read whole: the
// messages are the whole-file reader's, every one, in order.
TEST(JsonWindows, ABrokenBookIsReportedAsWhenReadWhole) {
  const std::string text = book_text(kLines, [](int i, const std::string& record) -> std::string {
    if (i == 7 || i == 1501) return "{\"invoice_id\": \"INV-1\", \"line_no\": 99, \"type\": \"fee\", \"amount\": \"1O0\"}";
    if (i == 1800) return "{\"invoice_id\": \"INV-1\", \"line_no\": 98, \"type\": \"fee\", \"amount\": [1]}";
    return record;
  });
  const fs::path file = write_book("json-windows-broken", text);
  EXPECT_FALSE(detail::read_json_in_windows(file, 4096));
  const auto whole = book_errors([&] { read_json_text(text, file.string()); });
  // Each broken line: its amount, and the quantity and rate it lacks.
  ASSERT_EQ(whole.size(), 9u);
  EXPECT_NE(whole[8].find(":4680: column 'rate': required value missing"), std::string::npos) << whole[8];
  EXPECT_EQ(book_errors([&] { read_json_file(file); }), whole);
}

TEST(JsonWindows, WhatTheWindowsDoNotReadIsReadWhole) {
  for (const std::string text : {
           "{\"invoices\": null}",                                   // null for an entity
           "{\"invoice\\u0073\": []}",                               // an escaped key
           "{\"invoices\": [], \"tags\": [1]}",                      // a key the book does not know
           "{\"invoices\": [{\"invoice_id\": \"A\"}] \"x\"}",        // not JSON after an array
           "{\"invoices\": [{\"invoice_id\": \"A\"}, ]}",            // a trailing comma
           "{\"invoices\": [1, {\"invoice_id\": \"A\"}]}",           // an element that is not a record
           "{\"invoices\": [{\"invoice_id\": \"A\"}]}\n{}",          // a second value
       }) {
    const fs::path file = write_book("json-windows-other", text);
    EXPECT_FALSE(detail::read_json_in_windows(file, 4096)) << text;
  }
}

}  // namespace
}  // namespace billcheck
