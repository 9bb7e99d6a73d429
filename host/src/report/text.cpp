#include <billcheck/report.hpp>

#include "report/table.hpp"
#include "report/visible.hpp"

#include <cstdint>
#include <map>

namespace billcheck {
namespace {

struct Painter {
  bool on;
  std::string operator()(std::string_view code, std::string_view text) const {
    if (!on) return std::string(text);
    return "\033[" + std::string(code) + "m" + std::string(text) + "\033[0m";
  }
  std::string severity(Severity s) const {
    switch (s) {
      case Severity::error: return (*this)("1;31", "error");
      case Severity::warning: return (*this)("1;33", "warning");
      case Severity::info: return (*this)("1;36", "info");
    }
    return "";
  }
};

// Text from the book, the rules or the record, written so that a control
// character in it (ESC [ 2 J, a bare CR) shows as \x1B, \x0D instead of acting
// on the terminal; the report's own words and colours are written as they are.
std::string show(std::string_view text) { return detail::visible(text); }

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

void write_finding(std::ostream& out, const Finding& f, const Painter& paint, std::string_view indent,
                   const Remedy* remedy = nullptr) {
  out << indent;
  if (!f.file.empty()) out << paint("1", show(f.file) + ":" + std::to_string(f.source_line) + ":") << ' ';
  out << paint.severity(f.severity) << ": " << show(f.message) << ' ' << paint("2", "[" + show(f.rule) + "]") << '\n';
  std::string details = show(detail::evidence_text(f));
  if (f.amount_at_stake) {
    details += (details.empty() ? "" : "; ") + std::string("at stake ") +
               (f.currency.empty() ? f.amount_at_stake->to_string()
                                   : show(f.currency) + " " + format_amount(*f.amount_at_stake, f.currency));
  }
  if (!details.empty()) out << indent << "    " << details << '\n';
  if (f.fix)
    out << indent << "    fix: set " << show(f.fix->field) << " to " << show(f.fix->suggested) << " (now "
        << (f.fix->current.empty() ? "empty" : show(f.fix->current)) << ")\n";
  if (remedy) out << indent << "    remedied by " << (remedy->kind == "credit_note" ? "credit note " : remedy->kind == "corrected" ? "invoice " : remedy->kind == "reissued" ? "replacement invoice " : show(remedy->kind) + " ") << show(remedy->id) << '\n';
}

// What the record says of a finding: new, open since the day it was first seen, or back again.
void write_history(std::ostream& out, const FindingHistory& h, std::string_view indent) {
  out << indent << "history: " << show(h.status);
  const bool open = h.status == "open" || h.status == "acknowledged";
  if (!h.since.empty()) out << (open ? " since " : ", first seen ") << show(h.since);
  out << '\n';
}

// Where a finding is, in a few words: to list a cause's members.
std::string where(const Finding& f) {
  if (!f.invoice.empty()) return show(f.line.empty() ? f.invoice : f.invoice + " line " + f.line);
  if (!f.payment.empty()) return "payment " + show(f.payment);
  if (!f.credit_note.empty()) return "credit note " + show(f.credit_note);
  if (!f.engagement.empty()) return "engagement " + show(f.engagement);
  return f.client.empty() ? f.fingerprint : "client " + show(f.client);
}

// Findings that share a cause, once each with the action that fixes them all.
// Only causes of two or more findings are reported (Report::causes).
void write_causes(std::ostream& out, const Report& report, const Painter& paint) {
  if (report.causes.empty()) return;
  std::map<std::string_view, const Finding*> by_fingerprint;
  for (const auto& f : report.findings) by_fingerprint.emplace(f.fingerprint, &f);
  constexpr std::size_t kListed = 20;  // the JSON report lists every member
  out << '\n' << paint("1", "Causes") << " (findings that share one; one action fixes each)\n";
  for (const auto& c : report.causes) {
    out << "  " << paint.severity(c.severity) << ": " << plural(c.members.size(), "finding") << " share "
        << show(detail::shared_by(c.kind, c.key)) << ' '
        << paint("2", "[" + show(c.rule) + "]");
    bool first = true;
    for (const auto& [currency, amount] : c.at_stake) {
      out << (first ? "; at stake " : ", ") << currency << ' ' << format_amount(amount, currency);
      first = false;
    }
    out << '\n' << "      action: " << show(c.action) << '\n' << "      findings: ";
    for (std::size_t i = 0; i < c.members.size() && i < kListed; ++i) {
      auto it = by_fingerprint.find(c.members[i]);
      out << (i ? ", " : "") << (it == by_fingerprint.end() ? c.members[i] : where(*it->second));
    }
    if (c.members.size() > kListed) out << " and " << c.members.size() - kListed << " more";
    out << '\n';
  }
}

// Refused plugins are shown in the report itself, not only in the log: their
// rules did not run, so a clean report would otherwise read as a checked book.
void write_refused(std::ostream& out, const std::vector<RuleSource>& refused, const Painter& paint) {
  if (refused.empty()) return;
  out << '\n' << paint("1", "Refused") << " (their rules did not run)\n";
  for (const auto& r : refused) {
    out << "  " << r.kind << ' ' << (r.kind == "rule" ? show(r.name) + " of " : "") << show(r.path.string()) << ": "
        << show(r.reason) << '\n';
  }
}

// Per currency, each figure under the one name it has in every output (see Summary).
void write_money(std::ostream& out, const Summary& s) {
  auto figure = [](const std::map<std::string, Decimal>& m, const std::string& currency) {
    auto it = m.find(currency);
    return it == m.end() ? Decimal{} : it->second;
  };
  for (const auto& [currency, net] : s.at_stake) {
    const Decimal exposure = figure(s.credit_exposure, currency);
    out << "  " << currency << ": overcharged " << format_amount(figure(s.overcharged, currency), currency)
        << ", under-billed " << format_amount(figure(s.undercharged, currency), currency);
    if (!exposure.is_zero()) out << ", credit exposure " << format_amount(exposure, currency);
    out << ", net at stake " << format_amount(net, currency) << '\n';
  }
  for (const auto& currency : s.overflowed)
    out << "  " << currency << ": the amounts at stake add up past " << Decimal::from_raw(INT64_MAX).to_string()
        << ", the largest figure billcheck holds; see each finding's amount\n";
}

}  // namespace

void write_text(std::ostream& out, const Report& report, const Book& book, const TextStyle& style) {
  Painter paint{style.color};
  const std::string* client = nullptr;
  const std::string* invoice = nullptr;
  for (const auto& f : report.findings) {
    if (!client || *client != f.client) {
      client = &f.client;
      invoice = nullptr;
      out << '\n';
      if (f.client.empty()) {
        out << paint("1", "Book") << '\n';
      } else {
        const Client* c = book.client(f.client);
        out << paint("1", "Client " + show(f.client)) << (c && !c->name.empty() ? " (" + show(c->name) + ")" : "") << '\n';
      }
    }
    if (!f.invoice.empty() && (!invoice || *invoice != f.invoice)) {
      invoice = &f.invoice;
      out << "  " << paint("1", "Invoice " + show(f.invoice));
      if (const Invoice* inv = book.invoice(f.invoice))
        out << (inv->is_void() ? " (void, dated " : " (issued ") << inv->issue_date.to_string() << ", total "
            << show(inv->currency) << ' ' << format_amount(inv->total, inv->currency) << ')';
      out << '\n';
    }
    write_finding(out, f, paint, f.invoice.empty() ? "  " : "    ", report.remedy_of(f));
    if (auto h = report.history.find(f.fingerprint); report.recorded && h != report.history.end())
      write_history(out, h->second, f.invoice.empty() ? "      " : "        ");
  }
  if (!report.waived.empty()) {
    out << '\n' << paint("1", "Waived")
        << (report.recorded ? " (accepted in the config or the record; not counted below)\n"
                            : " (accepted in the config; not counted below)\n");
    for (const auto& w : report.waived) {
      write_finding(out, w.finding, paint, "  ");
      out << "      waived: " << show(w.waiver.reason);
      if (!w.waiver.approved_by.empty()) out << " (approved by " << show(w.waiver.approved_by) << ")";
      if (w.waiver.expires) out << ", until " << w.waiver.expires->to_string();
      out << '\n';
    }
  }

  if (report.recorded && !report.fixed.empty()) {
    out << '\n' << paint("1", "Fixed") << " (found by an earlier run, no longer found)\n";
    for (const auto& f : report.fixed) write_finding(out, f, paint, "  ");
  }

  write_causes(out, report, paint);
  write_refused(out, report.refused, paint);

  const Summary& s = report.summary;
  auto count = [&](Severity sev) {
    auto it = s.by_severity.find(sev);
    return it == s.by_severity.end() ? std::size_t{0} : it->second;
  };
  out << '\n' << paint("1", "Summary") << ": " << plural(s.invoices, "invoice") << ", " << plural(s.lines, "line")
      << " checked; " << plural(count(Severity::error), "error") << ", " << plural(count(Severity::warning), "warning")
      << ", " << count(Severity::info) << " info";
  if (s.waived) out << ", " << s.waived << " waived";
  out << '\n';
  if (!s.by_category.empty()) {
    out << "  by category:";
    bool first = true;
    for (const auto& [cat, n] : s.by_category) {
      out << (first ? " " : ", ") << show(cat) << ' ' << n;
      first = false;
    }
    out << '\n';
  }
  write_money(out, s);
  if (report.findings.empty()) out << "  No billing errors found.\n";
}

std::string amounts_text(const std::map<std::string, Decimal>& amounts) {
  std::string out;
  for (const auto& [currency, amount] : amounts)
    out += (out.empty() ? "" : ", ") + currency + " " + format_amount(amount, currency);
  return out;
}

}  // namespace billcheck
