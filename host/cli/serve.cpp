// billcheck serve: the engine as a local HTTP service (docs/hosting.md).
#include "cli.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/serve_module.hpp>

#include <dlfcn.h>
#include <pthread.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>

namespace billcheck::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  int port = -1;  // -1: the one in --listen
  std::string token_file, max_body = "64M", store, by;
  double read_timeout = 10, write_timeout = 10, queue_wait = 30;
  unsigned threads = 16, max_checks = 0, jobs = 1;
  bool routes = false;
};

/// `ADDR:PORT`, `[V6]:PORT`, or `ADDR` alone (port 8080).
void split_listen(const std::string& text, std::string& host, int& port) {
  const auto colon = text.rfind(':');
  const bool bracketed = !text.empty() && text.front() == '[';
  if (colon == std::string::npos || (bracketed && text.back() == ']')) {
    host = text;
    port = 8080;
  } else {
    host = text.substr(0, colon);
    const std::string digits = text.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(digits) > 65535)
      throw std::runtime_error("--listen " + text + ": '" + digits + "' is not a port (0 to 65535)");
    port = std::stoi(digits);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) throw std::runtime_error("--listen " + text + ": give an address, e.g. 127.0.0.1:8080");
}

/// `67108864`, `64M`, `64MiB`, `512K`, `1G` (binary multiples).
std::size_t parse_size(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string unit = text.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int shift = -1;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K" || unit == "KIB") shift = 10;
  else if (unit == "M" || unit == "MIB") shift = 20;
  else if (unit == "G" || unit == "GIB") shift = 30;
  if (digits == 0 || digits > 12 || shift < 0)
    throw std::runtime_error("--max-body " + text + ": give a size in bytes, or with K, M or G (e.g. 64M)");
  return static_cast<std::size_t>(std::stoull(text.substr(0, digits))) << shift;
}

std::string read_token(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("--token-file " + file + ": cannot read the file");
  std::string token((std::istreambuf_iterator<char>(in)), {});
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty() || token.find_first_of(" \t\r\n") != std::string::npos)
    throw std::runtime_error("--token-file " + file + ": the file must hold one token (no spaces), on one line");
  return token;
}

std::chrono::milliseconds seconds(double s, const char* option) {
  if (!(s > 0) || s > 86400) throw std::runtime_error(std::string(option) + ": give a number of seconds above 0");
  return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

/// The service module (serve_module.hpp), beside the bundled plugins' folder;
/// loaded once, never unloaded.
const ServeModule& serve_module() {
  static const ServeModule* module = [] {
    const std::filesystem::path path = bundled_plugin_dir().parent_path() / "libbillcheck_serve.so";
    const auto refused = [&](const std::string& why) {
      return std::runtime_error("serve needs the service module " + path.string() + ", which " + why +
                                "; reinstall billcheck (cmake --install) or rebuild it");
    };
    void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* error = ::dlerror();
      throw refused("cannot be loaded (" + std::string(error ? error : "unknown error") + ")");
    }
    using Entry = const ServeModule* (*)();
    const auto entry = reinterpret_cast<Entry>(::dlsym(lib, "billcheck_serve_module"));
    const ServeModule* m = entry ? entry() : nullptr;
    if (!m) throw refused("is not one");
    if (m->version != ServeModule::kVersion || m->options_size != sizeof(ServiceOptions))
      throw refused("was built with another billcheck");
    return m;
  }();
  return *module;
}

int run_serve(const ServeArgs& args, const CommonOptions& common) {
  if (args.routes) {
    for (const auto& r : serve_module().routes()) std::cout << r.method << ' ' << r.path << '\n';
    return kClean;
  }
  ServiceOptions options;
  split_listen(args.listen, options.host, options.port);
  if (args.port >= 0) options.port = args.port;
  if (!args.token_file.empty()) options.token = read_token(args.token_file);
  options.config = common.config;
  options.max_body = parse_size(args.max_body);
  options.read_timeout = seconds(args.read_timeout, "--read-timeout");
  options.write_timeout = seconds(args.write_timeout, "--write-timeout");
  options.queue_wait = seconds(args.queue_wait, "--queue-wait");
  options.threads = args.threads;
  options.max_checks = args.max_checks;
  options.jobs = args.jobs;
  options.access_log = !common.quiet;
  options.store = args.store;
  options.actor = args.by;

  // The signals go to one thread that waits for them, so they never
  // interrupt a request: blocked here, before any thread is started.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // A rule run in process (plugins.isolate: false) that calls exit() ends the
  // service with 2, not with its status: 0 would read as a stop asked for.
  const ServeModule& module = serve_module();
  RulesInProcess rules(RulesInProcess::Output::service);
  module.serve_until_signalled(options, signals, [&](int port) {
    const bool v6 = options.host.find(':') != std::string::npos;
    std::cout << "billcheck: listening on http://" << (v6 ? "[" + options.host + "]" : options.host) << ':' << port
              << std::endl;
  });
  rules.end();
  return kClean;
}

}  // namespace

void add_serve_command(CLI::App& app, CommonOptions& common, Commands& commands) {
  auto args = std::make_shared<ServeArgs>();
  ServeArgs& a = *args;
  auto* cmd = app.add_subcommand("serve", "Serve the engine over HTTP: POST a book to /v1/check, get the JSON report");
  cmd->add_option("--listen", a.listen, "Address and port to listen on (a non-loopback address needs --token-file)")
      ->capture_default_str();
  cmd->add_option("--port", a.port, "The port, overriding --listen's (0: a free one, printed on stdout)");
  cmd->add_option("-c,--config", common.config, "Config file (default: the bundled rules with their defaults)");
  cmd->add_option("--token-file", a.token_file, "Require 'Authorization: Bearer <token>', the token read from FILE");
  cmd->add_option("--max-body", a.max_body, "Largest request body (bytes, or K, M, G)")->capture_default_str();
  cmd->add_option("--read-timeout", a.read_timeout, "Seconds a client may take to send a whole request")
      ->capture_default_str();
  cmd->add_option("--write-timeout", a.write_timeout, "Seconds a client may take to take each part of a response")
      ->capture_default_str();
  cmd->add_option("--threads", a.threads, "Connections served at once (more wait their turn)")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  cmd->add_option("--max-checks", a.max_checks, "Checks run at once (default: four per core); more wait")
      ->check(CLI::Range(0u, 4096u));
  cmd->add_option("--queue-wait", a.queue_wait, "Seconds a request waits for its turn before a 503")
      ->capture_default_str();
  cmd->add_option("-j,--jobs", a.jobs, "Threads per check (requests already share the cores)")
      ->check(CLI::Range(0u, 1024u))
      ->capture_default_str();
  cmd->add_option("--store", a.store, "The record's SQLite file to serve under /v1/findings, /v1/disputes, /v1/runs (default: `store:` in the config)")->check(kStoreFile);
  cmd->add_option("--by", a.by, "Who acts in the record when a request does not say (default: the login name)");
  cmd->add_flag("--routes", a.routes, "Print the routes served (METHOD PATH) and exit");
  commands.push_back({cmd, [args, &common] { return run_serve(*args, common); }});
}

}  // namespace billcheck::cli
