// `billcheck fix`: the corrected copy of a book with draft invoices carrying
// rate and arithmetic errors (tests/data/remedies/draft-book), its summary, and
// the promises the command makes: the input is never touched, a second run
// changes nothing, OUT is never overwritten by accident.
#include "test_support.hpp"

#include "remedies/overcharged.hpp"

#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>
#include <billcheck/remedies.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>
#include <tuple>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

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
    if (f.fix) {
      EXPECT_EQ(invoice(result.book, f.invoice).status, "issued") << f.rule << " on " << f.invoice;
    }
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
  test::write_file(out / "invoices.csv", "an earlier fix's\n");
  test::write_file(out / "billcheck.yaml", "rules: {}\n");
  const auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + out.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr(out.string() + ": exists and is not an empty folder; give a new OUT, or --force"));
  EXPECT_EQ(test::slurp(out / "invoices.csv"), "an earlier fix's\n");

  const auto forced = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + out.string() + "' --force");
  ASSERT_EQ(forced.status, 0) << forced.err;
  EXPECT_THAT(test::slurp(out / "invoices.csv"), HasSubstr("invoice_id,"));
  // Nothing of the temporary folders is left beside OUT.
  for (const auto& entry : fs::directory_iterator(out.parent_path()))
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr("." + out.filename().string() + ".")));
  fs::remove_all(out);
}

// --force replaces a folder of a book's files, never one that holds anything
// else, and never one that holds what fix reads: a user's notes, or the book.
TEST(Fix, ForceNeverReplacesAFolderThatHoldsOtherFilesOrTheBook) {
  const fs::path dir = test::temp_dir("fix-force-guard");
  test::write_file(dir / "notes" / "keep.txt", "mine\n");
  auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "notes").string() + "' --force");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr((dir / "notes").string() +
                               ": holds keep.txt, not a CSV book's files; --force replaces only a folder of a "
                               "book's .csv files and its billcheck.yaml: give a new OUT"));
  EXPECT_EQ(test::slurp(dir / "notes" / "keep.txt"), "mine\n");

  // The book inside OUT: a CSV folder, and a JSON file converted to CSV.
  const fs::path holder = dir / "holder";
  fs::create_directories(holder);
  fs::copy(test::source_dir() / kDraftBook, holder / "book", fs::copy_options::recursive);
  const std::string before = test::slurp(holder / "book" / "invoices.csv");
  r = test::run_billcheck("fix '" + (holder / "book").string() + "' --out '" + holder.string() + "' --force");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr(holder.string() + ": holds " + (holder / "book").string() +
                               ", which fix reads; fix never changes its input, give an OUT that holds none of them"));
  EXPECT_EQ(test::slurp(holder / "book" / "invoices.csv"), before);
  ASSERT_EQ(test::run_billcheck("-q convert " + kDraftBook.string() + " '" + (dir / "j" / "book.json").string() + "'",
                                "mkdir -p '" + (dir / "j").string() + "' && NO_COLOR=1")
                .status,
            0);
  r = test::run_billcheck("fix '" + (dir / "j" / "book.json").string() + "' --out '" + (dir / "j").string() +
                          "' --to csv --force");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("which fix reads"));
  EXPECT_TRUE(fs::exists(dir / "j" / "book.json"));
  fs::remove_all(dir);
}

// Figures too large to work out (a tax rate at the largest decimal) are the
// book's problem: exit 2 saying what to check, not an internal failure.
TEST(Fix, FiguresTooLargeToWorkOutAreTheBooksProblem) {
  const fs::path dir = test::temp_dir("fix-overflow");
  test::write_file(dir / "book.json",
                   R"({"clients":[{"client_id":"C1","name":"X","currency":"USD"}],)"
                   R"("invoices":[{"invoice_id":"I1","client_id":"C1","issue_date":"2025-01-01","currency":"USD",)"
                   R"("tax_rate":"9223372036854.775807","total":"110.00","status":"draft"}],)"
                   R"("invoice_lines":[{"invoice_id":"I1","line_no":1,"type":"fee","quantity":"1","rate":"100.00",)"
                   R"("amount":"110.00"}]})");
  const auto r = test::run_billcheck("fix '" + (dir / "book.json").string() + "' --out '" + (dir / "o.json").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("the book's figures are too large to work out exactly (decimal overflow in "
                               "multiplication; the largest amount is 9223372036854.775807): check its largest "
                               "quantities, rates and amounts"));
  EXPECT_FALSE(fs::exists(dir / "o.json"));
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

// `billcheck fix examples/firm --out fixed`, as the README types it: an OUT
// that does not exist yet, relative to the current folder, is not taken for
// a folder inside the book.
TEST(Fix, ARelativeOutThatDoesNotExistYetIsWritten) {
  const fs::path dir = test::temp_dir("fix-relative-out");
  const auto r = test::run_billcheck("fix '" + (test::source_dir() / kDraftBook).string() + "' --out fixed",
                                     "cd '" + dir.string() + "' && NO_COLOR=1");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "fixed" / "invoices.csv"));
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
  // The notes there were stay as they were (with an empty internal_note, the
  // column the new notes bring), the new ones come after CN-002.
  std::string kept = converted.at("credit_notes.csv");
  kept = std::regex_replace(kept, std::regex("\n"), ",\n");
  kept.replace(kept.find(",\n"), 2, ",internal_note\n");
  EXPECT_EQ(fixed.at("credit_notes.csv").rfind(kept, 0), 0u) << fixed.at("credit_notes.csv");
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
  as_draft.invoices[0].status = test::text("draft");
  const FixResult drafted = fix_book(engine, std::move(as_draft), on_day());
  EXPECT_EQ(invoice(result.book, "HL-201").total - credited_on(result.book, "HL-201"),
            invoice(drafted.book, "HL-201").total);
  EXPECT_EQ(invoice(drafted.book, "HL-201").total, dec("1160.00"));

  // Both findings are remedied, and a second run writes nothing.
  for (const Finding& f : result.recheck.findings)
    if (f.fix) {
      EXPECT_NE(result.recheck.remedy_of(f), nullptr) << f.rule;
    }
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

// A firm's own check on HL-201's line 1 (3 h at 500.00): 60.00 above a
// ceiling kept in the client's record, a client-info finding, which letters
// leave out. Its id sorts it before the rate and hours errors on the line.
struct CeilingInTheClientRecord final : LineRule {
  void check(const InvoiceLine& l, Context& ctx) const override {
    if (l.invoice_id == "HL-201" && l.line_no == 1) ctx.report(l, "above the ceiling").at_stake(Decimal(60));
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
    if (f.rule.rfind("host.", 0) == 0) {
      EXPECT_NE(result.recheck.remedy_of(f), nullptr) << f.rule;
    }
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
  // No billcheck.yaml beside b.json: it is checked at the defaults, which the note says (not "the one beside it").
  EXPECT_THAT(json.err, HasSubstr("b.json has no billcheck.yaml beside it, so it is checked with every rule at its "
                                  "defaults, not with examples/firm/billcheck.yaml; check it with -c "
                                  "examples/firm/billcheck.yaml\n"));
  EXPECT_THAT(json.err, ::testing::Not(HasSubstr("the billcheck.yaml beside it, which")));
  test::write_file(dir / "billcheck.yaml", "rules:\n  timing.due-date: off\n");
  const auto other = test::run_billcheck("fix examples/firm --out '" + (dir / "d.json").string() + "' --to json");
  ASSERT_EQ(other.status, 0) << other.err;
  EXPECT_THAT(other.err, HasSubstr("d.json is checked with the billcheck.yaml beside it, which is not "
                                   "examples/firm/billcheck.yaml; check it with -c examples/firm/billcheck.yaml\n"));
  fs::remove(dir / "billcheck.yaml");

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

// remedies.recover_underbilling: what an issued invoice under-billed (the
// example firm's NW-2025-08 gives 313.35 more discount than agreed) is billed
// on a supplementary draft invoice, which the re-check names as its remedy.
TEST(Fix, UnderBillingIsRecoveredOnASupplementaryDraftWhenTheConfigSaysSo) {
  const fs::path dir = test::temp_dir("fix-underbilling");
  test::write_file(dir / "billcheck.yaml", test::slurp(test::source_dir() / "examples/firm/billcheck.yaml") +
                                               "remedies:\n  recover_underbilling: true\n");
  const std::string config = " -c '" + (dir / "billcheck.yaml").string() + "'";
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "' --today 2026-01-15" + config);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("(USD -313.35 at stake): billed on supplementary invoice NW-2025-08-S1\n"));
  EXPECT_THAT(r.out, HasSubstr("Supplementary invoice NW-2025-08-S1 (draft) for what invoice NW-2025-08 under-billed: "
                               "USD 313.35\n"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("Under-billed on issued invoices")));
  const Book fixed = load_book(dir / "a");
  const Invoice& s = invoice(fixed, "NW-2025-08-S1");
  EXPECT_EQ(s.status, "draft");
  EXPECT_EQ(s.total, dec("313.35"));
  EXPECT_EQ(s.due_date, Date::parse_iso("2026-02-14"));  // the client's 30 days
  ASSERT_NE(s.extra.find("supplements"), nullptr);
  EXPECT_EQ(*s.extra.find("supplements"), "NW-2025-08");
  EXPECT_EQ(line(fixed, "NW-2025-08-S1", 1).amount, dec("313.35"));

  const auto report = nlohmann::json::parse(test::run_billcheck("check '" + (dir / "a").string() + "' -f json").out);
  for (const auto& f : report["findings"]) {
    EXPECT_NE(f.value("invoice", ""), "NW-2025-08-S1") << f.dump();  // the supplement is clean
    if (f["rule"] == "credit.discount-above-agreed") {
      EXPECT_EQ(f["remedy"], nlohmann::json({{"kind", "corrected"}, {"id", "NW-2025-08-S1"}}));
    }
  }
  // Not twice.
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(files_of(dir / "a"), files_of(dir / "b"));
  fs::remove_all(dir);
}

// The supplement asks exactly what each kind of under-billing left unpaid,
// with the tax on it, at 20% (tests/data/remedies/underbilled-book): the total
// 20.00 short (tax included: 16.67 net, 3.33 tax, not 24.00), the tax 10.00
// short (tax only: not taxed again to 12.00), a discount 15.00 and 100.00 above
// the agreed one and a line 50.00 short (before tax: taxed). The supplements
// check clean, and a second fix leaves them as they are.
TEST(Fix, ASupplementTaxesOnlyWhatWasUnderBilledBeforeTax) {
  const fs::path dir = test::temp_dir("fix-supplement-tax");
  test::write_file(dir / "billcheck.yaml", "remedies:\n  recover_underbilling: true\n");
  const std::string config = " -c '" + (dir / "billcheck.yaml").string() + "'";
  auto r = test::run_billcheck("fix tests/data/remedies/underbilled-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15" + config);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* total : {"UB-1-S1 (draft) for what invoice UB-1 under-billed: GBP 20.00\n",
                            "UB-2-S1 (draft) for what invoice UB-2 under-billed: GBP 10.00\n",
                            "UB-3-S1 (draft) for what invoice UB-3 under-billed: GBP 18.00\n",
                            "UB-4-S1 (draft) for what invoice UB-4 under-billed: GBP 60.00\n",
                            "UB-5-S1 (draft) for what invoice UB-5 under-billed: GBP 120.00\n"})
    EXPECT_THAT(r.out, HasSubstr(std::string("Supplementary invoice ") + total));
  // Recovered on the supplements, the under-billing takes nothing off the
  // credit notes; UB-5's keeps back the 10.00 of its discount (10% agreed)
  // that the corrected line no longer earns: 582.00 less 108.00 plus 120.00
  // is the 594.00 UB-5 corrects to as a draft.
  EXPECT_THAT(r.out, HasSubstr("CN-UB-5-1 on invoice UB-5 line 2: GBP 108.00 (arithmetic): Line 2 of invoice UB-5 was "
                               "miscalculated, so we credit GBP 108.00 (100.00 less 10.00 of the discount, and 18.00 "
                               "tax on it).\n"));
  const Book fixed = load_book(dir / "a");
  struct Expected {
    const char* id;
    const char* line;
    const char* description;
    const char* tax;
    const char* total;
    bool rate;  // the invoice's 20% on the supplement
  };
  for (const Expected& e :
       {Expected{"UB-1-S1", "16.67", "Correction to invoice UB-1: amount under-billed", "3.33", "20.00", true},
        Expected{"UB-2-S1", "0.00", "Correction to invoice UB-2: tax under-charged", "10.00", "10.00", false},
        Expected{"UB-3-S1", "15.00", "Correction to invoice UB-3: discount above the agreed terms", "3.00", "18.00", true},
        Expected{"UB-4-S1", "50.00", "Correction to invoice UB-4 line 1: amount under-billed", "10.00", "60.00", true},
        Expected{"UB-5-S1", "100.00", "Correction to invoice UB-5: discount above the agreed terms", "20.00", "120.00",
                 true}}) {
    SCOPED_TRACE(e.id);
    const Invoice& s = invoice(fixed, e.id);
    ASSERT_EQ(fixed.lines_of(s).size(), 1u);
    EXPECT_EQ(line(fixed, e.id, 1).amount, dec(e.line));
    EXPECT_EQ(line(fixed, e.id, 1).rate, dec(e.line));
    EXPECT_EQ(line(fixed, e.id, 1).description, e.description);
    EXPECT_EQ(s.tax, dec(e.tax));
    EXPECT_EQ(s.total, dec(e.total));
    EXPECT_EQ(s.tax_rate, e.rate ? std::optional(dec("20")) : std::nullopt);
  }

  const auto report = nlohmann::json::parse(test::run_billcheck("check '" + (dir / "a").string() + "' -f json").out);
  int remedied = 0;
  for (const auto& f : report["findings"]) {
    const std::string on = f.value("invoice", "");
    if (on.size() > 4 && on.substr(4) == "-S1") {
      EXPECT_NE(f["category"], "arithmetic") << f.dump();  // checks clean
    }
    if (f.value("amount_at_stake", "").starts_with("-") && !f.contains("credit_note")) {
      EXPECT_EQ(f["remedy"], nlohmann::json({{"kind", "corrected"}, {"id", on + "-S1"}})) << f.dump();
      ++remedied;
    }
  }
  EXPECT_EQ(remedied, 5);
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(files_of(dir / "a"), files_of(dir / "b"));
  fs::remove_all(dir);
}

// A tax-inclusive shortfall whose net's tax rounds a cent apart: 0.03 at 20%
// is 0.02 net (0.025, half-even) and 0.01 tax, where 20% of 0.02 rounds to
// 0.00. The client is asked the 0.03, and the supplement has no tax rate, so
// that arithmetic.tax does not call its tax wrong (and the next fix does not
// correct it to 0.00).
TEST(Fix, ATaxInclusiveShortfallIsAskedToTheCentAndTheSupplementChecksClean) {
  const fs::path dir = test::temp_dir("fix-supplement-cent");
  fs::copy(test::source_dir() / "tests/data/remedies/underbilled-book", dir / "book");
  std::string invoices = test::slurp(dir / "book" / "invoices.csv");
  const std::string total = ",GBP,,20,130.00,760.00,issued";
  ASSERT_NE(invoices.find(total), std::string::npos);
  invoices.replace(invoices.find(total), total.size(), ",GBP,,20,130.00,779.97,issued");
  test::write_file(dir / "book" / "invoices.csv", invoices);
  test::write_file(dir / "billcheck.yaml", "remedies:\n  recover_underbilling: true\n");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15 -c '" + (dir / "billcheck.yaml").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const Book fixed = load_book(dir / "a");
  const Invoice& s = invoice(fixed, "UB-1-S1");
  EXPECT_EQ(line(fixed, "UB-1-S1", 1).amount, dec("0.02"));
  EXPECT_EQ(s.tax, dec("0.01"));
  EXPECT_EQ(s.total, dec("0.03"));
  EXPECT_FALSE(s.tax_rate.has_value());
  const auto report = nlohmann::json::parse(test::run_billcheck("check '" + (dir / "a").string() + "' -f json").out);
  for (const auto& f : report["findings"])
    if (f.value("invoice", "") == "UB-1-S1") {
      EXPECT_NE(f["category"], "arithmetic") << f.dump();
    }
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(files_of(dir / "a"), files_of(dir / "b"));
  fs::remove_all(dir);
}

