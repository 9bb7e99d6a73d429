// The record (host/store): runs and findings over time, a finding's moves,
// client disputes, the audit trail, and stores that cannot be used. Through
// the billcheck program, as a user meets them.
#include "test_support.hpp"

#include "synthetic_book.hpp"

#include <billcheck/store.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>

#include <algorithm>
#include <csignal>
#include <set>
#include <thread>

namespace fs = std::filesystem;
using billcheck::test::run_billcheck;
using billcheck::test::shell_quoted;
using billcheck::test::slurp;
using billcheck::test::write_file;

namespace {

const std::string kAt = "NO_COLOR=1 BILLCHECK_NOW=2026-01-05T09:00:00Z";
const std::string kLater = "NO_COLOR=1 BILLCHECK_NOW=2026-01-12T09:00:00Z";

// A copy of the example firm that a test may change.
fs::path firm_copy(const std::string& name) {
  const fs::path dir = billcheck::test::temp_dir(name) / "firm";
  fs::copy(billcheck::test::source_dir() / "examples" / "firm", dir, fs::copy_options::recursive);
  return dir;
}

void replace_in(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = slurp(file);
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  write_file(file, text);
}

std::string sql(const fs::path& store, const std::string& query) {
  const fs::path out = store.parent_path() / "sql.out";
  billcheck::test::run_shell("sqlite3 " + shell_quoted(store) + " \"" + query + "\"", out);
  std::string text = slurp(out);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string fingerprint_of(const std::string& findings_json, const std::string& rule) {
  const auto j = nlohmann::json::parse(findings_json);
  for (const auto& f : j["findings"])
    if (f["rule"] == rule) return f["fingerprint"];
  return "";
}

}  // namespace

TEST(StoreCli, CheckRecordsTheRunAndSaysEachFindingIsNew) {
  const fs::path dir = billcheck::test::temp_dir("store-new");
  const fs::path store = dir / "record.db";
  auto r = run_billcheck("check examples/firm --store " + shell_quoted(store) + " --by alice", kAt);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("        history: new\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("recorded run 1 in"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("15 new, 0 fixed, 0 reopened"), std::string::npos) << r.err;
  // The run: who, when, what, with which packs, and the counts.
  auto runs = run_billcheck("runs --store " + shell_quoted(store) + " --format json");
  ASSERT_EQ(runs.status, 0) << runs.err;
  const auto j = nlohmann::json::parse(runs.out);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["at"], "2026-01-05T09:00:00Z");
  EXPECT_EQ(j["runs"][0]["actor"], "alice");
  EXPECT_EQ(j["runs"][0]["book_digest"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["runs"][0]["counts"]["findings"], 15);
  EXPECT_FALSE(j["runs"][0]["sources"]["packs"].empty());
  // Amounts are exact text, never REAL.
  EXPECT_EQ(sql(store, "SELECT count(*) FROM findings WHERE typeof(amount) <> 'text'"), "0");
  EXPECT_EQ(sql(store, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(sql(store, "PRAGMA user_version"), std::to_string(billcheck::Store::latest_schema_version()));
}

// The report is written before the run is recorded: an output that cannot be
// written records nothing, so the next run still finds its findings new.
TEST(StoreCli, AReportThatCannotBeWrittenRecordsNoRun) {
  const fs::path dir = billcheck::test::temp_dir("store-output");
  const fs::path store = dir / "record.db";
  const std::string s = " --store " + shell_quoted(store);
  // A folder that does not exist: found before the store is touched.
  const fs::path missing = dir / "missing" / "dir" / "r.json";
  auto r = run_billcheck("check examples/firm" + s + " --format json -o " + shell_quoted(missing), kAt);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot write " + missing.string()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("recorded run"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(store));
  // A write that fails halfway (a full disk): the run's transaction is rolled back.
  r = run_billcheck("check examples/firm" + s + " --format json -o /dev/full", kAt);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot write /dev/full"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("recorded run"), std::string::npos) << r.err;
  auto runs = run_billcheck("runs" + s);
  EXPECT_EQ(runs.status, 0) << runs.err;
  EXPECT_EQ(runs.out, "");
  EXPECT_EQ(run_billcheck("audit verify" + s).out.substr(0, 28), "audit trail intact: 0 events");
  // Standard output that cannot be written records nothing either.
  const std::string to_full = kAt + " " + shell_quoted(fs::path(BILLCHECK_EXE)) + " check examples/firm" + s + " >/dev/full";
  EXPECT_EQ(billcheck::test::run_shell("sh -c " + shell_quoted(fs::path(to_full)), dir / "full.log"), 2)
      << slurp(dir / "full.log");
  EXPECT_NE(slurp(dir / "full.log").find("cannot write standard output"), std::string::npos) << slurp(dir / "full.log");
  EXPECT_EQ(run_billcheck("runs" + s).out, "");
  // Written: recorded, and every finding is still new; no temporary is left.
  const fs::path out = dir / "r.json";
  r = run_billcheck("check examples/firm" + s + " --format json -o " + shell_quoted(out), kAt);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("recorded run 1 in " + store.string() + ": 15 new, 0 fixed, 0 reopened"), std::string::npos)
      << r.err;
  EXPECT_NE(slurp(out).find("\"history\""), std::string::npos);
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
}

// A pipe whose reader takes its time holds up no other billcheck: the run is
// committed once the report's first bytes are written, and the rest follows
// without the store's write lock (a `finding ack` waited 15 s, then gave up).
TEST(StoreCli, ASlowReaderOfTheReportDoesNotLockTheStore) {
  const fs::path dir = billcheck::test::temp_dir("store-slow-reader");
  const fs::path store = dir / "record.db";
  const std::string s = " --store " + shell_quoted(store);
  auto first = run_billcheck("check examples/firm --format json" + s, kAt);
  ASSERT_EQ(first.status, 1) << first.err;
  const std::string fingerprint = fingerprint_of(first.out, "rates.contract-rate");
  ASSERT_FALSE(fingerprint.empty());
  // The HTML report (75 KB) is more than the pipe holds; its reader starts
  // reading only when told to.
  const fs::path release = dir / "release";
  const fs::path html = dir / "report.html";
  const std::string reader =
      "(while [ ! -e " + shell_quoted(release) + " ]; do sleep 0.05; done; cat >" + shell_quoted(html) + ")";
  const std::string check = kAt + " " + shell_quoted(fs::path(BILLCHECK_EXE)) + " -q check examples/firm --format html" + s;
  const std::string ack = shell_quoted(fs::path(BILLCHECK_EXE)) + " finding ack " + fingerprint + s +
                          " --by clerk --note 'seen' >" + shell_quoted(dir / "ack.out") + " 2>&1; echo ack=$?";
  // Once the second run is recorded (or 20 s on), the ack; then the reader reads.
  const std::string wait_recorded = "for i in $(seq 200); do [ \"$(sqlite3 " + shell_quoted(store) +
                                    " 'SELECT count(*) FROM runs')\" = 2 ] && break; sleep 0.1; done";
  const auto t0 = std::chrono::steady_clock::now();
  const int status = billcheck::test::run_shell(
      "{ (" + check + " | " + reader + ") & " + wait_recorded + "; " + ack + "; touch " + shell_quoted(release) +
          "; wait; }",
      dir / "log");
  const auto took = std::chrono::steady_clock::now() - t0;
  const std::string log = slurp(dir / "log");
  EXPECT_EQ(status, 0) << log;
  EXPECT_NE(log.find("ack=0"), std::string::npos) << log << slurp(dir / "ack.out");
  EXPECT_LT(took, std::chrono::seconds(12)) << log;
  // The report arrived whole, and both changes are on record.
  const std::string report = slurp(html);
  EXPECT_GT(report.size(), 70000u);
  EXPECT_NE(report.find("</html>"), std::string::npos);
  EXPECT_EQ(sql(store, "SELECT count(*) FROM runs"), "2");
  EXPECT_EQ(sql(store, "SELECT status FROM findings WHERE fingerprint = '" + fingerprint + "'"), "acknowledged");
  EXPECT_EQ(run_billcheck("audit verify" + s).status, 0);
}

TEST(StoreCli, WithoutAStoreTheReportIsUnchanged) {
  const auto plain = run_billcheck("check examples/firm --format json");
  EXPECT_EQ(plain.out.find("\"history\""), std::string::npos);
  EXPECT_EQ(plain.out.find("\"fixed\""), std::string::npos);
}

TEST(StoreCli, SecondRunSaysOpenSinceListsWhatWasFixedAndReopensWhatCameBack) {
  const fs::path firm = firm_copy("store-history");
  const fs::path store = firm.parent_path() / "record.db";
  ASSERT_EQ(run_billcheck("check " + shell_quoted(firm) + " --store " + shell_quoted(store), kAt).status, 1);
  // Correct HR-115 line 3 (1255.00 -> 1155.00): its finding is fixed.
  replace_in(firm / "invoice_lines.csv", "1255.00", "1155.00");
  auto r = run_billcheck("check " + shell_quoted(firm) + " --store " + shell_quoted(store) + " --format json", kLater);
  EXPECT_EQ(r.status, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["fixed"].size(), 1u) << r.out;
  EXPECT_EQ(j["fixed"][0]["rule"], "arithmetic.line-amount");
  EXPECT_EQ(j["fixed"][0]["invoice"], "HR-115");
  EXPECT_EQ(j["findings"][0]["history"], (nlohmann::json{{"status", "open"}, {"since", "2026-01-05"}}));
  const auto text = run_billcheck("check " + shell_quoted(firm) + " --store " + shell_quoted(store), kLater);
  EXPECT_NE(text.out.find("        history: open since 2026-01-05\n"), std::string::npos) << text.out;
  // The typing slip comes back: the finding is reopened, not new.
  replace_in(firm / "invoice_lines.csv", "1155.00", "1255.00");
  auto back = run_billcheck("check " + shell_quoted(firm) + " --store " + shell_quoted(store), kLater);
  EXPECT_NE(back.out.find("        history: reopened, first seen 2026-01-05\n"), std::string::npos) << back.out;
  // The total and tax that no longer matched the corrected line match again: those two are fixed.
  EXPECT_NE(back.err.find("0 new, 2 fixed, 1 reopened"), std::string::npos) << back.err;
}

TEST(StoreCli, CheckOfOneInvoiceFixesOnlyThatInvoicesFindings) {
  const fs::path dir = billcheck::test::temp_dir("store-scope");
  const fs::path store = dir / "record.db";
  ASSERT_EQ(run_billcheck("check examples/firm --store " + shell_quoted(store), kAt).status, 1);
  auto r = run_billcheck("check examples/firm --invoice HR-121 --store " + shell_quoted(store), kLater);
  EXPECT_NE(r.err.find("0 new, 0 fixed, 0 reopened"), std::string::npos) << r.err;
}

TEST(StoreCli, StoreInTheConfigRecordsWithoutTheOption) {
  const fs::path firm = firm_copy("store-config");
  write_file(firm / "billcheck.yaml", slurp(firm / "billcheck.yaml") + "store: record.db\n");
  auto r = run_billcheck("check " + shell_quoted(firm), kAt);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(fs::exists(firm / "record.db"));
  EXPECT_NE(r.out.find("history: new"), std::string::npos);
}

TEST(StoreCli, FindingMovesAndTheirRefusals) {
  const fs::path dir = billcheck::test::temp_dir("store-moves");
  const std::string s = " --store " + shell_quoted(dir / "record.db");
  ASSERT_EQ(run_billcheck("check examples/firm" + s, kAt).status, 1);
  const std::string fp = fingerprint_of(run_billcheck("findings --format json" + s).out, "rates.contract-rate");
  ASSERT_FALSE(fp.empty());
  auto ack = run_billcheck("finding ack " + fp + s + " --by bob --note 'looking at it'", kAt);
  EXPECT_EQ(ack.status, 0) << ack.err;
  EXPECT_NE(ack.out.find(fp + "  acknowledged  C-200 BM-0070 line 2 [rates.contract-rate]  EUR 130.00"), std::string::npos) << ack.out;
  // Acknowledged cannot be acknowledged again: exit 2 with the allowed moves.
  auto again = run_billcheck("finding ack " + fp + s, kAt);
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.err.find("is acknowledged: 'ack' is not a move from there; allowed: resolve, waive"), std::string::npos)
      << again.err;
  auto resolve = run_billcheck("finding resolve " + fp.substr(0, 8) + s +
                                   " --by bob --remedy credit-note --remedy-id CN-BM-0070-1 --amount 154.70",
                               kAt);
  EXPECT_EQ(resolve.status, 0) << resolve.err;
  EXPECT_NE(resolve.out.find("remedy: credit-note CN-BM-0070-1, EUR 154.70"), std::string::npos) << resolve.out;
  auto bad = run_billcheck("finding resolve " + fp + s + " --remedy credit-note", kAt);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("allowed: reopen"), std::string::npos) << bad.err;
  auto unknown = run_billcheck("finding ack 0000000000000000" + s, kAt);
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("no finding '0000000000000000' in store"), std::string::npos) << unknown.err;
  auto short_prefix = run_billcheck("finding ack " + fp.substr(0, 5) + s, kAt);
  EXPECT_EQ(short_prefix.status, 2);
  EXPECT_NE(short_prefix.err.find("(a fingerprint's first 6 characters or more name a finding)"), std::string::npos)
      << short_prefix.err;
  auto amount = run_billcheck("finding reopen " + fp + s, kAt);
  EXPECT_EQ(amount.status, 0) << amount.err;
  auto not_amount = run_billcheck("finding resolve " + fp + s + " --remedy discount --amount 1,5", kAt);
  EXPECT_EQ(not_amount.status, 2);
  EXPECT_NE(not_amount.err.find("is not an amount"), std::string::npos) << not_amount.err;
  auto listed = run_billcheck("findings --status reopened --client C-200" + s);
  EXPECT_NE(listed.out.find("1 finding\n"), std::string::npos) << listed.out;
}

