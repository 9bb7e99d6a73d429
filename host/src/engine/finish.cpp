#include "engine/finish.hpp"

#include "engine/log.hpp"
#include "load/encoding.hpp"

#include <billcheck/report.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

namespace billcheck::detail {
namespace {

std::string hex64(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kDigits[v & 15];
  return s;
}

std::string fingerprint_of(const Finding& f) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const std::string* part : {&f.rule, &f.client, &f.engagement, &f.invoice, &f.line, &f.payment, &f.credit_note,
                                  &f.time_entry, &f.discriminator}) {
    for (unsigned char c : *part) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  }
  return hex64(h);
}

/// Repairs a rule's text that is not UTF-8 (a plugin's bug) as an isolated
/// rule's worker repairs it when it sends its findings (each invalid sequence
/// becomes U+FFFD, nlohmann's `replace`): the report can then be written, and
/// reads the same whether the rule ran in process or isolated. True when the
/// text was repaired.
bool repair_text(std::string& text) {
  if (encoding::is_utf8(text)) return false;
  using Json = nlohmann::json;
  text = Json::parse(Json(text).dump(-1, ' ', false, Json::error_handler_t::replace)).get<std::string>();
  return true;
}

/// Every text of the findings made UTF-8 (see repair_text), and a severity
/// outside the three an error (a plugin cast a number to it); each rule that
/// did either is named once in the log.
void repair_findings(std::vector<Finding>& findings) {
  std::string last_rule, last_severity_rule;
  for (Finding& f : findings) {
    bool repaired = false;
    for (std::string* text : {&f.rule, &f.category, &f.message, &f.client, &f.engagement, &f.invoice, &f.line,
                              &f.payment, &f.credit_note, &f.time_entry, &f.currency, &f.discriminator, &f.file})
      repaired |= repair_text(*text);
    for (auto& [name, value] : f.evidence) {
      repaired |= repair_text(name);
      repaired |= repair_text(value);
    }
    if (f.fix) repaired |= repair_text(f.fix->field) | repair_text(f.fix->current) | repair_text(f.fix->suggested);
    if (repaired && f.rule != last_rule)
      logger().warn("rule {} reported text that is not UTF-8; each invalid byte sequence is shown as U+FFFD "
                    "(report this to the rule's author)",
                    f.rule);
    if (f.severity != Severity::info && f.severity != Severity::warning && f.severity != Severity::error) {
      if (f.rule != last_severity_rule)
        logger().warn("rule {} reported a severity that is none of info, warning and error ({}); it is reported as "
                      "an error (report this to the rule's author)",
                      f.rule, static_cast<long long>(f.severity));
      last_severity_rule = f.rule;
      f.severity = Severity::error;
    }
    if (repaired) last_rule = f.rule;
  }
}

// Line keys compare as numbers: "2" before "10".
int compare_line(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b);
}

bool finding_less(const Finding& a, const Finding& b) {
  if (int c = a.client.compare(b.client)) return c < 0;
  if (int c = a.invoice.compare(b.invoice)) return c < 0;
  if (int c = compare_line(a.line, b.line)) return c < 0;
  if (int c = a.rule.compare(b.rule)) return c < 0;
  if (int c = a.payment.compare(b.payment)) return c < 0;
  if (int c = a.credit_note.compare(b.credit_note)) return c < 0;
  if (int c = a.time_entry.compare(b.time_entry)) return c < 0;
  if (int c = a.engagement.compare(b.engagement)) return c < 0;
  if (int c = a.discriminator.compare(b.discriminator)) return c < 0;
  return a.message < b.message;
}

// Every record key the waiver names must be the finding's.
bool waiver_matches(const Waiver& w, const Finding& f) {
  auto same = [](const std::string& waived, const std::string& found) { return waived.empty() || waived == found; };
  return w.rule == f.rule && same(w.invoice, f.invoice) && same(w.line, f.line) && same(w.client, f.client) &&
         same(w.payment, f.payment) && same(w.credit_note, f.credit_note);
}

void fingerprint(std::vector<Finding>& findings) {
  std::unordered_map<std::string, int> seen;
  for (auto& f : findings) {
    f.fingerprint = fingerprint_of(f);
    if (int n = ++seen[f.fingerprint]; n > 1) f.fingerprint += "-" + std::to_string(n);
  }
}

void set_waived_apart(Report& report, const std::vector<Waiver>& waivers, Date today) {
  std::vector<Finding> kept;
  kept.reserve(report.findings.size());
  for (auto& f : report.findings) {
    auto match = std::find_if(waivers.begin(), waivers.end(), [&](const Waiver& w) {
      return waiver_matches(w, f) && (!w.expires || today <= *w.expires);
    });
    if (match != waivers.end())
      report.waived.push_back({std::move(f), *match});
    else
      kept.push_back(std::move(f));
  }
  report.findings = std::move(kept);
}

// The money figures of one currency, added in 128 bits: a book's findings can
// add up past Decimal's range although each amount fits.
struct Totals {
  __int128 net = 0, over = 0, under = 0, exposure = 0;
  bool any_over = false, any_under = false, any_exposure = false;  // a figure is shown once a finding adds to it
};