/// tests/data/remedies/underbilled-book in `dir`/book with only UB-4 (lines
/// 400.00, 50.00 short, and `line2`, 100.00 billed, at 20%), which charged
/// `tax` (0.00, or none) for a total of `total`.
void write_untaxed_ub4(const fs::path& dir, const std::string& tax, const std::string& total = "600.00",
                       const std::string& line2 = "200.00") {
  fs::remove_all(dir / "book");
  fs::copy(test::source_dir() / "tests/data/remedies/underbilled-book", dir / "book");
  test::write_file(dir / "book" / "invoices.csv",
                   "invoice_id,client_id,engagement_id,issue_date,period_start,period_end,due_date,currency,discount,"
                   "tax_rate,tax,total,status\n"
                   "UB-4,C-1,E-1,2025-11-03,2025-10-01,2025-10-31,2025-12-03,GBP,,20," + tax + "," + total + ",issued\n");
  test::write_file(dir / "book" / "invoice_lines.csv",
                   "invoice_id,line_no,type,date,timekeeper_id,entry_id,task_code,activity_code,expense_code,"
                   "description,quantity,rate,adjustment,amount\n"
                   "UB-4,1,expense,2025-10-14,,,,,E112,Court fee for hearing 4,1,450.00,,400.00\n"
                   "UB-4,2,expense,2025-10-24,,,,,E101,Copying of bundle 4,1,100.00,," + line2 + "\n");
}

/// The total `id` in the book at `dir` is corrected to as a draft by fix.
Decimal corrected_as_draft(const fs::path& dir, std::string_view id) {
  BookData as_draft = read_book(dir);
  for (Invoice& i : as_draft.invoices)
    if (i.id == id) i.status = test::text("draft");
  Engine engine(find_config(dir, ""));
  return invoice(fix_book(engine, std::move(as_draft), on_day()).book, id).total;
}

// An invoice that names a tax rate but charged no tax (tax 0.00, or none)
// under-billed the tax on its lines as corrected, which holds the tax on what
// it under-billed before tax: UB-4 at 20%, its line 1 50.00 short and its
// line 2 100.00 over, corrects to lines of 550.00 and 110.00 tax, 660.00. Its
// supplement asks 50.00 and 110.00 tax, 160.00, and its note returns 100.00
// (no tax: the client paid none), so that 600.00 + 160.00 - 100.00 is the
// 660.00. It asked 180.00: 120.00 tax on the lines as billed, 20.00 of it on
// the overcharge the note returns untaxed. The supplement checks clean, and a
// second fix leaves it as it is.
TEST(Fix, ASupplementAsksTheTaxOnTheCorrectedLinesOfAnInvoiceThatChargedNoTax) {
  const fs::path dir = test::temp_dir("fix-supplement-untaxed");
  test::write_file(dir / "billcheck.yaml", "remedies:\n  recover_underbilling: true\n");
  for (const std::string tax : {"0.00", ""}) {
    SCOPED_TRACE("tax '" + tax + "'");
    fs::remove_all(dir / "a");
    fs::remove_all(dir / "b");
    write_untaxed_ub4(dir, tax);
    auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                                 "' --today 2026-01-15 -c '" + (dir / "billcheck.yaml").string() + "'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("  CN-UB-4-1 on invoice UB-4 line 2: GBP 100.00 (arithmetic): Line 2 of invoice UB-4 "
                                 "was miscalculated, so we credit GBP 100.00.\n"));
    EXPECT_THAT(r.out, HasSubstr("Supplementary invoice UB-4-S1 (draft) for what invoice UB-4 under-billed: GBP "
                                 "160.00\n"));
    const Book fixed = load_book(dir / "a");
    const Invoice& s = invoice(fixed, "UB-4-S1");
    EXPECT_EQ(line(fixed, "UB-4-S1", 1).description, "Correction to invoice UB-4: tax under-charged");
    EXPECT_EQ(line(fixed, "UB-4-S1", 1).amount, dec("0.00"));
    EXPECT_EQ(line(fixed, "UB-4-S1", 2).amount, dec("50.00"));
    EXPECT_EQ(s.tax, dec("110.00"));
    EXPECT_EQ(s.total, dec("160.00"));
    EXPECT_FALSE(s.tax_rate.has_value());
    EXPECT_EQ(invoice(fixed, "UB-4").total + s.total - credited_on(fixed, "UB-4"), dec("660.00"));
    EXPECT_EQ(corrected_as_draft(dir / "book", "UB-4"), dec("660.00"));
    const auto report = nlohmann::json::parse(test::run_billcheck("check '" + (dir / "a").string() + "' -f json").out);
    for (const auto& f : report["findings"])
      if (f.value("invoice", "") == "UB-4-S1") {
        EXPECT_NE(f["category"], "arithmetic") << f.dump();
      }
    r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() +
                            "' --today 2026-01-15");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(files_of(dir / "a"), files_of(dir / "b"));
  }
  fs::remove_all(dir);
}

// Without recover_underbilling, the tax an invoice that charged none failed
// to charge is taken off its notes at what it is on the corrected lines too:
// UB-4 (tax 0.00) with its line 2 billed at 700.00, 600.00 over, corrects to
// 660.00 and was billed 1100.00, so its note returns 440.00 (it returned
// 330.00: 220.00 tax on the lines as billed was taken off), and the summary
// and the letter say 110.00 of tax was. Billed at 200.00, 100.00 over, the 160.00 it under-billed
// outweighs it: no note, and 60.00 is not recovered (it said 70.00).
TEST(Fix, TheTaxAnInvoiceChargedNoneOfIsTakenOffItsNoteOnTheCorrectedLines) {
  const fs::path dir = test::temp_dir("fix-netted-untaxed");
  write_untaxed_ub4(dir, "0.00", "1100.00", "700.00");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  CN-UB-4-1 on invoice UB-4 line 2: GBP 440.00 (arithmetic): Line 2 of invoice UB-4 "
                               "was miscalculated, so we credit GBP 440.00.\n"));
  EXPECT_THAT(r.out, HasSubstr("  UB-4: Invoice UB-4 charges 0.00 tax, but 20% of 1100.00 is 220.00. [arithmetic.tax] "
                               "(GBP -220.00 at stake): taken off credit note CN-UB-4-1, which returns GBP 110.00 "
                               "less\n"));
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (GBP -50.00 at stake): taken off credit note CN-UB-4-1, which "
                               "returns GBP 50.00 less\n"));
  const Book fixed = load_book(dir / "a");
  EXPECT_EQ(invoice(fixed, "UB-4").total - credited_on(fixed, "UB-4"), dec("660.00"));
  EXPECT_EQ(corrected_as_draft(dir / "book", "UB-4"), dec("660.00"));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --invoice UB-4 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- Invoice UB-4 also billed you GBP 160.00 too little: rather than ask you for it, we "
                               "have taken GBP 160.00 off credit note CN-UB-4-1.\n"));

  fs::remove_all(dir / "a");
  write_untaxed_ub4(dir, "0.00");
  r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                          "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("CN-UB-4")));
  EXPECT_THAT(r.out, HasSubstr("Under-billed on issued invoices (not recovered): GBP 60.00\n"));
  fs::remove_all(dir);
}

// Without recover_underbilling, an invoice's under-billing is taken off its
// credit notes with the tax on what was under-billed before tax: the discount
// 15.00 above the agreed one on UB-3 takes 18.00 off the 108.00 note (it took
// 15.00; the note keeps back the 10.00 of the 10% discount that line 2's
// 100.00 no longer earns, so that 684.00 less 90.00 is the 594.00 UB-3
// corrects to as a draft; it was 102.00, 12.00 too much), and on UB-5 the 100.00 discount (120.00 with tax) outweighs the
// 120.00 overcharge, so no note is written (one of 20.00 was); the total short
// by 20.00 and the tax short by 10.00 take just that. The letter leaves out
// UB-5's overcharge: the client did not pay too much on it.
TEST(Fix, UnderBillingBeforeTaxOffsetsOverchargesWithItsTax) {
  const fs::path dir = test::temp_dir("fix-offset-tax");
  auto r = test::run_billcheck("fix tests/data/remedies/underbilled-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-UB-1-1 on invoice UB-1 line 2: GBP 100.00 (arithmetic)"));
  EXPECT_THAT(r.out, HasSubstr("CN-UB-2-1 on invoice UB-2 line 2: GBP 110.00 (arithmetic)"));
  EXPECT_THAT(r.out, HasSubstr("CN-UB-3-1 on invoice UB-3 line 2: GBP 90.00 (arithmetic): Line 2 of invoice UB-3 "
                               "was miscalculated, so we credit GBP 90.00 (75.00 and 15.00 tax on it).\n"));
  EXPECT_THAT(r.out, HasSubstr("CN-UB-4-1 on invoice UB-4 line 2: GBP 60.00 (arithmetic)"));
  EXPECT_THAT(r.out, Not(HasSubstr("CN-UB-5")));
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (GBP 100.00 at stake): not credited: what the invoice "
                               "under-billed is taken off it instead\n"));
  EXPECT_THAT(r.out, HasSubstr("Credited: GBP 360.00\n"));

  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("found 4 errors in what we billed you"));
  EXPECT_THAT(r.out, HasSubstr("We have issued credit note CN-UB-3-1, dated 2026-01-15, for GBP 90.00 against invoice "
                               "UB-3.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice UB-3, GBP 594.00 is now left to pay, due by 2025-10-03.\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("On invoice UB-5")));
  fs::remove_all(dir);
}

// The summary says what each under-billing taken off a credit note takes off
// it, with the tax on it where the amount was before tax: UB-3's discount
// 15.00 above the agreed one takes 18.00 off CN-UB-3-1 (the summary said
// "which returns that much less" beside GBP -15.00), UB-4's line 50.00 short
// takes 60.00; the total 20.00 short and the tax 10.00 short take just that.
TEST(Fix, TheSummarySaysWhatANettedUnderBillingTakesOffTheNote) {
  const fs::path dir = test::temp_dir("fix-netted-tax");
  auto r = test::run_billcheck("fix tests/data/remedies/underbilled-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.invoice-total] (GBP -20.00 at stake): taken off credit note CN-UB-1-1, "
                               "which returns GBP 20.00 less\n"));
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.tax] (GBP -10.00 at stake): taken off credit note CN-UB-2-1, which "
                               "returns GBP 10.00 less\n"));
  EXPECT_THAT(r.out, HasSubstr("[credit.discount-above-agreed] (GBP -15.00 at stake): taken off credit note CN-UB-3-1, "
                               "which returns GBP 18.00 less (15.00 and 3.00 tax on it)\n"));
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (GBP -50.00 at stake): taken off credit note CN-UB-4-1, "
                               "which returns GBP 60.00 less (50.00 and 10.00 tax on it)\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("that much less")));

  r = test::run_billcheck("fix tests/data/remedies/underbilled-book --out '" + (dir / "b").string() +
                          "' --today 2026-01-15 -f json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> netted;
  for (const auto& i : summary["issued"])
    if (i.contains("netted_by")) netted[i["invoice"].get<std::string>()] = i;
  ASSERT_EQ(netted.size(), 4u);
  EXPECT_EQ(netted["UB-3"]["netted_by"], "CN-UB-3-1");
  EXPECT_EQ(netted["UB-3"]["netted_amount"], "15.00");
  EXPECT_EQ(netted["UB-3"]["netted_tax"], "3.00");
  EXPECT_EQ(netted["UB-3"]["netted_total"], "18.00");
  EXPECT_EQ(netted["UB-1"]["netted_total"], "20.00");
  EXPECT_FALSE(netted["UB-1"].contains("netted_tax"));
  fs::remove_all(dir);
}

// The letter says what an invoice under-billed that fix took off its credit
// note, so that a note smaller than the overcharges listed is explained (it
// was not): UB-3's note is 90.00 for an overcharge of 100.00, less 10.00 of
// the discount, and 18.00 tax, since the discount 15.00 above the agreed one,
// 18.00 with its tax, was taken off it; in text, Markdown and HTML alike.
// A letter without such an invoice is as it was (the golden letter-C-300.txt).
TEST(Fix, TheLetterSaysWhatUnderBillingWasTakenOffACreditNote) {
  const fs::path dir = test::temp_dir("fix-netted-letter");
  auto r = test::run_billcheck("fix tests/data/remedies/underbilled-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string letter = "letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20";
  r = test::run_billcheck(letter + " --invoice UB-3");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("we charged you GBP 100.00 too much, less GBP 10.00 of the discount, and GBP 18.00 tax "
                               "on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("What we have done:\n"
                               "- We have issued credit note CN-UB-3-1, dated 2026-01-15, for GBP 90.00 against "
                               "invoice UB-3.\n"
                               "- Invoice UB-3 also billed you GBP 15.00 too little, and GBP 3.00 tax on it: rather "
                               "than ask you for it, we have taken GBP 18.00 off credit note CN-UB-3-1.\n"
                               "You have nothing to pay on the credited amounts"));
  r = test::run_billcheck(letter);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- Invoice UB-1 also billed you GBP 20.00 too little: rather than ask you for it, we "
                               "have taken GBP 20.00 off credit note CN-UB-1-1.\n"));
  EXPECT_THAT(r.out, HasSubstr("- Invoice UB-2 also billed you GBP 10.00 too little: rather than ask you for it, we "
                               "have taken GBP 10.00 off credit note CN-UB-2-1.\n"));
  EXPECT_THAT(r.out, HasSubstr("- Invoice UB-4 also billed you GBP 50.00 too little, and GBP 10.00 tax on it: rather "
                               "than ask you for it, we have taken GBP 60.00 off credit note CN-UB-4-1.\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("Invoice UB-5 also")));  // no note: nothing was taken off one
  r = test::run_billcheck(letter + " --invoice UB-3 --format md");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("against invoice UB-3.\n- Invoice UB-3 also billed you GBP 15.00 too little, and GBP "
                               "3.00 tax on it: rather than ask you for it, we have taken GBP 18.00 off credit note "
                               "CN-UB-3-1.\n"));
  r = test::run_billcheck(letter + " --invoice UB-3 --format html");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("against invoice UB-3.</li>\n<li>Invoice UB-3 also billed you GBP 15.00 too little, "
                               "and GBP 3.00 tax on it: rather than ask you for it, we have taken GBP 18.00 off credit "
                               "note CN-UB-3-1.</li>\n"));

  // HL-101 billed at 580.00, 20.00 short of its lines and tax (tax included):
  // its one note returns 40.00 for an overcharge of 60.00 with its tax.
  fs::copy(test::source_dir() / kDraftBook, dir / "over");
  std::string invoices = test::slurp(dir / "over" / "invoices.csv");
  const std::string total = ",GBP,,20,100.00,600.00,issued";
  ASSERT_NE(invoices.find(total), std::string::npos);
  invoices.replace(invoices.find(total), total.size(), ",GBP,,20,100.00,580.00,issued");
  test::write_file(dir / "over" / "invoices.csv", invoices);
  r = test::run_billcheck("fix '" + (dir / "over").string() + "' --out '" + (dir / "fixed").string() +
                          "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-HL-101-1, dated 2026-01-15, for GBP 40.00 against "
                               "invoice HL-101.\n- Invoice HL-101 also billed you GBP 20.00 too little: rather than "
                               "ask you for it, we have taken GBP 20.00 off credit note CN-HL-101-1.\n"));
  fs::remove_all(dir);
}

