// Opening the record (schema versions, WAL, foreign keys, the busy timeout),
// the audit trail (append, verify, read) and the JSON of every record.
#include "store_impl.hpp"

#include "digest/sha256.hpp"

#include <glob.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

namespace billcheck {
namespace store_detail {
const std::vector<std::string_view>& migrations();  // schema.cpp, generated from schema/*.sql

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }
}  // namespace store_detail

using namespace store_detail;

namespace {

// 'BCK1': marks the file as a billcheck store, so that another program's
// SQLite database is refused rather than altered.
constexpr int kApplicationId = 0x42434b31;
constexpr int kBusyTimeoutMs = 15000;

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

int pragma_int(SQLite::Database& db, const char* pragma) {
  return db.execAndGet(std::string("PRAGMA ") + pragma).getInt();
}

// The journal mode can only change outside a transaction and is not covered
// by the busy handler, so a store another process is creating is waited for here.
void use_wal(SQLite::Database& db) {
  for (int attempt = 0;; ++attempt) {
    try {
      if (db.execAndGet("PRAGMA journal_mode").getString() == "wal") return;
      db.execAndGet("PRAGMA journal_mode=WAL");
      return;
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_BUSY || attempt > kBusyTimeoutMs / 20) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

// How a read command opens the store. SQLite opens a WAL database's -wal and
// -shm files even to read it, and a read-only connection leaves them behind
// (only a connection that may write removes them, on closing, when it is the
// last). So with `leave_no_files`:
//  - -wal or -shm already there (a writer at work, or one was killed): read
//    through them read-only, as usual;
//  - the store and its folder writable: open it for writing but write nothing
//    (query_only); SQLite locks as for any reader, so a run committed during
//    the read is not half seen, and removes the -wal and -shm on closing;
//  - neither writable (read-only media, a folder the user cannot write): no
//    billcheck of this user can be writing it either, and a read-only open
//    is impossible without those files: read the file alone as immutable.
enum class ReadOpen { read_only, query_only, immutable };

ReadOpen read_open(const std::filesystem::path& path, bool leave_no_files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path file = fs::absolute(path, ec);
  if (!leave_no_files || fs::exists(file.string() + "-wal", ec) || fs::exists(file.string() + "-shm", ec))
    return ReadOpen::read_only;
  if (::access(file.c_str(), W_OK) == 0 && ::access(file.parent_path().c_str(), W_OK | X_OK) == 0)
    return ReadOpen::query_only;
  return ReadOpen::immutable;
}

std::string read_only_uri(const std::filesystem::path& path, bool immutable) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string file = fs::absolute(path, ec).string();
  std::string uri = "file:";
  for (const unsigned char c : file) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      uri += hex;
    }
  }
  return uri + (immutable ? "?mode=ro&immutable=1" : "?mode=ro");
}

}  // namespace

std::string sha256_hex(std::string_view bytes) { return detail::sha256_hex(bytes); }

namespace {

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot read " + p.string() + " to record its digest");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A book's digest: its file's bytes, or each file of its folder and of the
// folders in it (a book in parts) by relative name; for a glob of parts, each
// part's digest by its path.
std::string book_digest(const std::string& path) {
  namespace fs = std::filesystem;
  if (path == "-") return "stdin";
  std::error_code ec;
  if (!fs::exists(path, ec) && path.find_first_of("*?[") != std::string::npos) {
    glob_t found{};
    std::string all;
    if (::glob(path.c_str(), 0, nullptr, &found) == 0)
      for (std::size_t i = 0; i < found.gl_pathc; ++i)
        all += std::string(found.gl_pathv[i]) + '\0' + book_digest(found.gl_pathv[i]) + '\n';
    ::globfree(&found);
    return sha256_hex(all);
  }
  if (!fs::is_directory(path, ec)) return sha256_hex(file_bytes(path));
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path().lexically_relative(path));
  std::sort(files.begin(), files.end());
  std::string all;
  for (const auto& f : files) all += f.generic_string() + '\0' + sha256_hex(file_bytes(fs::path(path) / f)) + '\n';
  return sha256_hex(all);
}

}  // namespace

RunInfo run_info(const std::string& book_path, const std::filesystem::path& config, const std::string& invoice) {
  namespace fs = std::filesystem;
  RunInfo info;
  info.book = book_path == "-" ? "-" : fs::absolute(book_path).lexically_normal().string();
  info.book_digest = book_digest(book_path);
  info.config = config.empty() ? "" : fs::absolute(config).lexically_normal().string();
  info.config_digest = config.empty() ? "" : sha256_hex(file_bytes(config));
  info.invoice = invoice;
  return info;
}

