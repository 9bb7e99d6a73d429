// `billcheck fix`: the corrected copy of a book with draft invoices carrying
// rate and arithmetic errors (tests/data/remedies/draft-book), its summary, and
// the promises the command makes: the input is never touched, a second run
// changes nothing, OUT is never overwritten by accident.
#include "test_support.hpp"

#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>
#include <billcheck/remedies.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kDraftBook = "tests/data/remedies/draft-book";  // relative: as a user types it, from the source dir

fs::path draft_book() { return test::data_dir() / "remedies" / "draft-book"; }

Decimal dec(const char* text) { return Decimal::parse(text).value(); }

const Invoice& invoice(const Book& book, std::string_view id) {
  const Invoice* found = book.invoice(id);
  if (!found) throw std::runtime_error("no invoice " + std::string(id));
  return *found;
}

const InvoiceLine& line(const Book& book, std::string_view id, std::int64_t line_no) {
  for (const InvoiceLine& l : book.lines_of(invoice(book, id)))
    if (l.line_no == line_no) return l;
  throw std::runtime_error("no line");
}

/// Every file below `dir` with its bytes, to compare folders.
std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).string()] = test::slurp(entry.path());
  return files;
}

CheckOptions on_day() {
  CheckOptions options;
  options.today = Date::parse_iso("2025-12-01");
  return options;
}

FixResult fix_draft_book(Engine& engine) { return fix_book(engine, read_book(draft_book()), on_day()); }

TEST(Fix, DraftInvoicesTakeEveryFixAndAreRecomputed) {
  Engine engine(find_config(draft_book(), ""));
  const FixResult result = fix_draft_book(engine);
  const Book& b = result.book;

  // HL-102: line 2 at the agreed associate rate, line 3's arithmetic, then tax and total.
  EXPECT_EQ(line(b, "HL-102", 2).rate, dec("260.00"));
  EXPECT_EQ(line(b, "HL-102", 2).amount, dec("910.00"));
  EXPECT_EQ(line(b, "HL-102", 3).amount, dec("390.00"));
  EXPECT_EQ(line(b, "HL-102", 1).amount, dec("900.00"));
  EXPECT_EQ(invoice(b, "HL-102").tax, dec("440.00"));
  EXPECT_EQ(invoice(b, "HL-102").total, dec("2640.00"));

  // HL-103: the hours the time entry records, the due date of the payment terms.
  EXPECT_EQ(line(b, "HL-103", 1).quantity, dec("4"));
  EXPECT_EQ(line(b, "HL-103", 1).amount, dec("1040.00"));
  EXPECT_EQ(invoice(b, "HL-103").due_date, Date::parse_iso("2025-12-03"));
  EXPECT_EQ(invoice(b, "HL-103").tax, dec("260.00"));
  EXPECT_EQ(invoice(b, "HL-103").total, dec("1560.00"));

  // HL-101 is issued: never edited; a credit note linked to it and its line
  // returns the overcharge, naming the finding it remedies.
  EXPECT_EQ(line(b, "HL-101", 1).rate, dec("500.00"));
  EXPECT_EQ(invoice(b, "HL-101").total, dec("600.00"));
  ASSERT_EQ(result.summary.issued.size(), 1u);
  const Finding& overcharge = result.summary.issued[0].finding;
  EXPECT_EQ(overcharge.rule, "rates.contract-rate");
  EXPECT_EQ(result.summary.issued[0].credit_note, "CN-HL-101-1");
  EXPECT_EQ(result.summary.issued_overcharged.at("GBP"), dec("60.00"));  // with the 20% tax charged on it
  ASSERT_EQ(b.credit_notes().size(), 1u);
  const CreditNote& note = b.credit_notes()[0];
  EXPECT_EQ(note.id, "CN-HL-101-1");
  EXPECT_EQ(note.client_id, "C-1");
  EXPECT_EQ(note.invoice_id, "HL-101");
  EXPECT_EQ(note.line_no, 1);
  EXPECT_EQ(note.date, Date::parse_iso("2025-12-01").value());
  EXPECT_EQ(note.amount, dec("60.00"));  // the 50.00 overcharge and the 10.00 tax the client paid on it
  EXPECT_EQ(note.reason_code, "rate");
  EXPECT_EQ(note.reason,
            "Line 1 of invoice HL-101 was billed above the agreed rate, so we credit GBP 60.00 (50.00 and 10.00 tax on it).");
  EXPECT_EQ(note.approved_by, "");
  EXPECT_EQ(note.remedies, overcharge.fingerprint);
  EXPECT_EQ(result.summary.credited.at("GBP"), dec("60.00"));

  EXPECT_EQ(result.summary.returned.at("GBP"), dec("294.00"));  // 2778 - 2640 + 1716 - 1560
  // The new note waits for its approver; block billing has no single right value.
  ASSERT_EQ(result.summary.needs_person.size(), 2u);
  EXPECT_EQ(result.summary.needs_person[0].finding.rule, "credit.note-unapproved");
  EXPECT_EQ(result.summary.needs_person[1].finding.rule, "guidelines.block-billing");
}