// The memo on a credit note is the firm's words when its template folder
// (letters.templates) has a credit-note-memo.txt; a placeholder the memo
// cannot have is an error naming the file and line, and nothing is written.
TEST(Fix, TheCreditNoteMemoIsATemplateTheFirmCanRewrite) {
  const fs::path dir = test::temp_dir("fix-memo");
  test::write_file(dir / "templates" / "credit-note-memo.txt",
                   "Avoir sur la facture {{invoice}}{{#line}}, ligne {{line}}{{/line}} : {{currency}} {{total}}.\n");
  test::write_file(dir / "billcheck.yaml", "letters:\n  templates: " + (dir / "templates").string() + "\n");
  auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "a").string() + "' -c '" +
                               (dir / "billcheck.yaml").string() + "' -f json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["credit_notes"][0]["reason"], "Avoir sur la facture HL-101, ligne 1 : GBP 60.00.");

  test::write_file(dir / "templates" / "credit-note-memo.txt", "Credit of {{currency}} {{totl}}\n");
  r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "b").string() + "' -c '" +
                          (dir / "billcheck.yaml").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr((dir / "templates" / "credit-note-memo.txt").string() +
                               ":1: unknown placeholder '{{totl}}'"));
  EXPECT_FALSE(fs::exists(dir / "b"));
  fs::remove_all(dir);
}

// fix --reissue: an issued invoice with an overcharge is credited in full and
// replaced by a corrected draft that names it. The duplicates, day-hours and
// billing-cycle rules leave the fully credited invoice out, as a void one, so
// the replacement is not flagged against it; the re-check reports the
// replaced invoice's errors remedied by the replacement, and a second fix
// changes nothing.
TEST(Fix, ReissueCreditsTheInvoiceInFullAndWritesACorrectedReplacement) {
  const fs::path dir = test::temp_dir("fix-reissue");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "' --reissue --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  CN-NW-2025-07-1 on invoice NW-2025-07: USD 8408.00 (reissue): Invoice NW-2025-07 is "
                               "cancelled in full and replaced by invoice NW-2025-07-R1, so we credit USD 8408.00.\n"));
  EXPECT_THAT(r.out, HasSubstr("Invoice NW-2025-07 credited in full by CN-NW-2025-07-1 and replaced by draft invoice "
                               "NW-2025-07-R1: USD 8408.00 -> 7628.00\n"));
  // What was paid on it pays the replacement: only the rest is owed back (and BM-0070's earlier EUR 300.00
  // credit stays the client's).
  EXPECT_THAT(r.out, HasSubstr("\n  USD 8408.00 paid on it (or credited before) counts toward NW-2025-07-R1: USD 780.00 "
                               "is owed back.\n"));
  EXPECT_THAT(r.out, HasSubstr("\n  EUR 7730.24 paid on it (or credited before) counts toward BM-0070-R1: EUR 154.70 "
                               "is owed back.\n"));
  EXPECT_THAT(r.out, HasSubstr("\nOwed back to clients: EUR 218.74\nOwed back to clients: JPY 156750\n"
                               "Owed back to clients: USD 780.00\n"));
  // The paid invoices put in credit say the same: what is owed back once the payment counts toward the
  // replacement, not the whole payment (which the overpayment finding on the replaced invoice states).
  EXPECT_THAT(r.out, HasSubstr("\n  NW-2025-07: USD 8408.00 paid on it (or credited before) counts toward its "
                               "replacement NW-2025-07-R1: USD 780.00 is owed back.\n"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("USD 8408.00 more than the client owed")));
  EXPECT_THAT(r.out, HasSubstr("[services.hours-exceed-entry] (USD 420.00 at stake): corrected on replacement invoice "
                               "NW-2025-07-R1\n"));
  const std::string invoices = test::slurp(dir / "a" / "invoices.csv");
  // Dated the day of the fix, due on the replaced invoice's terms (30 days): never due before it is sent.
  EXPECT_THAT(invoices, HasSubstr("\nNW-2025-07-R1,C-100,E-101,2026-01-15,2025-07-01,2025-07-31,2026-02-14,USD,,,,"
                                  "7628.00,draft,NW-2025-07,54bc2dcf131c8cd2 293f21e40193f4e8\n"));
  const Book fixed = load_book(dir / "a");
  EXPECT_EQ(line(fixed, "NW-2025-07-R1", 2).quantity, dec("5.6"));  // the hours the time entry records
  EXPECT_EQ(invoice(fixed, "NW-2025-07").total, dec("8408.00"));    // the issued invoice is never edited
  // KR-2025Q2's line 7 bills line 4's work again: the replacement leaves it out.
  EXPECT_EQ(fixed.lines_of(invoice(fixed, "KR-2025Q2-R1")).size(), fixed.lines_of(invoice(fixed, "KR-2025Q2")).size() - 1);

  const auto report = nlohmann::json::parse(test::run_billcheck("check '" + (dir / "a").string() + "' -f json").out);
  for (const auto& f : report["findings"]) {
    const std::string on = f.value("invoice", "");
    if (on.size() > 3 && on.compare(on.size() - 3, 3, "-R1") == 0) {
      EXPECT_NE(f["severity"], "error") << f.dump();
      EXPECT_NE(f["category"], "duplicates") << f.dump();
    }
    if (on == "NW-2025-07" && f["category"] != "payments" && f["category"] != "credit") {
      EXPECT_EQ(f["remedy"], nlohmann::json({{"kind", "reissued"}, {"id", "NW-2025-07-R1"}})) << f.dump();
    }
  }
  EXPECT_THAT(test::run_billcheck("check '" + (dir / "a").string() + "'").out,
              HasSubstr("remedied by replacement invoice NW-2025-07-R1\n"));
  // README shows this line.
  EXPECT_THAT(test::slurp(test::source_dir() / "README.md"),
              HasSubstr("$ billcheck fix examples/firm --out reissued --reissue --today 2026-01-15\n...\nInvoice "
                        "NW-2025-07 credited in full by CN-NW-2025-07-1 and replaced by draft invoice NW-2025-07-R1: "
                        "USD 8408.00 -> 7628.00\n...\n"));
  // Not twice, with or without --reissue.
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --reissue --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(files_of(dir / "a"), files_of(dir / "b"));
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "c").string() + "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(files_of(dir / "a"), files_of(dir / "c"));
  fs::remove_all(dir);
}

TEST(Fix, TheReissueIdPatternIsTheFirmsAndAnUnknownPlaceholderIsLocated) {
  const fs::path dir = test::temp_dir("fix-reissue-id");
  test::write_file(dir / "billcheck.yaml", "remedies:\n  reissue_id: \"{invoice}/{n}\"\n");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "' --reissue -c '" +
                               (dir / "billcheck.yaml").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(load_book(dir / "a").invoice("HR-115/1"), nullptr);
  test::write_file(dir / "billcheck.yaml", "remedies:\n  reissue_id: \"{invoice}-{x}\"\n");
  r = test::run_billcheck("fix examples/firm --out '" + (dir / "b").string() + "' --reissue -c '" +
                          (dir / "billcheck.yaml").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr((dir / "billcheck.yaml").string() + ":2:"));
  EXPECT_THAT(r.err, HasSubstr("remedies.reissue_id: unknown placeholder '{x}'"));
  EXPECT_FALSE(fs::exists(dir / "b"));
  fs::remove_all(dir);
}

// One goodwill amount for every currency is rounded half-even to each
// currency's minor units, as a percent of the total is: one number serves
// every currency (12.345 is USD 12.34 and JPY 12).
TEST(Fix, OneGoodwillAmountForEveryCurrencyIsRoundedToEachCurrencysMinorUnits) {
  const fs::path dir = test::temp_dir("fix-goodwill-units");
  const std::string firm = test::slurp(test::source_dir() / "examples/firm/billcheck.yaml");
  test::write_file(dir / "amount.yaml", firm + "remedies:\n  goodwill: {amount: 12.345, approve_above: 1000}\n");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "' --today 2026-01-15 -c '" +
                               (dir / "amount.yaml").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string notes = test::slurp(dir / "a" / "credit_notes.csv");
  EXPECT_THAT(notes, HasSubstr(",NW-2025-07,2026-01-15,12.34,\"As a goodwill gesture for the errors on invoice "
                               "NW-2025-07, we credit USD 12.34.\""));
  EXPECT_THAT(notes, HasSubstr(",KR-2025Q2,2026-01-15,12,\"As a goodwill gesture for the errors on invoice KR-2025Q2, "
                               "we credit JPY 12.\""));
  EXPECT_THAT(notes, Not(HasSubstr("12.345")));
  EXPECT_THAT(r.out, Not(HasSubstr("12.345")));
  fs::remove_all(dir);
}

// An amount given for one currency is exact in it: 10.005 for USD, whose cents
// it cannot be billed in, is refused where it is written, with what to write
// instead, not rounded behind the firm's back; so is one number with more
// decimals than any currency has.
TEST(Fix, AGoodwillAmountWithMoreDecimalsThanItsCurrencyHasIsRefusedWhereItIsWritten) {
  const fs::path dir = test::temp_dir("fix-goodwill-decimals");
  test::write_file(dir / "billcheck.yaml",
                   "remedies:\n"
                   "  goodwill:\n"
                   "    percent: 5\n"
                   "    cap: {USD: 200, JPY: 100.5}\n"
                   "    min_overcharge: {USD: 10.005}\n"
                   "    approve_above: {USD: 99.999, EUR: 400}\n"
                   "    clients:\n"
                   "      C-400: {amount: 0.00001}\n");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "out").string() + "' --today 2026-01-15 -c '" +
                               (dir / "billcheck.yaml").string() + "'");
  EXPECT_EQ(r.status, 2);
  const std::string file = (dir / "billcheck.yaml").string();
  EXPECT_EQ(r.err, file + ":4:26: remedies.goodwill.cap.JPY: '100.5' has 1 decimal, but JPY has 0: write 100 or 101\n" +
                       file + ":5:27: remedies.goodwill.min_overcharge.USD: '10.005' has 3 decimals, but USD has 2: "
                              "write 10.00 or 10.01\n" +
                       file + ":6:26: remedies.goodwill.approve_above.USD: '99.999' has 3 decimals, but USD has 2: "
                              "write 99.99 or 100.00\n" +
                       file + ":8:23: remedies.goodwill.clients.C-400.amount: '0.00001' has 5 decimals, but no "
                              "currency has more than 4: write 0.0000 or 0.0001\n"
                              "billcheck: the configuration was not accepted; fix the problems above and run again\n");
  EXPECT_FALSE(fs::exists(dir / "out"));
  fs::remove_all(dir);
}

// remedies.goodwill: a credit note of its own (reason code goodwill, its own
// memo) on each invoice overcharged by at least min_overcharge: 5% of the
// total, rounded half-even, capped per currency; approved by the policy up to
// approve_above, else left for a person; a client can be left out.
TEST(Fix, GoodwillIsACreditNoteOfItsOwnCappedAndApprovedByThePolicyUpToItsLimit) {
  const fs::path dir = test::temp_dir("fix-goodwill");
  test::write_file(dir / "billcheck.yaml", test::slurp(test::source_dir() / "examples/firm/billcheck.yaml") +
                                               "remedies:\n"
                                               "  goodwill:\n"
                                               "    percent: 5\n"
                                               "    cap: {USD: 200, EUR: 500, JPY: 10000}\n"
                                               "    min_overcharge: 100\n"
                                               "    approve_above: {EUR: 400}\n"
                                               "    clients:\n"
                                               "      C-300: false\n");
  const std::string config = " -c '" + (dir / "billcheck.yaml").string() + "'";
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "' --today 2026-01-15" + config);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string notes = test::slurp(dir / "a" / "credit_notes.csv");
  // USD: 5% of 8408.00 is 420.40, capped at 200.00; the memo does not claim 5%.
  EXPECT_THAT(notes, HasSubstr("\nCN-NW-2025-07-3,C-100,NW-2025-07,2026-01-15,200.00,\"As a goodwill gesture for the "
                               "errors on invoice NW-2025-07, we credit USD 200.00.\",,,goodwill,,goodwill (remedies.goodwill) "
                               "for 780.00 overcharged on NW-2025-07; above approve_above: needs a person's approval\n"));
  // EUR: 5% of 7730.24 = 386.512, half-even 386.51, under the cap and approved by the policy.
  EXPECT_THAT(notes, HasSubstr("\nCN-BM-0070-2,C-200,BM-0070,2026-01-15,386.51,\"As a goodwill gesture for the errors "
                               "on invoice BM-0070, we credit EUR 386.51 (5% of the invoice).\",remedies.goodwill,,"
                               "goodwill,,goodwill (remedies.goodwill) for 154.70 overcharged on BM-0070\n"));
  // JPY: 5% of 1442100 = 72105, capped at 10000, no decimals.
  EXPECT_THAT(notes, HasSubstr(",KR-2025Q2,2026-01-15,10000,"));
  EXPECT_THAT(notes, ::testing::Not(HasSubstr("errors on invoice BM-0058")));  // EUR 64.04 overcharged: under 100
  EXPECT_THAT(notes, ::testing::Not(HasSubstr("errors on invoice HR-115")));   // C-300: no goodwill
  EXPECT_THAT(r.out, HasSubstr("Of which goodwill: USD 200.00\n"));
  EXPECT_THAT(r.out, HasSubstr("[credit.note-unapproved] (a goodwill credit of USD 200.00: approve it (approved_by) "
                               "before it is sent)\n"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("Credit note CN-BM-0070-2 has no approver")));

  // The letter says so; fix twice is fix once.
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-100 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- As a goodwill gesture, we have issued credit note CN-NW-2025-07-3 for USD 200.00 "
                               "against invoice NW-2025-07.\n"));
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(files_of(dir / "a"), files_of(dir / "b"));
  fs::remove_all(dir);
}

TEST(Fix, ABadGoodwillSettingIsLocatedAndNothingIsWritten) {
  const fs::path dir = test::temp_dir("fix-goodwill-bad");
  const std::string config = " -c '" + (dir / "billcheck.yaml").string() + "'";
  test::write_file(dir / "billcheck.yaml", "remedies:\n  goodwill:\n    percent: 150\n");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "'" + config);
  EXPECT_EQ(r.status, 2);
  // One error, the percent's: not also "give a percent", which it was.
  EXPECT_EQ(r.err, (dir / "billcheck.yaml").string() +
                       ":3:14: remedies.goodwill.percent: '150' is not a percentage (a number from 0 to 100, e.g. 5)\n"
                       "billcheck: the configuration was not accepted; fix the problems above and run again\n");
  test::write_file(dir / "billcheck.yaml", "remedies:\n  goodwill:\n    amount: {USD: 50, usd: 5}\n");
  r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "'" + config);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr((dir / "billcheck.yaml").string() + ":3:"));
  EXPECT_THAT(r.err, HasSubstr("remedies.goodwill.amount:"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("give a percent")));
  test::write_file(dir / "billcheck.yaml", "remedies:\n  goodwill:\n    cap: 10\n");
  r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "'" + config);
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("remedies.goodwill: give a percent (of the invoice's total) or an amount"));
  EXPECT_FALSE(fs::exists(dir / "a"));
  fs::remove_all(dir);
}

