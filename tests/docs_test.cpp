// The project's documentation stands alone: a clone has everything its docs
// and tests refer to.
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

/// Text files a reader of a clone meets: docs, READMEs, tests, examples, sources.
bool is_project_text(const fs::path& p) {
  static const std::vector<std::string> kExtensions = {".md", ".cpp", ".hpp", ".h", ".py", ".yaml",
                                                        ".yml", ".txt", ".cmake", ".sh", ".toml"};
  const std::string ext = p.extension().string();
  for (const auto& e : kExtensions)
    if (ext == e) return true;
  return p.filename() == "CMakeLists.txt" || p.filename() == "dev" || p.parent_path().filename() == ".ci";
}

TEST(Docs, NothingCitesTheSpecsOutsideTheRepository) {
  // The specs folder beside this machine's checkout is not part of a clone.
  const std::string outside = std::string("shared/") + "specs";
  const fs::path root = test::source_dir();
  std::vector<std::string> citing;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name == ".git" || name.starts_with("build") || name == "__pycache__")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || !is_project_text(it->path())) continue;
    if (test::slurp(it->path()).find(outside) != std::string::npos)
      citing.push_back(fs::relative(it->path(), root).string());
  }
  EXPECT_THAT(citing, ::testing::IsEmpty()) << "copy what these files need into the repository";
}

}  // namespace
}  // namespace billcheck
