// The one YAML reader behind billcheck.yaml and pack.yaml: every problem of a
// file located at file:line:column and collected, so that one run lists them all.
#pragma once

#include <billcheck/config.hpp>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck::detail {

/// A YAML file: its text, its parsed tree and the problems found in it.
///
/// Constructing one parses the text and checks what no file of ours needs: a
/// syntax error (said in words: "bad indentation", "unclosed '['"), nesting
/// deeper than 32 levels, more than 200,000 values counting aliases, and a
/// key written twice in one mapping (yaml-cpp keeps both and `node[key]`
/// sees only the first, so the second would be silently dropped).
///
/// The readers of each file walk root() with the helpers below, which record
/// an error and go on, so that one run shows every problem of the file.
class YamlReader {
 public:
  YamlReader(std::filesystem::path file, std::string text);

  /// Reads `file`; when it cannot be read the error says so, with `hint`.
  static YamlReader from_file(const std::filesystem::path& file, std::string_view hint);

  const std::filesystem::path& file() const { return file_; }
  const std::string& text() const { return text_; }
  /// The document; null when the text was not YAML or its shape was refused.
  const YAML::Node& root() const { return root_; }
  bool usable() const { return usable_; }

  // ---- where

  ConfigLocation at(const YAML::Node& n) const;
  /// `file:line:column` (just `file` for a node without a mark).
  std::string where(const YAML::Node& n) const;

  // ---- problems

  void error(const YAML::Node& n, const std::string& what);
  /// An error at byte `offset` of scalar `n`'s value (an expression inside
  /// it): located where that byte was written, then the value's line and a
  /// caret under `length` bytes.
  void error_in(const YAML::Node& n, std::size_t offset, std::size_t length, const std::string& what);
  const std::vector<std::string>& errors() const { return errors_; }
  std::vector<std::string> take_errors() { return std::move(errors_); }

  // ---- values: each records an error when the value is not what it should be

  bool expect_map(const YAML::Node& n, const std::string& what);
  /// Reports keys of map `n` outside `allowed` (and keys that are not plain names).
  void only_keys(const YAML::Node& n, const std::string& what, std::initializer_list<std::string_view> allowed);
  /// A map key as text (a key that is not a plain name is an error, and empty).
  std::string key(const YAML::Node& k);
  std::optional<std::string> scalar(const YAML::Node& n, const std::string& what);
  /// `map[key]` as text: nothing when absent (an error when `required`).
  std::optional<std::string> text(const YAML::Node& map, const char* key, bool required);
  /// A boolean as YAML 1.2 writes one: true/True/TRUE or false/False/FALSE.
  std::optional<bool> boolean(const YAML::Node& n, const std::string& what);
  std::optional<Severity> severity(const YAML::Node& n);
  /// One value or a list of them.
  std::vector<std::string> scalar_list(const YAML::Node& n, const std::string& what);
  /// Like scalar_list; relative paths are resolved against the file's folder.
  std::vector<std::filesystem::path> paths(const YAML::Node& n, const std::string& what);
  /// Like paths, each with where it is written.
  std::vector<ConfigPath> located_paths(const YAML::Node& n, const std::string& what);
  /// An option value as written: a scalar, a list of scalars or a map of scalars.
  ConfigValue value(const YAML::Node& n);
  /// `enabled`, `severity` and `options` of map `n`, the settings of rule
  /// `rule` (the caller checks which keys `n` may have).
  RuleSettings settings(const YAML::Node& n, const std::string& rule);
  /// Whether scalar `n` was written in quotes.
  bool quoted(const YAML::Node& n) const;

 private:
  std::string message_in(const YAML::Node& n, std::size_t offset, std::size_t length, const std::string& what) const;
  void check_shape(const YAML::Node& n, int depth, std::size_t& seen);
  void check_utf8(const YAML::Node& n);
  std::pair<int, int> locate(const YAML::Mark& m, std::string_view value, std::size_t offset) const;

  std::filesystem::path file_;
  std::string text_;
  YAML::Node root_;
  bool usable_ = false;
  std::vector<std::string> errors_;
};

}  // namespace billcheck::detail
