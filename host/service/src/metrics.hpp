// The service's counters in the Prometheus text format (GET /metrics):
// requests by route and status, their latency, the books checked and the
// findings by category.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck::service {

class Metrics {
 public:
  /// `routes`: the label values a request can have; any other path counts as "other".
  explicit Metrics(std::vector<std::string> routes);

  void request(std::string_view route, int status, std::chrono::nanoseconds latency);
  void checked(const std::map<std::string, std::size_t>& findings_by_category);
  void reload(bool accepted);

  /// The route label for a request path: one of the routes, or "other".
  std::string_view route_of(std::string_view path) const;
  std::string text() const;

 private:
  // Seconds; Prometheus' usual buckets, from half a millisecond.
  static constexpr std::array<double, 14> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  struct Latency {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::vector<std::string> routes_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Latency> latency_;
  std::map<std::string, std::uint64_t> findings_;
  std::uint64_t books_ = 0, reloads_ok_ = 0, reloads_refused_ = 0;
};

}  // namespace billcheck::service
