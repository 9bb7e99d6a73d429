// bench_service_load: 8 client threads (httplib::Client, keep-alive) against a
// billcheck service on a loopback port of its own, run in this process:
// checks per second and latency p50/p99 for a 100-line invoice and for a
// 10,000-line book, the CPU time of the process per check (server and clients:
// the figure a busy machine disturbs least), and the resident memory after
// 100, 20,000 and 40,000 requests.
//
// Then the latency at a set load: the 8 clients together offering 2,000 and
// 3,000 invoice checks a second (open loop, latency counted from when each
// request was due).
//
//   build/bin/bench_service_load [REQUESTS] [--invoice-only] [--max-checks N]
//   (default 20,000 invoice checks; --max-checks as `billcheck serve`'s, default four per core)
#include <billcheck/convert.hpp>
#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/service.hpp>

#include "synthetic_book.hpp"

#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kClients = 8;

/// One client with a rate card and one invoice of `lines` lines that all add up.
std::string invoice_book(int lines) {
  std::ostringstream b;
  b << R"({"clients": [{"client_id": "C1", "name": "Northwind", "currency": "USD", "payment_terms_days": 30}],)"
    << R"("timekeepers": [)";
  for (int t = 0; t < 10; ++t) b << (t ? "," : "") << R"({"timekeeper_id": "T)" << t << R"(", "name": "Keeper )" << t << R"(", "role": "associate"})";
  b << R"(], "engagements": [{"engagement_id": "E1", "client_id": "C1", "name": "Lease"}],)"
    << R"("rates": [{"engagement_id": "E1", "role": "associate", "rate": "420.00", "effective_from": "2025-01-01"}],)";
  b << R"("invoices": [{"invoice_id": "INV-1", "client_id": "C1", "engagement_id": "E1", "issue_date": "2026-02-04",)"
    << R"("period_start": "2026-01-01", "period_end": "2026-01-31", "due_date": "2026-03-06", "currency": "USD",)"
    << R"("total": ")" << lines * 630 << R"(.00", "status": "draft"}], "invoice_lines": [)";
  for (int i = 0; i < lines; ++i) {
    char date[16];
    std::snprintf(date, sizeof date, "2026-01-%02d", 5 + (i / 10) % 20);
    b << (i ? "," : "") << R"({"invoice_id": "INV-1", "line_no": )" << i + 1 << R"(, "type": "fee", "date": ")" << date
      << R"(", "timekeeper_id": "T)" << i % 10 << R"(", "description": "Review and revise draft agreement )" << i
      << R"(", "quantity": "1.5", "rate": "420.00", "amount": "630.00"})";
  }
  b << "]}";
  return b.str();
}

std::string synthetic_json(std::size_t lines) {
  const auto dir = std::filesystem::temp_directory_path() / ("bench_service_" + std::to_string(::getpid()));
  billcheck::bench::write_synthetic_book(dir, lines);
  std::ostringstream out;
  billcheck::write_book_json(out, billcheck::load_book(dir));
  std::filesystem::remove_all(dir);
  return out.str();
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

/// CPU time of the whole process (server and clients), user + system.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Run {
  double seconds = 0;
  double cpu_seconds = 0;  // the process's, clients included
  std::vector<double> latencies_ms;
  int failures = 0;
};

/// `total` requests spread over `clients` threads, each on its own keep-alive
/// connection. With `rate` 0 each client sends its next request as soon as the
/// last is answered (closed loop: the most the service does). With a `rate`
/// (requests per second, all clients together) each client sends on a fixed
/// schedule and a request's latency counts from when it was due, so time spent
/// behind a slow answer is counted, not hidden (open loop, as wrk2 measures).
Run load(int port, const std::string& body, int total, int kClients = ::kClients, double rate = 0) {
  Run run;
  std::vector<std::vector<double>> per(kClients);
  std::atomic<int> failures{0};
  const auto start = Clock::now();
  const double cpu_start = process_cpu_seconds();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // as curl and Node do: the body is not held back behind the head
      client.set_read_timeout(60, 0);
      const int n = total / kClients + (c < total % kClients);
      per[c].reserve(n);
      // Client c's i-th request is due at start + (i * clients + c) / rate.
      const auto due = [&](int i) {
        return start + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>((i * kClients + c) / rate));
      };
      for (int i = 0; i < n; ++i) {
        auto t0 = Clock::now();
        if (rate > 0) {
          t0 = due(i);
          std::this_thread::sleep_until(t0);
        }
        auto res = client.Post("/v1/check", body, "application/json");
        per[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!res || res->status != 200) ++failures;
      }
    });
  for (auto& t : clients) t.join();
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.cpu_seconds = process_cpu_seconds() - cpu_start;
  for (auto& p : per) run.latencies_ms.insert(run.latencies_ms.end(), p.begin(), p.end());
  std::sort(run.latencies_ms.begin(), run.latencies_ms.end());
  run.failures = failures;
  return run;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

void print(const std::string& what, const Run& run) {
  const double n = static_cast<double>(run.latencies_ms.size());
  std::printf("%-28s %8zu requests %9.0f checks/s   p50 %7.2f ms   p99 %7.2f ms   CPU %6.0f us/check   failures %d\n",
              what.c_str(), run.latencies_ms.size(), n / run.seconds, percentile(run.latencies_ms, 0.50),
              percentile(run.latencies_ms, 0.99), run.cpu_seconds * 1e6 / n, run.failures);
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 20000;
  bool invoice_only = false;
  unsigned max_checks = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--invoice-only") {
      invoice_only = true;
    } else if (arg == "--max-checks" && i + 1 < argc) {
      max_checks = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (std::atoi(arg.c_str()) > 0) {
      requests = std::max(100, std::atoi(arg.c_str()));
    } else {
      std::fprintf(stderr, "usage: bench_service_load [REQUESTS] [--invoice-only] [--max-checks N]\n");
      return 2;
    }
  }
  billcheck::set_log_verbosity(-1);
  const std::string invoice = invoice_book(100);
  const std::string book = synthetic_json(10000);

  billcheck::ServiceOptions options;
  options.port = 0;
  options.access_log = false;
  options.max_checks = max_checks;
  billcheck::Service service(options);
  const int port = service.bind();
  std::thread server([&] { service.run(); });

  std::printf("billcheck service on 127.0.0.1:%d, %d clients, %u cores; 100-line invoice %zu bytes, "
              "10,000-line book %zu bytes\n",
              port, kClients, std::thread::hardware_concurrency(), invoice.size(), book.size());
  print("100-line invoice (warm-up)", load(port, invoice, 100));
  const long rss_100 = rss_kib();
  print("100-line invoice", load(port, invoice, requests));
  const long rss_after = rss_kib();
  print("100-line invoice, again", load(port, invoice, requests));
  const long rss_again = rss_kib();
  // One client: the time of a request that does not queue behind others.
  print("100-line invoice, 1 client", load(port, invoice, 2000, 1));
  // The target's load: 2,000 checks a second offered by the 8 clients together.
  for (const double rate : {2000.0, 3000.0})
    print("100-line invoice at " + std::to_string(static_cast<int>(rate)) + "/s",
          load(port, invoice, static_cast<int>(rate) * 10, kClients, rate));
  if (!invoice_only) print("10,000-line book", load(port, book, 200));
  std::printf("resident memory (server and clients): %.1f MiB after 100 requests, %.1f MiB after %d more, "
              "%.1f MiB after %d more again\n",
              static_cast<double>(rss_100) / 1024, static_cast<double>(rss_after) / 1024, requests,
              static_cast<double>(rss_again) / 1024, requests);
  service.stop();
  server.join();
}
