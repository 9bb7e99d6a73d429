#include "engine/isolation.hpp"

#include "engine/active_rule.hpp"

#include <billcheck/convert.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace billcheck::detail {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path worker_program() {
  if (const char* env = std::getenv("BILLCHECK_WORKER"); env && *env) return env;
  return bundled_plugin_dir().parent_path() / "billcheck-worker";
}

// ---- the channel ----

bool Channel::wait(short events, std::optional<Clock::time_point> deadline) {
  for (;;) {
    int timeout = -1;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) return false;
      timeout = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    pollfd p{fd_, events, 0};
    int n = ::poll(&p, 1, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    return true;  // readable, writable, or hung up: the read or write says which
  }
}

bool Channel::send(std::string_view bytes, std::optional<Clock::time_point> deadline) {
  unsigned char header[8];
  std::uint64_t n = bytes.size();
  for (int i = 0; i < 8; ++i) header[i] = static_cast<unsigned char>(n >> (8 * i));
  auto write_all = [&](const char* p, std::size_t size) {
    while (size > 0) {
      if (!wait(POLLOUT, deadline)) return false;
      // MSG_NOSIGNAL: a worker that died must not take the host down with SIGPIPE.
      ssize_t w = ::send(fd_, p, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (w <= 0) return false;
      p += w;
      size -= static_cast<std::size_t>(w);
    }
    return true;
  };
  return write_all(reinterpret_cast<const char*>(header), 8) && write_all(bytes.data(), bytes.size());
}

std::optional<std::string> Channel::receive(std::uint64_t limit, std::optional<Clock::time_point> deadline,
                                            std::string& why) {
  auto read_all = [&](char* p, std::size_t size) {
    while (size > 0) {
      if (!wait(POLLIN, deadline)) {
        why = "timeout";
        return false;
      }
      ssize_t r = ::recv(fd_, p, size, MSG_DONTWAIT);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) {
        why = "closed";
        return false;
      }
      p += r;
      size -= static_cast<std::size_t>(r);
    }
    return true;
  };
  unsigned char header[8];
  if (!read_all(reinterpret_cast<char*>(header), 8)) return std::nullopt;
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::uint64_t{header[i]} << (8 * i);
  if (n > limit) {
    why = "a message of " + std::to_string(n) + " bytes, over the limit of " + std::to_string(limit);
    return std::nullopt;
  }
  std::string out(n, '\0');
  if (!read_all(out.data(), n)) return std::nullopt;
  return out;
}

// ---- codecs ----

namespace {

Json location_to_json(const ConfigLocation& w) { return {w.file, w.line, w.column}; }
ConfigLocation location_from_json(const Json& j) {
  return {j.at(0).get<std::string>(), j.at(1).get<int>(), j.at(2).get<int>()};
}

Json rule_settings_to_json(const std::map<std::string, RuleSettings>& rules) {
  Json out = Json::object();
  for (const auto& [id, s] : rules) {
    Json options = Json::object();
    for (const auto& [name, v] : s.options) {
      Json value;
      if (const auto* text = std::get_if<std::string>(&v.value)) value = *text;
      else if (const auto* list = std::get_if<std::vector<std::string>>(&v.value)) value = *list;
      else value = std::get<std::map<std::string, std::string>>(v.value);
      options[name] = {value, location_to_json(v.where)};
    }
    out[id] = {{"enabled", s.enabled},
               {"severity", s.severity ? Json(std::string(to_string(*s.severity))) : Json()},
               {"options", options},
               {"where", location_to_json(s.where)}};
  }
  return out;
}

std::map<std::string, RuleSettings> rule_settings_from_json(const Json& j) {
  std::map<std::string, RuleSettings> out;
  for (const auto& [id, s] : j.items()) {
    RuleSettings r;
    r.enabled = s.at("enabled").get<bool>();
    if (!s.at("severity").is_null()) r.severity = parse_severity(s.at("severity").get<std::string>());
    r.where = location_from_json(s.at("where"));
    for (const auto& [name, v] : s.at("options").items()) {
      ConfigValue value;
      const Json& raw = v.at(0);
      if (raw.is_string()) value.value = raw.get<std::string>();
      else if (raw.is_array()) value.value = raw.get<std::vector<std::string>>();
      else value.value = raw.get<std::map<std::string, std::string>>();
      value.where = location_from_json(v.at(1));
      r.options.emplace(name, std::move(value));
    }
    out.emplace(id, std::move(r));
  }
  return out;
}

// A string field of an untrusted object: absent is empty, anything but a string is an error.
std::string text(const Json& j, const char* key, std::size_t max = 1 << 20) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) throw Error(std::string("field '") + key + "' is not a string");
  std::string s = it->get<std::string>();
  if (s.size() > max) throw Error(std::string("field '") + key + "' is longer than " + std::to_string(max) + " bytes");
  return s;
}

