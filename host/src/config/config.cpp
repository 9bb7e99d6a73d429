#include <billcheck/config.hpp>

#include "config/suggest.hpp"
#include "config/yaml_reader.hpp"

#include <billcheck/options.hpp>

#include <algorithm>
#include <cctype>

namespace billcheck {
namespace fs = std::filesystem;
namespace {

using detail::suggest;
using detail::YamlReader;

std::string join_lines(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) out += (out.empty() ? "" : "\n") + m;
  return out;
}

// billcheck.yaml's keys, read with the shared YamlReader: every problem is
// recorded and reading goes on, so that one run lists them all.
class ConfigReader {
 public:
  explicit ConfigReader(YamlReader& yaml) : yaml_(yaml) {}

  Config read(const YAML::Node& root) {
    Config c;
    c.file = yaml_.file();
    c.where = ConfigLocation{yaml_.file().string(), 0, 0};
    if (root.IsNull()) return c;  // an empty file is an empty config
    if (!yaml_.expect_map(root, "the config")) return c;
    yaml_.only_keys(root, "the config", {"plugins", "packs", "python", "python_isolate", "limits", "rules", "clients",
                                         "waivers", "firm", "remedies", "letters", "store", "disputes"});
    if (const YAML::Node p = root["plugins"]) plugins(p, c);
    if (const YAML::Node p = root["packs"]) packs(p, c);
    if (root["python"]) c.python = yaml_.located_paths(root["python"], "python");
    if (const YAML::Node p = root["python_isolate"]) {
      if (auto b = boolean(p, "python_isolate")) c.python_isolate = *b;
    }
    if (const YAML::Node l = root["limits"]) limits(l, c);
    if (root["rules"]) c.rules = rules(root["rules"]);
    if (const YAML::Node clients = root["clients"]; clients && yaml_.expect_map(clients, "clients")) {
      for (const auto& kv : clients) {
        std::string client = yaml_.key(kv.first);
        if (client.empty() || !yaml_.expect_map(kv.second, "client '" + client + "'")) continue;
        yaml_.only_keys(kv.second, "client '" + client + "'", {"rules"});
        if (kv.second["rules"]) c.clients[client] = rules(kv.second["rules"]);
      }
    }
    if (const YAML::Node f = root["firm"]) c.firm = firm(f);
    if (const YAML::Node r = root["remedies"]) c.remedies = remedies(r);
    if (const YAML::Node l = root["letters"]) c.letters = letters(l);
    c.relative_paths = relative_paths(root);
    if (const YAML::Node s = root["store"]) {
      // An empty one (an unset variable in a generated file) would be this file's folder, or no record
      // at all: refused, as the CLI refuses --store "".
      if (s.IsNull() || (s.IsScalar() && s.Scalar().find_first_not_of(" \t") == std::string::npos)) {
        yaml_.error(s, "store is empty: give the path of the record's SQLite file, or leave store: out to "
                       "record nothing");
      } else {
        auto paths = yaml_.paths(s, "store");
        if (paths.size() == 1) c.store = paths.front();
        else yaml_.error(s, "store must be one file name (the record's SQLite file)");
      }
    }
    if (const YAML::Node d = root["disputes"]) c.disputes = disputes(d);
    if (const YAML::Node w = root["waivers"]) {
      if (!w.IsSequence()) {
        yaml_.error(w, "waivers must be a list (each entry starting with '- rule: ...')");
      } else {
        for (const auto& item : w) c.waivers.push_back(waiver(item));
      }
    }
    return c;
  }

 private:
  std::vector<ConfigName> names(const YAML::Node& n, const std::string& what) {
    std::vector<ConfigName> out;
    if (n.IsSequence()) {
      for (const auto& item : n)
        if (auto s = yaml_.scalar(item, "each entry of " + what); s && !s->empty()) out.push_back({*s, yaml_.at(item)});
    } else if (auto s = yaml_.scalar(n, what + " (a list of names)"); s && !s->empty()) {
      out.push_back({*s, yaml_.at(n)});
    }
    return out;
  }

