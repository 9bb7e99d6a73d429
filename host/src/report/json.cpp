#include <billcheck/report.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace billcheck {
namespace {

/// JSON laid out as nlohmann's dump(2) lays it out (or dump() when not
/// `pretty`), written straight to a string as it is produced, an object's
/// keys in the order written: a report is not first built as a tree of values
/// (a 1M-line book's: ~15 ms of the run, on one thread, most of it malloc).
/// The output is nlohmann's, byte for byte (report_test: a report parsed and
/// dumped again is the same bytes).
class JsonOut {
 public:
  JsonOut(std::string& out, bool pretty) : out_(out), pretty_(pretty) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  /// The next value is this key's.
  JsonOut& key(std::string_view k) {
    item();
    string(k);
    out_ += pretty_ ? ": " : ":";
    keyed_ = true;
    return *this;
  }
  void value(std::string_view s) {
    item();
    string(s);
  }
  void value(const char* s) { value(std::string_view(s)); }
  void value(std::size_t n) {
    item();
    out_ += std::to_string(n);
  }
  /// An object of string values, in the order given.
  void object(std::initializer_list<std::pair<std::string_view, std::string_view>> members) {
    begin_object();
    for (const auto& [k, v] : members) key(k).value(v);
    end_object();
  }
  template <class Strings>
  void strings(const Strings& values) {
    begin_array();
    for (const auto& v : values) value(std::string_view(v));
    end_array();
  }

 private:
  // Before a value: the separator and indent of its container, unless it is a key's.
  void item() {
    if (std::exchange(keyed_, false) || open_.empty()) return;
    if (open_.back()) out_ += ',';
    open_.back() = true;
    if (pretty_) newline(open_.size());
  }
  void open(char bracket) {
    item();
    out_ += bracket;
    open_.push_back(false);
  }
  void close(char bracket) {
    const bool any = open_.back();
    open_.pop_back();
    if (any && pretty_) newline(open_.size());
    out_ += bracket;
  }
  void newline(std::size_t depth) {
    out_ += '\n';
    out_.append(2 * depth, ' ');
  }
  void string(std::string_view s) {
    // Printable ASCII without a quote or backslash is written as it is;
    // anything else as nlohmann escapes it (and refuses invalid UTF-8).
    if (std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; })) {
      out_ += '"';
      out_ += s;
      out_ += '"';
    } else {
      out_ += nlohmann::json(std::string(s)).dump();
    }
  }

  std::string& out_;
  const bool pretty_;
  std::vector<bool> open_;  // per container open: whether it has a value yet
  bool keyed_ = false;
};

void write_finding(JsonOut& j, const Finding& f, const std::function<void(JsonOut&)>& more = {}) {
  j.begin_object();
  j.key("rule").value(f.rule);
  j.key("severity").value(to_string(f.severity));
  j.key("category").value(f.category);
  j.key("message").value(f.message);
  for (auto [key, value] : {std::pair{"client", &f.client}, {"engagement", &f.engagement}, {"invoice", &f.invoice},
                            {"line", &f.line}, {"payment", &f.payment}, {"credit_note", &f.credit_note},
                            {"time_entry", &f.time_entry}})
    if (!value->empty()) j.key(key).value(*value);
  if (f.amount_at_stake)
    j.key("amount_at_stake")
        .value(f.currency.empty() ? f.amount_at_stake->to_string() : format_amount(*f.amount_at_stake, f.currency));
  if (!f.currency.empty()) j.key("currency").value(f.currency);
  // A name given twice keeps its first place and its last value, as an object's key assigned again does.
  j.key("evidence").begin_object();
  for (std::size_t i = 0; i < f.evidence.size(); ++i) {
    const std::string& name = f.evidence[i].first;
    if (std::any_of(f.evidence.begin(), f.evidence.begin() + static_cast<std::ptrdiff_t>(i),
                    [&](const auto& e) { return e.first == name; }))
      continue;
    std::size_t last = i;
    for (std::size_t k = i + 1; k < f.evidence.size(); ++k)
      if (f.evidence[k].first == name) last = k;
    j.key(name).value(f.evidence[last].second);
  }
  j.end_object();
  if (f.fix) j.key("fix").object({{"field", f.fix->field}, {"current", f.fix->current}, {"suggested", f.fix->suggested}});
  j.key("fingerprint").value(f.fingerprint);
  if (!f.file.empty()) j.key("location").value(f.file + ":" + std::to_string(f.source_line));
  if (more) more(j);
  j.end_object();
}