TEST(Fix, RecheckHasNoOpenFindingThatHadAFixOnADraft) {
  Engine engine(find_config(draft_book(), ""));
  const Book original = load_book(draft_book());
  const Report before = engine.check(original);
  const FixResult result = fix_draft_book(engine);

  std::set<std::string> open;
  for (const Finding& f : result.recheck.findings) open.insert(f.fingerprint);
  std::size_t fixed = 0;
  for (const Finding& f : before.findings) {
    if (!f.fix || original.invoice(f.invoice)->status != "draft") continue;
    ++fixed;
    EXPECT_FALSE(open.count(f.fingerprint)) << f.rule << " on " << f.invoice << " is still open";
  }
  EXPECT_EQ(fixed, 4u);  // a rate, a line amount, a quantity and a due date
  for (const Finding& f : result.recheck.findings) {
    if (f.fix) EXPECT_EQ(invoice(result.book, f.invoice).status, "issued") << f.rule << " on " << f.invoice;
  }
}

// Checking the corrected book: the overcharge on the issued invoice is
// reported with the credit note that remedies it, and is not open.
TEST(Fix, RecheckReportsTheCreditNoteAsTheRemedyAndFailOnSkipsIt) {
  const fs::path dir = test::temp_dir("fix-remedy");
  ASSERT_EQ(test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "b").string() + "'").status, 0);
  const auto json = test::run_billcheck("check '" + (dir / "b").string() + "' -f json");
  const auto report = nlohmann::json::parse(json.out);
  std::size_t remedied = 0;
  for (const auto& f : report["findings"]) {
    if (!f.contains("remedy")) continue;
    ++remedied;
    EXPECT_EQ(f["rule"], "rates.contract-rate");
    EXPECT_EQ(f["remedy"], nlohmann::json({{"kind", "credit_note"}, {"id", "CN-HL-101-1"}}));
  }
  EXPECT_EQ(remedied, 1u);
  const auto text = test::run_billcheck("check '" + (dir / "b").string() + "'");
  EXPECT_THAT(text.out, HasSubstr("fix: set rate to 450.00 (now 500.00)\n        remedied by credit note CN-HL-101-1\n"));

  // Left to approve the note, the remaining errors are the remedied one: --fail-on error passes.
  test::write_file(dir / "approved.yaml", "rules:\n  credit.note-unapproved: off\n");
  const std::string check = "check '" + (dir / "b").string() + "' -c '" + (dir / "approved.yaml").string() + "'";
  EXPECT_EQ(test::run_billcheck(check).status, 0);
  EXPECT_EQ(test::run_billcheck(check + " --fail-on warning").status, 1);  // block billing is still open
  EXPECT_EQ(test::run_billcheck("check " + kDraftBook.string() + " -c '" + (dir / "approved.yaml").string() + "'").status,
            1);  // the same error without its credit note fails
  fs::remove_all(dir);
}

