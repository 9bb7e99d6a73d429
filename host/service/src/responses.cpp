#include "responses.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace billcheck::service {
namespace {

using Json = nlohmann::ordered_json;

/// Reads the digits at `at`, moving past them; -1 when there are none.
int digits_at(std::string_view text, std::size_t& at) {
  std::size_t end = at;
  while (end < text.size() && end - at < 9 && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  if (end == at) return -1;
  const int value = std::stoi(std::string(text.substr(at, end - at)));
  at = end;
  return value;
}

Problem parse_problem(std::string_view text) {
  // The name may itself hold a colon ("C:\..."): the location is the first
  // ":DIGITS" followed by ": " or ":DIGITS: ".
  for (std::size_t colon = text.find(':'); colon != std::string_view::npos; colon = text.find(':', colon + 1)) {
    std::size_t at = colon + 1;
    const int line = digits_at(text, at);
    if (line < 0) continue;
    int column = 0;
    if (at < text.size() && text[at] == ':' && at + 1 < text.size() && text[at + 1] != ' ') {
      std::size_t col_at = at + 1;
      const int c = digits_at(text, col_at);
      if (c < 0) continue;
      column = c;
      at = col_at;
    }
    if (text.substr(at, 2) != ": ") continue;
    return {std::string(text.substr(0, colon)), line, column, std::string(text.substr(at + 2))};
  }
  if (auto sep = text.find(": "); sep != std::string_view::npos && text.substr(0, sep).find(' ') == std::string_view::npos)
    return {std::string(text.substr(0, sep)), 0, 0, std::string(text.substr(sep + 2))};
  return {"", 0, 0, std::string(text)};
}

}  // namespace

std::vector<Problem> parse_problems(const std::vector<std::string>& messages) {
  std::vector<Problem> problems;
  problems.reserve(messages.size());
  for (const auto& m : messages) problems.push_back(parse_problem(m));
  return problems;
}

void set_error(httplib::Response& res, int status, std::string_view code, std::string_view message,
               const std::vector<Problem>& problems) {
  Json list = Json::array();
  for (const auto& p : problems) {
    Json j;
    j["file"] = p.file;
    j["line"] = p.line ? Json(p.line) : Json(nullptr);
    j["column"] = p.column ? Json(p.column) : Json(nullptr);
    j["message"] = p.message;
    list.push_back(std::move(j));
  }
  Json body;
  body["error"]["code"] = code;
  body["error"]["message"] = message;
  body["error"]["problems"] = std::move(list);
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n", "application/json");
}

std::string_view error_code_of(int status) {
  switch (status) {
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "timeout";
    case 413: return "too_large";
    case 415: return "unsupported_media_type";
    case 503: return "busy";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

std::string rules_json(const std::vector<RuleInfo>& rules) {
  Json list = Json::array();
  for (const auto& r : rules) {
    Json j;
    j["id"] = r.id;
    j["title"] = r.title;
    j["category"] = r.category;
    j["severity"] = std::string(to_string(r.severity));
    j["scope"] = std::string(to_string(r.scope));
    j["description"] = r.description;
    j["origin"] = r.origin;
    Json options = Json::array();
    for (const auto& o : r.options)
      options.push_back({{"name", o.name},
                         {"type", std::string(to_string(o.type))},
                         {"default", o.default_text},
                         {"description", o.description}});
    j["options"] = std::move(options);
    list.push_back(std::move(j));
  }
  return Json{{"rules", std::move(list)}}.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string plugins_json(const std::vector<PluginRecord>& plugins) {
  Json list = Json::array();
  for (const auto& p : plugins) {
    Json j;
    j["name"] = p.name;
    j["version"] = p.version;
    j["abi"] = std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor);
    j["sdk_version"] = p.sdk_version;
    j["compiler"] = p.compiler;
    j["path"] = p.path.string();
    j["loaded"] = p.loaded;
    j["disabled"] = p.disabled;
    j["error"] = p.error;
    j["rules"] = p.rules;
    list.push_back(std::move(j));
  }
  return Json{{"plugins", std::move(list)}}.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace billcheck::service
