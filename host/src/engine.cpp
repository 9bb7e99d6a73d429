#include <billcheck/engine.hpp>

#include "log.hpp"
#include "packs.hpp"
#include "plugin_loader.hpp"
#include "python_rules.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <thread>
#include <unordered_map>

namespace billcheck {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kChunk = 2048;  // records per task: fixed, so output order never depends on --jobs

// What an option's YAML value becomes, checked against its declared type.
std::optional<OptionValue> option_from_config(const OptionSpec& spec, const ConfigValue& v, std::string& error) {
  if (const auto* text = std::get_if<std::string>(&v.value)) return parse_option(spec.type, *text, error);
  if (const auto* items = std::get_if<std::vector<std::string>>(&v.value)) {
    if (spec.type == OptionType::string_list) return OptionValue(*items);
  } else if (const auto* map = std::get_if<std::map<std::string, std::string>>(&v.value)) {
    if (spec.type == OptionType::decimal_map) {
      DecimalMap out;
      for (const auto& [k, text] : *map) {
        Decimal d;
        std::string why = Decimal::parse_error(text, d);
        if (!why.empty()) {
          error = "'" + k + ": " + text + "' is not a decimal (" + why + ")";
          return std::nullopt;
        }
        out[k] = d;
      }
      return OptionValue(std::move(out));
    }
  }
  error = "expects a " + std::string(to_string(spec.type));
  return std::nullopt;
}

std::string hex64(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kDigits[v & 15];
  return s;
}

std::string fingerprint_of(const Finding& f) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const std::string* part : {&f.rule, &f.client, &f.engagement, &f.invoice, &f.line, &f.payment, &f.credit_note,
                                  &f.time_entry, &f.discriminator}) {
    for (unsigned char c : *part) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  }
  return hex64(h);
}

// Line keys compare as numbers: "2" before "10".
int compare_line(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b);
}

bool finding_less(const Finding& a, const Finding& b) {
  if (int c = a.client.compare(b.client)) return c < 0;
  if (int c = a.invoice.compare(b.invoice)) return c < 0;
  if (int c = compare_line(a.line, b.line)) return c < 0;
  if (int c = a.rule.compare(b.rule)) return c < 0;
  if (int c = a.payment.compare(b.payment)) return c < 0;
  if (int c = a.credit_note.compare(b.credit_note)) return c < 0;
  if (int c = a.time_entry.compare(b.time_entry)) return c < 0;
  if (int c = a.engagement.compare(b.engagement)) return c < 0;
  if (int c = a.discriminator.compare(b.discriminator)) return c < 0;
  return a.message < b.message;
}

bool waiver_matches(const Waiver& w, const Finding& f) {
  if (w.rule != f.rule) return false;
  if (w.entity == "invoice") return f.invoice == w.id;
  if (w.entity == "client") return f.client == w.id;
  if (w.entity == "payment") return f.payment == w.id;
  if (w.entity == "credit_note") return f.credit_note == w.id;
  if (w.entity == "line") return f.invoice + "#" + f.line == w.id;
  return false;
}

Date today_utc() {
  return Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
}

// How one rule runs for one client: on or off, with which severity and instance.
struct Variant {
  bool enabled = true;
  Severity severity = Severity::error;
  bool severity_configured = false;  // the config's severity wins over one the rule sets per finding
  const Rule* rule = nullptr;

  void apply_severity(std::vector<Finding>& out, std::size_t from) const {
    if (!severity_configured) return;
    for (std::size_t i = from; i < out.size(); ++i) out[i].severity = severity;
  }
};

struct ActiveRule {
  const RuleInfo* info = nullptr;
  Variant base;
  std::unordered_map<std::string, Variant> per_client;
  std::vector<std::unique_ptr<Rule>> owned;
  bool runs = true;          // enabled by default or for some client; an off rule costs nothing
  bool base_needed = true;   // the base instance reports for someone (by default or for a client that shares it)

  const Variant& for_client(std::string_view client) const {
    if (per_client.empty()) return base;
    auto it = per_client.find(std::string(client));
    return it == per_client.end() ? base : it->second;
  }
};

// The records one check looks at.
struct Selection {
  std::span<const InvoiceLine> lines;
  std::vector<const Invoice*> invoices;
  std::vector<const Client*> clients;
  std::vector<const Payment*> payments;
  std::vector<const CreditNote*> notes;
  std::string only_invoice;  // book-wide findings are kept only for this invoice, when set
};