// A remedy's amounts go into the append-only record for good, so they are
// checked first: more than 0, within the currency's minor units, and a payment
// plan's instalments adding up to its amount. A refusal is exit 2 and records
// nothing.
TEST(StoreCli, RemedyAmountsAreCheckedBeforeAnythingIsRecorded) {
  const fs::path dir = billcheck::test::temp_dir("store-remedy-amounts");
  const fs::path db = dir / "record.db";
  const std::string s = " --store " + shell_quoted(db);
  ASSERT_EQ(run_billcheck("check examples/firm" + s, kAt).status, 1);
  const std::string fp = fingerprint_of(run_billcheck("findings --format json" + s).out, "rates.contract-rate");
  ASSERT_FALSE(fp.empty());
  const std::string events = sql(db, "SELECT count(*) FROM events");
  auto refused = [&](const std::string& args, const std::string& why) {
    const auto r = run_billcheck(args + s, kAt);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out;
    EXPECT_NE(r.err.find(why), std::string::npos) << args << "\n" << r.err;
    EXPECT_EQ(sql(db, "SELECT count(*) FROM events"), events) << args;
  };
  refused("finding resolve " + fp + " --remedy credit-note --amount -154.70",
          "the remedy's amount '-154.70' is not more than 0");
  refused("finding resolve " + fp + " --remedy credit-note --amount 0", "the remedy's amount '0' is not more than 0");
  refused("finding resolve " + fp + " --remedy credit-note --amount 154.70123",
          "the remedy's amount '154.70123' has more decimals than EUR has (2)");
  refused("finding resolve " + fp + " --remedy payment-plan --instalment -10@2026-02-01",
          "instalment 1's amount '-10' is not more than 0");
  refused("finding resolve " + fp + " --remedy payment-plan --amount 154.70 --instalment 77.35@2026-02-01 "
          "--instalment 77.30@2026-03-01",
          "the instalments add up to 154.65, not the remedy's amount 154.70");
  EXPECT_EQ(sql(db, "SELECT status FROM findings WHERE fingerprint = '" + fp + "'"), "open");

  // A dispute on the JPY invoice: no sub-yen instalment, and the plan adds up to its amount.
  ASSERT_EQ(run_billcheck("dispute open" + s + " --invoice KR-2025Q2 --line 7 --reason duplicate --says 'billed twice' "
                          "--received 2026-01-05",
                          kAt)
                .status,
            0);
  ASSERT_EQ(run_billcheck("dispute ack 1" + s, kAt).status, 0);
  ASSERT_EQ(run_billcheck("dispute investigate 1" + s, kAt).status, 0);
  const std::string before = sql(db, "SELECT count(*) FROM events");
  const auto sub_unit = run_billcheck("dispute resolve 1 --upheld --remedy payment-plan --instalment 100.5@2026-02-01 "
                                      "--instalment 0.5@2026-03-01 --amount 101" + s,
                                      kAt);
  EXPECT_EQ(sub_unit.status, 2);
  EXPECT_NE(sub_unit.err.find("instalment 1's amount '100.5' has more decimals than JPY has (0)"), std::string::npos)
      << sub_unit.err;
  const auto not_plan = run_billcheck("dispute resolve 1 --upheld --remedy payment-plan --instalment 100@2026-02-01 "
                                      "--instalment 1@2026-03-01 --amount 12" + s,
                                      kAt);
  EXPECT_EQ(not_plan.status, 2);
  EXPECT_NE(not_plan.err.find("the instalments add up to 101, not the remedy's amount 12"), std::string::npos)
      << not_plan.err;
  EXPECT_EQ(sql(db, "SELECT count(*) FROM events"), before);
  const auto plan = run_billcheck("dispute resolve 1 --upheld --remedy payment-plan --instalment 100@2026-02-01 "
                                  "--instalment 50@2026-03-01 --amount 150" + s,
                                  kAt);
  EXPECT_EQ(plan.status, 0) << plan.err;
  EXPECT_EQ(run_billcheck("audit verify" + s).status, 0);
}

