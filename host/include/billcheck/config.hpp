// billcheck.yaml: which plugins, packs and rules run, with which severities
// and options, per client, and which findings are waived.
#pragma once

#include <billcheck/date.hpp>
#include <billcheck/error.hpp>
#include <billcheck/finding.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
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
struct Waiver {
  std::string rule;
  std::string entity;  // invoice, client, payment, credit_note or line
  std::string id;      // for a line: INVOICE#LINE_NO
  std::string reason, approved_by;
  std::optional<Date> expires;
  ConfigLocation where;
};

struct Config {
  std::filesystem::path file;  // empty when no config file was used
  std::vector<std::filesystem::path> plugin_search_paths;
  std::vector<std::string> disabled_plugins;
  std::vector<std::filesystem::path> packs;
  std::vector<std::filesystem::path> python;
  std::map<std::string, RuleSettings> rules;
  std::map<std::string, std::map<std::string, RuleSettings>> clients;  // client -> rule -> settings
  std::vector<Waiver> waivers;
  ConfigLocation where;  // the file itself
};

/// Parses a billcheck.yaml. Relative paths are resolved against its folder.
/// Throws ConfigError for malformed YAML, unknown keys and wrong value kinds;
/// rule ids and option names are checked later, against the loaded rules.
Config load_config(const std::filesystem::path& file);
Config parse_config(const std::string& text, const std::filesystem::path& file);

/// The config for a check of `book_path`: `explicit_file` when given, else
/// `billcheck.yaml` beside the book (in a book directory, or beside a file),
/// else an empty config.
Config find_config(const std::filesystem::path& book_path, const std::filesystem::path& explicit_file);

}  // namespace billcheck