struct Task {
  Scope scope;
  std::size_t begin, end;  // record range in the selection
  const ActiveRule* rule;  // a book rule, or a single-threaded rule; nullptr = every parallel rule
};

// Calls a single-threaded rule's batch hooks around a batch, on every instance.
class BatchGuard {
 public:
  explicit BatchGuard(const ActiveRule* a) : a_(a) { each([](const Rule& r) { r.begin_batch(); }); }
  ~BatchGuard() { each([](const Rule& r) { r.end_batch(); }); }
  BatchGuard(const BatchGuard&) = delete;
  BatchGuard& operator=(const BatchGuard&) = delete;

 private:
  template <class F>
  void each(F f) const {
    if (!a_) return;
    for (const auto& r : a_->owned) f(*r);
  }
  const ActiveRule* a_;
};

std::string_view client_of(const Book& book, const InvoiceLine& l) { return book.client_id_of(l); }
std::string_view client_of(const Book&, const Invoice* i) { return i->client_id; }
std::string_view client_of(const Book&, const Client* c) { return c->id; }
std::string_view client_of(const Book&, const Payment* p) { return p->client_id; }
std::string_view client_of(const Book&, const CreditNote* n) { return n->client_id; }

const InvoiceLine& deref(const InvoiceLine& l) { return l; }
template <class T>
const T& deref(const T* p) {
  return *p;
}

std::string describe(const InvoiceLine& l) { return "line " + std::to_string(l.line_no) + " of invoice " + l.invoice_id; }
std::string describe(const Invoice& i) { return "invoice " + i.id; }
std::string describe(const Client& c) { return "client " + c.id; }
std::string describe(const Payment& p) { return "payment " + p.id; }
std::string describe(const CreditNote& n) { return "credit note " + n.id; }

}  // namespace

fs::path bundled_plugin_dir() {
  return boost::dll::this_line_location().parent_path() / BILLCHECK_PLUGIN_SUBDIR;
}

bool Report::has_internal_errors() const {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.category == "internal"; });
}

std::optional<Severity> Report::worst() const {
  std::optional<Severity> w;
  for (const auto& f : findings)
    if (!w || f.severity > *w) w = f.severity;
  return w;
}

struct Engine::Impl {
  // Tells this engine's results apart from another's in a Book's derived indexes.
  const std::uint64_t id = [] {
    static std::atomic<std::uint64_t> next{0};
    return ++next;
  }();
  Config config;
  std::vector<PluginRecord> plugins;
  std::deque<detail::RegisteredRule> available;  // deque: RuleInfo addresses stay put
  std::map<std::string, std::size_t, std::less<>> by_id;
  std::vector<ActiveRule> active;
  detail::PluginLog log{""};

  void register_rule(RuleInfo info, RuleFactory factory, std::vector<std::string>& errors) {
    if (by_id.contains(info.id)) {
      errors.push_back("rule '" + info.id + "' from " + info.origin + " is already defined by " +
                       available[by_id.find(info.id)->second].info.origin + "; rule ids must be unique");
      return;
    }
    by_id.emplace(info.id, available.size());
    available.push_back({std::move(info), std::move(factory)});
  }

  void load_plugins(std::vector<std::string>& errors) {
    std::vector<fs::path> dirs{bundled_plugin_dir()};
    for (const auto& d : config.plugin_search_paths) {
      if (!fs::is_directory(d)) {
        errors.push_back(config.file.string() + ": plugins.search_paths: '" + d.string() + "' is not a directory");
        continue;
      }
      dirs.push_back(d);
    }
    for (const auto& dir : dirs) {
      for (const auto& file : detail::plugin_files(dir)) {
        detail::LoadedPlugin p = detail::load_plugin(file, log);
        bool disabled = std::find(config.disabled_plugins.begin(), config.disabled_plugins.end(), p.record.name) !=
                        config.disabled_plugins.end();
        if (!p.record.loaded) {
          detail::logger().error("plugin {} {}; it was skipped, the other plugins run", file.string(), p.record.error);
        } else if (disabled) {
          p.record.loaded = false;
          p.record.error = "disabled by plugins.disable in the config";
        } else if (std::any_of(plugins.begin(), plugins.end(),
                               [&](const PluginRecord& r) { return r.loaded && r.name == p.record.name; })) {
          p.record.loaded = false;
          p.record.error = "a plugin named '" + p.record.name + "' is already loaded; this copy was skipped";
          detail::logger().warn("plugin {} {}", file.string(), p.record.error);
        } else {
          for (auto& r : p.rules) {
            r.info.origin = "plugin " + p.record.name;
            register_rule(std::move(r.info), std::move(r.factory), errors);
          }
        }
        plugins.push_back(std::move(p.record));
      }
    }
  }