TEST(StoreCli, AStoreWaiverActsLikeAConfigWaiver) {
  const fs::path dir = billcheck::test::temp_dir("store-waive");
  const std::string s = " --store " + shell_quoted(dir / "record.db");
  ASSERT_EQ(run_billcheck("check examples/firm" + s, kAt).status, 1);
  const std::string fp = fingerprint_of(run_billcheck("findings --format json" + s).out, "timing.issued-early");
  auto waive = run_billcheck("finding waive " + fp + s + " --by carol --reason 'agreed with the client'", kAt);
  ASSERT_EQ(waive.status, 0) << waive.err;
  auto r = run_billcheck("check examples/firm --format json" + s, kLater);
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["waived"].size(), 1u);
  EXPECT_EQ(j["waived"][0]["rule"], "timing.issued-early");
  EXPECT_EQ(j["waived"][0]["waiver"]["approved_by"], "carol");
  EXPECT_EQ(j["summary"]["waived"], 1);
  EXPECT_EQ(j["summary"]["findings"], 14);
  EXPECT_TRUE(j["fixed"].empty());
}

TEST(StoreErrors, AFileThatIsNotSqliteIsRefusedAndLeftAlone) {
  const fs::path dir = billcheck::test::temp_dir("store-notdb");
  const fs::path store = dir / "notes.txt";
  const std::string text = "these are my notes, not a database\n";
  write_file(store, text);
  auto r = run_billcheck("check examples/firm --store " + shell_quoted(store));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is not a billcheck store"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(store), text);
  auto list = run_billcheck("findings --store " + shell_quoted(store));
  EXPECT_EQ(list.status, 2);
  EXPECT_EQ(slurp(store), text);
}

