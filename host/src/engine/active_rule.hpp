// A rule as the engine runs it: its registration, and per client whether it is
// on, with which severity and which configured instance.
#pragma once

#include "hosting/plugin_loader.hpp"

#include <billcheck/engine.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace billcheck::detail {

/// How one rule runs for one client: on or off, with which severity and instance.
struct Variant {
  bool enabled = true;
  Severity severity = Severity::error;
  bool severity_configured = false;  // the config's severity wins over one the rule sets per finding
  const Rule* rule = nullptr;

  void apply_severity(std::vector<Finding>& out, std::size_t from) const {
    if (!severity_configured) return;
    for (std::size_t i = from; i < out.size(); ++i) out[i].severity = severity;
  }
};

/// Looks up a std::string key by string_view, without a copy.
struct ClientHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct ActiveRule {
  const RuleInfo* info = nullptr;
  Variant base;
  std::unordered_map<std::string, Variant, ClientHash, std::equal_to<>> per_client;
  std::vector<std::unique_ptr<Rule>> owned;
  bool runs = true;          // enabled by default or for some client; an off rule costs nothing
  bool base_needed = true;   // the base instance reports for someone (by default or for a client that shares it)

  const Variant& for_client(std::string_view client) const {
    if (per_client.empty()) return base;
    auto it = per_client.find(client);
    return it == per_client.end() ? base : it->second;
  }
};

/// Builds the active form of `reg` from the config's global and per-client
/// settings. Returns nullopt (with located messages in `errors`) when an option
/// is unknown or invalid or the rule refuses its options.
std::optional<ActiveRule> activate(const RegisteredRule& reg, const Config& config, std::vector<std::string>& errors);

/// The options of rule `info`: its defaults, then each of `layers` of settings
/// in turn. Nothing (with located messages in `errors`) when a setting names
/// an option the rule does not have or gives a value of the wrong type: what
/// activate() says of a config's settings, and `billcheck lint` of a pack's `use:`.
std::optional<Options> options_for(const RuleInfo& info, std::initializer_list<const RuleSettings*> layers,
                                   std::vector<std::string>& errors);

/// Turns `f` into the finding that says a rule failed (threw) and was skipped.
void make_internal(Finding& f);

}  // namespace billcheck::detail
