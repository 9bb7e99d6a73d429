// The HTML report: one self-contained page (no network, no external font),
// charts drawn as inline SVG from the same Report the text and JSON writers
// print. The markup, style and script are the files report.html, report.css
// and report.js in the template folder; this file only computes the model.
#include <billcheck/report.hpp>

#include "digest/sha256.hpp"
#include "render/templates.hpp"
#include "report/html.hpp"
#include "report/table.hpp"
#include "report/visible.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>

namespace billcheck {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// Every name the report's model can hold (report.html shows where each goes; a
// firm's copy may use any of them); the optional ones are absent when empty.
constexpr std::string_view kReportVocabulary[] = {
    "title", "book", "style", "script", "style_hash", "script_hash", "glance", "invoices", "lines", "findings",
    "errors", "warnings", "infos", "waived_count", "money", "currency", "overcharged", "undercharged", "exposure",
    "net", "overflowed", "clean", "currencies", "charts", "rule_chart", "id", "caption", "alt", "height", "rows",
    "label", "full_label", "y", "ty", "segments", "cls", "x", "width", "tip", "value_x", "value", "note",
    "columns_money", "count", "table", "n", "anchor", "severity", "rule", "category", "client", "client_label",
    "invoice", "invoice_anchor", "line", "message", "details", "amount", "amount_key", "fix", "field", "current",
    "suggested", "remedy", "location", "shown", "total", "capped", "max_rows", "filters", "value_id", "categories",
    "severities", "clients", "sections", "status", "issue_date", "lines_shown", "flagged", "marks", "date",
    "timekeeper", "description", "quantity", "rate", "hidden_lines", "invoice_findings", "waived", "reason",
    "approved_by", "expires", "plugins", "packs", "refused", "kind", "name", "version", "path", "has_waived",
    "has_sources", "has_refused", "has_findings", "has_rule_chart", "chart_count", "has_sections", "causes",
    "has_causes", "members", "action", "has_money", "has_invoice_findings", "share", "more", "causes_note",
    "member_count", "line_key"};

// The model's names whose values are data, not text a person reads: the
// page's script compares them (the client filter, the line sort key), and the
// style and script are the page's own. They are written as they are.
constexpr std::string_view kDataNames[] = {"client", "value_id", "line_key", "style", "script", "style_hash", "script_hash"};

// Geometry of a bar chart, in SVG user units (the viewBox scales it to the page).
constexpr int kLabelWidth = 230;  // label column, right-aligned against the bars
constexpr int kBarWidth = 330;    // the longest bar
constexpr int kRowHeight = 24;
constexpr int kTop = 6;
constexpr std::size_t kLabelChars = 26;  // longer labels are shortened, whole in the <title>
constexpr std::size_t kTopBars = 10;
constexpr std::size_t kMonths = 24;
constexpr std::size_t kRules = 20;
constexpr std::size_t kLinesPerSection = 200;
constexpr std::size_t kCauses = 100;         // causes listed; the JSON report has them all
constexpr std::size_t kCauseMembers = 20;    // members listed per cause, as in the text report  // an invoice longer than this shows its flagged lines only

// Money per group, in raw millionths as the Summary adds them up: a sum of
// many int64 amounts may pass int64, so it is kept in 128 bits until shown.
struct Tally {
  __int128 over = 0, under = 0, exposure = 0;
  std::size_t findings = 0;
  __int128 gross() const { return over + under + exposure; }
};

void add(Tally& t, const Finding& f) {
  const __int128 raw = f.amount_at_stake->raw();
  ++t.findings;
  if (raw < 0)
    t.under -= raw;
  else if (f.category == "credit")  // the same split as the Summary's (engine/finish.cpp)
    t.exposure += raw;
  else
    t.over += raw;
}

bool fits(__int128 raw) {
  return raw >= std::numeric_limits<std::int64_t>::min() && raw <= std::numeric_limits<std::int64_t>::max();
}

std::string money(__int128 raw, std::string_view currency) {
  if (!fits(raw)) return "more than " + format_amount(Decimal::from_raw(INT64_MAX), currency);
  return format_amount(Decimal::from_raw(static_cast<std::int64_t>(raw)), currency);
}

std::string with_currency(__int128 raw, std::string_view currency) {
  return std::string(currency) + " " + money(raw, currency);
}

// A bar's length in user units: exact integer arithmetic on the raw amounts,
// never a floating-point number near money.
int scaled(__int128 value, __int128 max) {
  if (max <= 0 || value <= 0) return 0;
  return static_cast<int>(value * kBarWidth / max);
}

// At most `max` characters (code points, so a multi-byte name is never cut in
// half), with an ellipsis when shortened.
std::string count_of(std::size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

std::string shorten(std::string_view text, std::size_t max) {
  std::size_t chars = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars == max) return std::string(text.substr(0, i)) + "…";
    ++chars;
  }
  return std::string(text);
}

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(v >> s) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

