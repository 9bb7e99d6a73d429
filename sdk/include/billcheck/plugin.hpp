// The plugin boundary. A plugin declares itself with one BILLCHECK_PLUGIN line;
// the host reads the descriptor and checks the ABI before touching anything else.
//
// ABI promise: the major version changes when any SDK type a plugin sees changes
// layout or meaning (the host refuses other majors); the minor version grows
// when something is appended (a host accepts plugins of its minor or older).
#pragma once

#include <billcheck/rule.hpp>
#include <billcheck/version.hpp>

#include <boost/config.hpp>
#include <boost/dll/alias.hpp>

#include <cstdint>

namespace billcheck {

/// Plain C layout; fields are only ever appended, and `size` says how many a
/// plugin has.
struct PluginDescriptor {
  std::uint32_t abi_major;
  std::uint32_t abi_minor;
  std::uint32_t size;
  const char* sdk_version;
  const char* name;
  const char* version;
  const char* compiler;
  // ABI 1.1
  /// The C++ standard library the plugin was built against (BILLCHECK_CXX_LIBRARY):
  /// std::string and std::function cross the boundary, so it must be the host's.
  const char* cxx_library;
};

/// What a plugin's registration function looks like.
using RegisterRules = void(Registry&);

}  // namespace billcheck

#ifndef BILLCHECK_PLUGIN_ABI_MAJOR
#define BILLCHECK_PLUGIN_ABI_MAJOR BILLCHECK_ABI_MAJOR
#endif
#ifndef BILLCHECK_PLUGIN_ABI_MINOR
#define BILLCHECK_PLUGIN_ABI_MINOR BILLCHECK_ABI_MINOR
#endif

#define BILLCHECK_PLUGIN_STRINGIFY2(x) #x
#define BILLCHECK_PLUGIN_STRINGIFY(x) BILLCHECK_PLUGIN_STRINGIFY2(x)
#if defined(__clang__)
#define BILLCHECK_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define BILLCHECK_COMPILER "gcc " __VERSION__
#else
#define BILLCHECK_COMPILER "unknown"
#endif

// The standard library ABI, which decides the layout of std::string and
// std::function: libstdc++ has two string ABIs (_GLIBCXX_USE_CXX11_ABI), libc++
// its own versioned one. <cstdint> above has defined the library's macros.
#if defined(_LIBCPP_VERSION)
#define BILLCHECK_CXX_LIBRARY "libc++ (ABI " BILLCHECK_PLUGIN_STRINGIFY(_LIBCPP_ABI_VERSION) ")"
#elif defined(__GLIBCXX__) && defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define BILLCHECK_CXX_LIBRARY "libstdc++ (C++11 string ABI)"
#elif defined(__GLIBCXX__)
#define BILLCHECK_CXX_LIBRARY "libstdc++ (old string ABI, _GLIBCXX_USE_CXX11_ABI=0)"
#else
#define BILLCHECK_CXX_LIBRARY "unknown"
#endif

/// Declares a plugin: its name, version, and the function that registers its
/// rules (`void register_rules(billcheck::Registry&)`).
#define BILLCHECK_PLUGIN(NAME, VERSION, REGISTER_FUNCTION)                                         \
  extern "C" BOOST_SYMBOL_EXPORT const ::billcheck::PluginDescriptor billcheck_plugin_descriptor = { \
      BILLCHECK_PLUGIN_ABI_MAJOR,                                                                  \
      BILLCHECK_PLUGIN_ABI_MINOR,                                                                  \
      sizeof(::billcheck::PluginDescriptor),                                                       \
      BILLCHECK_SDK_VERSION,                                                                       \
      NAME,                                                                                        \
      VERSION,                                                                                     \
      BILLCHECK_COMPILER,                                                                          \
      BILLCHECK_CXX_LIBRARY};                                                                      \
  BOOST_DLL_ALIAS(REGISTER_FUNCTION, billcheck_register_rules)