std::optional<OptionType> option_type(std::string_view name) {
  for (OptionType t : {OptionType::boolean, OptionType::integer, OptionType::decimal, OptionType::string,
                       OptionType::string_list, OptionType::decimal_map})
    if (to_string(t) == name) return t;
  return std::nullopt;
}

}  // namespace

Json settings_to_json(const Config& config) {
  Json clients = Json::object();
  for (const auto& [client, rules] : config.clients) clients[client] = rule_settings_to_json(rules);
  return {{"rules", rule_settings_to_json(config.rules)}, {"clients", clients}};
}

void settings_from_json(const Json& j, Config& config) {
  config.rules = rule_settings_from_json(j.at("rules"));
  for (const auto& [client, rules] : j.at("clients").items()) config.clients[client] = rule_settings_from_json(rules);
}

Json rule_info_to_json(const RuleInfo& info) {
  Json options = Json::array();
  for (const auto& o : info.options)
    options.push_back({{"name", o.name}, {"type", std::string(to_string(o.type))}, {"default", o.default_text},
                       {"description", o.description}});
  return {{"id", info.id}, {"title", info.title}, {"category", info.category},
          {"severity", std::string(to_string(info.severity))}, {"description", info.description},
          {"options", options}, {"scope", std::string(to_string(info.scope))},
          {"reach", std::string(to_string(info.reach))},
          {"single_threaded", info.single_threaded}, {"origin", info.origin}};
}

RuleInfo rule_info_from_json(const Json& j) {
  if (!j.is_object()) throw Error("a rule is not an object");
  RuleInfo info;
  info.id = text(j, "id", 200);
  if (info.id.empty()) throw Error("a rule has no id");
  info.title = text(j, "title");
  info.category = text(j, "category", 100);
  if (!is_category(info.category)) throw Error("rule '" + info.id + "': '" + info.category + "' is not a category");
  auto sev = parse_severity(text(j, "severity", 20));
  auto scope = parse_scope(text(j, "scope", 20));
  if (!sev || !scope) throw Error("rule '" + info.id + "': bad severity or scope");
  info.severity = *sev;
  info.scope = *scope;
  // A worker of this same build always sends it; "book" is what a rule that declares nothing needs.
  if (auto reach = parse_reach(j.value("reach", std::string("book")))) info.reach = *reach;
  info.description = text(j, "description");
  info.single_threaded = j.value("single_threaded", false);
  info.origin = text(j, "origin", 1000);
  if (auto o = j.find("options"); o != j.end() && o->is_array()) {
    for (const auto& spec : *o) {
      auto type = option_type(text(spec, "type", 100));
      if (!type) throw Error("rule '" + info.id + "': an option of unknown type");
      info.options.push_back({text(spec, "name", 200), *type, text(spec, "default"), text(spec, "description")});
    }
  }
  return info;
}

