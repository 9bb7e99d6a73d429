#include "hosting/plugin_loader.hpp"

#include "digest/sha256.hpp"
#include "engine/log.hpp"
#include "hosting/plugin_trust.hpp"

#include <billcheck/plugin.hpp>

#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <mutex>

namespace billcheck {
namespace detail {
namespace fs = std::filesystem;

namespace {

// Libraries stay loaded for the life of the process: rule objects and
// factories point into them, and unloading buys nothing in a checker.
void keep_forever(boost::dll::shared_library lib) {
  static std::mutex mutex;
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  std::lock_guard lock(mutex);
  libraries->push_back(std::move(lib));
}

// Collects a plugin's registrations, checking each rule's info.
class CollectingRegistry final : public Registry {
 public:
  CollectingRegistry(std::string plugin, Log& log) : plugin_(std::move(plugin)), log_(log) {}

  void add_rule(RuleInfo info, RuleFactory factory) override {
    std::string problem;
    if (info.id.rfind(plugin_ + ".", 0) != 0)
      problem = "its id does not start with the plugin name '" + plugin_ + ".'";
    else if (!is_category(info.category))
      problem = "its category '" + info.category + "' is not one of the contract's categories";
    else if (info.severity != Severity::info && info.severity != Severity::warning && info.severity != Severity::error)
      problem = "its severity (" + std::to_string(static_cast<int>(info.severity)) +
                ") is not one of Severity::info, warning or error";
    else if (!factory)
      problem = "it has no factory";
    for (const auto& r : rules_)
      if (r.info.id == info.id) problem = "its id is registered twice (the first registration is kept)";
    if (!problem.empty()) {
      log_.error("plugin '" + plugin_ + "': rule '" + info.id + "' skipped: " + problem);
      refused_.push_back({std::move(info.id), std::move(problem)});
      return;
    }
    rules_.push_back({std::move(info), std::move(factory)});
  }
  Log& log() override { return log_; }

  std::vector<RegisteredRule> take() { return std::move(rules_); }
  /// The rules refused: the report lists them, and `check` exits 2 (a book not fully checked).
  std::vector<RefusedRule> take_refused() { return std::move(refused_); }

