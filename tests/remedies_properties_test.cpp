// What `billcheck fix` promises on any book, checked on the example firm, the
// remedies test books and the benchmarks' synthetic book (with a line in 40
// off by a cent, every invoice issued and paid; and the same with every other
// invoice a draft): an issued invoice less its new credit notes is what the
// same invoice is corrected to as a draft, per invoice and per currency; the
// re-check leaves open no overcharge and no error on a draft that had a fix;
// fix on the fixed book changes nothing; the input is never touched. The same
// for `fix --reissue` (a reversal of each overcharged invoice and a replacement
// that is its correction) and for remedies.goodwill under several policies
// (each note is what the policy gives; the summary adds them up). And the
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

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

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
    // Several errors on most invoices (a line in 3 off by a cent).
    bench::write_synthetic_book(*synthetic_ / "dense", 240, 3);
    // A third of the clients bill in EUR: money per currency, caps per currency.
    bench::write_synthetic_book(*synthetic_ / "two-currency", 400, 40);
    in_euros(*synthetic_ / "two-currency");
  }
  /// Every record of a client whose number is 1 more than a multiple of 3 in EUR.
  static void in_euros(const fs::path& book) {
    for (const auto& [file, client_field] :
         {std::pair{"clients.csv", 0}, std::pair{"invoices.csv", 1}, std::pair{"payments.csv", 1}}) {
      std::istringstream in(test::slurp(book / file));
      std::string out, row;
      while (std::getline(in, row)) {
        std::istringstream fields(row);
        std::string field;
        for (int n = 0; n <= client_field; ++n) std::getline(fields, field, ',');
        if (field.size() > 1 && field[0] == 'C' && std::isdigit(static_cast<unsigned char>(field[1])) &&
            std::stoi(field.substr(1)) % 3 == 1)
          for (auto at = row.find("USD"); at != std::string::npos; at = row.find("USD", at)) row.replace(at, 3, "EUR");
        out += row + "\n";
      }
      test::write_file(book / file, out);
    }
  }
  static void TearDownTestSuite() {
    fs::remove_all(*synthetic_);
    delete synthetic_;
  }
  static std::vector<fs::path> books() {
    return {"examples/firm", "tests/data/remedies/draft-book", "tests/data/remedies/same-line-book",
            *synthetic_ / "issued", *synthetic_ / "mixed", *synthetic_ / "dense", *synthetic_ / "two-currency"};
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
      if (is_issued(i)) i.status = test::text("draft");
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

// ---- fix --reissue, on the same books

/// The findings fix credits on an issued invoice: money the client was
/// overcharged, on an invoice the book has once.
bool is_overcharge(const Finding& f) {
  return f.amount_at_stake && *f.amount_at_stake > Decimal{} && f.category != "credit" && f.category != "payments" &&
         !f.invoice.empty() && f.payment.empty() && f.credit_note.empty();
}

Decimal credited_before(const Book& book, const Invoice& invoice) {
  Decimal sum;
  for (const CreditNote* n : book.credit_notes_of_invoice(invoice.id)) sum += n->amount;
  return sum;
}

/// The replacement fix --reissue wrote for an invoice, if any.
const Invoice* replacement_of(const Book& book, const std::string& id) {
  for (const Invoice& i : book.invoices())
    if (const Text* of = i.extra.find("replaces"); of && *of == id) return &i;
  return nullptr;
}

FixOptions reissuing() {
  FixOptions options;
  options.reissue = true;
  return options;
}

// Each issued invoice with an overcharge gets a credit note for all it still
// bills (reason reissue) and, unless it should not exist at all, a draft
// replacement that names it, which is the invoice corrected as a draft (its
// lines and total), dated the day of the fix on the original's payment terms.
// The issued invoice itself is never edited.
TEST_F(Books, ReissueCreditsEachOverchargedInvoiceInFullAndReplacesItWithItsCorrection) {
  for (const fs::path& path : books()) {
    SCOPED_TRACE(path.string());
    Engine engine(find_config(in_source(path), ""));
    const Book original = load_book(in_source(path));
    const Report report = engine.check(original, on_day());
    const FixResult fixed = fix_book(engine, read_book(in_source(path)), on_day(), reissuing());
    BookData all_drafts = read_book(in_source(path));
    for (Invoice& i : all_drafts.invoices)
      if (is_issued(i)) i.status = test::text("draft");
    const FixResult drafted = fix_book(engine, std::move(all_drafts), on_day());

    std::set<std::string> overcharged, voided, without_single_value;
    for (const Finding& f : report.findings) {
      if (!is_overcharge(f) || report.remedy_of(f) || original.invoices_numbered(f.invoice).size() != 1) continue;
      overcharged.insert(f.invoice);
      if (f.fix && f.fix->field == "status" && f.fix->suggested == "void") voided.insert(f.invoice);
      if (!f.fix) without_single_value.insert(f.invoice);
    }
    std::size_t replaced = 0;
    for (const Invoice& was : original.invoices()) {
      if (!is_issued(was) || !overcharged.count(was.id)) continue;
      SCOPED_TRACE(was.id);
      const Decimal left = was.total - credited_before(original, was);
      if (left <= Decimal{}) continue;
      // The full credit note.
      std::vector<const CreditNote*> full;
      for (const CreditNote* n : fixed.book.credit_notes_of_invoice(was.id))
        if (n->reason_code == "reissue") full.push_back(n);
      ASSERT_EQ(full.size(), 1u);
      EXPECT_EQ(full[0]->amount, was.total);  // the whole invoice: earlier notes stay the client's credit
      EXPECT_EQ(full[0]->date, *on_day().today);
      EXPECT_TRUE(full[0]->approved_by.empty());
      EXPECT_EQ(full[0]->client_id, was.client_id);
      // Never edited.
      const Invoice& now = *fixed.book.invoice(was.id);
      EXPECT_EQ(now.total, was.total);
      EXPECT_EQ(now.status, was.status);
      EXPECT_EQ(fixed.book.lines_of(now).size(), original.lines_of(was).size());

      const Invoice* r = replacement_of(fixed.book, was.id);
      if (voided.count(was.id)) {
        EXPECT_EQ(r, nullptr) << "an invoice that should not exist is not replaced";
        continue;
      }
      ASSERT_NE(r, nullptr);
      ++replaced;
      EXPECT_EQ(r->status, "draft");
      EXPECT_EQ(r->client_id, was.client_id);
      EXPECT_EQ(r->engagement_id, was.engagement_id);
      EXPECT_EQ(r->currency, was.currency);
      // Dated the day of the fix, on the original's terms (or the client's, when the original's were wrong).
      EXPECT_EQ(r->issue_date, *on_day().today);
      if (was.due_date) {
        ASSERT_TRUE(r->due_date.has_value());
        const Client* client = original.client(was.client_id);
        const long long terms = Date::days_between(r->issue_date, *r->due_date);
        EXPECT_TRUE(terms == Date::days_between(was.issue_date, *was.due_date) ||
                    (client && client->payment_terms_days && terms == *client->payment_terms_days))
            << terms;
        EXPECT_GT(*r->due_date, *on_day().today);
      }
      // The invoice corrected as a draft, where every error has a single right value.
      if (without_single_value.count(was.id)) continue;
      const Invoice& corrected = *drafted.book.invoice(was.id);
      EXPECT_EQ(r->period_start, corrected.period_start);
      EXPECT_EQ(r->period_end, corrected.period_end);
      EXPECT_EQ(r->total.to_string(), corrected.total.to_string());
      // What the client owes on the invoice and its replacement together is
      // what they would owe on the invoice corrected as a draft, with the
      // credit notes it had before (they stay the client's).
      Decimal owed = r->total;
      for (const CreditNote* n : fixed.book.credit_notes_of_invoice(was.id)) owed -= n->amount;
      owed += was.total;
      EXPECT_EQ(owed.to_string(), (corrected.total - credited_before(original, was)).to_string());
      const auto got = fixed.book.lines_of(*r), want = drafted.book.lines_of(corrected);
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t l = 0; l < got.size(); ++l) {
        EXPECT_EQ(got[l].line_no, want[l].line_no);
        EXPECT_EQ(got[l].quantity, want[l].quantity) << "line " << got[l].line_no;
        EXPECT_EQ(got[l].rate, want[l].rate) << "line " << got[l].line_no;
        EXPECT_EQ(got[l].amount, want[l].amount) << "line " << got[l].line_no;
      }
    }
    // Nothing else is replaced, and the summary lists each replacement once.
    std::size_t replacements = 0;
    for (const Invoice& i : fixed.book.invoices())
      if (const Text* of = i.extra.find("replaces")) {
        ++replacements;
        EXPECT_TRUE(overcharged.count(*of)) << i.id << " replaces " << *of;
      }
    EXPECT_EQ(replacements, replaced);
    EXPECT_EQ(fixed.summary.reissued.size(), replaced);
    // What was paid on a replaced invoice (and the credit it had) pays its
    // replacement first; the summary's money owed back is only the rest.
    std::map<std::string, Decimal> owed_back;
    for (const ReissuedInvoice& x : fixed.summary.reissued) {
      const Invoice& was = *original.invoice(x.invoice);
      const Invoice& r = *fixed.book.invoice(x.replacement);
      Decimal had = credited_before(original, was), owed = r.total;
      for (const Payment* p : original.payments_of_invoice(was.id)) had += p->amount;
      for (const CreditNote* n : fixed.book.credit_notes_of_invoice(r.id)) owed -= n->amount;
      for (const Payment* p : fixed.book.payments_of_invoice(r.id)) owed -= p->amount;
      owed -= had;
      EXPECT_EQ(x.owed.to_string(), owed.to_string()) << x.invoice;
      if (owed.is_negative()) owed_back[x.currency] -= owed;
    }
    // A replaced invoice is listed as a refund with what is owed back once its
    // payment counts toward the replacement, and only when something is.
    std::map<std::string, Decimal> owed_on_replacement;
    for (const ReissuedInvoice& x : fixed.summary.reissued) owed_on_replacement[x.invoice] = x.owed;
    for (const Refund& r : fixed.summary.refunds) {
      if (r.replacement.empty()) {
        EXPECT_FALSE(replacement_of(fixed.book, r.finding.invoice)) << r.finding.invoice;
        owed_back[r.finding.currency] += *r.finding.amount_at_stake;
        continue;
      }
      EXPECT_EQ(r.replacement, replacement_of(fixed.book, r.finding.invoice)->id);
      EXPECT_GT(r.owed_back, Decimal{}) << r.finding.invoice;
      if (owed_on_replacement.count(r.finding.invoice)) {
        EXPECT_EQ((-r.owed_back).to_string(), owed_on_replacement[r.finding.invoice].to_string()) << r.finding.invoice;
      }
    }
    EXPECT_EQ(fixed.summary.refunds_due, owed_back);
    if (path.string().find("synthetic") != std::string::npos) {
      EXPECT_GT(replaced, 0u);
    }
  }
}

