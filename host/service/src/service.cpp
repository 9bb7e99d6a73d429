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
#include <billcheck/store.hpp>

#include "digest/sha256.hpp"

#include "connection.hpp"
#include "metrics.hpp"
#include "paths.hpp"
#include "record.hpp"
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
using service::HttpError;
using service::set_error;

constexpr std::string_view kGet = "GET", kPost = "POST";

// What each POST route's body is: the media types it takes (JSON; a book
// also as a LEDES file in text/plain), and what to say of a body that is
// missing or of another type.
struct BodyKind {
  std::string_view expects;
  bool ledes_text = false;  // text/plain is taken too (a LEDES 1998B file)
};
constexpr BodyKind kBookBody{"the book as application/json, or a LEDES 1998B file as text/plain", true};
constexpr BodyKind kFindingMoveBody{
    "the move as application/json: {\"action\": \"ack\", \"resolve\", \"waive\" or \"reopen\", ...}"};
constexpr BodyKind kDisputeMoveBody{
    "the move as application/json: {\"action\": \"ack\", \"investigate\", \"uphold\", \"explain\" or \"close\", ...}"};
constexpr BodyKind kNoteBody{"the note as application/json: {\"channel\", \"direction\", \"text\"}"};

// What a client is told of a failure on the server's side: its details (the
// store's path, a library's message) go to the service's log, not to the client.
constexpr std::string_view kSeeTheLog = "; the service's log says why";

