// `billcheck report --format html`: the record over time as one
// self-contained page (host/templates/trends.html with report.css), under the
// same hash-based Content-Security-Policy as the check report. No script.
#include <billcheck/decimal.hpp>
#include <billcheck/report.hpp>
#include <billcheck/store.hpp>

#include "render/templates.hpp"
#include "report/html.hpp"
#include "report/table.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace billcheck {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kTrendsVocabulary[] = {
    "title", "style", "style_hash", "period", "has_runs", "has_invoice", "runs", "id", "at", "invoice", "findings", "errors",
    "warnings", "infos", "new", "fixed", "reopened", "at_stake", "categories", "clients", "chart", "height",
    "rows", "label", "y", "ty", "width", "value_x", "value", "new_width", "fixed_width", "new_y", "fixed_y",
    "disputes", "reason", "outcomes", "has_disputes", "dispute_count", "closed", "median", "has_median",
    "recurring", "has_recurring", "share", "rule", "first_run", "fixed_run", "back_run", "times", "members"};

constexpr int kBarWidth = 440;  // px of the longest bar

// A bar's length: a count's share of the largest, in whole pixels (counts only, never money).
int scaled(std::int64_t value, std::int64_t max) {
  if (max <= 0 || value <= 0) return 0;
  return static_cast<int>(std::max<std::int64_t>(1, value * kBarWidth / max));
}

std::string groups_text(const std::map<std::string, TrendFigure>& groups) {
  std::string out;
  for (const auto& [name, f] : groups) {
    out += (out.empty() ? "" : "; ") + (name.empty() ? std::string("(none)") : name) + " " + std::to_string(f.findings);
    if (!f.at_stake.empty()) out += " (" + amounts_text(f.at_stake) + ")";
  }
  return out;
}

}  // namespace

void write_trends_html(std::ostream& out, const Trends& t, const std::filesystem::path& templates) {
  const std::filesystem::path dir = templates.empty() ? detail::bundled_template_dir() : templates;
  Json model;
  model["title"] = "billcheck: the record over time";
  std::string period = "every run recorded";
  if (!t.filter.from.empty() || !t.filter.to.empty())
    period = "runs" + (t.filter.from.empty() ? "" : " from " + t.filter.from) + (t.filter.to.empty() ? "" : " to " + t.filter.to);
  model["period"] = period;
  model["style"] = detail::read_template_file(dir / "report.css");
  model["style_hash"] = detail::csp_hash(model["style"].get<std::string>());

  std::int64_t most = 0;
  for (const auto& r : t.runs) most = std::max({most, r.run.findings, r.run.new_findings, r.run.fixed});
  Json runs = Json::array(), rows = Json::array();
  int y = 8;
  for (const auto& r : t.runs) {
    runs.push_back({{"id", r.run.id},
                    {"at", r.run.at},
                    {"invoice", r.run.invoice},
                    {"has_invoice", !r.run.invoice.empty()},
                    {"findings", r.run.findings},
                    {"errors", r.run.errors},
                    {"warnings", r.run.warnings},
                    {"infos", r.run.infos},
                    {"new", r.run.new_findings},
                    {"fixed", r.run.fixed},
                    {"reopened", r.run.reopened},
                    {"at_stake", amounts_text(r.total.at_stake)},
                    {"categories", groups_text(r.by_category)},
                    {"clients", groups_text(r.by_client)}});
    const int width = scaled(r.run.findings, most);
    rows.push_back({{"label", "run " + std::to_string(r.run.id) + " " + r.run.at.substr(0, 10)},
                    {"y", y},
                    {"ty", y + 13},
                    {"width", width},
                    {"value_x", 232 + width + 6},
                    {"value", std::to_string(r.run.findings) + " (" + std::to_string(r.run.new_findings) + " new, " +
                                  std::to_string(r.run.fixed) + " fixed)"},
                    {"new_y", y + 20},
                    {"new_width", scaled(r.run.new_findings, most)},
                    {"fixed_y", y + 26},
                    {"fixed_width", scaled(r.run.fixed, most)}});
    y += 40;
  }
  model["has_runs"] = !runs.empty();
  model["runs"] = std::move(runs);
  model["chart"] = {{"height", y + 8}, {"rows", std::move(rows)}};

  Json disputes = Json::array();
  std::int64_t count = 0;
  for (const auto& [reason, outcomes] : t.disputes) {
    std::string text;
    for (const auto& [outcome, n] : outcomes) {
      text += (text.empty() ? "" : ", ") + outcome + " " + std::to_string(n);
      count += n;
    }
    disputes.push_back({{"reason", reason}, {"outcomes", text}});
  }
  model["has_disputes"] = !disputes.empty();
  model["disputes"] = std::move(disputes);
  model["dispute_count"] = count;
  model["closed"] = t.disputes_closed;
  model["has_median"] = !t.median_days_to_close.empty();
  model["median"] = t.median_days_to_close;

  Json recurring = Json::array();
  for (const auto& c : t.recurring)
    recurring.push_back({{"share", detail::shared_by(c.cause.kind, c.cause.key)},
                         {"rule", c.cause.rule},
                         {"first_run", c.first_run},
                         {"fixed_run", c.fixed_run},
                         {"back_run", c.back_run},
                         {"times", c.times},
                         {"members", c.members.size()}});
  model["has_recurring"] = !recurring.empty();
  model["recurring"] = std::move(recurring);

  // A person reads the page: a client's id, an invoice's, a dispute's reason
  // with ESC or NUL in it shows as \x1B, \x00, as in the check report.
  out << detail::render_template(dir, "trends", detail::Markup::html, model, kTrendsVocabulary, detail::Reader::person);
}

}  // namespace billcheck
