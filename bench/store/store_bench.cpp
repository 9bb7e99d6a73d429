// The record at scale: 50 runs of 4,000 findings each, each run finding 2,000
// of the previous run's again and 2,000 new ones (100,000 findings in all,
// 2,000 left open at the end). Prints the time to record a run, the store's
// size as it grows (bytes per finding per run), and how fast
// `findings --status open` answers, in the library and from the CLI.
//
//   build/bin/bench_store [DIR]
#include <billcheck/store.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

using namespace billcheck;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRuns = 50, kPerRun = 4000, kStep = 2000, kTotal = 100000;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

Finding make_finding(int n) {
  Finding f;
  f.rule = "bench.rule-" + std::to_string(n % 20);
  f.severity = n % 3 ? Severity::error : Severity::warning;
  f.category = "arithmetic";
  f.message = "Line " + std::to_string(n % 8 + 1) + " of a synthetic invoice is off by one cent (finding " +
              std::to_string(n) + ").";
  f.amount_at_stake = Decimal::from_raw(10'000);  // 0.01
  f.currency = "USD";
  f.evidence_of("expected", "100.00").evidence_of("actual", "100.01");
  char fp[17];
  std::snprintf(fp, sizeof fp, "%016x", static_cast<unsigned>(n) * 2654435761u);
  f.fingerprint = std::string(fp) + std::to_string(n);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "billcheck-store-bench";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path path = dir / "record.db";
  const Book book{BookData{}};  // the findings name no record, so every run covers them all
  std::size_t sightings = 0;
  double record_ms = 0;
  {
    Store store(path, StoreOptions{"bench", {}, false});
    std::printf("run  findings  record (ms)  store size (bytes)  bytes per finding per run\n");
    for (int run = 0; run < kRuns; ++run) {
      Report report;
      for (int n = run * kStep; n < run * kStep + kPerRun && n < kTotal; ++n) report.findings.push_back(make_finding(n));
      sightings += report.findings.size();
      const auto t = Clock::now();
      store.record_run(report, book, {"synthetic", "-", "", "", ""});
      const double ms = ms_since(t);
      record_ms += ms;
      if ((run + 1) % 10 == 0 || run == 0) {
        // Sizes with the write-ahead log checkpointed into the file.
        { Store checkpoint(path, StoreOptions{"bench", {}, false}); }
        const auto size = fs::file_size(path) + (fs::exists(dir / "record.db-wal") ? fs::file_size(dir / "record.db-wal") : 0);
        std::printf("%3d  %8zu  %11.1f  %18ju  %25.0f\n", run + 1, report.findings.size(), ms,
                    static_cast<std::uintmax_t>(size), static_cast<double>(size) / static_cast<double>(sightings));
      }
    }
    std::printf("recording: %.1f ms per run on average (%d runs, %zu findings seen in all)\n", record_ms / kRuns, kRuns,
                sightings);
    auto t = Clock::now();
    const auto open = store.findings({{"open"}, "", "", ""});
    const double lib_ms = ms_since(t);
    t = Clock::now();
    const auto all = store.findings({});
    const double all_ms = ms_since(t);
    std::printf("Store::findings(status open): %zu of %zu findings in %.1f ms (all %zu: %.1f ms)\n", open.size(),
                all.size(), lib_ms, all.size(), all_ms);
    t = Clock::now();
    const auto verify = store.verify();
    std::printf("audit verify: %jd events in %.1f ms (%s)\n", static_cast<std::intmax_t>(verify.events), ms_since(t),
                verify.intact ? "intact" : "broken");
  }
  const std::string cli = std::string("'") + BILLCHECK_EXE + "' findings --status open --store '" + path.string() +
                          "' >/dev/null";
  double best = 1e9;
  for (int i = 0; i < 5; ++i) {
    const auto t = Clock::now();
    if (std::system(cli.c_str()) != 0) {
      std::fprintf(stderr, "bench_store: %s failed\n", cli.c_str());
      return 1;
    }
    best = std::min(best, ms_since(t));
  }
  std::printf("billcheck findings --status open (the whole process, best of 5): %.1f ms\n", best);
  const auto size = fs::file_size(path);
  std::printf("final store: %ju bytes, %.0f bytes per finding per run\n", static_cast<std::uintmax_t>(size),
              static_cast<double>(size) / static_cast<double>(sightings));
  return 0;
}
