// The Book's indexes as rules use them.
#include "test_support.hpp"

#include <billcheck/load.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
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

// The first check_invoice of a book builds each book-wide rule's result as a
// derived index: two threads must build two of them at once, not in turn.
TEST(BookDerived, TwoKeysBuildAtOnceAndAFailedBuildIsTriedAgain) {
  Book book = engine_book();
  std::atomic<int> started{0};
  auto both_at_once = [&](const Book&) {
    ++started;
    // Each build waits (at most 10 s) until the other has started: one lock over
    // every build would keep the other from starting, and both would give up.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (started.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    return started.load();
  };
  int a = 0, b = 0;
  {
    std::jthread first([&] { a = book.derived<int>("test.a", both_at_once); });
    std::jthread second([&] { b = book.derived<int>("test.b", both_at_once); });
  }
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 2);

  int tries = 0;
  auto fails_once = [&](const Book&) {
    if (++tries == 1) throw std::runtime_error("not yet");
    return 5;
  };
  EXPECT_THROW(book.derived<int>("test.retry", fails_once), std::runtime_error);
  EXPECT_EQ(book.derived<int>("test.retry", fails_once), 5);
  EXPECT_EQ(tries, 2);
}

}  // namespace
}  // namespace billcheck
