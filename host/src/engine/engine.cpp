#include <billcheck/engine.hpp>

#include "engine/active_rule.hpp"
#include "engine/finish.hpp"
#include "engine/registry.hpp"
#include "engine/run.hpp"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

namespace billcheck {

bool Report::has_internal_errors() const {
  return std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.category == "internal"; });
}

const Remedy* Report::remedy_of(const Finding& finding) const {
  auto it = remedies.find(finding.fingerprint);
  return it == remedies.end() ? nullptr : &it->second;
}

std::optional<Severity> Report::worst() const {
  std::optional<Severity> w;
  for (const auto& f : findings)
    if ((!w || f.severity > *w) && !remedy_of(f)) w = f.severity;
  return w;
}

struct Engine::Impl {
  // Tells this engine's results apart from another's in a Book's derived indexes.
  const std::uint64_t id = [] {
    static std::atomic<std::uint64_t> next{0};
    return ++next;
  }();
  Config config;
  detail::RuleRegistry registry;
  std::vector<detail::ActiveRule> active;

  void activate(const detail::RegisteredRule& reg, std::vector<std::string>& errors) {
    if (reg.isolated) return;  // its worker builds it, with the same settings
    if (auto a = detail::activate(reg, config, errors)) active.push_back(std::move(*a));
  }

  Report run(const Book& book, const detail::Selection& sel, const CheckOptions& options) const {
    PartResults results;
    // The isolated rules run in their workers while the others run here.
    std::vector<Finding> isolated;
    std::jthread workers;
    if (std::any_of(registry.isolated().begin(), registry.isolated().end(), [](const auto& s) { return s->loaded(); }))
      workers = std::jthread([&] { isolated = run_isolated(book, sel, options); });
    std::vector<RuleStats> stats;
    results.findings = detail::run_rules(book, active, sel, options, id, options.collect_stats ? &stats : nullptr);
    if (workers.joinable()) workers.join();
    std::move(isolated.begin(), isolated.end(), std::back_inserter(results.findings));
    results.invoices = sel.invoices.size();
    results.lines = sel.lines.size();
    results.remedies = detail::remedy_claims_of(book);
    Report report = assemble(std::move(results), options);
    report.stats = std::move(stats);
    return report;
  }

  // The one way findings become a report, for a whole book and for a book checked in parts.
  Report assemble(PartResults results, const CheckOptions& options) const {
    Report report;
    report.findings = std::move(results.findings);
    const Date today = options.today.value_or(
        Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())));
    detail::finish_report(report, config.waivers, today);
    detail::find_remedies(report, results.remedies);
    report.summary.invoices = results.invoices;
    report.summary.lines = results.lines;
    add_sources(report);
    return report;
  }

  // Each isolated source's raw findings, or the internal finding that says how its worker failed.
  std::vector<Finding> run_isolated(const Book& book, const detail::Selection& sel, const CheckOptions& options) const {
    detail::BookFeed feed;
    if (options.source) feed = prepared_feed(*options.source);
    // Otherwise the book goes to the workers as a CSV folder in memory
    // (/dev/shm), written once per check: CSV is the fastest form to write and read back.
    std::once_flag once;
    std::optional<detail::BookCopy> copy;
    std::string copy_error;
    feed.copy = [&](std::string& why) -> std::optional<std::filesystem::path> {
      std::call_once(once, [&] {
        try {
          copy.emplace(book);
        } catch (const std::exception& e) {  // no room for the copy: say so, the other rules' findings stand
          copy_error = e.what();
        }
      });
      if (!copy) why = copy_error;
      return copy ? std::optional(copy->dir()) : std::nullopt;
    };
    // Each worker is its own process: they run side by side.
    std::vector<std::vector<Finding>> found(registry.isolated().size());
    {
      std::vector<std::jthread> threads;
      for (std::size_t i = 0; i < found.size(); ++i)
        threads.emplace_back([&, i] { found[i] = registry.isolated()[i]->check(book, feed, sel); });
    }
    std::vector<Finding> out;
    for (auto& f : found) std::move(f.begin(), f.end(), std::back_inserter(out));
    return out;
  }

  // The source prepare() was told and the stamp of its files then.
  mutable std::mutex prepared_mutex;
  mutable std::optional<std::pair<BookSource, std::string>> prepared;

  static BookSource absolute(BookSource source) {
    std::error_code ec;
    source.path = std::filesystem::absolute(source.path, ec);
    if (!source.options.reference.empty()) source.options.reference = std::filesystem::absolute(source.options.reference, ec);
    return source;
  }

  // The book's own files for the workers, when prepare() was told of them and
  // none has changed since: the book the caller loaded is the one they hold.
  detail::BookFeed prepared_feed(const BookSource& given) const {
    detail::BookFeed feed;
    const BookSource source = absolute(given);
    std::lock_guard lock(prepared_mutex);
    if (!prepared || detail::source_to_json(prepared->first) != detail::source_to_json(source)) return feed;
    if (std::string now = detail::source_stamp(source); !now.empty() && now == prepared->second) {
      feed.source = source;
      feed.stamp = std::move(now);
    }
    return feed;
  }

  void add_sources(Report& report) const {
    for (const auto& p : registry.plugins()) {
      if (p.loaded)
        report.sources.push_back({"plugin", p.name, p.version, p.path, {}});
      else if (!p.disabled)
        report.refused.push_back({"plugin", p.name, p.version, p.path, p.error});
    }
    // A rule refused at registration did not run either: the book was not checked by it.
    report.refused.insert(report.refused.end(), registry.refused_rules().begin(), registry.refused_rules().end());
    report.sources.insert(report.sources.end(), registry.packs().begin(), registry.packs().end());
  }
};