TEST(StoreErrors, AnotherProgramsDatabaseIsRefused) {
  const fs::path dir = billcheck::test::temp_dir("store-foreign");
  const fs::path store = dir / "other.db";
  sql(store, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
  const std::string before = slurp(store);
  auto r = run_billcheck("check examples/firm --store " + shell_quoted(store));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is an SQLite database but not a billcheck store"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(store), before);
}

TEST(StoreErrors, ADamagedStoreIsRefused) {
  const fs::path dir = billcheck::test::temp_dir("store-corrupt");
  const fs::path store = dir / "record.db";
  ASSERT_EQ(run_billcheck("check examples/firm --store " + shell_quoted(store), kAt).status, 1);
  sql(store, "PRAGMA wal_checkpoint(TRUNCATE)");
  std::string bytes = slurp(store);
  ASSERT_GT(bytes.size(), 8192u);
  for (std::size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xA5 ^ (i & 0xff));
  write_file(store, bytes);
  auto r = run_billcheck("check examples/firm --store " + shell_quoted(store), kLater);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("store '" + store.string() + "'"), std::string::npos) << r.err;
  EXPECT_TRUE(r.err.find("is damaged") != std::string::npos || r.err.find("not a billcheck store") != std::string::npos)
      << r.err;
  EXPECT_EQ(slurp(store), bytes);
}

TEST(StoreErrors, AReadOnlyStoreIsRefused) {
  const fs::path dir = billcheck::test::temp_dir("store-readonly");
  const fs::path store = dir / "record.db";
  ASSERT_EQ(run_billcheck("check examples/firm --store " + shell_quoted(store), kAt).status, 1);
  sql(store, "PRAGMA wal_checkpoint(TRUNCATE)");
  fs::remove(dir / "record.db-wal");
  fs::remove(dir / "record.db-shm");
  const std::string before = slurp(store);
  fs::permissions(store, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  // root writes through permissions: make the file immutable instead, where the file system allows.
  const bool root = ::geteuid() == 0;
  if (root && billcheck::test::run_shell("chattr +i " + shell_quoted(store), dir / "chattr.log") != 0) {
    fs::permissions(store, fs::perms::owner_all);
    GTEST_SKIP() << "running as root where chattr +i is not available: " << slurp(dir / "chattr.log");
  }
  auto r = run_billcheck("check examples/firm --store " + shell_quoted(store), kLater);
  if (root) billcheck::test::run_shell("chattr -i " + shell_quoted(store), dir / "chattr.log");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is read-only"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(store), before);
  fs::permissions(store, fs::perms::owner_all);
}

// A copy of the record on read-only media, or in a folder the auditor cannot
// write, is read as it is: the read commands create no -wal or -shm file
// beside it and change nothing in it (root writes through permissions, so
// what is checked is that nothing is written at all).
TEST(StoreErrors, ReadCommandsWriteNothingBesideTheStore) {
  const fs::path dir = billcheck::test::temp_dir("store-read-only") / "records";
  fs::create_directories(dir);
  const fs::path store = dir / "record.db";
  const std::string s = " --store " + shell_quoted(store);
  ASSERT_EQ(run_billcheck("check examples/firm" + s, kAt).status, 1);
  ASSERT_EQ(run_billcheck("dispute open" + s + " --invoice BM-0070 --reason rate --says 'too much'", kAt).status, 0);
  auto listing = [&] {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
    return names;
  };
  ASSERT_EQ(listing(), std::set<std::string>{"record.db"});
  const std::string bytes = slurp(store);
  const auto mtime = fs::last_write_time(store);
  fs::permissions(store, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                           fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  for (const std::string command : {"findings", "runs", "dispute list", "dispute show 1", "disputes",
                                    "disputes --overdue --today 2026-01-06", "audit verify", "audit log",
                                    "audit log --format csv", "report", "report --format json"}) {
    auto r = run_billcheck(command + s, kAt);
    EXPECT_EQ(r.status, 0) << command << ": " << r.err;
    EXPECT_FALSE(r.out.empty()) << command;
    EXPECT_EQ(listing(), std::set<std::string>{"record.db"}) << command;
  }
  auto verify = run_billcheck("audit verify" + s);
  EXPECT_EQ(verify.out.substr(0, verify.out.find(':')), "audit trail intact") << verify.out;
  EXPECT_TRUE(slurp(store) == bytes);
  EXPECT_EQ(fs::last_write_time(store), mtime);
  fs::permissions(dir, fs::perms::owner_all);
  fs::permissions(store, fs::perms::owner_read | fs::perms::owner_write);
  // Writable again, the store is written and read as usual.
  ASSERT_EQ(run_billcheck("dispute ack 1" + s, kAt).status, 0);
  EXPECT_NE(run_billcheck("dispute show 1" + s).out.find(", acknowledged\n"), std::string::npos);
}

TEST(StoreErrors, AStoreFromANewerBillcheckIsRefused) {
  const fs::path dir = billcheck::test::temp_dir("store-newer");
  const fs::path store = dir / "record.db";
  ASSERT_EQ(run_billcheck("check examples/firm --store " + shell_quoted(store), kAt).status, 1);
  sql(store, "PRAGMA user_version = 99");
  auto r = run_billcheck("check examples/firm --store " + shell_quoted(store), kLater);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("was written by a newer billcheck (schema version 99; this billcheck knows up to " +
                       std::to_string(billcheck::Store::latest_schema_version()) + ")"),
            std::string::npos)
      << r.err;
}

// An unset $STORE in a script gives --store "": a usage error, never "no store"
// (which would record nothing and say nothing).
TEST(StoreErrors, AnEmptyStoreIsAUsageError) {
  for (const std::string command :
       {"check examples/firm --store ''", "findings --store ''", "finding ack 868a9c --store ''", "runs --store ''",
        "dispute list --store ''", "dispute show 1 --store ''", "disputes --store ''", "audit verify --store ''",
        "audit log --store ''", "report --store ''", "serve --routes --store ''"}) {
    auto r = run_billcheck(command, kAt);
    EXPECT_EQ(r.status, 2) << command;
    EXPECT_NE(r.err.find("--store: is empty: give the path of the record's file"), std::string::npos)
        << command << ": " << r.err;
    EXPECT_EQ(r.out, "") << command;
  }
}

TEST(StoreErrors, NoStoreNamed) {
  auto r = run_billcheck("findings");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no store: give --store FILE, or set `store:` in billcheck.yaml"), std::string::npos) << r.err;
}

TEST(StoreAudit, EventsCannotBeChangedAndAnEditBehindBillchecksBackIsFound) {
  const fs::path dir = billcheck::test::temp_dir("store-audit");
  const fs::path store = dir / "record.db";
  const std::string s = " --store " + shell_quoted(store);
  ASSERT_EQ(run_billcheck("check examples/firm" + s, kAt).status, 1);
  auto ok = run_billcheck("audit verify" + s);
  EXPECT_EQ(ok.status, 0);
  EXPECT_EQ(ok.out.substr(0, ok.out.find('\n') + 1), "audit trail intact: 16 events, each chained to the one before\n");
  // The triggers refuse a change through SQLite itself.
  const std::string refused = sql(store, "UPDATE events SET actor = 'mallory' WHERE id = 3");
  EXPECT_NE(refused.find("append-only"), std::string::npos) << refused;
  EXPECT_NE(sql(store, "DELETE FROM events WHERE id = 3").find("append-only"), std::string::npos);
  // Someone drops the trigger and edits an event: verify names it.
  sql(store, "DROP TRIGGER events_no_update; UPDATE events SET actor = 'mallory' WHERE id = 3");
  auto broken = run_billcheck("audit verify" + s);
  EXPECT_EQ(broken.status, 1);
  EXPECT_EQ(broken.out,
            "audit trail broken at event 3: it was changed after it was recorded (its hash does not match its "
            "contents)\n");
}

// The findings and disputes tables are the record's current state; each row
// must be what the last event on it left it as, or the tables were edited.
TEST(StoreAudit, AnEditOfTheFindingsOrDisputesTableIsFound) {
  const fs::path dir = billcheck::test::temp_dir("store-edit");
  const fs::path store = dir / "record.db";
  const std::string s = " --store " + shell_quoted(store);
  ASSERT_EQ(run_billcheck("check examples/firm" + s, kAt).status, 1);
  ASSERT_EQ(run_billcheck("dispute open" + s +
                              " --invoice BM-0070 --line 2 --reason rate --says 'billed at 400, agreed 380' "
                              "--received 2026-01-05",
                          kAt)
                .status,
            0);
  ASSERT_EQ(run_billcheck("dispute ack 1" + s, kAt).status, 0);
  ASSERT_EQ(run_billcheck("audit verify" + s).status, 0);
  // A finding resolved behind billcheck's back.
  const std::string fp = sql(store, "SELECT fingerprint FROM findings WHERE rowid = 1");
  const std::string found = sql(store, "SELECT max(id) FROM events WHERE object_kind = 'finding' AND object_id = '" + fp + "'");
  ASSERT_EQ(fp.size(), 16u) << fp;
  sql(store, "UPDATE findings SET status = 'resolved' WHERE rowid = 1");
  auto r = run_billcheck("audit verify" + s);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "audit trail broken at event " + found + ": it is the last event on finding " + fp +
                       " and leaves it open, but the findings table has it resolved: the record was changed behind "
                       "billcheck's back\n");
  // A remedy written in without a move is found too.
  sql(store, "UPDATE findings SET status = 'open', remedy_kind = 'write-off' WHERE rowid = 1");
  r = run_billcheck("audit verify" + s);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("but the findings table has it open (remedy write-off)"), std::string::npos) << r.out;
  sql(store, "UPDATE findings SET remedy_kind = '' WHERE rowid = 1");
  EXPECT_EQ(run_billcheck("audit verify" + s).status, 0);
  // A dispute closed behind billcheck's back.
  const std::string acked = sql(store, "SELECT max(id) FROM events WHERE object_kind = 'dispute' AND object_id = '1'");
  sql(store, "UPDATE disputes SET state = 'closed' WHERE id = 1");
  r = run_billcheck("audit verify" + s);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "audit trail broken at event " + acked +
                       ": it is the last event on dispute 1 and leaves it acknowledged, but the disputes table has it "
                       "closed: the record was changed behind billcheck's back\n");
  // A dispute deleted, and one no event records.
  sql(store, "UPDATE disputes SET state = 'acknowledged' WHERE id = 1");
  EXPECT_EQ(run_billcheck("audit verify" + s).status, 0);
  sql(store, "PRAGMA foreign_keys = OFF; DELETE FROM dispute_findings; DELETE FROM disputes WHERE id = 1");
  r = run_billcheck("audit verify" + s);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "audit trail broken at event " + acked +
                       ": it is the last event on dispute 1, but the disputes table no longer has it: the record was "
                       "changed behind billcheck's back\n");
  sql(store, "INSERT INTO disputes (id, invoice, line, client, reason, says, received, respond_by, opened_at, "
             "opened_by, state, state_at, state_by) SELECT 7, invoice, '', client, 'other', 'x', '2026-01-05', "
             "'2026-01-10', '', '', 'open', '', '' FROM findings WHERE rowid = 1");
  r = run_billcheck("audit verify" + s);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.substr(0, r.out.find(',')), "audit trail broken: no event records dispute 7") << r.out;
}

