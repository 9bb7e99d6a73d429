#include "report/table.hpp"

#include <billcheck/report.hpp>

#include <map>
#include <set>
#include <string_view>

namespace billcheck::detail {
namespace {

bool is_plain_number(std::string_view text) {
  std::size_t i = text.starts_with('-') ? 1 : 0;
  const std::size_t digits_from = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == digits_from) return false;
  if (i == text.size()) return true;
  if (text[i] != '.' || ++i == text.size()) return false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return i == text.size();
}

}  // namespace

std::string inert_in_spreadsheet(std::string_view text) {
  if (text.empty() || std::string_view("=+-@\t\r").find(text.front()) == std::string_view::npos ||
      is_plain_number(text))
    return std::string(text);
  return "'" + std::string(text);
}

std::string shared_by(std::string_view kind, std::string_view key) {
  if (kind == "rate_row") return "rate card row " + std::string(key);
  if (kind == "role_cap") return "the cap for role " + std::string(key) + " in billcheck.yaml";
  return std::string(kind) + " " + std::string(key);
}

std::string evidence_text(const Finding& finding) {
  std::string out;
  for (const auto& [name, value] : finding.evidence) {
    out += out.empty() ? "" : ", ";
    if (name == "at_stake_tax" && value == "included") out += "tax included in the amount at stake";
    else if (name == "at_stake_tax" && value == "excluded") out += "the amount at stake is before tax";
    else if (name == "at_stake_tax" && value == "only") out += "the amount at stake is all tax";
    else out += name + " " + value;
  }
  return out;
}

FindingTable::FindingTable(const Report& report) : findings(&report.findings) {
  columns = {"rule",    "severity",        "category",   "message",         "client",      "engagement",
             "invoice", "line",            "payment",    "credit_note",     "time_entry",  "amount_at_stake",
             "currency", "fix_field",      "fix_current", "fix_suggested",  "remedy",      "history",
             "since",   "cause",           "fingerprint", "location"};
  amount_column = 11;
  currency_column = 12;

  std::set<std::string> names;
  for (const auto& f : report.findings)
    for (const auto& [name, value] : f.evidence) names.insert(name);
  std::map<std::string, std::size_t> evidence_column;
  for (const auto& name : names) {
    evidence_column[name] = columns.size();
    columns.push_back("evidence." + name);
  }
  std::map<std::string_view, const Cause*> cause_of;
  for (const auto& c : report.causes)
    for (const auto& fp : c.members) cause_of.emplace(fp, &c);

  rows.reserve(report.findings.size());
  for (const auto& f : report.findings) {
    std::vector<std::string> row(columns.size());
    row[0] = f.rule;
    row[1] = std::string(to_string(f.severity));
    row[2] = f.category;
    row[3] = f.message;
    row[4] = f.client;
    row[5] = f.engagement;
    row[6] = f.invoice;
    row[7] = f.line;
    row[8] = f.payment;
    row[9] = f.credit_note;
    row[10] = f.time_entry;
    if (f.amount_at_stake)
      row[11] = f.currency.empty() ? f.amount_at_stake->to_string() : format_amount(*f.amount_at_stake, f.currency);
    row[12] = f.currency;
    if (f.fix) {
      row[13] = f.fix->field;
      row[14] = f.fix->current;
      row[15] = f.fix->suggested;
    }
    if (const Remedy* r = report.remedy_of(f)) row[16] = r->kind + " " + r->id;
    if (auto h = report.history.find(f.fingerprint); report.recorded && h != report.history.end()) {
      row[17] = h->second.status;
      row[18] = h->second.since;
    }
    if (auto c = cause_of.find(f.fingerprint); c != cause_of.end()) row[19] = shared_by(c->second->kind, c->second->key);
    row[20] = f.fingerprint;
    if (!f.file.empty()) row[21] = f.file + ":" + std::to_string(f.source_line);
    for (const auto& [name, value] : f.evidence) row[evidence_column.at(name)] = value;
    rows.push_back(std::move(row));
  }
}

}  // namespace billcheck::detail
