// What `billcheck fix` promises on any book, checked on the example firm, the
// remedies test books and the benchmarks' synthetic book (with a line in 40
// off by a cent, every invoice issued and paid; and the same with every other
// invoice a draft): an issued invoice less its new credit notes is what the
// same invoice is corrected to as a draft, per invoice and per currency; the
// re-check leaves open no overcharge and no error on a draft that had a fix;
// fix on the fixed book changes nothing; the input is never touched. And the
// example firm's golden files: the fix summary, the corrected book, the
// letter to each client with errors.
#include "test_support.hpp"

#include "synthetic_book.hpp"

#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>
#include <billcheck/remedies.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <sstream>
#include <set>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

CheckOptions on_day() {
  CheckOptions options;
  options.today = Date::parse_iso("2026-01-15");
  return options;
}

std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).string()] = test::slurp(entry.path());
  return files;
}

bool is_issued(const Invoice& i) { return i.status == "issued" || i.status == "paid"; }

// The books the properties run on (relative to the source folder, as a user types them).
struct Books : ::testing::Test {
  static void SetUpTestSuite() {
    synthetic_ = new fs::path(test::temp_dir("remedies-synthetic"));
    bench::write_synthetic_book(*synthetic_ / "issued", 400, 40);
    // The same book with every other invoice a draft: fix corrects those and credits the rest.
    bench::write_synthetic_book(*synthetic_ / "mixed", 400, 40);
    std::istringstream in(test::slurp(*synthetic_ / "mixed" / "invoices.csv"));
    std::string invoices, row;
    for (std::size_t n = 0; std::getline(in, row); ++n) {
      if (n % 2 == 1 && row.ends_with(",issued")) row = row.substr(0, row.size() - 6) + "draft";
      invoices += row + "\n";
    }
    test::write_file(*synthetic_ / "mixed" / "invoices.csv", invoices);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*synthetic_);
    delete synthetic_;
  }
  static std::vector<fs::path> books() {
    return {"examples/firm", "tests/data/remedies/draft-book", "tests/data/remedies/same-line-book",
            *synthetic_ / "issued", *synthetic_ / "mixed"};
  }
  static fs::path* synthetic_;
};
fs::path* Books::synthetic_ = nullptr;

fs::path in_source(const fs::path& book) { return book.is_absolute() ? book : test::source_dir() / book; }

TEST_F(Books, AnInvoiceLessItsNewCreditNotesIsWhatItIsCorrectedToAsADraft) {
  for (const fs::path& path : books()) {
    SCOPED_TRACE(path.string());
    Engine engine(find_config(in_source(path), ""));
    const Book original = load_book(in_source(path));
    const Report report = engine.check(original, on_day());
    const FixResult fixed = fix_book(engine, read_book(in_source(path)), on_day());

    BookData all_drafts = read_book(in_source(path));
    for (Invoice& i : all_drafts.invoices)
      if (is_issued(i)) i.status = "draft";
    const FixResult drafted = fix_book(engine, std::move(all_drafts), on_day());

    // Invoices whose money errors all have a single right value (a duplicate
    // line has none: as a draft it is left for a person, so it is not compared).
    std::set<std::string> comparable, not_comparable;
    for (const Finding& f : report.findings) {
      if (f.invoice.empty() || !f.payment.empty() || !f.credit_note.empty()) continue;
      const bool money = f.amount_at_stake && !f.amount_at_stake->is_zero() && f.category != "credit" &&
                         f.category != "payments";
      if (money && f.fix && *f.amount_at_stake > Decimal{}) comparable.insert(f.invoice);
      else if (money || f.fix) not_comparable.insert(f.invoice);
    }
    std::map<std::string, Decimal> expected, got;  // per currency
    std::size_t compared = 0;
    for (const Invoice& was : original.invoices()) {
      if (!is_issued(was) || !comparable.count(was.id) || not_comparable.count(was.id)) continue;
      Decimal credited;
      for (const CreditNote* n : fixed.book.credit_notes_of_invoice(was.id))
        if (!n->remedies.empty()) credited += n->amount;
      const Decimal corrected = drafted.book.invoice(was.id)->total;
      EXPECT_EQ((was.total - credited).to_string(), corrected.to_string()) << was.id;
      got[was.currency] += was.total - credited;
      expected[was.currency] += corrected;
      ++compared;
    }
    EXPECT_EQ(got, expected);
    EXPECT_GT(compared, 0u);
  }
}