// Why a finding needs a person is the needs-person.txt template's words.
TEST(Fix, TheNeedsAPersonReasonsAreATemplateTheFirmCanRewrite) {
  const fs::path dir = test::temp_dir("fix-needs-person");
  test::write_file(dir / "templates" / "needs-person.txt",
                   "{{#no_fix}}à décider{{/no_fix}}{{#new_note}}avoir à approuver{{/new_note}}\n");
  test::write_file(dir / "billcheck.yaml", "letters:\n  templates: " + (dir / "templates").string() + "\n");
  auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "a").string() + "' -c '" +
                               (dir / "billcheck.yaml").string() + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[guidelines.block-billing] (à décider)\n"));
  EXPECT_THAT(r.out, HasSubstr("[credit.note-unapproved] (avoir à approuver)\n"));
  fs::remove_all(dir);
}

// What a draft's correction removed is listed with remedy kind `corrected`.
TEST(Fix, TheFindingsACorrectionRemovedCarryRemedyKindCorrected) {
  auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" +
                               (test::temp_dir("fix-corrected") / "a").string() + "' -f json --today 2025-12-01");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  const auto& hl102 = summary["corrected"][0];
  ASSERT_EQ(hl102["invoice"], "HL-102");
  std::set<std::string> rules;
  for (const auto& f : hl102["fixed"]) {
    EXPECT_EQ(f["remedy"], nlohmann::json({{"kind", "corrected"}, {"id", "HL-102"}}));
    rules.insert(f["rule"].get<std::string>());
  }
  EXPECT_TRUE(rules.count("rates.contract-rate")) << hl102.dump(2);
  EXPECT_TRUE(rules.count("arithmetic.line-amount")) << hl102.dump(2);
}

// Money is written with its currency's decimals: 650.00 for USD, none for JPY.
TEST(Fix, TheBookIsWrittenWithEachCurrencysDecimals) {
  const fs::path dir = test::temp_dir("fix-decimals");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string notes = test::slurp(dir / "a" / "credit_notes.csv");
  EXPECT_THAT(notes, HasSubstr("\nCN-001,C-100,NW-2025-05,2025-06-20,650.00,"));
  EXPECT_THAT(notes, HasSubstr("\nCN-BM-0070-1,C-200,BM-0070,2026-01-15,154.70,"));
  EXPECT_THAT(notes, HasSubstr("\nCN-KR-2025Q2-1,C-400,KR-2025Q2,2026-01-15,156750,"));
  EXPECT_THAT(test::slurp(dir / "a" / "invoices.csv"), HasSubstr(",EUR,,19,1280.80,7684.80,paid"));
  fs::remove_all(dir);
}

// A payment applied to another client's invoice: when the book tells the
// right record (here P-2003's reference names BM-0063, so the payment is
// Brandt's), the summary proposes it; otherwise it is for a person to decide.
TEST(Fix, AMisappliedPaymentGetsAProposedReallocationWhenTheBookTellsIt) {
  const fs::path dir = test::temp_dir("fix-misapplied");
  auto r = test::run_billcheck("fix examples/firm --out '" + (dir / "a").string() + "' -f json --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  bool seen = false;
  const auto summary = nlohmann::json::parse(r.out);
  for (const auto& n : summary["needs_person"]) {
    if (n["rule"] != "payments.misapplied") continue;
    seen = true;
    EXPECT_EQ(n["proposed"], nlohmann::json({{"reallocate", "client"}, {"to", "C-200"}}));
    EXPECT_EQ(n["reason"], "proposed: payment P-2003's reference names invoice BM-0063, so record it as client "
                           "C-200's payment");
  }
  EXPECT_TRUE(seen);
  fs::copy(test::source_dir() / "examples" / "firm", dir / "book");
  std::string payments = test::slurp(dir / "book" / "payments.csv");
  payments.replace(payments.find("SEPA BM-0063"), 12, "SEPA");
  test::write_file(dir / "book" / "payments.csv", payments);
  r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[payments.misapplied] (no single right value)\n"));
  fs::remove_all(dir);
}

// A credit note already on a line counts against what is left to credit on
// it, even when one finding is on the line: HL-101's line 1 is 50.00 over,
// which CN-X (60.00: 50.00 and its 20% tax) already returns. fix writes no
// second note, leaves CN-X as it was, and the letter says 540.00 is left to
// pay. The same holds for fix's own note once its `remedies` is blanked.
TEST(Fix, ANoteAlreadyOnTheLineIsNotCreditedAgainAndIsLeftUntouched) {
  const fs::path dir = test::temp_dir("fix-noted-line");
  fs::copy(test::source_dir() / kDraftBook, dir / "book");
  const std::string cn_x = "CN-X,C-1,HL-101,2025-10-01,60.00,Rate correction on line 1,Ruth Calder,1\n";
  test::write_file(dir / "book" / "credit_notes.csv",
                   "credit_note_id,client_id,invoice_id,date,amount,reason,approved_by,line_no\n" + cn_x);
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "fixed").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Credit notes written (issued and paid invoices are never edited; approve each note "
                               "before it is sent)\n  None.\n"));
  EXPECT_THAT(r.out, HasSubstr("[rates.contract-rate] (GBP 50.00 at stake): credited by CN-X\n"));
  const std::string notes = test::slurp(dir / "fixed" / "credit_notes.csv");
  EXPECT_THAT(notes, Not(HasSubstr("CN-HL-101")));
  EXPECT_THAT(notes, HasSubstr("CN-X,C-1,HL-101,2025-10-01,60.00,Rate correction on line 1,Ruth Calder,1"));
  EXPECT_THAT(notes, Not(HasSubstr("contract-rate")));  // CN-X names no finding and gets no internal note
  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("We have issued credit note CN-X, dated 2025-10-01, for GBP 60.00 against invoice HL-101.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice HL-101, GBP 540.00 is now left to pay"));

  // fix's own note, its `remedies` blanked, is not credited again either.
  r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "once").string() + "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string own = test::slurp(dir / "once" / "credit_notes.csv");
  const std::regex fingerprint(",[0-9a-f]{16},");
  own = std::regex_replace(own, fingerprint, ",,");
  test::write_file(dir / "once" / "credit_notes.csv", own);
  r = test::run_billcheck("fix '" + (dir / "once").string() + "' --out '" + (dir / "twice").string() +
                          "' --today 2026-01-16");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(test::slurp(dir / "twice" / "credit_notes.csv"), own);
  EXPECT_THAT(r.out, HasSubstr("credited by CN-HL-101-1\n"));
  fs::remove_all(dir);
}

// Under-billing on an issued invoice offsets its overcharges: the client is
// credited at most what they overpaid on the invoice overall, so that its
// total less the new notes is what the invoice corrected as a draft totals.
// HL-101's line 1 is 50.00 over (60.00 with its tax); its right total is
// 540.00. Billed at 500.00 (40.00 too little overall) it gets no note, and the
// letter does not say it charged too much, nor that every amount is as agreed;
// billed at 580.00 it gets 40.00.
TEST(Fix, AnIssuedInvoiceUnderBilledOverallIsCreditedOnlyWhatWasOverpaid) {
  const fs::path dir = test::temp_dir("fix-net");
  fs::copy(test::source_dir() / kDraftBook, dir / "under");
  std::string invoices = test::slurp(dir / "under" / "invoices.csv");
  const std::string total = ",GBP,,20,100.00,600.00,issued";
  ASSERT_NE(invoices.find(total), std::string::npos);
  std::string under = invoices;
  under.replace(under.find(total), total.size(), ",GBP,,20,100.00,500.00,issued");
  test::write_file(dir / "under" / "invoices.csv", under);
  auto r = test::run_billcheck("fix '" + (dir / "under").string() + "' --out '" + (dir / "fixed").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir / "fixed" / "credit_notes.csv") &&
               test::slurp(dir / "fixed" / "credit_notes.csv").find("HL-101") != std::string::npos);
  EXPECT_THAT(r.out, HasSubstr("[rates.contract-rate] (GBP 50.00 at stake): not credited: what the invoice "
                               "under-billed is taken off it instead\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("Overcharged on issued invoices")));
  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("We have reviewed your invoices HL-101 and found no error that made you pay more than "
                               "you owe. On invoice HL-101, what we charged you too much is no more than what we "
                               "billed you too little.\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("we charged you GBP")));
  EXPECT_THAT(r.out, Not(HasSubstr("as agreed")));
  EXPECT_THAT(r.out, Not(HasSubstr("credit note")));

  // Billed 580.00: 40.00 overpaid overall, the tax on it going back with it.
  fs::copy(test::source_dir() / kDraftBook, dir / "over");
  std::string over = invoices;
  over.replace(over.find(total), total.size(), ",GBP,,20,100.00,580.00,issued");
  test::write_file(dir / "over" / "invoices.csv", over);
  Engine engine(find_config(dir / "over", ""));
  const FixResult result = fix_book(engine, read_book(dir / "over"), on_day());
  ASSERT_EQ(result.book.credit_notes().size(), 1u);
  const CreditNote& note = result.book.credit_notes()[0];
  EXPECT_EQ(note.id, "CN-HL-101-1");
  EXPECT_EQ(note.amount, dec("40.00"));
  EXPECT_EQ(note.reason, "Line 1 of invoice HL-101 was billed above the agreed rate, so we credit GBP 40.00 (33.33 "
                         "and 6.67 tax on it).");
  BookData as_draft = read_book(dir / "over");
  for (Invoice& i : as_draft.invoices)
    if (i.id == "HL-101") i.status = test::text("draft");
  const FixResult drafted = fix_book(engine, std::move(as_draft), on_day());
  EXPECT_EQ(invoice(result.book, "HL-101").total - credited_on(result.book, "HL-101"),
            invoice(drafted.book, "HL-101").total);
  EXPECT_EQ(invoice(drafted.book, "HL-101").total, dec("540.00"));
  fs::remove_all(dir);
}

// An invoice with two overcharged lines and one under-billed gets two notes,
// and its under-billing is taken off the second, the one cut: TN-1 (lines
// 50.00 and 30.00 over at 20%, line 3 20.00 short) gets CN-TN-1-1 for 60.00
// and CN-TN-1-2 for 12.00 (36.00 less 24.00), and the summary and the letter
// name CN-TN-1-2 (they named CN-TN-1-1, which returns all it should). On
// TN-2 (line 3 50.00 short) the 60.00 outweighs line 2's 36.00: it gets no
// note, CN-TN-2-1 is cut to 36.00, and both say the note returns 24.00 less
// and 36.00 came off line 2 (they said 60.00 off CN-TN-2-1, and the letter
// promised line 2 a note). Each invoice less its notes is its corrected total.
TEST(Fix, NettedUnderBillingNamesTheNoteItWasTakenOff) {
  const fs::path dir = test::temp_dir("fix-netted-two-notes");
  auto r = test::run_billcheck("fix tests/data/remedies/two-notes-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TN-1-1 on invoice TN-1 line 1: GBP 60.00 (arithmetic)"));
  EXPECT_THAT(r.out, HasSubstr("CN-TN-1-2 on invoice TN-1 line 2: GBP 12.00 (arithmetic): Line 2 of invoice TN-1 was "
                               "miscalculated, so we credit GBP 12.00 (10.00 and 2.00 tax on it).\n"));
  EXPECT_THAT(r.out, HasSubstr("TN-1 line 3: Line 3 bills 1 × 450.00 = 450.00, but its amount is 430.00. "
                               "[arithmetic.line-amount] (GBP -20.00 at stake): taken off credit note CN-TN-1-2, which "
                               "returns GBP 24.00 less (20.00 and 4.00 tax on it)\n"));
  EXPECT_THAT(r.out, HasSubstr("CN-TN-2-1 on invoice TN-2 line 1: GBP 36.00 (arithmetic)"));
  EXPECT_THAT(r.out, Not(HasSubstr("CN-TN-2-2")));
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (GBP -50.00 at stake): taken off credit note CN-TN-2-1, "
                               "which returns GBP 24.00 less, and GBP 36.00 off the overcharges no note credits (50.00 "
                               "and 10.00 tax on it in all)\n"));
  EXPECT_THAT(r.out, HasSubstr("TN-2 line 2: Line 2 bills 1 × 100.00 = 100.00, but its amount is 130.00. "
                               "[arithmetic.line-amount] (GBP 30.00 at stake): not credited: what the invoice "
                               "under-billed is taken off it instead\n"));
  const Book fixed = load_book(dir / "a");
  EXPECT_EQ(invoice(fixed, "TN-1").total - credited_on(fixed, "TN-1"), dec("780.00"));
  EXPECT_EQ(invoice(fixed, "TN-2").total - credited_on(fixed, "TN-2"), dec("780.00"));

  r = test::run_billcheck("fix tests/data/remedies/two-notes-book --out '" + (dir / "b").string() +
                          "' --today 2026-01-15 -f json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> netted;
  for (const auto& i : summary["issued"])
    if (i.contains("netted_by")) netted[i["invoice"].get<std::string>()] = i;
  ASSERT_EQ(netted.size(), 2u);
  EXPECT_EQ(netted["TN-1"]["netted_by"], "CN-TN-1-2");
  EXPECT_EQ(netted["TN-1"]["netted_total"], "24.00");
  EXPECT_FALSE(netted["TN-1"].contains("offsets"));
  EXPECT_EQ(netted["TN-2"]["netted_by"], "CN-TN-2-1");
  EXPECT_EQ(netted["TN-2"]["netted_amount"], "50.00");
  EXPECT_EQ(netted["TN-2"]["netted_tax"], "10.00");
  EXPECT_EQ(netted["TN-2"]["netted_total"], "24.00");
  EXPECT_EQ(netted["TN-2"]["offsets"], "36.00");

  const std::string letter = "letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20";
  r = test::run_billcheck(letter + " --invoice TN-1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- Invoice TN-1 also billed you GBP 20.00 too little, and GBP 4.00 tax on it: rather "
                               "than ask you for it, we have taken GBP 24.00 off credit note CN-TN-1-2.\n"));
  r = test::run_billcheck(letter + " --invoice TN-2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- Invoice TN-2 also billed you GBP 50.00 too little, and GBP 10.00 tax on it: rather "
                               "than ask you for it, we have taken GBP 24.00 off credit note CN-TN-2-1 and GBP 36.00 "
                               "off what we charged you too much above (with the tax on it), for which we send no credit note.\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("will send you a credit note")));
  fs::remove_all(dir);
}

// The under-billing a credit note is cut by is settled by it: HL-101 billed
// at 580.00 (20.00 under, 50.00 + 10.00 tax over on line 1) gets a note of
// 40.00 that names the under-billing too, so the summary does not call it
// unrecovered and a later fix with recover_underbilling does not bill it
// again (it billed 24.00 more: the client paid 564.00, not 540.00). The letter
// states the overcharge (450.00, 50.00 and 10.00 tax), the note what goes back.
TEST(Fix, UnderBillingTakenOffACreditNoteIsNotRecoveredAgain) {
  const fs::path dir = test::temp_dir("fix-netted");
  fs::copy(test::source_dir() / kDraftBook, dir / "over");
  std::string invoices = test::slurp(dir / "over" / "invoices.csv");
  const std::string total = ",GBP,,20,100.00,600.00,issued";
  ASSERT_NE(invoices.find(total), std::string::npos);
  invoices.replace(invoices.find(total), total.size(), ",GBP,,20,100.00,580.00,issued");
  test::write_file(dir / "over" / "invoices.csv", invoices);
  auto r = test::run_billcheck("fix '" + (dir / "over").string() + "' --out '" + (dir / "fixed").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-HL-101-1 on invoice HL-101 line 1: GBP 40.00 (rate)"));
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.invoice-total] (GBP -20.00 at stake): taken off credit note CN-HL-101-1, "
                               "which returns GBP 20.00 less\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("not recovered")));
  EXPECT_THAT(r.out, Not(HasSubstr("Under-billed on issued invoices")));

  fs::copy(dir / "fixed", dir / "again", fs::copy_options::recursive);
  test::write_file(dir / "again" / "billcheck.yaml", "remedies:\n  recover_underbilling: true\n");
  r = test::run_billcheck("fix '" + (dir / "again").string() + "' --out '" + (dir / "again-fixed").string() +
                          "' --today 2026-02-01");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("Supplementary invoice")));
  EXPECT_THAT(test::slurp(dir / "again-fixed" / "invoices.csv"), Not(HasSubstr("HL-101-S1")));
  EXPECT_EQ(test::slurp(dir / "again-fixed" / "credit_notes.csv"), test::slurp(dir / "fixed" / "credit_notes.csv"));

  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("we billed GBP 500.00 where it should have been GBP 450.00, because the rate charged "
                               "was higher than the rate agreed with you: we charged you GBP 50.00 too much, and GBP "
                               "10.00 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-HL-101-1, dated 2026-01-15, for GBP 40.00 against "
                               "invoice HL-101.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice HL-101, GBP 540.00 is now left to pay"));
  fs::remove_all(dir);
}

