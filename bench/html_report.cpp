// Time and size of the HTML report (`billcheck check --format html`) on the
// synthetic book.
//   bench_html_report [LINES (default 1000000)] [DIR (default: a temp dir)]
// Prints, for the book's own report (every bundled rule) and for a report with
// one finding per line (the worst case the table cap is for): the time to
// write the page (thread CPU time) and its size, with the table capped at the
// default 500 rows and with every finding.
#include "synthetic_book.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/report.hpp>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void measure(const char* what, const billcheck::Report& report, const billcheck::Book& book, std::size_t max_rows) {
  billcheck::HtmlOptions options;
  options.title = "synthetic book";
  options.max_rows = max_rows;
  std::ostringstream out;
  const double c0 = thread_cpu_seconds();
  billcheck::write_html(out, report, book, options);
  const double seconds = thread_cpu_seconds() - c0;
  std::printf("%-52s %9zu findings, %6zu rows  %8.3f s  %10.1f KiB\n", what, report.findings.size(),
              max_rows == 0 ? report.findings.size() : std::min(max_rows, report.findings.size()), seconds,
              static_cast<double>(out.str().size()) / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace billcheck;
  const std::size_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const std::filesystem::path dir =
      argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path() / "billcheck-bench-book";
  if (!std::filesystem::exists(dir / "invoice_lines.csv")) bench::write_synthetic_book(dir, lines);

  Book book = load_book(dir);
  Engine engine;
  const Report report = engine.check(book);
  measure("the book's report, table capped (--max-rows 500)", report, book, 500);
  measure("the book's report, every finding (--max-rows 0)", report, book, 0);

  // One finding per line, in the report's order, spread over the categories,
  // clients and timekeepers the way real findings are.
  Report every;
  const auto& cats = categories();
  std::size_t i = 0;
  for (const InvoiceLine& l : book.lines()) {
    const Invoice& inv = book.invoice_of(l);
    Finding f;
    f.rule = "bench.every-line";
    f.category = std::string(cats[i++ % cats.size()]);
    f.message = "a finding on every line";
    f.client = inv.client_id;
    f.invoice = inv.id;
    f.line = std::to_string(l.line_no);
    f.at_stake(l.amount, inv.currency);
    every.findings.push_back(std::move(f));
  }
  every.summary.invoices = book.invoices().size();
  every.summary.lines = book.lines().size();
  measure("a finding on every line, table capped (--max-rows 500)", every, book, 500);
  return 0;
}