// A deleted event is named in a sentence: the gap, then the event after it.
TEST(StoreAudit, ADeletedEventIsNamedByTheGapItLeaves) {
  const fs::path dir = billcheck::test::temp_dir("store-gap");
  const fs::path store = dir / "record.db";
  const std::string s = " --store " + shell_quoted(store);
  ASSERT_EQ(run_billcheck("check examples/firm" + s, kAt).status, 1);
  sql(store, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 7");
  auto r = run_billcheck("audit verify" + s);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "audit trail broken at event 8: event 7, the one before it, is missing\n");
  sql(store, "DELETE FROM events WHERE id IN (8, 9)");
  r = run_billcheck("audit verify" + s);
  EXPECT_EQ(r.out, "audit trail broken at event 10: events 7 to 9, the ones before it, are missing\n");
}

// A chain cannot show that its newest events were deleted; the head verify
// prints, kept elsewhere and given back as --anchor, does.
TEST(StoreAudit, TheNewestEventsDeletedAreFoundFromAnAnchorKeptElsewhere) {
  const fs::path dir = billcheck::test::temp_dir("store-anchor");
  const fs::path store = dir / "record.db";
  const std::string s = " --store " + shell_quoted(store);
  ASSERT_EQ(run_billcheck("check examples/firm" + s, kAt).status, 1);
  auto ok = run_billcheck("audit verify" + s);
  ASSERT_EQ(ok.status, 0);
  const std::string prefix = "audit trail intact: 16 events, each chained to the one before\nhead: ";
  ASSERT_EQ(ok.out.substr(0, prefix.size()), prefix) << ok.out;
  const std::string head = ok.out.substr(prefix.size(), ok.out.find(' ', prefix.size()) - prefix.size());
  ASSERT_EQ(head.size(), 3 + 64u) << head;  // 16:<sha256>
  EXPECT_EQ(ok.out, prefix + head + " (keep it elsewhere; --anchor " + head + " finds the newest events deleted)\n");
  EXPECT_EQ(run_billcheck("audit verify --anchor " + head + s).status, 0);
  // More events since the anchor: still intact.
  ASSERT_EQ(run_billcheck("finding ack 868a9cd9eb829df9" + s, kAt).status, 0);
  EXPECT_EQ(run_billcheck("audit verify --anchor " + head + s).status, 0);
  // Someone drops the trigger and deletes the newest two: the finding the
  // deleted ack moved is no longer what its last event says.
  sql(store, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id >= 16");
  auto moved = run_billcheck("audit verify" + s);
  EXPECT_EQ(moved.status, 1);
  EXPECT_NE(moved.out.find("finding 868a9cd9eb829df9 and leaves it open, but the findings table has it acknowledged"),
            std::string::npos)
      << moved.out;
  // Put back as the events say, the chain alone still holds; the anchor does not.
  sql(store, "UPDATE findings SET status = 'open' WHERE fingerprint = '868a9cd9eb829df9'");
  EXPECT_EQ(run_billcheck("audit verify" + s).status, 0);
  auto gone = run_billcheck("audit verify --anchor " + head + s);
  EXPECT_EQ(gone.status, 1);
  EXPECT_EQ(gone.out, "audit trail broken at event 16: it is gone, and the anchor names it: the newest events were "
                      "deleted (the trail now ends at event 15)\n");
  // An anchor that is not one is bad input.
  auto bad = run_billcheck("audit verify --anchor 16" + s);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("the anchor '16' is not ID:HASH"), std::string::npos) << bad.err;
}

