// The Book's indexes as rules use them.
#include "test_support.hpp"

#include <billcheck/load.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace billcheck {
namespace {

Book engine_book() { return load_book(test::data_dir() / "engine" / "book"); }

TEST(BookIndexes, LinesGroupByInvoiceAndKnowTheirInvoice) {
  Book book = engine_book();
  const Invoice* inv = book.invoice("INV-1");
  ASSERT_NE(inv, nullptr);
  auto lines = book.lines_of(*inv);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].line_no, 2);
  EXPECT_EQ(&book.invoice_of(lines[1]), inv);
  EXPECT_EQ(book.invoices_of_client("C1").size(), 2u);
  EXPECT_EQ(book.invoice("NOPE"), nullptr);
}

TEST(BookDerived, ComputedOnceAndSharedAcrossThreads) {
  Book book = engine_book();
  std::atomic<int> runs{0};
  auto make = [&](const Book& b) {
    ++runs;
    return static_cast<int>(b.lines().size());
  };
  std::vector<const int*> seen(8);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 8; ++i)
      threads.emplace_back([&, i] { seen[static_cast<std::size_t>(i)] = &book.derived<int>("test.count", make); });
  }
  EXPECT_EQ(runs.load(), 1);
  for (const int* p : seen) EXPECT_EQ(p, seen[0]);
  EXPECT_EQ(*seen[0], 4);
  EXPECT_EQ(book.derived<int>("test.other", [](const Book&) { return 7; }), 7);
}

}  // namespace
}  // namespace billcheck
