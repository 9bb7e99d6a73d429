#include <billcheck/engine.hpp>

#include "engine/active_rule.hpp"
#include "engine/finish.hpp"
#include "engine/registry.hpp"
#include "engine/run.hpp"

#include <algorithm>
#include <atomic>

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
    if (auto a = detail::activate(reg, config, errors)) active.push_back(std::move(*a));
  }

  Report run(const Book& book, const detail::Selection& sel, const CheckOptions& options) const {
    Report report;
    report.findings = detail::run_rules(book, active, sel, options, id,
                                        options.collect_stats ? &report.stats : nullptr);
    const Date today = options.today.value_or(
        Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())));
    detail::finish_report(report, config.waivers, today);
    detail::find_remedies(report, book);
    report.summary.invoices = sel.invoices.size();
    report.summary.lines = sel.lines.size();
    add_sources(report);
    return report;
  }

  void add_sources(Report& report) const {
    for (const auto& p : registry.plugins()) {
      if (p.loaded)
        report.sources.push_back({"plugin", p.name, p.version, p.path, {}});
      else if (!p.disabled)
        report.refused.push_back({"plugin", p.name, p.version, p.path, p.error});
    }
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
  if (info.origin.empty()) info.origin = "the embedding program";
  if (errors.empty()) impl_->registry.add(std::move(info), std::move(factory), errors);
  if (errors.empty()) impl_->activate(impl_->registry.rules().back(), errors);
  if (!errors.empty()) throw ConfigError(std::move(errors));
}

const Config& Engine::config() const { return impl_->config; }
const std::vector<PluginRecord>& Engine::plugins() const { return impl_->registry.plugins(); }

std::vector<RuleInfo> Engine::rules() const {
  std::vector<RuleInfo> out;
  for (const auto& [id, index] : impl_->registry.by_id()) out.push_back(impl_->registry.rules()[index].info);
  return out;
}

const RuleInfo* Engine::find_rule(std::string_view id) const {
  const detail::RegisteredRule* reg = impl_->registry.find(id);
  return reg ? &reg->info : nullptr;
}

Report Engine::check(const Book& book, const CheckOptions& options) const {
  detail::Selection sel;
  sel.lines = book.lines();
  for (const auto& x : book.invoices()) sel.invoices.push_back(&x);
  for (const auto& x : book.clients()) sel.clients.push_back(&x);
  for (const auto& x : book.payments()) sel.payments.push_back(&x);
  for (const auto& x : book.credit_notes()) sel.notes.push_back(&x);
  return impl_->run(book, sel, options);
}

Report Engine::check_invoice(const Book& book, std::string_view invoice_id, const CheckOptions& options) const {
  const Invoice* inv = book.invoice(invoice_id);
  if (!inv) throw UnknownInvoice(std::string(invoice_id));
  detail::Selection sel;
  sel.only_invoice = inv->id;
  sel.lines = book.lines_of(*inv);
  sel.invoices.push_back(inv);
  if (const Client* c = book.client(inv->client_id)) sel.clients.push_back(c);
  for (const Payment* p : book.payments_of_invoice(inv->id)) sel.payments.push_back(p);
  for (const CreditNote* n : book.credit_notes_of_invoice(inv->id)) sel.notes.push_back(n);
  return impl_->run(book, sel, options);
}

}  // namespace billcheck
