// Client disputes: what the client said, the findings that back it, the
// correspondence, the states from open to closed, and what is overdue.
#include "store_impl.hpp"

#include <billcheck/report.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>

namespace billcheck {

using namespace store_detail;

namespace {

constexpr const char* kDisputeColumns =
    "id, invoice, line, client, reason, says, received, respond_by, opened_at, opened_by, state, state_at, state_by, "
    "outcome, remedy_kind, remedy_id, remedy_amount, currency, explanation, closing_note";

Dispute dispute_from(SQLite::Statement& q) {
  Dispute d;
  d.id = q.getColumn(0).getInt64();
  int c = 1;
  for (std::string* v : {&d.invoice, &d.line, &d.client, &d.reason, &d.says, &d.received, &d.respond_by, &d.opened_at,
                         &d.opened_by, &d.state, &d.state_at, &d.state_by, &d.outcome})
    *v = q.getColumn(c++).getString();
  RemedyRecord r;
  r.kind = q.getColumn(c++).getString();
  r.id = q.getColumn(c++).getString();
  r.amount = q.getColumn(c++).getString();
  r.currency = q.getColumn(c++).getString();
  if (!r.kind.empty()) d.remedy = r;
  d.explanation = q.getColumn(c++).getString();
  d.closing_note = q.getColumn(c++).getString();
  return d;
}

void complete(SQLite::Database& db, Dispute& d) {
  SQLite::Statement f(db, "SELECT fingerprint FROM dispute_findings WHERE dispute = ? ORDER BY fingerprint");
  f.bind(1, d.id);
  while (f.executeStep()) d.findings.push_back(f.getColumn(0).getString());
  SQLite::Statement n(db,
                      "SELECT id, at, actor, channel, direction, text, attachment, attachment_sha256 FROM notes "
                      "WHERE dispute = ? ORDER BY id");
  n.bind(1, d.id);
  while (n.executeStep()) {
    DisputeNote note;
    note.id = n.getColumn(0).getInt64();
    int c = 1;
    for (std::string* v : {&note.at, &note.actor, &note.channel, &note.direction, &note.text, &note.attachment,
                           &note.attachment_sha256})
      *v = n.getColumn(c++).getString();
    d.notes.push_back(std::move(note));
  }
  if (d.remedy) {
    SQLite::Statement i(db, "SELECT number, amount, due, paid FROM instalments WHERE dispute = ? ORDER BY number");
    i.bind(1, d.id);
    while (i.executeStep())
      d.remedy->instalments.push_back(
          {i.getColumn(0).getInt(), i.getColumn(1).getString(), i.getColumn(2).getString(), i.getColumn(3).getString()});
  }
}

Json state_json(const Dispute& d) {
  Json j = {{"state", d.state}};
  if (!d.outcome.empty()) j["outcome"] = d.outcome;
  if (d.remedy) {
    j["remedy"] = {{"kind", d.remedy->kind}, {"id", d.remedy->id}, {"amount", d.remedy->amount},
                   {"currency", d.remedy->currency}};
    if (!d.remedy->instalments.empty()) {
      Json list = Json::array();
      for (const auto& i : d.remedy->instalments) list.push_back({{"amount", i.amount}, {"due", i.due}});
      j["remedy"]["instalments"] = std::move(list);
    }
  }
  if (!d.explanation.empty()) j["explanation"] = d.explanation;
  if (!d.closing_note.empty()) j["note"] = d.closing_note;
  return j;
}

}  // namespace

namespace {

const std::map<std::string, std::vector<std::string>>& reason_categories() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"rate", {"rates"}},
      {"hours", {"services", "guidelines"}},
      {"arithmetic", {"arithmetic"}},
      {"duplicate", {"duplicates"}},
      {"timing", {"timing"}},
      {"client-details", {"client-info"}},
      {"payment-applied", {"payments"}},
      {"scope", {"services", "guidelines"}}};
  return m;
}

}  // namespace

