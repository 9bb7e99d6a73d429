#include "packs.hpp"

#include <billcheck/engine.hpp>

namespace billcheck::detail {
namespace fs = std::filesystem;

fs::path bundled_pack_dir() {
  return bundled_plugin_dir().parent_path().parent_path().parent_path() / "share" / "billcheck" / "rules";
}

PackLoad load_pack(const fs::path& dir) {
  throw ConfigError({(dir / "pack.yaml").string() + ": rule packs are being implemented (issue 4)"});
}

}  // namespace billcheck::detail
