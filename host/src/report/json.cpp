#include <billcheck/report.hpp>

#include <nlohmann/json.hpp>

namespace billcheck {
namespace {

using Json = nlohmann::ordered_json;

Json finding_json(const Finding& f) {
  Json j;
  j["rule"] = f.rule;
  j["severity"] = std::string(to_string(f.severity));
  j["category"] = f.category;
  j["message"] = f.message;
  for (auto [key, value] : {std::pair{"client", &f.client}, {"engagement", &f.engagement}, {"invoice", &f.invoice},
                            {"line", &f.line}, {"payment", &f.payment}, {"credit_note", &f.credit_note},
                            {"time_entry", &f.time_entry}})
    if (!value->empty()) j[key] = *value;
  if (f.amount_at_stake)
    j["amount_at_stake"] = f.currency.empty() ? f.amount_at_stake->to_string()
                                              : format_amount(*f.amount_at_stake, f.currency);
  if (!f.currency.empty()) j["currency"] = f.currency;
  Json evidence = Json::object();
  for (const auto& [name, value] : f.evidence) evidence[name] = value;
  j["evidence"] = std::move(evidence);
  if (f.fix) j["fix"] = {{"field", f.fix->field}, {"current", f.fix->current}, {"suggested", f.fix->suggested}};
  j["fingerprint"] = f.fingerprint;
  if (!f.file.empty()) j["location"] = f.file + ":" + std::to_string(f.source_line);
  return j;
}

Json sources_json(const std::vector<RuleSource>& sources, std::string_view kind) {
  Json out = Json::array();
  for (const auto& r : sources)
    if (r.kind == kind) out.push_back({{"name", r.name}, {"version", r.version}});
  return out;
}

Json money_json(const std::map<std::string, Decimal>& amounts) {
  Json j = Json::object();
  for (const auto& [currency, amount] : amounts) j[currency] = format_amount(amount, currency);
  return j;
}

Json cause_json(const Cause& c) {
  Json j;
  j["rule"] = c.rule;
  j["kind"] = c.kind;
  j["key"] = c.key;
  j["severity"] = std::string(to_string(c.severity));
  j["action"] = c.action;
  j["amount_at_stake"] = money_json(c.at_stake);
  if (!c.overflowed.empty()) j["overflowed"] = c.overflowed;
  j["members"] = c.members;
  return j;
}

}  // namespace

std::string finding_to_json(const Finding& finding) { return finding_json(finding).dump(); }

void write_json(std::ostream& out, const Report& report) {
  Json root;
  root["schema"] = 1;
  Json findings = Json::array();
  for (const auto& f : report.findings) {
    Json j = finding_json(f);
    if (const Remedy* remedy = report.remedy_of(f)) j["remedy"] = {{"kind", remedy->kind}, {"id", remedy->id}};
    if (auto h = report.history.find(f.fingerprint); report.recorded && h != report.history.end()) {
      j["history"] = {{"status", h->second.status}};
      if (!h->second.since.empty()) j["history"]["since"] = h->second.since;
    }
    findings.push_back(std::move(j));
  }
  root["findings"] = std::move(findings);
  Json waived = Json::array();
  for (const auto& w : report.waived) {
    Json j = finding_json(w.finding);
    j["waiver"] = {{"reason", w.waiver.reason}, {"approved_by", w.waiver.approved_by}};
    if (w.waiver.expires) j["waiver"]["expires"] = w.waiver.expires->to_string();
    waived.push_back(std::move(j));
  }
  root["waived"] = std::move(waived);
  if (report.recorded) {
    Json fixed = Json::array();
    for (const auto& f : report.fixed) fixed.push_back(finding_json(f));
    root["fixed"] = std::move(fixed);
  }
  // Only when findings share a cause, so that a report without one reads as before.
  if (!report.causes.empty()) {
    Json causes = Json::array();
    for (const auto& c : report.causes) causes.push_back(cause_json(c));
    root["causes"] = std::move(causes);
  }

  const Summary& s = report.summary;
  Json summary;
  summary["invoices"] = s.invoices;
  summary["lines"] = s.lines;
  summary["findings"] = report.findings.size();
  Json by_severity = Json::object();
  for (Severity sev : {Severity::error, Severity::warning, Severity::info}) {
    auto it = s.by_severity.find(sev);
    by_severity[std::string(to_string(sev))] = it == s.by_severity.end() ? 0 : it->second;
  }
  summary["by_severity"] = std::move(by_severity);
  Json by_category = Json::object();
  for (const auto& [cat, n] : s.by_category) by_category[cat] = n;
  summary["by_category"] = std::move(by_category);
  Json at_stake = Json::object();
  for (const auto& [currency, amount] : s.at_stake) at_stake[currency] = format_amount(amount, currency);
  summary["amount_at_stake"] = std::move(at_stake);
  for (auto [key, map] : {std::pair{"overcharged", &s.overcharged}, {"undercharged", &s.undercharged},
                          {"credit_exposure", &s.credit_exposure}}) {
    Json j = Json::object();
    for (const auto& [currency, amount] : *map) j[currency] = format_amount(amount, currency);
    summary[key] = std::move(j);
  }
  if (!s.overflowed.empty()) summary["overflowed"] = s.overflowed;
  summary["waived"] = s.waived;
  root["summary"] = std::move(summary);
  root["plugins"] = sources_json(report.sources, "plugin");
  root["packs"] = sources_json(report.sources, "pack");
  Json refused = Json::array();
  for (const auto& r : report.refused)
    refused.push_back({{"kind", r.kind}, {"name", r.name}, {"path", r.path.string()}, {"reason", r.reason}});
  root["refused"] = std::move(refused);
  out << root.dump(2) << '\n';
}

}  // namespace billcheck
