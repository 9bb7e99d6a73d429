// The Book's indexes as rules use them.
#include "test_support.hpp"

#include <billcheck/load.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <random>
#include <chrono>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

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

// Records are found by the invoice they name, whether it is in the book once,
// twice (a duplicate number) or not at all, and lines by their timekeeper.
TEST(BookIndexes, RecordsOfAnInvoiceWhetherItsNumberIsUniqueRepeatedOrUnknown) {
  BookData d;
  const auto invoice = [&](const char* id, const char* date) {
    Invoice i;
    i.id = test::text(id);
    i.client_id = test::text("C1");
    i.issue_date = *Date::parse_iso(date);
    d.invoices.push_back(i);
  };
  invoice("INV-2", "2026-03-01");
  invoice("INV-1", "2026-01-01");
  invoice("INV-2", "2026-02-01");
  // A payment or a credit note `id` that names invoice `of`.
  const auto naming = [](auto& records, const char* id, const char* of) {
    auto& r = records.emplace_back();
    r.id = test::text(id);
    r.invoice_id = test::text(of);
  };
  naming(d.payments, "P5", "INV-2");
  naming(d.payments, "P1", "INV-1");
  naming(d.payments, "P3", "INV-9");
  naming(d.payments, "P2", "INV-2");
  naming(d.payments, "P4", "");
  naming(d.credit_notes, "N1", "INV-9");
  naming(d.credit_notes, "N2", "INV-1");
  d.timekeepers.push_back({test::text("T1"), test::text("Pat Quinlan"), test::text("partner")});
  for (const char* tk : {"T1", "T9", ""}) {
    InvoiceLine l;
    l.invoice_id = test::text("INV-1");
    l.line_no = static_cast<std::int64_t>(d.lines.size()) + 1;
    l.timekeeper_id = test::text(tk);
    d.lines.push_back(l);
  }
  const Book book(std::move(d));
  const auto ids = [](auto records) {
    std::string out;
    for (const auto* r : records) out += (out.empty() ? "" : " ") + r->id.str();
    return out;
  };
  auto numbered = book.invoices_numbered("INV-2");
  ASSERT_EQ(numbered.size(), 2u);
  EXPECT_EQ(numbered[0]->issue_date.to_string(), "2026-02-01");
  EXPECT_EQ(numbered[1]->issue_date.to_string(), "2026-03-01");
  EXPECT_EQ(numbered[0], book.invoice("INV-2"));
  EXPECT_EQ(book.invoices_numbered("INV-1").size(), 1u);
  EXPECT_TRUE(book.invoices_numbered("INV-9").empty());
  EXPECT_EQ(ids(book.payments_of_invoice("INV-2")), "P2 P5");
  EXPECT_EQ(ids(book.payments_of_invoice(book.invoices()[0].id)), "P1");
  EXPECT_EQ(ids(book.payments_of_invoice("INV-9")), "P3");
  EXPECT_EQ(ids(book.payments_of_invoice("")), "");
  EXPECT_EQ(ids(book.payments_of_invoice("INV-7")), "");
  EXPECT_EQ(ids(book.credit_notes_of_invoice("INV-1")), "N2");
  EXPECT_EQ(ids(book.credit_notes_of_invoice("INV-9")), "N1");
  EXPECT_EQ(ids(book.credit_notes_of_invoice("INV-2")), "");
  // By the invoice itself: the same answers, for each of two invoices of one
  // number too; an invoice that is not the book's is found by its number.
  for (const Invoice& invoice : book.invoices()) {
    EXPECT_EQ(ids(book.payments_of(invoice)), ids(book.payments_of_invoice(invoice.id))) << invoice.id;
    EXPECT_EQ(ids(book.credit_notes_of(invoice)), ids(book.credit_notes_of_invoice(invoice.id))) << invoice.id;
  }
  EXPECT_EQ(ids(book.payments_of(*numbered[1])), "P2 P5");
  Invoice elsewhere;
  elsewhere.id = test::text("INV-1");
  EXPECT_EQ(ids(book.payments_of(elsewhere)), "P1");
  EXPECT_EQ(ids(book.credit_notes_of(elsewhere)), "N2");
  ASSERT_EQ(book.lines().size(), 3u);
  EXPECT_EQ(book.timekeeper_of(book.lines()[0]), book.timekeeper("T1"));
  EXPECT_EQ(book.timekeeper_of(book.lines()[1]), nullptr);
  EXPECT_EQ(book.timekeeper_of(book.lines()[2]), nullptr);
}

