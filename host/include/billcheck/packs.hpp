// Checking YAML rule packs without running them: what `billcheck lint` reports.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace billcheck {

/// One pack's lint result. A pack with `errors` does not load (`billcheck
/// check` refuses it); `problems` are what lint finds in a pack that parses:
/// duplicate rule ids, missing messages, unknown categories, unused options.
/// Each entry reads `DIR/pack.yaml:line:column: what is wrong`.
struct PackLint {
  std::filesystem::path file;
  std::vector<std::string> problems;
  std::vector<std::string> errors;
};

/// Lints DIR/pack.yaml.
PackLint lint_pack(const std::filesystem::path& dir);

/// The pack folders at or below `dir` (a folder holding pack.yaml), sorted.
std::vector<std::filesystem::path> find_packs(const std::filesystem::path& dir);

}  // namespace billcheck