std::string login_name() {
  if (const char* user = std::getenv("USER"); user && *user) return user;
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) return pw->pw_name;
  if (const char* name = getlogin(); name && *name) return name;
  return "unknown";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const std::vector<std::string>& remedy_kinds() {
  static const std::vector<std::string> kinds = {"corrected", "credit-note", "discount",
                                                 "write-off", "payment-plan", "explained"};
  return kinds;
}

const std::vector<std::string>& default_reason_codes() {
  static const std::vector<std::string> codes = {"rate",           "hours",           "arithmetic",
                                                 "duplicate",      "timing",          "client-details",
                                                 "payment-applied", "scope",          "other"};
  return codes;
}

// ---- opening

std::string Store::Impl::now() const { return options.clock ? options.clock() : utc_now(); }

void Store::Impl::fail(const SQLite::Exception& e) const {
  const int code = e.getErrorCode() & 0xff;
  const std::string what = e.what();
  switch (code) {
    case SQLITE_NOTADB:
      throw StoreUnusable("store " + quoted(path) + " is not a billcheck store (" + what +
                       "); give a new file name to create one, or the store billcheck made");
    case SQLITE_CORRUPT:
      throw StoreUnusable("store " + quoted(path) + " is damaged (" + what +
                       "); nothing was changed; restore it from a backup");
    case SQLITE_READONLY:
    case SQLITE_PERM:
      throw StoreUnusable("store " + quoted(path) + " is read-only (" + what +
                       "); nothing was changed; make it and its folder writable, or use another store");
    case SQLITE_CANTOPEN:
      throw StoreUnusable("store " + quoted(path) + " cannot be opened (" + what +
                       "); check that its folder exists and is writable");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw StoreBusy("store " + quoted(path) + " stayed locked by another billcheck for " +
                       std::to_string(kBusyTimeoutMs / 1000) + " s; nothing was changed; run again");
    case SQLITE_FULL:
      throw StoreUnusable("store " + quoted(path) + ": the disk is full; nothing was changed");
    default:
      throw StoreUnusable("store " + quoted(path) + ": " + what);
  }
}

void Store::Impl::write(const std::function<void()>& work) {
  guarded([&] {
    SQLite::Transaction transaction(*db, SQLite::TransactionBehavior::IMMEDIATE);
    work();
    transaction.commit();
  });
}

Store::Store(const std::filesystem::path& path, StoreOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.path = path;
  s.options = std::move(options);
  if (s.options.actor.empty()) s.options.actor = login_name();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw StoreUnusable("store " + quoted(path) + " is a folder; give the name of a file");
  if (s.options.read_only && !std::filesystem::exists(path, ec))
    throw StoreError("store " + quoted(path) + " does not exist; `billcheck check BOOK --store " + path.string() +
                     "` creates it");
  s.guarded([&] {
    if (s.options.read_only) {
      const ReadOpen how = read_open(path, s.options.leave_no_files);
      if (how == ReadOpen::query_only) {
        s.db = std::make_unique<SQLite::Database>(path.string(), SQLite::OPEN_READWRITE, kBusyTimeoutMs);
        s.db->exec("PRAGMA query_only = ON");
      } else {
        s.db = std::make_unique<SQLite::Database>(read_only_uri(path, how == ReadOpen::immutable),
                                                  SQLite::OPEN_READONLY | SQLite::OPEN_URI, kBusyTimeoutMs);
      }
    } else
      s.db = std::make_unique<SQLite::Database>(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                                kBusyTimeoutMs);
    if (!s.options.read_only && sqlite3_db_readonly(s.db->getHandle(), "main") == 1)
      throw SQLite::Exception("the file cannot be written", SQLITE_READONLY);
    // Reading the header first: a file that is not SQLite fails here, before anything is written.
    // One read transaction, so the three come from one snapshot: another
    // process creating the store commits its id, version and tables at once,
    // and reading them apart could see some of them (not a billcheck store!).
    s.db->exec("BEGIN");
    const int app = pragma_int(*s.db, "application_id");
    s.version = pragma_int(*s.db, "user_version");
    const int tables = s.db->execAndGet("SELECT count(*) FROM sqlite_schema").getInt();
    s.db->exec("COMMIT");
    if (app != kApplicationId && (app != 0 || s.version != 0 || tables != 0))
      throw StoreUnusable("store " + quoted(path) +
                       " is an SQLite database but not a billcheck store; nothing was changed; give another file name");
    const int latest = latest_schema_version();
    if (s.version > latest)
      throw StoreUnusable("store " + quoted(path) + " was written by a newer billcheck (schema version " +
                       std::to_string(s.version) + "; this billcheck knows up to " + std::to_string(latest) +
                       "); nothing was changed; use a newer billcheck");
    s.db->exec("PRAGMA foreign_keys = ON");
    if (s.options.read_only) {
      if (s.version == 0) throw StoreError("store " + quoted(path) + " is empty: no run was recorded in it yet");
      return;
    }
    use_wal(*s.db);
    s.db->exec("PRAGMA synchronous = NORMAL");
    // Forward migrations, one transaction each; the version is read again
    // under the write lock, since another process may have just applied them.
    for (;;) {
      SQLite::Transaction transaction(*s.db, SQLite::TransactionBehavior::IMMEDIATE);
      s.version = pragma_int(*s.db, "user_version");
      if (s.version >= latest) break;
      s.db->exec(std::string(migrations()[s.version]));
      s.db->exec("PRAGMA user_version = " + std::to_string(s.version + 1));
      s.db->exec("PRAGMA application_id = " + std::to_string(kApplicationId));
      transaction.commit();
    }
  });
}

Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