  void plugins(const YAML::Node& p, Config& c) {
    if (!yaml_.expect_map(p, "plugins")) return;
    yaml_.only_keys(p, "plugins", {"search_paths", "disable", "pins", "isolate"});
    if (const YAML::Node iso = p["isolate"]; iso && yaml_.expect_map(iso, "plugins.isolate")) {
      for (const auto& kv : iso) {
        std::string name = yaml_.key(kv.first);
        auto b = boolean(kv.second, "plugins.isolate." + name);
        if (!name.empty() && b) c.plugin_isolation.push_back({name, *b, yaml_.at(kv.first)});
      }
    }
    if (p["search_paths"]) c.plugin_search_paths = yaml_.paths(p["search_paths"], "plugins.search_paths");
    if (p["disable"]) c.disabled_plugins = names(p["disable"], "plugins.disable");
    if (const YAML::Node pins = p["pins"]; pins && yaml_.expect_map(pins, "plugins.pins")) {
      for (const auto& kv : pins) {
        std::string name = yaml_.key(kv.first);
        auto digest = yaml_.scalar(kv.second, "plugins.pins." + name);
        if (name.empty() || !digest) continue;
        for (char& ch : *digest) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (digest->size() != 64 || digest->find_first_not_of("0123456789abcdef") != std::string::npos) {
          yaml_.error(kv.second, "plugins.pins." + name + ": '" + *digest +
                                     "' is not a SHA-256 (64 hex digits, as `sha256sum " + name + ".so` prints)");
          continue;
        }
        c.plugin_pins.push_back({name, *digest, yaml_.at(kv.second)});
      }
    }
  }

  std::optional<bool> boolean(const YAML::Node& n, const std::string& what) {
    auto v = yaml_.scalar(n, what + " (true or false)");
    if (!v) return std::nullopt;
    std::string why;
    if (auto b = parse_option(OptionType::boolean, *v, why)) return std::get<bool>(*b);
    yaml_.error(n, what + ": '" + *v + "' is not true or false");
    return std::nullopt;
  }

  // `limits: {rule_seconds: 60, memory: 8G}`: a whole number of seconds, and
  // bytes with an optional K, M, G or T (powers of 1024).
  void limits(const YAML::Node& l, Config& c) {
    c.limits.where = yaml_.at(l);
    if (!yaml_.expect_map(l, "limits")) return;
    yaml_.only_keys(l, "limits", {"rule_seconds", "memory", "max_file_size"});
    if (const YAML::Node s = l["rule_seconds"]) {
      auto v = yaml_.scalar(s, "limits.rule_seconds (a whole number of seconds)");
      if (auto n = v ? parse_count(*v, "") : std::nullopt; n && *n > 0 && *n <= 86400)
        c.limits.rule_seconds = static_cast<unsigned>(*n);
      else if (v)
        yaml_.error(s, "limits.rule_seconds: '" + *v + "' is not a whole number of seconds from 1 to 86400");
    }
    if (const YAML::Node m = l["memory"]) {
      auto v = yaml_.scalar(m, "limits.memory (bytes, or a number with K, M, G or T)");
      if (auto n = v ? parse_count(*v, "KMGT") : std::nullopt)
        c.limits.memory = *n;
      else if (v)
        yaml_.error(m, "limits.memory: '" + *v + "' is not a size (write bytes, or a number with K, M, G or T: 2G)");
    }
    if (const YAML::Node m = l["max_file_size"]) {
      auto v = yaml_.scalar(m, "limits.max_file_size (bytes, or a number with K, M, G or T)");
      if (auto n = v ? parse_count(*v, "KMGT") : std::nullopt; n && *n > 0)
        c.limits.max_file_size = *n;
      else if (v)
        yaml_.error(m, "limits.max_file_size: '" + *v +
                           "' is not a size (write bytes, or a number with K, M, G or T: 8G)");
    }
  }

