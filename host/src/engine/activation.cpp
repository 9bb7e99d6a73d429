#include "engine/active_rule.hpp"

#include <algorithm>

namespace billcheck::detail {
namespace {

// What an option's YAML value becomes, checked against its declared type.
std::optional<OptionValue> option_from_config(const OptionSpec& spec, const ConfigValue& v, std::string& error) {
  if (const auto* text = std::get_if<std::string>(&v.value)) return parse_option(spec.type, *text, error);
  if (const auto* items = std::get_if<std::vector<std::string>>(&v.value)) {
    if (spec.type == OptionType::string_list) return OptionValue(*items);
  } else if (const auto* map = std::get_if<std::map<std::string, std::string>>(&v.value)) {
    if (spec.type == OptionType::decimal_map) {
      DecimalMap out;
      for (const auto& [k, text] : *map) {
        Decimal d;
        std::string why = Decimal::parse_error(text, d);
        if (!why.empty()) {
          error = "'" + k + ": " + text + "' is not a decimal (" + why + ")";
          return std::nullopt;
        }
        out[k] = d;
      }
      return OptionValue(std::move(out));
    }
  }
  error = "expects a " + std::string(to_string(spec.type));
  return std::nullopt;
}

}  // namespace

std::optional<Options> options_for(const RuleInfo& info, std::initializer_list<const RuleSettings*> layers,
                                   std::vector<std::string>& errors) {
  Options opts;
  bool ok = true;
  for (const auto& spec : info.options) {
    std::string error;
    auto v = parse_option(spec.type, spec.default_text, error);
    if (!v) {
      errors.push_back("rule '" + info.id + "' (" + info.origin + "): the default of option '" + spec.name +
                       "' is invalid: " + error);
      ok = false;
      continue;
    }
    opts.set(spec.name, std::move(*v));
  }
  for (const RuleSettings* s : layers) {
    if (!s) continue;
    for (const auto& [name, value] : s->options) {
      // Not a lambda: clang before 16 cannot capture a structured binding.
      auto spec = info.options.begin();
      while (spec != info.options.end() && spec->name != name) ++spec;
      if (spec == info.options.end()) {
        std::string known;
        for (const auto& o : info.options) known += (known.empty() ? "" : ", ") + o.name;
        errors.push_back(value.where.to_string() + ": rule '" + info.id + "' has no option '" + name + "' (" +
                         (known.empty() ? std::string("it takes no options") : "its options: " + known) + ")");
        ok = false;
        continue;
      }
      std::string error;
      auto v = option_from_config(*spec, value, error);
      if (!v) {
        errors.push_back(value.where.to_string() + ": rule '" + info.id + "' option '" + name + "': " + error);
        ok = false;
        continue;
      }
      opts.set(name, std::move(*v));
    }
  }
  if (!ok) return std::nullopt;
  return opts;
}

namespace {

// Builds one instance; a rule that refuses its options (its constructor
// throws) is reported against the config entry that set them.
const Rule* build(ActiveRule& a, const RegisteredRule& reg, const Options& opts,
                  const RuleSettings* settings, std::vector<std::string>& errors) {
  try {
    a.owned.push_back(reg.factory(opts));
    return a.owned.back().get();
  } catch (const std::exception& e) {
    std::string where = settings ? settings->where.to_string() + ": " : "";
    errors.push_back(where + "rule '" + reg.info.id + "' (" + reg.info.origin + "): " + e.what());
  }
  return nullptr;
}

}  // namespace

std::optional<ActiveRule> activate(const RegisteredRule& reg, const Config& config, std::vector<std::string>& errors) {
  const RuleInfo& info = reg.info;
  ActiveRule a;
  a.info = &info;
  auto global_it = config.rules.find(info.id);
  const RuleSettings* global = global_it == config.rules.end() ? nullptr : &global_it->second;
  a.base.enabled = !global || global->enabled;
  a.base.severity = global && global->severity ? *global->severity : info.severity;
  a.base.severity_configured = global && global->severity;
  auto opts = options_for(info, {global}, errors);
  if (!opts) return std::nullopt;
  // Built even when off by default, so that a client can switch it on.
  a.base.rule = build(a, reg, *opts, global, errors);
  if (!a.base.rule) return std::nullopt;
  for (const auto& [client, rules] : config.clients) {
    auto it = rules.find(info.id);
    if (it == rules.end()) continue;
    const RuleSettings& s = it->second;
    Variant v;
    v.enabled = s.enabled;
    v.severity = s.severity ? *s.severity : a.base.severity;
    v.severity_configured = s.severity || a.base.severity_configured;
    v.rule = a.base.rule;
    if (!s.options.empty()) {
      auto client_opts = options_for(info, {global, &s}, errors);
      if (!client_opts) continue;
      v.rule = build(a, reg, *client_opts, &s, errors);
      if (!v.rule) continue;
    }
    a.per_client.emplace(client, v);
  }
  a.base_needed = a.base.enabled;
  for (const auto& [client, v] : a.per_client)
    if (v.enabled && v.rule == a.base.rule) a.base_needed = true;
  a.runs = a.base_needed;
  for (const auto& [client, v] : a.per_client) a.runs = a.runs || v.enabled;
  return a;
}

void make_internal(Finding& f) {
  f.category = "internal";
  f.severity = Severity::error;
  f.amount_at_stake.reset();
  f.discriminator = "internal";
}

}  // namespace billcheck::detail
