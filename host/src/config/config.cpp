#include <billcheck/config.hpp>

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace billcheck {
namespace fs = std::filesystem;
namespace {

std::string join_lines(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) out += (out.empty() ? "" : "\n") + m;
  return out;
}

// Walks the YAML tree, collecting every problem with its location.
class ConfigReader {
 public:
  ConfigReader(fs::path file, std::vector<std::string>& errors) : file_(std::move(file)), errors_(errors) {}

  ConfigLocation at(const YAML::Node& node) const {
    const YAML::Mark m = node.Mark();
    return {file_.string(), m.line + 1, m.column + 1};
  }
  void error(const YAML::Node& node, const std::string& what) { errors_.push_back(at(node).to_string() + ": " + what); }

  bool expect_map(const YAML::Node& node, const std::string& what) {
    if (node.IsMap()) return true;
    error(node, what + " must be a mapping (key: value lines)");
    return false;
  }

  // Reports keys of `node` outside `allowed`.
  void only_keys(const YAML::Node& node, const std::string& what, std::initializer_list<std::string_view> allowed) {
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>();
      bool ok = false;
      for (auto a : allowed) ok = ok || a == key;
      if (ok) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(kv.first, "unknown key '" + key + "' in " + what + " (allowed: " + list + ")");
    }
  }

  std::optional<std::string> scalar(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) return node.Scalar();
    error(node, what + " must be a single value");
    return std::nullopt;
  }

  std::vector<std::string> scalar_list(const YAML::Node& node, const std::string& what) {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) {
      error(node, what + " must be a list");
      return out;
    }
    for (const auto& item : node)
      if (auto s = scalar(item, "each entry of " + what)) out.push_back(*s);
    return out;
  }

  std::vector<fs::path> paths(const YAML::Node& node, const std::string& what) {
    std::vector<fs::path> out;
    for (auto& s : scalar_list(node, what)) {
      fs::path p(s);
      out.push_back(p.is_absolute() ? p : (file_.parent_path() / p).lexically_normal());
    }
    return out;
  }

  ConfigValue value(const YAML::Node& node) {
    ConfigValue v;
    v.where = at(node);
    if (node.IsSequence()) {
      std::vector<std::string> items;
      for (const auto& item : node)
        if (auto s = scalar(item, "each list item")) items.push_back(*s);
      v.value = std::move(items);
    } else if (node.IsMap()) {
      std::map<std::string, std::string> m;
      for (const auto& kv : node)
        if (auto s = scalar(kv.second, "each value")) m[kv.first.as<std::string>()] = *s;
      v.value = std::move(m);
    } else {
      v.value = node.IsNull() ? std::string() : node.Scalar();
    }
    return v;
  }

  RuleSettings rule_settings(const YAML::Node& node, const std::string& id) {
    RuleSettings s;
    s.where = at(node);
    if (node.IsScalar()) {
      const std::string& v = node.Scalar();
      if (v == "off" || v == "false" || v == "no") {
        s.enabled = false;
      } else if (v == "on" || v == "true" || v == "yes") {
        s.enabled = true;
      } else if (auto sev = parse_severity(v)) {
        s.severity = sev;
      } else {
        error(node, "rule '" + id + "': '" + v + "' is not off, on, or a severity (error, warning, info)");
      }
      return s;
    }
    if (!expect_map(node, "the settings of rule '" + id + "'")) return s;
    only_keys(node, "the settings of rule '" + id + "'", {"enabled", "severity", "options"});
    if (node["enabled"]) {
      auto v = scalar(node["enabled"], "enabled");
      if (v) s.enabled = !(*v == "false" || *v == "off" || *v == "no");
    }
    if (node["severity"]) {
      if (auto v = scalar(node["severity"], "severity")) {
        s.severity = parse_severity(*v);
        if (!s.severity) error(node["severity"], "severity '" + *v + "' is not one of error, warning, info");
      }
    }
    if (const YAML::Node opts = node["options"]) {
      if (expect_map(opts, "options of rule '" + id + "'"))
        for (const auto& kv : opts) s.options[kv.first.as<std::string>()] = value(kv.second);
    }
    return s;
  }

  std::map<std::string, RuleSettings> rules(const YAML::Node& node) {
    std::map<std::string, RuleSettings> out;
    if (!expect_map(node, "rules")) return out;
    for (const auto& kv : node) {
      std::string id = kv.first.as<std::string>();
      RuleSettings s = rule_settings(kv.second, id);
      s.where = at(kv.first);
      out[id] = std::move(s);
    }
    return out;
  }

  Waiver waiver(const YAML::Node& node) {
    Waiver w;
    w.where = at(node);
    if (!expect_map(node, "a waiver")) return w;
    only_keys(node, "a waiver",
              {"rule", "invoice", "client", "payment", "credit_note", "line", "reason", "approved_by", "expires"});
    auto get = [&](const char* key) -> std::string {
      if (!node[key]) return {};
      return scalar(node[key], key).value_or("");
    };
    w.rule = get("rule");
    w.reason = get("reason");
    w.approved_by = get("approved_by");
    if (w.rule.empty()) error(node, "a waiver needs 'rule': the id of the rule whose finding it waives");
    if (w.reason.empty()) error(node, "a waiver needs 'reason': why the finding is accepted");
    std::string line = get("line");
    for (const char* kind : {"credit_note", "payment", "invoice", "client"}) {
      std::string id = get(kind);
      if (!id.empty() && w.entity.empty()) {
        w.entity = kind;
        w.id = id;
      }
    }
    if (!line.empty()) {
      if (w.entity != "invoice") {
        error(node, "a waiver for a line needs 'invoice' too (the line number is within its invoice)");
      } else {
        w.entity = "line";
        w.id += "#" + line;
      }
    }
    if (w.entity.empty()) error(node, "a waiver needs one of invoice, client, payment, credit_note (and line)");
    if (std::string e = get("expires"); !e.empty()) {
      w.expires = Date::parse_iso(e);
      if (!w.expires) error(node["expires"], "expires '" + e + "' is not a date (YYYY-MM-DD)");
    }
    return w;
  }

  Config read(const YAML::Node& root) {
    Config c;
    c.file = file_;
    c.where = ConfigLocation{file_.string(), 0, 0};
    if (root.IsNull()) return c;  // an empty file is an empty config
    if (!expect_map(root, "the config")) return c;
    only_keys(root, "the config", {"plugins", "packs", "python", "rules", "clients", "waivers"});
    if (const YAML::Node p = root["plugins"]; p && expect_map(p, "plugins")) {
      only_keys(p, "plugins", {"search_paths", "disable"});
      if (p["search_paths"]) c.plugin_search_paths = paths(p["search_paths"], "plugins.search_paths");
      if (p["disable"]) c.disabled_plugins = scalar_list(p["disable"], "plugins.disable");
    }
    if (root["packs"]) c.packs = paths(root["packs"], "packs");
    if (root["python"]) c.python = paths(root["python"], "python");
    if (root["rules"]) c.rules = rules(root["rules"]);
    if (const YAML::Node clients = root["clients"]; clients && expect_map(clients, "clients")) {
      for (const auto& kv : clients) {
        std::string client = kv.first.as<std::string>();
        if (!expect_map(kv.second, "client '" + client + "'")) continue;
        only_keys(kv.second, "client '" + client + "'", {"rules"});
        if (kv.second["rules"]) c.clients[client] = rules(kv.second["rules"]);
      }
    }
    if (const YAML::Node w = root["waivers"]) {
      if (!w.IsSequence()) {
        error(w, "waivers must be a list (each entry starting with '- rule: ...')");
      } else {
        for (const auto& item : w) c.waivers.push_back(waiver(item));
      }
    }
    return c;
  }

 private:
  fs::path file_;
  std::vector<std::string>& errors_;
};

}  // namespace

ConfigError::ConfigError(std::vector<std::string> messages)
    : Error(join_lines(messages)), messages_(std::move(messages)) {}

std::string ConfigLocation::to_string() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Config parse_config(const std::string& text, const fs::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError({file.string() + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                       ": YAML syntax error: " + e.msg});
  }
  std::vector<std::string> errors;
  Config config;
  try {
    config = ConfigReader(file, errors).read(root);
  } catch (const YAML::Exception& e) {
    errors.push_back(file.string() + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                     ": " + e.msg);
  }
  if (!errors.empty()) throw ConfigError(std::move(errors));
  return config;
}

Config load_config(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError({file.string() + ": cannot read the config file (does it exist?)"});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file);
}

Config find_config(const fs::path& book_path, const fs::path& explicit_file) {
  if (!explicit_file.empty()) return load_config(explicit_file);
  if (book_path.empty() || book_path == "-") return Config{};
  fs::path dir = fs::is_directory(book_path) ? book_path : book_path.parent_path();
  fs::path candidate = (dir.empty() ? fs::path(".") : dir) / "billcheck.yaml";
  if (fs::exists(candidate)) return load_config(candidate.lexically_normal());
  return Config{};
}

}  // namespace billcheck