  // A whole number, with an optional suffix from `units` (each 1024 times the last).
  static std::optional<std::uint64_t> parse_count(const std::string& text, std::string_view units) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0 || digits > 15) return std::nullopt;
    std::uint64_t n = std::stoull(text.substr(0, digits));
    std::string rest = text.substr(digits);
    if (rest.empty()) return n;
    const auto unit = rest.size() == 1 ? units.find(static_cast<char>(std::toupper(static_cast<unsigned char>(rest[0]))))
                                       : std::string_view::npos;
    if (unit == std::string_view::npos) return std::nullopt;
    for (std::size_t i = 0; i <= unit; ++i) {
      if (n > (std::uint64_t{1} << 53)) return std::nullopt;
      n *= 1024;
    }
    return n;
  }

  // `packs: [folder, ...]`, or a mapping that also turns bundled packs on or off by name.
  void packs(const YAML::Node& p, Config& c) {
    if (!p.IsMap()) {
      c.packs = yaml_.paths(p, "packs");
      return;
    }
    yaml_.only_keys(p, "packs", {"paths", "enable", "disable"});
    if (p["paths"]) c.packs = yaml_.paths(p["paths"], "packs.paths");
    if (p["enable"]) c.enabled_packs = names(p["enable"], "packs.enable");
    if (p["disable"]) c.disabled_packs = names(p["disable"], "packs.disable");
  }

  // `off`, `on` (or a boolean), a severity, or a mapping.
  RuleSettings rule_settings(const YAML::Node& node, const std::string& id) {
    if (node.IsMap()) {
      yaml_.only_keys(node, "the settings of rule '" + id + "'", {"enabled", "severity", "options"});
      return yaml_.settings(node, id);
    }
    RuleSettings s;
    s.where = yaml_.at(node);
    auto v = yaml_.scalar(node, "the settings of rule '" + id + "'");
    if (!v) return s;
    std::string why;
    if (*v == "off" || *v == "on") {
      s.enabled = *v == "on";
    } else if (auto b = parse_option(OptionType::boolean, *v, why)) {
      s.enabled = std::get<bool>(*b);
    } else if (auto sev = parse_severity(*v)) {
      s.severity = sev;
    } else {
      yaml_.error(node, "rule '" + id + "': '" + *v + "' is not off, on, or a severity (error, warning, info)" +
                            suggest(*v, {"off", "on", "error", "warning", "info"}, ""));
    }
    return s;
  }

  std::map<std::string, RuleSettings> rules(const YAML::Node& node) {
    std::map<std::string, RuleSettings> out;
    if (!yaml_.expect_map(node, "rules")) return out;
    for (const auto& kv : node) {
      std::string id = yaml_.key(kv.first);
      if (id.empty()) continue;
      RuleSettings s = rule_settings(kv.second, id);
      s.where = yaml_.at(kv.first);
      out.try_emplace(id, std::move(s));  // a second entry is reported by the reader
    }
    return out;
  }

  // `disputes:` — the days to answer a client's dispute, and the firm's own reason codes.
  DisputeSettings disputes(const YAML::Node& node) {
    DisputeSettings d;
    d.where = yaml_.at(node);
    if (!yaml_.expect_map(node, "disputes")) return d;
    yaml_.only_keys(node, "disputes", {"respond_within_days", "reason_codes"});
    if (auto days = yaml_.text(node, "respond_within_days", false)) {
      const bool digits = !days->empty() && days->size() <= 4 && days->find_first_not_of("0123456789") == std::string::npos;
      if (digits) d.respond_within_days = std::stoi(*days);
      else yaml_.error(node["respond_within_days"], "respond_within_days '" + *days + "' is not a number of days (0 to 9999)");
    }
    if (node["reason_codes"]) d.reason_codes = yaml_.scalar_list(node["reason_codes"], "disputes.reason_codes");
    return d;
  }

  // `firm:` — who signs the letters to clients (billcheck letter).
  FirmInfo firm(const YAML::Node& node) {
    FirmInfo f;
    f.where = yaml_.at(node);
    if (!yaml_.expect_map(node, "firm")) return f;
    yaml_.only_keys(node, "firm", {"name", "contact", "email", "phone", "signoff"});
    auto get = [&](const char* key) { return yaml_.text(node, key, false).value_or(""); };
    f.name = get("name");
    f.contact = get("contact");
    f.email = get("email");
    f.phone = get("phone");
    f.signoff = get("signoff");
    return f;
  }

  // An id pattern: only the placeholders `allowed`, and {n}, which keeps ids apart.
  std::string id_pattern(const YAML::Node& node, const char* key, std::string fallback,
                         std::initializer_list<std::string_view> allowed) {
    const YAML::Node value = node[key];
    if (!value) return fallback;
    auto text = yaml_.scalar(value, std::string("remedies.") + key);
    if (!text) return fallback;
    bool has_n = false;
    for (std::size_t open = text->find('{'); open != std::string::npos; open = text->find('{', open + 1)) {
      const std::size_t close = text->find('}', open);
      const std::string name = text->substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
      if (close == std::string::npos || std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        std::string names;
        for (std::string_view a : allowed) names += (names.empty() ? "{" : ", {") + std::string(a) + "}";
        yaml_.error(value, std::string("remedies.") + key + ": unknown placeholder '{" + name +
                               (close == std::string::npos ? "" : "}") + "'; the placeholders are " + names);
        return fallback;
      }
      has_n = has_n || name == "n";
    }
    if (!has_n) {
      yaml_.error(value, std::string("remedies.") + key + ": '" + *text +
                             "' has no {n}, which numbers the ids apart (e.g. \"" + fallback + "\")");
      return fallback;
    }
    return *text;
  }

  // `remedies:` — what billcheck fix writes.
  RemediesConfig remedies(const YAML::Node& node) {
    RemediesConfig r;
    r.where = yaml_.at(node);
    if (!yaml_.expect_map(node, "remedies")) return r;
    yaml_.only_keys(node, "remedies", {"credit_note_id", "recover_underbilling", "supplement_id", "reissue_id", "goodwill"});
    r.credit_note_id = id_pattern(node, "credit_note_id", r.credit_note_id, {"invoice", "client", "n"});
    r.supplement_id = id_pattern(node, "supplement_id", r.supplement_id, {"invoice", "client", "n"});
    r.reissue_id = id_pattern(node, "reissue_id", r.reissue_id, {"invoice", "client", "n"});
    if (const YAML::Node b = node["recover_underbilling"])
      r.recover_underbilling = yaml_.boolean(b, "remedies.recover_underbilling").value_or(false);
    if (const YAML::Node g = node["goodwill"]) {
      r.goodwill = goodwill(g, "remedies.goodwill", true);
      if (const YAML::Node clients = g.IsMap() ? g["clients"] : YAML::Node(); clients && yaml_.expect_map(clients, "remedies.goodwill.clients"))
        for (const auto& entry : clients) {
          const std::string id = entry.first.as<std::string>();
          r.client_goodwill[id] = goodwill(entry.second, "remedies.goodwill.clients." + id, false, &r.goodwill);
        }
    }
    return r;
  }

  // A goodwill amount: a number (any currency) or a map of ISO 4217 code to
  // number. An amount for one currency is exact in it: 10.005 for USD is
  // refused, not rounded. One number serves currencies with different decimals
  // (50.5 is USD 50.50, JPY 50), so it is refused only past the most any currency has.
  MoneySetting money_setting(const YAML::Node& node, const std::string& what) {
    MoneySetting m;
    auto amount = [&](const YAML::Node& n, const std::string& name,
                      std::string_view currency = {}) -> std::optional<Decimal> {
      auto text = yaml_.scalar(n, name);
      if (!text) return std::nullopt;
      auto value = Decimal::parse(*text);
      if (!value || value->is_negative()) {
        yaml_.error(n, name + ": '" + *text + "' is not an amount (a number of 0 or more, e.g. 50 or 12.50)");
        return std::nullopt;
      }
      constexpr int kMostDecimals = 4;  // ISO 4217's most (CLF, UYW)
      const int places = currency.empty() ? kMostDecimals : minor_units(currency);
      if (value->places_used() > places) {
        // The two amounts either side of it that the currency can hold.
        std::int64_t unit = Decimal::kScale;
        for (int i = 0; i < places; ++i) unit /= 10;
        const Decimal down = Decimal::from_raw(value->raw() - value->raw() % unit);
        const Decimal up = Decimal::from_raw(down.raw() + unit);
        const int used = value->places_used();
        yaml_.error(n, name + ": '" + *text + "' has " + std::to_string(used) + (used == 1 ? " decimal" : " decimals") +
                           ", but " +
                           (currency.empty() ? "no currency has more than " + std::to_string(places)
                                             : std::string(currency) + " has " + std::to_string(places)) +
                           ": write " + down.to_string(places) + " or " + up.to_string(places));
        return std::nullopt;
      }
      return value;
    };
    if (node.IsMap()) {
      for (const auto& entry : node) {
        const std::string code = entry.first.as<std::string>();
        if (std::string why = currency_problem(code); !why.empty()) {
          yaml_.error(entry.first, what + ": " + why);
          continue;
        }
        if (auto v = amount(entry.second, what + "." + code, code)) m.by_currency[code] = *v;
      }
    } else {
      m.any = amount(node, what);
    }
    return m;
  }

  // `remedies.goodwill` (and each client's override, which starts from it): off
  // by default; a map turns it on unless it says `enabled: false`.
  GoodwillPolicy goodwill(const YAML::Node& node, const std::string& what, bool top,
                          const GoodwillPolicy* base = nullptr) {
    GoodwillPolicy g = base ? *base : GoodwillPolicy{};
    if (node.IsScalar()) {
      g.enabled = yaml_.boolean(node, what).value_or(false);
      if (g.enabled && !g.percent && g.amount.empty())
        yaml_.error(node, what + ": true needs a percent or an amount; give them in a map (see docs/remedies.md)");
      return g;
    }
    if (!yaml_.expect_map(node, what)) return g;
    if (top) yaml_.only_keys(node, what, {"enabled", "percent", "amount", "cap", "min_overcharge", "approve_above", "reasons", "clients"});
    else yaml_.only_keys(node, what, {"enabled", "percent", "amount", "cap", "min_overcharge", "approve_above", "reasons"});
    g.enabled = true;
    if (const YAML::Node e = node["enabled"]) g.enabled = yaml_.boolean(e, what + ".enabled").value_or(false);
    if (const YAML::Node p = node["percent"]) {
      auto text = yaml_.scalar(p, what + ".percent");
      auto value = text ? Decimal::parse(*text) : std::nullopt;
      if (value && !value->is_negative() && *value <= Decimal(100)) {
        g.percent = value;
        g.amount = {};
      } else if (text) {
        yaml_.error(p, what + ".percent: '" + *text + "' is not a percentage (a number from 0 to 100, e.g. 5)");
      }
    }
    if (const YAML::Node a = node["amount"]) {
      g.amount = money_setting(a, what + ".amount");
      if (node["percent"]) yaml_.error(a, what + ": give a percent or an amount, not both");
      else g.percent.reset();
    }
    if (const YAML::Node c = node["cap"]) g.cap = money_setting(c, what + ".cap");
    if (const YAML::Node m = node["min_overcharge"]) g.min_overcharge = money_setting(m, what + ".min_overcharge");
    if (const YAML::Node a = node["approve_above"]) g.approve_above = money_setting(a, what + ".approve_above");
    if (const YAML::Node r = node["reasons"]) g.reasons = yaml_.scalar_list(r, what + ".reasons");
    // A percent or amount that was given but refused has its own error: this one would say to give it.
    if (g.enabled && !g.percent && g.amount.empty() && !node["percent"] && !node["amount"])
      yaml_.error(node, what + ": give a percent (of the invoice's total) or an amount for the goodwill credit");
    return g;
  }

  // `letters:` — the firm's templates and how a letter writes dates.
  LettersConfig letters(const YAML::Node& node) {
    LettersConfig l;
    l.where = yaml_.at(node);
    if (!yaml_.expect_map(node, "letters")) return l;
    yaml_.only_keys(node, "letters", {"templates", "date_format"});
    if (node["templates"]) {
      auto dirs = yaml_.paths(node["templates"], "letters.templates");
      if (dirs.size() == 1) l.templates = dirs[0];
      else yaml_.error(node["templates"], "letters.templates: give one folder");
    }
    if (auto f = yaml_.text(node, "date_format", false)) {
      std::string why = date_format_problem(*f);
      if (why.empty()) l.date_format = *f;
      else yaml_.error(node["date_format"], "letters.date_format: " + why);
    }
    return l;
  }

  // The keys whose folders are written relative to this file.
  std::vector<std::string> relative_paths(const YAML::Node& root) {
    std::vector<std::string> keys;
    auto check = [&](const YAML::Node& n, const char* key) {
      if (!n) return;
      bool relative = false;
      auto visit = [&](const YAML::Node& item) {
        if (item.IsScalar() && !fs::path(item.Scalar()).is_absolute()) relative = true;
      };
      if (n.IsSequence()) for (const auto& item : n) visit(item);
      else visit(n);
      if (relative) keys.push_back(key);
    };
    if (const YAML::Node p = root["packs"]) check(p.IsMap() ? p["paths"] : p, "packs");
    check(root["python"], "python");
    if (const YAML::Node p = root["plugins"]; p && p.IsMap()) check(p["search_paths"], "plugins.search_paths");
    if (const YAML::Node l = root["letters"]; l && l.IsMap()) check(l["templates"], "letters.templates");
    return keys;
  }

  Waiver waiver(const YAML::Node& node) {
    Waiver w;
    w.where = yaml_.at(node);
    if (!yaml_.expect_map(node, "a waiver")) return w;
    yaml_.only_keys(node, "a waiver",
                    {"rule", "invoice", "client", "payment", "credit_note", "line", "reason", "approved_by", "expires"});
    auto get = [&](const char* key) { return yaml_.text(node, key, false).value_or(""); };
    w.rule = get("rule");
    w.reason = get("reason");
    w.approved_by = get("approved_by");
    w.invoice = get("invoice");
    w.line = get("line");
    w.client = get("client");
    w.payment = get("payment");
    w.credit_note = get("credit_note");
    if (w.rule.empty()) yaml_.error(node, "a waiver needs 'rule': the id of the rule whose finding it waives");
    if (w.reason.empty()) yaml_.error(node, "a waiver needs 'reason': why the finding is accepted");
    if (!w.line.empty() && w.invoice.empty())
      yaml_.error(node, "a waiver for a line needs 'invoice' too (the line number is within its invoice)");
    if (w.invoice.empty() && w.client.empty() && w.payment.empty() && w.credit_note.empty())
      yaml_.error(node, "a waiver needs one of invoice, client, payment, credit_note (and line)");
    if (std::string e = get("expires"); !e.empty()) {
      w.expires = Date::parse_iso(e);
      if (!w.expires) yaml_.error(node["expires"], "expires '" + e + "' is not a date (YYYY-MM-DD)");
    }
    return w;
  }

  YamlReader& yaml_;
};

}  // namespace

