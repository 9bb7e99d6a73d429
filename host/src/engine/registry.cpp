#include "engine/registry.hpp"

#include "config/suggest.hpp"
#include "engine/log.hpp"
#include "hosting/plugin_trust.hpp"
#include "hosting/python_rules.hpp"
#include "load/file.hpp"
#include "packs/pack_loader.hpp"

#include <billcheck/packs.hpp>

#include <boost/dll/runtime_symbol_info.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace billcheck {
namespace fs = std::filesystem;

fs::path bundled_plugin_dir() {
  // Canonical: a library found through an RPATH of $ORIGIN/../../.. (the
  // installed Python module) has that path with its `..`s, and the bundled
  // packs' folder is found by going up from here, which `..`s would misdirect.
  // Found once: this library does not move while it is loaded, and finding it
  // takes a readlink of each part of its path (fix rendered a sentence per
  // finding from the bundled templates: 130,000 readlinks for 10,000 findings).
  static const fs::path dir = [] {
    std::error_code ec;
    const fs::path self = boost::dll::this_line_location();
    const fs::path canonical = fs::weakly_canonical(self, ec);
    return (ec ? self : canonical).parent_path() / BILLCHECK_PLUGIN_SUBDIR;
  }();
  return dir;
}

std::vector<PluginRecord> find_plugins(const Config& config) {
  std::vector<std::string> errors;
  detail::RuleRegistry registry;
  registry.load_plugins(config, errors);
  if (!errors.empty()) throw ConfigError(std::move(errors));
  return registry.plugins();
}

namespace detail {

std::string rule_id_taken(const RegisteredRule& added, const RegisteredRule& first) {
  const std::string clash =
      "rule '" + added.info.id + "' from " + added.info.origin + " is already defined by " + first.info.origin;
  if (added.where.line > 0)
    return added.where.to_string() + ": " + clash +
           "; rename this rule (its id: here) or its pack (a pack's rule ids start with its name), as rule ids "
           "must be unique";
  if (first.where.line > 0)
    return first.where.to_string() + ": " + clash + " here; rename one of the two, as rule ids must be unique";
  return clash + "; rename one of the two, as rule ids must be unique";
}

void RuleRegistry::add(RegisteredRule rule, std::vector<std::string>& errors) {
  const RuleInfo& info = rule.info;
  if (const auto it = by_id_.find(info.id); it != by_id_.end()) {
    errors.push_back(rule_id_taken(rule, rules_[it->second]));
    return;
  }
  // A timekeeper's part of a book holds lines and their invoices' headers:
  // an invoice, client, payment or credit note there is not whole.
  if (info.reach == Reach::timekeeper && info.scope != Scope::line && info.scope != Scope::book) {
    errors.push_back("rule '" + info.id + "' from " + info.origin + " declares reach timekeeper with scope " +
                     std::string(to_string(info.scope)) + "; reach timekeeper needs scope line or book");
    return;
  }
  by_id_.emplace(info.id, rules_.size());
  rules_.push_back(std::move(rule));
}

void RuleRegistry::load_plugins(const Config& config, std::vector<std::string>& errors) {
  std::vector<fs::path> dirs{bundled_plugin_dir()};
  for (const auto& d : config.plugin_search_paths) {
    if (!fs::is_directory(d)) {
      errors.push_back(config.file.string() + ": plugins.search_paths: '" + d.string() + "' is not a directory");
      continue;
    }
    // Whoever can write the folder can add a plugin to every run.
    if (std::string problem = trust_problem(d); !problem.empty()) {
      errors.push_back(config.file.string() + ": plugins.search_paths: '" + d.string() + "' " + problem);
      continue;
    }
    dirs.push_back(d);
  }
  std::vector<std::string> stems;  // every plugin file's name, for the pins' "did you mean"
  for (const auto& dir : dirs) {
    const bool bundled = &dir == &dirs.front();
    for (const auto& file : plugin_files(dir)) {
      const std::string stem = file.stem().string();
      stems.push_back(stem);
      PluginPin pin;
      const auto pinned = std::find_if(config.plugin_pins.begin(), config.plugin_pins.end(),
                                       [&](const PluginPinSetting& p) { return p.name == stem; });
      if (pinned != config.plugin_pins.end()) pin = {pinned->sha256, pinned->where.to_string()};
      // Third-party code runs in a worker unless the config says otherwise; the bundled plugins in process.
      const auto setting = std::find_if(config.plugin_isolation.begin(), config.plugin_isolation.end(),
                                        [&](const PluginIsolationSetting& s) { return s.name == stem; });
      const bool isolate = setting != config.plugin_isolation.end() ? setting->isolate : !bundled;
      std::unique_ptr<IsolatedSource> source;
      LoadedPlugin p;
      if (isolate) {
        IsolatedSpec spec{"plugin", file, std::nullopt};
        if (pinned != config.plugin_pins.end()) spec.pin = pin;
        source = std::make_unique<IsolatedSource>(std::move(spec), config);
        source->start(errors);
        p.record = source->record();
        p.record.isolated = true;
        for (auto& r : source->take_rules()) p.rules.push_back(std::move(r));
        p.refused_rules = source->take_refused_rules();
      } else {
        p = load_plugin(file, log_, pinned != config.plugin_pins.end() ? &pin : nullptr);
      }
      bool disabled = std::any_of(config.disabled_plugins.begin(), config.disabled_plugins.end(),
                                  [&](const ConfigName& n) { return n.name == p.record.name; });
      if (!p.record.loaded) {
        logger().error("plugin {} {}; it was skipped, the other plugins run", file.string(), p.record.error);
      } else if (disabled) {
        p.record.loaded = false;
        p.record.disabled = true;
        p.record.error = "disabled by plugins.disable in the config";
      } else if (std::any_of(plugins_.begin(), plugins_.end(),
                             [&](const PluginRecord& r) { return r.loaded && r.name == p.record.name; })) {
        p.record.loaded = false;
        p.record.error = "is refused: a plugin named '" + p.record.name + "' is already loaded; this copy was skipped";
        logger().warn("plugin {} {}", file.string(), p.record.error);
      } else {
        for (auto& r : p.rules) {
          r.info.origin = "plugin " + p.record.name;
          add({std::move(r.info), std::move(r.factory), isolate}, errors);
        }
        // A rule refused at registration did not check the book: the report lists it as refused.
        for (const auto& r : p.refused_rules)
          refused_rules_.push_back({"rule", r.id, p.record.version, p.record.path,
                                    "refused at registration: " + r.reason + "; plugin " + p.record.name +
                                        "'s other rules ran"});
        if (source) isolated_.push_back(std::move(source));
      }
      plugins_.push_back(std::move(p.record));
    }
  }
  std::vector<std::string_view> names;
  for (const auto& r : plugins_)
    if (!r.name.empty()) names.push_back(r.name);
  check_names(config.disabled_plugins, names, "plugins.disable", "plugin", errors);
  std::vector<ConfigName> pinned;
  for (const auto& p : config.plugin_pins) pinned.push_back({p.name, p.where});
  check_names(pinned, std::vector<std::string_view>(stems.begin(), stems.end()), "plugins.pins", "plugin file", errors);
  std::vector<ConfigName> isolation;
  for (const auto& s : config.plugin_isolation) isolation.push_back({s.name, s.where});
  check_names(isolation, std::vector<std::string_view>(stems.begin(), stems.end()), "plugins.isolate", "plugin file",
              errors);
}

namespace {

struct PackDir {
  fs::path dir;
  bool bundled;
  bool listed;  // its folder is in the config's packs: that turns it on
};

// The bundled packs' folders, then the config's, each once (canonical, so
// that the config naming the bundled folder itself is one pack).
std::vector<PackDir> pack_dirs(const Config& config) {
  std::vector<PackDir> found;
  auto add = [&](const fs::path& dir, bool bundled) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(dir, ec);
    if (ec) c = dir.lexically_normal();
    for (auto& f : found)
      if (f.dir == c) {
        f.listed = f.listed || !bundled;
        return;
      }
    found.push_back({c, bundled, !bundled});
  };
  std::vector<fs::path> bundled;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(bundled_pack_dir(), ec))
    if (fs::exists(entry.path() / "pack.yaml")) bundled.push_back(entry.path());
  std::sort(bundled.begin(), bundled.end());
  for (const auto& dir : bundled) add(dir, true);
  for (const auto& dir : config.packs) add(dir, false);
  return found;
}