// Billed at 500.00, HL-101 under-billed 100.00 and overcharged 60.00 with its
// tax: no note, and what is not recovered is 40.00, not 100.00.
TEST(Fix, UnderBillingTheOverchargesOffsetIsNotCountedAsNotRecovered) {
  const fs::path dir = test::temp_dir("fix-offsets");
  fs::copy(test::source_dir() / kDraftBook, dir / "under");
  std::string invoices = test::slurp(dir / "under" / "invoices.csv");
  const std::string total = ",GBP,,20,100.00,600.00,issued";
  ASSERT_NE(invoices.find(total), std::string::npos);
  invoices.replace(invoices.find(total), total.size(), ",GBP,,20,100.00,500.00,issued");
  test::write_file(dir / "under" / "invoices.csv", invoices);
  auto r = test::run_billcheck("fix '" + (dir / "under").string() + "' --out '" + (dir / "fixed").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.invoice-total] (GBP -100.00 at stake): under-billed, not recovered (GBP "
                               "60.00 of it offsets the invoice's overcharges)\n"));
  EXPECT_THAT(r.out, HasSubstr("Under-billed on issued invoices (not recovered): GBP 40.00\n"));
  fs::remove_all(dir);
}

// A note of the firm's returning part of a line's overcharge (CN-X, 30.00 of
// 60.00) and fix's note for the rest: the letter states the whole overcharge
// and names both notes (it said 470.00 and 30.00, and left CN-X out).
TEST(Fix, TheLetterNamesEveryNoteOnTheLineAndTheWholeOvercharge) {
  const fs::path dir = test::temp_dir("fix-part-note");
  fs::copy(test::source_dir() / kDraftBook, dir / "part");
  test::write_file(dir / "part" / "credit_notes.csv",
                   "credit_note_id,client_id,invoice_id,line_no,date,amount,reason,approved_by\n"
                   "CN-X,C-1,HL-101,1,2025-10-01,30.00,Partial rate refund,Ruth Calder\n");
  auto r = test::run_billcheck("fix '" + (dir / "part").string() + "' --out '" + (dir / "fixed").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_billcheck("letter '" + (dir / "fixed").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("we billed GBP 500.00 where it should have been GBP 450.00, because the rate charged "
                               "was higher than the rate agreed with you: we charged you GBP 50.00 too much, and GBP "
                               "10.00 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-HL-101-1, dated 2026-01-15, for GBP 30.00 against "
                               "invoice HL-101.\n"));
  EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-X, dated 2025-10-01, for GBP 30.00 against "
                               "invoice HL-101.\n"));
  fs::remove_all(dir);
}

// An invoice a firm's own note already credits in full gets no new note, and
// that note is left exactly as it was (no `remedies`, no `internal_note`
// added): fix never edits a record the book had.
TEST(Fix, ANoteOfTheFirmsThatCreditsTheInvoiceInFullIsLeftUntouched) {
  const fs::path dir = test::temp_dir("fix-firm-note");
  fs::copy(test::source_dir() / kDraftBook, dir / "book");
  const std::string notes = "credit_note_id,client_id,invoice_id,date,amount,reason,approved_by\n"
                            "CN-F,C-1,HL-101,2025-10-01,600.00,Invoice cancelled by agreement,Ruth Calder\n";
  test::write_file(dir / "book" / "credit_notes.csv", notes);
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "fixed").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("(GBP 50.00 at stake): credited by CN-F\n"));
  const std::string written = test::slurp(dir / "fixed" / "credit_notes.csv");
  EXPECT_THAT(written, HasSubstr("\nCN-F,C-1,HL-101,2025-10-01,600.00,Invoice cancelled by agreement,Ruth Calder"));
  EXPECT_THAT(written, Not(HasSubstr("contract-rate")));
  EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), 2);
  fs::remove_all(dir);
}

// tests/data/remedies/overlap-book: a line billed 3 h at 500.00 for 2 h at
// 450.00 at 20% is a rate error of 150.00 and an hours error of 500.00, 600.00
// together, so an hours note returns 450.00 and 90.00 tax. On OV-1 (60.00 over
// on line 1 with its tax, 460.00 and 92.00 tax short on line 3) the hours note
// is left out: the summary said "since the invoice under-billed as much or
// more", untrue of 460.00 against 500.00. On OV-2 the 610.00 and 122.00 tax
// short outweighs the 720.00 the notes would return, so fix writes none; the
// letter counted 780.00 (both errors in full), called the client overcharged
// and promised a credit note for each; the summary said 720.00 "of" the
// 610.00 offsets the overcharges, and left the 12.00 still owed unlisted.
TEST(Fix, AnOverchargeNettingLeavesWithNoNoteIsSaidTruly) {
  const fs::path dir = test::temp_dir("fix-overlap-offset");
  auto r = test::run_billcheck("fix tests/data/remedies/overlap-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("OV-1 line 2: Line 2 bills 3 h, but time entry T-1 records only 2 h: 1 h more than the "
                               "work recorded, 500.00 at 500.00 an hour. [services.hours-exceed-entry] (GBP 500.00 at "
                               "stake): not credited: what the invoice under-billed is taken off it instead\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("as much or more")));
  EXPECT_THAT(r.out, Not(HasSubstr("CN-OV-2")));
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (GBP -610.00 at stake): under-billed, not recovered (GBP "
                               "720.00 of it, counting the GBP 122.00 tax on it, offsets the invoice's overcharges)\n"));
  EXPECT_THAT(r.out, HasSubstr("Under-billed on issued invoices (not recovered): GBP 12.00\n"));

  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --invoice OV-2 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("We have reviewed your invoices OV-2 and found no error that made you pay more than you "
                               "owe. On invoice OV-2, what we charged you too much is no more than what we billed you "
                               "too little.\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("credit note")));
  EXPECT_THAT(r.out, Not(HasSubstr("we charged you GBP")));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --invoice OV-2 --today 2026-01-20 "
                          "--format html");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("<p>We have reviewed your invoices OV-2 and found no error that made you pay more than "
                               "you owe. On invoice OV-2, what we charged you too much is no more than what we billed "
                               "you too little.</p>\n"));
  fs::remove_all(dir);
}

// The letter says what OV-1's under-billing (460.00 and 92.00 tax on it)
// took off its note and what off the hours error fix left with no note, as
// the summary does: 12.00 and 540.00, what that note would have returned
// (450.00, the rest of the line's 600.00 being the rate error's, and 90.00
// tax). It said 0.00 and 552.00, from the hours error's 500.00 and 100.00
// tax as if it did not overlap the rate error that CN-OV-1-2 credits.
TEST(Fix, TheLetterSaysWhatNettingTookOffAnOverlappingErrorAsTheSummaryDoes) {
  const fs::path dir = test::temp_dir("fix-overlap-letter");
  auto r = test::run_billcheck("fix tests/data/remedies/overlap-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (GBP -460.00 at stake): taken off credit note CN-OV-1-2, "
                               "which returns GBP 12.00 less, and GBP 540.00 off the overcharges no note credits "
                               "(460.00 and 92.00 tax on it in all)\n"));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --invoice OV-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- Invoice OV-1 also billed you GBP 460.00 too little, and GBP 92.00 tax on it: rather "
                               "than ask you for it, we have taken GBP 12.00 off credit note CN-OV-1-2 and GBP 540.00 "
                               "off what we charged you too much above (with the tax on it), for which we send no "
                               "credit note.\n"));
  fs::remove_all(dir);
}

// The letter reckons what fix's notes would return as fix does: after the
// firm's own notes, and never beyond what is left of the invoice. TN-2 (lines
// 50.00 and 30.00 over at 20%, line 3 50.00 and 10.00 tax short): with the
// firm's CN-X returning line 2's 36.00, a note on line 1 would return 60.00,
// no more than the under-billing, so fix writes none and the letter says line
// 2 was credited by CN-X and promises nothing. With the firm's CN-Y of 780.00
// on the invoice, only 36.00 is left to return, and the letter finds no error
// that made the client pay too much. It promised a credit note for each
// (from 96.00, both lines and their tax, as if neither note were there).
TEST(Fix, TheLetterReckonsTheFirmsOwnNotesAndTheInvoiceTotalAsFixDoes) {
  const fs::path dir = test::temp_dir("fix-firm-notes-netting");
  const fs::path book = test::data_dir() / "remedies" / "two-notes-book";
  const std::string header = "credit_note_id,client_id,invoice_id,line_no,date,amount,reason,approved_by\n";
  for (const auto& [name, note] : {std::pair{"line", "CN-X,C-1,TN-2,2,2025-10-20,36.00,Copying refund,Ruth Calder\n"},
                                   std::pair{"invoice", "CN-Y,C-1,TN-2,,2025-10-20,780.00,Agreed reduction,Ruth Calder\n"}}) {
    fs::copy(book, dir / name);
    test::write_file(dir / name / "credit_notes.csv", header + note);
    auto r = test::run_billcheck("fix '" + (dir / name).string() + "' --out '" + (dir / name).string() +
                                 "-fixed' --today 2026-01-15");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.out, Not(HasSubstr("CN-TN-2"))) << name;
    EXPECT_THAT(r.out, HasSubstr("TN-2 line 1: Line 1 bills 1 × 100.00 = 100.00, but its amount is 150.00. "
                                 "[arithmetic.line-amount] (GBP 50.00 at stake): not credited: what the invoice "
                                 "under-billed is taken off it instead\n"));
  }
  const std::string letter = "' --client C-1 --invoice TN-2 --today 2026-01-20";
  auto r = test::run_billcheck("letter '" + (dir / "line-fixed").string() + letter);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("We have reviewed your invoices TN-2 and found an error in what we billed you."));
  EXPECT_THAT(r.out, HasSubstr("- On invoice TN-2, line 2 (Copying of exhibits 2), we billed GBP 130.00 where it should "
                               "have been GBP 100.00, because the amount was miscalculated: we charged you GBP 30.00 "
                               "too much, and GBP 6.00 tax on it.\n\nWhat we have done:\n- We have issued credit note "
                               "CN-X, dated 2025-10-20, for GBP 36.00 against invoice TN-2.\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("line 1")));
  EXPECT_THAT(r.out, Not(HasSubstr("will send you a credit note")));
  r = test::run_billcheck("letter '" + (dir / "invoice-fixed").string() + letter);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("We have reviewed your invoices TN-2 and found no error that made you pay more than you "
                               "owe. On invoice TN-2, what we charged you too much is no more than what we billed you "
                               "too little.\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("will send you a credit note")));
  fs::remove_all(dir);
}

// Two errors on one line overlap, and fix credits the line once: the letter
// gives the later one only what it adds, so that its list adds up to what
// the notes return. HL-201's line 1 (3 h at 500.00 for 2 h at 450.00) is a
// rate error of 150.00 and an hours error of 450.00 on top of it, as
// CN-HL-201-2 credits it (the letter said 500.00: 650.00 for 600.00
// credited). An error whose money the one before it takes in full (half of a
// line billed wholly twice) is not stated again: its note is the other's.
TEST(Fix, TheLettersErrorsOnOneLineAddUpToWhatTheNotesReturn) {
  const fs::path dir = test::temp_dir("fix-overlap-shares");
  auto r = test::run_billcheck("fix tests/data/remedies/same-line-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- On invoice HL-201, line 1 (Call on the Portishead break clause), we billed GBP "
                               "1500.00 where it should have been GBP 1350.00, because the rate charged was higher "
                               "than the rate agreed with you: we charged you GBP 150.00 too much.\n- On invoice "
                               "HL-201, line 1 (Call on the Portishead break clause), we billed GBP 1500.00 where it "
                               "should have been GBP 900.00, because more hours were billed than were recorded: we "
                               "charged you GBP 450.00 too much on top of the error above.\n"));
  EXPECT_THAT(r.out, HasSubstr("credit note CN-HL-201-2, dated 2026-01-15, for GBP 450.00 against invoice HL-201.\n"));

  Engine engine(find_config(same_line_book(), ""));
  RuleInfo whole{.id = "host.a-whole", .title = "Whole", .category = "duplicates", .severity = Severity::error,
                 .description = "The whole of HL-201's line 2."};
  whole.scope = Scope::line;
  RuleInfo half = whole;
  half.id = "host.b-half";
  engine.add_rule(whole, [](const Options&) { return std::make_unique<WholeLine>(); });
  engine.add_rule(half, [](const Options&) { return std::make_unique<HalfLine>(); });
  const FixResult result = fix_book(engine, read_book(same_line_book()), on_day());
  LetterRequest request;
  request.client = "C-1";
  request.check = on_day();
  const std::string letter = billcheck::letter(engine, result.book, request, DocumentFormat::text);
  EXPECT_THAT(letter, HasSubstr("and found 3 errors in what we billed you."));
  EXPECT_THAT(letter, HasSubstr("- On invoice HL-201, line 2 (Draft of the break notice), we billed GBP 260.00 where it "
                                "should have been GBP 0.00, because the same work was billed twice: we "
                                "charged you GBP 260.00 too much.\n"));
  EXPECT_THAT(letter, Not(HasSubstr("GBP 130.00")));
  fs::remove_all(dir);
}

// "On top of the error above" points at an error the letter states: on
// HL-201's line 1, a client-info finding (left out of letters) before the
// rate error made the letter's first sentence "... should have been GBP
// 1290.00 ...: we charged you GBP 150.00 too much on top of the error above",
// with no error above it, and the hours error's "should have been" took the
// unstated 60.00 off too (790.00).
TEST(Fix, TheErrorAboveIsOneTheLetterStates) {
  Engine engine(find_config(same_line_book(), ""));
  RuleInfo ceiling{.id = "host.a-ceiling", .title = "Ceiling", .category = "client-info", .severity = Severity::warning,
                   .description = "HL-201's line 1 above a ceiling in the client's record."};
  ceiling.scope = Scope::line;
  engine.add_rule(ceiling, [](const Options&) { return std::make_unique<CeilingInTheClientRecord>(); });
  LetterRequest request;
  request.client = "C-1";
  request.check = on_day();
  const std::string letter = billcheck::letter(engine, load_book(same_line_book()), request, DocumentFormat::text);
  EXPECT_THAT(letter, HasSubstr("and found 2 errors in what we billed you."));
  EXPECT_THAT(letter, HasSubstr("- On invoice HL-201, line 1 (Call on the Portishead break clause), we billed GBP "
                                "1500.00 where it should have been GBP 1350.00, because the rate charged was higher "
                                "than the rate agreed with you: we charged you GBP 150.00 too much.\n- On invoice "
                                "HL-201, line 1 (Call on the Portishead break clause), we billed GBP 1500.00 where it "
                                "should have been GBP 850.00, because more hours were billed than were recorded: we "
                                "charged you GBP 500.00 too much on top of the error above.\n"));
}

namespace {

/// Replaces the first `from` in the file at `path` with `to` (a test failure when it has none).
void replace_in_file(const fs::path& path, const std::string& from, const std::string& to) {
  std::string text = test::slurp(path);
  const std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << path << " has no '" << from << "'";
  text.replace(at, from.size(), to);
  test::write_file(path, text);
}

/// tests/data/remedies/tax-rounding-book in `dir`/book without its
/// billcheck.yaml: TR-1 (at 20%) billing `lines` (rows of invoice_lines.csv),
/// with `tax` and `total` for its 39.02 and 234.10.
void tax_rounding_book(const fs::path& dir, const std::string& lines, const std::string& tax,
                       const std::string& total) {
  fs::copy(test::data_dir() / "remedies" / "tax-rounding-book", dir / "book");
  fs::remove(dir / "book" / "billcheck.yaml");
  test::write_file(dir / "book" / "invoice_lines.csv",
                   "invoice_id,line_no,type,date,timekeeper_id,entry_id,task_code,activity_code,expense_code,"
                   "description,quantity,rate,adjustment,amount\n" + lines);
  replace_in_file(dir / "book" / "invoices.csv", ",20,39.02,234.10,issued", ",20," + tax + "," + total + ",issued");
}

}  // namespace

// fix run again on a book an earlier fix credited: the new notes' tax is
// reckoned on what is left to bill after the notes the book has. TR-1 at 20%
// bills 500.00 (450.02 as corrected) and 300.00, 960.00 with tax; the first
// fix returns 49.98 and 10.00 tax. Line 2's rate then proves to be 280.01:
// corrected, the lines are 730.03 and 146.01 tax, 876.04, so the second note
// returns 19.99 and 3.99 tax (150.00 on 750.02 less 146.01), as the letter
// says. It returned 4.00, the tax reckoned on the lines as billed (160.00
// less 156.00 on 780.01): 876.03 left, a cent more than the invoice owed back.
TEST(Fix, ASecondFixTaxesItsNotesAfterTheNotesTheBookHas) {
  const fs::path dir = test::temp_dir("fix-again-tax");
  tax_rounding_book(dir,
                    "TR-1,1,expense,2025-08-11,,,,,E101,Copying of bundle 1,1,450.02,,500.00\n"
                    "TR-1,2,expense,2025-08-21,,,,,E101,Copying of exhibits 1,1,300.00,,300.00\n",
                    "160.00", "960.00");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 59.98 (arithmetic): Line 1 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 59.98 (49.98 and 10.00 tax on it).\n"));
  replace_in_file(dir / "a" / "invoice_lines.csv", ",1,300.00,,300.00", ",1,280.01,,300.00");
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-2 on invoice TR-1 line 2: GBP 23.98 (arithmetic): Line 2 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 23.98 (19.99 and 3.99 tax on it).\n"));
  const Book fixed = load_book(dir / "b");
  EXPECT_EQ(invoice(fixed, "TR-1").total - credited_on(fixed, "TR-1"), dec("876.04"));
  r = test::run_billcheck("letter '" + (dir / "b").string() + "' --client C-1 --today 2026-01-21");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("we charged you GBP 19.99 too much, and GBP 3.99 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 876.04 is now left to pay, due by 2025-10-03.\n"));
  fs::remove_all(dir);
}

