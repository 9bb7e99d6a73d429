// What is checked about a plugin before the dynamic loader ever sees it:
// opening a shared library runs its constructors, so a file that may have
// been planted, or changed, or is not a billcheck plugin at all, is refused
// from what the file system and the file's bytes say.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace billcheck::detail {

/// Why code at `path` (a plugin file or a folder plugins are loaded from) may
/// not be trusted, or empty. A symlink is resolved and its target checked.
/// Refused, as osquery does for its extensions: anything world-writable, or
/// owned by a user other than root or the one running billcheck.
std::string trust_problem(const std::filesystem::path& path);

/// Whether `file` is an ELF shared object that defines `symbol` in its dynamic
/// symbol table, read from its bytes without loading it: empty when it does,
/// else the reason ("is not an ELF shared object", "has no ...").
std::string missing_export(const std::filesystem::path& file, std::string_view symbol);

}  // namespace billcheck::detail