int Store::latest_schema_version() { return static_cast<int>(migrations().size()); }
int Store::schema_version() const { return impl_->version; }
const std::filesystem::path& Store::path() const { return impl_->path; }
const std::string& Store::actor() const { return impl_->options.actor; }

// ---- the audit trail

namespace {

// What an event's hash covers: every column but the hash, as canonical JSON
// (keys sorted, no spaces), after the previous event's hash.
std::string event_hash(const Event& e) {
  nlohmann::json canonical = {{"id", e.id},           {"at", e.at},         {"actor", e.actor},
                              {"action", e.action},   {"object_kind", e.object_kind},
                              {"object_id", e.object_id}, {"invoice", e.invoice}, {"dispute", e.dispute},
                              {"before", e.before},   {"after", e.after},   {"prev_hash", e.prev_hash}};
  return sha256_hex(e.prev_hash + "\n" + canonical.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Event event_from(SQLite::Statement& q) {
  Event e;
  e.id = q.getColumn(0).getInt64();
  e.at = q.getColumn(1).getString();
  e.actor = q.getColumn(2).getString();
  e.action = q.getColumn(3).getString();
  e.object_kind = q.getColumn(4).getString();
  e.object_id = q.getColumn(5).getString();
  e.invoice = q.getColumn(6).getString();
  e.dispute = q.getColumn(7).isNull() ? 0 : q.getColumn(7).getInt64();
  e.before = q.getColumn(8).getString();
  e.after = q.getColumn(9).getString();
  e.prev_hash = q.getColumn(10).getString();
  e.hash = q.getColumn(11).getString();
  return e;
}

constexpr const char* kEventColumns =
    "id, at, actor, action, object_kind, object_id, invoice, dispute, before, after, prev_hash, hash";

}  // namespace

void Store::Impl::append(const EventDraft& draft, const std::string& at) {
  Event e;
  if (!last_event) {
    last_event = std::make_unique<SQLite::Statement>(*db, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1");
    insert_event = std::make_unique<SQLite::Statement>(
        *db, std::string("INSERT INTO events (") + kEventColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  }
  SQLite::Statement& last = *last_event;
  last.reset();
  if (last.executeStep()) {
    e.id = last.getColumn(0).getInt64() + 1;
    e.prev_hash = last.getColumn(1).getString();
  } else {
    e.id = 1;
  }
  last.reset();
  e.at = at;
  e.actor = options.actor;
  e.action = draft.action;
  e.object_kind = draft.object_kind;
  e.object_id = draft.object_id;
  e.invoice = draft.invoice;
  e.dispute = draft.dispute;
  e.before = draft.before.is_null() ? "" : dump(draft.before);
  e.after = draft.after.is_null() ? "" : dump(draft.after);
  e.hash = event_hash(e);
  SQLite::Statement& insert = *insert_event;
  insert.reset();
  insert.clearBindings();
  insert.bind(1, e.id);
  insert.bind(2, e.at);
  insert.bind(3, e.actor);
  insert.bind(4, e.action);
  insert.bind(5, e.object_kind);
  insert.bind(6, e.object_id);
  insert.bind(7, e.invoice);
  if (e.dispute) insert.bind(8, e.dispute); else insert.bind(8);
  insert.bind(9, e.before);
  insert.bind(10, e.after);
  insert.bind(11, e.prev_hash);
  insert.bind(12, e.hash);
  insert.exec();
  insert.reset();
}

std::vector<Event> Store::events(const EventFilter& filter) const {
  return impl_->read([&] {
    std::string sql = std::string("SELECT ") + kEventColumns + " FROM events";
    if (filter.dispute)
      sql += " WHERE dispute = ?1 OR (object_kind = 'finding' AND object_id IN "
             "(SELECT fingerprint FROM dispute_findings WHERE dispute = ?1))";
    else if (!filter.invoice.empty())
      sql += " WHERE invoice = ?2";
    sql += " ORDER BY id";
    SQLite::Statement q(*impl_->db, sql);
    if (filter.dispute) q.bind(1, filter.dispute);
    else if (!filter.invoice.empty()) q.bind(2, filter.invoice);
    std::vector<Event> out;
    while (q.executeStep()) out.push_back(event_from(q));
    return out;
  });
}

namespace {

// What the last event on a finding or a dispute left it as: its status (or
// state) and its remedy, which the record's own row must still show.
struct LeftAs {
  std::int64_t event = 0;
  std::string status;
  bool remedy = false, amount = false;
  std::string kind, id, remedy_amount;
};

std::optional<LeftAs> left_as(const Event& e) {
  const char* key = e.object_kind == "finding" ? "status" : e.object_kind == "dispute" ? "state" : nullptr;
  if (!key) return std::nullopt;
  const Json after = Json::parse(e.after, nullptr, false);
  if (!after.is_object() || !after.contains(key) || !after[key].is_string()) return std::nullopt;
  LeftAs l;
  l.event = e.id;
  l.status = after[key].get<std::string>();
  if (after.contains("remedy") && after["remedy"].is_object()) {
    const Json& r = after["remedy"];
    l.remedy = true;
    l.kind = r.value("kind", "");
    l.id = r.value("id", "");
    l.amount = r.contains("amount") && r["amount"].is_string();
    if (l.amount) l.remedy_amount = r["amount"].get<std::string>();
  }
  return l;
}

std::string state_text(const std::string& status, const std::string& kind, const std::string& id) {
  if (kind.empty()) return status;
  return status + " (remedy " + kind + (id.empty() ? "" : " " + id) + ")";
}

// The first finding or dispute whose row is not what its last event left it
// as (an edit of the findings or disputes table behind billcheck's back), as
// the event to name and the problem; nothing when every row agrees.
std::optional<std::pair<std::int64_t, std::string>> record_mismatch(SQLite::Database& db, const char* kind,
                                                                    const char* table, const char* key,
                                                                    std::map<std::string, LeftAs>& left) {
  SQLite::Statement q(db, std::string("SELECT ") + key + ", " + (std::string(kind) == "finding" ? "status" : "state") +
                              ", remedy_kind, remedy_id, remedy_amount FROM " + table + " ORDER BY " + key);
  while (q.executeStep()) {
    const std::string name = q.getColumn(0).getString();
    const std::string status = q.getColumn(1).getString();
    const std::string remedy_kind = q.getColumn(2).getString();
    const std::string remedy_id = q.getColumn(3).getString();
    const std::string remedy_amount = q.getColumn(4).getString();
    const std::string what = std::string(kind) + " " + name;
    const std::string has = "the " + std::string(table) + " table has it " + state_text(status, remedy_kind, remedy_id);
    const auto it = left.find(name);
    if (it == left.end()) {
      // A finding a run records while a waiver holds it gets no event, and stays open.
      if (std::string(kind) == "finding" && status == "open" && remedy_kind.empty()) continue;
      return std::pair{std::int64_t{0}, "no event records " + what + ", yet " + has +
                                            ": the record was changed behind billcheck's back"};
    }
    const LeftAs& l = it->second;
    const bool same = l.status == status &&
                      (l.remedy ? l.kind == remedy_kind && l.id == remedy_id && (!l.amount || l.remedy_amount == remedy_amount)
                                : remedy_kind.empty());
    if (!same)
      return std::pair{l.event, "it is the last event on " + what + " and leaves it " +
                                    state_text(l.status, l.kind, l.id) + ", but " + has +
                                    ": the record was changed behind billcheck's back"};
    left.erase(it);
  }
  if (!left.empty()) {
    const auto& [name, l] = *left.begin();
    return std::pair{l.event, "it is the last event on " + std::string(kind) + " " + name + ", but the " + table +
                                  " table no longer has it: the record was changed behind billcheck's back"};
  }
  return std::nullopt;
}

}  // namespace

AuditResult Store::verify() const { return verify(std::string_view()); }

AuditResult Store::verify(std::string_view anchor) const {
  // The anchor: the id and hash of an event that must still be there.
  std::int64_t anchor_id = 0;
  std::string anchor_hash;
  if (!anchor.empty()) {
    const std::size_t colon = anchor.find(':');
    const std::string_view id = anchor.substr(0, colon == std::string_view::npos ? 0 : colon);
    const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), anchor_id);
    anchor_hash = colon == std::string_view::npos ? "" : std::string(anchor.substr(colon + 1));
    if (id.empty() || ec != std::errc() || end != id.data() + id.size() || anchor_id < 1 || anchor_hash.size() != 64 ||
        anchor_hash.find_first_not_of("0123456789abcdef") != std::string::npos)
      throw StoreError("the anchor '" + std::string(anchor) +
                       "' is not ID:HASH, an event's number and its 64 hex digits as `audit verify` prints its head");
  }
  return impl_->read([&] {
    AuditResult r;
    std::string at_anchor;  // the hash of the anchor's event, once read
    SQLite::Statement q(*impl_->db, std::string("SELECT ") + kEventColumns + " FROM events ORDER BY id");
    std::string prev;
    std::int64_t expected_id = 1;
    std::map<std::string, LeftAs> findings, disputes;  // by fingerprint, by dispute number
    while (q.executeStep()) {
      const Event e = event_from(q);
      ++r.events;
      std::string problem;
      if (e.id != expected_id)
        problem = e.id == expected_id + 1
                      ? "event " + std::to_string(expected_id) + ", the one before it, is missing"
                      : "events " + std::to_string(expected_id) + " to " + std::to_string(e.id - 1) +
                            ", the ones before it, are missing";
      else if (e.prev_hash != prev)
        problem = "it does not follow the event before it (its previous hash is not that event's hash)";
      else if (event_hash(e) != e.hash)
        problem = "it was changed after it was recorded (its hash does not match its contents)";
      if (!problem.empty()) {
        r.intact = false;
        r.broken = e.id;
        r.problem = problem;
        return r;
      }
      prev = e.hash;
      expected_id = e.id + 1;
      if (e.id == anchor_id) at_anchor = e.hash;
      if (auto l = left_as(e)) (e.object_kind == "finding" ? findings : disputes)[e.object_id] = std::move(*l);
    }
    if (r.events > 0) r.head = std::to_string(expected_id - 1) + ":" + prev;
    if (anchor_id > 0 && at_anchor.empty()) {
      r.intact = false;
      r.broken = anchor_id;
      r.problem = "it is gone, and the anchor names it: the newest events were deleted (the trail now ends at " +
                  (r.events > 0 ? "event " + std::to_string(expected_id - 1) : std::string("no event")) + ")";
    } else if (anchor_id > 0 && at_anchor != anchor_hash) {
      r.intact = false;
      r.broken = anchor_id;
      r.problem = "it is not the event the anchor names (another hash): the trail was rewritten up to it";
    }
    if (!r.intact) return r;
    // The chain holds; the findings and disputes must still be what their events made them.
    auto mismatch = record_mismatch(*impl_->db, "finding", "findings", "fingerprint", findings);
    if (!mismatch) mismatch = record_mismatch(*impl_->db, "dispute", "disputes", "id", disputes);
    if (mismatch) {
      r.intact = false;
      r.broken = mismatch->first;
      r.problem = mismatch->second;
    }
    return r;
  });
}

// ---- JSON

namespace {

Json remedy_json(const RemedyRecord& r) {
  Json j = {{"kind", r.kind}, {"id", r.id}, {"amount", r.amount}, {"currency", r.currency}};
  if (!r.instalments.empty()) {
    Json list = Json::array();
    for (const auto& i : r.instalments)
      list.push_back({{"number", i.number}, {"amount", i.amount}, {"due", i.due}, {"paid", i.paid}});
    j["instalments"] = std::move(list);
  }
  return j;
}

}  // namespace

namespace store_detail {
Json json_of(const RunRecord& r) {
  Json sources = Json::parse(r.sources.empty() ? "{}" : r.sources, nullptr, false);
  return {{"id", r.id},
          {"at", r.at},
          {"actor", r.actor},
          {"book", r.book},
          {"book_digest", r.book_digest},
          {"config", r.config},
          {"config_digest", r.config_digest},
          {"invoice", r.invoice},
          {"sources", sources},
          {"counts",
           {{"invoices", r.invoices}, {"lines", r.lines}, {"findings", r.findings}, {"errors", r.errors},
            {"warnings", r.warnings}, {"info", r.infos}, {"waived", r.waived}, {"new", r.new_findings},
            {"fixed", r.fixed}, {"reopened", r.reopened}}}};
}

Json json_of(const FindingRecord& f) {
  Json j = {{"fingerprint", f.fingerprint}, {"rule", f.rule},         {"severity", f.severity},
            {"category", f.category},       {"message", f.message},   {"client", f.client},
            {"invoice", f.invoice},         {"line", f.line},         {"amount_at_stake", f.amount},
            {"currency", f.currency},       {"status", f.status},     {"first_seen", f.first_seen},
            {"last_seen", f.last_seen},     {"first_run", f.first_run}, {"last_run", f.last_run},
            {"status_at", f.status_at},     {"status_by", f.status_by}, {"note", f.note}};
  j["remedy"] = f.remedy ? remedy_json(*f.remedy) : Json(nullptr);
  if (f.status == "waived")
    j["waiver"] = {{"reason", f.waiver_reason}, {"approved_by", f.waiver_by}, {"expires", f.waiver_expires}};
  return j;
}

Json json_of(const Dispute& d) {
  Json j = {{"id", d.id},           {"invoice", d.invoice},       {"line", d.line},
            {"client", d.client},   {"reason", d.reason},         {"says", d.says},
            {"received", d.received}, {"respond_by", d.respond_by}, {"opened_at", d.opened_at},
            {"opened_by", d.opened_by}, {"state", d.state},       {"state_at", d.state_at},
            {"state_by", d.state_by}, {"outcome", d.outcome}};
  j["remedy"] = d.remedy ? remedy_json(*d.remedy) : Json(nullptr);
  j["explanation"] = d.explanation;
  j["closing_note"] = d.closing_note;
  j["findings"] = d.findings;
  Json notes = Json::array();
  for (const auto& n : d.notes)
    notes.push_back({{"id", n.id}, {"at", n.at}, {"by", n.actor}, {"channel", n.channel}, {"direction", n.direction},
                     {"text", n.text}, {"attachment", n.attachment}, {"attachment_sha256", n.attachment_sha256}});
  j["notes"] = std::move(notes);
  return j;
}

Json json_of(const Event& e) {
  auto parsed = [](const std::string& text) {
    return text.empty() ? Json(nullptr) : Json::parse(text, nullptr, false);
  };
  return {{"id", e.id},
          {"at", e.at},
          {"actor", e.actor},
          {"action", e.action},
          {"object", e.object_kind + " " + e.object_id},
          {"invoice", e.invoice},
          {"dispute", e.dispute ? Json(e.dispute) : Json(nullptr)},
          {"before", parsed(e.before)},
          {"after", parsed(e.after)},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}
}  // namespace store_detail

std::string to_json(const RunRecord& run) { return dump(json_of(run)); }
std::string to_json(const FindingRecord& finding) { return dump(json_of(finding)); }
std::string to_json(const Dispute& dispute) { return dump(json_of(dispute)); }
std::string to_json(const Event& event) { return dump(json_of(event)); }
std::string to_json(const Overdue& overdue) {
  Json j;
  Json disputes = Json::array();
  for (const auto& d : overdue.disputes) disputes.push_back(json_of(d));
  j["disputes"] = std::move(disputes);
  Json due = Json::array();
  for (const auto& i : overdue.instalments)
    due.push_back({{"dispute", i.dispute ? Json(i.dispute) : Json(nullptr)},
                   {"fingerprint", i.fingerprint},
                   {"invoice", i.invoice},
                   {"client", i.client},
                   {"currency", i.currency},
                   {"number", i.instalment.number},
                   {"amount", i.instalment.amount},
                   {"due", i.instalment.due}});
  j["instalments"] = std::move(due);
  return dump(j);
}

}  // namespace billcheck
