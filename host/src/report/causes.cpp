// Findings grouped by their cause (issue #14, docs/patterns.md). Which records a
// rule's findings can share is known here, per bundled rule, from what each
// finding already says (the records it names and its evidence): no rule and no
// plugin has to know about causes, and a stored finding's JSON gives the same
// key as a fresh one.
#include <billcheck/report.hpp>

#include "render/templates.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <unordered_map>

namespace billcheck {
namespace {

using Json = nlohmann::ordered_json;

std::string evidence(const Finding& f, std::string_view name) {
  for (const auto& [n, v] : f.evidence)
    if (n == name) return v;
  return {};
}

std::string without_prefix(std::string text, std::string_view prefix) {
  if (text.starts_with(prefix)) text.erase(0, prefix.size());
  return text;
}

// What a rule's findings share, and the facts its action sentence uses.
struct CauseRule {
  std::string_view rule, kind;
  std::string (*key)(const Finding&);
  void (*facts)(const Finding&, Json&);
};

std::string by_engagement(const Finding& f) { return f.engagement; }
std::string by_client(const Finding& f) { return f.client; }
std::string by_payment(const Finding& f) { return f.payment; }
std::string by_timekeeper(const Finding& f) { return evidence(f, "timekeeper"); }
// The client, engagement or timekeeper id the book does not have: every record naming it shares the cause.
std::string by_unknown_id(const Finding& f) { return evidence(f, "actual"); }
void no_facts(const Finding&, Json&) {}

// The rule ids the bundled plugins register, one row a rule. A rule not listed
// (or a pack's, a Python rule's) has findings of their own, each its own cause.
const std::array kCauseRules{
    // A rate card row: the engagement's row (its file:line) that the lines were not billed at.
    CauseRule{"rates.contract-rate", "rate_row",
              // The row's file name and line, not its path: the same row wherever the book is read from.
              [](const Finding& f) {
                return f.engagement + " " + std::filesystem::path(evidence(f, "rate_row")).filename().string();
              },
              [](const Finding& f, Json& j) {
                const std::string agreed_for = evidence(f, "agreed_for");  // "role associate" or "timekeeper TK-2"
                j["rate_for"] = without_prefix(agreed_for, "role ");
                j["rate"] = evidence(f, "expected");
                const std::string effective = without_prefix(evidence(f, "effective"), "from ");
                j["effective_from"] = effective.substr(0, effective.find(' '));
                j["rate_row"] = std::filesystem::path(evidence(f, "rate_row")).filename().string();
              }},
    CauseRule{"rates.no-agreed-rate", "rate_row",
              [](const Finding& f) { return f.engagement + " " + evidence(f, "timekeeper"); },
              [](const Finding& f, Json& j) { j["timekeeper"] = evidence(f, "timekeeper"); }},
    // A role's cap: the rule's caps option in billcheck.yaml, not a rate card row.
    CauseRule{"rates.role-cap", "role_cap", [](const Finding& f) { return evidence(f, "role"); },
              [](const Finding& f, Json& j) {
                j["role"] = evidence(f, "role");
                j["cap"] = without_prefix(evidence(f, "expected"), "at most ");
              }},
    // A timekeeper.
    CauseRule{"rates.unknown-timekeeper", "timekeeper", by_unknown_id,
              [](const Finding& f, Json& j) {
                const std::string id = evidence(f, "actual");
                j["timekeeper"] = id == "absent" ? Json() : Json(id);
              }},
    CauseRule{"services.inactive-timekeeper", "timekeeper", by_timekeeper,
              [](const Finding& f, Json& j) { j["timekeeper"] = evidence(f, "timekeeper"); }},
    CauseRule{"services.daily-hours", "timekeeper", by_timekeeper,
              [](const Finding& f, Json& j) {
                j["timekeeper"] = evidence(f, "timekeeper");
                j["limit"] = without_prefix(evidence(f, "expected"), "at most ");
              }},
    // An engagement's setting: its invoicing deadline, billing cycle, agreed discount.
    CauseRule{"timing.late-invoice", "engagement", by_engagement,
              [](const Finding& f, Json& j) { j["days_allowed"] = evidence(f, "days_allowed"); }},
    CauseRule{"timing.issued-early", "engagement", by_engagement, no_facts},
    CauseRule{"timing.cycle", "engagement", by_engagement,
              [](const Finding& f, Json& j) { j["billing_cycle"] = evidence(f, "billing_cycle"); }},
    CauseRule{"credit.discount-above-agreed", "engagement", by_engagement, no_facts},
    // A client's detail: its payment terms, billing details, credit standing.
    CauseRule{"timing.due-date", "client", by_client,
              [](const Finding& f, Json& j) { j["payment_terms_days"] = evidence(f, "payment_terms_days"); }},
    CauseRule{"client-info.billing-email", "client", by_client, no_facts},
    CauseRule{"client-info.billing-address", "client", by_client, no_facts},
    CauseRule{"client-info.stale-verification", "client", by_client, no_facts},
    CauseRule{"client-info.currency", "client", by_client,
              [](const Finding& f, Json& j) { j["client_currency"] = evidence(f, "expected"); }},
    CauseRule{"client-info.unknown-client", "client", by_unknown_id, no_facts},
    CauseRule{"client-info.engagement-unknown-client", "client", by_unknown_id, no_facts},
    CauseRule{"payments.unknown-client", "client", by_unknown_id, no_facts},
    CauseRule{"credit.note-unknown-client", "client", by_unknown_id, no_facts},
    CauseRule{"credit.over-limit", "client", by_client, no_facts},
    CauseRule{"credit.hold", "client", by_client, no_facts},
    CauseRule{"credit.overdue-balance", "client", by_client, no_facts},
    // A payment.
    CauseRule{"payments.misapplied", "payment", by_payment, no_facts},
    CauseRule{"payments.currency", "payment", by_payment, no_facts},
    CauseRule{"payments.unknown-invoice", "payment", by_payment, no_facts},
    CauseRule{"payments.void-invoice", "payment", by_payment, no_facts},
    CauseRule{"payments.unapplied", "payment", by_payment, no_facts},
    CauseRule{"duplicates.payment-id", "payment", by_payment, no_facts},
};

const CauseRule* cause_rule(std::string_view rule) {
  for (const auto& r : kCauseRules)
    if (r.rule == rule) return &r;
  return nullptr;
}

// `rates.contract-rate` -> `rates_contract_rate`: the template's section for the rule.
std::string section_name(std::string_view rule) {
  std::string name(rule);
  std::replace_if(name.begin(), name.end(), [](char c) { return c == '.' || c == '-'; }, '_');
  return name;
}

// Every name a cause's model can have, so that a template's section for one
// rule is not taken for a typo while another rule's cause is rendered.
const std::vector<std::string_view>& vocabulary() {
  static const std::vector<std::string_view> names = [] {
    static std::vector<std::string> sections;
    for (const auto& r : kCauseRules) sections.push_back(section_name(r.rule));
    std::vector<std::string_view> v{"rule",     "kind",         "key",          "count",          "client",
                                    "engagement", "invoice",    "payment",      "timekeeper",     "role",
                                    "rate",     "rate_for",     "effective_from", "rate_row",     "cap",
                                    "limit",    "days_allowed", "billing_cycle", "payment_terms_days",
                                    "client_currency"};
    v.insert(v.end(), sections.begin(), sections.end());
    return v;
  }();
  return names;
}

// The rendered template is one line per rule's section; the cause's own is
// the only one with words in it. Lines are joined so a firm's copy may wrap.
std::string one_line(const std::string& text) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    const auto b = line.find_first_not_of(" \t\r");
    if (b != std::string_view::npos) {
      line = line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
      if (!out.empty()) out += ' ';
      out += line;
    }
    pos = end + 1;
  }
  return out;
}