// Re-checking a book fixed with --reissue: an error on a replaced invoice is
// remedied by its replacement (kind reissued), an overcharge on another
// issued invoice by a credit note, and nothing with a single right value is
// left open on a draft (a replacement is one).
TEST_F(Books, AfterReissueTheRecheckLeavesOpenNoErrorThatHadAFix) {
  for (const fs::path& path : books()) {
    SCOPED_TRACE(path.string());
    Engine engine(find_config(in_source(path), ""));
    const Book original = load_book(in_source(path));
    const Report original_report = engine.check(original, on_day());
    const FixResult fixed = fix_book(engine, read_book(in_source(path)), on_day(), reissuing());
    for (const Finding& f : fixed.recheck.findings) {
      if (f.invoice.empty() || !f.payment.empty() || !f.credit_note.empty()) continue;
      const Invoice* on = fixed.book.invoice(f.invoice);
      ASSERT_NE(on, nullptr) << f.invoice;
      const Invoice* r = replacement_of(fixed.book, f.invoice);
      const Remedy* remedy = fixed.recheck.remedy_of(f);
      if (remedy) {
        if (r && remedy->kind == "reissued") EXPECT_EQ(remedy->id, r->id) << f.rule << " on " << f.invoice;
        else EXPECT_EQ(remedy->kind, "credit_note") << f.rule << " on " << f.invoice;
        continue;
      }
      EXPECT_FALSE(on->status == "draft" && f.fix) << f.rule << " on draft " << f.invoice << " is still open";
      EXPECT_FALSE(r && f.fix && f.category != "payments") << f.rule << " on replaced " << f.invoice << " is open";
      // A replacement has no error the invoice it replaces did not have: being
      // written later than the invoice it replaces makes it neither late nor out
      // of its cycle, nor new credit to a client over its limit or overdue.
      if (const Text* of = on->extra.find("replaces")) {
        const bool had = std::any_of(original_report.findings.begin(), original_report.findings.end(),
                                     [&](const Finding& g) { return g.invoice == *of && g.rule == f.rule && g.line == f.line; });
        EXPECT_TRUE(had) << f.rule << " on replacement " << f.invoice << ": " << f.message;
      }
      EXPECT_FALSE(is_issued(*on) && is_overcharge(f)) << f.rule << " on " << f.invoice << " is not credited";
    }
  }
}

