// `billcheck report` (Store::trends): a real SQLite store built by recording
// runs of tests/data/causes/book: the rate card fixed, then back; a check of one
// invoice in between; disputes opened and closed on known days.
#include "test_support.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/store.hpp>

#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TrendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("trends");
    fs::copy(test::source_dir() / "tests/data/causes/book", dir_ / "book", fs::copy_options::recursive);
    original_rates_ = test::slurp(dir_ / "book" / "rates.csv");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A store whose clock says `now`.
  Store store_at(const std::string& now) {
    return Store(dir_ / "record.db", StoreOptions{"margaret", [now] { return now; }});
  }

  void record(const std::string& now, const std::string& invoice = "") {
    Engine engine;
    const Book book = load_book(dir_ / "book");
    Report report = invoice.empty() ? engine.check(book) : engine.check_invoice(book, invoice);
    RunInfo info;
    info.book = (dir_ / "book").string();
    info.invoice = invoice;
    store_at(now).record_run(report, book, info);
  }

  // The new associate rate moved to June: March to May at 400.00 are right.
  void move_the_new_rate_to_june() {
    std::string rates = original_rates_;
    rates.replace(rates.find("2025-02-28"), 10, "2025-05-31");
    rates.replace(rates.find("380.00,2025-03-01"), 17, "380.00,2025-06-01");
    test::write_file(dir_ / "book" / "rates.csv", rates);
  }

  fs::path dir_;
  std::string original_rates_;
};

TEST_F(TrendsTest, MoneyAtStakePerRunByCategoryAndClientIsExact) {
  record("2026-01-05T09:00:00Z");
  move_the_new_rate_to_june();
  record("2026-01-12T09:00:00Z");
  const Trends t = store_at("2026-01-13T09:00:00Z").trends();
  ASSERT_EQ(t.runs.size(), 2u);
  const RunTrend& first = t.runs[0];
  EXPECT_EQ(first.run.findings, 17);
  EXPECT_EQ(first.run.new_findings, 17);
  EXPECT_EQ(first.total.at_stake.at("EUR").to_string(2), "660.00");
  EXPECT_EQ(first.by_category.at("rates").findings, 14);
  EXPECT_EQ(first.by_category.at("rates").at_stake.at("EUR").to_string(2), "650.00");
  EXPECT_TRUE(first.by_category.at("timing").at_stake.empty());
  EXPECT_EQ(first.by_client.at("C-200").findings, 17);
  const RunTrend& second = t.runs[1];
  EXPECT_EQ(second.run.fixed, 14);
  EXPECT_EQ(second.run.new_findings, 1);  // BM-0104 line 4 at 380.00 is now under the 400.00 rate
  EXPECT_EQ(second.total.at_stake.at("EUR").to_string(2), "-30.00");
  EXPECT_TRUE(t.recurring.empty());  // fixed, not back

  const auto j = nlohmann::json::parse(to_json(t));
  EXPECT_EQ(j["runs"][0]["by_category"]["rates"]["amount_at_stake"]["EUR"], "650.00");
  EXPECT_EQ(j["runs"][1]["fixed"], 14);
}

TEST_F(TrendsTest, ACauseThatComesBackAfterItWasFixedRecurs) {
  record("2026-01-05T09:00:00Z");
  move_the_new_rate_to_june();
  record("2026-01-12T09:00:00Z");
  test::write_file(dir_ / "book" / "rates.csv", original_rates_);
  record("2026-01-19T09:00:00Z");
  const Trends t = store_at("2026-01-20T09:00:00Z").trends();
  ASSERT_EQ(t.recurring.size(), 1u);
  const RecurringCause& c = t.recurring[0];
  EXPECT_EQ(c.cause.rule, "rates.contract-rate");
  EXPECT_EQ(c.cause.key, "E-201 rates.csv:4");
  EXPECT_EQ(c.first_run, 1);
  EXPECT_EQ(c.fixed_run, 2);
  EXPECT_EQ(c.back_run, 3);
  EXPECT_EQ(c.times, 1);
  EXPECT_EQ(c.members.size(), 14u);
  // Without the first run in the dates, nothing was seen to be fixed.
  EXPECT_TRUE(store_at("2026-01-20T09:00:00Z").trends({"2026-01-10", ""}).recurring.empty());
}

TEST_F(TrendsTest, ACheckOfOneInvoiceFixesNoCause) {
  record("2026-01-05T09:00:00Z");
  record("2026-01-06T09:00:00Z", "BM-0201");  // finds none of the rate findings: it looked at one invoice
  record("2026-01-07T09:00:00Z");
  EXPECT_TRUE(store_at("2026-01-08T09:00:00Z").trends().recurring.empty());
}

