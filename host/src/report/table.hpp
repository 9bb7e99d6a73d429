// The findings as one table (the CSV export and the XLSX Findings sheet): the
// report's fields as columns, then each evidence item flattened into a column
// of its own, so a spreadsheet can filter and sort on any of them.
#pragma once

#include <billcheck/engine.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace billcheck::detail {

struct FindingTable {
  explicit FindingTable(const Report& report);
  /// rule, severity, category, message, the records named, amount_at_stake,
  /// currency, fix_*, remedy, history, since, cause, fingerprint, location,
  /// then `evidence.NAME` for every evidence name in the report, sorted.
  std::vector<std::string> columns;
  /// One row per finding, in report order; a cell is empty where the finding says nothing.
  std::vector<std::vector<std::string>> rows;
  std::size_t amount_column = 0, currency_column = 0;
  const std::vector<Finding>* findings = nullptr;  // rows[i] is (*findings)[i]
};

/// A cell a spreadsheet would run as a formula (one that starts with =, +, -,
/// @, a tab or a carriage return) prefixed with ', so it reads as text; a
/// plain number such as -313.35 is left as it is.
std::string inert_in_spreadsheet(std::string_view text);

/// What a cause's findings share (its kind and key), worded for a reader
/// wherever a cause is shown to one (the text and HTML reports, the CSV's
/// cause column, the record's trends): "rate card row E-201 rates.csv:4",
/// "the cap for role partner in billcheck.yaml" (rates.role-cap's caps
/// option), "timekeeper TK-02". The JSON and the XLSX Causes sheet keep the
/// kind and key as data.
std::string shared_by(std::string_view kind, std::string_view key);
/// A finding's evidence as the text report and the HTML page show it, "name
/// value" an item ("expected 380.00, actual 400.00"), the tax in its amount at
/// stake (`at_stake_tax`, docs/remedies.md) in words: "tax included in the amount at stake".
std::string evidence_text(const Finding& finding);

}  // namespace billcheck::detail