TEST_F(Books, TheRecheckLeavesOpenNoOverchargeAndNoErrorOnADraftThatHadAFix) {
  for (const fs::path& path : books()) {
    SCOPED_TRACE(path.string());
    Engine engine(find_config(in_source(path), ""));
    const Book original = load_book(in_source(path));
    const FixResult fixed = fix_book(engine, read_book(in_source(path)), on_day());
    for (const Finding& f : fixed.recheck.findings) {
      if (fixed.recheck.remedy_of(f) || f.invoice.empty() || !f.payment.empty() || !f.credit_note.empty()) continue;
      const Invoice* was = original.invoice(f.invoice);
      if (!was) continue;
      EXPECT_FALSE(was->status == "draft" && f.fix) << f.rule << " on draft " << f.invoice << " is still open";
      const bool overcharge = f.amount_at_stake && *f.amount_at_stake > Decimal{} && f.category != "credit" &&
                              f.category != "payments";
      EXPECT_FALSE(is_issued(*was) && overcharge) << f.rule << " on " << f.invoice << " is not credited";
    }
  }
}

TEST_F(Books, FixTwiceIsFixOnceAndTheInputIsUntouched) {
  const fs::path dir = test::temp_dir("remedies-twice");
  int n = 0;
  for (const fs::path& path : books()) {
    SCOPED_TRACE(path.string());
    const auto input = files_of(in_source(path));
    const fs::path once = dir / std::to_string(n) / "once", twice = dir / std::to_string(n++) / "twice";
    const auto first = test::run_billcheck("fix '" + path.string() + "' --out '" + once.string() + "' --today 2026-01-15");
    ASSERT_EQ(first.status, 0) << first.err;
    const auto second = test::run_billcheck("fix '" + once.string() + "' --out '" + twice.string() +
                                            "' --today 2026-01-15 -f json");
    ASSERT_EQ(second.status, 0) << second.err;
    EXPECT_EQ(files_of(once), files_of(twice));
    const auto summary = nlohmann::json::parse(second.out);
    EXPECT_TRUE(summary["corrected"].empty());
    EXPECT_TRUE(summary["credit_notes"].empty());
    EXPECT_EQ(files_of(in_source(path)), input);
  }
  fs::remove_all(dir);
}

// ---- the example firm's golden files

const fs::path kGoldens = test::data_dir() / "remedies" / "firm";

void expect_golden(const std::string& text, const fs::path& golden) {
  if (std::getenv("BILLCHECK_UPDATE_GOLDEN")) test::write_file(golden, text);
  EXPECT_EQ(text, test::slurp(golden)) << golden;
}

TEST(FirmGoldens, TheFixSummaryTheCorrectedBookAndTheLetters) {
  const fs::path dir = test::temp_dir("remedies-firm");
  const auto fix = test::run_billcheck("fix examples/firm --out '" + (dir / "fixed").string() + "' --today 2026-01-15");
  ASSERT_EQ(fix.status, 0) << fix.err;
  expect_golden(fix.out, kGoldens / "fix-summary.txt");
  for (const auto& [name, bytes] : files_of(dir / "fixed")) expect_golden(bytes, kGoldens / "fixed" / name);
  EXPECT_EQ(files_of(dir / "fixed").size(), files_of(kGoldens / "fixed").size());
  // A letter to each client with errors, on the fixed book (with its billcheck.yaml).
  for (const char* client : {"C-100", "C-200", "C-300", "C-400"}) {
    const auto letter = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client " + client +
                                            " --today 2026-01-20");
    ASSERT_EQ(letter.status, 0) << letter.err;
    EXPECT_THAT(letter.out, ::testing::HasSubstr("too much"));
    expect_golden(letter.out, kGoldens / ("letter-" + std::string(client) + ".txt"));
  }
  // An explanation of a correct line: how it was worked out, and that nothing is wrong with it.
  const auto explain = test::run_billcheck("explain examples/firm --invoice NW-2025-06 --line 1");
  ASSERT_EQ(explain.status, 0) << explain.err;
  expect_golden(explain.out, kGoldens / "explain-NW-2025-06-line1.txt");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