// The Content-Security-Policy source of an inline <style> or <script>: its
// SHA-256, base64, so the page allows exactly the bytes it carries.
std::string detail::csp_hash(std::string_view text) {
  const std::string hex = detail::sha256_hex(text);
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return "sha256-" + base64(bytes);
}

namespace {

// What the page needs to know of the book about a finding: its line, that
// line's timekeeper and its invoice's month.
class BookIndex {
 public:
  explicit BookIndex(const Book& book) : book_(book) {}

  const Invoice* invoice(const Finding& f) const { return f.invoice.empty() ? nullptr : book_.invoice(f.invoice); }

  const InvoiceLine* line(const Finding& f) const {
    const Invoice* inv = invoice(f);
    if (!inv || f.line.empty()) return nullptr;
    std::int64_t no = 0;
    for (char c : f.line) {
      if (c < '0' || c > '9' || no > INT64_MAX / 10 - 9) return nullptr;
      no = no * 10 + (c - '0');
    }
    const auto lines = book_.lines_of(*inv);
    auto it = std::lower_bound(lines.begin(), lines.end(), no,
                               [](const InvoiceLine& l, std::int64_t n) { return l.line_no < n; });
    return it != lines.end() && it->line_no == no ? &*it : nullptr;
  }

  std::string timekeeper_id(const Finding& f) const {
    if (const InvoiceLine* l = line(f); l && !l->timekeeper_id.empty()) return l->timekeeper_id;
    if (!f.time_entry.empty())
      if (const TimeEntry* e = book_.time_entry(f.time_entry)) return e->timekeeper_id;
    return {};
  }

  std::string timekeeper_label(const std::string& id) const {
    const Timekeeper* tk = book_.timekeeper(id);
    return tk && !tk->name.empty() ? tk->name + " (" + id + ")" : id;
  }

  std::string client_label(const std::string& id) const {
    if (id.empty()) return "(the book)";
    const Client* c = book_.client(id);
    return c && !c->name.empty() ? c->name + " (" + id + ")" : id;
  }

  std::string month(const Finding& f) const {
    const Invoice* inv = invoice(f);
    return inv ? inv->issue_date.to_string().substr(0, 7) : std::string();
  }

  const Book& book() const { return book_; }

