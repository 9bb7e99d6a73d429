// What the store's source files share: the open database, the clock and the
// actor, the one way to write (an IMMEDIATE transaction that appends events),
// and the translation of SQLite's errors into sentences for the user.
#pragma once

#include <billcheck/store.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace billcheck::store_detail {

using Json = nlohmann::ordered_json;

/// JSON text that survives any bytes a user typed (invalid UTF-8 is replaced),
/// so that the same columns always hash the same.
std::string dump(const Json& j);

/// An event to append: the store fills the id, time, actor and hashes.
struct EventDraft {
  std::string action, object_kind, object_id, invoice;
  std::int64_t dispute = 0;
  Json before, after;
};

/// The date part (YYYY-MM-DD) of an ISO 8601 time.
inline std::string date_of(const std::string& time) { return time.substr(0, 10); }

/// "a, b, c": the values a message lists.
inline std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

Json json_of(const RunRecord& run);
Json json_of(const FindingRecord& finding);
Json json_of(const Dispute& dispute);
Json json_of(const Event& event);

/// Checks a remedy a user gave: a known kind, exact amounts, dates.
void check_remedy(const RemedyRecord& remedy);
/// A remedy's amounts fit its currency's minor units (once the currency is known).
void check_remedy_units(const RemedyRecord& remedy);
/// The finding's row as its record; `q` selected kFindingColumns.
FindingRecord finding_from(SQLite::Statement& q);
extern const char* const kFindingColumns;

}  // namespace billcheck::store_detail

namespace billcheck {

struct Store::Impl {
  std::filesystem::path path;
  StoreOptions options;
  std::unique_ptr<SQLite::Database> db;
  int version = 0;
  // The two statements every event needs, prepared once: a run appends thousands.
  std::unique_ptr<SQLite::Statement> last_event, insert_event;

  std::string now() const;
  /// Runs `work` in one IMMEDIATE transaction (so that two processes queue
  /// instead of failing halfway), committing only when it returns.
  void write(const std::function<void()>& work);
  /// Appends one event to the chain; only inside write().
  void append(const store_detail::EventDraft& event, const std::string& at);
  /// A SQLite error as a sentence that names the store and says what to do.
  [[noreturn]] void fail(const SQLite::Exception& e) const;
  /// Runs `f`, turning SQLite's exceptions into StoreError.
  template <class F>
  auto guarded(F&& f) const -> decltype(f()) {
    try {
      return f();
    } catch (const SQLite::Exception& e) {
      fail(e);
    }
  }
  /// Runs `f` (several SELECTs) in one read transaction, so that they all see
  /// one state of the record: a run or a move another process commits
  /// meanwhile is seen whole or not at all, never its events without its rows.
  /// Inside a write (or another read) it is that transaction's already.
  template <class F>
  auto read(F&& f) const -> decltype(f()) {
    return guarded([&]() -> decltype(f()) {
      const ReadTransaction transaction(*db);
      return f();
    });
  }

 private:
  /// BEGIN unless a transaction is open; its end (a read changes nothing, so
  /// ROLLBACK and COMMIT are the same) cannot fail in a way worth reporting.
  struct ReadTransaction {
    explicit ReadTransaction(SQLite::Database& db) : db(db), began(sqlite3_get_autocommit(db.getHandle()) != 0) {
      if (began) db.exec("BEGIN");
    }
    ~ReadTransaction() {
      if (began && sqlite3_get_autocommit(db.getHandle()) == 0)
        sqlite3_exec(db.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;
    SQLite::Database& db;
    bool began;
  };
};

}  // namespace billcheck
