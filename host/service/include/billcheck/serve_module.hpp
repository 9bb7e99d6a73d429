// The service as the module `billcheck serve` loads (lib/billcheck/
// libbillcheck_serve.so), so that only that command loads cpp-httplib and what
// it brings (OpenSSL, zlib, Brotli): their loading and OpenSSL's start took
// ~12 ms of every other command's run (a check of a small book took 40 ms).
#pragma once

#include <billcheck/service.hpp>

#include <csignal>
#include <cstddef>
#include <functional>
#include <vector>

namespace billcheck {

/// What the module gives the program. Built with the program it is installed
/// with; `version` and `options_size` refuse a module of another build.
struct ServeModule {
  static constexpr int kVersion = 1;
  int version = kVersion;
  std::size_t options_size = sizeof(ServiceOptions);
  /// Service::routes().
  const std::vector<ServiceRoute>& (*routes)() = nullptr;
  /// Builds the service (throws ConfigError, ServiceError as Service does),
  /// binds it, calls `listening(port)`, and serves until SIGINT or SIGTERM
  /// (of `signals`, which the caller has blocked in every thread), re-reading
  /// the config on SIGHUP; returns once the requests in flight are answered.
  void (*serve_until_signalled)(const ServiceOptions& options, const sigset_t& signals,
                                const std::function<void(int port)>& listening) = nullptr;
};

}  // namespace billcheck

/// The module's one exported symbol.
extern "C" const billcheck::ServeModule* billcheck_serve_module();
