// The engine behind a local HTTP service speaking JSON (`billcheck serve`),
// for accounting packages in any language (docs/hosting.md). Its routes parse
// a request, call the engine or a remedy, and write the same JSON the CLI
// prints; no billing logic lives here.
#pragma once

#include <billcheck/error.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck {

/// A service that cannot start: a refused address, a port in use, an address
/// other programs can reach without a token.
class ServiceError : public Error {
 public:
  using Error::Error;
};

struct ServiceOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: a free port, chosen when bound
  /// Every request must carry `Authorization: Bearer <token>`; empty: none,
  /// which only a loopback address accepts.
  std::string token;
  std::filesystem::path config;  // billcheck.yaml; empty: the bundled rules with their defaults
  std::size_t max_body = std::size_t{64} << 20;
  /// The most a client may take to send a request, headers and body (a
  /// client sending a byte a second is cut off), and to take each part of a response.
  std::chrono::milliseconds read_timeout{10000}, write_timeout{10000};
  std::chrono::milliseconds keep_alive_timeout{5000};
  /// Connections served at once; more wait for a thread, and an idle connection
  /// (between requests, or before its first) gives its thread up to them.
  unsigned threads = 16;
  // Checks run at once (0: four per core); more wait for a turn. Not one per core:
  // a turn handed from one thread to another left a core idle while the next
  // woke (40% idle on 2 cores, 3,100 checks/s against 7,600 at 8 clients).
  unsigned max_checks = 0;
  /// How long a request waits for its turn before it is answered 503.
  std::chrono::milliseconds queue_wait{30000};
  unsigned jobs = 1;  // threads per check: the requests already share the cores
  bool access_log = true;  // one line per request on standard error
  /// The record (SQLite) the /v1/findings, /v1/disputes and /v1/runs routes
  /// serve and `POST /v1/check?record=true` writes; empty: `store:` of the
  /// config, else none (those routes answer 404 no_store).
  std::filesystem::path store;
  std::string actor;  // who acts when a request does not say ("by"); empty: the login name
};

/// A route the service answers: the table the server registers, that
/// `billcheck serve --routes` prints and docs/schema/openapi.yaml describes.
struct ServiceRoute {
  std::string_view method, path, summary;
};

/// Whether `host` names this machine only (127.0.0.0/8, ::1, localhost).
bool is_loopback_address(std::string_view host);

class Service {
 public:
  /// Loads the config and builds the engine that every request shares. Throws
  /// ConfigError for a config that is not accepted, ServiceError for options
  /// that would expose the service (a non-loopback address without a token).
  explicit Service(ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Binds the listening socket; returns the port (the chosen one for port 0).
  /// Throws ServiceError when the address cannot be bound.
  int bind();
  /// Serves until stop(); returns once every request in flight is answered.
  void run();
  /// Stops accepting and lets run() return when the requests in flight are
  /// answered. Safe from any thread.
  void stop();
  /// Re-reads the config and swaps in a new engine; requests in flight finish
  /// on the old one. A config that is not accepted is logged and refused
  /// (returns false), and the old one stays.
  bool reload();

  static const std::vector<ServiceRoute>& routes();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace billcheck