Engine::Engine(Config config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  // The file's own problems first, then those only the loaded rules show: one run lists them all.
  std::vector<std::string> errors = impl_->config.errors;
  impl_->registry.load_plugins(impl_->config, errors);
  impl_->registry.load_packs(impl_->config, errors);
  impl_->registry.load_python(impl_->config, errors);
  impl_->registry.check_rule_ids(impl_->config, errors);
  for (const auto& reg : impl_->registry.rules()) impl_->activate(reg, errors);
  if (!errors.empty()) throw ConfigError(std::move(errors));
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

void Engine::add_rule(RuleInfo info, RuleFactory factory) {
  std::vector<std::string> errors;
  if (!is_category(info.category))
    errors.push_back("rule '" + info.id + "': category '" + info.category + "' is not one of the contract's categories");
  if (info.severity != Severity::info && info.severity != Severity::warning && info.severity != Severity::error)
    errors.push_back("rule '" + info.id + "': its severity (" + std::to_string(static_cast<int>(info.severity)) +
                     ") is not one of Severity::info, warning or error");
  if (info.origin.empty()) info.origin = "the embedding program";
  if (errors.empty()) impl_->registry.add({std::move(info), std::move(factory)}, errors);
  if (errors.empty()) impl_->activate(impl_->registry.rules().back(), errors);
  if (!errors.empty()) throw ConfigError(std::move(errors));
}

const Config& Engine::config() const { return impl_->config; }
const std::vector<PluginRecord>& Engine::plugins() const { return impl_->registry.plugins(); }
const std::vector<RuleSource>& Engine::refused_rules() const { return impl_->registry.refused_rules(); }

std::vector<RuleInfo> Engine::rules() const {
  std::vector<RuleInfo> out;
  for (const auto& [id, index] : impl_->registry.by_id()) out.push_back(impl_->registry.rules()[index].info);
  return out;
}

const RuleInfo* Engine::find_rule(std::string_view id) const {
  const detail::RegisteredRule* reg = impl_->registry.find(id);
  return reg ? &reg->info : nullptr;
}

void Engine::prepare(const BookSource& given) const {
  if (!has_isolated_rules()) return;
  const BookSource source = Impl::absolute(given);
  std::string stamp = detail::source_stamp(source);
  if (stamp.empty()) return;
  {
    std::lock_guard lock(impl_->prepared_mutex);
    impl_->prepared.emplace(source, stamp);
  }
  for (const auto& s : impl_->registry.isolated()) s->preload(source, stamp);
}

Report Engine::check(const Book& book, const CheckOptions& options) const {
  return impl_->run(book, detail::select_book(book), options);
}

Report Engine::check_invoice(const Book& book, std::string_view invoice_id, const CheckOptions& options) const {
  const Invoice* inv = book.invoice(invoice_id);
  if (!inv) throw UnknownInvoice(std::string(invoice_id));
  return impl_->run(book, detail::select_invoice(book, *inv), options);
}

std::vector<Finding> Engine::check_part(const Book& book, const PartCheck& part, const CheckOptions& options) const {
  detail::Selection sel = detail::select_book(book);
  sel.reaches = 0;
  for (Reach r : part.reaches) sel.reaches |= 1u << static_cast<unsigned>(r);
  if (part.clients) sel.clients.keep_if([&](const Client& c) { return part.clients->contains(c.id.str()); });
  std::vector<Finding> found = detail::run_rules(book, impl_->active, sel, options, impl_->id, nullptr);
  if (part.clients)
    std::erase_if(found, [&](const Finding& f) {
      return f.client.empty() ? !part.clientless : !part.clients->contains(f.client);
    });
  return found;
}

bool Engine::has_isolated_rules() const {
  const auto& isolated = impl_->registry.isolated();
  return std::any_of(isolated.begin(), isolated.end(), [](const auto& s) { return s->loaded(); });
}

Report Engine::assemble(PartResults results, const CheckOptions& options) const {
  return impl_->assemble(std::move(results), options);
}

std::map<std::string, Remedy> remedy_claims(const Book& book) { return detail::remedy_claims_of(book); }

}  // namespace billcheck