TEST_F(TrendsTest, DisputesByReasonAndOutcomeAndTheMedianDaysToClose) {
  record("2026-01-05T09:00:00Z");
  auto open = [&](const std::string& now, const std::string& invoice, const std::string& reason) {
    DisputeRequest r;
    r.invoice = invoice;
    r.reason = reason;
    r.says = "the client's words";
    r.received = now.substr(0, 10);
    return store_at(now).open_dispute(r, {}).id;
  };
  auto move = [&](const std::string& now, std::int64_t id, const std::string& action) {
    DisputeMove m;
    m.action = action;
    if (action == "uphold") m.remedy = RemedyRecord{"credit-note", "CN-1", "80.00", "EUR", {}};
    if (action == "explain") m.explanation = "the rate card says so";
    store_at(now).move_dispute(id, m);
  };
  const auto a = open("2026-01-06T10:00:00Z", "BM-0102", "rate");
  const auto b = open("2026-01-06T11:00:00Z", "BM-0103", "rate");
  const auto c = open("2026-01-07T10:00:00Z", "BM-0201", "timing");
  for (auto [id, outcome, closed] : {std::tuple{a, "uphold", "2026-01-09T10:00:00Z"},   // 3 days
                                     std::tuple{b, "explain", "2026-01-10T10:00:00Z"}}) {  // 4 days
    move("2026-01-07T12:00:00Z", id, "ack");
    move("2026-01-07T12:00:00Z", id, "investigate");
    move("2026-01-08T12:00:00Z", id, outcome);
    move(closed, id, "close");
  }
  (void)c;
  const Trends t = store_at("2026-01-11T09:00:00Z").trends();
  EXPECT_EQ(t.disputes.at("rate").at("upheld"), 1);
  EXPECT_EQ(t.disputes.at("rate").at("explained"), 1);
  EXPECT_EQ(t.disputes.at("timing").at("pending"), 1);
  EXPECT_EQ(t.disputes_closed, 2);
  EXPECT_EQ(t.median_days_to_close, "3.5");
  // Only the disputes received within the dates.
  const Trends later = store_at("2026-01-11T09:00:00Z").trends({"2026-01-07", "2026-01-31"});
  EXPECT_EQ(later.disputes.size(), 1u);
  EXPECT_EQ(later.median_days_to_close, "");
}

TEST_F(TrendsTest, TheCommandPrintsTextAndJsonAndSaysWhatIsWrong) {
  record("2026-01-05T09:00:00Z");
  const std::string s = " --store " + test::shell_quoted(dir_ / "record.db");
  auto text = test::run_billcheck("report" + s);
  EXPECT_EQ(text.status, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("  run 1, 2026-01-05T09:00:00Z: 17 findings (15 errors, 2 warnings, 0 info); "
                                  "17 new, 0 fixed, 0 reopened\n    at stake: EUR 660.00\n"
                                  "    by category: arithmetic 1 (EUR 10.00), rates 14 (EUR 650.00), timing 2\n"));
  auto json = test::run_billcheck("report --format json" + s);
  EXPECT_EQ(nlohmann::json::parse(json.out)["runs"][0]["amount_at_stake"]["EUR"], "660.00");
  auto bad = test::run_billcheck("report --from 2026-13-01" + s);
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "billcheck: '2026-13-01' is not a date: give --from and --to as YYYY-MM-DD\n");
  auto none = test::run_billcheck("report --store " + test::shell_quoted(dir_ / "none.db"));
  EXPECT_EQ(none.status, 2);
  EXPECT_THAT(none.err, HasSubstr("no store at "));
  EXPECT_FALSE(fs::exists(dir_ / "none.db"));  // a report never creates a store
}

