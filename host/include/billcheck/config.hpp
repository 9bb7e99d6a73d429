// billcheck.yaml: which plugins, packs and rules run, with which severities
// and options, per client, and which findings are waived.
#pragma once

#include <billcheck/date.hpp>
#include <billcheck/error.hpp>
#include <billcheck/finding.hpp>

#include <filesystem>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace billcheck {

/// A problem in a config file, at `file:line:column`; `messages` lists them all.
class ConfigError : public Error {
 public:
  explicit ConfigError(std::vector<std::string> messages);
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

/// Where a value was written, for error messages.
struct ConfigLocation {
  std::string file;
  int line = 0;    // 1-based; 0 = not from a file
  int column = 0;  // 1-based

  /// `billcheck.yaml:12:7`.
  std::string to_string() const;
};

/// An option value as written: a scalar, a list of scalars, or a map of scalars.
struct ConfigValue {
  std::variant<std::string, std::vector<std::string>, std::map<std::string, std::string>> value;
  ConfigLocation where;
};

/// Settings for one rule: `off`, or a severity and options.
struct RuleSettings {
  bool enabled = true;
  std::optional<Severity> severity;
  std::map<std::string, ConfigValue> options;
  ConfigLocation where;
};

/// A finding the firm has agreed to accept: reported apart with its reason.
/// It covers the findings of `rule` that match every record key it names
/// (an invoice and a client: that invoice's finding, and only for that client).
struct Waiver {
  std::string rule;
  std::string invoice, line, client, payment, credit_note;  // empty: not named
  std::string reason, approved_by;
  std::optional<Date> expires;
  ConfigLocation where;
};

/// A plugin or pack that the config turns off or on, by name.
struct ConfigName {
  std::string name;
  ConfigLocation where;
};

/// A file or folder the config names, resolved against the config's folder,
/// with where the config names it.
struct ConfigPath {
  std::filesystem::path path;
  ConfigLocation where;
};

/// `plugins.pins: {NAME: SHA256}`: the plugin file NAME.so must have exactly
/// these bytes; any other build of it is refused before it is opened.
struct PluginPinSetting {
  std::string name;
  std::string sha256;  // lower-case hex, 64 digits
  ConfigLocation where;
};

/// `plugins.isolate: {NAME: true|false}`: whether the plugin file NAME.so runs
/// in a worker process (isolated) or inside this process.
struct PluginIsolationSetting {
  std::string name;
  bool isolate = true;
  ConfigLocation where;
};

/// `limits:`: what isolated rule code may use before the engine stops it.
struct Limits {
  /// Seconds each isolated rule may take per check (a worker running several
  /// rules gets that many times this); past it the worker is killed.
  unsigned rule_seconds = 60;
  /// Bytes of address space a worker may map (RLIMIT_AS); 0 = no limit.
  std::uint64_t memory = std::uint64_t{8} << 30;
  /// A book file larger than this is refused before it is read (LoadOptions::max_file_bytes).
  std::uint64_t max_file_size = std::uint64_t{4} << 30;
  ConfigLocation where;
};

/// Who writes the letters to clients (`firm:` in billcheck.yaml): the name,
/// a person to contact, an email and phone, and the sign-off line.
struct FirmInfo {
  std::string name, contact, email, phone, signoff;
  ConfigLocation where;
};

/// An amount in billcheck.yaml's remedies.goodwill: one figure for every
/// currency, or one per currency (`{USD: 50, JPY: 5000}`).
struct MoneySetting {
  std::optional<Decimal> any;             // for a currency the map does not name
  std::map<std::string, Decimal> by_currency;
  /// The amount for `currency`, or nothing when the setting has none for it.
  std::optional<Decimal> in(std::string_view currency) const;
  bool empty() const { return !any && by_currency.empty(); }
};

/// A goodwill credit where the mistake was the firm's (`remedies.goodwill`).
struct GoodwillPolicy {
  bool enabled = false;
  std::optional<Decimal> percent;  // of the invoice's total
  MoneySetting amount;             // a fixed amount (used when no percent)
  MoneySetting cap;                // the most one goodwill credit gives
  MoneySetting min_overcharge;     // the overcharge on the invoice that earns it
  MoneySetting approve_above;      // above this a person approves it (empty: always)
  std::vector<std::string> reasons;  // the reason codes that count (empty: all)
};

/// What `billcheck fix` writes (`remedies:` in billcheck.yaml).
struct RemediesConfig {
  /// The id of a credit note fix writes: {invoice}, {client} and {n} (the
  /// first number from 1 that makes the id new) are replaced; {n} is required.
  std::string credit_note_id = "CN-{invoice}-{n}";
  /// Under-billing on an issued invoice is listed; when true, `fix` also
  /// writes a supplementary draft invoice for it, id from supplement_id.
  bool recover_underbilling = false;
  std::string supplement_id = "{invoice}-S{n}";
  /// The replacement invoice `fix --reissue` writes.
  std::string reissue_id = "{invoice}-R{n}";
  /// Off unless configured; `clients:` gives a client its own policy.
  GoodwillPolicy goodwill;
  std::map<std::string, GoodwillPolicy> client_goodwill;
  /// The goodwill policy for one client.
  const GoodwillPolicy& goodwill_for(std::string_view client) const;
  ConfigLocation where;
};

/// How letters to clients are written (`letters:` in billcheck.yaml).
struct LettersConfig {
  std::filesystem::path templates;  // the firm's template folder (as --templates); empty = the bundled one
  /// The letter's dates: empty = ISO (2026-01-31); else a pattern of YYYY, MM,
  /// M, DD, D, Month (January), Mon (Jan), e.g. "D Month YYYY".
  std::string date_format;
  ConfigLocation where;
};

/// `date` written with a letters.date_format pattern (empty: ISO).
std::string format_date(Date date, std::string_view pattern);
/// Why `pattern` is no date format (it names no part of a date), or empty.
std::string date_format_problem(std::string_view pattern);

/// How the firm answers a client's dispute (`disputes:` in billcheck.yaml):
/// the days it has to answer, and the reason codes it adds to the default set.
struct DisputeSettings {
  int respond_within_days = 5;
  std::vector<std::string> reason_codes;
  ConfigLocation where;
};

struct Config {
  std::filesystem::path file;  // empty when no config file was used
  std::vector<std::filesystem::path> plugin_search_paths;
  std::vector<ConfigName> disabled_plugins;
  std::vector<PluginPinSetting> plugin_pins;
  /// Plugins on the search paths run isolated unless named here with false;
  /// bundled plugins run in this process unless named here with true.
  std::vector<PluginIsolationSetting> plugin_isolation;
  std::vector<std::filesystem::path> packs;  // the folders of the firm's own packs
  std::vector<ConfigName> enabled_packs;     // bundled packs that are off until named (examples)
  std::vector<ConfigName> disabled_packs;
  std::vector<ConfigPath> python;
  bool python_isolate = true;  // `python_isolate:` each Python rule file runs in its own worker process
  Limits limits;
  std::map<std::string, RuleSettings> rules;
  std::map<std::string, std::map<std::string, RuleSettings>> clients;  // client -> rule -> settings
  std::vector<Waiver> waivers;
  FirmInfo firm;
  RemediesConfig remedies;
  LettersConfig letters;
  /// The keys that name a folder relative to the file (packs, python,
  /// plugins.search_paths): a copy of the file elsewhere would not find them.
  std::vector<std::string> relative_paths;
  std::filesystem::path store;  // `store:`: the record's SQLite file; empty = none
  DisputeSettings disputes;
  ConfigLocation where;  // the file itself
  /// What was wrong in the file, at file:line:column. The Engine refuses a
  /// config with errors and lists them with the problems only the loaded
  /// rules can show (an unknown rule, a bad option), so one run shows all.
  std::vector<std::string> errors;
};

/// Parses a billcheck.yaml. Relative paths are resolved against its folder.
/// Throws ConfigError when the file cannot be read or is not YAML; every other
/// problem (an unknown key, a wrong kind of value, a key written twice) goes
/// to Config::errors, for the Engine to report with the rest.
Config load_config(const std::filesystem::path& file);
Config parse_config(const std::string& text, const std::filesystem::path& file);

/// The config for a check of `book_path`: `explicit_file` when given, else
/// `billcheck.yaml` beside the book (in a book directory, or beside a file),
/// else an empty config.
Config find_config(const std::filesystem::path& book_path, const std::filesystem::path& explicit_file);

}  // namespace billcheck