// ---- remedies.goodwill, on the same books, with several policies

// Policies that between them cover a percent (with ties to round half-even,
// 50% of an odd number of cents), a fixed amount, caps and minimums per
// currency, counted reason codes, approve_above and per-client overrides.
constexpr const char* kGoodwillPolicies[] = {
    "remedies:\n  goodwill:\n    percent: 5\n    cap: {USD: 2, EUR: 3.5, JPY: 500}\n    min_overcharge: 0.01\n"
    "    approve_above: {USD: 1.5, EUR: 100, JPY: 300}\n    clients:\n      C9: false\n      C-300: false\n"
    "      C14: {percent: 2.5}\n",
    "remedies:\n  goodwill:\n    amount: {USD: 0.75, EUR: 1.25, JPY: 90}\n"
    "    min_overcharge: {USD: 0.02, EUR: 0.01, JPY: 1}\n    reasons: [arithmetic, rate]\n",
    "remedies:\n  goodwill:\n    percent: 50\n    approve_above: 1000\n",
    "remedies:\n  goodwill:\n    amount: 100000\n    approve_above: 100000\n    clients:\n      C14: {amount: 1}\n",
};

/// The config the book is checked with (its own billcheck.yaml) and a goodwill policy.
std::string with_policy(const fs::path& book, const char* policy) {
  const fs::path own = in_source(book) / "billcheck.yaml";
  return (fs::exists(own) ? test::slurp(own) : std::string()) + policy;
}

