// Writing a Report: compiler-style text for people, JSON for programs.
#pragma once

#include <billcheck/engine.hpp>

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>

namespace billcheck {

struct TextStyle {
  bool color = false;
};

/// Findings grouped by client and invoice, each with its message, expected vs
/// actual and amount at stake, then a summary.
void write_text(std::ostream& out, const Report& report, const Book& book, const TextStyle& style = {});
/// Amounts by currency as people read them: "EUR 10.00, USD 5.00" (each in its
/// currency's minor units); empty for none.
std::string amounts_text(const std::map<std::string, Decimal>& amounts);

/// The contract's object: {"schema": 1, "findings": [...], "waived": [...], "summary": {...}}.
void write_json(std::ostream& out, const Report& report);
struct HtmlOptions {
  std::string title;                // what was checked (the book's path), in the page's title
  std::filesystem::path templates;  // a folder with the firm's report.html/.css/.js; empty = the bundled ones
  std::size_t max_rows = 500;       // findings in the table (the charts and totals count them all); 0 = every one
};
/// One self-contained page: at a glance, charts (inline SVG), the findings
/// table linked to each invoice's lines, the waived findings and what ran.
/// Throws ConfigError when a template in `templates` is missing or wrong.
void write_html(std::ostream& out, const Report& report, const Book& book, const HtmlOptions& options = {});
/// `check --format csv`: a header, then one row per finding: the report's
/// fields as columns and each evidence item in an `evidence.NAME` column; a
/// cell a spreadsheet would run as a formula is prefixed with ' (docs/patterns.md).
void write_csv(std::ostream& out, const Report& report);
/// `check --format xlsx`: the workbook's bytes (sheets Findings, Summary, Causes).
/// Throws OutputError when libxlsxwriter cannot write it.
void write_xlsx(std::ostream& out, const Report& report);
/// One finding as the contract's JSON object text (used by the Python binding too).
std::string finding_to_json(const Finding& finding);

/// What a finding's cause is, when its rule has one that other findings can
/// share (Cause): worked out from the finding alone (rule, the records it
/// names, its evidence), so a stored finding gives the same key as a fresh one.
struct CauseKey {
  std::string rule, kind, key;
  auto operator<=>(const CauseKey&) const = default;
};
std::optional<CauseKey> cause_key(const Finding& finding);
/// Groups findings by cause_key; keeps the causes with at least `min_members`
/// findings, most members first (then by first finding), each with its action rendered from
/// `templates`/cause-action.txt (default: the bundled templates). Throws
/// ConfigError when that template is missing or names an unknown placeholder.
std::vector<Cause> group_causes(const std::vector<Finding>& findings, std::size_t min_members = 2,
                                const std::filesystem::path& templates = {});

}  // namespace billcheck

namespace billcheck {

/// `billcheck rules --explain ID`: description, category, severity, scope,
/// options with defaults, and how to configure the rule.
std::string explain_rule(const RuleInfo& info);
/// The rule's page for docs/rules/ (Markdown), from the same RuleInfo.
std::string rule_markdown(const RuleInfo& info);

}  // namespace billcheck
