#include "responses.hpp"

#include <billcheck/problems.hpp>

#include "report/visible.hpp"

#include <nlohmann/json.hpp>


namespace billcheck::service {
namespace {

using Json = nlohmann::ordered_json;

}  // namespace

void set_error(httplib::Response& res, int status, std::string_view code, std::string_view message,
               const std::vector<std::string>& problems) {
  res.status = status;
  res.set_content(error_json(code, message, problems) + "\n", "application/json");
}

std::string shown(std::string_view text) {
  return detail::visible(text, {.line_breaks = false, .backslashes = false});
}

std::string_view error_code_of(int status) {
  switch (status) {
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "timeout";
    case 409: return "conflict";
    case 413: return "too_large";
    case 414: return "uri_too_long";
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

std::string plugins_json(const std::vector<PluginRecord>& plugins, const std::vector<RuleSource>& refused) {
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
    Json refused_rules = Json::array();
    for (const RuleSource& r : refused)
      if (r.path == p.path) refused_rules.push_back({{"id", r.name}, {"reason", r.reason}});
    j["refused_rules"] = std::move(refused_rules);
    list.push_back(std::move(j));
  }
  return Json{{"plugins", std::move(list)}}.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace billcheck::service
