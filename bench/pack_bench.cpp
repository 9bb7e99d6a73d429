// Pack rules against native rules, and how long packs take to compile.
//   bench_packs [LINES (default 1000000)]
// Prints, on one thread (CPU time, best of 5):
//   - ns per line for `line.rate > 500` as a pack rule and as a native LineRule,
//     called the way the engine calls a rule (a Context per record);
//   - the same two rules through Engine::check (every other rule off);
//   - the time to load a pack of 1,000 rules (YAML, type check, compile).
// Targets: <= 30 ns per rule per line, within 3x of native, 1,000 rules < 100 ms.
#include <time.h>

#include <algorithm>
#include <billcheck/engine.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>

#include "packs/expr/expr.hpp"
#include "packs/pack_loader.hpp"

namespace {
using namespace billcheck;
namespace fs = std::filesystem;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double best_of(int runs, const std::function<void()>& f) {
  double best = 1e300;
  for (int i = 0; i < runs; ++i) {
    double t0 = thread_cpu_seconds();
    f();
    best = std::min(best, thread_cpu_seconds() - t0);
  }
  return best;
}

// Lines in invoices of 8, partners at 650.00 one line in 1000 (so findings
// are rare and the figure is the condition's cost), the rest at 420 and 180.
Book synthetic_book(std::size_t lines) {
  BookData d;
  const char* roles[] = {"partner", "associate", "paralegal"};
  for (int c = 0; c < 200; ++c) {
    Client cl;
    cl.id = d.add_text("C" + std::to_string(c));
    cl.name = d.add_text("Client " + std::to_string(c));
    cl.currency = d.add_text("USD");
    d.clients.push_back(std::move(cl));
  }
  for (int t = 0; t < 50; ++t)
    d.timekeepers.push_back({d.add_text("T" + std::to_string(t)), d.add_text("Keeper"), d.add_text(roles[t % 3])});
  const Date base = *Date::parse_iso("2026-01-01");
  const Decimal high = *Decimal::parse("650"), mid = *Decimal::parse("420"), low = *Decimal::parse("180");
  std::size_t written = 0;
  for (std::size_t i = 0; written < lines; ++i) {
    Invoice inv;
    inv.id = d.add_text("INV-" + std::to_string(100000 + i));
    inv.client_id = d.add_text("C" + std::to_string(i % 200));
    inv.issue_date = base.plus_days(40);
    inv.currency = d.add_text("USD");
    for (std::int64_t l = 1; l <= 8 && written < lines; ++l, ++written) {
      InvoiceLine line;
      line.invoice_id = inv.id;
      line.line_no = l;
      line.type = d.add_text("fee");
      line.date = base.plus_days(l);
      line.timekeeper_id = d.add_text("T" + std::to_string((i + static_cast<std::size_t>(l)) % 50));
      line.quantity = Decimal::from_raw(static_cast<std::int64_t>((written % 40) + 1) * 100000);
      line.rate = written % 1000 == 999 ? high : written % 2 ? mid : low;
      line.amount = (line.quantity * line.rate).round(2);
      inv.total += line.amount;
      d.lines.push_back(std::move(line));
    }
    d.invoices.push_back(std::move(inv));
  }
  return Book(std::move(d));
}

class NativeRateRule final : public LineRule {
 public:
  static RuleInfo info() {
    return {.id = "bench.native-rate", .title = "Rate above 500", .category = "rates", .severity = Severity::error};
  }
  void check(const InvoiceLine& line, Context& ctx) const override {
    if (line.rate > kLimit) ctx.report(line, "rate " + format_amount(line.rate, "USD") + " above 500");
  }

