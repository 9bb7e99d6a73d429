// The engine: the public C++ API an accounting package links to. Load a config,
// build an Engine once, then check whole books or single invoices and read the
// findings as data. The billcheck CLI is a thin layer over this.
#pragma once

#include <billcheck/config.hpp>
#include <billcheck/load.hpp>
#include <billcheck/rule.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace billcheck {

/// A plugin the engine found: loaded with its rules, or refused with the reason.
struct PluginRecord {
  std::string name, version, sdk_version, compiler;
  std::string cxx_library;  // the C++ standard library it was built against (ABI 1.1 plugins)
  std::uint32_t abi_major = 0, abi_minor = 0;
  std::filesystem::path path;
  std::vector<std::string> rules;
  bool loaded = false;
  bool disabled = false;  // not loaded because plugins.disable names it: not a refusal
  bool isolated = false;  // its rules run in a worker process (plugins.isolate)
  std::string error;      // why it was refused or skipped
};

/// A plugin or pack whose rules a check ran (Report::sources), or a plugin
/// that was refused (Report::refused), so that a report says what checked it.
struct RuleSource {
  std::string kind;  // "plugin" or "pack"
  std::string name, version;
  std::filesystem::path path;
  std::string reason;  // why it was refused; empty for a source that ran
};

/// A record the caller named is not in the book (an invoice, a line of an
/// invoice, a client). what() says which, in a sentence for the user.
class UnknownRecord : public Error {
 public:
  using Error::Error;
};

/// Thrown by Engine::check_invoice (and the remedies) when the book has no
/// invoice with that id.
class UnknownInvoice : public UnknownRecord {
 public:
  explicit UnknownInvoice(std::string invoice)
      : UnknownRecord("no invoice '" + invoice + "' in the book"), invoice_(std::move(invoice)) {}
  const std::string& invoice() const { return invoice_; }

 private:
  std::string invoice_;
};

/// The files a book is loaded from (load_book's arguments). See Engine::prepare.
struct BookSource {
  std::filesystem::path path;
  LoadOptions options;
};

struct CheckOptions {
  unsigned jobs = 0;          // 0 = one per core
  bool collect_stats = false;
  std::optional<Date> today;  // for waiver expiry; default: the system date
  /// Called from worker threads as work completes (done, total units); must be thread-safe.
  std::function<void(std::size_t, std::size_t)> progress;
  /// Where the book came from, when Engine::prepare was told before it was loaded.
  std::optional<BookSource> source;
};

/// A finding that a waiver in the config covers.
struct WaivedFinding {
  Finding finding;
  Waiver waiver;
};

struct RuleStats {
  std::string rule;
  std::chrono::nanoseconds time{0};
  std::size_t findings = 0;
};

/// Counts by severity and category, and the money at stake per currency. Each
/// figure has one name in every output (text, JSON, Python):
struct Summary {
  std::map<Severity, std::size_t> by_severity;
  std::map<std::string, std::size_t> by_category;
  /// "amount_at_stake", the text report's "net at stake": the sum of the
  /// findings' signed amounts at stake (overcharged - undercharged + credit exposure).
  std::map<std::string, Decimal> at_stake;
  std::map<std::string, Decimal> overcharged;      // currency -> positive amounts: the client is overcharged
  std::map<std::string, Decimal> undercharged;     // currency -> negative amounts, as a positive figure ("under-billed")
  std::map<std::string, Decimal> credit_exposure;  // currency -> positive amounts of credit findings (over limit, overdue)
  /// Currencies whose figures add up past Decimal's range (about 9.2 trillion):
  /// their figures are left out of the maps above rather than failing the report.
  std::set<std::string> overflowed;
  std::size_t waived = 0;
  std::size_t invoices = 0, lines = 0;
};

/// What corrects a finding's error in the book itself: a credit note whose
/// `remedies` column names the finding's fingerprint (written by `billcheck fix`).
struct Remedy {
  std::string kind;  // "credit_note"; "corrected" (a supplementary invoice bills what was under-billed);
                     // "reissued" (a replacement invoice, which names the one it replaces, is without the error)
  std::string id;    // the credit note's id, or the invoice's
};

/// What the record (a store, host/store) says of a finding's past when the
/// check was recorded: "new", "open" or "acknowledged" since the day it was
/// first seen, "reopened" (it came back after it was corrected), or
/// "resolved" (remedied beside the invoice, e.g. by a credit note).
struct FindingHistory {
  std::string status;
  std::string since;  // YYYY-MM-DD the finding was first seen; empty for "new"
};

/// Findings that share one cause (docs/patterns.md): the same rule about the
/// same rate card row, timekeeper, engagement setting, client detail or
/// payment. Fourteen lines billed at an old rate are one un-applied rate card
/// row, fixed by one action, not fourteen errors.
struct Cause {
  std::string rule;
  /// What they share: "rate_row", "role_cap", "timekeeper", "engagement", "client" or "payment".
  std::string kind;
  /// Which one, e.g. "E-201 rates.csv:7" (engagement and row) or "TK-2": with
  /// rule and kind it names the cause in every run (the store's trends).
  std::string key;
  /// The one action that fixes every member, from host/templates/cause-action.txt,
  /// e.g. "apply the 2025-03-01 associate rate of 380.00 on engagement E-201".
  std::string action;
  Severity severity = Severity::info;  // the most severe member
  std::vector<std::string> members;    // fingerprints of the findings, in report order
  /// Currency -> the members' signed amounts at stake added up, exact.
  std::map<std::string, Decimal> at_stake;
  /// Currencies whose amounts add up past Decimal's range: left out of at_stake.
  std::set<std::string> overflowed;
};