 private:
  const Book& book_;
};

struct Bar {
  std::string label;
  Tally tally;
};

// One bar chart's model: rows of stacked segments (overcharged, under-billed,
// credit exposure) or a single count, each with its figure written beside it,
// and the same figures as a table for screen readers and print.
Json money_chart(std::string id, std::string caption, std::string_view currency, std::vector<Bar> bars,
                 std::string note) {
  __int128 max = 0;
  for (const auto& b : bars) max = std::max(max, b.tally.gross());
  Json rows = Json::array();
  std::string alt;
  int y = kTop;
  for (const auto& b : bars) {
    Json row;
    row["label"] = shorten(b.label, kLabelChars);
    row["full_label"] = b.label;
    row["y"] = y + 3;  // the bar's top: 18 units high, centred in its row
    row["ty"] = y + 16;  // the baseline of the row's labels
    Json segments = Json::array();
    __int128 cumulative = 0;
    for (auto [cls, part, what] : {std::tuple{"seg-over", b.tally.over, "overcharged"},
                                   {"seg-under", b.tally.under, "under-billed"},
                                   {"seg-exposure", b.tally.exposure, "credit exposure"}}) {
      if (part == 0) continue;
      // Each segment ends where the running total ends, so rounding never leaves gaps.
      const int x0 = scaled(cumulative, max);
      cumulative += part;
      const int x1 = scaled(cumulative, max);
      segments.push_back({{"cls", cls},
                          {"x", kLabelWidth + x0},
                          {"width", std::max(x1 - x0, 1)},
                          {"tip", b.label + ": " + what + " " + with_currency(part, currency)}});
    }
    row["segments"] = std::move(segments);
    row["value_x"] = kLabelWidth + scaled(b.tally.gross(), max) + 6;
    row["value"] = with_currency(b.tally.gross(), currency);
    row["overcharged"] = money(b.tally.over, currency);
    row["undercharged"] = money(b.tally.under, currency);
    row["exposure"] = money(b.tally.exposure, currency);
    row["count"] = b.tally.findings;
    alt += (alt.empty() ? "" : "; ") + b.label + " " + with_currency(b.tally.gross(), currency);
    rows.push_back(std::move(row));
    y += kRowHeight;
  }
  Json chart;
  chart["id"] = std::move(id);
  chart["caption"] = std::move(caption);
  chart["alt"] = alt.empty() ? "no amounts" : alt;
  chart["height"] = y + kTop;
  chart["rows"] = std::move(rows);
  chart["columns_money"] = true;
  if (!note.empty()) chart["note"] = std::move(note);
  return chart;
}

// The bars of one grouping, largest first, at most `top` of them; the note
// says what the rest add up to, so the chart never hides money silently.
std::vector<Bar> top_bars(const std::map<std::string, Tally>& groups, std::size_t top, std::string_view currency,
                          std::string_view noun, std::string& note) {
  std::vector<Bar> bars;
  for (const auto& [label, t] : groups) bars.push_back({label, t});
  std::stable_sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.tally.gross() > b.tally.gross(); });
  if (bars.size() > top) {
    Tally rest;
    for (std::size_t i = top; i < bars.size(); ++i) {
      rest.over += bars[i].tally.over;
      rest.under += bars[i].tally.under;
      rest.exposure += bars[i].tally.exposure;
      rest.findings += bars[i].tally.findings;
    }
    note = "The top " + std::to_string(top) + " of " + std::to_string(bars.size()) + " " + std::string(noun) +
           " are shown; the other " + std::to_string(bars.size() - top) + " have " +
           with_currency(rest.gross(), currency) + " at stake in " + count_of(rest.findings, "finding") + ".";
    bars.resize(top);
  }
  return bars;
}

struct CurrencyGroups {
  std::map<std::string, Tally> category, client, timekeeper, month;
  std::size_t without_timekeeper = 0;
};

Json currency_charts(const std::string& currency, const CurrencyGroups& g) {
  Json charts = Json::array();
  const std::string in = " (" + currency + ")";
  std::string note;
  auto bars = top_bars(g.category, SIZE_MAX, currency, "categories", note);
  charts.push_back(money_chart("chart-" + currency + "-category", "At stake by category" + in, currency, bars, note));
  note.clear();
  bars = top_bars(g.client, kTopBars, currency, "clients", note);
  charts.push_back(money_chart("chart-" + currency + "-client", "At stake by client" + in, currency, bars, note));
  note.clear();
  bars = top_bars(g.timekeeper, kTopBars, currency, "timekeepers", note);
  if (g.without_timekeeper)
    note += (note.empty() ? "" : " ") + count_of(g.without_timekeeper, "finding") +
            (g.without_timekeeper == 1 ? " with an amount is" : " with an amount are") +
            " not about a timekeeper's line and not in this chart.";
  // No finding in this currency names a timekeeper: no empty chart.
  if (!bars.empty()) charts.push_back(money_chart("chart-" + currency + "-timekeeper", "At stake by timekeeper, top 10" + in, currency,
                               bars, note));
  // Months in calendar order, the latest kMonths of them.
  std::vector<Bar> months;
  for (const auto& [month, t] : g.month) months.push_back({month, t});
  note.clear();
  if (months.size() > kMonths) {
    note = "The latest " + std::to_string(kMonths) + " of " + std::to_string(months.size()) +
           " invoice months are shown.";
    months.erase(months.begin(), months.end() - static_cast<std::ptrdiff_t>(kMonths));
  }
  if (!months.empty()) charts.push_back(money_chart("chart-" + currency + "-month", "At stake by invoice month" + in, currency, months, note));
  return charts;
}