// The findings on the invoice that back the client's point: on the line they
// name (or the whole invoice), of the kind their reason names ('other' and a
// firm's own codes: any kind).
std::vector<Finding> confirming_findings(const Report& report, const std::string& invoice, const std::string& line,
                                const std::string& reason) {
  // "Nothing backs the client" must not be said of a check that did not run whole.
  if (report.has_internal_errors())
    throw StoreError("the check of invoice " + invoice +
                     " was incomplete (a rule failed on it: see its 'internal' findings), so the dispute was not "
                     "recorded; correct the book or the rule, then open it");
  std::vector<Finding> out;
  const auto& kinds = reason_categories();
  const auto cats = kinds.find(reason);
  for (const auto& f : report.findings) {
    if (f.invoice != invoice) continue;
    if (!line.empty() && !f.line.empty() && f.line != line) continue;
    if (cats != kinds.end() && std::find(cats->second.begin(), cats->second.end(), f.category) == cats->second.end())
      continue;
    out.push_back(f);
  }
  return out;
}

void check_disputed_line(const Book& book, const std::string& invoice, const std::string& line) {
  if (line.empty()) return;
  const Invoice* inv = book.invoice(invoice);
  if (!inv) throw UnknownInvoice(invoice);
  const auto lines = book.lines_of(*inv);
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), number);
  const bool is_number = ec == std::errc() && end == line.data() + line.size();
  if (is_number && std::any_of(lines.begin(), lines.end(), [&](const InvoiceLine& l) { return l.line_no == number; }))
    return;
  std::string numbers;
  for (const InvoiceLine& l : lines) numbers += (numbers.empty() ? "" : ", ") + std::to_string(l.line_no);
  throw UnknownRecord("invoice " + invoice + " has no line '" + line + "' (" +
                      (numbers.empty() ? std::string("it has no lines") : "its lines are " + numbers) +
                      "); name one of them, or none for the whole invoice");
}

