// Runs and findings over time: recording a check, a finding's history, what
// was fixed, and the moves of a finding's lifecycle.
#include "store_impl.hpp"

#include <billcheck/report.hpp>

#include "engine/finish.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace billcheck {
namespace store_detail {

const char* const kFindingColumns =
    "fingerprint, rule, severity, category, message, client, invoice, line, amount, currency, data, status, "
    "first_seen, last_seen, first_run, last_run, status_at, status_by, note, remedy_kind, remedy_id, "
    "remedy_amount, waiver_reason, waiver_by, waiver_expires";

FindingRecord finding_from(SQLite::Statement& q) {
  FindingRecord f;
  int c = 0;
  auto text = [&] { return q.getColumn(c++).getString(); };
  f.fingerprint = text();
  f.rule = text();
  f.severity = text();
  f.category = text();
  f.message = text();
  f.client = text();
  f.invoice = text();
  f.line = text();
  f.amount = text();
  f.currency = text();
  f.data = text();
  f.status = text();
  f.first_seen = text();
  f.last_seen = text();
  f.first_run = q.getColumn(c).isNull() ? 0 : q.getColumn(c).getInt64();
  ++c;
  f.last_run = q.getColumn(c).isNull() ? 0 : q.getColumn(c).getInt64();
  ++c;
  f.status_at = text();
  f.status_by = text();
  f.note = text();
  RemedyRecord r;
  r.kind = text();
  r.id = text();
  r.amount = text();
  r.currency = f.currency;
  if (!r.kind.empty()) f.remedy = r;
  f.waiver_reason = text();
  f.waiver_by = text();
  f.waiver_expires = text();
  return f;
}

void check_remedy(const RemedyRecord& r) {
  const auto& kinds = remedy_kinds();
  if (std::find(kinds.begin(), kinds.end(), r.kind) == kinds.end()) {
    std::string list;
    for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
    throw StoreError("remedy '" + r.kind + "' is not one billcheck knows; give one of " + list);
  }
  // What the client gets back (or pays in instalments): more than nothing.
  auto amount = [](const std::string& text, const std::string& what) {
    Decimal d;
    if (std::string e = Decimal::parse_error(text, d); !e.empty())
      throw StoreError(what + " '" + text + "' is not an amount: " + e);
    if (d <= Decimal{})
      throw StoreError(what + " '" + text + "' is not more than 0: give what the remedy is worth to the client, e.g. 154.70");
    return d;
  };
  if (!r.amount.empty()) amount(r.amount, "the remedy's amount");
  if (r.kind == "payment-plan" && r.instalments.empty())
    throw StoreError("a payment plan needs its instalments (--instalment AMOUNT@YYYY-MM-DD, one for each)");
  Decimal sum;
  for (const auto& i : r.instalments) {
    sum += amount(i.amount, "instalment " + std::to_string(i.number) + "'s amount");
    if (!Date::parse_iso(i.due))
      throw StoreError("instalment " + std::to_string(i.number) + "'s due date '" + i.due + "' is not a date (YYYY-MM-DD)");
  }
  // A payment plan's amount is what its instalments pay, together.
  if (!r.amount.empty() && !r.instalments.empty() && sum != amount(r.amount, "the remedy's amount"))
    throw StoreError("the instalments add up to " + sum.to_string() + ", not the remedy's amount " + r.amount +
                     ": give instalments that add up to --amount (or leave --amount out)");
}

void check_remedy_units(const RemedyRecord& r) {
  if (r.currency.empty()) return;
  const int places = minor_units(r.currency);
  auto within = [&](const std::string& text, const std::string& what) {
    const std::optional<Decimal> d = Decimal::parse(text);
    if (d && d->round(places) != *d)
      throw StoreError(what + " '" + text + "' has more decimals than " + r.currency + " has (" +
                       std::to_string(places) + "), e.g. " + format_amount(d->round(places), r.currency));
  };
  if (!r.amount.empty()) within(r.amount, "the remedy's amount");
  for (const auto& i : r.instalments) within(i.amount, "instalment " + std::to_string(i.number) + "'s amount");
}

}  // namespace store_detail

using namespace store_detail;

