#include "engine/run.hpp"

#include "engine/too_large.hpp"
#include "load/encoding.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <type_traits>

namespace billcheck::detail {
namespace {

CurrentCheck* g_slots = nullptr;
std::size_t g_slot_count = 0;
thread_local CurrentCheck* t_slot = nullptr;

/// Records per task: fixed, so output order never depends on --jobs. A task
/// runs each of its scope's rules over all its records in turn, so what they
/// read should stay in the core's cache from the first rule to the last: 512
/// lines' records are 60 KB; 512 invoices' lines (8 an invoice, 120 bytes each)
/// 490 KB, where 2,048 invoices' were 2 MB, more than the cache.
constexpr std::size_t kChunk = 512;

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
std::string_view client_of(const Book&, const Invoice& i) { return i.client_id; }
std::string_view client_of(const Book&, const Client& c) { return c.id; }
std::string_view client_of(const Book&, const Payment& p) { return p.client_id; }
std::string_view client_of(const Book&, const CreditNote& n) { return n.client_id; }

std::string describe(const InvoiceLine& l) { return "line " + std::to_string(l.line_no) + " of invoice " + l.invoice_id; }
std::string describe(const Invoice& i) { return "invoice " + i.id; }
std::string describe(const Client& c) { return "client " + c.id; }
std::string describe(const Payment& p) { return "payment " + p.id; }
std::string describe(const CreditNote& n) { return "credit note " + n.id; }

/// The error of a rule that threw; `overflow` when it was a Decimal's overflow:
/// the book's figures, not the rule, are what to look at.
struct RuleError {
  std::string what;
  bool overflow = false;
};

// The one wording of "this rule threw": `what` is the record or "the book".
std::string failure_message(const RuleInfo& info, const std::string& what, const RuleError& error) {
  const std::string said = capped_rule_error(error.what);
  if (error.overflow)
    return "Rule " + info.id + " could not check " + what + ": its figures are " + too_large_to_work_out(said) +
           ". Check the quantities, rates and amounts " +
           (what == "the book" ? "of the book's largest records" : "of " + what) + ".";
  return "Rule " + info.id + " failed on " + what + " and was skipped" + (what == "the book" ? "" : " for it") +
         ": " + said + ". Report this to the rule's author (" + info.origin + ").";
}

// What one book rule instance found on a book, or why it failed.
struct BookRuleResult {
  std::vector<Finding> findings;
  std::optional<RuleError> error;
};

BookRuleResult evaluate(const Book& book, const ActiveRule& a, const Variant& v) {
  BookRuleResult result;
  Context ctx(book, *a.info, v.severity, result.findings);
  try {
    static_cast<const BookRule*>(v.rule)->check(book, ctx);
  } catch (const DecimalOverflow& e) {
    result.findings.clear();
    result.error = RuleError{e.what(), true};
  } catch (const std::exception& e) {
    result.findings.clear();
    result.error = RuleError{e.what()};
  } catch (...) {
    result.findings.clear();
    result.error = RuleError{"unknown exception"};
  }
  return result;
}

class Runner {
 public:
  Runner(const Book& book, std::span<const ActiveRule> active, const Selection& sel, std::uint64_t engine_id)
      : book_(book), active_(active), sel_(sel), engine_id_(engine_id) {}

  std::vector<Task> tasks() const {
    std::vector<Task> whole, chunks;
    for (const auto& a : active_)
      if (a.runs && sel_.runs(*a.info) && (a.info->scope == Scope::book || a.info->single_threaded))
        whole.push_back({a.info->scope, 0, size_of(a.info->scope), &a});
    for (Scope scope : {Scope::line, Scope::invoice, Scope::client, Scope::payment, Scope::credit_note}) {
      const std::size_t n = size_of(scope);
      for (std::size_t b = 0; b < n; b += kChunk) chunks.push_back({scope, b, std::min(n, b + kChunk), nullptr});
    }
    // The whole-book (and single-threaded) rules are the longest tasks: first
    // one, then the others spread through the chunks. Last, one thread ran them
    // alone while the other had nothing left; all first, the second often
    // waited for an index the first was building (the duplicates rules'
    // description hashes), where it can read chunks meanwhile.
    std::vector<Task> tasks;
    tasks.reserve(whole.size() + chunks.size());
    const std::size_t step = chunks.size() / (whole.size() + 1);
    std::size_t next_chunk = 0;
    for (const Task& w : whole) {
      tasks.push_back(w);
      for (std::size_t k = 0; k < step; ++k) tasks.push_back(chunks[next_chunk++]);
    }
    tasks.insert(tasks.end(), chunks.begin() + static_cast<std::ptrdiff_t>(next_chunk), chunks.end());
    return tasks;
  }