TEST(StoreAudit, LogExportsTextJsonAndCsv) {
  const fs::path dir = billcheck::test::temp_dir("store-log");
  const std::string s = " --store " + shell_quoted(dir / "record.db");
  ASSERT_EQ(run_billcheck("check examples/firm" + s + " --by alice", kAt).status, 1);
  auto text = run_billcheck("audit log --invoice HR-115" + s);
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.out.find("alice finding.found: found "), std::string::npos) << text.out;
  auto csv = run_billcheck("audit log --format csv" + s);
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "id,at,actor,action,object,invoice,dispute,before,after,hash");
  auto json = run_billcheck("audit log --format json" + s);
  EXPECT_EQ(nlohmann::json::parse(json.out)["events"].size(), 16u);
}

TEST(StoreAudit, TheLogShowsARemedysAmountWithItsCurrencyAndDecimals) {
  // Amounts typed without decimals (--amount 130, 1200) read as the report writes money: EUR 130.00.
  const fs::path dir = billcheck::test::temp_dir("store-log-amounts");
  const std::string s = " --store " + shell_quoted(dir / "record.db");
  ASSERT_EQ(run_billcheck("check examples/firm" + s + " --by alice", kAt).status, 1);
  const std::string fp = fingerprint_of(run_billcheck("findings --format json" + s).out, "rates.contract-rate");
  ASSERT_EQ(run_billcheck("finding resolve " + fp + s + " --by bob --remedy credit-note --remedy-id CN-9 --amount 130", kAt)
                .status, 0);
  ASSERT_EQ(run_billcheck("dispute open --invoice HR-115 --line 3 --reason arithmetic --says wrong" + s, kAt).status, 0);
  for (const char* move : {"ack 1", "investigate 1", "resolve 1 --upheld --remedy credit-note --remedy-id CN-5 --amount 120"})
    ASSERT_EQ(run_billcheck(std::string("dispute ") + move + s, kAt).status, 0) << move;
  auto log = run_billcheck("audit log" + s);
  EXPECT_EQ(log.status, 0) << log.err;
  EXPECT_NE(log.out.find("finding.resolved: finding " + fp + ": open -> resolved; remedy credit-note CN-9 EUR 130.00\n"),
            std::string::npos) << log.out;
  EXPECT_NE(log.out.find(": open -> resolved; remedy credit-note CN-5 GBP 120.00; dispute 1 upheld\n"), std::string::npos)
      << log.out;
  EXPECT_NE(log.out.find("dispute.upheld: dispute 1: investigating -> upheld; remedy credit-note CN-5 GBP 120.00\n"),
            std::string::npos) << log.out;
}

