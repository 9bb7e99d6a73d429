#include "metrics.hpp"
#include "paths.hpp"

#include <algorithm>
#include <sstream>

namespace billcheck::service {

Metrics::Metrics(std::vector<std::string> routes) : routes_(std::move(routes)) {}

std::string_view Metrics::route_of(std::string_view path) const {
  // Unknown paths share one label, so a scanner cannot grow the series without bound.
  auto it = std::find_if(routes_.begin(), routes_.end(), [&](const std::string& r) { return path_matches(r, path); });
  return it == routes_.end() ? std::string_view("other") : std::string_view(*it);
}

void Metrics::request(std::string_view route, int status, std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  Latency& l = latency_[std::string(route)];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++l.buckets[i];
  ++l.count;
  l.sum += seconds;
}

void Metrics::checked(const std::map<std::string, std::size_t>& findings_by_category) {
  std::lock_guard lock(mutex_);
  ++books_;
  for (const auto& [category, n] : findings_by_category) findings_[category] += n;
}

void Metrics::reload(bool accepted) {
  std::lock_guard lock(mutex_);
  ++(accepted ? reloads_ok_ : reloads_refused_);
}

std::string Metrics::text() const {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  std::lock_guard lock(mutex_);
  out << "# HELP billcheck_http_requests_total Requests answered, by route and status.\n"
         "# TYPE billcheck_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out << "billcheck_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << n
        << '\n';
  out << "# HELP billcheck_http_request_duration_seconds Time from a request's first byte to its answer.\n"
         "# TYPE billcheck_http_request_duration_seconds histogram\n";
  for (const auto& [route, l] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out << "billcheck_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << kBuckets[i]
          << "\"} " << l.buckets[i] << '\n';
    out << "billcheck_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << l.count
        << '\n'
        << "billcheck_http_request_duration_seconds_sum{route=\"" << route << "\"} " << l.sum << '\n'
        << "billcheck_http_request_duration_seconds_count{route=\"" << route << "\"} " << l.count << '\n';
  }
  out << "# HELP billcheck_books_checked_total Books (or single invoices) checked.\n"
         "# TYPE billcheck_books_checked_total counter\n"
         "billcheck_books_checked_total "
      << books_ << '\n';
  out << "# HELP billcheck_findings_total Findings reported, by category.\n"
         "# TYPE billcheck_findings_total counter\n";
  for (const auto& [category, n] : findings_)
    out << "billcheck_findings_total{category=\"" << category << "\"} " << n << '\n';
  out << "# HELP billcheck_config_reloads_total Config reloads (SIGHUP), accepted or refused.\n"
         "# TYPE billcheck_config_reloads_total counter\n"
         "billcheck_config_reloads_total{result=\"accepted\"} "
      << reloads_ok_ << "\nbillcheck_config_reloads_total{result=\"refused\"} " << reloads_refused_ << '\n';
  return out.str();
}

}  // namespace billcheck::service