// A line belongs to the first invoice of its number (the one book.invoice()
// gives), whichever invoice's lines come before it: the Book tries the invoice
// after the last line's first, and that one must not win when it is the
// second of a number.
TEST(BookIndexes, ALineBelongsToTheFirstInvoiceOfItsNumberWhateverLinesComeBefore) {
  BookData d;
  for (const char* id : {"INV-1", "INV-2", "INV-2", "INV-3", "INV-4"}) {
    Invoice i;
    i.id = test::text(id);
    i.client_id = test::text("C1");
    i.total = Decimal::parse("1").value() + Decimal::from_raw(static_cast<std::int64_t>(d.invoices.size()));
    d.invoices.push_back(i);
  }
  for (const char* id : {"INV-1", "INV-2", "INV-2", "INV-3", "INV-2", "INV-4", "INV-1", "INV-3", "INV-4"}) {
    InvoiceLine l;
    l.invoice_id = test::text(id);
    l.line_no = static_cast<std::int32_t>(d.lines.size()) + 1;
    d.lines.push_back(l);
  }
  const Book book(std::move(d));
  ASSERT_EQ(book.lines().size(), 9u);
  for (const InvoiceLine& line : book.lines()) {
    EXPECT_EQ(&book.invoice_of(line), book.invoice(line.invoice_id)) << line.invoice_id << " line " << line.line_no;
  }
  EXPECT_EQ(book.lines_of(*book.invoice("INV-2")).size(), 3u);
  EXPECT_EQ(book.lines_of(*book.invoices_numbered("INV-2")[1]).size(), 0u);
}