// tests/data/remedies/tax-rounding-book (recover_underbilling): TR-1 at 20%
// bills line 2 10.03 short and line 3 5.05 over; corrected, its lines come to
// 200.06 and 40.01 tax, 240.07. The note returns 5.05 and 1.01 tax; the
// supplement asks 10.03 and 2.00 tax, what the under-billing adds to the tax
// on the corrected lines (40.01 less 38.01 on 190.03), so that 234.10 - 6.06
// + 12.03 is 240.07. It asked 2.01, the tax on 10.03 rounded alone: 240.08.
TEST(Fix, TheSupplementsTaxMakesTheCorrectedTotalToTheCent) {
  const fs::path book = test::data_dir() / "remedies" / "tax-rounding-book";
  const fs::path dir = test::temp_dir("fix-tax-rounding");
  auto r = test::run_billcheck("fix tests/data/remedies/tax-rounding-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 3: GBP 6.06 (arithmetic): Line 3 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 6.06 (5.05 and 1.01 tax on it).\n"));
  EXPECT_THAT(r.out, HasSubstr("Supplementary invoice TR-1-S1 (draft) for what invoice TR-1 under-billed: GBP 12.03\n"));
  EXPECT_THAT(test::slurp(dir / "a" / "invoices.csv"),
              HasSubstr("\nTR-1-S1,C-1,E-1,2026-01-15,,,2026-02-14,GBP,,,2.00,12.03,draft,TR-1,"));
  const Book fixed = load_book(dir / "a");
  Engine engine(find_config(book, ""));
  BookData as_draft = read_book(book);
  as_draft.invoices[0].status = test::text("draft");
  const FixResult drafted = fix_book(engine, std::move(as_draft), on_day());
  EXPECT_EQ(invoice(drafted.book, "TR-1").total, dec("240.07"));
  EXPECT_EQ(invoice(fixed, "TR-1").total - credited_on(fixed, "TR-1") + invoice(fixed, "TR-1-S1").total,
            invoice(drafted.book, "TR-1").total);
  fs::remove_all(dir);
}

// What the summary says a netted under-billing takes off a credit note is
// what the note was cut by, tax and all: each note of tests/data/remedies/
// underbilled-book, 120.00 before it was cut (108.00 on UB-3, which keeps
// back 10.00 of its 10% discount), is cut by the figure the summary gives
// (18.00 on UB-3, the 15.00 under-billed and 3.00 tax on it; 60.00 on UB-4), as its internal note records. Not a fault left: this holds.
TEST(Fix, TheFigureANettedUnderBillingTakesOffIsWhatTheNoteWasCutBy) {
  const fs::path dir = test::temp_dir("fix-netted-cut");
  auto r = test::run_billcheck("fix tests/data/remedies/underbilled-book --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string notes = test::slurp(dir / "a" / "credit_notes.csv");
  for (const auto& [id, less, cut] : {std::tuple{"CN-UB-1-1", "20.00 less\n", "cut from 120.00 to 100.00"},
                                      std::tuple{"CN-UB-2-1", "10.00 less\n", "cut from 120.00 to 110.00"},
                                      std::tuple{"CN-UB-3-1", "18.00 less (15.00 and 3.00 tax on it)\n",
                                                 "cut from 108.00 to 90.00"},
                                      std::tuple{"CN-UB-4-1", "60.00 less (50.00 and 10.00 tax on it)\n",
                                                 "cut from 120.00 to 60.00"}}) {
    EXPECT_THAT(r.out, HasSubstr(std::string("taken off credit note ") + id + ", which returns GBP " + less));
    const std::size_t row = notes.find(std::string("\n") + id + ",");
    ASSERT_NE(row, std::string::npos) << id;
    EXPECT_THAT(notes.substr(row + 1, notes.find('\n', row + 1) - row - 1), HasSubstr(cut)) << id;
  }
  fs::remove_all(dir);
}

// The same rounding where the under-billing is taken off a credit note:
// tests/data/remedies/tax-rounding-book without recover_underbilling and with
// line 3 25.05 over (258.10) corrects to 240.07. Its note, 30.06 (25.05 and
// 5.01 tax), is cut by 10.03 and 2.00 tax, what the under-billing adds to the
// tax on the corrected lines, to 18.03: 258.10 - 18.03 is 240.07, what the
// letter says is left to pay. It was cut by 2.01 of tax, to 18.02.
TEST(Fix, UnderBillingTakenOffANoteTakesTheTaxTheCorrectedInvoiceCharges) {
  const fs::path dir = test::temp_dir("fix-tax-rounding-netted");
  fs::copy(test::data_dir() / "remedies" / "tax-rounding-book", dir / "book");
  fs::remove(dir / "book" / "billcheck.yaml");
  replace_in_file(dir / "book" / "invoice_lines.csv", ",1,40.00,,45.05", ",1,40.00,,65.05");
  replace_in_file(dir / "book" / "invoices.csv", ",20,39.02,234.10,issued", ",20,43.02,258.10,issued");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 3: GBP 18.03 (arithmetic)"));
  EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (GBP -10.03 at stake): taken off credit note CN-TR-1-1, which "
                               "returns GBP 12.03 less (10.03 and 2.00 tax on it)\n"));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- Invoice TR-1 also billed you GBP 10.03 too little, and GBP 2.00 tax on it: rather "
                               "than ask you for it, we have taken GBP 12.03 off credit note CN-TR-1-1.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 240.07 is now left to pay, due by 2025-10-03.\n"));
  fs::remove_all(dir);
}

// The letter gives the tax on an overcharge that its note returns, reckoned
// as fix reckons it: tests/data/remedies/tax-rounding-book with line 3 5.03
// over (195.12 in lines at 20%) gets CN-TR-1-1 for 6.03, 5.03 and 1.00 tax
// (39.02 on 195.12 less 38.02 on 190.09), and the letter says 1.00 too. It
// said 1.01, the tax on 5.03 rounded alone: 6.04 for a note of 6.03.
TEST(Fix, TheLetterSaysTheTaxTheNoteReturns) {
  const fs::path dir = test::temp_dir("fix-letter-note-tax");
  fs::copy(test::data_dir() / "remedies" / "tax-rounding-book", dir / "book");
  replace_in_file(dir / "book" / "invoice_lines.csv", ",1,40.00,,45.05", ",1,40.06,,45.09");
  replace_in_file(dir / "book" / "invoices.csv", ",20,39.02,234.10,issued", ",20,39.02,234.14,issued");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 3: GBP 6.03 (arithmetic): Line 3 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 6.03 (5.03 and 1.00 tax on it).\n"));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- On invoice TR-1, line 3 (Copying of exhibits 1), we billed GBP 45.09 where it should "
                               "have been GBP 40.06, because the amount was miscalculated: we charged you GBP 5.03 too "
                               "much, and GBP 1.00 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-TR-1-1, dated 2026-01-15, for GBP 6.03 against invoice "
                               "TR-1.\n"));
  fs::remove_all(dir);
}

// A second fix whose new error is on a line listed before one an earlier
// note credits: tests/data/remedies/tax-rounding-book's TR-1 at 20% bills
// 500.01 and 300.00 (292.97 as corrected), 160.00 tax, 960.01. The first fix
// returns 7.03 and 1.40 tax (160.00 less 158.60 on 792.98): CN-TR-1-1, 8.43.
// Line 1's rate then proves to be 495.00, and a second fix writes CN-TR-1-2.
// Gives the folder, with the second fix's book in `b`, and its summary.
std::pair<fs::path, std::string> fix_twice_the_second_error_first(const std::string& name) {
  const fs::path dir = test::temp_dir(name);
  tax_rounding_book(dir,
                    "TR-1,1,expense,2025-08-11,,,,,E101,Copying of bundle 1,1,500.01,,500.01\n"
                    "TR-1,2,expense,2025-08-21,,,,,E101,Copying of exhibits 1,1,292.97,,300.00\n",
                    "160.00", "960.01");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 2: GBP 8.43 (arithmetic): Line 2 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 8.43 (7.03 and 1.40 tax on it).\n"));
  replace_in_file(dir / "a" / "invoice_lines.csv", ",1,500.01,,500.01", ",1,495.00,,500.01");
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-20");
  EXPECT_EQ(r.status, 0) << r.err;
  return {dir, r.out};
}

// Corrected, TR-1's lines above are 787.97 and 157.59 tax, 945.56, so the
// second note returns 5.01 and 1.01 tax (158.60 on 792.98 less 157.59). It
// returned 1.00: CN-TR-1-1's 8.43 less the tax at the rate, rounded, is 7.02,
// not the 7.03 it returned, so the tax was reckoned on 792.99 (158.60 less
// 157.60 on 787.98): 945.57 left, a cent more than the invoice corrected.
TEST(Fix, ASecondFixCountsTheEarlierNoteAtWhatItReturnedBeforeTax) {
  const auto [dir, summary] = fix_twice_the_second_error_first("fix-again-before-tax");
  EXPECT_THAT(summary, HasSubstr("CN-TR-1-2 on invoice TR-1 line 1: GBP 6.02 (arithmetic): Line 1 of invoice TR-1 was "
                                 "miscalculated, so we credit GBP 6.02 (5.01 and 1.01 tax on it).\n"));
  const Book fixed = load_book(dir / "b");
  EXPECT_EQ(invoice(fixed, "TR-1").total - credited_on(fixed, "TR-1"), dec("945.56"));
  fs::remove_all(dir);
}

// The letter on that book states each error's tax as its note returns it,
// reckoned in the order the notes were written, not the order the errors are
// listed: line 1's 5.01 and 1.01 tax (CN-TR-1-2's 6.02), line 2's 7.03 and
// 1.40 tax (CN-TR-1-1's 8.43). It said 1.00 and 1.41, line 1's tax reckoned
// first, on all of the lines (160.00 less 159.00 on 795.00).
TEST(Fix, TheLetterStatesTheTaxInTheOrderTheNotesWereWritten) {
  const auto [dir, summary] = fix_twice_the_second_error_first("fix-again-letter");
  const auto r = test::run_billcheck("letter '" + (dir / "b").string() + "' --client C-1 --today 2026-01-21");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("line 1 (Copying of bundle 1), we billed GBP 500.01 where it should have been GBP "
                               "495.00, because the amount was miscalculated: we charged you GBP 5.01 too much, and "
                               "GBP 1.01 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("line 2 (Copying of exhibits 1), we billed GBP 300.00 where it should have been GBP "
                               "292.97, because the amount was miscalculated: we charged you GBP 7.03 too much, and "
                               "GBP 1.40 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-TR-1-1, dated 2026-01-15, for GBP 8.43 against invoice "
                               "TR-1.\n"));
  EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-TR-1-2, dated 2026-01-20, for GBP 6.02 against invoice "
                               "TR-1.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 945.56 is now left to pay, due by 2025-10-03.\n"));
  fs::remove_all(dir);
}

namespace {

// TR-1 (tax-rounding-book, without its billcheck.yaml) on engagement
// `engagement`: one line billed 100.00 whose amount should be `should_be`,
// less a 10.00 discount, 18.00 tax at 20%, 108.00, in `status`.
fs::path discounted_tr1(const std::string& name, const std::string& engagement, const std::string& should_be,
                        const std::string& status) {
  const fs::path dir = test::temp_dir(name);
  tax_rounding_book(dir, "TR-1,1,expense,2025-08-11,,,,,E101,Copying of bundle 1,1," + should_be + ",,100.00\n",
                    "39.02", "234.10");
  replace_in_file(dir / "book" / "invoices.csv", ",E-1,2025-09-03,", "," + engagement + ",2025-09-03,");
  replace_in_file(dir / "book" / "invoices.csv", ",GBP,,20,39.02,234.10,issued", ",GBP,10.00,20,18.00,108.00," + status);
  return dir;
}

}  // namespace

