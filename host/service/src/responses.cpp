#include "responses.hpp"

#include <billcheck/problems.hpp>

#include "load/encoding.hpp"

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
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  auto escape = [&](unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      escape(c);
      ++i;
    } else if (c < 0x80) {
      out += text[i++];
    } else {
      // One character: its bytes are copied when they are UTF-8 and not a C1 control (U+0080 to U+009F).
      const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      const std::string_view character = text.substr(i, len);
      const bool c1 = c == 0xC2 && character.size() == 2 && static_cast<unsigned char>(character[1]) < 0xA0;
      if (character.size() == len && encoding::is_utf8(character) && !c1) {
        out += character;
        i += len;
      } else {
        escape(c);
        ++i;
      }
    }
  }
  return out;
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