  void run(const Task& task, std::vector<Finding>& out, std::vector<RuleStats>* stats) const {
    switch (task.scope) {
      case Scope::line:
        run_scoped(sel_.lines, task, out, stats,
                   [](const Rule& r, const InvoiceLine& x, Context& c) { static_cast<const LineRule&>(r).check(x, c); });
        break;
      case Scope::invoice:
        run_scoped(sel_.invoices, task, out, stats,
                   [](const Rule& r, const Invoice& x, Context& c) { static_cast<const InvoiceRule&>(r).check(x, c); });
        break;
      case Scope::client:
        run_scoped(sel_.clients, task, out, stats,
                   [](const Rule& r, const Client& x, Context& c) { static_cast<const ClientRule&>(r).check(x, c); });
        break;
      case Scope::payment:
        run_scoped(sel_.payments, task, out, stats,
                   [](const Rule& r, const Payment& x, Context& c) { static_cast<const PaymentRule&>(r).check(x, c); });
        break;
      case Scope::credit_note:
        run_scoped(sel_.notes, task, out, stats, [](const Rule& r, const CreditNote& x, Context& c) {
          static_cast<const CreditNoteRule&>(r).check(x, c);
        });
        break;
      case Scope::book:
        run_book_task(*task.rule, out, stats);
        break;
    }
  }

 private:
  std::size_t size_of(Scope scope) const {
    switch (scope) {
      case Scope::line: return sel_.lines.size();
      case Scope::invoice: return sel_.invoices.size();
      case Scope::client: return sel_.clients.size();
      case Scope::payment: return sel_.payments.size();
      case Scope::credit_note: return sel_.notes.size();
      case Scope::book: return 0;
    }
    return 0;
  }

  std::size_t index_of(const ActiveRule& a) const { return static_cast<std::size_t>(&a - active_.data()); }

  // Runs the task's scope's rules over its records: every parallel rule, or
  // only task.rule (a single-threaded rule, inside its batch hooks).
  template <class Records, class Call>
  void run_scoped(const Records& records, const Task& task, std::vector<Finding>& out, std::vector<RuleStats>* stats,
                  Call call) const {
    const ActiveRule* serial = task.rule;
    // A line's invoice, found once here for every rule that asks (Context::invoice_of).
    constexpr bool kLines = std::is_same_v<std::remove_cvref_t<decltype(records[0])>, InvoiceLine>;
    std::vector<const Invoice*> invoices;
    if constexpr (kLines) {
      invoices.reserve(task.end - task.begin);
      for (std::size_t i = task.begin; i < task.end; ++i) invoices.push_back(&book_.invoice_of(records[i]));
    }
    for (const ActiveRule& a : active_) {
      if (a.info->scope != task.scope || !a.runs || !sel_.runs(*a.info)) continue;
      if (serial ? &a != serial : a.info->single_threaded) continue;
      BatchGuard batch(serial);
      CurrentCheck* const slot = t_slot;  // read once: a thread_local in a shared library costs a call
      if (slot) slot->rule.store(a.info, std::memory_order_relaxed);
      auto t0 = stats ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      std::size_t before_rule = out.size();
      const auto check = [&](const Variant& v, std::size_t i) __attribute__((always_inline)) {
        const auto& record = records[i];
        if (slot) slot->record.store(&record, std::memory_order_relaxed);
        Context ctx = [&] {
          if constexpr (kLines) return Context(book_, *a.info, v.severity, out, record, *invoices[i - task.begin]);
          else return Context(book_, *a.info, v.severity, out);
        }();
        std::size_t before = out.size();
        std::optional<RuleError> error;
        try {
          call(*v.rule, record, ctx);
          v.apply_severity(out, before);
        } catch (const DecimalOverflow& e) {
          error = RuleError{e.what(), true};
        } catch (const std::exception& e) {
          error = RuleError{e.what()};
        } catch (...) {
          error = RuleError{"unknown exception"};
        }
        if (error) {
          out.resize(before);
          make_internal(ctx.report(record, failure_message(*a.info, describe(record), *error)));
        }
      };
      if (a.per_client.empty()) {  // one variant for every record: the usual case, a loop of calls
        if (a.base.enabled && a.base.rule)
          for (std::size_t i = task.begin; i < task.end; ++i) check(a.base, i);
      } else {  // the record's client is looked up only when some client has settings of its own
        for (std::size_t i = task.begin; i < task.end; ++i) {
          const Variant& v = kLines ? a.for_client(invoices[i - task.begin]->client_id)
                                    : a.for_client(client_of(book_, records[i]));
          if (v.enabled && v.rule) check(v, i);
        }
      }
      if (stats) {
        (*stats)[index_of(a)].time += std::chrono::steady_clock::now() - t0;
        (*stats)[index_of(a)].findings += out.size() - before_rule;
      }
    }
  }