Json finding_to_wire(const Finding& f) {
  Json j = {{"rule", f.rule},       {"severity", std::string(to_string(f.severity))},
            {"category", f.category}, {"message", f.message},
            {"client", f.client},   {"engagement", f.engagement},
            {"invoice", f.invoice}, {"line", f.line},
            {"payment", f.payment}, {"credit_note", f.credit_note},
            {"time_entry", f.time_entry}, {"currency", f.currency},
            {"discriminator", f.discriminator}};
  if (f.amount_at_stake) j["amount_at_stake"] = f.amount_at_stake->to_string();
  if (!f.evidence.empty()) j["evidence"] = f.evidence;
  if (f.fix) j["fix"] = {f.fix->field, f.fix->current, f.fix->suggested};
  return j;
}

Finding finding_from_wire(const Json& j) {
  if (!j.is_object()) throw Error("a finding is not an object");
  Finding f;
  f.rule = text(j, "rule", 200);
  auto sev = parse_severity(text(j, "severity", 20));
  if (!sev) throw Error("a finding of rule '" + f.rule + "' has no valid severity");
  f.severity = *sev;
  f.category = text(j, "category", 100);
  if (!is_category(f.category)) throw Error("a finding of rule '" + f.rule + "' has an unknown category");
  // A message may be as long as a rule in process makes it (the reply as a
  // whole is bounded, by kMaxWorkerMessage): an isolated rule's findings are
  // the ones it reports in process, not a refused reply.
  f.message = text(j, "message", kMaxWorkerMessage);
  f.client = text(j, "client");
  f.engagement = text(j, "engagement");
  f.invoice = text(j, "invoice");
  f.line = text(j, "line");
  f.payment = text(j, "payment");
  f.credit_note = text(j, "credit_note");
  f.time_entry = text(j, "time_entry");
  f.currency = text(j, "currency", 10);
  f.discriminator = text(j, "discriminator");
  if (std::string amount = text(j, "amount_at_stake", 64); !amount.empty()) {
    f.amount_at_stake = Decimal::parse(amount);
    if (!f.amount_at_stake) throw Error("a finding of rule '" + f.rule + "' has an amount that is not a decimal");
  }
  if (auto e = j.find("evidence"); e != j.end()) {
    if (!e->is_array() || e->size() > 1000) throw Error("a finding of rule '" + f.rule + "' has malformed evidence");
    for (const auto& pair : *e) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
        throw Error("a finding of rule '" + f.rule + "' has malformed evidence");
      f.evidence.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  if (auto x = j.find("fix"); x != j.end()) {
    if (!x->is_array() || x->size() != 3 || !(*x)[0].is_string() || !(*x)[1].is_string() || !(*x)[2].is_string())
      throw Error("a finding of rule '" + f.rule + "' has a malformed fix");
    f.fix = Fix{(*x)[0].get<std::string>(), (*x)[1].get<std::string>(), (*x)[2].get<std::string>()};
  }
  return f;
}

// ---- the host's side ----

IsolatedSource::IsolatedSource(IsolatedSpec spec, const Config& config)
    : spec_(std::move(spec)), rule_seconds_(config.limits.rule_seconds), memory_(config.limits.memory) {
  setup_ = {{"kind", spec_.kind}, {"path", spec_.path.string()}, {"settings", settings_to_json(config)}};
  if (spec_.pin) setup_["pin"] = {spec_.pin->sha256, spec_.pin->where};
  record_.path = spec_.path;
  record_.name = spec_.path.stem().string();
}

IsolatedSource::~IsolatedSource() { stop(); }

bool IsolatedSource::spawn(std::string& why) const {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    why = std::string("cannot create a socket: ") + std::strerror(errno);
    return false;
  }
  const std::string program = worker_program().string();
  const std::string memory = std::to_string(memory_);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The worker's channel is fd 3; its stdin is empty and its stdout goes to
  // the host's stderr, so a rule that prints cannot corrupt the channel.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, 2, 1);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 3);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Nothing else of the host's (a service's listening socket, open books) reaches the worker.
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);
#endif
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Default signal handling in the worker whatever the host ignores or blocks.
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> argv{const_cast<char*>(program.c_str()), const_cast<char*>("--memory"),
                          const_cast<char*>(memory.c_str()), nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    why = "cannot start the worker program " + program + ": " + std::strerror(rc);
    return false;
  }
  process_.pid = pid;
  process_.channel = Channel(sv[0]);
  return true;
}

