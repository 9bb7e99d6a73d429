// YAML rule packs: a folder with pack.yaml (rules written in the expression
// language) and the fixtures that test them.
#pragma once

#include "hosting/plugin_loader.hpp"

#include <billcheck/config.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace billcheck::detail {

struct PackLoad {
  std::string name, version, description;
  std::filesystem::path dir;
  bool enabled = true;  // false: a bundled pack (an example) runs only where a config turns it on
  std::vector<RegisteredRule> rules;             // the pack's own rules, ids <pack>.<id>
  std::map<std::string, RuleSettings> uses;      // `use:` entries: settings for other rules
};

/// Reads and type-checks DIR/pack.yaml. Throws ConfigError with every problem
/// at pack.yaml:line:column (an expression error shows the expression and a caret).
PackLoad load_pack(const std::filesystem::path& dir);

/// The bundled packs' folder (share/billcheck/rules beside lib/), the same in
/// the build tree and when installed.
std::filesystem::path bundled_pack_dir();

}  // namespace billcheck::detail