 private:
  std::string plugin_;
  Log& log_;
  std::vector<RegisteredRule> rules_;
  std::vector<RefusedRule> refused_;
};

// The descriptor's size as ABI 2.0 defined it (ending with the standard
// library's name). Later minors append fields, which the host reads only when
// `size` covers them, so older plugins of the same major keep loading.
constexpr std::uint32_t kDescriptorSizeAbi2_0 = offsetof(PluginDescriptor, cxx_library) + sizeof(const char*);

std::string version_text(std::uint32_t major, std::uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// The dynamic loader's own reason ("invalid ELF header", "undefined symbol: ..."),
// without the path the caller prints already. Boost.DLL's exception text would add
// an unrelated errno text (": Bad file descriptor") after it.
std::string why_not_loadable(const fs::path& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle) {
    dlclose(handle);
    return {};
  }
  const char* raw = dlerror();
  std::string reason = raw ? raw : "unknown reason";
  const std::string prefix = path.string() + ": ";
  if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
  return reason;
}

}  // namespace

std::vector<fs::path> plugin_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  // (A symbolic link that cannot be followed is listed: trust_problem() refuses it by name.)
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (std::error_code kind; entry.path().extension() == ".so" && !entry.is_directory(kind))
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

LoadedPlugin load_plugin(const fs::path& path, Log& log, const PluginPin* pin) {
  LoadedPlugin result;
  PluginRecord& rec = result.record;
  rec.path = path;
  rec.name = path.stem().string();

  // Everything up to the dlopen below reads the file without running any of
  // its code: a library's constructors run as soon as it is opened.
  if (std::string problem = trust_problem(path); !problem.empty()) {
    rec.error = problem;
    return result;
  }
  if (pin) {
    std::string why;
    const auto digest = sha256_hex_file(path, why);
    if (!digest) {
      rec.error = "cannot be read to check its pin: " + why;
      return result;
    }
    if (*digest != pin->sha256) {
      rec.error = "is refused: its SHA-256 is " + *digest + ", but plugins.pins at " + pin->where +
                  " says " + pin->sha256 + "; it is not the build that was pinned (update the pin if it should be)";
      return result;
    }
  }
  if (std::string problem = missing_export(path, "billcheck_plugin_descriptor"); !problem.empty()) {
    rec.error = problem;
    return result;
  }
  if (std::string reason = why_not_loadable(path); !reason.empty()) {
    rec.error = "cannot be loaded as a shared library: " + reason;
    return result;
  }
  boost::dll::shared_library lib;
  try {
    lib.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    rec.error = "cannot be loaded as a shared library: " + std::string(e.what());
    return result;
  }
  if (!lib.has("billcheck_plugin_descriptor")) {
    rec.error = "is not a billcheck plugin: it has no billcheck_plugin_descriptor (declare one with BILLCHECK_PLUGIN)";
    return result;
  }
  const auto& desc = lib.get<const PluginDescriptor>("billcheck_plugin_descriptor");
  // The first three fields are fixed forever, so they are safe to read first.
  rec.abi_major = desc.abi_major;
  rec.abi_minor = desc.abi_minor;
  const std::string host_abi = version_text(BILLCHECK_ABI_MAJOR, BILLCHECK_ABI_MINOR);
  if (desc.abi_major != BILLCHECK_ABI_MAJOR || desc.abi_minor > BILLCHECK_ABI_MINOR) {
    rec.error = "was built for billcheck plugin ABI " + version_text(desc.abi_major, desc.abi_minor) +
                ", but this host speaks ABI " + host_abi + " (SDK " BILLCHECK_SDK_VERSION
                "); rebuild the plugin against this SDK";
    return result;
  }
  if (desc.size < kDescriptorSizeAbi2_0) {
    rec.error = "has a descriptor of " + std::to_string(desc.size) + " bytes, smaller than ABI " + host_abi +
                " requires; rebuild the plugin against this SDK";
    return result;
  }
  rec.name = desc.name ? desc.name : rec.name;
  rec.version = desc.version ? desc.version : "";
  rec.sdk_version = desc.sdk_version ? desc.sdk_version : "";
  rec.compiler = desc.compiler ? desc.compiler : "";
  // A 1.0 descriptor cannot say; such plugins keep loading as they always did.
  if (desc.cxx_library) {
    rec.cxx_library = desc.cxx_library;
    if (rec.cxx_library != BILLCHECK_CXX_LIBRARY) {
      rec.error = "was built against the C++ standard library " + rec.cxx_library + ", but this host uses " +
                  BILLCHECK_CXX_LIBRARY + "; std::string and std::function cross the plugin boundary, so "
                  "rebuild the plugin with the host's compiler and standard library settings";
      return result;
    }
  }
  if (!lib.has("billcheck_register_rules")) {
    rec.error = "has a descriptor but no registration function (declare it with BILLCHECK_PLUGIN)";
    return result;
  }
  PluginLog plugin_log("[" + rec.name + "] ");
  CollectingRegistry registry(rec.name, plugin_log);
  try {
    auto& register_rules = lib.get_alias<RegisterRules>("billcheck_register_rules");
    register_rules(registry);
  } catch (const std::exception& e) {
    rec.error = "failed while registering its rules: " + std::string(e.what());
    return result;
  } catch (...) {
    rec.error = "failed while registering its rules (unknown exception)";
    return result;
  }
  result.rules = registry.take();
  result.refused_rules = registry.take_refused();
  for (const auto& r : result.rules) rec.rules.push_back(r.info.id);
  rec.loaded = true;
  keep_forever(std::move(lib));
  log.debug("loaded plugin '" + rec.name + "' " + rec.version + " from " + path.string());
  return result;
}

}  // namespace detail
}  // namespace billcheck