// Ends the worker (closing its channel ends a healthy one; SIGKILL the rest) and reaps it.
void IsolatedSource::stop() const {
  if (process_.pid < 0) return;
  ::close(process_.channel.fd());
  ::kill(process_.pid, SIGKILL);
  int status = 0;
  while (::waitpid(process_.pid, &status, 0) < 0 && errno == EINTR) {
  }
  process_ = Process{};
}

namespace {

std::string signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (segmentation fault)";
    case SIGABRT: return "SIGABRT (abort)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGFPE: return "SIGFPE (arithmetic error)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGKILL: return "SIGKILL (killed, perhaps out of memory)";
    case SIGTERM: return "SIGTERM";
    default: {
      const char* d = ::strsignal(sig);
      return "signal " + std::to_string(sig) + (d ? std::string(" (") + d + ")" : "");
    }
  }
}

}  // namespace

// How the worker ended, for the internal finding; reaps it.
std::string IsolatedSource::describe_end(bool timed_out) const {
  if (timed_out) {
    stop();
    return "did not finish within " + std::to_string(rule_seconds_ * std::max<std::size_t>(1, rule_ids_.size())) +
           " s (limits.rule_seconds: " + std::to_string(rule_seconds_) + " per rule) and was stopped";
  }
  ::close(process_.channel.fd());
  int status = 0;
  // The channel closed: the worker is ending; give it a moment, then make sure.
  auto until = Clock::now() + std::chrono::seconds(2);
  pid_t r = 0;
  while ((r = ::waitpid(process_.pid, &status, WNOHANG)) == 0 && Clock::now() < until) ::usleep(2000);
  if (r == 0) {
    ::kill(process_.pid, SIGKILL);
    ::waitpid(process_.pid, &status, 0);
  }
  process_ = Process{};
  if (r > 0 && WIFSIGNALED(status)) return "crashed with " + signal_name(WTERMSIG(status));
  if (r > 0 && WIFEXITED(status)) return "exited (status " + std::to_string(WEXITSTATUS(status)) + ")";
  return "stopped answering";
}

std::string IsolatedSource::culprit() const {
  std::string who = spec_.kind == "python" ? "Python rule file " + spec_.path.string()
                                           : "plugin " + record_.name + " (" + spec_.path.string() + ")";
  return who;
}

Finding IsolatedSource::failure(const std::string& what, const Json& last, const std::string& running) const {
  Finding f;
  f.rule = rule_ids_.empty() ? record_.name : rule_ids_.front();
  std::string rules;
  for (const auto& id : rule_ids_) rules += (rules.empty() ? "" : ", ") + id;
  std::string at = " while its rules (" + rules + ") checked the book";
  // The rule the worker said it was starting: the one that was running, when no last word says more.
  if (std::find(rule_ids_.begin(), rule_ids_.end(), running) != rule_ids_.end()) {
    f.rule = running;
    at = " while rule " + running + " checked the book";
  }
  // The worker's last word, when it had time for one: the rule and the record.
  if (last.is_object()) {
    try {
      const std::string rule = text(last, "rule", 200);
      if (std::find(rule_ids_.begin(), rule_ids_.end(), rule) != rule_ids_.end()) {
        f.rule = rule;
        at = " while rule " + rule + " checked " + text(last, "where", 2000);
        f.invoice = text(last, "invoice", 2000);
        f.line = text(last, "line", 20);
      }
    } catch (const Error&) {  // a garbled last word: say what is certain
    }
  }
  f.message = "The " + culprit() + " " + what + at + "; the findings of its rules (" + rules +
              ") are missing from this report, the other rules' are complete. Report this to its author.";
  make_internal(f);
  return f;
}

