// billcheck-worker: runs one isolated plugin or Python rule file for the host
// (engine/isolation.hpp). It limits its own memory before it loads anything,
// then answers the host over fd 3: the setup (what to load, the rules'
// settings) with the rules it loaded, then for each book (a CSV folder the
// host wrote) the raw findings.
#include "engine/active_rule.hpp"
#include "engine/isolation.hpp"
#include "engine/log.hpp"
#include "engine/run.hpp"
#include "hosting/python_rules.hpp"

#include <billcheck/load.hpp>

#include <csignal>
#include <cstring>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

// AddressSanitizer reserves terabytes of address space for its shadow memory
// at start, so a worker built with it (./dev sanitize) cannot run under an
// address-space limit: there `limits.memory` is not applied (the test of a
// runaway allocation is labelled nosan).
#if defined(__SANITIZE_ADDRESS__)
#define BILLCHECK_WORKER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BILLCHECK_WORKER_ASAN 1
#endif
#endif
#ifndef BILLCHECK_WORKER_ASAN
#define BILLCHECK_WORKER_ASAN 0
#endif

namespace {

using namespace billcheck;
using namespace billcheck::detail;

// The rules this worker runs, built once from the host's settings.
struct Loaded {
  Json record = Json::object();
  std::deque<RegisteredRule> rules;  // deque: the active rules point at their RuleInfo
  std::vector<ActiveRule> active;
  std::vector<std::string> errors;
};

Loaded load(const Json& setup) {
  Loaded out;
  Config config;
  settings_from_json(setup.at("settings"), config);
  const std::filesystem::path path = setup.at("path").get<std::string>();
  std::vector<RegisteredRule> found;
  if (setup.at("kind") == "plugin") {
    static PluginLog log("");
    std::optional<PluginPin> pin;
    if (auto p = setup.find("pin"); p != setup.end()) pin = PluginPin{p->at(0), p->at(1)};
    LoadedPlugin p = load_plugin(path, log, pin ? &*pin : nullptr);
    out.record = {{"name", p.record.name},         {"version", p.record.version},
                  {"sdk_version", p.record.sdk_version}, {"compiler", p.record.compiler},
                  {"cxx_library", p.record.cxx_library}, {"abi_major", p.record.abi_major},
                  {"abi_minor", p.record.abi_minor},   {"loaded", p.record.loaded},
                  {"error", p.record.error}};
    Json refused = Json::array();
    for (const auto& r : p.refused_rules) refused.push_back({{"id", r.id}, {"reason", r.reason}});
    out.record["refused_rules"] = std::move(refused);
    for (auto& r : p.rules) r.info.origin = "plugin " + p.record.name;
    found = std::move(p.rules);
  } else {
    found = load_python_rules({path}, out.errors);
    for (auto& r : found)
      if (r.info.origin.empty()) r.info.origin = "Python";
    out.record = {{"name", path.filename().string()}, {"loaded", out.errors.empty()}};
  }
  for (auto& r : found) out.rules.push_back(std::move(r));
  for (const auto& reg : out.rules)
    if (auto a = activate(reg, config, out.errors)) out.active.push_back(std::move(*a));
  return out;
}

// The book the host asked this worker to load from its own files (a "load"
// request), kept for the check that follows.
struct Held {
  std::string stamp;
  std::optional<Book> book;
};

// Loads the book's files, if they are still those the host saw (the same stamp
// before and after): {"loaded": true}, or false with why (the host then sends a copy).
Json hold(Held& held, const Json& request) {
  held = {};
  const BookSource source = source_from_json(request.at("source"));
  const std::string stamp = request.at("stamp").get<std::string>();
  auto refused = [](const std::string& why) { return Json{{"loaded", false}, {"why", why}}; };
  if (source_stamp(source) != stamp) return refused("the book's files changed");
  try {
    Book book = load_book(source.path, source.options);
    if (source_stamp(source) != stamp) return refused("the book's files changed while it was read");
    held.book.emplace(std::move(book));
  } catch (const std::exception& e) {
    return refused(e.what());
  }
  held.stamp = stamp;
  return {{"loaded", true}};
}

// The rules run one after the other (each over the records on every core),
// and the host is told of each before it starts: a worker that ends with no
// last word (an _exit, a kill, a stack overflow off the main thread) is still
// blamed on the rule that was running, not on the first of its batch.
Json check(const Loaded& loaded, const std::string& invoice, const Book& book, Channel& channel) {
  Selection sel;
  if (invoice.empty()) {
    sel = select_book(book);
  } else {
    const Invoice* inv = book.invoice(invoice);
    if (!inv) return {{"failed", "no invoice '" + invoice + "' in the book it was sent"}};
    sel = select_invoice(book, *inv);
  }
  Json findings = Json::array();
  for (const ActiveRule& rule : loaded.active) {
    if (!channel.send(Json{{"running", rule.info->id}}.dump(-1, ' ', false, Json::error_handler_t::replace)))
      return {{"failed", "the host is gone"}};
    for (const auto& f : run_rules(book, std::span(&rule, 1), sel, CheckOptions{}, 1, nullptr))
      findings.push_back(finding_to_wire(f));
  }
  return {{"findings", std::move(findings)}};
}

// ---- the last word: which rule on which record, when the worker dies or hangs ----

CurrentCheck g_slots[256];

// A message built without allocating: the heap may be what broke.
struct LastWord {
  char data[8192];
  std::size_t n = 0;
  void add(std::string_view s) {
    for (char c : s) {
      if (n + 1 >= sizeof data) return;
      const auto u = static_cast<unsigned char>(c);
      data[n++] = (u < 0x20 || c == '"' || c == '\\') ? '?' : c;
    }
  }
  void raw(std::string_view s) {
    for (char c : s)
      if (n + 1 < sizeof data) data[n++] = c;
  }
  void number(std::uint64_t v) {
    char digits[24];
    int k = 0;
    do digits[k++] = static_cast<char>('0' + v % 10); while ((v /= 10) && k < 24);
    while (k) raw(std::string_view(&digits[--k], 1));
  }
};

// {"last": {"rule": ID, "where": "line 3 of invoice X", "invoice": X, "line": "3"}}
void describe(const CurrentCheck& c, LastWord& w) {
  const RuleInfo* rule = c.rule.load(std::memory_order_relaxed);
  if (!rule) return;
  const void* record = c.record.load(std::memory_order_relaxed);
  w.raw(R"({"last":{"rule":")");
  w.add(rule->id);
  w.raw(R"(","where":")");
  auto id_of = [&](std::string_view what, const std::string& id) {
    w.raw(what);
    w.add(id);
  };
  if (!record) {
    w.raw("the book\"}}");
    return;
  }
  switch (rule->scope) {
    case Scope::line: {
      const auto& l = *static_cast<const InvoiceLine*>(record);
      w.raw("line ");
      w.number(l.line_no);
      id_of(" of invoice ", l.invoice_id);
      w.raw(R"(","invoice":")");
      w.add(l.invoice_id);
      w.raw(R"(","line":")");
      w.number(l.line_no);
      break;
    }
    case Scope::invoice: {
      const auto& i = *static_cast<const Invoice*>(record);
      id_of("invoice ", i.id);
      w.raw(R"(","invoice":")");
      w.add(i.id);
      break;
    }
    case Scope::client: id_of("client ", static_cast<const Client*>(record)->id); break;
    case Scope::payment: id_of("payment ", static_cast<const Payment*>(record)->id); break;
    case Scope::credit_note: id_of("credit note ", static_cast<const CreditNote*>(record)->id); break;
    case Scope::book: w.raw("the book"); break;
  }
  w.raw("\"}}");
}

void send_last_word(const LastWord& w) {
  if (w.n == 0) return;
  unsigned char header[8];
  for (int i = 0; i < 8; ++i) header[i] = static_cast<unsigned char>(std::uint64_t{w.n} >> (8 * i));
  [[maybe_unused]] auto a = ::write(3, header, 8);
  [[maybe_unused]] auto b = ::write(3, w.data, w.n);
}

// A crash: this thread was checking something; say what, then die of the same signal.
extern "C" void on_fatal(int sig) {
  static LastWord w;  // static: the stack may be small (an alternate stack)
  if (const CurrentCheck* c = current_check()) describe(*c, w);
  send_last_word(w);
  std::signal(sig, SIG_DFL);
  ::raise(sig);
}

// The host ran out of patience (limits.rule_seconds): say what is still running.
extern "C" void on_overtime(int) {
  static LastWord w;
  for (const auto& slot : g_slots)
    if (slot.rule.load(std::memory_order_relaxed)) {
      describe(slot, w);
      break;
    }
  send_last_word(w);
}

void install_handlers() {
  static char stack[1 << 16];
  stack_t ss{};
  ss.ss_sp = stack;
  ss.ss_size = sizeof stack;
  sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_fatal;
  sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &sa, nullptr);
  sa.sa_handler = on_overtime;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
  track_current_checks(g_slots, std::size(g_slots));
}

}  // namespace

