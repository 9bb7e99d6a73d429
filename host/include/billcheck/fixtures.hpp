// Rule fixtures: small books beside a plugin's or pack's rules, with an
// expect.yaml saying which findings must appear and which records must not be
// flagged. `billcheck test DIR` runs them; ctest runs every bundled set.
#pragma once

#include <filesystem>
#include <ostream>

namespace billcheck {

struct FixtureTally {
  int passed = 0;
  int failed = 0;
};

/// Runs `dir/expect.yaml` (or every expect.yaml below `dir`), writing one line
/// per failed expectation to `out`. Throws Error when there is no expect.yaml,
/// ConfigError for a malformed one and BookError for a fixture book that does not load.
FixtureTally run_fixtures(const std::filesystem::path& dir, std::ostream& out, bool verbose = false);

}  // namespace billcheck