namespace {

constexpr std::string_view kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};

// Walks a date pattern: `token(name)` for each part of the date it names
// (longest name first, so Month is not M), `literal(c)` for any other character.
template <class Token, class Literal>
void walk_date_pattern(std::string_view pattern, Token token, Literal literal) {
  static constexpr std::string_view kTokens[] = {"YYYY", "Month", "Mon", "MM", "DD", "M", "D"};
  for (std::size_t i = 0; i < pattern.size();) {
    bool matched = false;
    for (std::string_view t : kTokens) {
      if (pattern.substr(i, t.size()) != t) continue;
      token(t);
      i += t.size();
      matched = true;
      break;
    }
    if (!matched) literal(pattern[i++]);
  }
}

}  // namespace

std::optional<Decimal> MoneySetting::in(std::string_view currency) const {
  // An amount given for the currency is exact in it (money_setting refuses
  // more decimals); one number for every currency is rounded half-even to the
  // currency's minor units, as a goodwill percent is (50.5 is USD 50.50 but JPY 50).
  const auto it = by_currency.find(std::string(currency));
  const std::optional<Decimal> value = it != by_currency.end() ? std::optional(it->second) : any;
  if (!value) return std::nullopt;
  return value->round(minor_units(currency), Rounding::half_even);
}

