// Writing a Report: compiler-style text for people, JSON for programs.
#pragma once

#include <billcheck/engine.hpp>

#include <ostream>
#include <string>

namespace billcheck {

struct TextStyle {
  bool color = false;
};

/// Findings grouped by client and invoice, each with its message, expected vs
/// actual and amount at stake, then a summary.
void write_text(std::ostream& out, const Report& report, const Book& book, const TextStyle& style = {});
/// The contract's object: {"schema": 1, "findings": [...], "waived": [...], "summary": {...}}.
void write_json(std::ostream& out, const Report& report);
/// One finding as the contract's JSON object text (used by the Python binding too).
std::string finding_to_json(const Finding& finding);

}  // namespace billcheck

namespace billcheck {

/// `billcheck rules --explain ID`: description, category, severity, scope,
/// options with defaults, and how to configure the rule.
std::string explain_rule(const RuleInfo& info);
/// The rule's page for docs/rules/ (Markdown), from the same RuleInfo.
std::string rule_markdown(const RuleInfo& info);

}  // namespace billcheck
