#include "engine/registry.hpp"

#include "engine/log.hpp"
#include "hosting/python_rules.hpp"
#include "packs/pack_loader.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

#include <algorithm>

namespace billcheck {
namespace fs = std::filesystem;

fs::path bundled_plugin_dir() {
  // Canonical: a library found through an RPATH of $ORIGIN/../../.. (the
  // installed Python module) has that path with its `..`s, and the bundled
  // packs' folder is found by going up from here, which `..`s would misdirect.
  std::error_code ec;
  const fs::path self = boost::dll::this_line_location();
  const fs::path canonical = fs::weakly_canonical(self, ec);
  return (ec ? self : canonical).parent_path() / BILLCHECK_PLUGIN_SUBDIR;
}

namespace detail {

void RuleRegistry::add(RuleInfo info, RuleFactory factory, std::vector<std::string>& errors) {
  if (by_id_.contains(info.id)) {
    errors.push_back("rule '" + info.id + "' from " + info.origin + " is already defined by " +
                     rules_[by_id_.find(info.id)->second].info.origin + "; rule ids must be unique");
    return;
  }
  by_id_.emplace(info.id, rules_.size());
  rules_.push_back({std::move(info), std::move(factory)});
}

void RuleRegistry::load_plugins(const Config& config, std::vector<std::string>& errors) {
  std::vector<fs::path> dirs{bundled_plugin_dir()};
  for (const auto& d : config.plugin_search_paths) {
    if (!fs::is_directory(d)) {
      errors.push_back(config.file.string() + ": plugins.search_paths: '" + d.string() + "' is not a directory");
      continue;
    }
    dirs.push_back(d);
  }
  for (const auto& dir : dirs) {
    for (const auto& file : plugin_files(dir)) {
      LoadedPlugin p = load_plugin(file, log_);
      bool disabled = std::find(config.disabled_plugins.begin(), config.disabled_plugins.end(), p.record.name) !=
                      config.disabled_plugins.end();
      if (!p.record.loaded) {
        logger().error("plugin {} {}; it was skipped, the other plugins run", file.string(), p.record.error);
      } else if (disabled) {
        p.record.loaded = false;
        p.record.disabled = true;
        p.record.error = "disabled by plugins.disable in the config";
      } else if (std::any_of(plugins_.begin(), plugins_.end(),
                             [&](const PluginRecord& r) { return r.loaded && r.name == p.record.name; })) {
        p.record.loaded = false;
        p.record.error = "a plugin named '" + p.record.name + "' is already loaded; this copy was skipped";
        logger().warn("plugin {} {}", file.string(), p.record.error);
      } else {
        for (auto& r : p.rules) {
          r.info.origin = "plugin " + p.record.name;
          add(std::move(r.info), std::move(r.factory), errors);
        }
      }
      plugins_.push_back(std::move(p.record));
    }
  }
}

// Bundled packs, then the config's. A configured pack with the name of a
// bundled one replaces it (an analyst's edited copy of the example pack);
// a pack's `use:` settings apply unless the config sets the same rule itself.
void RuleRegistry::load_packs(Config& config, std::vector<std::string>& errors) {
  struct Found {
    fs::path dir;
    bool bundled;
  };
  std::vector<Found> found;
  auto canonical = [](const fs::path& p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(p, ec);
    return ec ? p.lexically_normal() : c;
  };
  auto add_dir = [&](const fs::path& dir, bool bundled) {
    fs::path c = canonical(dir);
    for (const auto& f : found)
      if (f.dir == c) return;  // listed twice, or the bundled folder itself
    found.push_back({c, bundled});
  };
  std::vector<fs::path> bundled;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(bundled_pack_dir(), ec))
    if (fs::exists(entry.path() / "pack.yaml")) bundled.push_back(entry.path());
  std::sort(bundled.begin(), bundled.end());
  for (const auto& dir : bundled) add_dir(dir, true);
  for (const auto& dir : config.packs) add_dir(dir, false);

  std::vector<std::pair<PackLoad, bool>> packs;
  for (const auto& f : found) {
    try {
      packs.emplace_back(load_pack(f.dir), f.bundled);
    } catch (const ConfigError& e) {
      errors.insert(errors.end(), e.messages().begin(), e.messages().end());
    }
  }
  std::map<std::string, std::size_t> by_name;
  std::vector<bool> keep(packs.size(), true);
  for (std::size_t i = 0; i < packs.size(); ++i) {
    auto [it, inserted] = by_name.try_emplace(packs[i].first.name, i);
    if (inserted) continue;
    std::size_t j = it->second;
    if (packs[j].second && !packs[i].second) {  // the config's copy replaces the bundled pack
      keep[j] = false;
      it->second = i;
    } else {
      keep[i] = false;
      errors.push_back((packs[i].first.dir / "pack.yaml").string() + ": pack '" + packs[i].first.name +
                       "' is already loaded from " + (packs[j].first.dir / "pack.yaml").string() +
                       "; give the copy another 'pack:' name");
    }
  }
  for (std::size_t i = 0; i < packs.size(); ++i) {
    if (!keep[i]) continue;
    PackLoad& pack = packs[i].first;
    packs_.push_back({"pack", pack.name, pack.version, pack.dir, {}});
    for (auto& r : pack.rules) {
      r.info.origin = "pack " + pack.name;
      add(std::move(r.info), std::move(r.factory), errors);
    }
    for (auto& [id, settings] : pack.uses) config.rules.try_emplace(id, std::move(settings));
  }
}

void RuleRegistry::load_python(const Config& config, std::vector<std::string>& errors) {
  for (auto& r : load_python_rules(config.python, errors)) {
    if (r.info.origin.empty()) r.info.origin = "Python";
    add(std::move(r.info), std::move(r.factory), errors);
  }
}

// Builds the Options for `info` from its defaults and `layers` of settings.
void RuleRegistry::check_rule_ids(const Config& config, std::vector<std::string>& errors) const {
  auto check = [&](const std::map<std::string, RuleSettings>& rules) {
    for (const auto& [id, s] : rules)
      if (!by_id_.contains(id))
        errors.push_back(s.where.to_string() + ": unknown rule '" + id +
                         "' (run `billcheck rules` to list the rules; is its plugin or pack loaded?)");
  };
  check(config.rules);
  for (const auto& [client, rules] : config.clients) check(rules);
  for (const auto& w : config.waivers)
    if (!w.rule.empty() && !by_id_.contains(w.rule))
      errors.push_back(w.where.to_string() + ": waiver for unknown rule '" + w.rule + "'");
}

// Runs the scope's rules over records [begin, end): every parallel rule, or
// only `serial` (a single-threaded rule, inside its batch hooks).

const RegisteredRule* RuleRegistry::find(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &rules_[it->second];
}

}  // namespace detail
}  // namespace billcheck