// Two rules that want different rates for one line: the one first in report
// order (by rule id) wins, and the other is left for a person to decide.
struct LowerRate final : LineRule {
  static RuleInfo info() {
    return {.id = "host.lower-rate", .title = "Lower rate", .category = "rates", .severity = Severity::error,
            .description = "Suggests 250.00 for HL-102's line 2."};
  }
  void check(const InvoiceLine& l, Context& ctx) const override {
    if (l.invoice_id == "HL-102" && l.line_no == 2 && l.rate != Decimal::parse("250.00").value())
      ctx.report(l, "lower it").suggest("rate", l.rate.to_string(), "250.00");
  }
};

TEST(Fix, OfTwoFixesForOneFieldTheFirstRuleWinsAndTheOtherNeedsAPerson) {
  Engine engine(find_config(draft_book(), ""));
  RuleInfo info = LowerRate::info();
  info.scope = Scope::line;
  engine.add_rule(info, [](const Options&) { return std::make_unique<LowerRate>(); });
  const FixResult result = fix_draft_book(engine);

  EXPECT_EQ(line(result.book, "HL-102", 2).rate, dec("250.00"));
  EXPECT_EQ(line(result.book, "HL-102", 2).amount, dec("875.00"));
  EXPECT_EQ(invoice(result.book, "HL-102").total, dec("2598.00"));  // (900 + 875 + 390) × 1.2
  const auto& open = result.summary.needs_person;
  auto contract = std::find_if(open.begin(), open.end(),
                               [](const OpenFinding& o) { return o.finding.rule == "rates.contract-rate"; });
  ASSERT_NE(contract, open.end());
  EXPECT_THAT(contract->reason, HasSubstr("host.lower-rate's fix was applied"));
}

// A fix that voids a draft (duplicates.invoice suggests it for a copy): the
// invoice is voided as it stands, and not recomputed.
struct VoidCopy final : InvoiceRule {
  void check(const Invoice& inv, Context& ctx) const override {
    if (inv.id == "HL-103" && !inv.is_void()) ctx.report(inv, "a copy").suggest("status", inv.status, "void");
  }
};

TEST(Fix, AFixThatVoidsADraftLeavesItsFiguresAlone) {
  Engine engine(find_config(draft_book(), ""));
  RuleInfo info{.id = "host.void-copy", .title = "Void copy", .category = "duplicates", .severity = Severity::error,
                .description = "Suggests voiding HL-103."};
  info.scope = Scope::invoice;
  engine.add_rule(info, [](const Options&) { return std::make_unique<VoidCopy>(); });
  const FixResult result = fix_draft_book(engine);
  EXPECT_EQ(invoice(result.book, "HL-103").status, "void");
  const auto& changes = result.summary.corrected.at(1).changes;
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.back().field, "status");
  EXPECT_EQ(changes.back().to, "void");
}

TEST(Fix, CliWritesTheSummaryAndLeavesTheInputByteIdentical) {
  const auto input_before = files_of(draft_book());
  const fs::path out = test::temp_dir("fix-out") / "fixed";
  const auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + out.string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, test::slurp(test::data_dir() / "remedies" / "fix-summary-draft-book.txt"));
  EXPECT_EQ(files_of(draft_book()), input_before);
  EXPECT_EQ(invoice(load_book(out), "HL-102").total, dec("2640.00"));
  fs::remove_all(out.parent_path());
}

TEST(Fix, FixOnTheFixedBookChangesNothing) {
  const fs::path dir = test::temp_dir("fix-twice");
  ASSERT_EQ(test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "once").string() + "'").status, 0);
  const auto again =
      test::run_billcheck("fix '" + (dir / "once").string() + "' --out '" + (dir / "twice").string() + "' -f json");
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(files_of(dir / "once"), files_of(dir / "twice"));
  const auto summary = nlohmann::json::parse(again.out);
  EXPECT_TRUE(summary["corrected"].empty());
  EXPECT_TRUE(summary["credit_notes"].empty());  // the overcharge already has its credit note
  EXPECT_EQ(summary["issued"][0]["credited_by"], "CN-HL-101-1");
  fs::remove_all(dir);
}

