// Load and check throughput on a synthetic CSV book, in lines per second.
//   bench_throughput [LINES (default 1000000)] [DIR (default: a temp dir)]
// Prints: CSV load, the arithmetic rules on one thread, load + arithmetic
// (target: >= 1,000,000 lines/s), every bundled rule on all cores, peak memory.
#include "synthetic_book.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>

#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace {

// CPU time of this thread: the figure for one-thread work that a busy machine
// does not inflate. Multi-threaded steps are timed on the wall clock.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void line(const char* what, double seconds, std::size_t lines) {
  std::printf("%-44s %8.3f s  %12.0f lines/s\n", what, seconds, static_cast<double>(lines) / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace billcheck;
  const std::size_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const std::filesystem::path dir =
      argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path() / "billcheck-bench-book";
  if (!std::filesystem::exists(dir / "invoice_lines.csv")) bench::write_synthetic_book(dir, lines);

  // Only the arithmetic rules, for the load + arithmetic target.
  Engine all;
  Config arithmetic_only;
  for (const auto& r : all.rules())
    if (r.id.rfind("arithmetic.", 0) != 0) arithmetic_only.rules[r.id].enabled = false;
  Engine arithmetic(arithmetic_only);

  double c0 = thread_cpu_seconds();
  Book book = load_book(dir);
  const double load = thread_cpu_seconds() - c0;
  const std::size_t n = book.lines().size();

  CheckOptions one;
  one.jobs = 1;
  c0 = thread_cpu_seconds();
  Report r1 = arithmetic.check(book, one);
  const double check1 = thread_cpu_seconds() - c0;

  CheckOptions every;
  auto t0 = std::chrono::steady_clock::now();
  Report r2 = all.check(book, every);
  const double check_all = seconds_since(t0);

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("billcheck throughput: %zu invoice lines, %zu invoices (%s)\n", n, book.invoices().size(), dir.c_str());
  line("load CSV (1 thread, CPU time)", load, n);
  line("arithmetic rules (1 thread, CPU time)", check1, n);
  line("load + arithmetic (1 thread; target >= 1M)", load + check1, n);
  char label[64];
  std::snprintf(label, sizeof label, "all %zu rules (%u threads, wall clock)", all.rules().size(), std::thread::hardware_concurrency());
  line(label, check_all, n);
  std::printf("findings: arithmetic %zu, all rules %zu\n", r1.findings.size(), r2.findings.size());
  std::printf("peak memory: %.0f MiB (%.0f bytes per line)\n", usage.ru_maxrss / 1024.0,
              usage.ru_maxrss * 1024.0 / static_cast<double>(n));
  return 0;
}
