// billcheck check: the main job.
#include "cli.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/output.hpp>
#include <billcheck/report.hpp>

#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

namespace billcheck::cli {
namespace {

struct CheckArgs {
  std::string path;
  std::string format = "text";
  std::string output;
  std::string fail_on = "error";
  std::string color = "auto";
  std::string invoice;
  std::string templates;     // --format html: a folder with the firm's report.html, .css and .js
  std::size_t max_rows = 500;  // --format html: findings in the table
  unsigned jobs = 0;
  bool stats = false;
  bool allow_refused_plugins = false;
  LoadOptions load;
  StoreArgs store;
};

Book load_with_progress(const CheckArgs& args, const LoadOptions& load, bool progress) {
  if (progress) std::cerr << "billcheck: loading " << args.path << "…" << std::flush;
  try {
    Book book = load_book(args.path, load);
    if (progress) std::cerr << "\r\033[K";
    return book;
  } catch (...) {
    if (progress) std::cerr << "\r\033[K";
    throw;
  }
}

void print_stats(const Report& report) {
  std::cerr << "rule                                      time (ms)   findings\n";
  for (const auto& s : report.stats) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%-40s %10.3f %10zu\n", s.rule.c_str(),
                  std::chrono::duration<double, std::milli>(s.time).count(), s.findings);
    std::cerr << buf;
  }
}

// What writes the report in the format asked for; `args`, `report` and
// `book` must outlive it.
std::function<void(std::ostream&)> report_writer(const CheckArgs& args, const Report& report, const Book& book) {
  const Report* r = &report;
  if (args.format == "json") return [r](std::ostream& out) { write_json(out, *r); };
  if (args.format == "html") {
    const HtmlOptions html{args.path, args.templates, args.max_rows};
    return [r, b = &book, html](std::ostream& out) { write_html(out, *r, *b, html); };
  }
  if (args.format == "csv") return [r](std::ostream& out) { write_csv(out, *r); };
  if (args.format == "xlsx") return [r](std::ostream& out) { write_xlsx(out, *r); };
  bool color = args.color == "always" || (args.color == "auto" && args.output.empty() && isatty(STDOUT_FILENO));
  if (std::getenv("NO_COLOR") && *std::getenv("NO_COLOR")) color = false;
  return [r, b = &book, color](std::ostream& out) { write_text(out, *r, *b, TextStyle{color}); };
}

// The exit status once the report is written: a failed rule or a refused
// plugin means the book was not fully checked, whatever the findings.
int check_status(const CheckArgs& args, const Report& report) {
  if (report.has_internal_errors()) {
    std::cerr << "billcheck: a rule failed during the check (see the 'internal' findings); the report is incomplete\n";
    return kBadInput;
  }
  if (!report.refused.empty() && !args.allow_refused_plugins) {
    // Each refusal is already logged with its reason, and listed in the report.
    const auto rules = static_cast<std::size_t>(
        std::count_if(report.refused.begin(), report.refused.end(), [](const RuleSource& r) { return r.kind == "rule"; }));
    const std::size_t plugins = report.refused.size() - rules;
    std::string what;
    if (plugins) what = std::to_string(plugins) + (plugins == 1 ? " plugin" : " plugins");
    if (rules) what += (what.empty() ? "" : " and ") + std::to_string(rules) + (rules == 1 ? " plugin rule" : " plugin rules");
    std::cerr << "billcheck: " << what << (plugins + rules == 1 ? " was" : " were")
              << " refused, so " << (plugins ? "their rules" : rules == 1 ? "it" : "they")
              << " did not run (see 'Refused' in the report); fix or remove them, or pass --allow-refused-plugins\n";
    return kBadInput;
  }
  if (args.fail_on == "never") return kClean;
  Severity threshold = args.fail_on == "warning" ? Severity::warning : Severity::error;
  auto worst = report.worst();
  return worst && *worst >= threshold ? kFindings : kClean;
}