TEST(Fix, JsonSummaryListsEachChange) {
  const fs::path dir = test::temp_dir("fix-json");
  const auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "b.json").string() +
                                     "' --to json --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto s = nlohmann::json::parse(r.out);
  ASSERT_EQ(s["corrected"].size(), 2u);
  EXPECT_EQ(s["corrected"][0]["invoice"], "HL-102");
  EXPECT_EQ(s["corrected"][0]["changes"][0],
            nlohmann::json({{"record", "line 2"}, {"field", "rate"}, {"from", "290.00"}, {"to", "260.00"}}));
  EXPECT_EQ(s["returned"], nlohmann::json::parse(R"([{"currency": "GBP", "amount": "294.00"}])"));
  EXPECT_EQ(s["credit_notes"][0]["amount"], "60.00");
  EXPECT_EQ(s["needs_person"][1]["reason"], "no single right value");
  EXPECT_EQ(invoice(load_book(dir / "b.json"), "HL-103").total, dec("1560.00"));  // --to json: one JSON file
  fs::remove_all(dir);
}

TEST(Fix, AnOutThatIsNotEmptyIsRefusedUnlessForced) {
  const fs::path out = test::temp_dir("fix-busy");
  test::write_file(out / "keep.txt", "mine\n");
  const auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + out.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr(out.string() + ": exists and is not an empty folder; give a new OUT, or --force"));
  EXPECT_EQ(test::slurp(out / "keep.txt"), "mine\n");

  const auto forced = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + out.string() + "' --force");
  ASSERT_EQ(forced.status, 0) << forced.err;
  EXPECT_FALSE(fs::exists(out / "keep.txt"));
  EXPECT_TRUE(fs::exists(out / "invoices.csv"));
  // Nothing of the temporary folders is left beside OUT.
  for (const auto& entry : fs::directory_iterator(out.parent_path()))
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr("." + out.filename().string() + ".")));
  fs::remove_all(out);
}

TEST(Fix, BadInputIsExit2WithAMessage) {
  const fs::path dir = test::temp_dir("fix-bad");
  auto r = test::run_billcheck("fix no/such/book --out '" + (dir / "o").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("no/such/book"));
  r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "o").string() + "' --to xml");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--to"));
  r = test::run_billcheck("fix " + kDraftBook.string() + " --out " + kDraftBook.string() + " --force");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("is the book itself"));
  r = test::run_billcheck("fix " + kDraftBook.string() + " --out " + (kDraftBook / "fixed").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("is inside the book's folder"));
  EXPECT_FALSE(fs::exists(draft_book() / "fixed"));
  EXPECT_FALSE(fs::exists(dir / "o"));
  fs::remove_all(dir);
}

// docs/remedies.md shows the summary the golden file holds, so the page cannot drift.
TEST(Fix, DocsShowTheGoldenSummary) {
  const std::string page = test::slurp(test::source_dir() / "docs" / "remedies.md");
  const std::string command = "$ billcheck fix tests/data/remedies/draft-book --out fixed-book\n";
  const auto start = page.find(command);
  ASSERT_NE(start, std::string::npos);
  const auto body = start + command.size();
  EXPECT_EQ(page.substr(body, page.find("```", body) - body),
            test::slurp(test::data_dir() / "remedies" / "fix-summary-draft-book.txt"));
}

