// The routes and the life of the service: one engine shared by the request
// threads (swapped whole on reload), a bounded number of checks at a time,
// every answer JSON, one access-log line per request.
#include <billcheck/service.hpp>

#include <billcheck/convert.hpp>
#include <billcheck/decimal.hpp>
#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/remedies.hpp>
#include <billcheck/report.hpp>

#include "connection.hpp"
#include "metrics.hpp"
#include "responses.hpp"
#include "turns.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace billcheck {
namespace {

using httplib::Request;
using httplib::Response;
using service::Clock;
using service::set_error;

constexpr std::string_view kGet = "GET", kPost = "POST";

const std::vector<ServiceRoute> kRoutes = {
    {kGet, "/health", "200 when the service is ready"},
    {kGet, "/metrics", "Prometheus counters: requests, latency, books checked, findings"},
    {kGet, "/v1/rules", "every rule the engine knows"},
    {kGet, "/v1/plugins", "the plugins found, loaded or refused"},
    {kPost, "/v1/check", "check a book (or one invoice): the report as billcheck check --format json"},
    {kPost, "/v1/explain", "how an invoice (or one line) was worked out"},
    {kPost, "/v1/letter", "the letter to a client about the errors on their invoices"},
    {kPost, "/v1/fix", "the corrected book and the fix summary"},
};

/// An answer other than 200, thrown from a route and written by body_route.
struct HttpError {
  int status;
  std::string code, message;
  std::vector<std::string> problems;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The media type of a Content-Type, without parameters, in lower case.
std::string media_type(const Request& req) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.pop_back();
  return lower(type);
}

/// Compares in time that depends only on the lengths, so that a wrong token's
/// answer time does not tell how much of it was right.
bool same_token(std::string_view given, std::string_view expected) {
  unsigned diff = given.size() != expected.size();
  for (std::size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  return static_cast<volatile unsigned&>(diff) == 0;
}

bool has_body(const Request& req) {
  if (req.has_header("Content-Length")) return req.get_header_value<std::uint64_t>("Content-Length") > 0;
  return lower(req.get_header_value("Transfer-Encoding")).find("chunked") != std::string::npos;
}

/// A request answered without reading its body: the connection cannot carry another.
void leave_body_unread(const Request& req, Response& res) {
  if (!has_body(req)) return;
  if (auto* conn = service::current_connection()) conn->keep_alive = false;
  res.set_header("Connection", "close");
}

std::shared_ptr<spdlog::logger> make_logger(bool access_log) {
  auto logger = std::make_shared<spdlog::logger>("billcheck-service", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ billcheck: %v", spdlog::pattern_time_type::utc);
  logger->set_level(access_log ? spdlog::level::info : spdlog::level::warn);
  return logger;
}

std::vector<std::string> route_paths() {
  std::vector<std::string> paths;
  for (const auto& r : kRoutes) paths.emplace_back(r.path);
  return paths;
}

std::string report_json(const Report& report) {
  std::ostringstream out;
  write_json(out, report);
  return out.str();
}

}  // namespace

bool is_loopback_address(std::string_view host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, std::string(host).c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  std::string h(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

const std::vector<ServiceRoute>& Service::routes() { return kRoutes; }

struct Service::Impl {
  ServiceOptions options;
  std::shared_ptr<spdlog::logger> log;
  service::Metrics metrics{route_paths()};
  service::HttpServer server;
  std::mutex engine_mutex, reload_mutex;
  std::shared_ptr<const Engine> engine;
  service::Turns check_slots;
  std::atomic<bool> run_called{false}, stop_requested{false};

  explicit Impl(ServiceOptions o)
      : options(std::move(o)),
        log(make_logger(options.access_log)),
        server({options.read_timeout, options.write_timeout, options.keep_alive_timeout}),
        check_slots(options.max_checks ? options.max_checks : std::max(1u, std::thread::hardware_concurrency())) {
    if (options.token.empty() && !is_loopback_address(options.host))
      throw ServiceError("refusing to listen on " + options.host +
                         " without a token: other machines could reach the service; give --token-file FILE, or "
                         "listen on 127.0.0.1");
    engine = build_engine();
    setup();
  }

  std::shared_ptr<const Engine> build_engine() const {
    return std::make_shared<const Engine>(options.config.empty() ? Config{} : load_config(options.config));
  }

  std::shared_ptr<const Engine> current_engine() {
    std::lock_guard lock(engine_mutex);
    return engine;
  }

  // ---- the request's way in: authorization, route, body ----

  const ServiceRoute* find_route(std::string_view path, std::string_view method, bool& path_known) const {
    path_known = false;
    for (const auto& r : kRoutes) {
      if (r.path != path) continue;
      path_known = true;
      if (r.method == method || (r.method == kGet && method == "HEAD")) return &r;
    }
    return nullptr;
  }

  httplib::Server::HandlerResponse pre_route(const Request& req, Response& res) {
    using HR = httplib::Server::HandlerResponse;
    if (!options.token.empty()) {
      const std::string auth = req.get_header_value("Authorization");
      const bool bearer = auth.size() > 7 && lower(auth.substr(0, 7)) == "bearer ";
      if (!bearer || !same_token(std::string_view(auth).substr(7), options.token)) {
        set_error(res, 401, "unauthorized",
                  bearer ? "the token is not the service's token"
                         : "this service needs a token: send the header 'Authorization: Bearer <token>'");
        res.set_header("WWW-Authenticate", "Bearer");
        leave_body_unread(req, res);
        return HR::Handled;
      }
    }
    bool path_known = false;
    if (find_route(req.path, req.method, path_known)) return HR::Unhandled;
    if (path_known) {
      std::string allow;
      for (const auto& r : kRoutes)
        if (r.path == req.path) allow += (allow.empty() ? "" : ", ") + std::string(r.method);
      set_error(res, 405, "method_not_allowed", req.method + " is not served at " + req.path + "; use " + allow);
      res.set_header("Allow", allow);
    } else {
      set_error(res, 404, "not_found", "no route " + req.path + " (GET /v1/rules, POST /v1/check, ...: see docs/schema/openapi.yaml)");
    }
    leave_body_unread(req, res);
    return HR::Handled;
  }

  /// Reads the body within the size limit; throws HttpError when it cannot.
  std::string read_body(const Request& req, Response& res, const httplib::ContentReader& reader) {
    const std::string type = media_type(req);
    if (type != "application/json" && type != "text/plain") {
      leave_body_unread(req, res);
      throw HttpError{415, "unsupported_media_type",
                      "send the book as application/json, or a LEDES 1998B file as text/plain (Content-Type was '" +
                          req.get_header_value("Content-Type") + "')",
                      {}};
    }
    if (!has_body(req)) {
      // Without a length or chunks, httplib would read until the client closes.
      throw HttpError{400, "bad_request", "the request has no body: send the book in it", {}};
    }
    if (req.has_header("Content-Length") && req.get_header_value<std::uint64_t>("Content-Length") > options.max_body) {
      leave_body_unread(req, res);
      throw HttpError{413, "too_large", too_large_message(), {}};
    }
    std::string body;
    bool too_large = false;
    const bool complete = reader([&](const char* data, std::size_t n) {
      if (body.size() + n > options.max_body) {
        too_large = true;  // a chunked body's size is only known while it is read
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (complete) return body;
    leave_body_unread(req, res);
    if (too_large) throw HttpError{413, "too_large", too_large_message(), {}};
    auto* conn = service::current_connection();
    if (conn && conn->timed_out)
      throw HttpError{408, "timeout",
                      "the request was not received within " + std::to_string(options.read_timeout.count()) + " ms",
                      {}};
    throw HttpError{400, "bad_request", "the request body was cut short", {}};
  }

  std::string too_large_message() const {
    return "the body is over the service's limit of " + std::to_string(options.max_body) +
           " bytes (billcheck serve --max-body)";
  }

  /// Runs `route` on the body, turning what it throws into the error answer.
  template <class Route>
  void body_route(const Request& req, Response& res, const httplib::ContentReader& reader,
                  const std::vector<std::string_view>& params, Route route) {
    try {
      for (const auto& [name, value] : req.params)
        if (std::find(params.begin(), params.end(), name) == params.end()) {
          std::string known;
          for (auto p : params) known += (known.empty() ? "" : ", ") + std::string(p);
          leave_body_unread(req, res);
          throw HttpError{400, "bad_request", "unknown parameter '" + name + "' (" + req.path + " takes " + known + ")", {}};
        }
      const std::string body = read_body(req, res, reader);
      route(body);
    } catch (const HttpError& e) {
      set_error(res, e.status, e.code, e.message, e.problems);
      if (e.status == 503) res.set_header("Retry-After", "1");
    } catch (const BookError& e) {
      set_error(res, 400, "bad_book", "the book was not loaded; fix the problems listed and send it again",
                e.messages());
    } catch (const UnknownRecord& e) {
      set_error(res, 404, "not_found", e.what());
    } catch (const std::exception& e) {
      log->error("{} {}: {}", req.method, req.path, e.what());
      set_error(res, 500, "internal", std::string("the service failed: ") + e.what());
    }
  }

  // ---- the routes: parse, call the engine or a remedy, write ----

  std::string param(const Request& req, const char* name) const {
    return req.has_param(name) ? req.get_param_value(name) : std::string();
  }

  /// The book in the body; `name` stands for its file in locations and problems.
  BookData read_request_book(const Request& req, const std::string& body) const {
    std::string name = req.has_param("name") ? param(req, "name") : "<body>";
    if (name.empty() || name.size() > 200 ||
        std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
      throw HttpError{400, "bad_request", "name: give a file name of 1 to 200 printable characters", {}};
    LoadOptions load;
    if (req.has_param("currency")) {
      load.ledes_currency = param(req, "currency");
      if (std::string why = currency_problem(load.ledes_currency); !why.empty())
        throw HttpError{400, "bad_request", "currency: " + why, {}};
    }
    return read_book_text(body, name, load);
  }

  /// A turn to run the rules: at most max_checks at once, the others wait.
  struct CheckSlot {
    explicit CheckSlot(Impl& impl) : impl_(impl) {
      if (!impl.check_slots.acquire(impl.options.queue_wait))
        throw HttpError{503, "busy", "the service is busy; try again", {}};
    }
    ~CheckSlot() { impl_.check_slots.release(); }
    Impl& impl_;
  };

  CheckOptions check_options() const {
    CheckOptions o;
    o.jobs = options.jobs;
    return o;
  }

  void check(const Request& req, Response& res, const std::string& body) {
    CheckSlot slot(*this);
    const auto engine = current_engine();
    Book book(read_request_book(req, body));
    const std::string invoice = param(req, "invoice");
    Report report =
        req.has_param("invoice") ? engine->check_invoice(book, invoice, check_options()) : engine->check(book, check_options());
    metrics.checked(report.summary.by_category);
    res.set_content(report_json(report), "application/json");
  }

  static const char* content_type_of(DocumentFormat format) {
    switch (format) {
      case DocumentFormat::markdown: return "text/markdown; charset=utf-8";
      case DocumentFormat::html: return "text/html; charset=utf-8";
      case DocumentFormat::json: return "application/json";
      default: return "text/plain; charset=utf-8";
    }
  }

  DocumentFormat format_param(const Request& req, std::initializer_list<std::string_view> allowed) const {
    const std::string name = req.has_param("format") ? param(req, "format") : "text";
    auto format = parse_document_format(name);
    if (!format || std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw HttpError{400, "bad_request", "format: '" + name + "' is not one of " + list, {}};
    }
    return *format;
  }

  void explain_route(const Request& req, Response& res, const std::string& body) {
    if (!req.has_param("invoice")) throw HttpError{400, "bad_request", "give the invoice: ?invoice=ID", {}};
    ExplainRequest request;
    request.invoice = param(req, "invoice");
    request.check = check_options();
    if (req.has_param("line")) {
      const std::string line = param(req, "line");
      if (line.empty() || line.size() > 9 || line.find_first_not_of("0123456789") != std::string::npos)
        throw HttpError{400, "bad_request", "line: '" + line + "' is not a line number", {}};
      request.line = std::stoll(line);
    }
    const DocumentFormat format = format_param(req, {"text", "md", "html", "json"});
    CheckSlot slot(*this);
    const auto engine = current_engine();
    Book book(read_request_book(req, body));
    res.set_content(explain(*engine, book, request, format), content_type_of(format));
  }

  void letter_route(const Request& req, Response& res, const std::string& body) {
    if (!req.has_param("client")) throw HttpError{400, "bad_request", "give the client: ?client=ID", {}};
    LetterRequest request;
    request.client = param(req, "client");
    for (std::size_t i = 0; i < req.get_param_value_count("invoice"); ++i)
      request.invoices.push_back(req.get_param_value("invoice", i));
    request.check = check_options();
    const DocumentFormat format = format_param(req, {"text", "md", "html"});
    CheckSlot slot(*this);
    const auto engine = current_engine();
    Book book(read_request_book(req, body));
    res.set_content(letter(*engine, book, request, format), content_type_of(format));
  }

  void fix_route(const Request& req, Response& res, const std::string& body) {
    CheckSlot slot(*this);
    const auto engine = current_engine();
    FixOptions fix;
    if (req.has_param("reissue")) {
      const std::string value = param(req, "reissue");
      if (value != "true" && value != "false") throw HttpError{400, "bad_request", "reissue is true or false", {}};
      fix.reissue = value == "true";
    }
    FixResult result = fix_book(*engine, read_request_book(req, body), check_options(), fix);
    std::ostringstream out;
    out << "{\"book\": ";
    write_book_json(out, result.book);
    out << ", \"summary\": " << fix_summary(result.summary, DocumentFormat::json) << "}\n";
    res.set_content(out.str(), "application/json");
  }

  // ---- wiring ----

  void setup() {
    server.new_task_queue = [n = std::max(1u, options.threads)] { return new httplib::ThreadPool(n); };
    server.set_payload_max_length(options.max_body);
    server.set_tcp_nodelay(true);
    // What httplib announces in Keep-Alive headers; the connection loop keeps to the same limits.
    server.set_keep_alive_max_count(service::ConnectionLimits{}.requests_per_connection);
    server.set_keep_alive_timeout(std::max<time_t>(1, std::chrono::duration_cast<std::chrono::seconds>(options.keep_alive_timeout).count()));
    server.set_pre_routing_handler([this](const Request& req, Response& res) { return pre_route(req, res); });
    server.set_error_handler(httplib::Server::HandlerWithResponse([](const Request&, Response& res) {
      // Statuses httplib answers itself (a malformed request, a URI too long) get the same JSON shape.
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      set_error(res, res.status, service::error_code_of(res.status), "the request could not be read as HTTP");
      return httplib::Server::HandlerResponse::Handled;
    }));
    server.set_exception_handler([this](const Request& req, Response& res, std::exception_ptr ep) {
      std::string what = "unknown error";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      log->error("{} {}: {}", req.method, req.path, what);
      set_error(res, 500, "internal", "the service failed: " + what);
    });
    server.set_logger([this](const Request& req, const Response& res) { access(req, res); });

    server.Get("/health", [this](const Request&, Response& res) {
      if (server.stopping()) {
        res.status = 503;
        res.set_content("{\"status\": \"stopping\"}\n", "application/json");
      } else {
        res.set_content("{\"status\": \"ok\"}\n", "application/json");
      }
    });
    server.Get("/metrics", [this](const Request&, Response& res) {
      res.set_content(metrics.text(), "text/plain; version=0.0.4; charset=utf-8");
    });
    server.Get("/v1/rules", [this](const Request&, Response& res) {
      res.set_content(service::rules_json(current_engine()->rules()), "application/json");
    });
    server.Get("/v1/plugins", [this](const Request&, Response& res) {
      res.set_content(service::plugins_json(current_engine()->plugins()), "application/json");
    });
    auto post = [this](const char* path, std::initializer_list<std::string_view> params,
                       void (Impl::*route)(const Request&, Response&, const std::string&)) {
      std::vector<std::string_view> allowed(params);
      server.Post(path, [this, allowed, route](const Request& req, Response& res, const httplib::ContentReader& reader) {
        body_route(req, res, reader, allowed, [&](const std::string& body) { (this->*route)(req, res, body); });
      });
    };
    post("/v1/check", {"invoice", "name", "currency"}, &Impl::check);
    post("/v1/explain", {"invoice", "line", "format", "name", "currency"}, &Impl::explain_route);
    post("/v1/letter", {"client", "invoice", "format", "name", "currency"}, &Impl::letter_route);
    post("/v1/fix", {"name", "currency", "reissue"}, &Impl::fix_route);
  }

  void access(const Request& req, const Response& res) {
    const auto* conn = service::current_connection();
    const auto latency = conn ? Clock::now() - conn->request_started : Clock::duration{};
    metrics.request(metrics.route_of(req.path), res.status, latency);
    const std::string target = req.target.empty() ? req.path : req.target;
    log->info("{} \"{} {}\" {} {} {:.1f}ms", req.remote_addr, req.method, target, res.status, res.body.size(),
              std::chrono::duration<double, std::milli>(latency).count());
  }
};

Service::Service(ServiceOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Service::~Service() = default;

int Service::bind() {
  auto& o = impl_->options;
  int port = o.port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(o.host);
    if (port < 0) port = 0;
  } else if (!impl_->server.bind_to_port(o.host, port)) {
    port = 0;
  }
  if (port <= 0)
    throw ServiceError("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + std::strerror(errno) +
                       " (is another program using the port? give another with --listen ADDR:PORT)");
  impl_->server.widen_backlog(1024);
  impl_->options.port = port;
  return port;
}

void Service::run() {
  impl_->run_called = true;
  if (impl_->stop_requested) return;
  impl_->server.listen_after_bind();
}

void Service::stop() {
  impl_->stop_requested = true;
  // httplib's stop() only acts on a running server: wait for run() to start it.
  const auto until = Clock::now() + std::chrono::seconds(2);
  while (impl_->run_called && !impl_->server.is_running() && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->server.stop_serving();
}

bool Service::reload() {
  std::lock_guard serial(impl_->reload_mutex);
  const auto& file = impl_->options.config;
  if (file.empty()) {
    impl_->log->warn("reload: no config file was given (-c), so there is nothing to reload");
    return true;
  }
  try {
    auto fresh = impl_->build_engine();
    {
      std::lock_guard lock(impl_->engine_mutex);
      impl_->engine = std::move(fresh);
    }
    impl_->metrics.reload(true);
    impl_->log->info("reloaded the config {}", file.string());
    return true;
  } catch (const ConfigError& e) {
    for (const auto& m : e.messages()) impl_->log->error("{}", m);
    impl_->log->error("the new config {} was refused; still serving with the one loaded before", file.string());
  } catch (const std::exception& e) {
    impl_->log->error("{}; the new config {} was refused; still serving with the one loaded before", e.what(),
                      file.string());
  }
  impl_->metrics.reload(false);
  return false;
}

}  // namespace billcheck