struct LoadedPack {
  PackLoad pack;
  PackDir from;
  bool keep = true;
};

// One pack per name: the config's copy of a bundled pack replaces it (an
// analyst's edited copy of the example); any other second copy is an error.
void keep_one_per_name(std::vector<LoadedPack>& packs, std::vector<std::string>& errors) {
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < packs.size(); ++i) {
    auto [it, inserted] = by_name.try_emplace(packs[i].pack.name, i);
    if (inserted) continue;
    LoadedPack& first = packs[it->second];
    if (first.from.bundled && !packs[i].from.bundled) {
      first.keep = false;
      it->second = i;
    } else {
      packs[i].keep = false;
      errors.push_back((packs[i].pack.dir / "pack.yaml").string() + ": pack '" + packs[i].pack.name +
                       "' is already loaded from " + (first.pack.dir / "pack.yaml").string() +
                       "; give the copy another 'pack:' name");
    }
  }
}

bool named(const std::vector<ConfigName>& list, std::string_view name) {
  return std::any_of(list.begin(), list.end(), [&](const ConfigName& n) { return n.name == name; });
}

}  // namespace

// Bundled packs, then the config's, one per name. A bundled pack whose
// pack.yaml says `enabled: false` (an example) runs only where the config
// names it in packs.enable or lists its folder; a pack named in packs.disable
// does not run. A running pack's `use:` settings apply unless the config sets
// the same rule itself.
void RuleRegistry::load_packs(Config& config, std::vector<std::string>& errors) {
  std::vector<LoadedPack> packs;
  for (const auto& d : pack_dirs(config)) {
    try {
      packs.push_back({load_pack(d.dir), d});
    } catch (const ConfigError& e) {
      errors.insert(errors.end(), e.messages().begin(), e.messages().end());
    }
  }
  keep_one_per_name(packs, errors);
  std::vector<std::string_view> names;
  for (auto& p : packs) {
    names.push_back(p.pack.name);
    if (!p.keep) continue;
    if (named(config.disabled_packs, p.pack.name)) {
      p.keep = false;
      off_packs_[p.pack.name] = "it is in packs.disable";
    } else if (!p.pack.enabled && !p.from.listed && !named(config.enabled_packs, p.pack.name)) {
      p.keep = false;
      off_packs_[p.pack.name] =
          "it is an example, off until the config turns it on: packs: {enable: [" + p.pack.name + "]}";
    }
  }
  check_names(config.enabled_packs, names, "packs.enable", "pack", errors);
  check_names(config.disabled_packs, names, "packs.disable", "pack", errors);
  for (const auto& n : config.enabled_packs)
    if (named(config.disabled_packs, n.name))
      errors.push_back(n.where.to_string() + ": pack '" + n.name +
                       "' is in both packs.enable and packs.disable; keep the one you mean");

  for (auto& p : packs) {
    if (!p.keep) continue;
    packs_.push_back({"pack", p.pack.name, p.pack.version, p.pack.dir, {}});
    for (auto& r : p.pack.rules) add(std::move(r), errors);
    for (auto& [id, settings] : p.pack.uses) config.rules.try_emplace(id, std::move(settings));
  }
}