TEST(StoreDisputes, FromTheClientsWordToClosed) {
  const fs::path dir = billcheck::test::temp_dir("store-dispute");
  const std::string s = " --store " + shell_quoted(dir / "record.db");
  ASSERT_EQ(run_billcheck("check examples/firm" + s + " --by alice", kAt).status, 1);
  auto open = run_billcheck("dispute open" + s +
                                " --invoice BM-0070 --line 2 --reason rate --says 'Daniel Okafor is billed at 400, "
                                "our agreement says 380.' --received 2026-01-05 --by alice",
                            kAt);
  ASSERT_EQ(open.status, 0) << open.err;
  EXPECT_NE(open.out.find("Dispute 1 opened on BM-0070 line 2 (C-200), reason rate; answer by 2026-01-10\n"
                          "The rules confirm the client's point (1 finding):\n"),
            std::string::npos)
      << open.out;
  // Moves out of order are refused with the allowed ones.
  auto early = run_billcheck("dispute close 1" + s, kAt);
  EXPECT_EQ(early.status, 2);
  EXPECT_NE(early.err.find("dispute 1 is open: 'close' is not a move from there; allowed: ack"), std::string::npos)
      << early.err;
  // Overdue: nobody answered by 2026-01-10.
  auto overdue = run_billcheck("disputes --overdue --today 2026-01-11" + s);
  EXPECT_EQ(overdue.status, 1);
  EXPECT_NE(overdue.out.find("dispute 1  BM-0070 line 2  C-200  received 2026-01-05, nobody answered by 2026-01-10"),
            std::string::npos)
      << overdue.out;
  const fs::path mail = dir / "client-email.txt";
  write_file(mail, "Dear Ashford & Vale, ...\n");
  ASSERT_EQ(run_billcheck("dispute note 1" + s + " --channel email --direction in --text 'the email' --attach " +
                              shell_quoted(mail),
                          kAt)
                .status,
            0);
  EXPECT_EQ(run_billcheck("dispute ack 1" + s + " --by bob", kAt).status, 0);
  EXPECT_EQ(run_billcheck("disputes --overdue --today 2026-01-11" + s).status, 0);
  EXPECT_EQ(run_billcheck("dispute investigate 1" + s, kAt).status, 0);
  auto upheld = run_billcheck("dispute resolve 1 --upheld --remedy payment-plan --remedy-id PP-1 --amount 154.70 "
                              "--instalment 77.35@2026-02-01 --instalment 77.35@2026-03-01" + s,
                              kAt);
  ASSERT_EQ(upheld.status, 0) << upheld.err;
  EXPECT_NE(upheld.out.find("remedy: payment-plan PP-1, EUR 154.70"), std::string::npos) << upheld.out;
  // The confirming finding is resolved by the same remedy.
  auto resolved = run_billcheck("findings --status resolved --format json" + s);
  EXPECT_NE(resolved.out.find("\"id\": \"PP-1\""), std::string::npos) << resolved.out;
  auto due = run_billcheck("disputes --overdue --today 2026-02-02" + s);
  EXPECT_EQ(due.status, 1);
  EXPECT_NE(due.out.find("instalment 1 of dispute 1  BM-0070  C-200  EUR 77.35 due 2026-02-01"), std::string::npos)
      << due.out;
  EXPECT_EQ(run_billcheck("dispute paid 1 --instalment 1 --on 2026-01-30" + s, kAt).status, 0);
  EXPECT_EQ(run_billcheck("disputes --overdue --today 2026-02-02" + s).status, 0);
  auto closed = run_billcheck("dispute close 1 --note 'thanked the client; credit note sent'" + s, kAt);
  EXPECT_EQ(closed.status, 0) << closed.err;
  auto shown = run_billcheck("dispute show 1 --format json" + s);
  EXPECT_EQ(nlohmann::json::parse(shown.out)["state"], "closed");
  EXPECT_EQ(nlohmann::json::parse(shown.out)["notes"][0]["attachment_sha256"], billcheck::sha256_hex(slurp(mail)));
  auto story = run_billcheck("audit log --dispute 1" + s);
  EXPECT_NE(story.out.find("dispute.opened: the client says: \"Daniel Okafor is billed at 400"), std::string::npos)
      << story.out;
  EXPECT_NE(story.out.find("dispute.closed: dispute 1: upheld -> closed"), std::string::npos) << story.out;
  EXPECT_EQ(run_billcheck("audit verify" + s).status, 0);
}

// A dispute is recorded for good: a line the invoice does not have is refused, and nothing is recorded.
TEST(StoreDisputes, ALineTheInvoiceDoesNotHaveIsRefused) {
  const fs::path dir = billcheck::test::temp_dir("store-dispute-line");
  const std::string s = " --store " + shell_quoted(dir / "record.db");
  ASSERT_EQ(run_billcheck("check examples/firm" + s, kAt).status, 1);
  for (const std::string line : {"99", "abc", "2x"}) {
    auto open = run_billcheck("dispute open" + s + " --invoice NW-2025-07 --line " + line + " --reason rate --says x", kAt);
    EXPECT_EQ(open.status, 2) << line;
    EXPECT_EQ(open.err, "billcheck: invoice NW-2025-07 has no line '" + line +
                            "' (its lines are 1, 2, 3, 4, 5, 6); name one of them, or none for the whole invoice\n");
  }
  EXPECT_EQ(run_billcheck("disputes" + s, kAt).out, "0 disputes\n");
  // The client's word cannot arrive after today; a report's range runs forward.
  auto later = run_billcheck("dispute open" + s + " --invoice NW-2025-07 --reason rate --says x --received 2999-01-01",
                             kAt);
  EXPECT_EQ(later.status, 2);
  EXPECT_NE(later.err.find("received 2999-01-01 is after today (2026-01-05); give the day the client's word arrived"),
            std::string::npos)
      << later.err;
  // A check that did not run whole cannot say nothing backs the client.
  write_file(dir / "overflow.json",
             R"({"clients":[{"client_id":"C1","name":"X","currency":"USD"}],"invoices":[{"invoice_id":"I1",)"
             R"("client_id":"C1","issue_date":"2025-01-01","currency":"USD","total":"9223372036854.775807"}],)"
             R"("invoice_lines":[{"invoice_id":"I1","line_no":1,"type":"fee","quantity":"9223372036854.775807",)"
             R"("rate":"9223372036854.775807","amount":"9223372036854.775807"}]})");
  auto incomplete = run_billcheck("dispute open" + s + " --book " + shell_quoted(dir / "overflow.json") +
                                      " --invoice I1 --reason other --says x",
                                  kAt);
  EXPECT_EQ(incomplete.status, 2);
  EXPECT_NE(incomplete.err.find("the check of invoice I1 was incomplete (a rule failed on it: see its 'internal' "
                                "findings), so the dispute was not recorded"),
            std::string::npos)
      << incomplete.err;
  EXPECT_EQ(run_billcheck("disputes" + s, kAt).out, "0 disputes\n");
  auto backwards = run_billcheck("report" + s + " --from 2026-01-01 --to 2025-01-01", kAt);
  EXPECT_EQ(backwards.status, 2);
  EXPECT_EQ(backwards.err, "billcheck: --from 2026-01-01 is after --to 2025-01-01: give the earlier day first\n");
}

TEST(StoreDisputes, ReasonCodesAndExplainedDisputes) {
  const fs::path firm = firm_copy("store-reasons");
  write_file(firm / "billcheck.yaml",
             slurp(firm / "billcheck.yaml") + "disputes:\n  respond_within_days: 2\n  reason_codes: [courtesy]\n");
  const std::string s = " --store " + shell_quoted(firm / "record.db") + " --book " + shell_quoted(firm);
  auto bad = run_billcheck("dispute open" + s + " --invoice NW-2025-06 --reason cost --says 'too dear'", kAt);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("reason 'cost' is not a reason code; give one of rate, hours"), std::string::npos) << bad.err;
  auto open = run_billcheck("dispute open" + s + " --invoice NW-2025-06 --reason courtesy --says 'the discount?' "
                            "--received 2026-01-05", kAt);
  ASSERT_EQ(open.status, 0) << open.err;
  EXPECT_NE(open.out.find("answer by 2026-01-07"), std::string::npos) << open.out;
  EXPECT_NE(open.out.find("The rules find nothing on NW-2025-06"), std::string::npos) << open.out;
  const std::string st = " --store " + shell_quoted(firm / "record.db");
  ASSERT_EQ(run_billcheck("dispute ack 1" + st, kAt).status, 0);
  ASSERT_EQ(run_billcheck("dispute investigate 1" + st, kAt).status, 0);
  auto explained = run_billcheck("dispute resolve 1 --explained --explain" + s, kAt);
  ASSERT_EQ(explained.status, 0) << explained.err;
  EXPECT_NE(explained.out.find("Dispute 1 (NW-2025-06) explained by "), std::string::npos) << explained.out;
  auto shown = run_billcheck("dispute show 1" + st);
  EXPECT_NE(shown.out.find("  explanation:\n    "), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("NW-2025-06"), std::string::npos);
}

