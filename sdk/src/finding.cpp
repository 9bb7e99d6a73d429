#include <billcheck/finding.hpp>

namespace billcheck {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "error";
}

std::optional<Severity> parse_severity(std::string_view text) {
  if (text == "info") return Severity::info;
  if (text == "warning") return Severity::warning;
  if (text == "error") return Severity::error;
  return std::nullopt;
}

const std::vector<std::string_view>& categories() {
  static const std::vector<std::string_view> kCategories = {
      "arithmetic", "rates",    "timing",     "credit", "duplicates", "client-info",
      "services",   "payments", "guidelines", "data",   "internal"};
  return kCategories;
}

bool is_category(std::string_view name) {
  for (auto c : categories())
    if (c == name) return true;
  return false;
}

Finding& Finding::evidence_of(std::string name, Decimal value) {
  return evidence_of(std::move(name), currency.empty() ? value.to_string() : format_amount(value, currency));
}

}  // namespace billcheck