std::string action_of(const Cause& cause, const Finding& first, const CauseRule& rule,
                      const std::filesystem::path& dir) {
  Json model;
  model[section_name(cause.rule)] = true;
  model["rule"] = cause.rule;
  model["kind"] = cause.kind;
  model["key"] = cause.key;
  model["count"] = std::to_string(cause.members.size());
  // A value is one line of the sentence, whatever the book holds.
  auto flat = [](std::string s) {
    std::replace_if(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return s;
  };
  for (auto [name, value] : {std::pair{"client", &first.client}, {"engagement", &first.engagement},
                             {"invoice", &first.invoice}, {"payment", &first.payment}})
    model[name] = value->empty() ? Json() : Json(flat(*value));
  rule.facts(first, model);
  for (auto& [name, value] : model.items())
    if (value.is_string()) value = flat(value.get<std::string>());
  return one_line(detail::render_template(dir, "cause-action", detail::Markup::text, model, vocabulary()));
}

bool fits(__int128 raw) {
  return raw >= std::numeric_limits<std::int64_t>::min() && raw <= std::numeric_limits<std::int64_t>::max();
}

}  // namespace

std::optional<CauseKey> cause_key(const Finding& finding) {
  const CauseRule* rule = cause_rule(finding.rule);
  if (!rule) return std::nullopt;
  std::string key = rule->key(finding);
  if (key.empty() || key == " ") return std::nullopt;  // nothing to share: the finding is its own cause
  return CauseKey{finding.rule, std::string(rule->kind), std::move(key)};
}