/// value * percent / 100, rounded half-even to `places` decimals, in whole
/// integers (not with Decimal::round, so that the test checks the rounding).
Decimal percent_half_even(const Decimal& value, const Decimal& percent, int places, bool* tie = nullptr) {
  const __int128 product = static_cast<__int128>(value.raw()) * percent.raw();  // scale 10^12
  __int128 unit = 100;                                                         // 10^(14 - places)
  for (int n = 0; n < 12 - places; ++n) unit *= 10;
  __int128 q = product / unit, rem = product % unit;
  if (rem < 0) rem = -rem;
  if (tie) *tie = rem * 2 == unit;
  if (rem * 2 > unit || (rem * 2 == unit && q % 2 != 0)) q += product < 0 ? -1 : 1;
  std::int64_t scale = 1;
  for (int n = 0; n < 6 - places; ++n) scale *= 10;
  return Decimal::from_raw(static_cast<std::int64_t>(q) * scale);
}

std::string code_of(const Finding& f) {
  if (f.rule == "arithmetic.tax") return "tax";
  if (f.category == "rates") return "rate";
  if (f.category == "duplicates") return "duplicate";
  if (f.category == "services") return "hours";
  return f.category;
}

// Each goodwill note is what the policy gives: for each issued invoice the
// client was overcharged on by at least min_overcharge (in the reason codes
// counted), one note of reason goodwill on it (on its replacement when it was
// reissued), the percent of its total rounded half-even to the currency's
// minor units or the fixed amount, at most the cap and what is still owed;
// approved by the policy up to approve_above, else left for a person. The
// summary's money per currency is the sum of the notes.
TEST_F(Books, EachGoodwillNoteIsWhatThePolicyGivesAndTheSummaryAddsThemUp) {
  // How often each case came up, so that the policies are known to reach them all.
  std::map<std::string, int> seen;
  for (const fs::path& path : books()) {
    for (std::size_t p = 0; p < std::size(kGoodwillPolicies); ++p) {
      for (const bool reissue : {false, true}) {
        SCOPED_TRACE(path.string() + ", policy " + std::to_string(p) + (reissue ? ", --reissue" : ""));
        Engine engine(parse_config(with_policy(path, kGoodwillPolicies[p]), in_source(path) / "goodwill.yaml"));
        const Book original = load_book(in_source(path));
        const Report report = engine.check(original, on_day());
        FixOptions options;
        options.reissue = reissue;
        const FixResult fixed = fix_book(engine, read_book(in_source(path)), on_day(), options);
        std::set<std::string> existing;
        for (const CreditNote& n : original.credit_notes()) existing.insert(n.id);

        std::map<std::string, Decimal> goodwill, credited;  // per currency, the new notes
        std::size_t expected_notes = 0;
        for (const Invoice& was : original.invoices()) {
          if (!is_issued(was) || original.invoices_numbered(was.id).size() != 1) continue;
          SCOPED_TRACE(was.id);
          const GoodwillPolicy& policy = engine.config().remedies.goodwill_for(was.client_id);
          auto counted = [&](const std::string& code) {
            return policy.reasons.empty() || std::count(policy.reasons.begin(), policy.reasons.end(), code) > 0;
          };
          const std::string& cur = was.currency;
          const Invoice* r = replacement_of(fixed.book, was.id);
          const Invoice& target = r ? *r : *fixed.book.invoice(was.id);
          // What the client was overcharged: what fix's notes return, or what the replacement corrects.
          Decimal over;
          if (!r) {
            for (const CreditNote* n : fixed.book.credit_notes_of_invoice(was.id))
              if (!n->remedies.empty() && n->reason_code != "goodwill" && counted(n->reason_code)) over += n->amount;
          } else {
            // The overcharges the check before the fix found on it that the
            // replacement no longer has (by rule and line), even where the
            // re-check no longer sees them on the cancelled invoice.
            for (const Finding& f : report.findings) {
              if (f.invoice != was.id || !is_overcharge(f) || !counted(code_of(f))) continue;
              const bool still = std::any_of(fixed.recheck.findings.begin(), fixed.recheck.findings.end(),
                                             [&](const Finding& g) {
                                               return g.invoice == r->id && g.rule == f.rule && g.line == f.line;
                                             });
              if (!still) over += *f.amount_at_stake;
            }
          }
          std::vector<const CreditNote*> notes;
          Decimal others;
          for (const CreditNote* n : fixed.book.credit_notes_of_invoice(target.id))
            (n->reason_code == "goodwill" ? notes.push_back(n) : void(others += n->amount));
          if (r) {
            for (const CreditNote* n : fixed.book.credit_notes_of_invoice(was.id))
              EXPECT_NE(n->reason_code, "goodwill") << "a reissued invoice's goodwill goes on its replacement";
          }
          std::optional<Decimal> amount;
          const auto minimum = policy.min_overcharge.in(cur);
          if (policy.enabled && over > Decimal{} && !(minimum && over < *minimum)) {
            bool tie = false;
            amount = policy.percent ? std::optional(percent_half_even(was.total, *policy.percent, minor_units(cur), &tie))
                                    : policy.amount.in(cur);
            if (tie) ++seen["a tie rounded half-even"];
            if (auto cap = policy.cap.in(cur); amount && cap && *cap < *amount) amount = cap, ++seen["capped"];
            if (amount && target.total - others < *amount) amount = target.total - others, ++seen["all that is owed"];
            if (amount && *amount <= Decimal{}) amount.reset();
          } else if (policy.enabled && over > Decimal{}) {
            ++seen["under the minimum"];
          }
          if (!amount) {
            EXPECT_TRUE(notes.empty()) << "over " << over.to_string();
            continue;
          }
          ++expected_notes;
          ASSERT_EQ(notes.size(), 1u) << "over " << over.to_string();
          const CreditNote& note = *notes[0];
          EXPECT_EQ(note.amount.to_string(), amount->to_string());
          EXPECT_EQ(note.amount, note.amount.round(minor_units(cur)));
          EXPECT_EQ(note.client_id, was.client_id);
          EXPECT_EQ(note.date, *on_day().today);
          const auto limit = policy.approve_above.in(cur);
          ++seen[r ? "on a replacement" : "on the invoice"];
          ++seen[cur];
          if (limit && *amount <= *limit) {
            ++seen["approved"];
            EXPECT_EQ(note.approved_by, "remedies.goodwill");
          } else {
            ++seen["needs a person"];
            EXPECT_TRUE(note.approved_by.empty());
            const bool listed = std::any_of(fixed.summary.needs_person.begin(), fixed.summary.needs_person.end(),
                                            [&](const OpenFinding& o) {
                                              return o.finding.credit_note == note.id &&
                                                     o.reason.find("goodwill credit of " + cur + " " +
                                                                   format_amount(note.amount, cur)) != std::string::npos;
                                            });
            EXPECT_TRUE(listed) << note.id << " needs a person";
          }
        }
        // No goodwill anywhere else; the summary's money is the sum of the new notes.
        std::size_t notes_written = 0;
        for (const CreditNote& n : fixed.book.credit_notes()) {
          if (existing.count(n.id)) continue;
          const std::string cur = fixed.book.invoice(n.invoice_id)->currency;
          credited[cur] += n.amount;
          if (n.reason_code == "goodwill") goodwill[cur] += n.amount, ++notes_written;
        }
        EXPECT_EQ(notes_written, expected_notes);
        EXPECT_EQ(fixed.summary.goodwill, goodwill);
        EXPECT_EQ(fixed.summary.credited, credited);
        const auto json = nlohmann::json::parse(fix_summary(fixed.summary, DocumentFormat::json));
        for (const auto& [key, sums] : {std::pair{"goodwill", &goodwill}, std::pair{"credited", &credited}}) {
          nlohmann::json want = nlohmann::json::array();
          for (const auto& [cur, sum] : *sums) want.push_back({{"currency", cur}, {"amount", format_amount(sum, cur)}});
          EXPECT_EQ(json[key], want) << key;
        }
      }
    }
  }
  for (const char* reached : {"a tie rounded half-even", "capped", "all that is owed", "under the minimum", "on a replacement",
                              "on the invoice", "approved", "needs a person", "USD", "EUR", "JPY"})
    EXPECT_GT(seen[reached], 0) << reached;
}