const std::vector<ServiceRoute> kRoutes = {
    {kGet, "/health", "200 when the service is ready"},
    {kGet, "/metrics", "Prometheus counters: requests, latency, books checked, findings"},
    {kGet, "/v1/rules", "every rule the engine knows"},
    {kGet, "/v1/plugins", "the plugins found, loaded or refused"},
    {kPost, "/v1/check", "check a book (or one invoice): the report as billcheck check --format json"},
    {kPost, "/v1/explain", "how an invoice (or one line) was worked out"},
    {kPost, "/v1/letter", "the letter to a client about the errors on their invoices"},
    {kPost, "/v1/fix", "the corrected book and the fix summary"},
    // The record (--store): the same operations as billcheck findings, finding, dispute, disputes, runs, audit.
    {kGet, "/v1/runs", "the runs recorded in the store"},
    {kGet, "/v1/findings", "the findings the store keeps, with their state"},
    {kGet, "/v1/findings/{fingerprint}", "one finding as the store keeps it"},
    {kPost, "/v1/findings/{fingerprint}", "move a finding: ack, resolve (with its remedy), waive, reopen"},
    {kGet, "/v1/disputes", "the clients' disputes"},
    {kPost, "/v1/disputes", "open a client's dispute; the book in the body is checked for findings that back it"},
    {kGet, "/v1/disputes/{id}", "one dispute with its notes"},
    {kPost, "/v1/disputes/{id}", "move a dispute: ack, investigate, uphold (with its remedy), explain, close"},
    {kPost, "/v1/disputes/{id}/notes", "add what was said to or by the client to a dispute"},
    {kGet, "/v1/overdue", "disputes nobody answered in time, and instalments past due"},
    {kGet, "/v1/audit", "verify the audit trail's hash chain (?anchor=ID:HASH: and that the newest events are all there)"},
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
        server({options.read_timeout, options.write_timeout, options.keep_alive_timeout, options.threads}),
        check_slots(options.max_checks ? options.max_checks : 4 * std::max(1u, std::thread::hardware_concurrency())) {
    if (options.token.empty() && !is_loopback_address(options.host))
      throw ServiceError("refusing to listen on " + options.host +
                         " without a token: other machines could reach the service; give --token-file FILE, or "
                         "listen on 127.0.0.1");
    engine = build_engine();
    if (const auto path = store_path(); !path.empty()) {
      // Created (or its schema brought up to date) now, so that a store that cannot be used stops the start.
      Store check(path, StoreOptions{options.actor, {}, false});
    }
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
      if (!service::path_matches(r.path, path)) continue;
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
    // A length that is not one run of digits, or two lengths: which one the body has is anybody's guess.
    if (req.has_header("Content-Length")) {
      const std::size_t count = req.get_header_value_count("Content-Length");
      const std::string first = req.get_header_value("Content-Length");
      bool clear = !first.empty() && first.size() <= 19 && first.find_first_not_of("0123456789") == std::string::npos;
      for (std::size_t i = 1; i < count; ++i) clear = clear && req.get_header_value("Content-Length", i) == first;
      if (!clear) {
        set_error(res, 400, "bad_request", "the request's Content-Length is not one whole number of bytes");
        if (auto* conn = service::current_connection()) conn->keep_alive = false;
        res.set_header("Connection", "close");
        return HR::Handled;
      }
    }
    // Query values reach the record and its audit trail as text: UTF-8 without NULs, or refused here.
    for (const auto& [name, value] : req.params) {
      if (!service::is_text(value)) {
        set_error(res, 400, "bad_request", "query parameter '" + service::shown(name) + "' is not UTF-8 text (or holds a NUL)");
        leave_body_unread(req, res);
        return HR::Handled;
      }
    }
    bool path_known = false;
    if (find_route(req.path, req.method, path_known)) return HR::Unhandled;
    if (path_known) {
      std::string allow;
      for (const auto& r : kRoutes)
        if (service::path_matches(r.path, req.path)) allow += (allow.empty() ? "" : ", ") + std::string(r.method);
      set_error(res, 405, "method_not_allowed", req.method + " is not served at " + service::shown(req.path) + "; use " + allow);
      res.set_header("Allow", allow);
    } else {
      set_error(res, 404, "not_found", "no route " + service::shown(req.path) + " (GET /v1/rules, POST /v1/check, ...: see docs/schema/openapi.yaml)");
    }
    leave_body_unread(req, res);
    return HR::Handled;
  }

  /// Reads the body within the size limit; throws HttpError when it cannot.
  /// `kind`: what the route's body is (kBookBody, ...): the types it takes, and
  /// what to say of one missing or of another type.
  std::string read_body(const Request& req, Response& res, const httplib::ContentReader& reader,
                        const BodyKind& kind) {
    const std::string_view expects = kind.expects;
    const std::string type = media_type(req);
    if (type != "application/json" && !(kind.ledes_text && type == "text/plain")) {
      leave_body_unread(req, res);
      throw HttpError{415, "unsupported_media_type",
                      "send " + std::string(expects) + " (Content-Type was '" + req.get_header_value("Content-Type") + "')",
                      {}};
    }
    if (!has_body(req)) {
      // Without a length or chunks, httplib would read until the client closes.
      throw HttpError{400, "bad_request", "the request has no body: send " + std::string(expects), {}};
    }
    if (req.has_header("Content-Length") && req.get_header_value<std::uint64_t>("Content-Length") > options.max_body) {
      leave_body_unread(req, res);
      throw HttpError{413, "too_large", too_large_message(), {}};
    }
    std::string body;
    // One allocation when the length is given (it was checked against the limit above).
    if (req.has_header("Content-Length")) body.reserve(req.get_header_value<std::uint64_t>("Content-Length"));
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

  /// Runs `route` once the request's parameters are known ones, turning what
  /// it throws into the error answer.
  template <class Route>
  void guarded(const Request& req, Response& res, const std::vector<std::string_view>& params, Route route) {
    try {
      for (const auto& [name, value] : req.params)
        if (std::find(params.begin(), params.end(), name) == params.end()) {
          std::string known;
          for (auto p : params) known += (known.empty() ? "" : ", ") + std::string(p);
          if (known.empty()) known = "no parameters";
          leave_body_unread(req, res);
          throw HttpError{400, "bad_request",
                          "unknown parameter '" + service::shown(name) + "' (" + service::shown(req.path) + " takes " + known + ")", {}};
        }
      route();
    } catch (const HttpError& e) {
      set_error(res, e.status, e.code, e.message, e.problems);
      if (e.status == 503) res.set_header("Retry-After", "1");
    } catch (const BookError& e) {
      set_error(res, 400, "bad_book", "the book was not loaded; fix the problems listed and send it again",
                e.messages());
    } catch (const UnknownRecord& e) {
      set_error(res, 404, "not_found", e.what());
    } catch (const NotInStore& e) {
      set_error(res, 404, "not_found", not_in_record(e));
    } catch (const InvalidMove& e) {
      set_error(res, 409, "conflict", e.what());  // the message lists the moves allowed now
    } catch (const StoreBusy& e) {
      // Another writer held the record past the busy timeout: the same request may pass in a moment.
      log->warn("{} {}: {}", req.method, req.path, e.what());
      set_error(res, 503, "busy", "the record is busy: another program kept it locked; nothing was changed; try again");
      res.set_header("Retry-After", "5");
    } catch (const StoreUnusable& e) {
      log->error("{} {}: {}", req.method, req.path, e.what());
      set_error(res, 500, "internal", std::string("the record cannot be used; nothing was changed") + std::string(kSeeTheLog));
    } catch (const StoreError& e) {
      set_error(res, 400, "bad_request", e.what());
    } catch (const std::exception& e) {
      log->error("{} {}: {}", req.method, req.path, e.what());
      set_error(res, 500, "internal", "the service failed on this request" + std::string(kSeeTheLog));
    }
  }

  /// What the record does not have, without the store's file (what() names it for
  /// the CLI's user; a client of the service has no business with the server's files).
  static std::string not_in_record(const NotInStore& e) {
    if (e.kind() == "dispute") return "no dispute " + e.key() + " in the record; GET /v1/disputes lists them";
    return "no finding '" + service::shown(e.key()) + "' in the record" +
           (e.key().size() < 6 ? " (a fingerprint's first 6 characters or more name a finding)" : "") +
           "; GET /v1/findings lists them with their fingerprints";
  }

  /// `guarded`, with the body read within the size limit.
  template <class Route>
  void body_route(const Request& req, Response& res, const httplib::ContentReader& reader,
                  const std::vector<std::string_view>& params, const BodyKind& kind, Route route) {
    guarded(req, res, params, [&] { route(read_body(req, res, reader, kind)); });
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
    // The report in the form `billcheck check --format` names (json unless asked).
    const std::string format = req.has_param("format") ? param(req, "format") : "json";
    static const std::set<std::string> kFormats = {"json", "text", "html", "csv", "xlsx"};
    if (!kFormats.contains(format))
      throw HttpError{400, "bad_request", "format: '" + format + "' is not one of json, text, html, csv, xlsx", {}};
    CheckSlot slot(*this);
    const auto engine = current_engine();
    Book book(read_request_book(req, body));
    const std::string invoice = param(req, "invoice");
    Report report =
        req.has_param("invoice") ? engine->check_invoice(book, invoice, check_options()) : engine->check(book, check_options());
    metrics.checked(report.summary.by_category);
    if (flag_param(req, "record")) record(req, res, body, book, report, *engine);
    std::ostringstream out;
    if (format == "json") {
      write_json(out, report);
      res.set_content(out.str(), "application/json");
    } else if (format == "text") {
      write_text(out, report, book);
      res.set_content(out.str(), "text/plain; charset=utf-8");
    } else if (format == "html") {
      write_html(out, report, book, HtmlOptions{req.has_param("name") ? param(req, "name") : std::string()});
      res.set_content(out.str(), "text/html; charset=utf-8");
    } else if (format == "csv") {
      write_csv(out, report);
      res.set_content(out.str(), "text/csv; charset=utf-8");
    } else {
      write_xlsx(out, report);
      res.set_content(out.str(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    }
  }

  bool flag_param(const Request& req, const char* name) const {
    if (!req.has_param(name)) return false;
    const std::string v = param(req, name);
    if (v == "true" || v == "1" || v.empty()) return true;
    if (v == "false" || v == "0") return false;
    throw HttpError{400, "bad_request", std::string(name) + " is true or false, not '" + v + "'", {}};
  }

  // ---- the record ----

  std::filesystem::path store_path() { return options.store.empty() ? current_engine()->config().store : options.store; }

  Store open_store(const std::string& actor, bool read_only) {
    const auto path = store_path();
    if (path.empty())
      throw HttpError{404, "no_store",
                      "this service keeps no record: start it with --store FILE, or set store: in its billcheck.yaml", {}};
    try {
      return Store(path, StoreOptions{actor, {}, read_only});
    } catch (const StoreBusy&) {
      throw;  // a 503: try again
    } catch (const StoreError& e) {
      // The server's file and its state are no business of the client's (guarded logs the request too).
      log->error("the record: {}", e.what());
      throw HttpError{500, "internal", "the record cannot be used" + std::string(kSeeTheLog), {}};
    }
  }

  /// Records a check of the request's book (POST /v1/check?record=true) and
  /// completes its report from the record, as `billcheck check --store` does.
  void record(const Request& req, Response& res, const std::string& body, const Book& book, Report& report, const Engine& engine) {
    // An incomplete check would make the findings of the rules that did not run look fixed.
    if (report.has_internal_errors() || !report.refused.empty())
      throw HttpError{500, "incomplete",
                      "the check was incomplete (a rule failed or a plugin was refused), so it was not recorded", {}};
    Store store = open_store(req.has_param("by") ? service::checked_actor(param(req, "by")) : std::string(), false);
    RunInfo info;
    info.book = req.has_param("name") ? param(req, "name") : "<body>";
    info.book_digest = sha256_hex(body);
    if (const auto& file = engine.config().file; !file.empty()) {
      info.config = file.string();
      std::string why;
      info.config_digest = detail::sha256_hex_file(file, why).value_or("");
    }
    info.invoice = param(req, "invoice");
    const RunRecord run = store.record_run(report, book, info);
    res.set_header("Billcheck-Run", std::to_string(run.id));
  }

  static std::int64_t dispute_id(const Request& req) {
    const std::string id = req.matches[1];
    if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos)
      throw HttpError{404, "not_found", "'" + service::shown(id) + "' is not a dispute number", {}};
    return std::stoll(id);
  }

  void runs_route(const Request&, Response& res) {
    res.set_content(service::runs_json(open_store({}, true).runs()), "application/json");
  }

  void findings_route(const Request& req, Response& res) {
    FindingFilter filter;
    for (std::size_t i = 0; i < req.get_param_value_count("status"); ++i)
      filter.status.push_back(req.get_param_value("status", i));
    filter.client = param(req, "client");
    filter.invoice = param(req, "invoice");
    filter.rule = param(req, "rule");
    res.set_content(service::findings_json(open_store({}, true).findings(filter)), "application/json");
  }

  void finding_route(const Request& req, Response& res) {
    res.set_content(service::pretty(to_json(open_store({}, true).finding(req.matches[1]))), "application/json");
  }

  void move_finding_route(const Request& req, Response& res, const std::string& body) {
    const FindingMove move = service::finding_move_from_json(body);
    Store store = open_store(service::actor_from_json(body, options.actor), false);
    res.set_content(service::pretty(to_json(store.move_finding(req.matches[1], move))), "application/json");
  }

  void disputes_route(const Request& req, Response& res) {
    res.set_content(service::disputes_json(open_store({}, true).disputes(param(req, "state"))), "application/json");
  }

  /// POST /v1/disputes?invoice=ID&reason=R&says=TEXT: the body is the book the
  /// invoice is in, checked for the findings that back the client's point.
  void open_dispute_route(const Request& req, Response& res, const std::string& body) {
    for (const char* required : {"invoice", "reason", "says"})
      if (param(req, required).empty())
        throw HttpError{400, "bad_request", std::string("give the dispute's ") + required + ": ?" + required + "=...", {}};
    const std::string invoice_id = param(req, "invoice"), line = param(req, "line"), reason = param(req, "reason");
    const auto engine = current_engine();
    std::optional<Book> book;
    Report report;
    {
      CheckSlot slot(*this);
      book.emplace(read_request_book(req, body));
      report = engine->check_invoice(*book, invoice_id, check_options());  // UnknownInvoice: 404
    }
    check_disputed_line(*book, invoice_id, line);  // UnknownRecord: 404
    const Invoice* invoice = book->invoice(invoice_id);
    const auto found = confirming_findings(report, invoice_id, line, reason);
    const auto& disputes = engine->config().disputes;
    DisputeRequest request{invoice_id, line, invoice ? invoice->client_id : std::string(), reason, param(req, "says"),
                           param(req, "received"), disputes.respond_within_days, disputes.reason_codes};
    Store store = open_store(req.has_param("by") ? service::checked_actor(param(req, "by")) : options.actor, false);
    res.status = 201;
    res.set_content(service::pretty(to_json(store.open_dispute(request, found))), "application/json");
  }

  void dispute_route(const Request& req, Response& res) {
    res.set_content(service::pretty(to_json(open_store({}, true).dispute(dispute_id(req)))), "application/json");
  }

  void move_dispute_route(const Request& req, Response& res, const std::string& body) {
    const auto id = dispute_id(req);
    const DisputeMove move = service::dispute_move_from_json(body);
    Store store = open_store(service::actor_from_json(body, options.actor), false);
    res.set_content(service::pretty(to_json(store.move_dispute(id, move))), "application/json");
  }

  void note_route(const Request& req, Response& res, const std::string& body) {
    const auto id = dispute_id(req);
    const NoteRequest note = service::note_from_json(body);
    Store store = open_store(service::actor_from_json(body, options.actor), false);
    store.add_note(id, note);
    res.status = 201;
    res.set_content(service::pretty(to_json(store.dispute(id))), "application/json");
  }

  void overdue_route(const Request& req, Response& res) {
    const std::string today = req.has_param("today") ? param(req, "today") : utc_now().substr(0, 10);
    if (!Date::parse_iso(today)) throw HttpError{400, "bad_request", "today: '" + today + "' is not a date (YYYY-MM-DD)", {}};
    res.set_content(service::pretty(to_json(open_store({}, true).overdue(today))), "application/json");
  }

  void audit_route(const Request& req, Response& res) {
    // ?anchor=ID:HASH, a head an earlier call gave: the trail is not intact when that event is gone or differs.
    const std::string anchor = req.has_param("anchor") ? param(req, "anchor") : "";
    res.set_content(service::audit_json(open_store({}, true).verify(anchor)), "application/json");
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
    fix.reissue = flag_param(req, "reissue");
    FixResult result = fix_book(*engine, read_request_book(req, body), check_options(), fix);
    std::ostringstream out;
    out << "{\"book\": ";
    write_book_json(out, result.book);
    out << ", \"summary\": " << fix_summary(result.summary, DocumentFormat::json) << "}\n";
    res.set_content(out.str(), "application/json");
  }

  // ---- wiring ----

  void setup() {
    server.set_payload_max_length(options.max_body);
    server.set_tcp_nodelay(true);
    // What httplib announces in Keep-Alive headers; the connection loop keeps to the same limits.
    server.set_keep_alive_max_count(service::ConnectionLimits{}.requests_per_connection);
    server.set_keep_alive_timeout(std::max<time_t>(1, std::chrono::duration_cast<std::chrono::seconds>(options.keep_alive_timeout).count()));
    server.set_pre_routing_handler([this](const Request& req, Response& res) { return pre_route(req, res); });
    server.set_error_handler(httplib::Server::HandlerWithResponse([](const Request&, Response& res) {
      // Statuses httplib answers itself (a malformed request, a URI too long) get the same JSON shape.
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      set_error(res, res.status, service::error_code_of(res.status),
                res.status == 414 ? "the request line (method, path and query) is over " +
                                        std::to_string(CPPHTTPLIB_REQUEST_URI_MAX_LENGTH) + " bytes; shorten it"
                                  : std::string("the request could not be read as HTTP"));
      // Where a request could not be read, the bytes after it are no request: close rather than read
      // them as the next one (a header line each a 400, then a body smuggled in as a request).
      if (res.status == 400 || res.status == 414 || res.status == 431) {
        if (auto* conn = service::current_connection()) conn->keep_alive = false;
        res.set_header("Connection", "close");
      }
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
      set_error(res, 500, "internal", "the service failed on this request" + std::string(kSeeTheLog));
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
      const auto engine = current_engine();  // one engine for both lists, whatever a reload does meanwhile
      res.set_content(service::plugins_json(engine->plugins(), engine->refused_rules()), "application/json");
    });
    auto post = [this](const char* path, std::initializer_list<std::string_view> params, BodyKind kind,
                       void (Impl::*route)(const Request&, Response&, const std::string&)) {
      std::vector<std::string_view> allowed(params);
      server.Post(service::path_regex(path), [this, allowed, kind, route](const Request& req, Response& res, const httplib::ContentReader& reader) {
        body_route(req, res, reader, allowed, kind, [&](const std::string& body) { (this->*route)(req, res, body); });
      });
    };
    post("/v1/check", {"invoice", "name", "currency", "record", "by", "format"}, kBookBody, &Impl::check);
    post("/v1/explain", {"invoice", "line", "format", "name", "currency"}, kBookBody, &Impl::explain_route);
    post("/v1/letter", {"client", "invoice", "format", "name", "currency"}, kBookBody, &Impl::letter_route);
    post("/v1/fix", {"name", "currency", "reissue"}, kBookBody, &Impl::fix_route);

    auto get = [this](const char* path, std::initializer_list<std::string_view> params,
                      void (Impl::*route)(const Request&, Response&)) {
      std::vector<std::string_view> allowed(params);
      server.Get(service::path_regex(path), [this, allowed, route](const Request& req, Response& res) {
        guarded(req, res, allowed, [&] { (this->*route)(req, res); });
      });
    };
    get("/v1/runs", {}, &Impl::runs_route);
    get("/v1/findings", {"status", "client", "invoice", "rule"}, &Impl::findings_route);
    get("/v1/findings/{fingerprint}", {}, &Impl::finding_route);
    post("/v1/findings/{fingerprint}", {}, kFindingMoveBody, &Impl::move_finding_route);
    get("/v1/disputes", {"state"}, &Impl::disputes_route);
    post("/v1/disputes", {"invoice", "line", "reason", "says", "received", "by", "name", "currency"}, kBookBody,
         &Impl::open_dispute_route);
    get("/v1/disputes/{id}", {}, &Impl::dispute_route);
    post("/v1/disputes/{id}", {}, kDisputeMoveBody, &Impl::move_dispute_route);
    post("/v1/disputes/{id}/notes", {}, kNoteBody, &Impl::note_route);
    get("/v1/overdue", {"today"}, &Impl::overdue_route);
    get("/v1/audit", {"anchor"}, &Impl::audit_route);
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