std::vector<Cause> group_causes(const std::vector<Finding>& findings, std::size_t min_members,
                                const std::filesystem::path& templates) {
  struct Group {
    std::vector<const Finding*> members;
    std::map<std::string, __int128> totals;
  };
  std::map<CauseKey, Group> groups;
  for (const auto& f : findings) {
    auto key = cause_key(f);
    if (!key) continue;
    Group& g = groups[std::move(*key)];
    g.members.push_back(&f);
    if (f.amount_at_stake && !f.currency.empty()) g.totals[f.currency] += f.amount_at_stake->raw();
  }

  // Found only when a cause needs its words: a check of one invoice (the
  // service's every request) mostly has none, and finding the folder costs a dladdr and stats.
  std::filesystem::path dir;
  std::vector<Cause> causes;
  std::vector<std::size_t> firsts;  // each cause's first finding, by its place in the report
  for (auto& [key, g] : groups) {
    if (g.members.size() < std::max<std::size_t>(min_members, 1)) continue;
    Cause c;
    c.rule = key.rule;
    c.kind = key.kind;
    c.key = key.key;
    for (const Finding* f : g.members) {
      c.members.push_back(f->fingerprint);
      c.severity = std::max(c.severity, f->severity);
    }
    for (const auto& [currency, raw] : g.totals) {
      if (fits(raw))
        c.at_stake[currency] = Decimal::from_raw(static_cast<std::int64_t>(raw));
      else
        c.overflowed.insert(currency);
    }
    if (dir.empty()) dir = templates.empty() ? detail::bundled_template_dir() : templates;
    c.action = action_of(c, *g.members.front(), *cause_rule(c.rule), dir);
    firsts.push_back(static_cast<std::size_t>(g.members.front() - findings.data()));
    causes.push_back(std::move(c));
  }
  // Most members first, then in the order of their first finding: not by key,
  // whose rate card row number changes when a book's rows are reordered.
  std::vector<std::size_t> order(causes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (causes[a].members.size() != causes[b].members.size())
      return causes[a].members.size() > causes[b].members.size();
    return firsts[a] < firsts[b];
  });
  std::vector<Cause> sorted;
  sorted.reserve(causes.size());
  for (std::size_t i : order) sorted.push_back(std::move(causes[i]));
  return sorted;
}

}  // namespace billcheck