Json rule_chart(const std::vector<Finding>& findings) {
  std::map<std::string, std::size_t> by_rule;
  for (const auto& f : findings) ++by_rule[f.rule];
  std::vector<std::pair<std::string, std::size_t>> rules(by_rule.begin(), by_rule.end());
  std::stable_sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string note;
  if (rules.size() > kRules) {
    std::size_t rest = 0;
    for (std::size_t i = kRules; i < rules.size(); ++i) rest += rules[i].second;
    note = "The " + std::to_string(kRules) + " rules with the most findings of " + std::to_string(rules.size()) +
           " are shown; the others found " + std::to_string(rest) + ".";
    rules.resize(kRules);
  }
  const std::size_t max = rules.empty() ? 1 : rules.front().second;
  Json rows = Json::array();
  std::string alt;
  int y = kTop;
  for (const auto& [rule, n] : rules) {
    const int width = std::max(static_cast<int>(n * kBarWidth / max), 1);
    rows.push_back({{"label", shorten(rule, kLabelChars)},
                    {"full_label", rule},
                    {"y", y + 3},
                    {"ty", y + 16},
                    {"segments", Json::array({{{"cls", "seg-count"},
                                               {"x", kLabelWidth},
                                               {"width", width},
                                               {"tip", rule + ": " + count_of(n, "finding")}}})},
                    {"value_x", kLabelWidth + width + 6},
                    {"value", std::to_string(n)},
                    {"count", n}});
    alt += (alt.empty() ? "" : "; ") + rule + " " + std::to_string(n);
    y += kRowHeight;
  }
  Json chart;
  chart["id"] = "chart-rules";
  chart["caption"] = "Findings by rule";
  chart["alt"] = alt;
  chart["height"] = y + kTop;
  chart["rows"] = std::move(rows);
  if (!note.empty()) chart["note"] = std::move(note);
  return chart;
}

Json glance(const Report& report) {
  const Summary& s = report.summary;
  auto count = [&](Severity sev) {
    auto it = s.by_severity.find(sev);
    return it == s.by_severity.end() ? std::size_t{0} : it->second;
  };
  auto figure = [](const std::map<std::string, Decimal>& m, const std::string& currency) {
    auto it = m.find(currency);
    return format_amount(it == m.end() ? Decimal{} : it->second, currency);
  };
  Json j;
  j["invoices"] = s.invoices;
  j["lines"] = s.lines;
  j["findings"] = report.findings.size();
  j["errors"] = count(Severity::error);
  j["warnings"] = count(Severity::warning);
  j["infos"] = count(Severity::info);
  j["waived_count"] = s.waived;
  Json money = Json::array();
  for (const auto& [currency, net] : s.at_stake)
    money.push_back({{"currency", currency},
                     {"overcharged", figure(s.overcharged, currency)},
                     {"undercharged", figure(s.undercharged, currency)},
                     {"exposure", figure(s.credit_exposure, currency)},
                     {"net", format_amount(net, currency)}});
  j["has_money"] = !money.empty();
  j["money"] = std::move(money);
  Json overflowed = Json::array();
  for (const auto& currency : s.overflowed) overflowed.push_back(currency);
  if (!overflowed.empty()) j["overflowed"] = std::move(overflowed);
  j["clean"] = report.findings.empty();
  return j;
}

Json fix_json(const Finding& f) {
  return {{"field", f.fix->field}, {"current", f.fix->current.empty() ? "empty" : f.fix->current},
          {"suggested", f.fix->suggested}};
}

// The amount column sorts by these ranks (by currency, then exact amount), so
// the page's script compares small integers and never parses money.
std::vector<std::size_t> amount_ranks(const std::vector<const Finding*>& rows) {
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Finding& x = *rows[a];
    const Finding& y = *rows[b];
    if (x.amount_at_stake.has_value() != y.amount_at_stake.has_value()) return !x.amount_at_stake.has_value();
    if (x.currency != y.currency) return x.currency < y.currency;
    return x.amount_at_stake && *x.amount_at_stake < *y.amount_at_stake;
  });
  std::vector<std::size_t> rank(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  return rank;
}