// ---- reliability

TEST(StoreReliability, TwoProcessesRecordingAtOnceBothLand) {
  const fs::path dir = billcheck::test::temp_dir("store-two");
  const fs::path store = dir / "record.db";
  const std::string exe = shell_quoted(BILLCHECK_EXE);
  const std::string one = exe + " -q check examples/firm --store " + shell_quoted(store) + " --by one >/dev/null";
  const std::string two = exe + " -q check examples/firm --store " + shell_quoted(store) + " --by two >/dev/null";
  for (int round = 0; round < 3; ++round) {
    const int status = billcheck::test::run_shell(
        "(" + one + "; echo a=$? >>" + shell_quoted(dir / "rc") + ") & (" + two + "; echo b=$? >>" +
            shell_quoted(dir / "rc") + ") & wait",
        dir / "log");
    EXPECT_EQ(status, 0) << slurp(dir / "log");
  }
  const std::string rc = slurp(dir / "rc");
  EXPECT_EQ(std::count(rc.begin(), rc.end(), '1'), 6) << rc << slurp(dir / "log");  // exit 1: findings
  auto runs = run_billcheck("runs --store " + shell_quoted(store) + " --format json");
  const auto j = nlohmann::json::parse(runs.out);
  ASSERT_EQ(j["runs"].size(), 6u);
  std::set<std::string> actors;
  for (const auto& r : j["runs"]) actors.insert(r["actor"]);
  EXPECT_EQ(actors, (std::set<std::string>{"one", "two"}));
  EXPECT_EQ(sql(store, "SELECT count(*) FROM sightings"), "90");
  EXPECT_EQ(run_billcheck("audit verify --store " + shell_quoted(store)).status, 0);
}

TEST(StoreReliability, KilledDuringCheckTheRunIsWhollyThereOrAbsent) {
  const fs::path dir = billcheck::test::temp_dir("store-kill");
  const fs::path book = dir / "book";
  billcheck::bench::write_synthetic_book(book, 40000, 4);  // 10,000 findings a run
  const fs::path store = dir / "record.db";
  const std::string exe = BILLCHECK_EXE;
  auto start = [&] {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execl(exe.c_str(), exe.c_str(), "-q", "check", book.c_str(), "--store", store.c_str(), "--jobs", "1",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  };
  // One whole run first, to learn how long a run takes on this machine now:
  // the kills below land across it, the recording at its end included.
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t first = start();
  ASSERT_GT(first, 0);
  int status = 0;
  ::waitpid(first, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  const auto whole = std::chrono::steady_clock::now() - t0;
  int killed = 0;
  for (int percent : {30, 50, 60, 70, 80, 85, 90, 93, 96, 100}) {
    const pid_t pid = start();
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(whole * percent / 100);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed;
    // The store opens, its trail is intact, and every run recorded is whole.
    auto verify = run_billcheck("audit verify --store " + shell_quoted(store));
    EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
    EXPECT_EQ(sql(store, "SELECT count(*) FROM runs r WHERE r.findings + r.waived <> "
                         "(SELECT count(*) FROM sightings s WHERE s.run = r.id)"),
              "0");
  }
  EXPECT_GT(killed, 0);
  // The store goes on working after every kill.
  auto r = run_billcheck("check " + shell_quoted(book) + " --store " + shell_quoted(store) + " -q");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(run_billcheck("audit verify --store " + shell_quoted(store)).status, 0);
}

// `audit verify` reads the trail and the findings and disputes it must agree
// with as one state of the record: a run another process commits meanwhile is
// seen whole or not at all. (Read apart, a run's events without its rows looked
// like an edit behind billcheck's back: exit 1, "audit trail broken".)
TEST(StoreReliability, VerifyWhileRunsAreRecordedNeverReportsTampering) {
  const fs::path firm = firm_copy("store-verify-busy");
  const fs::path dir = firm.parent_path();
  const fs::path fixed = dir / "fixed";
  fs::copy(firm, fixed, fs::copy_options::recursive);
  // Each run of one book after the other fixes or reopens HR-115's findings.
  replace_in(fixed / "invoice_lines.csv", "1255.00", "1155.00");
  const fs::path store = dir / "record.db";
  const std::string exe = shell_quoted(BILLCHECK_EXE);
  const std::string s = " --store " + shell_quoted(store);
  ASSERT_EQ(run_billcheck("check " + shell_quoted(firm) + s, kAt).status, 1);
  const std::string runs = "for i in $(seq 20); do " + exe + " -q check " + shell_quoted(fixed) + s + " >/dev/null; " +
                           exe + " -q check " + shell_quoted(firm) + s + " >/dev/null; done; touch " +
                           shell_quoted(dir / "done");
  const std::string verifies = "while [ ! -e " + shell_quoted(dir / "done") + " ]; do " + exe + " audit verify" + s +
                               "; echo rc=$?; done";
  ASSERT_EQ(billcheck::test::run_shell("{ (" + runs + ") & " + verifies + "; wait; }", dir / "log"), 0);
  const std::string log = slurp(dir / "log");
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_GT(count("rc=0"), 0u) << log;
  EXPECT_EQ(count("rc="), count("rc=0")) << log;
  EXPECT_EQ(count("audit trail broken"), 0u) << log;
  EXPECT_EQ(sql(store, "SELECT count(*) FROM runs"), "41");
  EXPECT_EQ(run_billcheck("audit verify" + s).status, 0);
}

// ---- docs/disputes.md: every command in it prints what the page shows, run
// (test::run_walkthrough) in a folder holding a copy of examples/firm (shown as
// /home/margaret/records).
TEST(StoreDocs, TheDisputeWalkthroughPrintsWhatThePageShows) {
  const fs::path dir = billcheck::test::temp_dir("store-docs") / "records";
  fs::create_directories(dir / "examples");
  fs::copy(billcheck::test::source_dir() / "examples" / "firm", dir / "examples" / "firm", fs::copy_options::recursive);
  const int commands =
      billcheck::test::run_walkthrough(billcheck::test::source_dir() / "docs" / "disputes.md", dir, "/home/margaret/records");
  EXPECT_GT(commands, 10);
  fs::remove_all(dir.parent_path());
}