void IsolatedSource::start(std::vector<std::string>& errors) {
  std::lock_guard lock(mutex_);
  std::string why;
  auto fail = [&](const std::string& what) {
    record_.loaded = false;
    record_.error = what;
    loaded_ = false;
  };
  if (!spawn(why)) return fail(why);
  const auto deadline = Clock::now() + std::chrono::seconds(rule_seconds_);
  std::optional<std::string> reply;
  if (process_.channel.send(setup_.dump(-1, ' ', false, Json::error_handler_t::replace), deadline)) reply = process_.channel.receive(kMaxWorkerMessage, deadline, why);
  if (!reply) return fail("was refused: its worker " + describe_end(why == "timeout") + " while loading it");
  try {
    Json j = Json::parse(*reply);
    const Json& rec = j.at("record");
    record_.name = text(rec, "name", 200);
    record_.version = text(rec, "version", 200);
    record_.sdk_version = text(rec, "sdk_version", 200);
    record_.compiler = text(rec, "compiler", 500);
    record_.cxx_library = text(rec, "cxx_library", 200);
    record_.abi_major = rec.value("abi_major", 0u);
    record_.abi_minor = rec.value("abi_minor", 0u);
    record_.loaded = rec.at("loaded").get<bool>();
    record_.error = text(rec, "error");
    if (const auto refused = rec.find("refused_rules"); refused != rec.end())
      for (const auto& r : *refused) refused_rules_.push_back({text(r, "id", 200), text(r, "reason")});
    if (spec_.kind == "python") record_.name = spec_.path.filename().string();
    for (const auto& r : j.at("rules")) {
      RuleInfo info = rule_info_from_json(r);
      record_.rules.push_back(info.id);
      rule_ids_.push_back(info.id);
      rules_.push_back({std::move(info), [](const Options&) -> std::unique_ptr<Rule> {
                          throw Error("an isolated rule runs in its worker, not in the host");
                        }});
    }
    for (const auto& e : j.at("errors")) errors.push_back(e.get<std::string>());
    loaded_ = spec_.kind == "python" ? !rule_ids_.empty() || j.at("errors").empty() : record_.loaded;
  } catch (const std::exception& e) {
    stop();
    return fail(std::string("was refused: its worker answered with a malformed message (") + e.what() + ")");
  }
}

// {"last": {...}} from a worker's signal handler, or null.
Json IsolatedSource::last_word(const std::optional<std::string>& message) {
  if (!message || message->size() > (1 << 16)) return nullptr;
  Json j = Json::parse(*message, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("last")) return nullptr;
  return j["last"];
}

// The record a finding is about, by its keys: its source in the host's book
// (the worker read a copy without file names and lines).
void IsolatedSource::fill_source(const Book& book, Finding& f) const {
  f.file.clear();
  f.source_line = 0;
  auto set = [&](const Source& s) {
    f.file = book.file_of(s);
    f.source_line = s.line;
  };
  if (!f.line.empty() && !f.invoice.empty()) {
    if (const Invoice* inv = book.invoice(f.invoice))
      for (const auto& l : book.lines_of(*inv))
        if (std::to_string(l.line_no) == f.line) return set(l.source);
    return;
  }
  if (!f.payment.empty()) {
    if (const Payment* p = book.payment(f.payment)) set(p->source);
    return;
  }
  if (!f.credit_note.empty()) {
    for (const auto& n : book.credit_notes())
      if (n.id == f.credit_note) return set(n.source);
    return;
  }
  if (!f.invoice.empty()) {
    if (const Invoice* inv = book.invoice(f.invoice)) set(inv->source);
    return;
  }
  if (!f.engagement.empty()) {
    if (const Engagement* e = book.engagement(f.engagement)) set(e->source);
    return;
  }
  if (!f.client.empty())
    if (const Client* c = book.client(f.client)) set(c->source);
}