// A recurring cause is worded for a reader as the check report words it
// ("rate card row ...", not the raw "rate_row ..."); the JSON keeps the kind
// and key apart, as data.
TEST_F(TrendsTest, TheTextWordsARecurringCauseAsTheCheckReportDoesAndTheJsonKeepsItsKindAndKey) {
  record("2026-01-05T09:00:00Z");
  move_the_new_rate_to_june();
  record("2026-01-12T09:00:00Z");
  test::write_file(dir_ / "book" / "rates.csv", original_rates_);
  record("2026-01-19T09:00:00Z");
  const std::string s = " --store " + test::shell_quoted(dir_ / "record.db");
  auto text = test::run_billcheck("report" + s);
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Recurring causes (came back after they were fixed): 1\n"
                                  "  rate card row E-201 rates.csv:4 [rates.contract-rate]: first found by run 1, "
                                  "fixed by run 2, back in run 3 with 14 findings\n"));
  EXPECT_EQ(text.out.find("rate_row"), std::string::npos);
  const auto json = nlohmann::json::parse(test::run_billcheck("report --format json" + s).out);
  EXPECT_EQ(json["recurring_causes"][0]["kind"], "rate_row");
  EXPECT_EQ(json["recurring_causes"][0]["key"], "E-201 rates.csv:4");
}

// The trends as one self-contained page: the runs, the recurring cause, the
// disputes, every figure as text in tables, no script, nothing loaded.
TEST_F(TrendsTest, TheHtmlPageIsSelfContainedAndShowsTheRunsAndTheRecurringCause) {
  record("2026-01-05T09:00:00Z");
  move_the_new_rate_to_june();
  record("2026-01-12T09:00:00Z");
  test::write_file(dir_ / "book" / "rates.csv", original_rates_);
  record("2026-01-19T09:00:00Z");
  const fs::path page = dir_ / "trends.html";
  auto r = test::run_billcheck("report --format html -o " + test::shell_quoted(page) + " --store " +
                               test::shell_quoted(dir_ / "record.db"));
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string html = test::slurp(page);
  EXPECT_THAT(html, HasSubstr("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_THAT(html, HasSubstr("<title id=\"chart-runs-t\">Findings per run</title>"));
  EXPECT_THAT(html, HasSubstr("<th scope=\"row\">1</th><td>2026-01-05T09:00:00Z</td><td class=\"num\">17</td>"));
  EXPECT_THAT(html, HasSubstr("<td>EUR 660.00</td><td>arithmetic 1 (EUR 10.00); rates 14 (EUR 650.00); timing 2</td>"));
  EXPECT_THAT(html, HasSubstr("<th scope=\"row\">rate card row E-201 rates.csv:4</th><td><code>rates.contract-rate</code></td>"
                              "<td class=\"num\">1</td><td class=\"num\">2</td><td class=\"num\">3</td>"));
  // The same bytes twice: the page depends only on the record.
  auto again = test::run_billcheck("report --format html --store " + test::shell_quoted(dir_ / "record.db"));
  EXPECT_EQ(again.out, html);
}

/// A book (replacing `book`) of one client whose id is `client`, and one
/// invoice with a line 10.00 off: one finding, by that client.
void write_one_invoice_book(const fs::path& book, const std::string& client) {
  fs::remove_all(book);
  test::write_file(book / "clients.csv", "client_id,name,currency\n\"" + client + "\",Acme,USD\n");
  test::write_file(book / "invoices.csv",
                   "invoice_id,client_id,issue_date,currency,total\nINV-1,\"" + client + "\",2026-02-03,USD,160.00\n");
  test::write_file(book / "invoice_lines.csv",
                   "invoice_id,line_no,type,description,quantity,rate,amount\nINV-1,1,fee,Drafting,1.5,100.00,160.00\n");
}

// The page shows the record's text as the check report does: a client id
// holding ESC and BEL (from the book) appears as \x1B and \x07, never as the
// bytes a terminal or a page would act on.
TEST_F(TrendsTest, TheHtmlPageShowsControlCharactersInTheRecordAsEscapes) {
  const std::string client = "Acme\x1b[1m\x07";
  write_one_invoice_book(dir_ / "book", client);
  record("2026-01-05T09:00:00Z");
  auto r = test::run_billcheck("report --format html --store " + test::shell_quoted(dir_ / "record.db"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Acme\\x1B[1m\\x07 1 (USD 10.00)</td>"));
  EXPECT_EQ(r.out.find('\x07'), std::string::npos);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
}

// The text the same command prints on a terminal shows them the same way.
TEST_F(TrendsTest, TheTextShowsControlCharactersInTheRecordAsEscapes) {
  const std::string client = "Acme\x1b[2J\x07";
  write_one_invoice_book(dir_ / "book", client);
  record("2026-01-05T09:00:00Z");
  auto r = test::run_billcheck("report --store " + test::shell_quoted(dir_ / "record.db"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("    by client: Acme\\x1B[2J\\x07 1 (USD 10.00)\n"));
  EXPECT_EQ(r.out.find('\x07'), std::string::npos);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace billcheck