// An invoice's section: its lines, the flagged ones marked with the findings
// (by row number) that flag them.
Json invoice_section(const BookIndex& index, const Invoice& inv, const std::string& anchor,
                     const std::vector<std::pair<std::size_t, const Finding*>>& findings) {
  std::map<std::int64_t, Json> marks;
  Json invoice_findings = Json::array();
  for (const auto& [n, f] : findings) {
    Json mark = {{"n", n}, {"anchor", "f-" + std::to_string(n)}, {"rule", f->rule},
                 {"severity", std::string(to_string(f->severity))}, {"message", f->message}};
    if (const InvoiceLine* l = index.line(*f))
      marks[l->line_no].push_back(std::move(mark));
    else
      invoice_findings.push_back(std::move(mark));
  }
  const auto lines = index.book().lines_of(inv);
  const bool all = lines.size() <= kLinesPerSection;
  Json rows = Json::array();
  for (const InvoiceLine& l : lines) {
    auto m = marks.find(l.line_no);
    if (!all && m == marks.end()) continue;
    Json row;
    row["line"] = l.line_no;
    if (l.date) row["date"] = l.date->to_string();
    if (!l.timekeeper_id.empty()) row["timekeeper"] = index.timekeeper_label(l.timekeeper_id);
    row["description"] = l.description.empty() ? l.type : l.description;
    row["quantity"] = l.quantity.to_string();
    row["rate"] = format_amount(l.rate, inv.currency);
    row["amount"] = format_amount(l.amount, inv.currency);
    row["flagged"] = m != marks.end();
    if (m != marks.end()) row["marks"] = std::move(m->second);
    rows.push_back(std::move(row));
  }
  Json j;
  j["anchor"] = anchor;
  j["id"] = inv.id;
  j["client_label"] = index.client_label(inv.client_id);
  j["issue_date"] = inv.issue_date.to_string();
  if (!inv.status.empty()) j["status"] = inv.status;
  j["currency"] = inv.currency;
  j["total"] = format_amount(inv.total, inv.currency);
  j["rows"] = std::move(rows);
  j["lines_shown"] = all;
  if (!all) j["hidden_lines"] = lines.size() - marks.size();
  j["has_invoice_findings"] = !invoice_findings.empty();
  j["invoice_findings"] = std::move(invoice_findings);
  return j;
}

Json waived_json(const BookIndex& index, const std::vector<WaivedFinding>& waived) {
  Json rows = Json::array();
  for (const auto& w : waived) {
    const Finding& f = w.finding;
    Json j;
    j["severity"] = std::string(to_string(f.severity));
    j["rule"] = f.rule;
    j["client_label"] = index.client_label(f.client);
    if (!f.invoice.empty()) j["invoice"] = f.invoice;
    if (!f.line.empty()) j["line"] = f.line;
    j["message"] = f.message;
    if (f.amount_at_stake) j["amount"] = (f.currency.empty() ? f.amount_at_stake->to_string()
                                                             : f.currency + " " + format_amount(*f.amount_at_stake, f.currency));
    j["reason"] = w.waiver.reason;
    if (!w.waiver.approved_by.empty()) j["approved_by"] = w.waiver.approved_by;
    if (w.waiver.expires) j["expires"] = w.waiver.expires->to_string();
    rows.push_back(std::move(j));
  }
  return rows;
}

Json sources_json(const Report& report, std::string_view kind) {
  Json out = Json::array();
  for (const auto& r : report.sources)
    if (r.kind == kind) out.push_back({{"name", r.name}, {"version", r.version}});
  return out;
}

// Where a finding is, in a few words (the same words as the text report's causes).
std::string where(const Finding& f) {
  if (!f.invoice.empty()) return f.line.empty() ? f.invoice : f.invoice + " line " + f.line;
  if (!f.payment.empty()) return "payment " + f.payment;
  if (!f.credit_note.empty()) return "credit note " + f.credit_note;
  if (!f.engagement.empty()) return "engagement " + f.engagement;
  return f.client.empty() ? f.fingerprint : "client " + f.client;
}