  // Bundled packs, then the config's. A configured pack with the name of a
  // bundled one replaces it (an analyst's edited copy of the example pack);
  // a pack's `use:` settings apply unless the config sets the same rule itself.
  void load_packs(std::vector<std::string>& errors) {
    struct Found {
      fs::path dir;
      bool bundled;
    };
    std::vector<Found> found;
    auto canonical = [](const fs::path& p) {
      std::error_code ec;
      fs::path c = fs::weakly_canonical(p, ec);
      return ec ? p.lexically_normal() : c;
    };
    auto add = [&](const fs::path& dir, bool bundled) {
      fs::path c = canonical(dir);
      for (const auto& f : found)
        if (f.dir == c) return;  // listed twice, or the bundled folder itself
      found.push_back({c, bundled});
    };
    std::vector<fs::path> bundled;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(detail::bundled_pack_dir(), ec))
      if (fs::exists(entry.path() / "pack.yaml")) bundled.push_back(entry.path());
    std::sort(bundled.begin(), bundled.end());
    for (const auto& dir : bundled) add(dir, true);
    for (const auto& dir : config.packs) add(dir, false);

    std::vector<std::pair<detail::PackLoad, bool>> packs;
    for (const auto& f : found) {
      try {
        packs.emplace_back(detail::load_pack(f.dir), f.bundled);
      } catch (const ConfigError& e) {
        errors.insert(errors.end(), e.messages().begin(), e.messages().end());
      }
    }
    std::map<std::string, std::size_t> by_name;
    std::vector<bool> keep(packs.size(), true);
    for (std::size_t i = 0; i < packs.size(); ++i) {
      auto [it, inserted] = by_name.try_emplace(packs[i].first.name, i);
      if (inserted) continue;
      std::size_t j = it->second;
      if (packs[j].second && !packs[i].second) {  // the config's copy replaces the bundled pack
        keep[j] = false;
        it->second = i;
      } else {
        keep[i] = false;
        errors.push_back((packs[i].first.dir / "pack.yaml").string() + ": pack '" + packs[i].first.name +
                         "' is already loaded from " + (packs[j].first.dir / "pack.yaml").string() +
                         "; give the copy another 'pack:' name");
      }
    }
    for (std::size_t i = 0; i < packs.size(); ++i) {
      if (!keep[i]) continue;
      detail::PackLoad& pack = packs[i].first;
      for (auto& r : pack.rules) {
        r.info.origin = "pack " + pack.name;
        register_rule(std::move(r.info), std::move(r.factory), errors);
      }
      for (auto& [id, settings] : pack.uses) config.rules.try_emplace(id, std::move(settings));
    }
  }

  void load_python(std::vector<std::string>& errors) {
    for (auto& r : detail::load_python_rules(config.python, errors)) {
      if (r.info.origin.empty()) r.info.origin = "Python";
      register_rule(std::move(r.info), std::move(r.factory), errors);
    }
  }

  // Builds the Options for `info` from its defaults and `layers` of settings.
  std::optional<Options> options_for(const RuleInfo& info, std::initializer_list<const RuleSettings*> layers,
                                     std::vector<std::string>& errors) const {
    Options opts;
    bool ok = true;
    for (const auto& spec : info.options) {
      std::string error;
      auto v = parse_option(spec.type, spec.default_text, error);
      if (!v) {
        errors.push_back("rule '" + info.id + "' (" + info.origin + "): the default of option '" + spec.name +
                         "' is invalid: " + error);
        ok = false;
        continue;
      }
      opts.set(spec.name, std::move(*v));
    }
    for (const RuleSettings* s : layers) {
      if (!s) continue;
      for (const auto& [name, value] : s->options) {
        auto spec = std::find_if(info.options.begin(), info.options.end(),
                                 [&](const OptionSpec& o) { return o.name == name; });
        if (spec == info.options.end()) {
          std::string known;
          for (const auto& o : info.options) known += (known.empty() ? "" : ", ") + o.name;
          errors.push_back(value.where.to_string() + ": rule '" + info.id + "' has no option '" + name + "' (" +
                           (known.empty() ? std::string("it takes no options") : "its options: " + known) + ")");
          ok = false;
          continue;
        }
        std::string error;
        auto v = option_from_config(*spec, value, error);
        if (!v) {
          errors.push_back(value.where.to_string() + ": rule '" + info.id + "' option '" + name + "': " + error);
          ok = false;
          continue;
        }
        opts.set(name, std::move(*v));
      }
    }
    if (!ok) return std::nullopt;
    return opts;
  }

  // Builds one instance; a rule that refuses its options (its constructor
  // throws) is reported against the config entry that set them.
  const Rule* build(ActiveRule& a, const detail::RegisteredRule& reg, const Options& opts,
                    const RuleSettings* settings, std::vector<std::string>& errors) {
    try {
      a.owned.push_back(reg.factory(opts));
      return a.owned.back().get();
    } catch (const std::exception& e) {
      std::string where = settings ? settings->where.to_string() + ": " : "";
      errors.push_back(where + "rule '" + reg.info.id + "' (" + reg.info.origin + "): " + e.what());
    }
    return nullptr;
  }

  void activate(const detail::RegisteredRule& reg, std::vector<std::string>& errors) {
    const RuleInfo& info = reg.info;
    ActiveRule a;
    a.info = &info;
    auto global_it = config.rules.find(info.id);
    const RuleSettings* global = global_it == config.rules.end() ? nullptr : &global_it->second;
    a.base.enabled = !global || global->enabled;
    a.base.severity = global && global->severity ? *global->severity : info.severity;
    a.base.severity_configured = global && global->severity;
    auto opts = options_for(info, {global}, errors);
    if (!opts) return;
    // Built even when off by default, so that a client can switch it on.
    a.base.rule = build(a, reg, *opts, global, errors);
    if (!a.base.rule) return;
    for (const auto& [client, rules] : config.clients) {
      auto it = rules.find(info.id);
      if (it == rules.end()) continue;
      const RuleSettings& s = it->second;
      Variant v;
      v.enabled = s.enabled;
      v.severity = s.severity ? *s.severity : a.base.severity;
      v.severity_configured = s.severity || a.base.severity_configured;
      v.rule = a.base.rule;
      if (!s.options.empty()) {
        auto client_opts = options_for(info, {global, &s}, errors);
        if (!client_opts) continue;
        v.rule = build(a, reg, *client_opts, &s, errors);
        if (!v.rule) continue;
      }
      a.per_client.emplace(client, v);
    }
    a.base_needed = a.base.enabled;
    for (const auto& [client, v] : a.per_client)
      if (v.enabled && v.rule == a.base.rule) a.base_needed = true;
    a.runs = a.base_needed;
    for (const auto& [client, v] : a.per_client) a.runs = a.runs || v.enabled;
    active.push_back(std::move(a));
  }

  void check_rule_ids(std::vector<std::string>& errors) const {
    auto check = [&](const std::map<std::string, RuleSettings>& rules) {
      for (const auto& [id, s] : rules)
        if (!by_id.contains(id))
          errors.push_back(s.where.to_string() + ": unknown rule '" + id +
                           "' (run `billcheck rules` to list the rules; is its plugin or pack loaded?)");
    };
    check(config.rules);
    for (const auto& [client, rules] : config.clients) check(rules);
    for (const auto& w : config.waivers)
      if (!w.rule.empty() && !by_id.contains(w.rule))
        errors.push_back(w.where.to_string() + ": waiver for unknown rule '" + w.rule + "'");
  }

  // Runs the scope's rules over records [begin, end): every parallel rule, or
  // only `serial` (a single-threaded rule, inside its batch hooks).
  template <class Records, class Call>
  void run_scoped(const Book& book, const Records& records, std::size_t begin, std::size_t end, Scope scope,
                  const ActiveRule* serial, std::vector<Finding>& out, std::vector<RuleStats>* stats,
                  Call call) const {
    for (std::size_t r = 0; r < active.size(); ++r) {
      const ActiveRule& a = active[r];
      if (a.info->scope != scope || !a.runs) continue;
      if (serial ? &a != serial : a.info->single_threaded) continue;
      BatchGuard batch(serial);
      auto t0 = stats ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      std::size_t before_rule = out.size();
      for (std::size_t i = begin; i < end; ++i) {
        const auto& record = deref(records[i]);
        const Variant& v = a.for_client(client_of(book, records[i]));
        if (!v.enabled || !v.rule) continue;
        Context ctx(book, *a.info, v.severity, out);
        std::size_t before = out.size();
        try {
          call(*v.rule, record, ctx);
          v.apply_severity(out, before);
        } catch (const std::exception& e) {
          out.resize(before);
          report_failure(ctx, record, *a.info, e.what());
        } catch (...) {
          out.resize(before);
          report_failure(ctx, record, *a.info, "unknown exception");
        }
      }
      if (stats) {
        (*stats)[r].time += std::chrono::steady_clock::now() - t0;
        (*stats)[r].findings += out.size() - before_rule;
      }
    }
  }

  template <class Record>
  static void report_failure(Context& ctx, const Record& record, const RuleInfo& info, const std::string& what) {
    Finding& f = ctx.report(record, "Rule " + info.id + " failed on " + describe(record) +
                                        " and was skipped for it: " + what + ". Report this to the rule's author (" +
                                        info.origin + ").");
    f.category = "internal";
    f.severity = Severity::error;
    f.amount_at_stake.reset();
    f.discriminator = "internal";
  }

  // What one book rule instance found on a book, or why it failed.
  struct BookRuleResult {
    std::vector<Finding> findings;
    std::optional<std::string> error;
  };

  static BookRuleResult evaluate(const Book& book, const ActiveRule& a, const Variant& v) {
    BookRuleResult result;
    Context ctx(book, *a.info, v.severity, result.findings);
    try {
      static_cast<const BookRule*>(v.rule)->check(book, ctx);
    } catch (const std::exception& e) {
      result.findings.clear();
      result.error = e.what();
    } catch (...) {
      result.findings.clear();
      result.error = "unknown exception";
    }
    return result;
  }

  // `remember`: keep each instance's result on the Book, so that checking its
  // invoices one by one runs a book-wide rule once per book, not once per invoice.
  void run_book_rule(const Book& book, const ActiveRule& a, bool remember, std::vector<Finding>& out) const {
    // The base instance runs for every client without its own variant; each
    // client variant with its own instance runs again and keeps only its client's findings.
    auto run = [&](const Variant& v, auto keep) {
      if (!v.rule) return;
      std::vector<Finding> local;
      std::optional<std::string> error;
      if (remember) {
        const std::string key = "billcheck.engine/" + std::to_string(id) + "/" +
                                std::to_string(reinterpret_cast<std::uintptr_t>(v.rule));
        const auto& result = book.derived<BookRuleResult>(key, [&](const Book& b) { return evaluate(b, a, v); });
        local = result.findings;
        error = result.error;
      } else {
        BookRuleResult result = evaluate(book, a, v);
        local = std::move(result.findings);
        error = std::move(result.error);
      }
      if (error) {
        Context ctx(book, *a.info, v.severity, out);
        Finding& f = ctx.report("Rule " + a.info->id + " failed on the book and was skipped: " + *error +
                                ". Report this to the rule's author (" + a.info->origin + ").");
        f.category = "internal";
        f.severity = Severity::error;
        f.discriminator = "internal";
        return;
      }
      v.apply_severity(local, 0);
      for (auto& f : local)
        if (keep(f)) out.push_back(std::move(f));
    };
    if (a.base_needed) run(a.base, [&](Finding& f) {
      auto it = a.per_client.find(f.client);
      if (it == a.per_client.end()) return a.base.enabled;
      if (!it->second.enabled) return false;
      if (it->second.rule != a.base.rule) return false;  // that client's own instance reports it
      if (it->second.severity_configured) f.severity = it->second.severity;
      return true;
    });
    for (const auto& [client, v] : a.per_client) {
      if (!v.enabled || v.rule == a.base.rule) continue;
      run(v, [&, c = client](Finding& f) { return f.client == c; });
    }
  }

  Report run(const Book& book, const Selection& sel, const CheckOptions& options) const {
    std::vector<Task> tasks;
    auto chunk = [&](Scope scope, std::size_t n) {
      for (std::size_t b = 0; b < n; b += kChunk) tasks.push_back({scope, b, std::min(n, b + kChunk), nullptr});
    };
    chunk(Scope::line, sel.lines.size());
    chunk(Scope::invoice, sel.invoices.size());
    chunk(Scope::client, sel.clients.size());
    chunk(Scope::payment, sel.payments.size());
    chunk(Scope::credit_note, sel.notes.size());
    auto size_of = [&](Scope scope) -> std::size_t {
      switch (scope) {
        case Scope::line: return sel.lines.size();
        case Scope::invoice: return sel.invoices.size();
        case Scope::client: return sel.clients.size();
        case Scope::payment: return sel.payments.size();
        case Scope::credit_note: return sel.notes.size();
        case Scope::book: return 0;
      }
      return 0;
    };
    for (const auto& a : active)
      if (a.runs && (a.info->scope == Scope::book || a.info->single_threaded))
        tasks.push_back({a.info->scope, 0, size_of(a.info->scope), &a});

    std::vector<std::vector<Finding>> results(tasks.size());
    const bool stats_on = options.collect_stats;
    std::vector<std::vector<RuleStats>> thread_stats;
    unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
    jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(1, tasks.size())));
    thread_stats.assign(jobs, std::vector<RuleStats>(active.size()));
    std::atomic<std::size_t> next{0}, done{0};

    auto worker = [&](unsigned w) {
      std::vector<RuleStats>* stats = stats_on ? &thread_stats[w] : nullptr;
      for (std::size_t t; (t = next.fetch_add(1)) < tasks.size();) {
        const Task& task = tasks[t];
        auto& out = results[t];
        switch (task.scope) {
          case Scope::line:
            run_scoped(book, sel.lines, task.begin, task.end, Scope::line, task.rule, out, stats,
                       [](const Rule& r, const InvoiceLine& x, Context& c) { static_cast<const LineRule&>(r).check(x, c); });
            break;
          case Scope::invoice:
            run_scoped(book, sel.invoices, task.begin, task.end, Scope::invoice, task.rule, out, stats,
                       [](const Rule& r, const Invoice& x, Context& c) { static_cast<const InvoiceRule&>(r).check(x, c); });
            break;
          case Scope::client:
            run_scoped(book, sel.clients, task.begin, task.end, Scope::client, task.rule, out, stats,
                       [](const Rule& r, const Client& x, Context& c) { static_cast<const ClientRule&>(r).check(x, c); });
            break;
          case Scope::payment:
            run_scoped(book, sel.payments, task.begin, task.end, Scope::payment, task.rule, out, stats,
                       [](const Rule& r, const Payment& x, Context& c) { static_cast<const PaymentRule&>(r).check(x, c); });
            break;
          case Scope::credit_note:
            run_scoped(book, sel.notes, task.begin, task.end, Scope::credit_note, task.rule, out, stats,
                       [](const Rule& r, const CreditNote& x, Context& c) {
                         static_cast<const CreditNoteRule&>(r).check(x, c);
                       });
            break;
          case Scope::book: {
            auto t0 = std::chrono::steady_clock::now();
            {
              BatchGuard batch(task.rule->info->single_threaded ? task.rule : nullptr);
              run_book_rule(book, *task.rule, !sel.only_invoice.empty(), out);
            }
            if (stats) {
              auto r = static_cast<std::size_t>(task.rule - active.data());
              (*stats)[r].time += std::chrono::steady_clock::now() - t0;
              (*stats)[r].findings += out.size();
            }
            if (!sel.only_invoice.empty())
              std::erase_if(out, [&](const Finding& f) { return f.invoice != sel.only_invoice; });
            break;
          }
        }
        if (options.progress) options.progress(done.fetch_add(1) + 1, tasks.size());
      }
    };
    if (jobs == 1) {
      worker(0);
    } else {
      std::vector<std::jthread> threads;
      for (unsigned w = 0; w < jobs; ++w) threads.emplace_back(worker, w);
    }

    Report report;
    for (auto& r : results)
      for (auto& f : r) report.findings.push_back(std::move(f));
    std::stable_sort(report.findings.begin(), report.findings.end(), finding_less);
    finish(report, options);

    if (stats_on) {
      for (std::size_t r = 0; r < active.size(); ++r) {
        RuleStats s{active[r].info->id, {}, 0};
        for (const auto& ts : thread_stats) {
          s.time += ts[r].time;
          s.findings += ts[r].findings;
        }
        report.stats.push_back(std::move(s));
      }
    }
    report.summary.invoices = sel.invoices.size();
    report.summary.lines = sel.lines.size();
    return report;
  }

  // Fingerprints, waivers and the summary, on sorted findings.
  void finish(Report& report, const CheckOptions& options) const {
    std::unordered_map<std::string, int> seen;
    for (auto& f : report.findings) {
      f.fingerprint = fingerprint_of(f);
      if (int n = ++seen[f.fingerprint]; n > 1) f.fingerprint += "-" + std::to_string(n);
    }
    const Date today = options.today.value_or(today_utc());
    std::vector<Finding> kept;
    kept.reserve(report.findings.size());
    for (auto& f : report.findings) {
      const Waiver* match = nullptr;
      for (const auto& w : config.waivers)
        if (waiver_matches(w, f) && (!w.expires || today <= *w.expires)) {
          match = &w;
          break;
        }
      if (match)
        report.waived.push_back({std::move(f), *match});
      else
        kept.push_back(std::move(f));
    }
    report.findings = std::move(kept);
    Summary& s = report.summary;
    for (const auto& f : report.findings) {
      ++s.by_severity[f.severity];
      ++s.by_category[f.category];
      if (f.amount_at_stake && !f.currency.empty()) {
        const Decimal amount = *f.amount_at_stake;
        s.at_stake[f.currency] += amount;
        if (amount.is_negative())
          s.undercharged[f.currency] -= amount;
        else if (f.category == "credit")  // money owed beyond a limit, not money overcharged
          s.credit_exposure[f.currency] += amount;
        else
          s.overcharged[f.currency] += amount;
      }
    }
    s.waived = report.waived.size();
  }
};