BookCopy::BookCopy(const Book& book) {
  std::error_code ec;
  const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string pattern = (base / "billcheck-book-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw Error("cannot create a folder in " + base.string() + " for the isolated rules: " +
                                              std::strerror(errno));
  dir_ = pattern;
  try {
    write_book_csv(dir_, book);
  } catch (...) {
    fs::remove_all(dir_, ec);
    throw;
  }
}

BookCopy::~BookCopy() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void IsolatedSource::preload(const BookSource& source, const std::string& stamp) const {
  std::lock_guard lock(mutex_);
  if (!loaded_ || rule_ids_.empty() || process_.pid < 0 || !pending_.empty()) return;
  const Json request = {{"load", {{"source", source_to_json(source)}, {"stamp", stamp}}}};
  if (process_.channel.send(request.dump(-1, ' ', false, Json::error_handler_t::replace),
                            Clock::now() + std::chrono::seconds(rule_seconds_)))
    pending_ = stamp;
}

std::vector<Finding> IsolatedSource::check(const Book& book, const BookFeed& feed, const Selection& sel) const {
  std::lock_guard lock(mutex_);
  if (!loaded_ || rule_ids_.empty()) return {};
  // A failure about a record is placed with it: its client and source.
  std::string running;  // the rule the worker last said it was starting
  auto fail = [&](const std::string& what, const Json& last = nullptr) -> std::vector<Finding> {
    Finding f = failure(what, last, running);
    if (const Invoice* inv = f.invoice.empty() ? nullptr : book.invoice(f.invoice)) {
      f.client = inv->client_id;
      f.engagement = inv->engagement_id;
      f.currency = inv->currency;
      fill_source(book, f);
    }
    return {std::move(f)};
  };
  std::string why;
  if (process_.pid < 0) {
    // Replaced after a failure: the new worker loads the same code again.
    pending_.clear();
    std::optional<std::string> reply;
    const auto deadline = Clock::now() + std::chrono::seconds(rule_seconds_);
    if (!spawn(why)) return fail("could not be restarted (" + why + ")");
    if (process_.channel.send(setup_.dump(-1, ' ', false, Json::error_handler_t::replace), deadline))
      reply = process_.channel.receive(kMaxWorkerMessage, deadline, why);
    if (!reply) return fail(describe_end(why == "timeout") + " while loading");
  }
  // The worker's load of the book and its rules share one deadline, as when it read a copy.
  const auto deadline = Clock::now() + std::chrono::seconds(rule_seconds_) * static_cast<long>(rule_ids_.size());
  std::vector<Finding> failed;
  auto ask = [&](const Json& request) {
    return process_.channel.send(request.dump(-1, ' ', false, Json::error_handler_t::replace), deadline);
  };
  // The worker's next answer (past its word of each rule it starts); or
  // nothing, with `failed` saying how it ended.
  auto answer = [&]() -> std::optional<Json> {
    std::optional<std::string> reply = process_.channel.receive(kMaxWorkerMessage, deadline, why);
    while (reply && reply->size() <= 1024) {
      const Json word = Json::parse(*reply, nullptr, false);
      if (!word.is_object() || word.size() != 1 || !word.contains("running") || !word["running"].is_string()) break;
      running = word["running"].get<std::string>();
      reply = process_.channel.receive(kMaxWorkerMessage, deadline, why);
    }
    if (!reply && why == "timeout") {
      // Ask what it is stuck on (its SIGUSR1 handler answers), then stop it.
      ::kill(process_.pid, SIGUSR1);
      std::string ignored;
      auto word = process_.channel.receive(1 << 16, Clock::now() + std::chrono::seconds(1), ignored);
      failed = fail(describe_end(true), last_word(word));
      return std::nullopt;
    }
    if (!reply && why == "closed") {
      failed = fail(describe_end(false));
      return std::nullopt;
    }
    if (!reply) {
      stop();
      failed = fail("sent " + why);
      return std::nullopt;
    }
    if (Json last = last_word(reply); !last.is_null()) {
      failed = fail(describe_end(false), last);
      return std::nullopt;
    }
    Json j = Json::parse(*reply, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      stop();
      failed = fail("sent a reply that is not valid (not a JSON object)");
      return std::nullopt;
    }
    return j;
  };
  auto gone = [&] { return fail(describe_end(false)); };

  // The book: the source's own files, which the worker may have begun to load; else the copy.
  Json request = {{"invoice", sel.only_invoice}};
  bool held = false;
  if (!pending_.empty() && (!feed.source || pending_ != feed.stamp)) {
    if (!answer()) return failed;  // a load this check does not use: its answer is not wanted
    pending_.clear();
  }
  if (feed.source) {
    if (pending_.empty() && !ask({{"load", {{"source", source_to_json(*feed.source)}, {"stamp", feed.stamp}}}}))
      return gone();
    pending_.clear();
    auto loaded = answer();
    if (!loaded) return failed;
    held = loaded->value("loaded", false) == true;
  }
  if (held) {
    request["held"] = feed.stamp;
  } else {
    auto dir = feed.copy(why);
    if (!dir) return {failure(why)};
    request["book"] = dir->string();
  }
  if (!ask(request)) return gone();
  auto reply = answer();
  if (!reply) return failed;
  std::vector<Finding> out;
  try {
    if (auto crash = reply->find("failed"); crash != reply->end())
      throw Error("reported a failure: " + crash->get<std::string>());
    for (const auto& raw : reply->at("findings")) {
      Finding f = finding_from_wire(raw);
      if (std::find(rule_ids_.begin(), rule_ids_.end(), f.rule) == rule_ids_.end())
        throw Error("sent a finding of rule '" + f.rule + "', which is not one of its rules");
      fill_source(book, f);
      out.push_back(std::move(f));
    }
  } catch (const std::exception& e) {
    stop();
    return fail(std::string("sent a reply that is not valid (") + e.what() + ")");
  }
  return out;
}