// Each cause once: what its findings share, the action that fixes them all,
// its total at stake, and its members, linked to their rows when the table
// shows them.
Json causes_json(const Report& report, std::size_t shown) {
  std::unordered_map<std::string_view, std::size_t> index_of;  // fingerprint -> report position
  for (std::size_t i = 0; i < report.findings.size(); ++i) index_of.emplace(report.findings[i].fingerprint, i);
  Json out = Json::array();
  for (std::size_t c = 0; c < report.causes.size() && c < kCauses; ++c) {
    const Cause& cause = report.causes[c];
    Json j;
    j["severity"] = std::string(to_string(cause.severity));
    j["rule"] = cause.rule;
    j["share"] = detail::shared_by(cause.kind, cause.key);
    j["action"] = cause.action;
    j["member_count"] = cause.members.size();
    std::string total = amounts_text(cause.at_stake);
    for (const auto& currency : cause.overflowed)
      total += (total.empty() ? "" : ", ") + currency + " more than " + format_amount(Decimal::from_raw(INT64_MAX), currency);
    if (!total.empty()) j["total"] = total;
    Json members = Json::array();
    for (std::size_t m = 0; m < cause.members.size() && m < kCauseMembers; ++m) {
      auto it = index_of.find(cause.members[m]);
      if (it == index_of.end()) {
        members.push_back({{"label", cause.members[m]}});
        continue;
      }
      Json member = {{"label", where(report.findings[it->second])}};
      if (it->second < shown) member["anchor"] = "f-" + std::to_string(it->second + 1);
      members.push_back(std::move(member));
    }
    j["members"] = std::move(members);
    if (cause.members.size() > kCauseMembers) j["more"] = cause.members.size() - kCauseMembers;
    out.push_back(std::move(j));
  }
  return out;
}

// Text a person reads as the text report and the letters show it: a control
// character (ESC, a bare CR, NUL, U+009B) or a byte that is not UTF-8 as \xNN,
// which escaping the markup leaves in the page. Line breaks and tabs stay.
void show_visibly(Json& value) {
  if (value.is_string()) {
    value = detail::visible(value.get_ref<const std::string&>(), {.line_breaks = true});
  } else if (value.is_array()) {
    for (auto& v : value) show_visibly(v);
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      if (std::find(std::begin(kDataNames), std::end(kDataNames), it.key()) == std::end(kDataNames))
        show_visibly(it.value());
  }
}

std::string read_asset(const fs::path& dir, std::string_view name) {
  return detail::read_template_file(dir / std::string(name));
}

}  // namespace

