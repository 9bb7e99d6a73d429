// A large LEDES file is read a window at a time: the records, their source
// lines and every problem must be those of the file read whole, whatever falls
// where a window is cut (a record wrapped over lines, several records on one
// line, '[' inside a field, an invoice whose lines are apart, a record larger
// than the window, a last record without its '[]').
#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>

#include <gtest/gtest.h>

#include "load/ledes_file.hpp"
#include "test_support.hpp"

#include <string>
#include <vector>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kWindows[] = {1024, 4096, 7000};
constexpr int kLines = 2000;

const std::string kHeader =
    "INVOICE_DATE|INVOICE_NUMBER|CLIENT_ID|LAW_FIRM_MATTER_ID|INVOICE_TOTAL|BILLING_START_DATE|BILLING_END_DATE|"
    "INVOICE_DESCRIPTION|LINE_ITEM_NUMBER|EXP/FEE/INV_ADJ_TYPE|LINE_ITEM_NUMBER_OF_UNITS|LINE_ITEM_ADJUSTMENT_AMOUNT|"
    "LINE_ITEM_TOTAL|LINE_ITEM_DATE|LINE_ITEM_TASK_CODE|LINE_ITEM_EXPENSE_CODE|LINE_ITEM_ACTIVITY_CODE|TIMEKEEPER_ID|"
    "LINE_ITEM_DESCRIPTION|LAW_FIRM_ID|LINE_ITEM_UNIT_COST|TIMEKEEPER_NAME|TIMEKEEPER_CLASSIFICATION|CLIENT_MATTER_ID|"
    "MATTER_NOTE[]";

/// A LEDES file of kLines lines; `broken(i, record)` may replace line i's record.
std::string ledes_text(const std::function<std::string(int, const std::string&)>& broken) {
  std::string text = "\xEF\xBB\xBFLEDES1998B[]\n" + kHeader + "\n";
  for (int i = 1; i <= kLines; ++i) {
    // Ten lines an invoice; every 50th line belongs to invoice 1, far from its first lines.
    const int invoice = i % 50 == 0 ? 1 : (i - 1) / 10 + 1;
    const std::string n = std::to_string(i);
    std::string description = "Review [draft " + n + "] of the agreement";
    if (i % 7 == 0) description = "Call about the lease\nand its renewal " + n;  // wrapped over two lines
    if (i % 500 == 3) description = std::string(9000, 'w') + n;                // larger than the small windows
    const std::string record = "20260331|INV-" + std::to_string(invoice) + "|C1|M1|9999.00|20260301|20260331|" +
                               (invoice % 3 == 0 ? "Advice\nfor March" : "Advice") + "|" + n + "|F|1.0|0|300.00|" +
                               "20260305|L120||A104|T" + std::to_string(i % 13) + "|" + description +
                               "|F1|300.00|Keeper " + std::to_string(i % 13) + "|PARTNR|CM1|note " + n + "[]";
    text += broken(i, record);
    text += i % 5 == 0 ? "" : i % 11 == 0 ? "\r\n\n" : "\n";  // now and then several records on one line
  }
  return text;
}

std::string good_text() {
  static const std::string text = ledes_text([](int, const std::string& record) { return record; });
  return text;
}

fs::path write_file(const std::string& name, const std::string& text) {
  const fs::path file = test::temp_dir(name) / "bill.ledes";
  test::write_file(file, text);
  return file;
}

using test::book_errors;
using test::records_seen;

TEST(LedesWindows, AFileReadAWindowAtATimeIsTheFileReadWhole) {
  const fs::path file = write_file("ledes-windows-good", good_text());
  const std::string whole = records_seen(read_ledes_text(good_text(), file.string()));
  ASSERT_NE(whole.find(std::to_string(kLines) + "@"), std::string::npos);
  ASSERT_NE(whole.find("Review [draft 1] of the agreement"), std::string::npos);
  for (std::size_t window : kWindows) EXPECT_EQ(records_seen(detail::read_ledes_file(file, window)), whole) << window;
}

TEST(LedesWindows, EveryProblemIsReportedAsWhenReadWhole) {
  const std::string text = ledes_text([](int i, const std::string& record) -> std::string {
    if (i == 10 || i == 1501) return "20260331|INV-1|C1|M1|9999.00|20260301|20260331|Advice|" + std::to_string(i) +
                                     "|F|1.0|0|3OO.00|20260305|L120||A104|T1|x|F1|300.00|Keeper 1|PARTNR|CM1|[]";
    if (i == 900) return "20260331|INV-90|C2|M1|9999.00|20260301|20260331|Advice|900|F|1.0|0|300.00|20260305|L120||A104|"
                         "T1|x|F1|300.00|Keeper 1|PARTNR|CM1|[]";  // another client than the invoice's first line
    if (i == 1200) return "20260331|INV-120|C1|too|few|fields[]";
    if (i == kLines) return record.substr(0, record.size() - 2);  // the last record without its '[]'
    return record;
  });
  const fs::path file = write_file("ledes-windows-broken", text);
  const auto whole = book_errors([&] { read_ledes_text(text, file.string()); });
  // Two amounts, two fields of invoice INV-90 that its line 900 does not repeat, a
  // short record, the last one unended.
  ASSERT_EQ(whole.size(), 6u);
  EXPECT_NE(whole[2].find("'Advice' differs from 'Advicefor March'"), std::string::npos) << whole[2];
  EXPECT_NE(whole.back().find("the record does not end with '[]'"), std::string::npos) << whole.back();
  for (std::size_t window : kWindows)
    EXPECT_EQ(book_errors([&] { detail::read_ledes_file(file, window); }), whole) << window;
}

TEST(LedesWindows, AFileThatIsNotLedesSaysSoAsWhenReadWhole) {
  const std::string text = "LEDES1998C[]\n" + std::string(20000, 'x') + "\n";
  const fs::path file = write_file("ledes-windows-not", text);
  EXPECT_EQ(book_errors([&] { detail::read_ledes_file(file, 1024); }),
            book_errors([&] { read_ledes_text(text, file.string()); }));
}

}  // namespace
}  // namespace billcheck