int run_check(const CheckArgs& args, const CommonOptions& common) {
#if defined(__GLIBC__)
  // One book, checked once: two malloc arenas, not up to eight per core. Each
  // thread's arena kept what its loads and rules had freed (4-5 MB of a 1M-line
  // check's peak), and the rule threads sharing one measured no slower. Set
  // here, not for every command: `billcheck serve`'s request threads contend
  // for two arenas (30% fewer checks a second in bench_service_load).
  ::mallopt(M_ARENA_MAX, 2);
#endif
  if (args.format == "xlsx" && args.output.empty() && isatty(STDOUT_FILENO)) {
    std::cerr << "billcheck: --format xlsx writes a workbook, not text for a terminal: give --output FILE.xlsx\n";
    return kBadInput;
  }
  Config config = config_for(args.path, common);
  LoadOptions load = load_options(args.load, config);
  load.jobs = args.jobs;
  refuse_output_over_inputs(args.output, args.path, load, config,
                            {args.store.store.empty() ? config.store : std::filesystem::path(args.store.store)});
  RulesInProcess rules;  // from the plugins' loading to the end of the check
  const bool progress = stderr_is_terminal(common);
  // Isolated rules' workers load the book's files beside this process's load.
  const BookSource source{args.path, load};
  // The engine (its plugins, packs and rule files) is made on a thread of its
  // own while this one loads the book (~10 ms of a 1M-line check's 0.5 s);
  // a config it refuses is still the error reported, whatever the book. Not
  // when Python rules run in this process (the interpreter would start on
  // that thread) or when progress is shown (the plugins' log and its line
  // would interleave on the terminal). Loading a book logs nothing.
  const bool beside = !progress && (config.python.empty() || config.python_isolate);
  std::optional<Engine> made;
  std::exception_ptr refused;
  const auto make_engine = [&] {
    try {
      made.emplace(std::move(config));
      made->prepare(source);
    } catch (...) {
      refused = std::current_exception();
    }
  };
  std::optional<Book> loaded;
  {
    std::jthread maker;
    if (beside) maker = std::jthread(make_engine);
    else make_engine();
    // (`refused` is read here only when no thread is making the engine.)
    if (beside || !refused) {
      try {
        loaded.emplace(load_with_progress(args, load, progress));
      } catch (...) {
        if (maker.joinable()) maker.join();
        if (refused) std::rethrow_exception(refused);
        throw;
      }
    }
  }  // the engine made
  if (refused) std::rethrow_exception(refused);
  Engine& engine = *made;
  Book book = std::move(*loaded);

  CheckOptions options;
  options.source = source;
  options.jobs = args.jobs;
  options.collect_stats = args.stats;
  std::atomic<int> last_percent{-1};
  if (progress && book.lines().size() > 200000) {
    options.progress = [&](std::size_t done, std::size_t total) {
      int percent = static_cast<int>(done * 100 / total);
      if (percent != last_percent.exchange(percent)) std::cerr << "\rbillcheck: checking… " << percent << "%" << std::flush;
    };
  }
  Report report = args.invoice.empty() ? engine.check(book, options) : engine.check_invoice(book, args.invoice, options);
  if (options.progress) std::cerr << "\r\033[K";
  rules.end();
  // The output is opened before anything is recorded, and the report written
  // (to its temporary) inside the recording transaction: an output that cannot
  // be written records nothing, and the file is replaced once the run is recorded.
  // Standard output may be a pipe whose reader takes its time, and every other
  // billcheck writing the store would wait for it (then give up): the report is
  // made in memory there, its first PIPE_BUF bytes written inside the
  // transaction (a closed, full or broken output fails there and records
  // nothing; an empty pipe takes them at once), the rest once the run is committed.
  std::optional<PendingOutput> output;
  if (!args.output.empty()) output.emplace(args.output, OutputOptions{common.force});
  const auto write = report_writer(args, report, book);
  std::string rendered;
  std::size_t sent = 0;
  const auto rest = [&] {
    if (sent < rendered.size())
      write_standard_output([&](std::ostream& out) { out.write(rendered.data() + sent, static_cast<std::streamsize>(rendered.size() - sent)); });
  };
  record_check(
      args.store, engine.config(), args.path, args.invoice, book, report, common,
      [&](bool recording) {
        if (output) {
          output->write(write);
        } else if (!recording) {
          write_standard_output(write);
        } else {
          std::ostringstream made;
          write(made);
          rendered = std::move(made).str();
          sent = std::min<std::size_t>(rendered.size(), PIPE_BUF);
          write_standard_output([&](std::ostream& out) { out.write(rendered.data(), static_cast<std::streamsize>(sent)); });
        }
      },
      rest);
  if (output) output->commit();
  if (args.stats) print_stats(report);
  // The process ends here: its memory goes back to the system at once at exit,
  // where freeing a million-line book record by record took 0.18 s of a 2.6 s
  // check. The book stays reachable (not a leak to a leak checker) and is never freed.
  [[maybe_unused]] static const Book* kept_until_exit = nullptr;
  kept_until_exit = new Book(std::move(book));
  return check_status(args, report);
}