  void run_book_task(const ActiveRule& a, std::vector<Finding>& out, std::vector<RuleStats>* stats) const {
    auto t0 = std::chrono::steady_clock::now();
    if (t_slot) {
      t_slot->record.store(nullptr, std::memory_order_relaxed);
      t_slot->rule.store(a.info, std::memory_order_relaxed);
    }
    {
      BatchGuard batch(a.info->single_threaded ? &a : nullptr);
      run_book_rule(a, out);
    }
    if (stats) {
      (*stats)[index_of(a)].time += std::chrono::steady_clock::now() - t0;
      (*stats)[index_of(a)].findings += out.size();
    }
    if (!sel_.only_invoice.empty())
      std::erase_if(out, [&](const Finding& f) { return f.invoice != sel_.only_invoice; });
  }

  // When checking one invoice, each instance's result is kept on the Book, so
  // that checking its invoices one by one runs a book-wide rule once per book.
  void run_book_rule(const ActiveRule& a, std::vector<Finding>& out) const {
    const bool remember = !sel_.only_invoice.empty();
    // The base instance runs for every client without its own variant; each
    // client variant with its own instance runs again and keeps only its client's findings.
    auto run = [&](const Variant& v, auto keep) {
      if (!v.rule) return;
      std::vector<Finding> local;
      std::optional<RuleError> error;
      if (remember) {
        const std::string key = "billcheck.engine/" + std::to_string(engine_id_) + "/" +
                                std::to_string(reinterpret_cast<std::uintptr_t>(v.rule));
        const auto& result = book_.derived<BookRuleResult>(key, [&](const Book& b) { return evaluate(b, a, v); });
        // Only this invoice's findings are kept (run_book_task): copy no others.
        for (const Finding& f : result.findings)
          if (f.invoice == sel_.only_invoice) local.push_back(f);
        error = result.error;
      } else {
        BookRuleResult result = evaluate(book_, a, v);
        local = std::move(result.findings);
        error = std::move(result.error);
      }
      if (error) {
        Context ctx(book_, *a.info, v.severity, out);
        make_internal(ctx.report(failure_message(*a.info, "the book", *error)));
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

  const Book& book_;
  std::span<const ActiveRule> active_;
  const Selection& sel_;
  std::uint64_t engine_id_;
};

}  // namespace

std::string capped_rule_error(std::string text) {
  if (text.size() <= kMaxRuleError) return text;
  const std::size_t whole = text.size();
  encoding::cut_at_character(text, kMaxRuleError);
  return text + "… [cut: the rule's error was " + std::to_string(whole) + " bytes]";
}

std::string describe_running_check() {
  const CurrentCheck* slot = t_slot && t_slot->rule.load(std::memory_order_relaxed) ? t_slot : nullptr;
  for (std::size_t i = 0; !slot && i < g_slot_count; ++i)
    if (g_slots[i].rule.load(std::memory_order_relaxed)) slot = &g_slots[i];
  if (!slot) return {};
  const RuleInfo& rule = *slot->rule.load(std::memory_order_relaxed);
  const void* record = slot->record.load(std::memory_order_relaxed);
  std::string where = "the book";
  if (record) {
    switch (rule.scope) {
      case Scope::line: where = describe(*static_cast<const InvoiceLine*>(record)); break;
      case Scope::invoice: where = describe(*static_cast<const Invoice*>(record)); break;
      case Scope::client: where = describe(*static_cast<const Client*>(record)); break;
      case Scope::payment: where = describe(*static_cast<const Payment*>(record)); break;
      case Scope::credit_note: where = describe(*static_cast<const CreditNote*>(record)); break;
      case Scope::book: break;
    }
  }
  return "rule " + rule.id + (rule.origin.empty() ? "" : " (" + rule.origin + ")") + " checking " + where;
}

void track_current_checks(CurrentCheck* slots, std::size_t count) {
  g_slots = slots;
  g_slot_count = count;
}

const CurrentCheck* current_check() { return t_slot; }

Selection select_book(const Book& book) {
  Selection sel;
  sel.lines = book.lines();
  sel.invoices = Picked<Invoice>(book.invoices());
  sel.clients = Picked<Client>(book.clients());
  sel.payments = Picked<Payment>(book.payments());
  sel.notes = Picked<CreditNote>(book.credit_notes());
  return sel;
}

Selection select_invoice(const Book& book, const Invoice& inv) {
  Selection sel;
  sel.only_invoice = inv.id;
  sel.lines = book.lines_of(inv);
  sel.invoices.push_back(&inv);
  if (const Client* c = book.client(inv.client_id)) sel.clients.push_back(c);
  for (const Payment* p : book.payments_of(inv)) sel.payments.push_back(p);
  for (const CreditNote* n : book.credit_notes_of(inv)) sel.notes.push_back(n);
  return sel;
}

std::vector<Finding> run_rules(const Book& book, std::span<const ActiveRule> active, const Selection& sel,
                               const CheckOptions& options, std::uint64_t engine_id, std::vector<RuleStats>* stats) {
  const Runner runner(book, active, sel, engine_id);
  const std::vector<Task> tasks = runner.tasks();
  std::vector<std::vector<Finding>> results(tasks.size());
  unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(1, tasks.size())));
  std::vector<std::vector<RuleStats>> thread_stats(stats ? jobs : 0, std::vector<RuleStats>(active.size()));
  std::atomic<std::size_t> next{0}, done{0};

  auto worker = [&](unsigned w) {
    std::vector<RuleStats>* own_stats = stats ? &thread_stats[w] : nullptr;
    t_slot = w < g_slot_count ? &g_slots[w] : nullptr;
    for (std::size_t t; (t = next.fetch_add(1)) < tasks.size();) {
      runner.run(tasks[t], results[t], own_stats);
      if (t_slot) t_slot->rule.store(nullptr, std::memory_order_relaxed);
      if (options.progress) options.progress(done.fetch_add(1) + 1, tasks.size());
    }
  };
  if (jobs == 1) {
    worker(0);
  } else {
    std::vector<std::jthread> threads;
    for (unsigned w = 0; w < jobs; ++w) threads.emplace_back(worker, w);
  }

  if (stats) {
    for (std::size_t r = 0; r < active.size(); ++r) {
      RuleStats s{active[r].info->id, {}, 0};
      for (const auto& ts : thread_stats) {
        s.time += ts[r].time;
        s.findings += ts[r].findings;
      }
      stats->push_back(std::move(s));
    }
  }
  std::vector<Finding> findings;
  for (auto& r : results)
    for (auto& f : r) findings.push_back(std::move(f));
  return findings;
}

}  // namespace billcheck::detail