// The example firm's invoices are all issued or paid: nothing is edited, each
// overcharge gets a credit note, and two runs write the same book and summary.
TEST(Fix, ExampleFirmIsListedNotEditedAndDeterministic) {
  const fs::path dir = test::temp_dir("fix-firm");
  const auto first = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "'");
  const auto second = test::run_billcheck("fix examples/firm --out '" + (dir / "b").string() + "'");
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(first.out, second.out);
  EXPECT_EQ(files_of(dir / "a"), files_of(dir / "b"));
  EXPECT_THAT(first.out, HasSubstr("None: no draft invoice had a fix to apply."));
  EXPECT_THAT(first.out, HasSubstr("CN-HR-115-1 on invoice HR-115 line 3: GBP 120.00 (arithmetic)"));
  EXPECT_THAT(first.out, HasSubstr("HR-115 line 3: Line 3 bills 3.5 h"));

  // What it wrote is the book as convert writes it, plus the new credit notes:
  // not a figure of an invoice changed.
  convert_book(test::source_dir() / "examples" / "firm", dir / "converted");
  auto fixed = files_of(dir / "a"), converted = files_of(dir / "converted");
  EXPECT_EQ(fixed.at("billcheck.yaml"), test::slurp(test::source_dir() / "examples" / "firm" / "billcheck.yaml"));
  fixed.erase("billcheck.yaml");
  EXPECT_EQ(fixed.at("credit_notes.csv").rfind(converted.at("credit_notes.csv"), 0), 0u);  // appended after CN-002
  fixed.erase("credit_notes.csv");
  converted.erase("credit_notes.csv");
  EXPECT_EQ(fixed, converted);
  fs::remove_all(dir);
}

fs::path same_line_book() { return test::data_dir() / "remedies" / "same-line-book"; }

Decimal credited_on(const Book& book, std::string_view invoice) {
  Decimal sum;
  for (const CreditNote* n : book.credit_notes_of_invoice(invoice)) sum += n->amount;
  return sum;
}

// HL-201's line 1 bills 3 h at 500.00 where the rate card says 450.00 and the
// time entry 2 h: the rate error is 150.00 and the hours error 500.00, but
// together they are 600.00 (1500.00 for 900.00), not 650.00. The line is
// credited once: the hours note returns what the rate note left.
TEST(Fix, TwoFindingsOnOneLineCreditTheLineOnce) {
  Engine engine(find_config(same_line_book(), ""));
  const FixResult result = fix_book(engine, read_book(same_line_book()), on_day());
  const auto notes = result.book.credit_notes();  // by id
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].id, "CN-HL-201-1");
  EXPECT_EQ(notes[0].reason_code, "rate");
  EXPECT_EQ(notes[0].amount, dec("150.00"));
  EXPECT_EQ(notes[1].id, "CN-HL-201-2");
  EXPECT_EQ(notes[1].reason_code, "hours");
  EXPECT_EQ(notes[1].amount, dec("450.00"));
  EXPECT_EQ(notes[1].reason, "Line 1 of invoice HL-201 billed more hours than were recorded, so we credit GBP 450.00.");
  EXPECT_EQ(result.summary.credited.at("GBP"), dec("600.00"));
  EXPECT_EQ(result.summary.issued_overcharged.at("GBP"), dec("600.00"));

  // The invoice less its credit notes is what the same invoice as a draft is corrected to.
  BookData as_draft = read_book(same_line_book());
  as_draft.invoices[0].status = "draft";
  const FixResult drafted = fix_book(engine, std::move(as_draft), on_day());
  EXPECT_EQ(invoice(result.book, "HL-201").total - credited_on(result.book, "HL-201"),
            invoice(drafted.book, "HL-201").total);
  EXPECT_EQ(invoice(drafted.book, "HL-201").total, dec("1160.00"));

  // Both findings are remedied, and a second run writes nothing.
  for (const Finding& f : result.recheck.findings)
    if (f.fix) EXPECT_NE(result.recheck.remedy_of(f), nullptr) << f.rule;
  BookData again;  // the corrected book's records; their Sources point into result.book, which outlives them
  again.clients.assign(result.book.clients().begin(), result.book.clients().end());
  again.timekeepers.assign(result.book.timekeepers().begin(), result.book.timekeepers().end());
  again.engagements.assign(result.book.engagements().begin(), result.book.engagements().end());
  again.rates.assign(result.book.rates().begin(), result.book.rates().end());
  again.time_entries.assign(result.book.time_entries().begin(), result.book.time_entries().end());
  again.invoices.assign(result.book.invoices().begin(), result.book.invoices().end());
  again.lines.assign(result.book.lines().begin(), result.book.lines().end());
  again.credit_notes.assign(result.book.credit_notes().begin(), result.book.credit_notes().end());
  const FixResult twice = fix_book(engine, std::move(again), on_day());
  EXPECT_EQ(twice.book.credit_notes().size(), 2u);
  EXPECT_TRUE(twice.summary.credit_notes.empty());
}