// fix twice is fix once and the input is untouched, with --reissue and with a
// goodwill policy (through the command line, as a user runs it).
TEST_F(Books, FixTwiceIsFixOnceWithReissueAndGoodwill) {
  const fs::path dir = test::temp_dir("remedies-twice-reissue");
  int n = 0;
  for (const fs::path& path : books()) {
    const auto input = files_of(in_source(path));
    // (No policy and no --reissue is FixTwiceIsFixOnceAndTheInputIsUntouched.)
    for (const auto& [policy, reissue] : {std::pair{"", " --reissue"}, std::pair{kGoodwillPolicies[0], " --reissue"},
                                          std::pair{kGoodwillPolicies[2], ""}}) {
      SCOPED_TRACE(path.string() + reissue + "\n" + policy);
      const fs::path at = dir / std::to_string(n++), config = at / "billcheck.yaml";
      test::write_file(config, with_policy(path, policy));
      const std::string options = std::string(reissue) + " --today 2026-01-15 -c '" + config.string() + "'";
      const auto first = test::run_billcheck("fix '" + path.string() + "' --out '" + (at / "once").string() + "'" + options);
      ASSERT_EQ(first.status, 0) << first.err;
      const auto second = test::run_billcheck("fix '" + (at / "once").string() + "' --out '" + (at / "twice").string() +
                                              "' -f json" + options);
      ASSERT_EQ(second.status, 0) << second.err;
      EXPECT_EQ(files_of(at / "once"), files_of(at / "twice"));
      const auto summary = nlohmann::json::parse(second.out);
      EXPECT_TRUE(summary["corrected"].empty()) << summary["corrected"].dump();
      EXPECT_TRUE(summary["credit_notes"].empty()) << summary["credit_notes"].dump();
      EXPECT_TRUE(summary["reissued"].empty()) << summary["reissued"].dump();
      EXPECT_EQ(files_of(in_source(path)), input);
    }
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

namespace billcheck {
namespace {

// README shows check -> fix -> letter on the example firm: the golden
// summary from its start to the end of its credit notes, and the golden letter.
TEST(FirmGoldens, TheReadmeShowsThem) {
  const std::string readme = test::slurp(test::source_dir() / "README.md");
  const std::string summary = test::slurp(kGoldens / "fix-summary.txt");
  const auto from = summary.find("Credit notes written");
  ASSERT_NE(from, std::string::npos);
  const std::string block = summary.substr(0, summary.find("\n\n", from) + 2);
  EXPECT_NE(readme.find("$ billcheck fix examples/firm --out fixed --today 2026-01-15\n" + block + "...\n"),
            std::string::npos);
  EXPECT_NE(readme.find("$ billcheck letter fixed --client C-200 --today 2026-01-20\n" +
                        test::slurp(kGoldens / "letter-C-200.txt") + "```"),
            std::string::npos);
}

}  // namespace
}  // namespace billcheck
