// The engine: the public C++ API an accounting package links to. Load a config,
// build an Engine once, then check whole books or single invoices and read the
// findings as data. The billcheck CLI is a thin layer over this.
#pragma once

#include <billcheck/config.hpp>
#include <billcheck/rule.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace billcheck {

/// A plugin the engine found: loaded with its rules, or refused with the reason.
struct PluginRecord {
  std::string name, version, sdk_version, compiler;
  std::uint32_t abi_major = 0, abi_minor = 0;
  std::filesystem::path path;
  std::vector<std::string> rules;
  bool loaded = false;
  std::string error;  // why it was refused or skipped
};

struct CheckOptions {
  unsigned jobs = 0;          // 0 = one per core
  bool collect_stats = false;
  std::optional<Date> today;  // for waiver expiry; default: the system date
  /// Called from worker threads as work completes (done, total units); must be thread-safe.
  std::function<void(std::size_t, std::size_t)> progress;
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

/// Counts by severity and category, and the amount at stake per currency.
struct Summary {
  std::map<Severity, std::size_t> by_severity;
  std::map<std::string, std::size_t> by_category;
  std::map<std::string, Decimal> at_stake;      // currency -> net sum of amounts at stake
  std::map<std::string, Decimal> overcharged;      // currency -> positive amounts: the client is overcharged
  std::map<std::string, Decimal> undercharged;     // currency -> negative amounts, as a positive figure
  std::map<std::string, Decimal> credit_exposure;  // currency -> positive amounts of credit findings (over limit, overdue)
  std::size_t waived = 0;
  std::size_t invoices = 0, lines = 0;
};

struct Report {
  /// Sorted by client, invoice, line, rule (then the other keys): the same
  /// order whatever the number of threads.
  std::vector<Finding> findings;
  std::vector<WaivedFinding> waived;
  std::vector<RuleStats> stats;  // when CheckOptions::collect_stats
  Summary summary;

  /// A rule failed (threw) during the check.
  bool has_internal_errors() const;
  /// The most severe finding, if any.
  std::optional<Severity> worst() const;
};

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
  /// Every rule known to the engine, enabled or not, sorted by id.
  std::vector<RuleInfo> rules() const;
  const RuleInfo* find_rule(std::string_view id) const;

  /// Runs every enabled rule over the book.
  Report check(const Book& book, const CheckOptions& options = {}) const;
  /// Runs the rules about one invoice: its lines, the invoice itself, its
  /// client, and its payments and credit notes. Book-wide rules keep only the
  /// findings about this invoice.
  Report check_invoice(const Book& book, std::string_view invoice_id, const CheckOptions& options = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace billcheck