// ---- the book's own files ----

std::string source_stamp(const BookSource& source) {
  std::string out;
  auto file = [&](const fs::path& p, const struct stat& st) {
    out += p.string();
    out += '\0';
    out += std::to_string(st.st_size) + ' ' + std::to_string(st.st_mtim.tv_sec) + '.' +
           std::to_string(st.st_mtim.tv_nsec) + ' ' + std::to_string(st.st_ino) + '\n';
  };
  auto add = [&](const fs::path& p) {
    struct stat st {};
    if (p.empty() || ::stat(p.c_str(), &st) != 0) return false;
    if (S_ISREG(st.st_mode)) {
      file(p, st);
      return true;
    }
    if (!S_ISDIR(st.st_mode)) return false;
    // A CSV folder, or a folder of parts (CSV folders or JSON books) with the reference tables.
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it.depth() >= 1) it.disable_recursion_pending();
      files.push_back(it->path());
    }
    if (ec) return false;
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      if (::stat(f.c_str(), &st) == 0 && S_ISREG(st.st_mode)) file(f, st);
    return true;
  };
  if (!add(source.path)) return {};
  if (!source.options.reference.empty() && !add(source.options.reference)) return {};
  return out;
}

Json source_to_json(const BookSource& source) {
  return {{"path", source.path.string()},
          {"reference", source.options.reference.string()},
          {"ledes_currency", source.options.ledes_currency},
          {"max_file_bytes", source.options.max_file_bytes}};
}

BookSource source_from_json(const Json& j) {
  BookSource s;
  s.path = j.at("path").get<std::string>();
  s.options.reference = j.at("reference").get<std::string>();
  s.options.ledes_currency = j.at("ledes_currency").get<std::string>();
  s.options.max_file_bytes = j.at("max_file_bytes").get<std::uintmax_t>();
  return s;
}

}  // namespace billcheck::detail