// The discount is an amount written on the invoice; an engagement's
// discount_pct holds it to that percentage of the lines
// (credit.discount-above-agreed), and a draft fix cuts it to the percentage
// of the corrected lines. TR-1 on E-2 (10% agreed), a line of 100.00 that
// should be 5.00, corrects as a draft to 5.00 less 0.50 and 0.90 tax, 5.40.
// Issued, its note returned the line's 95.00 whole with the tax the total
// left, 108.00: the client owed nothing where the draft says 5.40. The note
// now keeps back the 9.50 of the discount the line no longer earns: 85.50 and
// 17.10 tax on it, 102.60, and 108.00 less 102.60 is the draft's 5.40.
TEST(Fix, ANoteOnADiscountedInvoiceKeepsBackTheLinesShareOfTheDiscount) {
  const fs::path draft = discounted_tr1("fix-discount-share-draft", "E-2", "5.00", "draft");
  auto r = test::run_billcheck("fix '" + (draft / "book").string() + "' --out '" + (draft / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(test::slurp(draft / "a" / "invoices.csv"), HasSubstr(",GBP,0.50,20,0.90,5.40,draft"));
  fs::remove_all(draft);

  const fs::path dir = discounted_tr1("fix-discount-share", "E-2", "5.00", "issued");
  r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                          "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 102.60 (arithmetic): Line 1 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 102.60 (95.00 less 9.50 of the discount, and 17.10 "
                               "tax on it).\n"));
  EXPECT_THAT(r.out, HasSubstr("Credited: GBP 102.60\n"));
  EXPECT_THAT(r.out, HasSubstr("Overcharged on issued invoices: GBP 102.60\n"));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- On invoice TR-1, line 1 (Copying of bundle 1), we billed GBP 100.00 where it should "
                               "have been GBP 5.00, because the amount was miscalculated: we charged you GBP 95.00 too "
                               "much, less GBP 9.50 of the discount, and GBP 17.10 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-TR-1-1, dated 2026-01-15, for GBP 102.60 against "
                               "invoice TR-1.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 5.40 is now left to pay, due by 2025-10-03.\n"));
  // Run again, fix writes nothing more: the note returned what the draft changes.
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() +
                          "' --today 2026-01-16");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(test::slurp(dir / "a" / "credit_notes.csv"), test::slurp(dir / "b" / "credit_notes.csv"));
  fs::remove_all(dir);
}

// A discount with no percentage agreed (TR-1 on E-1) is the amount written,
// and a draft fix leaves it: a line of 100.00 that should be 50.00 corrects
// to 50.00 less 10.00 and 8.00 tax, 48.00, and the issued invoice's note
// returns the line's 50.00 whole with 10.00 tax on it, 60.00 (108.00 less
// 60.00 is 48.00).
TEST(Fix, AFixedDiscountStaysWhole) {
  const fs::path draft = discounted_tr1("fix-fixed-discount-draft", "E-1", "50.00", "draft");
  auto r = test::run_billcheck("fix '" + (draft / "book").string() + "' --out '" + (draft / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(test::slurp(draft / "a" / "invoices.csv"), HasSubstr(",GBP,10.00,20,8.00,48.00,draft"));
  fs::remove_all(draft);

  const fs::path dir = discounted_tr1("fix-fixed-discount", "E-1", "50.00", "issued");
  r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                          "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 60.00 (arithmetic): Line 1 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 60.00 (50.00 and 10.00 tax on it).\n"));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("we charged you GBP 50.00 too much, and GBP 10.00 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 48.00 is now left to pay, due by 2025-10-03.\n"));
  fs::remove_all(dir);
}

// Where the invoice's total caps a note's tax (fix credits no more than the
// invoice), the letter states the tax the note returns: TR-1 on E-1 (a
// 10.00 discount, no percentage agreed, so it stays whole) bills a line of
// 100.00 that should be 5.00, with 18.00 tax at 20%, 108.00. CN-TR-1-1
// returns 95.00 and 13.00 tax, the 108.00 left; the letter said "GBP 19.00
// tax on it", the tax at the rate (18.00 on 90.00 less -1.00 on -5.00), 6.00
// more than the note returns.
TEST(Fix, TheLetterSaysTheTaxTheInvoicesTotalLeftTheNote) {
  const fs::path dir = discounted_tr1("fix-letter-capped-tax", "E-1", "5.00", "issued");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 108.00 (arithmetic): Line 1 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 108.00 (95.00 and 13.00 tax on it).\n"));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- On invoice TR-1, line 1 (Copying of bundle 1), we billed GBP 100.00 where it should "
                               "have been GBP 5.00, because the amount was miscalculated: we charged you GBP 95.00 too "
                               "much, and GBP 13.00 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-TR-1-1, dated 2026-01-15, for GBP 108.00 against "
                               "invoice TR-1.\n"));
  fs::remove_all(dir);
}

// A note fix cuts by an under-billing that is tax (the invoice charged 1.00
// too little) returns its line's overcharge whole and less of the tax: TR-1
// at 20% bills 100.00 and 50.00 (40.00 as corrected), 29.00 tax, 179.00, and
// CN-TR-1-1 returns 10.00 and 1.00 tax, 11.00 (it said 9.17 and 1.83, the
// amount less the tax at the rate). Line 1's rate then proves to be 95.03:
// corrected, the lines are 135.03 and 27.01 tax, 162.04, so the second note
// returns 4.97 and 0.99 tax (28.00 on 140.00 less 27.01). It returned 1.00,
// CN-TR-1-1 counted at 9.17 (28.17 on 140.83 less 27.17): 162.03 left.
TEST(Fix, ASecondFixCountsACutNoteAtWhatItReturnedBeforeTax) {
  const fs::path dir = test::temp_dir("fix-again-cut-note");
  tax_rounding_book(dir,
                    "TR-1,1,expense,2025-08-11,,,,,E101,Copying of bundle 1,1,100.00,,100.00\n"
                    "TR-1,2,expense,2025-08-21,,,,,E101,Copying of exhibits 1,1,40.00,,50.00\n",
                    "29.00", "179.00");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 2: GBP 11.00 (arithmetic): Line 2 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 11.00 (10.00 and 1.00 tax on it).\n"));
  replace_in_file(dir / "a" / "invoice_lines.csv", ",1,100.00,,100.00", ",1,95.03,,100.00");
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-2 on invoice TR-1 line 1: GBP 5.96 (arithmetic): Line 1 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 5.96 (4.97 and 0.99 tax on it).\n"));
  const Book fixed = load_book(dir / "b");
  EXPECT_EQ(invoice(fixed, "TR-1").total - credited_on(fixed, "TR-1"), dec("162.04"));
  r = test::run_billcheck("letter '" + (dir / "b").string() + "' --client C-1 --today 2026-01-21");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("we charged you GBP 4.97 too much, and GBP 0.99 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 162.04 is now left to pay, due by 2025-10-03.\n"));
  fs::remove_all(dir);
}

// "Overcharged on issued invoices" counts an overcharge with the tax paid on
// it, whoever credits it: HL-101's line 1, 50.00 over at 20%, is GBP 60.00
// credited by fix's CN-HL-101-1 and GBP 60.00 credited by the firm's own
// CN-X. It was 50.00 with CN-X, the overcharge without its tax.
TEST(Fix, OverchargedOnIssuedInvoicesCountsTheTaxWhoeverCreditsIt) {
  const fs::path dir = test::temp_dir("fix-overcharged-tax");
  auto r = test::run_billcheck("fix " + kDraftBook.string() + " --out '" + (dir / "own").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("credited by CN-HL-101-1\nOvercharged on issued invoices: GBP 60.00\n"));
  fs::copy(test::source_dir() / kDraftBook, dir / "book");
  test::write_file(dir / "book" / "credit_notes.csv",
                   "credit_note_id,client_id,invoice_id,date,amount,reason,approved_by,line_no\n"
                   "CN-X,C-1,HL-101,2025-10-01,60.00,Rate correction on line 1,Ruth Calder,1\n");
  r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "fixed").string() +
                          "' --today 2026-01-15 --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["issued_overcharged"], nlohmann::json::parse(R"([{"currency": "GBP", "amount": "60.00"}])"));
  r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "text").string() +
                          "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("credited by CN-X\nOvercharged on issued invoices: GBP 60.00\n"));
  fs::remove_all(dir);
}

// A note of the firm's on a line of an invoice whose discount is agreed as a
// percentage is read as the note of fix's that returns as much: TR-1 on E-2
// (10% agreed) bills a line of 100.00 that should be 5.00, less 10.00, 18.00
// tax at 20% (108.00), and the firm's CN-X returns 102.60 on line 1, what
// fix's note would (95.00 less 9.50 of the discount, and 17.10 tax on it).
// fix wrote CN-TR-1-1 for 5.40 besides (CN-X counted at its 85.50 before
// tax, 9.50 of the line still to credit), leaving nothing to pay where the
// draft's total is 5.40, and the letter said "less GBP 90.50 of the
// discount". Now fix writes nothing. The summary and the letter reckon the
// overcharge as fix's note would return it, also where the firm's note
// returns more (108.00): the summary said GBP 108.00, the letter "GBP 95.00
// too much, and GBP 19.00 tax on it".
TEST(Fix, AFirmsNoteOnADiscountedLineIsReadAsTheNoteFixWouldWrite) {
  for (const auto& [amount, left] : {std::pair<std::string, std::string>{"102.60", "GBP 5.40 is now left to pay, due by 2025-10-03.\n"},
                                     std::pair<std::string, std::string>{"108.00", "nothing is left to pay.\n"}}) {
    const fs::path dir = discounted_tr1("fix-firms-discounted-note-" + amount, "E-2", "5.00", "issued");
    test::write_file(dir / "book" / "credit_notes.csv",
                     "credit_note_id,client_id,invoice_id,date,amount,reason,approved_by,line_no\n"
                     "CN-X,C-1,TR-1,2025-10-01," + amount + ",Correction on line 1,Ruth Calder,1\n");
    auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                                 "' --today 2026-01-15");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("approve each note before it is sent)\n  None.\n")) << amount;
    EXPECT_THAT(r.out, HasSubstr("credited by CN-X\nOvercharged on issued invoices: GBP 102.60\n")) << amount;
    r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("- On invoice TR-1, line 1 (Copying of bundle 1), we billed GBP 100.00 where it "
                                 "should have been GBP 5.00, because the amount was miscalculated: we charged you GBP "
                                 "95.00 too much, less GBP 9.50 of the discount, and GBP 17.10 tax on it.\n"))
        << amount;
    EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, " + left)) << amount;
    fs::remove_all(dir);
  }
}

// fix run again after a further error on a line an earlier note credits, on
// an invoice whose discount is agreed as a percentage: tests/data/remedies/
// draft-book's HL-101, on E-1 with 10% agreed, bills 1 h at 500.00 (450.00
// agreed), less 50.00, 90.00 tax at 20%, 540.00, and the first fix's
// CN-HL-101-1 returns 54.00 (50.00 less 5.00 of the discount, and 9.00 tax
// on it). Time entry T-4 then proves to be 0.6 h: as a draft, the line is
// 0.6 h at 450.00, 270.00, less 27.00, and 48.60 tax, 291.60, so the second
// note returns 194.40 (180.00 less 18.00, and 32.40 tax on it). It returned
// 199.80 (185.00 less 18.50, and 33.30 tax): CN-HL-101-1 was counted at the
// 45.00 it returned, not the 50.00 it took off the line, and the client was
// left 286.20 to pay.
TEST(Fix, ASecondFixCountsADiscountedNoteAtWhatItTookOffTheLine) {
  const fs::path dir = test::temp_dir("fix-again-discounted");
  fs::copy(test::source_dir() / kDraftBook, dir / "book");
  replace_in_file(dir / "book" / "engagements.csv", ",monthly,30,,,", ",monthly,30,10,,");
  replace_in_file(dir / "book" / "invoices.csv", ",GBP,,20,100.00,600.00,issued", ",GBP,50.00,20,90.00,540.00,issued");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-HL-101-1 on invoice HL-101 line 1: GBP 54.00 (rate): Line 1 of invoice HL-101 was "
                               "billed above the agreed rate, so we credit GBP 54.00 (50.00 less 5.00 of the discount, "
                               "and 9.00 tax on it).\n"));
  replace_in_file(dir / "a" / "time_entries.csv", "T-4,E-1,TK-1,2025-08-05,1,", "T-4,E-1,TK-1,2025-08-05,0.6,");
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-HL-101-2 on invoice HL-101 line 1: GBP 194.40 (hours): Line 1 of invoice HL-101 "
                               "billed more hours than were recorded, so we credit GBP 194.40 (180.00 less 18.00 of the "
                               "discount, and 32.40 tax on it).\n"));
  // The reference: the same edited book, HL-101 a draft without the notes, fix corrects to 291.60.
  fs::copy(dir / "a", dir / "draft");
  replace_in_file(dir / "draft" / "invoices.csv", ",540.00,issued", ",540.00,draft");
  test::write_file(dir / "draft" / "credit_notes.csv",
                   "credit_note_id,client_id,invoice_id,date,amount,reason,approved_by,line_no\n");
  r = test::run_billcheck("fix '" + (dir / "draft").string() + "' --out '" + (dir / "drafted").string() +
                          "' --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(invoice(load_book(dir / "drafted"), "HL-101").total, dec("291.60"));
  const Book fixed = load_book(dir / "b");
  EXPECT_EQ(invoice(fixed, "HL-101").total - credited_on(fixed, "HL-101"), dec("291.60"));
  r = test::run_billcheck("letter '" + (dir / "b").string() + "' --client C-1 --today 2026-01-21");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("On invoice HL-101, GBP 291.60 is now left to pay, due by 2025-10-03.\n"));
  fs::remove_all(dir);
}

// Where the invoice's total caps a note below what it returns of the line,
// the note returns what is left and states no discount nor tax it did not
// keep or return: TR-1 above, with the firm's CN-X of 50.00 on the invoice,
// has 58.00 of its 108.00 left, below the line's 95.00 less 9.50 of the
// discount, so CN-TR-1-1 is 58.00, "so we credit GBP 58.00.", and nothing
// is left to pay: fix credits no more than the invoice (the draft's 5.40
// less CN-X's 50.00 would owe the client 44.60). The letter said "GBP 95.00
// too much, less GBP 46.67 of the discount, and GBP 9.67 tax on it": it
// read CN-TR-1-1 as written before CN-X, which the book lists after it.
TEST(Fix, ANoteTheInvoicesTotalCapsStatesNoDiscountItDidNotKeep) {
  const fs::path dir = discounted_tr1("fix-discounted-capped", "E-2", "5.00", "issued");
  test::write_file(dir / "book" / "credit_notes.csv",
                   "credit_note_id,client_id,invoice_id,date,amount,reason,approved_by,line_no\n"
                   "CN-X,C-1,TR-1,2025-10-01,50.00,Goodwill on TR-1,Ruth Calder,\n");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 58.00 (arithmetic): Line 1 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 58.00.\n"));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- On invoice TR-1, line 1 (Copying of bundle 1), we billed GBP 100.00 where it should "
                               "have been GBP 5.00, because the amount was miscalculated: we charged you GBP 95.00 too "
                               "much.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, nothing is left to pay.\n"));
  fs::remove_all(dir);
}

