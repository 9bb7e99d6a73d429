// Every rule the engine knows, from the bundled and configured plugins, the
// packs, Python files and the embedding program, by unique id.
#pragma once

#include "engine/isolation.hpp"
#include "engine/log.hpp"
#include "hosting/plugin_loader.hpp"

#include <billcheck/engine.hpp>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace billcheck::detail {

/// The error for rule `added`, whose id rule `first` has already: located at
/// the `id:` of whichever of the two a pack defines, saying what to rename.
std::string rule_id_taken(const RegisteredRule& added, const RegisteredRule& first);

class RuleRegistry {
 public:
  /// Adds one rule; a second rule with the same id is an error (rule_id_taken).
  void add(RegisteredRule rule, std::vector<std::string>& errors);

  /// The bundled plugins, then those on the config's search paths.
  void load_plugins(const Config& config, std::vector<std::string>& errors);
  /// The bundled packs, then the config's, less those turned off (examples
  /// not turned on, packs.disable); a pack's `use:` settings are added to
  /// `config` unless it sets the same rule itself.
  void load_packs(Config& config, std::vector<std::string>& errors);
  /// The config's Python rule files (and rules given to the Python module).
  void load_python(const Config& config, std::vector<std::string>& errors);
  /// Every rule id the config names must be known.
  void check_rule_ids(const Config& config, std::vector<std::string>& errors) const;
  /// The error for a setting at `where` of rule `id`, which is not registered:
  /// its pack is off, or no plugin, pack or Python file has it.
  std::string unknown_rule(const std::string& id, const ConfigLocation& where) const;

  const RegisteredRule* find(std::string_view id) const;
  const std::deque<RegisteredRule>& rules() const { return rules_; }
  const std::map<std::string, std::size_t, std::less<>>& by_id() const { return by_id_; }
  const std::vector<PluginRecord>& plugins() const { return plugins_; }
  /// The rules loaded plugins registered that were refused, as the report lists them.
  const std::vector<RuleSource>& refused_rules() const { return refused_rules_; }
  /// The packs whose rules were added.
  const std::vector<RuleSource>& packs() const { return packs_; }
  /// The plugins and Python files whose rules run in worker processes.
  const std::vector<std::unique_ptr<IsolatedSource>>& isolated() const { return isolated_; }

 private:
  static void check_names(const std::vector<ConfigName>& given, const std::vector<std::string_view>& known,
                          std::string_view key, std::string_view kind, std::vector<std::string>& errors);

  std::deque<RegisteredRule> rules_;  // deque: RuleInfo addresses stay put
  std::map<std::string, std::size_t, std::less<>> by_id_;
  std::vector<PluginRecord> plugins_;
  std::vector<RuleSource> refused_rules_;
  std::vector<RuleSource> packs_;
  std::vector<std::unique_ptr<IsolatedSource>> isolated_;
  std::map<std::string, std::string> off_packs_;  // pack name -> why its rules do not run
  PluginLog log_{""};
};

}  // namespace billcheck::detail
