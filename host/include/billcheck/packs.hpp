// Checking YAML rule packs without running them: what `billcheck lint` reports.
#pragma once

#include <billcheck/engine.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace billcheck {

namespace detail {
class RuleRegistry;
}

/// One pack's lint result. A pack with `errors` does not load (`billcheck
/// check` refuses it: a YAML or expression error, a rule id a plugin has
/// already, a `use:` of a rule or option that does not exist); `problems` are
/// what lint finds in a pack that parses:
/// duplicate rule ids, missing messages, unknown categories, unused options.
/// Each entry reads `DIR/pack.yaml:line:column: what is wrong`.
struct PackLint {
  std::filesystem::path file;
  std::vector<std::string> problems;
  std::vector<std::string> errors;
};

/// What `billcheck lint` checks packs against: what `billcheck check` with
/// the same config loads beside them (the plugins, the bundled and configured
/// packs, the Python files), so that lint refuses what check refuses, in the
/// same words.
class LintBasis {
 public:
  /// Loads what an Engine built with `config` loads. Throws ConfigError when a
  /// plugin search path is refused; a pack or Python file that does not load
  /// is left out (lint reports a pack's own errors when it lints that pack).
  explicit LintBasis(Config config = {});
  ~LintBasis();
  LintBasis(LintBasis&&) noexcept;
  LintBasis& operator=(LintBasis&&) noexcept;

  const std::vector<PluginRecord>& plugins() const;
  const detail::RuleRegistry& registry() const { return *registry_; }

 private:
  std::unique_ptr<detail::RuleRegistry> registry_;
};

/// Lints DIR/pack.yaml on its own: a `use:` entry of another source's rule is not checked.
PackLint lint_pack(const std::filesystem::path& dir);
/// Lints DIR/pack.yaml against `basis`: a pack rule with the id of a plugin's
/// is an error, and so is a `use:` entry naming a rule that neither the pack
/// nor `basis` has, or an option (or a value) its rule does not take.
PackLint lint_pack(const std::filesystem::path& dir, const LintBasis& basis);

/// The plugins an Engine built with `config` loads (the bundled ones, then
/// those on plugins.search_paths), loaded without packs or Python rules: what
/// `billcheck lint` checks pack rule ids against. Throws ConfigError when a
/// search path is refused.
std::vector<PluginRecord> find_plugins(const Config& config = {});

/// The pack folders at or below `dir` (a folder holding pack.yaml), sorted.
std::vector<std::filesystem::path> find_packs(const std::filesystem::path& dir);

}  // namespace billcheck
