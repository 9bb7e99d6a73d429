// The record over time (`billcheck report`, docs/patterns.md): each run's
// findings and money at stake by category and by client, new and fixed, the
// disputes by reason and outcome, and the causes that came back after they
// were fixed. Read only; every figure is added up exactly from the stored
// decimal text.
#include "store_impl.hpp"

#include <billcheck/report.hpp>

#include <algorithm>
#include <set>
#include <unordered_map>

namespace billcheck {
namespace {

using store_detail::Json;

bool within(const std::string& date, const TrendFilter& filter) {
  return (filter.from.empty() || date >= filter.from) && (filter.to.empty() || date <= filter.to);
}

void add(TrendFigure& figure, const std::string& amount, const std::string& currency) {
  ++figure.findings;
  if (amount.empty() || currency.empty()) return;
  const auto value = Decimal::parse(amount);
  if (!value) return;  // the store only ever writes decimal text
  Decimal& total = figure.at_stake[currency];
  total = total + *value;  // throws DecimalOverflow past ~9.2 trillion: not silently wrong
}

// The parts of a stored finding (its report JSON) that say what its cause is.
Finding cause_view(const std::string& data) {
  Finding f;
  const Json j = Json::parse(data, nullptr, false);
  if (!j.is_object()) return f;
  auto text = [&](const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  f.rule = text("rule");
  f.client = text("client");
  f.engagement = text("engagement");
  f.invoice = text("invoice");
  f.line = text("line");
  f.payment = text("payment");
  f.credit_note = text("credit_note");
  if (auto e = j.find("evidence"); e != j.end() && e->is_object())
    for (const auto& [name, value] : e->items())
      if (value.is_string()) f.evidence.emplace_back(name, value.get<std::string>());
  return f;
}

std::string median_text(std::vector<long long> days) {
  if (days.empty()) return {};
  std::sort(days.begin(), days.end());
  const std::size_t n = days.size();
  if (n % 2) return std::to_string(days[n / 2]);
  const long long sum = days[n / 2 - 1] + days[n / 2];
  return std::to_string(sum / 2) + (sum % 2 ? ".5" : "");
}

Json figure_json(const TrendFigure& f) {
  Json amounts = Json::object();
  for (const auto& [currency, amount] : f.at_stake) amounts[currency] = format_amount(amount, currency);
  return {{"findings", f.findings}, {"amount_at_stake", amounts}};
}

}  // namespace

Trends Store::trends(const TrendFilter& filter) const {
  for (const auto* date : {&filter.from, &filter.to})
    if (!date->empty() && !Date::parse_iso(*date))
      throw StoreError("'" + *date + "' is not a date: give --from and --to as YYYY-MM-DD");
  // The runs, their findings and the disputes from one state of the record.
  return impl_->read([&] {
    Trends t;
    t.filter = filter;
    for (auto& run : runs())
      if (within(store_detail::date_of(run.at), filter)) t.runs.push_back({std::move(run), {}, {}, {}});

    // Each run's findings, with the cause each belongs to (for recurring causes).
    std::vector<std::map<CauseKey, std::vector<std::string>>> causes_by_run(t.runs.size());
    impl_->guarded([&] {
      SQLite::Statement q(*impl_->db,
                          "SELECT f.fingerprint, f.category, f.client, f.amount, f.currency, f.data "
                          "FROM sightings s JOIN findings f ON f.fingerprint = s.fingerprint "
                          "WHERE s.run = ? ORDER BY f.fingerprint");
      for (std::size_t i = 0; i < t.runs.size(); ++i) {
        RunTrend& r = t.runs[i];
        q.reset();
        q.bind(1, r.run.id);
        while (q.executeStep()) {
          const std::string fingerprint = q.getColumn(0).getString();
          const std::string category = q.getColumn(1).getString();
          const std::string client = q.getColumn(2).getString();
          const std::string amount = q.getColumn(3).getString();
          const std::string currency = q.getColumn(4).getString();
          add(r.total, amount, currency);
          add(r.by_category[category], amount, currency);
          add(r.by_client[client], amount, currency);
          if (auto key = cause_key(cause_view(q.getColumn(5).getString())))
            causes_by_run[i][*key].push_back(fingerprint);
        }
      }
    });

    // A cause is fixed when a later run over the whole book no longer finds it
    // (a check of one invoice says nothing of the others), and recurs when a
    // run after that finds it again.
    struct State {
      bool present = false, fixed = false;
      RecurringCause seen;
    };
    std::map<CauseKey, State> states;
    for (std::size_t i = 0; i < t.runs.size(); ++i) {
      const RunRecord& run = t.runs[i].run;
      for (const auto& [key, members] : causes_by_run[i]) {
        State& s = states[key];
        if (!s.seen.first_run) {
          s.seen.cause = key;
          s.seen.first_run = run.id;
        }
        if (s.fixed) {
          ++s.seen.times;
          s.seen.back_run = run.id;
          s.seen.members = members;
          s.fixed = false;
        }
        s.present = true;
      }
      if (!run.invoice.empty()) continue;
      for (auto& [key, s] : states)
        if (s.present && !causes_by_run[i].contains(key)) {
          s.present = false;
          s.fixed = true;
          s.seen.fixed_run = run.id;
        }
    }
    for (auto& [key, s] : states)
      if (s.seen.times) t.recurring.push_back(std::move(s.seen));

    impl_->guarded([&] {
      SQLite::Statement q(*impl_->db, "SELECT reason, state, outcome, received, opened_at, state_at FROM disputes ORDER BY id");
      std::vector<long long> days;
      while (q.executeStep()) {
        const std::string received = q.getColumn(3).getString();
        if (!within(received, filter)) continue;
        const std::string state = q.getColumn(1).getString();
        std::string outcome = q.getColumn(2).getString();
        if (outcome.empty()) outcome = "pending";
        ++t.disputes[q.getColumn(0).getString()][outcome];
        if (state != "closed") continue;
        ++t.disputes_closed;
        const auto opened = Date::parse_iso(store_detail::date_of(q.getColumn(4).getString()));
        const auto closed = Date::parse_iso(store_detail::date_of(q.getColumn(5).getString()));
        if (opened && closed) days.push_back(Date::days_between(*opened, *closed));
      }
      t.median_days_to_close = median_text(std::move(days));
    });
    return t;
  });
}

std::string to_json(const Trends& t) {
  Json j;
  j["from"] = t.filter.from.empty() ? Json() : Json(t.filter.from);
  j["to"] = t.filter.to.empty() ? Json() : Json(t.filter.to);
  Json runs = Json::array();
  for (const auto& r : t.runs) {
    Json run = {{"run", r.run.id},
                {"at", r.run.at},
                {"book", r.run.book},
                {"invoice", r.run.invoice},
                {"findings", r.run.findings},
                {"errors", r.run.errors},
                {"warnings", r.run.warnings},
                {"info", r.run.infos},
                {"new", r.run.new_findings},
                {"fixed", r.run.fixed},
                {"reopened", r.run.reopened}};
    run["amount_at_stake"] = figure_json(r.total)["amount_at_stake"];
    for (auto [name, groups] : {std::pair{"by_category", &r.by_category}, {"by_client", &r.by_client}}) {
      Json g = Json::object();
      for (const auto& [key, figure] : *groups) g[key] = figure_json(figure);
      run[name] = std::move(g);
    }
    runs.push_back(std::move(run));
  }
  j["runs"] = std::move(runs);
  Json by_reason = Json::object();
  for (const auto& [reason, outcomes] : t.disputes) {
    Json o = Json::object();
    for (const auto& [outcome, n] : outcomes) o[outcome] = n;
    by_reason[reason] = std::move(o);
  }
  j["disputes"] = {{"by_reason", std::move(by_reason)},
                   {"closed", t.disputes_closed},
                   {"median_days_to_close", t.median_days_to_close.empty() ? Json() : Json(t.median_days_to_close)}};
  Json recurring = Json::array();
  for (const auto& c : t.recurring)
    recurring.push_back({{"rule", c.cause.rule},
                         {"kind", c.cause.kind},
                         {"key", c.cause.key},
                         {"first_run", c.first_run},
                         {"fixed_run", c.fixed_run},
                         {"back_run", c.back_run},
                         {"times", c.times},
                         {"members", c.members}});
  j["recurring_causes"] = std::move(recurring);
  return store_detail::dump(j);
}

}  // namespace billcheck