bool fits(__int128 raw) {
  return raw >= std::numeric_limits<std::int64_t>::min() && raw <= std::numeric_limits<std::int64_t>::max();
}

void add_up(Summary& s, const Report& report) {
  std::map<std::string, Totals> totals;
  for (const auto& f : report.findings) {
    ++s.by_severity[f.severity];
    ++s.by_category[f.category];
    if (f.amount_at_stake && !f.currency.empty()) {
      const __int128 raw = f.amount_at_stake->raw();
      Totals& t = totals[f.currency];
      t.net += raw;
      if (raw < 0) {
        t.under -= raw;
        t.any_under = true;
      } else if (f.category == "credit") {  // money owed beyond a limit, not money overcharged
        t.exposure += raw;
        t.any_exposure = true;
      } else {
        t.over += raw;
        t.any_over = true;
      }
    }
  }
  for (const auto& [currency, t] : totals) {
    if (!fits(t.net) || !fits(t.over) || !fits(t.under) || !fits(t.exposure)) {
      s.overflowed.insert(currency);
      continue;
    }
    s.at_stake[currency] = Decimal::from_raw(static_cast<std::int64_t>(t.net));
    if (t.any_over) s.overcharged[currency] = Decimal::from_raw(static_cast<std::int64_t>(t.over));
    if (t.any_under) s.undercharged[currency] = Decimal::from_raw(static_cast<std::int64_t>(t.under));
    if (t.any_exposure) s.credit_exposure[currency] = Decimal::from_raw(static_cast<std::int64_t>(t.exposure));
  }
  s.waived = report.waived.size();
}

}  // namespace

void finish_report(Report& report, const std::vector<Waiver>& waivers, Date today) {
  repair_findings(report.findings);
  std::stable_sort(report.findings.begin(), report.findings.end(), finding_less);
  fingerprint(report.findings);
  set_waived_apart(report, waivers, today);
  add_up(report.summary, report);
  report.causes = group_causes(report.findings);
}

void summarize(Report& report) {
  Summary& s = report.summary;
  s.by_severity.clear();
  s.by_category.clear();
  s.at_stake.clear();
  s.overcharged.clear();
  s.undercharged.clear();
  s.credit_exposure.clear();
  s.overflowed.clear();
  add_up(s, report);
  report.causes = group_causes(report.findings);
}

namespace {

/// Calls f(fingerprint) for each fingerprint a `remedies` column lists
/// (separated by spaces: one note can return the overcharge of two findings on
/// the same line; billcheck fix credits a line once).
template <class F>
void each_named(std::string_view all, F f) {
  for (std::size_t b = all.find_first_not_of(' '); b != std::string_view::npos; b = all.find_first_not_of(' ', b)) {
    const std::size_t e = std::min(all.find(' ', b), all.size());
    f(all.substr(b, e - b));
    b = e;
  }
}

std::map<std::string, Remedy> index_remedies(const Book& book) {
  std::map<std::string, Remedy> claims;
  // Credit notes first, then invoices; within each the Book's order (by id): the first claim stands.
  for (const CreditNote& note : book.credit_notes())
    each_named(note.remedies, [&](std::string_view fp) { claims.try_emplace(std::string(fp), Remedy{"credit_note", note.id.str()}); });
  // A supplementary invoice billcheck fix wrote for under-billing, or a
  // replacement invoice (fix --reissue), names the findings it corrects in its
  // own `remedies` column (an extra column, so the plugin ABI is unchanged).
  for (const Invoice& inv : book.invoices()) {
    const Text* names = inv.extra.find("remedies");
    if (!names) continue;
    const Remedy remedy{inv.extra.find("replaces") ? "reissued" : "corrected", inv.id.str()};
    each_named(*names, [&](std::string_view fp) { claims.try_emplace(std::string(fp), remedy); });
  }
  return claims;
}

}  // namespace

const std::map<std::string, Remedy>& remedy_claims_of(const Book& book) {
  // Once per book: checking a book's invoices one by one must not scan every
  // invoice and credit note for each of them.
  return book.derived<std::map<std::string, Remedy>>("billcheck.engine/remedies",
                                                     [](const Book& b) { return index_remedies(b); });
}

void find_remedies(Report& report, const std::map<std::string, Remedy>& claims) {
  if (claims.empty()) return;
  for (const Finding& f : report.findings)
    if (auto it = claims.find(f.fingerprint); it != claims.end()) report.remedies[f.fingerprint] = it->second;
}

}  // namespace billcheck::detail

namespace billcheck {

void merge_remedies(std::map<std::string, Remedy>& into, const std::map<std::string, Remedy>& from) {
  for (const auto& [fp, remedy] : from) {
    auto [it, added] = into.try_emplace(fp, remedy);
    if (added) continue;
    // As one book orders its claims: a credit note before an invoice, then the least id.
    const bool note = remedy.kind == "credit_note", kept_note = it->second.kind == "credit_note";
    if (note != kept_note ? note : remedy.id < it->second.id) it->second = remedy;
  }
}

}  // namespace billcheck