Engine::Engine(Config config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  std::vector<std::string> errors;
  impl_->load_plugins(errors);
  impl_->load_packs(errors);
  impl_->load_python(errors);
  impl_->check_rule_ids(errors);
  for (const auto& reg : impl_->available) impl_->activate(reg, errors);
  if (!errors.empty()) throw ConfigError(std::move(errors));
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

void Engine::add_rule(RuleInfo info, RuleFactory factory) {
  std::vector<std::string> errors;
  if (!is_category(info.category))
    errors.push_back("rule '" + info.id + "': category '" + info.category + "' is not one of the contract's categories");
  if (info.origin.empty()) info.origin = "the embedding program";
  if (errors.empty()) impl_->register_rule(std::move(info), std::move(factory), errors);
  if (errors.empty()) impl_->activate(impl_->available.back(), errors);
  if (!errors.empty()) throw ConfigError(std::move(errors));
}

const Config& Engine::config() const { return impl_->config; }
const std::vector<PluginRecord>& Engine::plugins() const { return impl_->plugins; }

std::vector<RuleInfo> Engine::rules() const {
  std::vector<RuleInfo> out;
  for (const auto& [id, index] : impl_->by_id) out.push_back(impl_->available[index].info);
  return out;
}

const RuleInfo* Engine::find_rule(std::string_view id) const {
  auto it = impl_->by_id.find(id);
  return it == impl_->by_id.end() ? nullptr : &impl_->available[it->second].info;
}

Report Engine::check(const Book& book, const CheckOptions& options) const {
  Selection sel;
  sel.lines = book.lines();
  for (const auto& x : book.invoices()) sel.invoices.push_back(&x);
  for (const auto& x : book.clients()) sel.clients.push_back(&x);
  for (const auto& x : book.payments()) sel.payments.push_back(&x);
  for (const auto& x : book.credit_notes()) sel.notes.push_back(&x);
  return impl_->run(book, sel, options);
}

Report Engine::check_invoice(const Book& book, std::string_view invoice_id, const CheckOptions& options) const {
  const Invoice* inv = book.invoice(invoice_id);
  if (!inv) throw std::invalid_argument("no invoice '" + std::string(invoice_id) + "' in the book");
  Selection sel;
  sel.only_invoice = inv->id;
  sel.lines = book.lines_of(*inv);
  sel.invoices.push_back(inv);
  if (const Client* c = book.client(inv->client_id)) sel.clients.push_back(c);
  for (const Payment* p : book.payments_of_invoice(inv->id)) sel.payments.push_back(p);
  for (const CreditNote* n : book.credit_notes_of_invoice(inv->id)) sel.notes.push_back(n);
  return impl_->run(book, sel, options);
}

}  // namespace billcheck
