// Loading native rule plugins with Boost.DLL: descriptor first, then rules.
#pragma once

#include <billcheck/engine.hpp>

#include <filesystem>
#include <vector>

namespace billcheck::detail {

struct RegisteredRule {
  RuleInfo info;
  RuleFactory factory;
  bool isolated = false;  // runs in a worker (engine/isolation.hpp): the host never builds it
  ConfigLocation where;   // a pack rule's `id:` in pack.yaml; line 0 for a rule registered by code
};

/// A rule a plugin's registration gave that the host refused (an id without
/// the plugin's name, an unknown category or severity, no factory, an id
/// registered twice): the plugin's other rules run, this one does not, and the
/// report lists it as refused (Report::refused, kind "rule").
struct RefusedRule {
  std::string id;
  std::string reason;  // e.g. "its severity (7) is not one of Severity::info, warning or error"
};

struct LoadedPlugin {
  PluginRecord record;  // record.loaded false = refused; record.error says why
  std::vector<RegisteredRule> rules;
  std::vector<RefusedRule> refused_rules;  // of a loaded plugin
};

/// The plugin files (`*.so`) in `dir`, sorted by name.
std::vector<std::filesystem::path> plugin_files(const std::filesystem::path& dir);

/// A plugin's expected SHA-256 (`plugins.pins` in the config) and where it was set.
struct PluginPin {
  std::string sha256;  // lower-case hex
  std::string where;   // billcheck.yaml:LINE:COLUMN
};

/// Checks who may have written `path` (plugin_trust.hpp), its `pin` when given,
/// and that it exports a descriptor, all before opening it; then opens it,
/// checks its descriptor against this host's ABI, and calls its
/// registration function. Never throws: a refused or broken plugin comes back
/// with loaded == false and the reason. The library stays loaded for the life
/// of the process.
LoadedPlugin load_plugin(const std::filesystem::path& path, Log& log, const PluginPin* pin = nullptr);

}  // namespace billcheck::detail