// --jobs as a count a person can read in the error, not CLI11's numeric range.
const CLI::Validator kJobs(
    [](std::string& text) -> std::string {
      unsigned long n = 0;
      const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
      if (digits && text.size() <= 4) n = std::stoul(text);
      if (!digits || text.size() > 4 || n > 1024)
        return "'" + text + "' is not a number of threads: give 0 (one per core) up to 1024";
      return {};
    },
    "0..1024", "THREADS");

}  // namespace

void add_check_command(CLI::App& app, CommonOptions& common, Commands& commands) {
  auto args = std::make_shared<CheckArgs>();
  CheckArgs& check = *args;
  auto* cmd = app.add_subcommand("check", "Check a book and print the report");
  cmd->add_option("book", check.path,
                  "A CSV directory, a .json file, a LEDES 1998B file, or - for JSON or LEDES on stdin")
      ->required();
  cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml beside the book)");
  cmd->add_option("-f,--format", check.format, "Report format")->check(CLI::IsMember({"text", "json", "html", "csv", "xlsx"}))->capture_default_str();
  cmd->add_option("-o,--output", check.output,
                  "Write the report to FILE instead of stdout (replaced only when the whole report is written)");
  cmd->add_option("--fail-on", check.fail_on, "Exit 1 when a finding is at least this severe")
      ->check(CLI::IsMember({"error", "warning", "never"}))
      ->capture_default_str();
  cmd->add_option("-j,--jobs", check.jobs, "Threads (default: one per core)")->check(kJobs);
  cmd->add_option("--invoice", check.invoice, "Check only this invoice (with its lines, client and payments)");
  cmd->add_option("--color", check.color, "Colour the text report")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_option("--max-rows", check.max_rows,
                  "HTML: at most N findings in the table, the rest counted in the totals and charts (0 = all)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (!text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos)
              return {};
            return "'" + text + "' is not a number of rows: give 0 (all) or more";
          },
          "ROWS"))
      ->capture_default_str();
  cmd->add_option("--templates", check.templates,
                  "HTML: a folder with your own report.html, report.css and report.js (a copy of "
                  "share/billcheck/templates)");
  cmd->add_flag("--stats", check.stats, "Print each rule's time and finding count to stderr");
  cmd->add_flag("--allow-refused-plugins", check.allow_refused_plugins,
                "Exit as the findings say even when a plugin or a plugin's rule was refused (the report still lists it)");
  cmd->add_option("--with", check.load.reference,
                  "Add this CSV book's clients, engagements, rates, timekeepers, time entries, payments and "
                  "credit notes for the invoices checked (e.g. to a LEDES file)");
  cmd->add_option("--currency", check.load.ledes_currency, "Currency of LEDES invoices whose client --with does not give")
      ->check(kIsoCurrency)
      ->capture_default_str();
  add_store_options(cmd, check.store);
  commands.push_back({cmd, [args, &common] { return run_check(*args, common); }});
}

}  // namespace billcheck::cli