// Lines are ordered by invoice, then line_no, whether the file lists them so,
// lists each invoice's lines together in another order of invoices (in a few
// stretches each in order, which are merged, or in many), or mixes them; and
// each line knows its invoice, across invoices of no lines and invoices longer
// than the book's blocks of lines. 18,000 lines: the merges take several rounds
// of their buffer (4,096 lines), or one when what is left to merge fits in it.
TEST(BookIndexes, LinesAreInInvoiceOrderWhateverTheOrderOfTheRows) {
  // Invoice k (I-1000 to I-4999, in the book's order) has k % 9 lines, and I-2323 has 40.
  const auto count = [](int k) { return k == 2323 ? 40 : k % 9; };
  const auto layouts = std::vector<std::string>{"sorted",   "blocks reversed", "rows reversed",   "even then odd",
                                                "by k % 3", "last fifth first", "a few odd ones last"};
  for (const std::string& layout : layouts) {
    BookData d;
    std::vector<std::vector<InvoiceLine>> blocks;  // by invoice, in the book's order
    for (int k = 1000; k < 5000; ++k) {
      Invoice i;
      i.id = d.text.add("I-" + std::to_string(k));
      i.client_id = d.text.add("C1");
      d.invoices.push_back(i);
      auto& block = blocks.emplace_back();
      for (int n = 1; n <= count(k); ++n) {
        InvoiceLine l;
        l.invoice_id = i.id;
        l.line_no = n;
        block.push_back(l);
      }
    }
    // The invoices' places in the file, as blocks.
    std::vector<std::size_t> places(blocks.size());
    std::iota(places.begin(), places.end(), std::size_t{0});
    const auto group_by = [&](auto key) {
      std::stable_sort(places.begin(), places.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
    };
    if (layout == "blocks reversed") std::reverse(places.begin(), places.end());
    if (layout == "even then odd") group_by([](std::size_t k) { return k % 2; });
    if (layout == "by k % 3") group_by([](std::size_t k) { return k % 3; });
    if (layout == "last fifth first") group_by([&](std::size_t k) { return k < blocks.size() * 4 / 5; });
    // As when the numbers grow a digit: a second stretch that goes among the
    // first's first invoices only (the rest of the first goes after it).
    if (layout == "a few odd ones last") group_by([](std::size_t k) { return k < 600 && k % 2 == 1; });
    std::vector<InvoiceLine> lines;
    for (std::size_t k : places) lines.insert(lines.end(), blocks[k].begin(), blocks[k].end());
    if (layout == "rows reversed") std::reverse(lines.begin(), lines.end());
    d.lines = lines;
    const Book book(std::move(d));
    ASSERT_EQ(book.lines().size(), lines.size()) << layout;
    std::size_t at = 0;
    for (const Invoice& invoice : book.invoices()) {
      const int k = std::stoi(invoice.id.str().substr(2));
      const auto own = book.lines_of(invoice);
      ASSERT_EQ(own.size(), static_cast<std::size_t>(count(k))) << layout << " " << invoice.id.str();
      if (!own.empty()) {
        ASSERT_EQ(own.data(), book.lines().data() + at) << layout;
      }
      for (std::size_t n = 0; n < own.size(); ++n) {
        ASSERT_EQ(own[n].invoice_id, invoice.id) << layout << " " << invoice.id.str();
        ASSERT_EQ(own[n].line_no, static_cast<std::int32_t>(n + 1)) << layout << " " << invoice.id.str();
        ASSERT_EQ(&book.invoice_of(own[n]), &invoice) << layout << " " << invoice.id.str();
      }
      at += own.size();
    }
  }
}

// Records are in canonical order (by id, then their other fields; records equal
// in all of them in file order), whether the file lists them so, in a few
// stretches each in order (which are merged), or in many (which are sorted).
TEST(BookIndexes, RecordsAreInCanonicalOrderWhateverTheOrderOfTheRows) {
  // Payment k of 3,000 has number P-k, some twice: as the same payment twice
  // (told apart by its line in the file only) or for another amount.
  std::vector<Payment> payments;
  for (int k = 0; k < 3000; ++k) {
    Payment p;
    p.id = test::text("P-" + std::to_string(k));
    p.amount = Decimal::from_int(100 + k % 7);
    p.source = Source{1, static_cast<std::uint32_t>(payments.size() + 2)};
    payments.push_back(p);
    if (k % 97 == 0) {
      p.source.line += 5000;
      payments.push_back(p);
    }
    if (k % 89 == 0) {
      p.amount = Decimal::from_int(50);
      p.source.line += 7000;
      payments.push_back(p);
    }
  }
  const auto canonical = [](std::vector<Payment> v) {
    std::stable_sort(v.begin(), v.end(), [](const Payment& a, const Payment& b) {
      return std::tie(a.id, a.amount) < std::tie(b.id, b.amount);
    });
    return v;
  };
  const auto layouts = std::vector<std::string>{"as numbered (stretches by digits)", "sorted", "reversed",
                                                "shuffled", "two stretches"};
  for (const std::string& layout : layouts) {
    std::vector<Payment> rows = payments;
    if (layout == "sorted") rows = canonical(payments);
    if (layout == "reversed") std::reverse(rows.begin(), rows.end());
    if (layout == "shuffled") std::shuffle(rows.begin(), rows.end(), std::mt19937(7));
    if (layout == "two stretches") {
      rows = canonical(payments);
      std::rotate(rows.begin(), rows.begin() + 1234, rows.end());
    }
    const std::vector<Payment> expected = canonical(rows);
    BookData d;
    d.payments = rows;
    const Book book(std::move(d));
    ASSERT_EQ(book.payments().size(), expected.size()) << layout;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(book.payments()[i].id, expected[i].id) << layout << " at " << i;
      ASSERT_EQ(book.payments()[i].amount, expected[i].amount) << layout << " at " << i;
      ASSERT_EQ(book.payments()[i].source.line, expected[i].source.line) << layout << " at " << i;  // equal: row order
    }
  }
}