void write_sources(JsonOut& j, const std::vector<RuleSource>& sources, std::string_view kind) {
  j.begin_array();
  for (const auto& r : sources)
    if (r.kind == kind) j.object({{"name", r.name}, {"version", r.version}});
  j.end_array();
}

void write_money(JsonOut& j, const std::map<std::string, Decimal>& amounts) {
  j.begin_object();
  for (const auto& [currency, amount] : amounts) j.key(currency).value(format_amount(amount, currency));
  j.end_object();
}

void write_cause(JsonOut& j, const Cause& c) {
  j.begin_object();
  j.key("rule").value(c.rule);
  j.key("kind").value(c.kind);
  j.key("key").value(c.key);
  j.key("severity").value(to_string(c.severity));
  j.key("action").value(c.action);
  write_money(j.key("amount_at_stake"), c.at_stake);
  if (!c.overflowed.empty()) j.key("overflowed").strings(c.overflowed);
  j.key("members").strings(c.members);
  j.end_object();
}

}  // namespace

std::string finding_to_json(const Finding& finding) {
  std::string out;
  JsonOut j(out, false);
  write_finding(j, finding);
  return out;
}

void write_json(std::ostream& out, const Report& report) {
  std::string text;
  text.reserve(4096 + 1024 * report.findings.size());
  JsonOut j(text, true);
  j.begin_object();
  j.key("schema").value(std::size_t{1});
  j.key("findings").begin_array();
  for (const auto& f : report.findings)
    write_finding(j, f, [&](JsonOut& j) {
      if (const Remedy* remedy = report.remedy_of(f)) j.key("remedy").object({{"kind", remedy->kind}, {"id", remedy->id}});
      if (auto h = report.history.find(f.fingerprint); report.recorded && h != report.history.end()) {
        j.key("history").begin_object();
        j.key("status").value(h->second.status);
        if (!h->second.since.empty()) j.key("since").value(h->second.since);
        j.end_object();
      }
    });
  j.end_array();
  j.key("waived").begin_array();
  for (const auto& w : report.waived)
    write_finding(j, w.finding, [&](JsonOut& j) {
      j.key("waiver").begin_object();
      j.key("reason").value(w.waiver.reason);
      j.key("approved_by").value(w.waiver.approved_by);
      if (w.waiver.expires) j.key("expires").value(w.waiver.expires->to_string());
      j.end_object();
    });
  j.end_array();
  if (report.recorded) {
    j.key("fixed").begin_array();
    for (const auto& f : report.fixed) write_finding(j, f);
    j.end_array();
  }
  // Only when findings share a cause, so that a report without one reads as before.
  if (!report.causes.empty()) {
    j.key("causes").begin_array();
    for (const auto& c : report.causes) write_cause(j, c);
    j.end_array();
  }

  const Summary& s = report.summary;
  j.key("summary").begin_object();
  j.key("invoices").value(s.invoices);
  j.key("lines").value(s.lines);
  j.key("findings").value(report.findings.size());
  j.key("by_severity").begin_object();
  for (Severity sev : {Severity::error, Severity::warning, Severity::info}) {
    auto it = s.by_severity.find(sev);
    j.key(to_string(sev)).value(it == s.by_severity.end() ? std::size_t{0} : it->second);
  }
  j.end_object();
  j.key("by_category").begin_object();
  for (const auto& [cat, n] : s.by_category) j.key(cat).value(n);
  j.end_object();
  write_money(j.key("amount_at_stake"), s.at_stake);
  write_money(j.key("overcharged"), s.overcharged);
  write_money(j.key("undercharged"), s.undercharged);
  write_money(j.key("credit_exposure"), s.credit_exposure);
  if (!s.overflowed.empty()) j.key("overflowed").strings(s.overflowed);
  j.key("waived").value(s.waived);
  j.end_object();
  write_sources(j.key("plugins"), report.sources, "plugin");
  write_sources(j.key("packs"), report.sources, "pack");
  j.key("refused").begin_array();
  for (const auto& r : report.refused)
    j.object({{"kind", r.kind}, {"name", r.name}, {"path", r.path.string()}, {"reason", r.reason}});
  j.end_array();
  j.end_object();
  text += '\n';
  out << text;
}

}  // namespace billcheck