// A plugin or pack the config names that does not exist is a mistake (a
// typo would otherwise leave the plugin running): say which names do.
void RuleRegistry::check_names(const std::vector<ConfigName>& given, const std::vector<std::string_view>& known,
                               std::string_view key, std::string_view kind, std::vector<std::string>& errors) {
  for (const auto& n : given)
    if (std::find(known.begin(), known.end(), n.name) == known.end())
      errors.push_back(n.where.to_string() + ": " + std::string(key) + ": there is no " + std::string(kind) +
                       " named '" + n.name + "'" + suggest(n.name, known, std::string(kind) + "s"));
}

// Each isolated file gets its own worker, so that a failure names its file.
// The in-process loader runs even with no files: inside Python it also adds
// the rules given to billcheck.Engine.
void RuleRegistry::load_python(const Config& config, std::vector<std::string>& errors) {
  std::vector<fs::path> in_process;
  for (const auto& [file, where] : config.python) {
    // billcheck.yaml's line that names the file: the file's own name may not say which entry it is.
    const std::string named = where.to_string() + ": python: " + file.string();
    // Nothing is read from a FIFO or a device (Python would wait for ever, or read without end).
    std::error_code ec;
    if (const fs::file_status st = fs::status(file, ec); fs::exists(st))
      if (const char* kind = special_file_kind(st)) {
        errors.push_back(named + " is " + kind + ", not a Python file");
        continue;
      }
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      errors.push_back(named + ": cannot read the rule file: " + std::strerror(errno));
      continue;
    }
    ::close(fd);
    if (!config.python_isolate) {
      in_process.push_back(file);
      continue;
    }
    auto source = std::make_unique<IsolatedSource>(IsolatedSpec{"python", file, std::nullopt}, config);
    source->start(errors);
    if (!source->loaded()) {
      if (!source->record().error.empty()) errors.push_back(named + " " + source->record().error);
      continue;
    }
    for (auto& r : source->take_rules()) add({std::move(r.info), std::move(r.factory), true}, errors);
    isolated_.push_back(std::move(source));
  }
  for (auto& r : load_python_rules(in_process, errors)) {
    if (r.info.origin.empty()) r.info.origin = "Python";
    add({std::move(r.info), std::move(r.factory)}, errors);
  }
}

// Builds the Options for `info` from its defaults and `layers` of settings.
void RuleRegistry::check_rule_ids(const Config& config, std::vector<std::string>& errors) const {
  auto check = [&](const std::map<std::string, RuleSettings>& rules) {
    for (const auto& [id, s] : rules)
      if (!by_id_.contains(id)) errors.push_back(unknown_rule(id, s.where));
  };
  check(config.rules);
  for (const auto& [client, rules] : config.clients) check(rules);
  for (const auto& w : config.waivers)
    if (!w.rule.empty() && !by_id_.contains(w.rule))
      errors.push_back(w.where.to_string() + ": waiver for unknown rule '" + w.rule + "'");
}

std::string RuleRegistry::unknown_rule(const std::string& id, const ConfigLocation& where) const {
  auto off = off_packs_.find(id.substr(0, id.find('.')));
  if (off != off_packs_.end())
    return where.to_string() + ": rule '" + id + "' is not running: its pack '" + off->first + "' is off (" +
           off->second + ")";
  return where.to_string() + ": unknown rule '" + id +
         "' (run `billcheck rules` to list the rules; is its plugin, pack or Python file loaded?)";
}

const RegisteredRule* RuleRegistry::find(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &rules_[it->second];
}

}  // namespace detail
}  // namespace billcheck