Dispute Store::dispute(std::int64_t id) const {
  return impl_->read([&] {
    SQLite::Statement q(*impl_->db, std::string("SELECT ") + kDisputeColumns + " FROM disputes WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep())
      throw NotInStore("no dispute " + std::to_string(id) + " in store '" + impl_->path.string() +
                       "'; `billcheck dispute list --store " + impl_->path.string() + "` lists them",
                       "dispute", std::to_string(id));
    Dispute d = dispute_from(q);
    complete(*impl_->db, d);
    return d;
  });
}

std::vector<Dispute> Store::disputes(const std::string& state) const {
  static const std::vector<std::string> states = {"open", "acknowledged", "investigating", "upheld", "explained", "closed"};
  if (!state.empty() && std::find(states.begin(), states.end(), state) == states.end())
    throw StoreError("state '" + state + "' is not one of " + join(states));
  return impl_->read([&] {
    SQLite::Statement q(*impl_->db, std::string("SELECT ") + kDisputeColumns + " FROM disputes" +
                                        (state.empty() ? "" : " WHERE state = ?") + " ORDER BY id");
    if (!state.empty()) q.bind(1, state);
    std::vector<Dispute> out;
    while (q.executeStep()) out.push_back(dispute_from(q));
    for (auto& d : out) complete(*impl_->db, d);
    return out;
  });
}

Dispute Store::open_dispute(const DisputeRequest& request, const std::vector<Finding>& confirming) {
  Impl& s = *impl_;
  std::vector<std::string> codes = default_reason_codes();
  codes.insert(codes.end(), request.extra_reason_codes.begin(), request.extra_reason_codes.end());
  if (std::find(codes.begin(), codes.end(), request.reason) == codes.end())
    throw StoreError("reason '" + request.reason + "' is not a reason code; give one of " + join(codes) +
                     " (a firm adds its own under disputes.reason_codes in billcheck.yaml)");
  if (request.invoice.empty()) throw StoreError("a dispute needs the invoice it is about (--invoice ID)");
  if (request.says.empty()) throw StoreError("a dispute needs the client's words (--says \"...\")");
  std::int64_t id = 0;
  s.write([&] {
    const std::string now = s.now();
    const std::string received = request.received.empty() ? date_of(now) : request.received;
    const auto day = Date::parse_iso(received);
    if (!day) throw StoreError("received '" + received + "' is not a date (YYYY-MM-DD)");
    if (received > date_of(now))
      throw StoreError("received " + received + " is after today (" + date_of(now) +
                       "); give the day the client's word arrived");
    const std::string respond_by = day->plus_days(request.respond_within_days).to_string();
    SQLite::Statement ins(*s.db,
                          "INSERT INTO disputes (invoice, line, client, reason, says, received, respond_by, opened_at, "
                          "opened_by, state, state_at, state_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)");
    int c = 1;
    for (const std::string* v : std::initializer_list<const std::string*>{&request.invoice, &request.line, &request.client, &request.reason, &request.says,
                                 &received, &respond_by, &now, &s.options.actor, &now, &s.options.actor})
      ins.bind(c++, *v);
    ins.exec();
    id = s.db->getLastInsertRowid();
    // The findings that confirm the client's point, recorded if no run has seen them yet.
    SQLite::Statement known(*s.db, "SELECT 1 FROM findings WHERE fingerprint = ?");
    SQLite::Statement add(*s.db,
                          "INSERT INTO findings (fingerprint, rule, severity, category, message, client, invoice, line, "
                          "amount, currency, data, status, first_seen, last_seen, status_at, status_by) VALUES "
                          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'open', ?12, ?12, ?12, ?13)");
    SQLite::Statement link(*s.db, "INSERT OR IGNORE INTO dispute_findings (dispute, fingerprint) VALUES (?, ?)");
    for (const Finding& f : confirming) {
      known.bind(1, f.fingerprint);
      const bool have = known.executeStep();
      known.reset();
      if (!have) {
        int k = 1;
        for (const std::string& v :
             {f.fingerprint, f.rule, std::string(to_string(f.severity)), f.category, f.message, f.client, f.invoice,
              f.line, f.amount_at_stake ? f.amount_at_stake->to_string() : std::string(), f.currency,
              finding_to_json(f), now, s.options.actor})
          add.bind(k++, v);
        add.exec();
        add.reset();
        s.append({"finding.found", "finding", f.fingerprint, f.invoice, id, nullptr,
                  {{"status", "open"}, {"dispute", id}, {"rule", f.rule}, {"message", f.message}}},
                 now);
      }
      link.bind(1, id);
      link.bind(2, f.fingerprint);
      link.exec();
      link.reset();
    }
    Dispute d = dispute(id);
    s.append({"dispute.opened", "dispute", std::to_string(id), d.invoice, id, nullptr, json_of(d)}, now);
  });
  return dispute(id);
}

std::vector<std::string> Store::dispute_moves(const std::string& state) {
  if (state == "open") return {"ack"};
  if (state == "acknowledged") return {"investigate"};
  if (state == "investigating") return {"uphold", "explain"};
  if (state == "upheld" || state == "explained") return {"close"};
  return {};
}

Dispute Store::move_dispute(std::int64_t id, const DisputeMove& move) {
  Impl& s = *impl_;
  static const std::map<std::string, std::string> kTarget = {{"ack", "acknowledged"},
                                                             {"investigate", "investigating"},
                                                             {"uphold", "upheld"},
                                                             {"explain", "explained"},
                                                             {"close", "closed"}};
  auto target = kTarget.find(move.action);
  if (target == kTarget.end())
    throw StoreError("'" + move.action + "' is not a move of a dispute (ack, investigate, uphold, explain, close)");
  if (move.action == "uphold") {
    if (!move.remedy) throw StoreError("upholding a dispute needs its remedy (--remedy KIND --remedy-id ID --amount AMOUNT)");
    check_remedy(*move.remedy);
  }
  if (move.action == "explain" && move.explanation.empty())
    throw StoreError("explaining a dispute needs the explanation (--explanation TEXT, or --explain with the book)");
  s.write([&] {
    const Dispute before = dispute(id);
    const auto allowed = dispute_moves(before.state);
    if (std::find(allowed.begin(), allowed.end(), move.action) == allowed.end())
      throw InvalidMove("dispute " + std::to_string(id) + " is " + before.state + ": '" + move.action +
                            "' is not a move from there; allowed: " + (allowed.empty() ? "none" : join(allowed)),
                        allowed);
    const std::string now = s.now();
    Dispute after = before;
    after.state = target->second;
    if (move.action == "uphold" || move.action == "explain") after.outcome = after.state;
    if (move.action == "uphold") {
      after.remedy = *move.remedy;
      if (after.remedy->currency.empty()) {
        SQLite::Statement cur(*s.db, "SELECT currency FROM findings WHERE invoice = ? AND currency <> '' LIMIT 1");
        cur.bind(1, before.invoice);
        if (cur.executeStep()) after.remedy->currency = cur.getColumn(0).getString();
      }
      check_remedy_units(*after.remedy);  // before anything is written: the transaction rolls back
    }
    if (move.action == "explain") after.explanation = move.explanation;
    if (move.action == "close") after.closing_note = move.note;
    SQLite::Statement u(*s.db,
                        "UPDATE disputes SET state = ?2, state_at = ?3, state_by = ?4, outcome = ?5, remedy_kind = ?6, "
                        "remedy_id = ?7, remedy_amount = ?8, currency = ?9, explanation = ?10, closing_note = ?11 "
                        "WHERE id = ?1");
    u.bind(1, id);
    int c = 2;
    for (const std::string& v :
         {after.state, now, s.options.actor, after.outcome, after.remedy ? after.remedy->kind : std::string(),
          after.remedy ? after.remedy->id : std::string(), after.remedy ? after.remedy->amount : std::string(),
          after.remedy ? after.remedy->currency : std::string(), after.explanation, after.closing_note})
      u.bind(c++, v);
    u.exec();
    if (move.action == "uphold") {
      SQLite::Statement ins(*s.db, "INSERT INTO instalments (dispute, number, amount, due) VALUES (?, ?, ?, ?)");
      for (const auto& i : after.remedy->instalments) {
        ins.bind(1, id);
        ins.bind(2, i.number);
        ins.bind(3, i.amount);
        ins.bind(4, i.due);
        ins.exec();
        ins.reset();
      }
      // The client was right: the findings that confirmed it are resolved by the same remedy.
      for (const auto& fp : before.findings) {
        SQLite::Statement q(*s.db, "SELECT status, invoice FROM findings WHERE fingerprint = ?");
        q.bind(1, fp);
        if (!q.executeStep()) continue;
        const std::string status = q.getColumn(0).getString();
        const std::string invoice = q.getColumn(1).getString();
        if (status != "open" && status != "acknowledged" && status != "reopened") continue;
        const std::string note = "dispute " + std::to_string(id) + " upheld";
        SQLite::Statement r(*s.db,
                            "UPDATE findings SET status = 'resolved', status_at = ?2, status_by = ?3, note = ?4, "
                            "remedy_kind = ?5, remedy_id = ?6, remedy_amount = ?7 WHERE fingerprint = ?1");
        r.bind(1, fp);
        r.bind(2, now);
        r.bind(3, s.options.actor);
        r.bind(4, note);
        r.bind(5, after.remedy->kind);
        r.bind(6, after.remedy->id);
        r.bind(7, after.remedy->amount);
        r.exec();
        s.append({"finding.resolved", "finding", fp, invoice, id, {{"status", status}},
                  {{"status", "resolved"},
                   {"remedy", {{"kind", after.remedy->kind}, {"id", after.remedy->id}, {"amount", after.remedy->amount},
                               {"currency", after.remedy->currency}}},
                   {"note", note}}},
                 now);
      }
    }
    const std::map<std::string, std::string> action = {{"ack", "dispute.acknowledged"},
                                                       {"investigate", "dispute.investigating"},
                                                       {"uphold", "dispute.upheld"},
                                                       {"explain", "dispute.explained"},
                                                       {"close", "dispute.closed"}};
    s.append({action.at(move.action), "dispute", std::to_string(id), before.invoice, id, state_json(before),
              state_json(after)},
             now);
  });
  return dispute(id);
}

DisputeNote Store::add_note(std::int64_t id, const NoteRequest& request) {
  Impl& s = *impl_;
  static const std::vector<std::string> channels = {"email", "phone", "meeting", "letter", "portal"};
  if (std::find(channels.begin(), channels.end(), request.channel) == channels.end())
    throw StoreError("channel '" + request.channel + "' is not one of " + join(channels));
  if (request.direction != "in" && request.direction != "out")
    throw StoreError("direction '" + request.direction + "' is not 'in' (from the client) or 'out' (to the client)");
  if (request.text.empty() && request.attach.empty()) throw StoreError("a note needs its text (--text) or a file (--attach)");
  DisputeNote note;
  std::string bytes;
  if (!request.attach.empty()) {
    // Checked before a byte is read: a folder fails to read, a FIFO blocks, /dev/zero never ends.
    constexpr std::uintmax_t kMaxAttachment = std::uintmax_t{256} << 20;
    std::error_code ec;
    const auto status = std::filesystem::status(request.attach, ec);
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
      throw StoreError("the attachment '" + request.attach.string() +
                       "' is not a file (a folder, a device or a pipe); attach the file itself");
    if (const auto size = std::filesystem::file_size(request.attach, ec); !ec && size > kMaxAttachment)
      throw StoreError("the attachment '" + request.attach.string() + "' is " + std::to_string(size) +
                       " bytes, over the 256 MiB a note may attach");
    std::ifstream in(request.attach, std::ios::binary);
    if (!in) throw StoreError("cannot read the attachment '" + request.attach.string() + "'");
    bytes.assign(std::istreambuf_iterator<char>(in), {});
    note.attachment = std::filesystem::absolute(request.attach).lexically_normal().string();
    note.attachment_sha256 = sha256_hex(bytes);
  }
  s.write([&] {
    const Dispute d = dispute(id);
    note.at = s.now();
    note.actor = s.options.actor;
    note.channel = request.channel;
    note.direction = request.direction;
    note.text = request.text;
    SQLite::Statement ins(*s.db,
                          "INSERT INTO notes (dispute, at, actor, channel, direction, text, attachment, "
                          "attachment_sha256, attachment_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, id);
    int c = 2;
    for (const std::string* v : {&note.at, &note.actor, &note.channel, &note.direction, &note.text, &note.attachment,
                                 &note.attachment_sha256})
      ins.bind(c++, *v);
    if (request.keep_bytes && !request.attach.empty())
      ins.bind(9, bytes.data(), static_cast<int>(bytes.size()));
    else
      ins.bind(9);
    ins.exec();
    note.id = s.db->getLastInsertRowid();
    Json after = {{"channel", note.channel}, {"direction", note.direction}, {"text", note.text}};
    if (!note.attachment.empty())
      after["attachment"] = {{"path", note.attachment}, {"sha256", note.attachment_sha256},
                             {"bytes_kept", request.keep_bytes}};
    s.append({"dispute.note", "note", std::to_string(note.id), d.invoice, id, nullptr, after}, note.at);
  });
  return note;
}

Dispute Store::pay_instalment(std::int64_t id, int number, const std::string& date) {
  Impl& s = *impl_;
  if (!Date::parse_iso(date)) throw StoreError("'" + date + "' is not a date (YYYY-MM-DD)");
  s.write([&] {
    const Dispute d = dispute(id);
    SQLite::Statement u(*s.db, "UPDATE instalments SET paid = ? WHERE dispute = ? AND number = ? AND paid = ''");
    u.bind(1, date);
    u.bind(2, id);
    u.bind(3, number);
    if (u.exec() != 1)
      throw StoreError("dispute " + std::to_string(id) + " has no unpaid instalment " + std::to_string(number));
    s.append({"instalment.paid", "dispute", std::to_string(id), d.invoice, id, nullptr,
              {{"instalment", number}, {"paid", date}}},
             s.now());
  });
  return dispute(id);
}

Overdue Store::overdue(const std::string& today) const {
  if (!Date::parse_iso(today)) throw StoreError("'" + today + "' is not a date (YYYY-MM-DD)");
  return impl_->read([&] {
    Overdue o;
    // Nobody answered: still open (not acknowledged) and no note went out.
    SQLite::Statement q(*impl_->db, std::string("SELECT ") + kDisputeColumns +
                                        " FROM disputes WHERE state = 'open' AND respond_by < ? AND NOT EXISTS "
                                        "(SELECT 1 FROM notes WHERE notes.dispute = disputes.id AND direction = 'out') "
                                        "ORDER BY respond_by, id");
    q.bind(1, today);
    while (q.executeStep()) o.disputes.push_back(dispute_from(q));
    for (auto& d : o.disputes) complete(*impl_->db, d);
    SQLite::Statement i(*impl_->db,
                        "SELECT i.dispute, coalesce(i.fingerprint, ''), i.number, i.amount, i.due, "
                        "coalesce(d.invoice, f.invoice), coalesce(d.client, f.client), "
                        "coalesce(nullif(d.currency, ''), f.currency, '') FROM instalments i "
                        "LEFT JOIN disputes d ON d.id = i.dispute LEFT JOIN findings f ON f.fingerprint = i.fingerprint "
                        "WHERE i.paid = '' AND i.due < ? ORDER BY i.due, i.id");
    i.bind(1, today);
    while (i.executeStep()) {
      Overdue::Due due;
      due.dispute = i.getColumn(0).isNull() ? 0 : i.getColumn(0).getInt64();
      due.fingerprint = i.getColumn(1).getString();
      due.instalment = {i.getColumn(2).getInt(), i.getColumn(3).getString(), i.getColumn(4).getString(), ""};
      due.invoice = i.getColumn(5).getString();
      due.client = i.getColumn(6).getString();
      due.currency = i.getColumn(7).getString();
      o.instalments.push_back(std::move(due));
    }
    return o;
  });
}

}  // namespace billcheck
