#include "hosting/python_rules.hpp"

#include "engine/log.hpp"

#include <billcheck/engine.hpp>

#include <boost/dll/shared_library.hpp>

#include <atomic>

namespace billcheck::detail {
namespace fs = std::filesystem;
namespace {

class CollectingRegistry final : public Registry {
 public:
  void add_rule(RuleInfo info, RuleFactory factory) override { rules.push_back({std::move(info), std::move(factory)}); }
  Log& log() override { return log_; }
  std::vector<RegisteredRule> rules;

 private:
  PluginLog log_{"[python] "};
};

std::atomic<LoadPythonRules*> g_in_process_loader{nullptr};

}  // namespace

void set_python_rule_loader(LoadPythonRules* loader) { g_in_process_loader = loader; }
LoadPythonRules* python_rule_loader() { return g_in_process_loader; }

std::vector<RegisteredRule> load_python_rules(const std::vector<fs::path>& files, std::vector<std::string>& errors) {
  if (LoadPythonRules* loader = g_in_process_loader) {  // inside a Python process (or after the library started one)
    CollectingRegistry registry;
    loader(files, registry, errors);
    return std::move(registry.rules);
  }
  if (files.empty()) return {};
  const fs::path lib_path = bundled_plugin_dir().parent_path() / "libbillcheck_pyhost.so";
  static boost::dll::shared_library* lib = nullptr;  // loaded once, never unloaded
  if (!lib) {
    if (!fs::exists(lib_path)) {
      errors.push_back("python: " + files.front().string() + ": Python rules need the Python support library (" +
                       lib_path.string() + "), which this build does not have; build with -DBILLCHECK_BUILD_PYTHON=ON");
      return {};
    }
    try {
      // Global, so that extension modules the rules import find libpython's symbols.
      lib = new boost::dll::shared_library(lib_path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_global);
    } catch (const std::exception& e) {
      errors.push_back("python: cannot load " + lib_path.string() + ": " + e.what());
      return {};
    }
  }
  CollectingRegistry registry;
  lib->get_alias<LoadPythonRules>("billcheck_load_python_rules")(files, registry, errors);
  return std::move(registry.rules);
}

}  // namespace billcheck::detail