void write_html(std::ostream& out, const Report& report, const Book& book, const HtmlOptions& options) {
  const BookIndex index(book);
  const fs::path dir = options.templates.empty() ? detail::bundled_template_dir() : options.templates;

  Json model;
  model["title"] = options.title.empty() ? std::string("billcheck report") : "billcheck report: " + options.title;
  if (!options.title.empty()) model["book"] = options.title;
  model["style"] = read_asset(dir, "report.css");
  model["script"] = read_asset(dir, "report.js");
  model["style_hash"] = detail::csp_hash(model["style"].get<std::string>());
  model["script_hash"] = detail::csp_hash(model["script"].get<std::string>());
  model["glance"] = glance(report);

  // Charts count every finding, whatever the table shows.
  std::map<std::string, CurrencyGroups> groups;
  for (const auto& f : report.findings) {
    if (!f.amount_at_stake || f.currency.empty() || report.summary.overflowed.contains(f.currency)) continue;
    CurrencyGroups& g = groups[f.currency];
    add(g.category[f.category], f);
    add(g.client[index.client_label(f.client)], f);
    if (const std::string tk = index.timekeeper_id(f); !tk.empty())
      add(g.timekeeper[index.timekeeper_label(tk)], f);
    else
      ++g.without_timekeeper;
    if (const std::string month = index.month(f); !month.empty()) add(g.month[month], f);
  }
  Json currencies = Json::array();
  std::size_t chart_count = 0;
  for (const auto& [currency, g] : groups) {
    Json charts = currency_charts(currency, g);
    chart_count += charts.size();
    currencies.push_back({{"currency", currency}, {"charts", std::move(charts)}});
  }
  model["currencies"] = std::move(currencies);
  model["has_rule_chart"] = !report.findings.empty();
  if (!report.findings.empty()) {
    model["rule_chart"] = rule_chart(report.findings);
    ++chart_count;
  }
  model["chart_count"] = chart_count;

  // The table: the first max_rows findings in the report's order.
  const std::size_t shown =
      options.max_rows == 0 ? report.findings.size() : std::min(options.max_rows, report.findings.size());
  std::vector<const Finding*> rows;
  for (std::size_t i = 0; i < shown; ++i) rows.push_back(&report.findings[i]);
  const auto ranks = amount_ranks(rows);

  // The invoices the shown rows name, in order of first mention, each with its rows.
  std::map<std::string, std::size_t, std::less<>> section_of;
  std::vector<std::pair<const Invoice*, std::vector<std::pair<std::size_t, const Finding*>>>> sections;
  std::set<std::string> clients, categories, severities;
  Json table = Json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Finding& f = *rows[i];
    const std::size_t n = i + 1;
    Json row;
    row["n"] = n;
    row["anchor"] = "f-" + std::to_string(n);
    row["severity"] = std::string(to_string(f.severity));
    row["rule"] = f.rule;
    row["category"] = f.category;
    row["client"] = f.client;
    row["client_label"] = index.client_label(f.client);
    if (!f.invoice.empty()) {
      row["invoice"] = f.invoice;
      if (const Invoice* inv = index.invoice(f)) {
        auto [it, fresh] = section_of.try_emplace(f.invoice, sections.size());
        if (fresh) sections.push_back({inv, {}});
        sections[it->second].second.emplace_back(n, &f);
        row["invoice_anchor"] = "inv-" + std::to_string(it->second + 1);
      }
    }
    if (!f.line.empty()) {
      row["line"] = f.line;
      row["line_key"] = f.line;
    }
    row["message"] = f.message;
    if (const std::string details = detail::evidence_text(f); !details.empty()) row["details"] = details;
    if (f.amount_at_stake) {
      row["amount"] = f.currency.empty() ? f.amount_at_stake->to_string()
                                         : f.currency + " " + format_amount(*f.amount_at_stake, f.currency);
    }
    row["amount_key"] = ranks[i];
    if (f.fix) row["fix"] = fix_json(f);
    if (const Remedy* r = report.remedy_of(f))
      row["remedy"] = (r->kind == "credit_note" ? "credit note " : r->kind == "corrected" ? "invoice " : r->kind + " ") + r->id;
    if (!f.file.empty()) row["location"] = f.file + ":" + std::to_string(f.source_line);
    clients.insert(f.client);
    categories.insert(f.category);
    severities.insert(row["severity"].get<std::string>());
    table.push_back(std::move(row));
  }
  Json findings;
  findings["rows"] = std::move(table);
  findings["shown"] = shown;
  findings["total"] = report.findings.size();
  findings["capped"] = shown < report.findings.size();
  findings["max_rows"] = options.max_rows;
  model["has_findings"] = !report.findings.empty();
  model["findings"] = std::move(findings);

  Json filters;
  Json client_options = Json::array();
  for (const auto& c : clients) client_options.push_back({{"value_id", c}, {"label", index.client_label(c)}});
  filters["clients"] = std::move(client_options);
  filters["categories"] = Json(std::vector<std::string>(categories.begin(), categories.end()));
  Json severity_options = Json::array();
  for (std::string_view s : {"error", "warning", "info"})
    if (severities.contains(std::string(s))) severity_options.push_back(std::string(s));
  filters["severities"] = std::move(severity_options);
  model["filters"] = std::move(filters);

  Json section_list = Json::array();
  for (std::size_t i = 0; i < sections.size(); ++i)
    section_list.push_back(invoice_section(index, *sections[i].first, "inv-" + std::to_string(i + 1), sections[i].second));
  model["has_sections"] = !section_list.empty();
  model["sections"] = std::move(section_list);

  model["has_causes"] = !report.causes.empty();
  model["causes"] = causes_json(report, shown);
  if (report.causes.size() > kCauses)
    model["causes_note"] = "The " + std::to_string(kCauses) + " largest of " + std::to_string(report.causes.size()) +
                           " causes are listed; the JSON report has them all.";

  model["has_waived"] = !report.waived.empty();
  model["waived"] = waived_json(index, report.waived);
  model["plugins"] = sources_json(report, "plugin");
  model["packs"] = sources_json(report, "pack");
  model["has_sources"] = !report.sources.empty();
  Json refused = Json::array();
  for (const auto& r : report.refused)
    refused.push_back({{"kind", r.kind}, {"name", r.name}, {"path", r.path.string()}, {"reason", r.reason}});
  model["has_refused"] = !refused.empty();
  model["refused"] = std::move(refused);

  show_visibly(model);
  out << detail::render_template(dir, "report", detail::Markup::html, model, kReportVocabulary);
}

}  // namespace billcheck