namespace {

// A finding rebuilt from the report's JSON the store kept, for the report's
// list of fixed findings.
Finding finding_of(const FindingRecord& r) {
  Finding f;
  const Json j = Json::parse(r.data, nullptr, false);
  auto get = [&](const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  f.rule = r.rule;
  f.severity = parse_severity(r.severity).value_or(Severity::error);
  f.category = r.category;
  f.message = r.message;
  f.client = r.client;
  f.engagement = get("engagement");
  f.invoice = r.invoice;
  f.line = r.line;
  f.payment = get("payment");
  f.credit_note = get("credit_note");
  f.time_entry = get("time_entry");
  if (!r.amount.empty()) f.amount_at_stake = Decimal::parse(r.amount);
  f.currency = r.currency;
  if (j.is_object() && j.contains("evidence") && j["evidence"].is_object())
    for (const auto& [name, value] : j["evidence"].items())
      if (value.is_string()) f.evidence.emplace_back(name, value.get<std::string>());
  if (j.is_object() && j.contains("fix") && j["fix"].is_object())
    f.fix = Fix{j["fix"].value("field", ""), j["fix"].value("current", ""), j["fix"].value("suggested", "")};
  f.fingerprint = r.fingerprint;
  if (std::string location = get("location"); !location.empty()) {
    const auto colon = location.rfind(':');
    f.file = location.substr(0, colon);
    if (colon != std::string::npos) f.source_line = static_cast<std::uint32_t>(std::stoul(location.substr(colon + 1)));
  }
  return f;
}

Json state_json(const FindingRecord& f) {
  Json j = {{"status", f.status}};
  if (f.remedy) {
    j["remedy"] = {{"kind", f.remedy->kind}, {"id", f.remedy->id}, {"amount", f.remedy->amount}};
    // The amount's currency, so that the audit trail shows it with the currency's decimals.
    if (!f.remedy->amount.empty()) j["remedy"]["currency"] = f.currency;
    if (!f.remedy->instalments.empty()) j["remedy"]["instalments"] = f.remedy->instalments.size();
  }
  if (f.status == "waived")
    j["waiver"] = {{"reason", f.waiver_reason}, {"approved_by", f.waiver_by}, {"expires", f.waiver_expires}};
  if (!f.note.empty()) j["note"] = f.note;
  return j;
}

// Whether a run over `book` (or over one invoice of it) could have found `f`
// again: only then does its absence mean it was fixed.
bool in_scope(const FindingRecord& f, const Book& book, const std::string& invoice) {
  if (!invoice.empty()) return f.invoice == invoice;
  if (!f.invoice.empty()) return book.invoice(f.invoice) != nullptr;
  if (!f.client.empty()) return book.client(f.client) != nullptr;
  return true;
}

}  // namespace

RunRecord Store::record_run(Report& report, const Book& book, const RunInfo& info,
                            const std::function<void(const RunRecord&)>& before_commit) {
  Impl& s = *impl_;
  RunRecord run;
  s.write([&] {
    SQLite::Database& db = *s.db;
    const std::string now = s.now();
    const std::string today = date_of(now);
    run.at = now;
    run.actor = s.options.actor;
    run.book = info.book;
    run.book_digest = info.book_digest;
    run.config = info.config;
    run.config_digest = info.config_digest;
    run.invoice = info.invoice;
    Json sources = {{"plugins", Json::array()}, {"packs", Json::array()}};
    for (const auto& src : report.sources)
      sources[src.kind == "pack" ? "packs" : "plugins"].push_back({{"name", src.name}, {"version", src.version}});
    run.sources = dump(sources);
    {
      SQLite::Statement insert(db,
                               "INSERT INTO runs (at, actor, book, book_digest, config, config_digest, invoice, "
                               "sources, invoices, lines, findings, errors, warnings, infos, waived, new_findings, "
                               "fixed, reopened) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)");
      int c = 1;
      for (const std::string* v : {&run.at, &run.actor, &run.book, &run.book_digest, &run.config, &run.config_digest,
                                   &run.invoice, &run.sources})
        insert.bind(c++, *v);
      insert.exec();
      run.id = db.getLastInsertRowid();
    }

    // The store's waivers act like the config's: the finding is reported apart.
    std::unordered_map<std::string, Waiver> waivers;
    {
      SQLite::Statement q(db,
                          "SELECT fingerprint, waiver_reason, waiver_by, waiver_expires FROM findings "
                          "WHERE status = 'waived' AND (waiver_expires = '' OR waiver_expires >= ?)");
      q.bind(1, today);
      while (q.executeStep()) {
        Waiver w;
        w.reason = q.getColumn(1).getString();
        w.approved_by = q.getColumn(2).getString();
        w.expires = Date::parse_iso(q.getColumn(3).getString());
        waivers.emplace(q.getColumn(0).getString(), std::move(w));
      }
    }
    if (!waivers.empty()) {
      std::vector<Finding> kept;
      for (auto& f : report.findings) {
        if (auto it = waivers.find(f.fingerprint); it != waivers.end()) {
          Waiver w = it->second;
          w.rule = f.rule;
          w.invoice = f.invoice;
          w.line = f.line;
          w.client = f.client;
          report.waived.push_back({std::move(f), std::move(w)});
        } else {
          kept.push_back(std::move(f));
        }
      }
      if (kept.size() != report.findings.size()) {
        report.findings = std::move(kept);
        detail::summarize(report);
      }
    }

    SQLite::Statement find(db, "SELECT status, first_seen, remedy_kind FROM findings WHERE fingerprint = ?");
    SQLite::Statement insert(db,
                             "INSERT INTO findings (fingerprint, rule, severity, category, message, client, invoice, "
                             "line, amount, currency, data, status, first_seen, last_seen, first_run, last_run, "
                             "status_at, status_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'open', "
                             "?12, ?12, ?13, ?13, ?12, ?14)");
    SQLite::Statement update(db,
                             "UPDATE findings SET rule = ?2, severity = ?3, category = ?4, message = ?5, client = ?6, "
                             "invoice = ?7, line = ?8, amount = ?9, currency = ?10, data = ?11, last_seen = ?12, "
                             "last_run = ?13 WHERE fingerprint = ?1");
    SQLite::Statement reopen(db,
                             "UPDATE findings SET status = 'reopened', status_at = ?2, status_by = ?3, note = ?4, "
                             "remedy_kind = '', remedy_id = '', remedy_amount = '', waiver_reason = '', "
                             "waiver_by = '', waiver_expires = '' WHERE fingerprint = ?1");
    SQLite::Statement sighting(db, "INSERT OR IGNORE INTO sightings (run, fingerprint) VALUES (?, ?)");

    auto record = [&](const Finding& f, bool waived) {
      find.bind(1, f.fingerprint);
      const bool known = find.executeStep();
      const std::string status = known ? find.getColumn(0).getString() : "";
      const std::string first_seen = known ? find.getColumn(1).getString() : now;
      const std::string remedy = known ? find.getColumn(2).getString() : "";
      find.reset();
      SQLite::Statement& write = known ? update : insert;
      write.bind(1, f.fingerprint);
      write.bind(2, f.rule);
      write.bind(3, std::string(to_string(f.severity)));
      write.bind(4, f.category);
      write.bind(5, f.message);
      write.bind(6, f.client);
      write.bind(7, f.invoice);
      write.bind(8, f.line);
      write.bind(9, f.amount_at_stake ? f.amount_at_stake->to_string() : std::string());
      write.bind(10, f.currency);
      write.bind(11, finding_to_json(f));
      write.bind(12, now);
      write.bind(13, run.id);
      if (!known) write.bind(14, s.options.actor);
      write.exec();
      write.reset();
      sighting.bind(1, run.id);
      sighting.bind(2, f.fingerprint);
      sighting.exec();
      sighting.reset();
      if (waived) return;
      FindingHistory h{status, date_of(first_seen)};
      if (!known) {
        h = {"new", ""};
        ++run.new_findings;
        s.append({"finding.found", "finding", f.fingerprint, f.invoice, 0, nullptr,
                {{"status", "open"}, {"run", run.id}, {"rule", f.rule}, {"message", f.message}}},
               now);
      } else if (status == "resolved" && !remedy.empty() && remedy != "corrected") {
        // Remedied beside the invoice (a credit note, a write-off, a payment
        // plan, an explanation): the invoice keeps its error, so finding it
        // again is expected, not a return.
      } else if (status == "resolved" || status == "waived") {
        // Back after it was corrected, or its waiver expired.
        h.status = "reopened";
        ++run.reopened;
        const std::string note = "found again by run " + std::to_string(run.id);
        reopen.bind(1, f.fingerprint);
        reopen.bind(2, now);
        reopen.bind(3, s.options.actor);
        reopen.bind(4, note);
        reopen.exec();
        reopen.reset();
        s.append({"finding.reopened", "finding", f.fingerprint, f.invoice, 0, {{"status", status}},
                {{"status", "reopened"}, {"run", run.id}, {"note", note}}},
               now);
      }
      report.history[f.fingerprint] = h;
    };
    for (const auto& f : report.findings) record(f, false);
    for (const auto& w : report.waived) record(w.finding, true);

    // What earlier runs found over these invoices and this run did not: fixed.
    SQLite::Statement open(db, std::string("SELECT ") + kFindingColumns +
                                   " FROM findings WHERE status IN ('open', 'acknowledged', 'reopened') AND "
                                   "(last_run IS NULL OR last_run <> ?)");
    open.bind(1, run.id);
    std::vector<FindingRecord> gone;
    while (open.executeStep()) {
      FindingRecord f = finding_from(open);
      if (in_scope(f, book, info.invoice)) gone.push_back(std::move(f));
    }
    SQLite::Statement fix(db,
                          "UPDATE findings SET status = 'resolved', status_at = ?2, status_by = ?3, note = ?4, "
                          "remedy_kind = 'corrected', remedy_id = ?5, remedy_amount = amount WHERE fingerprint = ?1");
    for (const auto& f : gone) {
      const std::string note = "not found by run " + std::to_string(run.id);
      fix.bind(1, f.fingerprint);
      fix.bind(2, now);
      fix.bind(3, s.options.actor);
      fix.bind(4, note);
      fix.bind(5, "run " + std::to_string(run.id));
      fix.exec();
      fix.reset();
      s.append({"finding.fixed", "finding", f.fingerprint, f.invoice, 0, {{"status", f.status}},
              {{"status", "resolved"}, {"remedy", {{"kind", "corrected"}, {"id", "run " + std::to_string(run.id)}}},
               {"note", note}}},
             now);
      report.fixed.push_back(finding_of(f));
    }
    run.fixed = static_cast<std::int64_t>(gone.size());

    const Summary& sum = report.summary;
    auto count = [&](Severity sev) {
      auto it = sum.by_severity.find(sev);
      return it == sum.by_severity.end() ? std::int64_t{0} : static_cast<std::int64_t>(it->second);
    };
    run.invoices = static_cast<std::int64_t>(sum.invoices);
    run.lines = static_cast<std::int64_t>(sum.lines);
    run.findings = static_cast<std::int64_t>(report.findings.size());
    run.errors = count(Severity::error);
    run.warnings = count(Severity::warning);
    run.infos = count(Severity::info);
    run.waived = static_cast<std::int64_t>(report.waived.size());
    SQLite::Statement counts(db,
                             "UPDATE runs SET invoices = ?, lines = ?, findings = ?, errors = ?, warnings = ?, "
                             "infos = ?, waived = ?, new_findings = ?, fixed = ?, reopened = ? WHERE id = ?");
    int c = 1;
    for (std::int64_t v : {run.invoices, run.lines, run.findings, run.errors, run.warnings, run.infos, run.waived,
                           run.new_findings, run.fixed, run.reopened, run.id})
      counts.bind(c++, v);
    counts.exec();
    Json after = json_of(run);
    s.append({"run.recorded", "run", std::to_string(run.id), info.invoice, 0, nullptr, after}, now);
    report.recorded = true;
    if (before_commit) {
      try {
        before_commit(run);
      } catch (...) {
        report.recorded = false;
        throw;
      }
    }
  });
  return run;
}

namespace {

RunRecord run_from(SQLite::Statement& q) {
  RunRecord r;
  int c = 0;
  r.id = q.getColumn(c++).getInt64();
  for (std::string* v : {&r.at, &r.actor, &r.book, &r.book_digest, &r.config, &r.config_digest, &r.invoice, &r.sources})
    *v = q.getColumn(c++).getString();
  for (std::int64_t* v : {&r.invoices, &r.lines, &r.findings, &r.errors, &r.warnings, &r.infos, &r.waived,
                          &r.new_findings, &r.fixed, &r.reopened})
    *v = q.getColumn(c++).getInt64();
  return r;
}

constexpr const char* kRunColumns =
    "id, at, actor, book, book_digest, config, config_digest, invoice, sources, invoices, lines, findings, errors, "
    "warnings, infos, waived, new_findings, fixed, reopened";

}  // namespace

std::vector<RunRecord> Store::runs() const {
  return impl_->read([&] {
    SQLite::Statement q(*impl_->db, std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id");
    std::vector<RunRecord> out;
    while (q.executeStep()) out.push_back(run_from(q));
    return out;
  });
}

std::optional<RunRecord> Store::last_run() const {
  return impl_->read([&]() -> std::optional<RunRecord> {
    SQLite::Statement q(*impl_->db, std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id DESC LIMIT 1");
    if (q.executeStep()) return run_from(q);
    return std::nullopt;
  });
}

namespace {

void load_instalments(SQLite::Database& db, const std::string& fingerprint, RemedyRecord& r) {
  SQLite::Statement q(db, "SELECT number, amount, due, paid FROM instalments WHERE fingerprint = ? ORDER BY number");
  q.bind(1, fingerprint);
  while (q.executeStep())
    r.instalments.push_back({q.getColumn(0).getInt(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                             q.getColumn(3).getString()});
}

}  // namespace

std::vector<FindingRecord> Store::findings(const FindingFilter& filter) const {
  static const std::vector<std::string> statuses = {"open", "acknowledged", "resolved", "waived", "reopened"};
  for (const std::string& status : filter.status)
    if (std::find(statuses.begin(), statuses.end(), status) == statuses.end())
      throw StoreError("status '" + status + "' is not one of " + join(statuses));
  return impl_->read([&] {
    std::string sql = std::string("SELECT ") + kFindingColumns + " FROM findings WHERE 1";
    if (!filter.status.empty()) {
      sql += " AND status IN (";
      for (std::size_t i = 0; i < filter.status.size(); ++i) sql += i ? ", ?" : "?";
      sql += ")";
    }
    if (!filter.client.empty()) sql += " AND client = ?";
    if (!filter.invoice.empty()) sql += " AND invoice = ?";
    if (!filter.rule.empty()) sql += " AND rule = ?";
    sql += " ORDER BY client, invoice, CAST(line AS INTEGER), rule, fingerprint";
    SQLite::Statement q(*impl_->db, sql);
    int c = 1;
    for (const auto& st : filter.status) q.bind(c++, st);
    for (const std::string* v : {&filter.client, &filter.invoice, &filter.rule})
      if (!v->empty()) q.bind(c++, *v);
    std::vector<FindingRecord> out;
    while (q.executeStep()) out.push_back(finding_from(q));
    for (auto& f : out)
      if (f.remedy && f.remedy->kind == "payment-plan") load_instalments(*impl_->db, f.fingerprint, *f.remedy);
    return out;
  });
}

FindingRecord Store::finding(const std::string& fingerprint) const {
  return impl_->read([&] {
    // A unique prefix is enough, as with git's commit ids.
    SQLite::Statement q(*impl_->db, std::string("SELECT ") + kFindingColumns +
                                        " FROM findings WHERE fingerprint = ?1 OR (length(?1) >= 6 AND "
                                        "substr(fingerprint, 1, length(?1)) = ?1) ORDER BY fingerprint = ?1 DESC LIMIT 2");
    q.bind(1, fingerprint);
    std::vector<FindingRecord> found;
    while (q.executeStep()) found.push_back(finding_from(q));
    if (found.empty())
      throw NotInStore("no finding '" + fingerprint + "' in store '" + impl_->path.string() + "'" +
                       (fingerprint.size() < 6 ? " (a fingerprint's first 6 characters or more name a finding)" : "") +
                       "; `billcheck findings --store " + impl_->path.string() + "` lists them with their fingerprints",
                       "finding", fingerprint);
    if (found.size() > 1 && found[0].fingerprint != fingerprint)
      throw StoreError("'" + fingerprint + "' begins more than one finding's fingerprint; give more of it");
    if (found[0].remedy && found[0].remedy->kind == "payment-plan")
      load_instalments(*impl_->db, found[0].fingerprint, *found[0].remedy);
    return found[0];
  });
}

std::vector<std::string> Store::finding_moves(const std::string& status) {
  if (status == "open" || status == "reopened") return {"ack", "resolve", "waive"};
  if (status == "acknowledged") return {"resolve", "waive"};
  if (status == "resolved" || status == "waived") return {"reopen"};
  return {};
}

FindingRecord Store::move_finding(const std::string& fingerprint, const FindingMove& move) {
  Impl& s = *impl_;
  static const std::map<std::string, std::string> kTarget = {
      {"ack", "acknowledged"}, {"resolve", "resolved"}, {"waive", "waived"}, {"reopen", "reopened"}};
  auto target = kTarget.find(move.action);
  if (target == kTarget.end()) throw StoreError("'" + move.action + "' is not a move of a finding (ack, resolve, waive, reopen)");
  if (move.action == "resolve") {
    if (!move.remedy) throw StoreError("resolving a finding needs its remedy (--remedy KIND)");
    check_remedy(*move.remedy);
  }
  if (move.action == "waive" && move.waiver_reason.empty())
    throw StoreError("waiving a finding needs the reason it is accepted (--reason TEXT)");
  if (!move.waiver_expires.empty() && !Date::parse_iso(move.waiver_expires))
    throw StoreError("expiry '" + move.waiver_expires + "' is not a date (YYYY-MM-DD)");
  FindingRecord after;
  s.write([&] {
    const FindingRecord before = finding(fingerprint);
    const auto allowed = finding_moves(before.status);
    if (std::find(allowed.begin(), allowed.end(), move.action) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw InvalidMove("finding " + before.fingerprint + " is " + before.status + ": '" + move.action +
                            "' is not a move from there; allowed: " + (list.empty() ? "none" : list),
                        allowed);
    }
    const std::string now = s.now();
    after = before;
    after.status = target->second;
    after.status_at = now;
    after.status_by = s.options.actor;
    after.note = move.note;
    after.remedy.reset();
    after.waiver_reason = after.waiver_by = after.waiver_expires = "";
    if (move.action == "resolve") {
      after.remedy = *move.remedy;
      if (after.remedy->currency.empty()) after.remedy->currency = before.currency;
      check_remedy_units(*after.remedy);  // before anything is written: the transaction rolls back
    }
    if (move.action == "waive") {
      after.waiver_reason = move.waiver_reason;
      after.waiver_by = move.waiver_by.empty() ? s.options.actor : move.waiver_by;
      after.waiver_expires = move.waiver_expires;
    }
    SQLite::Statement u(*s.db,
                        "UPDATE findings SET status = ?2, status_at = ?3, status_by = ?4, note = ?5, remedy_kind = ?6, "
                        "remedy_id = ?7, remedy_amount = ?8, waiver_reason = ?9, waiver_by = ?10, waiver_expires = ?11 "
                        "WHERE fingerprint = ?1");
    u.bind(1, after.fingerprint);
    u.bind(2, after.status);
    u.bind(3, now);
    u.bind(4, after.status_by);
    u.bind(5, after.note);
    u.bind(6, after.remedy ? after.remedy->kind : "");
    u.bind(7, after.remedy ? after.remedy->id : "");
    u.bind(8, after.remedy ? after.remedy->amount : "");
    u.bind(9, after.waiver_reason);
    u.bind(10, after.waiver_by);
    u.bind(11, after.waiver_expires);
    u.exec();
    if (after.remedy && !after.remedy->instalments.empty()) {
      SQLite::Statement del(*s.db, "DELETE FROM instalments WHERE fingerprint = ? AND dispute IS NULL");
      del.bind(1, after.fingerprint);
      del.exec();
      SQLite::Statement ins(*s.db, "INSERT INTO instalments (fingerprint, number, amount, due) VALUES (?, ?, ?, ?)");
      for (const auto& i : after.remedy->instalments) {
        ins.bind(1, after.fingerprint);
        ins.bind(2, i.number);
        ins.bind(3, i.amount);
        ins.bind(4, i.due);
        ins.exec();
        ins.reset();
      }
    }
    const std::map<std::string, std::string> action = {
        {"ack", "finding.acknowledged"}, {"resolve", "finding.resolved"}, {"waive", "finding.waived"},
        {"reopen", "finding.reopened"}};
    s.append({action.at(move.action), "finding", after.fingerprint, after.invoice, 0, state_json(before),
              state_json(after)},
             now);
  });
  return after;
}

}  // namespace billcheck