 private:
  const Decimal kLimit{500};
};

const char* kPack =
    "pack: bench\n"
    "rules:\n"
    "  - id: rate\n"
    "    title: Rate above 500\n"
    "    category: rates\n"
    "    scope: line\n"
    "    when: line.rate > 500\n"
    "    message: \"rate {line.rate} above 500\"\n";

fs::path write_pack(const fs::path& dir, const std::string& yaml) {
  fs::create_directories(dir);
  std::ofstream(dir / "pack.yaml") << yaml;
  return dir;
}

std::string thousand_rules() {
  std::string y = "pack: many\nrules:\n";
  static const char* conditions[] = {
      "line.rate > {N}",
      "line.timekeeper.role == 'partner' && line.rate > options.cap",
      "line.type == 'fee' && weekday(line.date) in ['Sat', 'Sun'] && line.quantity > {N}",
      "line.description.matches('(?i)travel') && line.rate > line.agreed_rate * 0.5",
      "invoice.lines.filter(l, l.type == 'expense').map(l, l.amount).sum() > {N}",
  };
  for (int i = 0; i < 1000; ++i) {
    std::string c = conditions[i % 5];
    if (auto p = c.find("{N}"); p != std::string::npos) c.replace(p, 3, std::to_string(100 + i));
    y += "  - id: r" + std::to_string(i) + "\n    title: Rule " + std::to_string(i) +
         "\n    category: rates\n    scope: line\n    options:\n      cap: {type: decimal, default: " +
         std::to_string(600 + i) + "}\n    when: \"" + c +
         "\"\n    message: \"{line.timekeeper.name} billed {line.rate} (rule " + std::to_string(i) +
         ", cap {options.cap})\"\n    at_stake: (line.rate - options.cap) * line.quantity\n";
  }
  return y;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const fs::path tmp = fs::temp_directory_path() / ("billcheck-pack-bench-" + std::to_string(::getpid()));
  Book book = synthetic_book(n);
  std::printf("billcheck pack bench: %zu lines, one thread, CPU time, best of 5\n", book.lines().size());

  // The pack rule, built the way the engine builds it.
  detail::PackLoad pack = detail::load_pack(write_pack(tmp / "bench", kPack));
  std::unique_ptr<Rule> pack_rule = pack.rules.at(0).factory(Options{});
  NativeRateRule native;
  RuleInfo pack_info = pack.rules[0].info, native_info = NativeRateRule::info();

  auto run_direct = [&](const LineRule& rule, const RuleInfo& info) {
    std::vector<Finding> out;
    for (const auto& line : book.lines()) {
      Context ctx(book, info, Severity::error, out);
      rule.check(line, ctx);
    }
    return out.size();
  };
  std::size_t pack_findings = 0, native_findings = 0;
  double t_pack = best_of(5, [&] { pack_findings = run_direct(static_cast<const LineRule&>(*pack_rule), pack_info); });
  double t_native = best_of(5, [&] { native_findings = run_direct(native, native_info); });
  const double lines = static_cast<double>(book.lines().size());
  std::printf("%-52s %7.2f ns/line  (%zu findings)\n", "pack rule `line.rate > 500`, called directly",
              t_pack / lines * 1e9, pack_findings);
  std::printf("%-52s %7.2f ns/line  (%zu findings)\n", "native LineRule, called directly", t_native / lines * 1e9,
              native_findings);
  std::printf("%-52s %7.2fx\n", "pack / native", t_pack / t_native);

  // Through the engine: only the one rule enabled.
  Engine probe;
  Config only_pack;
  only_pack.packs.push_back(tmp / "bench");
  for (const auto& r : probe.rules()) only_pack.rules[r.id].enabled = false;
  Engine pack_engine(only_pack);
  Config only_native;
  for (const auto& r : probe.rules()) only_native.rules[r.id].enabled = false;
  Engine native_engine(only_native);
  native_engine.add_rule(NativeRateRule::info(), [](const Options&) { return std::make_unique<NativeRateRule>(); });
  CheckOptions one;
  one.jobs = 1;
  double e_pack = best_of(5, [&] { pack_findings = pack_engine.check(book, one).findings.size(); });
  double e_native = best_of(5, [&] { native_findings = native_engine.check(book, one).findings.size(); });
  std::printf("%-52s %7.2f ns/line  (%zu findings)\n", "pack rule through Engine::check", e_pack / lines * 1e9,
              pack_findings);
  std::printf("%-52s %7.2f ns/line  (%zu findings)\n", "native rule through Engine::check", e_native / lines * 1e9,
              native_findings);

  // Compiling: a pack of 1,000 rules (YAML parse, type check, compile).
  write_pack(tmp / "many", thousand_rules());
  std::size_t compiled = 0;
  double t_load = best_of(5, [&] { compiled = detail::load_pack(tmp / "many").rules.size(); });
  std::printf("%-52s %7.2f ms  (%zu rules)\n", "load a pack of 1,000 rules", t_load * 1e3, compiled);
  expr::Program program;
  expr::Environment env{Scope::line, {{"cap", OptionType::decimal}}};
  double t_compile = best_of(5, [&] {
    for (int i = 0; i < 1000; ++i)
      program.compile("line.timekeeper.role == 'partner' && line.rate > options.cap + " + std::to_string(i), env);
  });
  std::printf("%-52s %7.2f ms\n", "compile 1,000 expressions (no YAML)", t_compile * 1e3);
  fs::remove_all(tmp);
  return 0;
}
