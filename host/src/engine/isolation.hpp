// Isolated rules: a plugin or Python rule file that runs in a worker process
// (billcheck-worker), so that a crash, an exit, a hang or a runaway allocation
// in it becomes an `internal` finding instead of ending the host. The worker
// is started with posix_spawn (never fork without exec: the engine lives in
// multi-threaded programs), talks length-prefixed JSON over a socket, and what
// it sends back is validated like any other input.
#pragma once

#include "engine/run.hpp"
#include "hosting/plugin_loader.hpp"

#include <billcheck/engine.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace billcheck::detail {

using Json = nlohmann::json;

/// The program the host starts for isolated code: $BILLCHECK_WORKER when set,
/// else billcheck-worker beside the bundled plugins' folder (lib/billcheck/).
std::filesystem::path worker_program();

/// The most a worker's message may be (a reply of findings, or its handshake).
inline constexpr std::uint64_t kMaxWorkerMessage = std::uint64_t{1} << 30;

/// One end of the host-worker socket: 8-byte little-endian length, then the bytes.
class Channel {
 public:
  explicit Channel(int fd = -1) : fd_(fd) {}
  int fd() const { return fd_; }
  /// Sends one message; false when the other end is gone or the deadline passed.
  bool send(std::string_view bytes, std::optional<std::chrono::steady_clock::time_point> deadline = {});
  /// Receives one message of at most `limit` bytes; an empty optional when the
  /// other end closed, the deadline passed or the length is over the limit
  /// (`why` says which).
  std::optional<std::string> receive(std::uint64_t limit, std::optional<std::chrono::steady_clock::time_point> deadline,
                                     std::string& why);

 private:
  bool wait(short events, std::optional<std::chrono::steady_clock::time_point> deadline);
  int fd_;
};

// The codecs both ends use. The *_from_json readers validate: a worker's
// reply is untrusted input (they throw Error with what is wrong).
Json settings_to_json(const Config& config);
void settings_from_json(const Json& j, Config& config);
Json rule_info_to_json(const RuleInfo& info);
RuleInfo rule_info_from_json(const Json& j);
Json finding_to_wire(const Finding& f);
Finding finding_from_wire(const Json& j);

/// A book written as a CSV folder for the workers to read (in /dev/shm when
/// there is one), removed when this goes.
class BookCopy {
 public:
  explicit BookCopy(const Book& book);
  ~BookCopy();
  BookCopy(const BookCopy&) = delete;
  BookCopy& operator=(const BookCopy&) = delete;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

/// The files of a book's source, each with its size, modification time and
/// inode (a folder's files two levels down, and the reference folder's): two
/// equal stamps say no file changed between them. Empty when the path is not
/// a file or folder (standard input, a glob).
std::string source_stamp(const BookSource& source);
Json source_to_json(const BookSource& source);
BookSource source_from_json(const Json& j);

/// How a check gives a worker the book: the book's own files, which the worker
/// loads itself (it may have begun, told by IsolatedSource::preload), when
/// their stamp is still the one the host's load saw; else a copy, written once
/// for all the workers on the first call of `copy`.
struct BookFeed {
  std::optional<BookSource> source;
  std::string stamp;
  std::function<std::optional<std::filesystem::path>(std::string& why)> copy;
};

/// What the host asks a worker to load.
struct IsolatedSpec {
  std::string kind;  // "plugin" or "python"
  std::filesystem::path path;
  std::optional<PluginPin> pin;
};

/// One isolated plugin or Python file, with its worker. The worker is started
/// when the engine is built (it reports the rules and any config errors) and
/// replaced after it fails; checks through one source take turns.
class IsolatedSource {
 public:
  IsolatedSource(IsolatedSpec spec, const Config& config);
  ~IsolatedSource();
  IsolatedSource(const IsolatedSource&) = delete;
  IsolatedSource& operator=(const IsolatedSource&) = delete;

  /// Starts the worker and loads the code; config errors about its rules go
  /// to `errors`. A plugin the worker refuses (or dies loading) comes back
  /// with record().loaded false.
  void start(std::vector<std::string>& errors);

  const IsolatedSpec& spec() const { return spec_; }
  /// The internal finding that says this source's rules did not run, and why:
  /// blamed on the rule the worker's last word names, else on the rule it
  /// said it was `running`, else on all of them.
  Finding failure(const std::string& what, const Json& last = nullptr, const std::string& running = {}) const;
  const PluginRecord& record() const { return record_; }
  /// The rules the worker reported (factories that must never be called).
  std::vector<RegisteredRule> take_rules() { return std::move(rules_); }
  /// The rules the plugin registered that the worker's host refused.
  std::vector<RefusedRule> take_refused_rules() { return std::move(refused_rules_); }
  bool loaded() const { return loaded_; }

  /// Asks the worker to start loading the book at `source` (whose stamp is
  /// `stamp`) for the next check; returns at once.
  void preload(const BookSource& source, const std::string& stamp) const;

  /// Runs the source's rules in the worker over `book`, which it gets as
  /// `feed` says: the raw findings, with each record's source taken from
  /// `book`; or one internal finding saying how the worker failed.
  std::vector<Finding> check(const Book& book, const BookFeed& feed, const Selection& sel) const;

 private:
  struct Process {
    int pid = -1;
    Channel channel{};  // braces: clang 14 will not copy-initialise through the explicit constructor
  };
  bool spawn(std::string& why) const;
  void stop() const;
  std::string describe_end(bool timed_out) const;
  std::string culprit() const;
  static Json last_word(const std::optional<std::string>& message);
  void fill_source(const Book& book, Finding& f) const;

  IsolatedSpec spec_;
  Json setup_;
  unsigned rule_seconds_;
  std::uint64_t memory_;
  PluginRecord record_;
  std::vector<RegisteredRule> rules_;
  std::vector<RefusedRule> refused_rules_;
  std::vector<std::string> rule_ids_;
  std::string first_category_;
  bool loaded_ = false;
  mutable std::mutex mutex_;
  mutable Process process_;
  mutable std::string pending_;  // the stamp of a load the worker was asked for and has not answered
};

}  // namespace billcheck::detail
