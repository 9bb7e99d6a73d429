// The example firm end to end: its report is exactly the errors planted in it
// (examples/firm/PLANTED.md), with their amounts at stake, and nothing else.
#include "test_support.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/report.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace billcheck {
namespace {

std::string describe(const Finding& f) {
  std::string s = f.rule + " " + (f.invoice.empty() ? f.client : f.invoice);
  if (!f.line.empty()) s += "#" + f.line;
  if (!f.credit_note.empty()) s += " " + f.credit_note;
  if (!f.payment.empty()) s += " " + f.payment;
  if (f.amount_at_stake) s += " " + f.currency + " " + format_amount(*f.amount_at_stake, f.currency);
  return s;
}

TEST(ExampleFirm, ReportsExactlyThePlantedErrors) {
  const auto dir = test::source_dir() / "examples" / "firm";
  Engine engine(find_config(dir, ""));
  Book book = load_book(dir);
  Report report = engine.check(book);
  std::vector<std::string> found;
  for (const auto& f : report.findings) found.push_back(describe(f));
  EXPECT_THAT(found, ::testing::UnorderedElementsAre(
                         "arithmetic.line-amount HR-115#3 GBP 100.00",           // 1
                         "arithmetic.invoice-total NW-2025-07 USD 360.00",       // 2
                         "arithmetic.tax BM-0058 EUR 64.04",                     // 3
                         "rates.contract-rate BM-0070#2 EUR 130.00",             // 4
                         "timing.issued-early BM-0063",                          // 5
                         "timing.late-invoice KR-2025Q3",                        // 6
                         "timing.due-date HR-109",                               // 7
                         "credit.over-limit HR-121 GBP 715.20",                  // 8
                         "credit.note-unapproved BM-0070 CN-002 EUR -300.00",    // 9
                         "credit.discount-above-agreed NW-2025-08 USD -313.35",  // 10
                         "duplicates.line KR-2025Q2#7 JPY 142500",               // 11
                         "services.hours-exceed-entry NW-2025-07#2 USD 420.00",  // 12
                         "client-info.billing-email C-400",                      // 13
                         "payments.misapplied BM-0063 P-2003 EUR 5093.20",       // 14
                         "guidelines.block-billing HR-121#2"));                  // 15
  EXPECT_FALSE(report.has_internal_errors());
}

TEST(ExampleFirm, EveryRuleIsDocumentedByExplain) {
  Engine engine;
  auto rules = engine.rules();
  ASSERT_GE(rules.size(), 40u);
  for (const auto& r : rules) {
    std::string text = explain_rule(r);
    EXPECT_THAT(text, ::testing::HasSubstr(r.id + ": " + r.title)) << r.id;
    EXPECT_THAT(text, ::testing::HasSubstr("category: " + r.category)) << r.id;
    EXPECT_GT(r.description.size(), 40u) << r.id << " needs a real description";
    for (const auto& o : r.options) {
      EXPECT_THAT(text, ::testing::HasSubstr(o.name + " (")) << r.id;
      EXPECT_FALSE(o.description.empty()) << r.id << " option " << o.name;
    }
  }
}

}  // namespace
}  // namespace billcheck
