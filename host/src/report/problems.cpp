#include <billcheck/problems.hpp>

#include <nlohmann/json.hpp>

#include <charconv>

namespace billcheck {
namespace {

// Reads the digits at `at`, moving past them; false when there are none (or too many).
bool read_number(std::string_view text, std::size_t& at, int& out) {
  const char* first = text.data() + at;
  auto [end, ec] = std::from_chars(first, text.data() + text.size(), out);
  if (ec != std::errc() || end == first || out <= 0) return false;
  at += static_cast<std::size_t>(end - first);
  return true;
}

}  // namespace

Problem locate_problem(std::string_view text) {
  // The file is everything before the first `:LINE:` or `:LINE:COLUMN:` followed
  // by a space, so a path with colons in it (C:\books\...) keeps them.
  for (std::size_t colon = text.find(':'); colon != std::string_view::npos; colon = text.find(':', colon + 1)) {
    if (colon == 0) continue;
    std::size_t at = colon + 1;
    int line = 0, column = 0;
    if (!read_number(text, at, line)) continue;
    if (at < text.size() && text[at] == ':' && at + 1 < text.size() && text[at + 1] != ' ') {
      std::size_t after = at + 1;
      if (read_number(text, after, column)) at = after;
    }
    if (text.substr(at, 2) != ": ") continue;
    return {std::string(text.substr(0, colon)), line, column, std::string(text.substr(at + 2))};
  }
  return {{}, 0, 0, std::string(text)};
}

std::string error_json(std::string_view code, std::string_view message, const std::vector<std::string>& problems) {
  using Json = nlohmann::ordered_json;
  Json list = Json::array();
  for (const auto& text : problems) {
    const Problem p = locate_problem(text);
    Json j = Json::object();
    if (!p.file.empty()) j["file"] = p.file;
    if (p.line > 0) j["line"] = p.line;
    if (p.column > 0) j["column"] = p.column;
    j["message"] = p.message;
    list.push_back(std::move(j));
  }
  Json error = {{"code", code}, {"message", message}, {"problems", std::move(list)}};
  // Replace, not throw, on text that is not UTF-8 (a path or a value quoted from a bad file).
  return Json{{"error", std::move(error)}}.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string problems_summary(std::string_view what, const std::vector<std::string>& problems) {
  std::string out(what);
  if (problems.empty()) return out;
  if (problems.size() == 1) return out + ": " + problems.front();
  return out + ": " + std::to_string(problems.size()) + " problems; the first: " + problems.front();
}

}  // namespace billcheck