// A line's timekeeper is kept in two bytes: a book with more timekeepers than
// that holds looks each up by id, with the same answers.
TEST(BookIndexes, ALinesTimekeeperIsFoundWithMoreTimekeepersThanTwoBytesCount) {
  for (const int timekeepers : {3, 70000}) {
    BookData d;
    Invoice invoice;
    invoice.id = test::text("INV-1");
    d.invoices.push_back(invoice);
    for (int i = 0; i < timekeepers; ++i) d.timekeepers.push_back({d.add_text("T" + std::to_string(i))});
    for (const std::string& tk : {std::string("T0"), "T" + std::to_string(timekeepers - 1), std::string("T-unknown"),
                                  std::string()}) {
      InvoiceLine l;
      l.invoice_id = invoice.id;
      l.line_no = static_cast<std::int32_t>(d.lines.size()) + 1;
      l.timekeeper_id = d.add_text(tk);
      d.lines.push_back(l);
    }
    const Book book(std::move(d));
    ASSERT_EQ(book.lines().size(), 4u);
    EXPECT_EQ(book.timekeeper_of(book.lines()[0]), book.timekeeper("T0")) << timekeepers;
    ASSERT_NE(book.timekeeper_of(book.lines()[1]), nullptr) << timekeepers;
    EXPECT_EQ(book.timekeeper_of(book.lines()[1])->id, "T" + std::to_string(timekeepers - 1)) << timekeepers;
    EXPECT_EQ(book.timekeeper_of(book.lines()[2]), nullptr) << timekeepers;
    EXPECT_EQ(book.timekeeper_of(book.lines()[3]), nullptr) << timekeepers;
  }
}

// A large book whose lines must be reordered looks their timekeepers up again
// afterwards, two halves of the lines side by side: every line still gets its
// own, the line where the second half starts included.
TEST(BookIndexes, LinesReorderedInALargeBookKeepTheirTimekeepers) {
  BookData d;
  for (const char* id : {"INV-2", "INV-1"}) {  // listed out of order: the lines are merged
    Invoice invoice;
    invoice.id = d.add_text(id);
    d.invoices.push_back(invoice);
  }
  for (int i = 0; i < 5; ++i) d.timekeepers.push_back({d.add_text("T" + std::to_string(i))});
  const std::size_t n = (std::size_t{1} << 20) + 6;
  const Text none = d.add_text("");
  for (std::size_t i = 0; i < n; ++i) {
    InvoiceLine l;
    l.invoice_id = d.invoices[i < n / 2 ? 0 : 1].id;
    l.line_no = static_cast<std::int32_t>(i < n / 2 ? i + 1 : i - n / 2 + 1);
    // T1 mostly, so that the line where the second half starts has the timekeeper of the line before it
    l.timekeeper_id = l.line_no % 7 == 0 ? none : d.timekeepers[l.line_no % 11 == 0 ? 3 : 1].id;
    d.lines.push_back(l);
  }
  const Book book(std::move(d));
  ASSERT_EQ(book.lines().size(), n);
  EXPECT_EQ(book.lines().front().invoice_id.view(), "INV-1");
  std::size_t out_of_order = 0;  // each invoice's lines 1, 2, 3, ..., INV-1's first (the two stretches merged)
  for (std::size_t i = 1; i < n; ++i)
    out_of_order += book.lines()[i].invoice_id == book.lines()[i - 1].invoice_id
                        ? book.lines()[i].line_no != book.lines()[i - 1].line_no + 1
                        : book.lines()[i].line_no != 1;
  EXPECT_EQ(out_of_order, 0u);
  std::size_t wrong = 0;
  for (const InvoiceLine& line : book.lines()) {
    const Timekeeper* expected = line.timekeeper_id.empty() ? nullptr : book.timekeeper(line.timekeeper_id);
    wrong += book.timekeeper_of(line) != expected;
  }
  EXPECT_EQ(wrong, 0u);
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

// A thread remembers the derived indexes it looked up last: a later Book, even
// one at the same address, and a key asked for after five others, are found anew.
TEST(BookDerived, EachBookHasItsOwnAndManyKeysStayApart) {
  for (int round = 0; round < 3; ++round) {
    std::optional<Book> book(engine_book());
    EXPECT_EQ(book->derived<int>("test.round", [&](const Book&) { return round; }), round);
    EXPECT_EQ(book->derived<int>("test.round", [](const Book&) { return -1; }), round);
  }
  Book book = engine_book();
  for (int k = 0; k < 6; ++k)
    EXPECT_EQ(book.derived<int>("test.key" + std::to_string(k), [&](const Book&) { return k; }), k);
  for (int k = 0; k < 6; ++k)
    EXPECT_EQ(book.derived<int>("test.key" + std::to_string(k), [](const Book&) { return -1; }), k);
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