int main(int argc, char** argv) {
  // The limit first, so that nothing the isolated code does can map past it.
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) != "--memory") continue;
    const rlim_t bytes = std::stoull(argv[i + 1]);
    if (bytes > 0 && !BILLCHECK_WORKER_ASAN) {
      const rlimit limit{bytes, bytes};
      setrlimit(RLIMIT_AS, &limit);
    }
  }
  set_log_verbosity(0);
  install_handlers();
  Channel channel(3);
  std::string why;
  auto setup = channel.receive(kMaxWorkerMessage, std::nullopt, why);
  if (!setup) return 0;
  Loaded loaded;
  try {
    loaded = load(Json::parse(*setup));
  } catch (const std::exception& e) {
    loaded.record = {{"loaded", false}, {"error", std::string("could not be loaded: ") + e.what()}};
  }
  Json rules = Json::array();
  for (const auto& r : loaded.rules) rules.push_back(rule_info_to_json(r.info));
  if (!channel.send(Json{{"record", loaded.record}, {"rules", rules}, {"errors", loaded.errors}}.dump())) return 0;
  Held held;
  for (;;) {
    auto request = channel.receive(kMaxWorkerMessage, std::nullopt, why);
    if (!request) return 0;
    Json reply;
    bool checked = false;
    try {
      const Json r = Json::parse(*request);
      if (auto load = r.find("load"); load != r.end()) {
        reply = hold(held, *load);
      } else if (auto stamp = r.find("held"); stamp != r.end()) {
        if (!held.book || held.stamp != stamp->get<std::string>()) throw Error("no book was loaded for this check");
        reply = check(loaded, r.at("invoice").get<std::string>(), *held.book, channel);
        checked = true;
      } else {
        held.book.emplace(read_csv_directory(r.at("book").get<std::string>()));
        reply = check(loaded, r.at("invoice").get<std::string>(), *held.book, channel);
        checked = true;
      }
    } catch (const std::exception& e) {
      reply = {{"failed", e.what()}};
    }
    if (!channel.send(reply.dump(-1, ' ', false, Json::error_handler_t::replace))) return 0;
    if (checked) held = {};  // one check each; freed once the host has its answer, not before
  }
}
