#include "rules.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace billcheck::guidelines {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view kind_name(CodeSets::Kind kind) {
  switch (kind) {
    case CodeSets::Kind::task: return "task";
    case CodeSets::Kind::activity: return "activity";
    case CodeSets::Kind::expense: return "expense";
  }
  return "task";
}

}  // namespace

void CodeSets::load(const std::filesystem::path& file, std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw std::invalid_argument("code set " + file.string() + " is not a regular file (a pipe, a device or a folder); " +
                                "code_sets lists files of UTBMS-style codes");
  if (const auto size = std::filesystem::file_size(file, ec); !ec && size > max_bytes)
    throw std::invalid_argument("code set " + file.string() + " is " + std::to_string(size) +
                                " bytes, over the limit of " + std::to_string(max_bytes) +
                                " (the rule's option code_set_max_bytes); it was not read");
  std::ifstream in(file);
  if (!in)
    throw std::invalid_argument("cannot read code set " + file.string() +
                                " (code_sets lists files of UTBMS-style codes, one a line)");
  Set set;
  bool has_kind = false;
  std::string raw;
  for (int number = 1; std::getline(in, raw); ++number) {
    const std::string where = file.string() + ":" + std::to_string(number) + ": ";
    std::string_view line = trimmed(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("name:")) {
      set.name = trimmed(line.substr(5));
      continue;
    }
    if (line.starts_with("kind:")) {
      const std::string_view kind = trimmed(line.substr(5));
      if (kind == "task") set.kind = Kind::task;
      else if (kind == "activity") set.kind = Kind::activity;
      else if (kind == "expense") set.kind = Kind::expense;
      else throw std::invalid_argument(where + "kind must be task, activity or expense, not '" + std::string(kind) + "'");
      has_kind = true;
      continue;
    }
    if (!has_kind)
      throw std::invalid_argument(where + "a code set says its kind (kind: task, activity or expense) before its codes");
    const std::size_t space = line.find_first_of(" \t");
    const std::string code(line.substr(0, space));
    const std::string name(space == std::string_view::npos ? std::string_view() : trimmed(line.substr(space)));
    set.codes.emplace(code, name);
  }
  if (!has_kind)
    throw std::invalid_argument(file.string() + ": a code set says its kind (kind: task, activity or expense)");
  if (set.name.empty()) set.name = file.stem().string();
  for (const auto& entry : set.codes) known_[static_cast<std::size_t>(set.kind)].insert(entry.first);
  sets_.push_back(std::move(set));
}

void CodeSets::load_directory(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  if (files.empty())
    throw std::invalid_argument("no code sets (*.txt) in " + dir.string() +
                                "; the UTBMS code sets ship beside the plugin, in guidelines/ next to guidelines.so: "
                                "reinstall, or set option data_dir to where they are");
  std::sort(files.begin(), files.end());
  for (const auto& f : files) load(f);
}

void CodeSets::add_custom(std::string code) {
  for (CodeIndex& known : known_) known.insert(code);
  custom_.push_back(std::move(code));
}

bool CodeSets::contains(Kind kind, std::string_view code) const {
  return known_[static_cast<std::size_t>(kind)].contains(code);
}

std::string CodeSets::describe(Kind kind) const {
  std::vector<std::string> parts;
  for (const Set& s : sets_) {
    if (s.kind != kind || s.codes.empty()) continue;
    std::string part = s.name + " (" + s.codes.begin()->first;
    if (s.codes.size() > 1) part += "–" + s.codes.rbegin()->first;
    parts.push_back(part + ")");
  }
  if (!custom_.empty()) parts.emplace_back("the custom codes");
  if (parts.empty()) return "no " + std::string(kind_name(kind)) + " code set";
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i)
    out += (i == 0 ? "" : i + 1 == parts.size() ? " or " : ", ") + parts[i];
  return out;
}

}  // namespace billcheck::guidelines
