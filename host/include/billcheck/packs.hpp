// Checking YAML rule packs without running them: what `billcheck lint` reports.
#pragma once

#include <billcheck/engine.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace billcheck {

/// One pack's lint result. A pack with `errors` does not load (`billcheck
/// check` refuses it: a YAML or expression error, a rule id a plugin has
/// already); `problems` are what lint finds in a pack that parses:
/// duplicate rule ids, missing messages, unknown categories, unused options.
/// Each entry reads `DIR/pack.yaml:line:column: what is wrong`.
struct PackLint {
  std::filesystem::path file;
  std::vector<std::string> problems;
  std::vector<std::string> errors;
};

/// Lints DIR/pack.yaml against the rules of `plugins` (find_plugins(), or
/// Engine::plugins()): a pack rule with the id of one of theirs is an error.
PackLint lint_pack(const std::filesystem::path& dir, const std::vector<PluginRecord>& plugins = {});

/// The plugins an Engine built with `config` loads (the bundled ones, then
/// those on plugins.search_paths), loaded without packs or Python rules: what
/// `billcheck lint` checks pack rule ids against. Throws ConfigError when a
/// search path is refused.
std::vector<PluginRecord> find_plugins(const Config& config = {});

/// The pack folders at or below `dir` (a folder holding pack.yaml), sorted.
std::vector<std::filesystem::path> find_packs(const std::filesystem::path& dir);

}  // namespace billcheck