// A line billed short on an invoice whose discount is agreed as a percentage
// earns back its share of the discount, as a draft fix gives it: TR-1 on E-2
// (10% agreed) bills line 1 100.00 that should be 5.00 and line 2 50.00 that
// should be 60.03, less 15.00, 27.00 tax at 20%, 162.00; as a draft it
// corrects to 65.03 less 6.50 and 11.71 tax, 70.24. Issued, CN-TR-1-1 returns
// 102.60 (95.00 less 9.50 of the discount, and 17.10 tax), and what is owed
// for line 2 is 10.03 less the 1.00 of the discount it earns back, and 1.81
// tax: 10.84, so that 162.00 less 102.60 plus 10.84 is the draft's 70.24,
// whether a supplement asks it or it is taken off the note (91.76). Both
// asked 12.04 (10.03 and 2.01 tax, the discount left out): 71.44.
TEST(Fix, UnderBillingOnADiscountedInvoiceEarnsBackItsShareOfTheDiscount) {
  for (const bool supplement : {true, false}) {
    const fs::path dir = test::temp_dir(std::string("fix-discounted-underbilled-") + (supplement ? "s" : "n"));
    tax_rounding_book(dir,
                      "TR-1,1,expense,2025-08-11,,,,,E101,Copying of bundle 1,1,5.00,,100.00\n"
                      "TR-1,2,expense,2025-08-21,,,,,E101,Copying of exhibits 1,1,60.03,,50.00\n",
                      "39.02", "234.10");
    replace_in_file(dir / "book" / "invoices.csv", ",E-1,2025-09-03,", ",E-2,2025-09-03,");
    replace_in_file(dir / "book" / "invoices.csv", ",GBP,,20,39.02,234.10,issued", ",GBP,15.00,20,27.00,162.00,issued");
    if (supplement) test::write_file(dir / "book" / "billcheck.yaml", "remedies:\n  recover_underbilling: true\n");
    // The reference: the same book, TR-1 a draft.
    fs::copy(dir / "book", dir / "draft");
    replace_in_file(dir / "draft" / "invoices.csv", ",162.00,issued", ",162.00,draft");
    auto r = test::run_billcheck("fix '" + (dir / "draft").string() + "' --out '" + (dir / "drafted").string() +
                                 "' --today 2026-01-15");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(test::slurp(dir / "drafted" / "invoices.csv"), HasSubstr(",GBP,6.50,20,11.71,70.24,draft"));

    r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                            "' --today 2026-01-15");
    ASSERT_EQ(r.status, 0) << r.err;
    const Book fixed = load_book(dir / "a");
    if (supplement) {
      EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 102.60 (arithmetic): Line 1 of invoice TR-1 "
                                   "was miscalculated, so we credit GBP 102.60 (95.00 less 9.50 of the discount, and "
                                   "17.10 tax on it).\n"));
      EXPECT_THAT(r.out, HasSubstr("Supplementary invoice TR-1-S1 (draft) for what invoice TR-1 under-billed: GBP "
                                   "10.84\n"));
      EXPECT_THAT(test::slurp(dir / "a" / "invoices.csv"),
                  HasSubstr("\nTR-1-S1,C-1,E-2,2026-01-15,,,2026-02-14,GBP,1.00,20,1.81,10.84,draft,TR-1,"));
      EXPECT_EQ(invoice(fixed, "TR-1").total - credited_on(fixed, "TR-1") + invoice(fixed, "TR-1-S1").total,
                dec("70.24"));
      // The supplement checks clean of the discount and the tax.
      r = test::run_billcheck("check '" + (dir / "a").string() + "' --invoice TR-1-S1");
      EXPECT_THAT(r.out, Not(HasSubstr("[credit.discount")));
      EXPECT_THAT(r.out, Not(HasSubstr("[arithmetic.tax")));
    } else {
      EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 91.76 (arithmetic)"));
      EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (GBP -10.03 at stake): taken off credit note CN-TR-1-1, "
                                   "which returns GBP 10.84 less (9.03 and 1.81 tax on it)\n"));
      EXPECT_EQ(invoice(fixed, "TR-1").total - credited_on(fixed, "TR-1"), dec("70.24"));
      r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
      ASSERT_EQ(r.status, 0) << r.err;
      EXPECT_THAT(r.out, HasSubstr("- Invoice TR-1 also billed you GBP 9.03 too little, and GBP 1.81 tax on it: rather "
                                   "than ask you for it, we have taken GBP 10.84 off credit note CN-TR-1-1.\n"));
      EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 70.24 is now left to pay, due by 2025-10-03.\n"));
    }
    fs::remove_all(dir);
  }
}

// The same TR-1 charging no tax (0.00, 135.00): the tax it failed to charge
// is on its lines as corrected, which as a draft are 65.03 less 6.50 of the
// discount, and 11.71 tax, 70.24. Issued, CN-TR-1-1 returns 85.50 (95.00
// less 9.50 of the discount, no tax: the client paid none), and what is owed
// is line 2's 10.03 less the 1.00 of the discount it earns back, and 11.71
// tax: 20.74, so that 135.00 less 85.50 plus 20.74 is the draft's 70.24,
// whether a supplement asks it or it is taken off the note (64.76). The tax
// was reckoned with the discount as billed, 20% of 50.03, 10.01, and the
// supplement gave no discount: it asked 20.04 (70.24 + 1.00 - 1.70 = 69.54
// left) and the note was cut to 66.46 (68.54 left).
TEST(Fix, AnInvoiceThatChargedNoTaxOwesTheTaxOnItsDiscountAsCorrected) {
  for (const bool supplement : {true, false}) {
    const fs::path dir = test::temp_dir(std::string("fix-discounted-untaxed-") + (supplement ? "s" : "n"));
    tax_rounding_book(dir,
                      "TR-1,1,expense,2025-08-11,,,,,E101,Copying of bundle 1,1,5.00,,100.00\n"
                      "TR-1,2,expense,2025-08-21,,,,,E101,Copying of exhibits 1,1,60.03,,50.00\n",
                      "39.02", "234.10");
    replace_in_file(dir / "book" / "invoices.csv", ",E-1,2025-09-03,", ",E-2,2025-09-03,");
    replace_in_file(dir / "book" / "invoices.csv", ",GBP,,20,39.02,234.10,issued", ",GBP,15.00,20,0.00,135.00,issued");
    if (supplement) test::write_file(dir / "book" / "billcheck.yaml", "remedies:\n  recover_underbilling: true\n");
    EXPECT_EQ(corrected_as_draft(dir / "book", "TR-1"), dec("70.24"));

    auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                                 "' --today 2026-01-15");
    ASSERT_EQ(r.status, 0) << r.err;
    const Book fixed = load_book(dir / "a");
    if (supplement) {
      EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 85.50 (arithmetic)"));
      EXPECT_THAT(r.out, HasSubstr("Supplementary invoice TR-1-S1 (draft) for what invoice TR-1 under-billed: GBP "
                                   "20.74\n"));
      EXPECT_THAT(test::slurp(dir / "a" / "invoices.csv"),
                  HasSubstr("\nTR-1-S1,C-1,E-2,2026-01-15,,,2026-02-14,GBP,1.00,,11.71,20.74,draft,TR-1,"));
      EXPECT_EQ(invoice(fixed, "TR-1").total - credited_on(fixed, "TR-1") + invoice(fixed, "TR-1-S1").total,
                dec("70.24"));
      r = test::run_billcheck("check '" + (dir / "a").string() + "' --invoice TR-1-S1");
      EXPECT_THAT(r.out, Not(HasSubstr("[credit.discount")));
      EXPECT_THAT(r.out, Not(HasSubstr("[arithmetic.")));
    } else {
      EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 64.76 (arithmetic)"));
      EXPECT_THAT(r.out, HasSubstr("[arithmetic.tax] (GBP -27.00 at stake): taken off credit note CN-TR-1-1, which "
                                   "returns GBP 11.71 less\n"));
      EXPECT_THAT(r.out, HasSubstr("[arithmetic.line-amount] (GBP -10.03 at stake): taken off credit note CN-TR-1-1, "
                                   "which returns GBP 9.03 less\n"));
      EXPECT_EQ(invoice(fixed, "TR-1").total - credited_on(fixed, "TR-1"), dec("70.24"));
      r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
      ASSERT_EQ(r.status, 0) << r.err;
      EXPECT_THAT(r.out, HasSubstr("- Invoice TR-1 also billed you GBP 20.74 too little: rather than ask you for it, "
                                   "we have taken GBP 20.74 off credit note CN-TR-1-1.\n"));
      EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 70.24 is now left to pay, due by 2025-10-03.\n"));
    }
    fs::remove_all(dir);
  }
}


// The letter's `balanced` on an invoice whose discount is agreed as a
// percentage: TR-1 on E-2 (10% agreed) bills line 1 100.00 that should be
// 90.00 and line 2 50.00 that should be `should_be`, less 15.00, 27.00
// tax at 20%, 162.00. A note on line 1 would return 10.80 (9.00 after 1.00
// of the discount, and 1.80 tax). 10.00 short, line 2 earns the 1.00 back
// and as a draft the invoice stays 162.00: the overcharge is no more than
// the under-billing, and no note is written. 9.00 short, it earns 0.90 back
// and under-billed 8.10 and 1.62 tax, 9.72: the draft is 160.92, so the
// client overpaid 1.08, which CN-TR-1-1 returns. That one was said balanced
// too (9.00 and 1.80 tax, 10.80, counted against the note's 10.80).
TEST(Fix, TheLetterSaysADiscountedInvoiceIsBalancedOnlyWhereItIs) {
  for (const auto& [should_be, letter] :
       {std::pair<std::string, std::string>{"60.00", "We have reviewed your invoices TR-1 and found no error that made "
                                                      "you pay more than you owe. On invoice TR-1, what we charged you "
                                                      "too much is no more than what we billed you too little.\n"},
        std::pair<std::string, std::string>{"59.00", "- Invoice TR-1 also billed you GBP 8.10 too little, and GBP 1.62 "
                                                      "tax on it: rather than ask you for it, we have taken GBP 9.72 off "
                                                      "credit note CN-TR-1-1.\n"}}) {
    const fs::path dir = test::temp_dir("fix-discounted-balanced-" + should_be);
    tax_rounding_book(dir,
                      "TR-1,1,expense,2025-08-11,,,,,E101,Copying of bundle 1,1,90.00,,100.00\n"
                      "TR-1,2,expense,2025-08-21,,,,,E101,Copying of exhibits 1,1," + should_be + ",,50.00\n",
                      "39.02", "234.10");
    replace_in_file(dir / "book" / "invoices.csv", ",E-1,2025-09-03,", ",E-2,2025-09-03,");
    replace_in_file(dir / "book" / "invoices.csv", ",GBP,,20,39.02,234.10,issued", ",GBP,15.00,20,27.00,162.00,issued");
    auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                                 "' --today 2026-01-15");
    ASSERT_EQ(r.status, 0) << r.err;
    r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr(letter)) << should_be;
    if (should_be == "59.00") {
      EXPECT_THAT(r.out, HasSubstr("we charged you GBP 10.00 too much, less GBP 1.00 of the discount, and GBP 1.80 "
                                   "tax on it.\n"));
      EXPECT_THAT(r.out, HasSubstr("- We have issued credit note CN-TR-1-1, dated 2026-01-15, for GBP 1.08 against "
                                   "invoice TR-1.\n"));
      EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 160.92 is now left to pay, due by 2025-10-03.\n"));
    } else {
      EXPECT_THAT(r.out, Not(HasSubstr("credit note")));
    }
    fs::remove_all(dir);
  }
}

// The letter's `offsets` on an invoice whose discount is agreed as a
// percentage: TR-1 on E-2 (10% agreed) bills line 1 100.00 that should be
// 90.00, line 2 50.00 that should be 30.00 and line 3 50.00 that should be
// 75.00, less 20.00, 36.00 tax at 20%, 216.00; as a draft it corrects to
// 195.00 less 19.50 and 35.10 tax, 210.60. The notes would return 10.80 (9.00
// after 1.00 of the discount, and 1.80 tax) and 21.60 (18.00 after 2.00, and
// 3.60 tax); line 3 earns back 2.50 of the discount, so it under-billed 22.50
// and 4.50 tax, 27.00: CN-TR-1-1 is cut to 5.40 and line 2 gets no note.
// The letter said 25.00 and 5.00 tax, 8.40 off the note (2.40, 213.60 left
// to pay), and line 1 "GBP 2.00 tax on it" without the discount its note
// keeps back (reading the cut note as cut by all of the under-billing).
TEST(Fix, TheLetterSaysWhatADiscountedInvoicesUnderBillingOffsets) {
  const fs::path dir = test::temp_dir("fix-discounted-offsets");
  tax_rounding_book(dir,
                    "TR-1,1,expense,2025-08-11,,,,,E101,Copying of bundle 1,1,90.00,,100.00\n"
                    "TR-1,2,expense,2025-08-21,,,,,E101,Copying of exhibits 1,1,30.00,,50.00\n"
                    "TR-1,3,expense,2025-08-18,,,,,E101,Copying of exhibits 2,1,75.00,,50.00\n",
                    "39.02", "234.10");
  replace_in_file(dir / "book" / "invoices.csv", ",E-1,2025-09-03,", ",E-2,2025-09-03,");
  replace_in_file(dir / "book" / "invoices.csv", ",GBP,,20,39.02,234.10,issued", ",GBP,20.00,20,36.00,216.00,issued");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 5.40 (arithmetic)"));
  EXPECT_THAT(r.out, Not(HasSubstr("CN-TR-1-2")));
  r = test::run_billcheck("letter '" + (dir / "a").string() + "' --client C-1 --today 2026-01-20");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("- On invoice TR-1, line 1 (Copying of bundle 1), we billed GBP 100.00 where it should "
                               "have been GBP 90.00, because the amount was miscalculated: we charged you GBP 10.00 too "
                               "much, less GBP 1.00 of the discount, and GBP 1.80 tax on it.\n"));
  EXPECT_THAT(r.out, HasSubstr("- On invoice TR-1, line 2 (Copying of exhibits 1), we billed GBP 50.00 where it should "
                               "have been GBP 30.00, because the amount was miscalculated: we charged you GBP 20.00 too "
                               "much.\n"));
  EXPECT_THAT(r.out, HasSubstr("- Invoice TR-1 also billed you GBP 22.50 too little, and GBP 4.50 tax on it: rather "
                               "than ask you for it, we have taken GBP 5.40 off credit note CN-TR-1-1 and GBP 21.60 off "
                               "what we charged you too much above (with the tax on it), for which we send no credit "
                               "note.\n"));
  EXPECT_THAT(r.out, HasSubstr("On invoice TR-1, GBP 210.60 is now left to pay, due by 2025-10-03.\n"));
  fs::remove_all(dir);
}

// A note on a line of an invoice whose discount is agreed as a percentage is
// read as the note of fix's that took x off the line, x less its share of the
// discount being what it returned (DiscountShare::taken_for). Once x takes
// all that is left of the lines, the discount's check skips them and the
// share is none, so no x returns what lies between: TR-1 on E-2 (10% agreed)
// bills a line of 100.00 that should be 0.00, less 10.00, at 20%, 108.00,
// and fix's CN-TR-1-1 returns it all, 100.00 and the 8.00 of tax the total
// leaves, which a later fix reads as 90.00 and 18.00 tax. 90.00 cycled
// through 99.00, 99.90, 99.99, 100.00 and back for 64 rounds and fell back
// to 90.00: the line seemed to have 10.00 left to credit (the invoice's
// total, all credited, kept a second note from being written). It took the
// whole line, 100.00; 85.50 still took 95.00.
TEST(Fix, ANoteThatReturnedAWholeDiscountedLineTookItAll) {
  const fs::path dir = discounted_tr1("fix-discount-whole-line", "E-2", "0.00", "issued");
  auto r = test::run_billcheck("fix '" + (dir / "book").string() + "' --out '" + (dir / "a").string() +
                               "' --today 2026-01-15");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CN-TR-1-1 on invoice TR-1 line 1: GBP 108.00 (arithmetic): Line 1 of invoice TR-1 was "
                               "miscalculated, so we credit GBP 108.00 (100.00 and 8.00 tax on it).\n"));
  const Engine engine(find_config(dir / "a", ""));
  const CheckOptions options = on_day();
  const Book book{read_book(dir / "a")};
  const detail::DiscountShare shares(engine, options);
  EXPECT_EQ(shares.taken_for(book, invoice(book, "TR-1"), {}, 1, dec("90.00")), dec("100.00"));
  EXPECT_EQ(shares.taken_for(book, invoice(book, "TR-1"), {}, 1, dec("85.50")), dec("95.00"));
  const Report report = engine.check(book, options);
  const auto taken = detail::taken_off_lines(book, report, invoice(book, "TR-1"), &shares);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].second, dec("100.00"));
  // Run again, fix writes nothing more.
  r = test::run_billcheck("fix '" + (dir / "a").string() + "' --out '" + (dir / "b").string() + "' --today 2026-01-16");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(test::slurp(dir / "a" / "credit_notes.csv"), test::slurp(dir / "b" / "credit_notes.csv"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
