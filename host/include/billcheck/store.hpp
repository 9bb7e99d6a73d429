// The record: one SQLite file that keeps what billcheck would otherwise forget
// after each run: the runs, every finding over time and what was done about
// it, the clients' disputes with their correspondence, and an append-only,
// hash-chained audit trail of every change. Downstream of the engine (library
// billcheck::store): it takes a Report; rules never see it.
//
// Every method is one transaction and appends its events; amounts are exact
// decimal text (never floating point); times are UTC ISO 8601
// (`2026-01-05T09:30:00Z`); dates are `YYYY-MM-DD`.
#pragma once

#include <billcheck/engine.hpp>
#include <billcheck/report.hpp>

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace billcheck {

/// A store that cannot be used (not SQLite, damaged, read-only, newer than
/// this billcheck), or a request it refuses (an unknown fingerprint or
/// dispute, a bad amount). what() is the sentence for the user.
class StoreError : public Error {
 public:
  using Error::Error;
};

/// The store's file cannot be used as it is (not a billcheck store, damaged,
/// read-only, written by a newer billcheck, a full disk, SQLite failing): the
/// fault is with the file, not with what was asked of it. what() names the file.
class StoreUnusable : public StoreError {
 public:
  using StoreError::StoreError;
};

/// Another process kept the store locked past the busy timeout: nothing was
/// changed, and the same request may well succeed in a moment.
class StoreBusy : public StoreUnusable {
 public:
  using StoreUnusable::StoreUnusable;
};

/// A fingerprint or a dispute number the store does not have. what() names the
/// store's file, for the CLI; `kind` ("finding" or "dispute") and `key` (the
/// fingerprint or number asked for) let a front end that must not show the
/// file (the service) say what was not found in its own words.
class NotInStore : public StoreError {
 public:
  NotInStore(const std::string& message, std::string kind, std::string key)
      : StoreError(message), kind_(std::move(kind)), key_(std::move(key)) {}
  const std::string& kind() const { return kind_; }
  const std::string& key() const { return key_; }

 private:
  std::string kind_, key_;
};

/// A move the object's state does not allow; `allowed` lists the moves it does.
class InvalidMove : public StoreError {
 public:
  InvalidMove(const std::string& message, std::vector<std::string> allowed)
      : StoreError(message), allowed_(std::move(allowed)) {}
  const std::vector<std::string>& allowed() const { return allowed_; }

 private:
  std::vector<std::string> allowed_;
};

struct StoreOptions {
  std::string actor;  // who makes the changes; empty = the login name
  /// The time of each change, UTC ISO 8601; default: the system clock. Tests
  /// and reproducible docs fix it (the CLI reads BILLCHECK_NOW).
  std::function<std::string()> clock;
  bool read_only = false;  // open for reading only: listing, audit
  /// With read_only: leave nothing beside the store (no -wal, -shm), and read
  /// a store on read-only media or in a folder the user cannot write. Where
  /// the store and its folder are writable it is opened for writing but only
  /// read (query_only), so that SQLite removes the -wal and -shm it makes when
  /// the store is closed; where they are not, and no -wal or -shm is there,
  /// the file is read as immutable (nothing can be writing it). For one-shot
  /// readers (the CLI's read commands), not a service that keeps it open.
  bool leave_no_files = false;
};

/// A run as recorded: who checked what, when, with what, and the counts.
struct RunRecord {
  std::int64_t id = 0;
  std::string at, actor;
  std::string book, book_digest, config, config_digest;
  std::string invoice;  // the one invoice checked (check --invoice), else empty
  std::string sources;  // JSON: the plugins and packs that ran, with their versions
  std::int64_t invoices = 0, lines = 0, findings = 0, errors = 0, warnings = 0, infos = 0, waived = 0;
  std::int64_t new_findings = 0, fixed = 0, reopened = 0;
};

/// What the caller knows of a run that the report does not say.
struct RunInfo {
  std::string book, book_digest, config, config_digest;
  std::string invoice;  // check --invoice: only that invoice's findings can be fixed by this run
};

/// A payment plan's instalment.
struct Instalment {
  int number = 0;
  std::string amount;  // exact decimal
  std::string due;     // YYYY-MM-DD
  std::string paid;    // date paid, empty while unpaid
};

/// What resolved a finding or upheld a dispute: `corrected`, `credit-note`,
/// `discount`, `write-off`, `payment-plan` or `explained`, the remedy's own id
/// (the credit note's, the corrected invoice's) and its amount.
struct RemedyRecord {
  std::string kind, id, amount, currency;
  std::vector<Instalment> instalments;  // payment-plan
};
/// The remedy kinds, in the order the help lists them.
const std::vector<std::string>& remedy_kinds();

/// A finding as the record knows it: its last report, and its state.
struct FindingRecord {
  std::string fingerprint, rule, severity, category, message;
  std::string client, invoice, line;
  std::string amount, currency;  // amount at stake, exact decimal; empty when none
  /// open, acknowledged, resolved, waived, reopened
  std::string status;
  std::string first_seen, last_seen, status_at, status_by, note;
  std::int64_t first_run = 0, last_run = 0;  // 0: found by a dispute's investigation, not a run
  std::optional<RemedyRecord> remedy;
  std::string waiver_reason, waiver_by, waiver_expires;
  std::string data;  // the finding as the report's JSON
};

struct FindingFilter {
  std::vector<std::string> status;  // any of these; empty = all
  std::string client, invoice, rule;
};

/// A move of a finding: `ack`, `resolve` (needs remedy), `waive` (needs
/// reason; approver = the actor unless given), `reopen`.
struct FindingMove {
  std::string action;
  std::string note;
  std::optional<RemedyRecord> remedy;
  std::string waiver_reason, waiver_by, waiver_expires;
};

/// The default reason codes a client's dispute is filed under.
const std::vector<std::string>& default_reason_codes();

struct DisputeNote {
  std::int64_t id = 0;
  std::string at, actor, channel, direction, text;
  std::string attachment, attachment_sha256;  // path and digest of a file kept with it
};

/// A client's dispute about an invoice or a line, and what the firm did.
struct Dispute {
  std::int64_t id = 0;
  std::string invoice, line, client, reason, says;
  std::string received;    // YYYY-MM-DD the client's word arrived
  std::string respond_by;  // received + disputes.respond_within_days
  std::string opened_at, opened_by;
  /// open, acknowledged, investigating, upheld, explained, closed
  std::string state, state_at, state_by;
  std::string outcome;      // upheld or explained, once resolved (kept when closed)
  std::optional<RemedyRecord> remedy;  // upheld
  std::string explanation;  // explained
  std::string closing_note;
  std::vector<std::string> findings;  // fingerprints that confirm the client's point
  std::vector<DisputeNote> notes;
};

struct DisputeRequest {
  std::string invoice, line, client, reason, says, received;  // received: YYYY-MM-DD, default today
  int respond_within_days = 5;
  std::vector<std::string> extra_reason_codes;  // disputes.reason_codes: the firm's own
};

/// The move of a dispute: `ack`, `investigate`, `uphold` (remedy), `explain`
/// (explanation), `close` (note).
struct DisputeMove {
  std::string action, note, explanation;
  std::optional<RemedyRecord> remedy;
};

struct NoteRequest {
  std::string channel, direction, text;
  std::filesystem::path attach;
  bool keep_bytes = false;  // also store the attachment's bytes
};

/// The findings of a check of `invoice` that back a client's point: on the
/// line they name (or the whole invoice), of the kind their reason names
/// (rate: rates; hours and scope: services, guidelines; ...; other and a
/// firm's own codes: any kind).
std::vector<Finding> confirming_findings(const Report& report, const std::string& invoice, const std::string& line,
                                         const std::string& reason);

/// Refuses (UnknownRecord) a disputed `line` that is not a line_no of the
/// book's `invoice`: a dispute is recorded for good, so it names a line there
/// is. An empty `line` is the whole invoice.
void check_disputed_line(const Book& book, const std::string& invoice, const std::string& line);

/// What is overdue on `today`: disputes nobody answered by their respond-by
/// date, and payment-plan instalments past due and unpaid.
struct Overdue {
  std::vector<Dispute> disputes;
  struct Due {
    std::int64_t dispute = 0;
    std::string fingerprint, invoice, client, currency;
    Instalment instalment;
  };
  std::vector<Due> instalments;
};

/// One entry of the audit trail.
struct Event {
  std::int64_t id = 0;
  std::string at, actor, action, object_kind, object_id, invoice;
  std::int64_t dispute = 0;
  std::string before, after;  // JSON (may be empty)
  std::string prev_hash, hash;
};

struct EventFilter {
  std::int64_t dispute = 0;  // its events and those of the findings linked to it
  std::string invoice;
};

/// `audit verify`: intact, or the first event whose hash does not follow.
struct AuditResult {
  bool intact = true;
  std::int64_t events = 0;
  /// The first broken event (0 when what is broken is a finding or dispute
  /// no event records).
  std::int64_t broken = 0;
  /// What is wrong, a sentence read after "audit trail broken at event N: ":
  /// a gap, an event changed, or a finding's or dispute's row that is not
  /// what the last event on it left it as (an edit of the record's own tables).
  std::string problem;
  /// The newest event as an anchor, "ID:HASH" (empty without events). A chain
  /// cannot show that its newest events were deleted: kept outside the store
  /// and given back to verify(anchor), the anchor does.
  std::string head;
};

/// `billcheck report`: the record over time (docs/patterns.md). Amounts are
/// exact, per currency; a finding's amount is the one its last run reported.
struct TrendFilter {
  std::string from, to;  // YYYY-MM-DD, inclusive; empty = no bound
};

/// Findings and money at stake of one group (a category, a client) in one run.
struct TrendFigure {
  std::int64_t findings = 0;
  std::map<std::string, Decimal> at_stake;  // currency -> net amount at stake
};

struct RunTrend {
  RunRecord run;  // its counts: findings, errors, ..., new_findings, fixed, reopened
  TrendFigure total;
  std::map<std::string, TrendFigure> by_category, by_client;
};

/// A cause (Cause) that came back after it was fixed: found by a run, no
/// longer found by a later run over the whole book, then found again.
struct RecurringCause {
  CauseKey cause;
  std::int64_t first_run = 0;   // the first run that found it
  std::int64_t fixed_run = 0;   // the last run that no longer found it before it came back
  std::int64_t back_run = 0;    // the last run it came back in
  std::int64_t times = 0;       // how many times it came back
  std::vector<std::string> members;  // fingerprints of its findings in back_run
};

struct Trends {
  TrendFilter filter;
  std::vector<RunTrend> runs;  // oldest first
  /// Disputes received within the dates: reason -> outcome (upheld,
  /// explained, or pending while unresolved) -> count.
  std::map<std::string, std::map<std::string, std::int64_t>> disputes;
  std::int64_t disputes_closed = 0;
  /// The median of the closed disputes' days from opening to close ("2",
  /// "2.5"), empty when none is closed.
  std::string median_days_to_close;
  std::vector<RecurringCause> recurring;
};

class Store {
 public:
  /// Opens the store at `path`, creating it (and applying the schema's
  /// migrations in order) when it does not exist or is an empty file.
  /// Throws StoreError for a file that is not a billcheck store, is damaged,
  /// read-only, or was written by a newer billcheck.
  explicit Store(const std::filesystem::path& path, StoreOptions options = {});
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;

  static int latest_schema_version();
  int schema_version() const;
  const std::filesystem::path& path() const;
  const std::string& actor() const;

  // ---- runs and findings

  /// Records a check in one transaction, and completes `report` from the
  /// record: the findings the store waives move to report.waived (the summary
  /// is added up again), each finding gets its history, report.fixed lists
  /// what earlier runs found over the same invoices that this one does not
  /// (those become resolved, `corrected`), and a resolved finding found again
  /// is reopened. `book` says which invoices the run covered.
  /// `before_commit`, when given, runs inside the transaction once the report
  /// is complete (the caller writes its report there): when it throws,
  /// nothing is recorded and the exception passes through.
  RunRecord record_run(Report& report, const Book& book, const RunInfo& info,
                       const std::function<void(const RunRecord&)>& before_commit = {});
  std::vector<RunRecord> runs() const;
  std::optional<RunRecord> last_run() const;

  std::vector<FindingRecord> findings(const FindingFilter& filter = {}) const;
  /// Throws StoreError for a fingerprint the store does not have.
  FindingRecord finding(const std::string& fingerprint) const;
  /// Throws InvalidMove (with the allowed moves) or StoreError.
  FindingRecord move_finding(const std::string& fingerprint, const FindingMove& move);
  /// The moves a finding in `status` allows.
  static std::vector<std::string> finding_moves(const std::string& status);

  // ---- disputes

  /// Records the client's dispute and links `confirming` (findings of the
  /// rules run on the invoice that back the client's point; recorded as
  /// findings if the store does not have them yet).
  Dispute open_dispute(const DisputeRequest& request, const std::vector<Finding>& confirming);
  Dispute dispute(std::int64_t id) const;
  std::vector<Dispute> disputes(const std::string& state = {}) const;
  Dispute move_dispute(std::int64_t id, const DisputeMove& move);
  static std::vector<std::string> dispute_moves(const std::string& state);
  DisputeNote add_note(std::int64_t dispute, const NoteRequest& note);
  /// Marks instalment `number` of the payment plan of a dispute paid on `date`.
  Dispute pay_instalment(std::int64_t dispute, int number, const std::string& date);
  Overdue overdue(const std::string& today) const;

  // ---- audit

  std::vector<Event> events(const EventFilter& filter = {}) const;
  AuditResult verify() const;
  /// verify(), and that the event an anchor names (a head verify() gave
  /// earlier) is still there with the same hash: not so when the newest events
  /// were deleted, or the trail rewritten. Throws StoreError for an anchor that
  /// is not "ID:HASH".
  AuditResult verify(std::string_view anchor) const;

  // ---- trends

  /// The runs recorded within the filter's dates with their figures, the
  /// disputes, and the causes that came back after they were fixed.
  Trends trends(const TrendFilter& filter = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- JSON, the same the CLI prints and the service serves

std::string to_json(const RunRecord& run);
std::string to_json(const FindingRecord& finding);
std::string to_json(const Dispute& dispute);
std::string to_json(const Event& event);
std::string to_json(const Overdue& overdue);

/// `billcheck report --format html`: the trends as one self-contained page
/// (templates/trends.html with report.css; `templates`: a firm's folder, empty
/// = the bundled one). Throws ConfigError when a template cannot be used.
void write_trends_html(std::ostream& out, const Trends& trends, const std::filesystem::path& templates = {});
std::string to_json(const Trends& trends);

/// SHA-256 of bytes, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);
/// What a run records of what it checked (`check --store`, Python's
/// Store.record, billcheck.distributed): the book's absolute path and digest
/// (its file's bytes; for a folder, each file of it and of the folders in it,
/// by relative name; "stdin" for "-"), the config's path and digest (none when
/// `config` is empty), and the invoice of a check --invoice.
RunInfo run_info(const std::string& book_path, const std::filesystem::path& config, const std::string& invoice = "");
/// The login name of the user running billcheck ("unknown" when there is none).
std::string login_name();
/// Now, UTC ISO 8601 to the second.
std::string utc_now();

}  // namespace billcheck