// A line whose whole amount is already credited: a further finding on it gets
// no note of its own, but the note that returned the money names it too.
struct WholeLine final : LineRule {
  void check(const InvoiceLine& l, Context& ctx) const override {
    if (l.invoice_id == "HL-201" && l.line_no == 2) ctx.report(l, "all of it").at_stake(l.amount);
  }
};
struct HalfLine final : LineRule {
  void check(const InvoiceLine& l, Context& ctx) const override {
    if (l.invoice_id == "HL-201" && l.line_no == 2) ctx.report(l, "half of it").at_stake(l.amount / Decimal(2));
  }
};

TEST(Fix, AFindingOnALineAlreadyCreditedInFullIsNamedByItsNote) {
  Engine engine(find_config(same_line_book(), ""));
  RuleInfo whole{.id = "host.a-whole", .title = "Whole", .category = "duplicates", .severity = Severity::error,
                 .description = "The whole of HL-201's line 2."};
  whole.scope = Scope::line;
  RuleInfo half = whole;
  half.id = "host.b-half";
  engine.add_rule(whole, [](const Options&) { return std::make_unique<WholeLine>(); });
  engine.add_rule(half, [](const Options&) { return std::make_unique<HalfLine>(); });
  const FixResult result = fix_book(engine, read_book(same_line_book()), on_day());
  const CreditNote* on_line_2 = nullptr;
  for (const CreditNote& n : result.book.credit_notes())
    if (n.line_no == 2) {
      EXPECT_EQ(on_line_2, nullptr) << "a second note on line 2: " << n.id;
      on_line_2 = &n;
    }
  ASSERT_NE(on_line_2, nullptr);
  EXPECT_EQ(on_line_2->amount, dec("260.00"));
  EXPECT_THAT(on_line_2->remedies, HasSubstr(" "));  // two fingerprints
  for (const Finding& f : result.recheck.findings)
    if (f.rule.rfind("host.", 0) == 0) EXPECT_NE(result.recheck.remedy_of(f), nullptr) << f.rule;
}

// The example firm's paid invoices that its new credit notes put in credit are
// money owed back, listed apart, not errors left "not credited".
TEST(Fix, OverpaymentsTheNewNotesMakeAreListedAsOwedBack) {
  const fs::path dir = test::temp_dir("fix-refunds");
  const auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "' --today 2026-01-15 -f json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto s = nlohmann::json::parse(r.out);
  for (const auto& f : s["issued"]) EXPECT_NE(f["rule"], "payments.overpayment") << f.dump();
  std::set<std::string> owed;
  for (const auto& f : s["refunds"]) owed.insert(f["invoice"].get<std::string>());
  EXPECT_EQ(owed, (std::set<std::string>{"NW-2025-07", "BM-0058", "BM-0070", "KR-2025Q2"}));
  EXPECT_EQ(s["refunds_due"][0], nlohmann::json({{"currency", "EUR"}, {"amount", "218.74"}}));
  // The discount given away on NW-2025-08 is under-billing: listed, not recovered, not "not credited".
  EXPECT_EQ(s["issued_underbilled"], nlohmann::json::parse(R"([{"currency": "USD", "amount": "313.35"}])"));
  const auto text = test::run_billcheck("fix examples/firm --out '" + (dir / "b").string() + "' --today 2026-01-15");
  EXPECT_THAT(text.out, HasSubstr("[credit.discount-above-agreed] (USD -313.35 at stake): under-billed, not recovered\n"));
  EXPECT_THAT(text.out, ::testing::Not(HasSubstr("not credited")));
  EXPECT_THAT(text.out, HasSubstr("Owed back to clients: USD 780.00\n"));
  fs::remove_all(dir);
}

