// Rules written in Python, for the host: the engine loads the Python support
// library (which embeds the interpreter) only when a config names Python files.
#pragma once

#include "hosting/plugin_loader.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace billcheck::detail {

/// What the Python support library exports (BOOST_DLL_ALIAS name
/// `billcheck_load_python_rules`): runs each file, registering its rules;
/// appends `file:line: what` to `errors` for a file that fails.
using LoadPythonRules = void(const std::vector<std::filesystem::path>& files, Registry& registry,
                             std::vector<std::string>& errors);

/// Called by the `billcheck` Python module when it is imported: from then on
/// this process runs rule files in that interpreter through `loader` (called
/// even with no files, so that it can add rules given to billcheck.Engine).
void set_python_rule_loader(LoadPythonRules* loader);
/// The loader the Python module registered, or nullptr.
LoadPythonRules* python_rule_loader();

/// Loads the rules of `files`; errors are appended as located messages.
std::vector<RegisteredRule> load_python_rules(const std::vector<std::filesystem::path>& files,
                                              std::vector<std::string>& errors);

}  // namespace billcheck::detail
