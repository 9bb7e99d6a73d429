#include "config/suggest.hpp"

#include <algorithm>

namespace billcheck::detail {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closest_name(std::string_view wrong, const std::vector<std::string_view>& names) {
  std::string best;
  std::size_t best_d = 3;
  for (std::string_view n : names) {
    std::size_t d = edit_distance(wrong, n);
    // A name no longer than the distance shares nothing with `wrong`.
    if (d < best_d && d < n.size()) {
      best_d = d;
      best = n;
    }
  }
  return best;
}

std::string suggest(std::string_view wrong, const std::vector<std::string_view>& names, std::string_view kind) {
  if (std::string best = closest_name(wrong, names); !best.empty()) return " (did you mean '" + best + "'?)";
  if (kind.empty() || names.empty()) return "";
  std::string list;
  for (std::string_view n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  return " (" + std::string(kind) + ": " + list + ")";
}

}  // namespace billcheck::detail