const GoodwillPolicy& RemediesConfig::goodwill_for(std::string_view client) const {
  auto it = client_goodwill.find(std::string(client));
  return it == client_goodwill.end() ? goodwill : it->second;
}

std::string format_date(Date date, std::string_view pattern) {
  if (pattern.empty()) return date.to_string();
  std::string out;
  auto two = [](unsigned v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  walk_date_pattern(
      pattern,
      [&](std::string_view t) {
        if (t == "YYYY") out += std::to_string(date.year());
        else if (t == "Month") out += kMonths[date.month() - 1];
        else if (t == "Mon") out += kMonths[date.month() - 1].substr(0, 3);
        else if (t == "MM") out += two(date.month());
        else if (t == "M") out += std::to_string(date.month());
        else if (t == "DD") out += two(date.day());
        else out += std::to_string(date.day());
      },
      [&](char c) { out += c; });
  return out;
}

std::string date_format_problem(std::string_view pattern) {
  bool year = false, month = false, day = false;
  walk_date_pattern(
      pattern,
      [&](std::string_view t) {
        year = year || t == "YYYY";
        day = day || t.starts_with('D');
        month = month || t.starts_with('M');
      },
      [](char) {});
  if (year && month && day) return {};
  return "'" + std::string(pattern) +
         "' does not name the year, month and day; write it with YYYY, MM or M or Month or Mon, DD or D "
         "(e.g. \"D Month YYYY\" for 31 January 2026)";
}

ConfigError::ConfigError(std::vector<std::string> messages)
    : Error(join_lines(messages)), messages_(std::move(messages)) {}

std::string ConfigLocation::to_string() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

namespace {

Config read_config(detail::YamlReader yaml) {
  if (!yaml.usable()) throw ConfigError(yaml.take_errors());
  Config config;
  try {
    config = ConfigReader(yaml).read(yaml.root());
  } catch (const YAML::Exception& e) {  // a shape the reader did not foresee: still an error, not a crash
    config = Config{};
    config.file = yaml.file();
    yaml.error(YAML::Node(), e.msg);
  }
  config.errors = yaml.take_errors();
  return config;
}

}  // namespace

Config parse_config(const std::string& text, const fs::path& file) { return read_config(detail::YamlReader(file, text)); }

Config load_config(const fs::path& file) {
  return read_config(detail::YamlReader::from_file(file, "does the config file exist?"));
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