struct Report {
  /// Sorted by client, invoice, line, rule (then the other keys): the same
  /// order whatever the number of threads.
  std::vector<Finding> findings;
  std::vector<WaivedFinding> waived;
  std::vector<RuleStats> stats;  // when CheckOptions::collect_stats
  Summary summary;
  /// The plugins and packs whose rules ran, and the plugins refused (wrong ABI,
  /// not a plugin, registration failed): their rules did not run.
  std::vector<RuleSource> sources, refused;

  /// The causes two or more findings share, most members first, then by their
  /// first finding. Added up again with the summary, so it covers report.findings.
  std::vector<Cause> causes;

  /// Findings (by fingerprint) whose error a record in the book remedies:
  /// they are reported with it, and are not open.
  std::map<std::string, Remedy> remedies;

  /// Filled only when the check was recorded in a store: each finding's
  /// history by fingerprint, and the findings of earlier runs over the same
  /// invoices that this check no longer finds. The writers print them only
  /// when `recorded`, so a report without a store reads as before.
  bool recorded = false;
  std::map<std::string, FindingHistory> history;
  std::vector<Finding> fixed;

  /// A rule failed (threw) during the check.
  bool has_internal_errors() const;
  /// The remedy of a finding, or nullptr when it is open.
  const Remedy* remedy_of(const Finding& finding) const;
  /// The most severe open finding (one without a remedy), if any: what
  /// `--fail-on` counts.
  std::optional<Severity> worst() const;
};

/// A part of a book checked on its own (a book in parts, billcheck/parts.hpp):
/// which rules run on it, and which of their findings it keeps.
struct PartCheck {
  /// The reaches whose enabled rules run.
  std::vector<Reach> reaches;
  /// When set: client-scope records are only these clients, and only findings
  /// about them are kept (the part's own clients; the reference tables every
  /// part holds are there to look things up, not to report on).
  std::optional<std::set<std::string>> clients;
  /// With `clients` set: whether findings about no client are kept too (one
  /// part of the book keeps them, so that none is reported twice).
  bool clientless = true;
};

/// What the parts of a book give for its report: their findings as the rules
/// returned them, their counts, and the remedies their records claim.
struct PartResults {
  std::vector<Finding> findings;
  std::size_t invoices = 0, lines = 0;
  /// By fingerprint: the remedy a credit note or invoice of the part names (remedy_claims).
  std::map<std::string, Remedy> remedies;
};

/// The remedies the records of `book` name, by fingerprint: a credit note
/// before an invoice, then the least id (the Book's order), as merge_remedies keeps them.
std::map<std::string, Remedy> remedy_claims(const Book& book);
/// Adds `from` to `into`, keeping for each fingerprint the remedy remedy_claims would keep for the whole book.
void merge_remedies(std::map<std::string, Remedy>& into, const std::map<std::string, Remedy>& from);

/// Log verbosity on standard error: -1 nothing, 0 warnings and errors (the
/// default), 1 info, 2 debug.
void set_log_verbosity(int level);

/// The directory the bundled plugins live in, relative to this library (the
/// same in the build tree and when installed).
std::filesystem::path bundled_plugin_dir();

class Engine {
 public:
  /// Loads the bundled plugins and those on the config's search paths, builds
  /// every enabled rule with its configured options, and checks the config
  /// against the rules. Throws ConfigError (unknown rule, option or type).
  explicit Engine(Config config = {});
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  /// Adds a rule from the embedding program (or Python), configured like the
  /// others by the config's settings for its id.
  void add_rule(RuleInfo info, RuleFactory factory);

  const Config& config() const;
  const std::vector<PluginRecord>& plugins() const;
  /// The rules loaded plugins registered that were refused (a bad severity or
  /// category, an id registered twice), each with its plugin's path and the
  /// reason, as a report lists them under Report::refused.
  const std::vector<RuleSource>& refused_rules() const;
  /// Every rule known to the engine, enabled or not, sorted by id.
  std::vector<RuleInfo> rules() const;
  const RuleInfo* find_rule(std::string_view id) const;

  /// Before loading a book from files: the isolated rules' workers start
  /// loading the same files now, beside the caller's own load_book, instead of
  /// reading a copy of the book that check() would write for them. The next
  /// check whose CheckOptions::source is this one uses what they loaded if no
  /// file of the book has changed (size, time, inode) since this call; else
  /// the copy. Does nothing without isolated rules, or for a path that is not
  /// a file or folder (standard input, a glob).
  void prepare(const BookSource& source) const;

  /// Runs every enabled rule over the book.
  Report check(const Book& book, const CheckOptions& options = {}) const;
  /// Runs the rules about one invoice: its lines, the invoice itself, its
  /// client, and its payments and credit notes. Book-wide rules keep only the
  /// findings about this invoice. Throws UnknownInvoice when the book has no
  /// invoice `invoice_id`.
  Report check_invoice(const Book& book, std::string_view invoice_id, const CheckOptions& options = {}) const;

  /// For a book checked in parts: the findings of the enabled rules of
  /// `part.reaches` over `book` (a part of the book), unsorted, as
  /// assemble() takes them. Rules isolated in workers do not run here.
  std::vector<Finding> check_part(const Book& book, const PartCheck& part, const CheckOptions& options = {}) const;
  /// Whether some rules run isolated in worker processes (plugins.isolate,
  /// Python rule files): check_part does not run them, so a check in parts refuses such a config.
  bool has_isolated_rules() const;
  /// The report of a book checked in parts, from all its parts' results: the
  /// same steps check() takes (order, fingerprints, waivers, summary, causes,
  /// remedies, sources), so the report is the one check() gives for the whole book.
  Report assemble(PartResults results, const CheckOptions& options = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace billcheck
