#include "engine/finish.hpp"

#include <algorithm>
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

void add_up(Summary& s, const Report& report) {
  for (const auto& f : report.findings) {
    ++s.by_severity[f.severity];
    ++s.by_category[f.category];
    if (f.amount_at_stake && !f.currency.empty()) {
      const Decimal amount = *f.amount_at_stake;
      s.at_stake[f.currency] += amount;
      if (amount.is_negative())
        s.undercharged[f.currency] -= amount;
      else if (f.category == "credit")  // money owed beyond a limit, not money overcharged
        s.credit_exposure[f.currency] += amount;
      else
        s.overcharged[f.currency] += amount;
    }
  }
  s.waived = report.waived.size();
}

}  // namespace

void finish_report(Report& report, const std::vector<Waiver>& waivers, Date today) {
  std::stable_sort(report.findings.begin(), report.findings.end(), finding_less);
  fingerprint(report.findings);
  set_waived_apart(report, waivers, today);
  add_up(report.summary, report);
}

}  // namespace billcheck::detail