// OUT as a CSV folder takes the config fix used, so checking OUT runs the same rules.
TEST(Fix, TheConfigGoesWithACsvOutButNotBesideAFile) {
  const fs::path dir = test::temp_dir("fix-config");
  ASSERT_EQ(test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "'").status, 0);
  EXPECT_EQ(test::slurp(dir / "a" / "billcheck.yaml"), test::slurp(test::source_dir() / "examples/firm/billcheck.yaml"));
  EXPECT_EQ(test::run_billcheck("check '" + (dir / "a").string() + "' -f json").out,
            test::run_billcheck("check '" + (dir / "a").string() + "' -f json -c examples/firm/billcheck.yaml").out);

  const auto json = test::run_billcheck("fix examples/firm --out '" + (dir / "b.json").string() + "' --to json");
  ASSERT_EQ(json.status, 0) << json.err;
  EXPECT_FALSE(fs::exists(dir / "billcheck.yaml"));
  EXPECT_THAT(json.err, HasSubstr("is checked with the billcheck.yaml beside it, which is not examples/firm/billcheck.yaml; "
                                  "check it with -c examples/firm/billcheck.yaml"));

  // A config naming a folder relative to itself would lose it in OUT: not copied, and said.
  test::write_file(dir / "rel" / "billcheck.yaml", "letters:\n  templates: my-templates\n");
  const auto rel = test::run_billcheck("fix examples/firm --out '" + (dir / "c").string() + "' -c '" +
                                       (dir / "rel" / "billcheck.yaml").string() + "'");
  ASSERT_EQ(rel.status, 0) << rel.err;
  EXPECT_FALSE(fs::exists(dir / "c" / "billcheck.yaml"));
  EXPECT_THAT(rel.err, HasSubstr("has no billcheck.yaml: " + (dir / "rel" / "billcheck.yaml").string() +
                                 " names folders relative to itself (letters.templates)"));
  fs::remove_all(dir);
}

// remedies.credit_note_id: the firm's own numbering, checked when read.
TEST(Fix, TheCreditNoteIdPatternIsTheFirmsAndAnUnknownPlaceholderIsLocated) {
  const fs::path dir = test::temp_dir("fix-pattern");
  test::write_file(dir / "ok.yaml", "remedies:\n  credit_note_id: \"CR/{client}/{invoice}.{n}\"\n");
  auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "a").string() + "' -c '" +
                               (dir / "ok.yaml").string() + "' -f json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["credit_notes"][0]["id"], "CR/C-1/HL-101.1");

  test::write_file(dir / "bad.yaml", "remedies:\n  credit_note_id: \"CN-{inv}-{n}\"\n");
  r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "b").string() + "' -c '" +
                          (dir / "bad.yaml").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr((dir / "bad.yaml").string() + ":2:19: remedies.credit_note_id: unknown placeholder "
                                                             "'{inv}'; the placeholders are {invoice}, {client}, {n}"));
  EXPECT_FALSE(fs::exists(dir / "b"));

  test::write_file(dir / "no-n.yaml", "remedies:\n  credit_note_id: \"CN-{invoice}\"\n");
  r = test::run_billcheck("check " + kDraftBook.string() + " -c '" + (dir / "no-n.yaml").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("remedies.credit_note_id: 'CN-{invoice}' has no {n}"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
