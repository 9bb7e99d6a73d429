// The C API: a thin skin over the C++ engine (billcheck/billcheck.h says what
// each call does). Every entry point runs its body through `guarded`, which
// catches everything, so no exception crosses into C, and keeps the error's
// details in the calling thread's last error.
#include <billcheck/billcheck.h>

#include <billcheck/config.hpp>
#include <billcheck/convert.hpp>
#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/problems.hpp>
#include <billcheck/remedies.hpp>
#include <billcheck/report.hpp>
#include <billcheck/version.hpp>

#include <nlohmann/json.hpp>

#include "engine/thread_state.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <string_view>

struct billcheck_engine {
  billcheck::Engine engine;
};

struct billcheck_book {
  billcheck::Book book;
};

namespace {

using namespace billcheck;
using Json = nlohmann::json;

/// A call made wrongly (a NULL, options that are not understood): BILLCHECK_ERROR_ARGUMENT.
class ArgumentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LastError {
  int code = BILLCHECK_OK;
  std::string message;
  std::string json;
};

// The calling thread's last error, usable by atexit handlers too (detail::ThreadState).
LastError& last_error() { return billcheck::detail::ThreadState<LastError>::get(); }

/// Keeps a failure's details as the thread's last error; returns its status.
int keep(int code, std::string_view json_code, std::string_view message,
         const std::vector<std::string>& problems = {}) {
  LastError& last = last_error();
  last.code = code;
  last.json = error_json(json_code, message, problems);
  // The message as the JSON has it: UTF-8 always (bytes that are not, e.g. an id echoed back, replaced).
  last.message = Json::parse(last.json).at("error").at("message").get<std::string>();
  return code;
}

/// The status and last error of the exception being handled. May throw
/// (std::bad_alloc, while writing the message); `guarded` catches that.
int keep_current_exception() {
  try {
    throw;
  } catch (const ArgumentError& e) {
    return keep(BILLCHECK_ERROR_ARGUMENT, "bad_request", e.what());
  } catch (const BookError& e) {
    return keep(BILLCHECK_ERROR_BOOK, "bad_book", problems_summary("the book was not loaded", e.messages()),
                e.messages());
  } catch (const ConfigError& e) {
    return keep(BILLCHECK_ERROR_CONFIG, "bad_config",
                problems_summary("the configuration was not accepted", e.messages()), e.messages());
  } catch (const UnknownRecord& e) {
    return keep(BILLCHECK_ERROR_UNKNOWN_RECORD, "unknown_record", e.what());
  } catch (const Error& e) {
    return keep(BILLCHECK_ERROR_FAILED, "failed", e.what());
  } catch (const std::bad_alloc&) {
    return keep(BILLCHECK_ERROR_MEMORY, "no_memory", "out of memory");
  } catch (const std::exception& e) {
    return keep(BILLCHECK_ERROR_INTERNAL, "internal", std::string("internal error: ") + e.what());
  } catch (...) {
    return keep(BILLCHECK_ERROR_INTERNAL, "internal", "internal error: an unknown exception");
  }
}

/// Whether exit() has destroyed what the library made on first use: the
/// statics of the libraries it reads with (yaml-cpp's patterns) and its own.
/// exit() runs the handlers registered with atexit, and destroys those
/// statics, in the reverse order of their making; the library's first call
/// registers `exiting` below, so it runs after everything made since and
/// before every handler the host registered earlier. Such a handler then gets
/// an error that says what to do, where its calls hung in yaml-cpp's scanner
/// or crashed.
std::atomic<bool> exited{false};

void exiting() { exited.store(true); }

/// Registers `exiting`, once, on the library's first call.
void note_first_call() {
  static const bool registered = (std::atexit(exiting), true);
  (void)registered;
}

/// Throws (BILLCHECK_ERROR_FAILED) where exit() has destroyed what a call that
/// reads, checks or writes would use; the calls that only check their
/// arguments, set the log level or free work still.
void refuse_after_exit() {
  if (exited.load())
    throw Error(
        "billcheck was called from an atexit handler registered before the program's first call into billcheck: "
        "exit() had already destroyed what the library made on first use. Register the handler after the first "
        "call (docs/hosting.md, Exit)");
}

/// Runs one call's body: clears the thread's last error, and turns whatever the
/// body throws into a status and a last error. Nothing escapes it.
template <class F>
int guarded(F&& body) noexcept {
  note_first_call();
  LastError& last = last_error();
  last.code = BILLCHECK_OK;
  last.message.clear();
  last.json.clear();
  try {
    body();
    return BILLCHECK_OK;
  } catch (...) {
    try {
      return keep_current_exception();
    } catch (...) {
      // No memory even for the message: the accessors say "out of memory".
      last.code = BILLCHECK_ERROR_MEMORY;
      last.message.clear();
      last.json.clear();
      return BILLCHECK_ERROR_MEMORY;
    }
  }
}

template <class T>
T* not_null(T* p, const char* name) {
  if (!p) throw ArgumentError(std::string(name) + " is NULL");
  return p;
}

/// Clears an output parameter first, so that it is NULL whenever the call fails.
template <class T>
T*& output(T** out, const char* name) {
  if (!out) throw ArgumentError(std::string(name) + " is NULL");
  *out = nullptr;
  return *out;
}

/// Text for the caller, released with billcheck_free.
char* copy_out(const std::string& text) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (!out) throw std::bad_alloc();
  std::memcpy(out, text.data(), text.size() + 1);
  return out;
}

// ---------------------------------------------------------------------------
// Options: a JSON object of known keys, read once into the engine's own types.

class CallOptions {
 public:
  /// `allowed` lists the keys this call takes, for the message about one it does not.
  CallOptions(const char* text, std::string_view allowed) : allowed_(allowed) {
    if (!text) return;
    json_ = Json::parse(text, nullptr, false);
    if (json_.is_discarded() || !json_.is_object())
      throw ArgumentError("the options are not a JSON object (give {} or NULL for the defaults): " +
                          std::string(text).substr(0, 80));
    for (const auto& [key, value] : json_.items()) {
      if (!known(key))
        throw ArgumentError("unknown option '" + key + "' (this call takes " + std::string(allowed_) + ")");
    }
  }

  std::string text(const char* key, std::string fallback = {}) const {
    const Json* v = find(key);
    if (!v) return fallback;
    if (!v->is_string()) throw ArgumentError(std::string("option '") + key + "' must be a string");
    return v->get<std::string>();
  }

  std::optional<std::int64_t> integer(const char* key) const {
    const Json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) throw ArgumentError(std::string("option '") + key + "' must be a whole number");
    // JSON reads a number past int64 as unsigned: it must not wrap round to a negative one.
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > std::uint64_t{INT64_MAX})
      throw ArgumentError(std::string("option '") + key + "' is out of range (at most 9223372036854775807)");
    return v->get<std::int64_t>();
  }

  bool flag(const char* key) const {
    const Json* v = find(key);
    if (!v) return false;
    if (!v->is_boolean()) throw ArgumentError(std::string("option '") + key + "' must be true or false");
    return v->get<bool>();
  }

  std::optional<Date> date(const char* key) const {
    const Json* v = find(key);
    if (!v) return std::nullopt;
    std::optional<Date> d = v->is_string() ? Date::parse_iso(v->get<std::string>()) : std::nullopt;
    if (!d) throw ArgumentError(std::string("option '") + key + "' must be a date as \"YYYY-MM-DD\"");
    return d;
  }

  std::vector<std::string> texts(const char* key) const {
    const Json* v = find(key);
    std::vector<std::string> out;
    if (!v) return out;
    if (!v->is_array()) throw ArgumentError(std::string("option '") + key + "' must be an array of strings");
    for (const auto& item : *v) {
      if (!item.is_string()) throw ArgumentError(std::string("option '") + key + "' must be an array of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  /// "jobs" and "today", which every call that runs rules takes.
  CheckOptions check() const {
    CheckOptions options;
    const std::int64_t jobs = integer("jobs").value_or(0);
    // As the CLI's --jobs: 0 is one thread per core.
    if (jobs < 0 || jobs > 1024) throw ArgumentError("option 'jobs' must be a number of threads from 0 to 1024");
    options.jobs = static_cast<unsigned>(jobs);
    options.today = date("today");
    return options;
  }

  DocumentFormat format(bool json_allowed = true) const {
    const std::string name = text("format", "text");
    auto format = parse_document_format(name);
    if (!format || (!json_allowed && *format == DocumentFormat::json))
      throw ArgumentError("option 'format' is '" + name + "'; give \"text\", \"md\", \"html\" or \"json\"");
    return *format;
  }

 private:
  bool known(std::string_view key) const {
    // `allowed_` is `"a", "b" and "c"`: a key is known when it appears quoted in it.
    return allowed_.find("\"" + std::string(key) + "\"") != std::string_view::npos;
  }
  const Json* find(const char* key) const {
    if (!json_.is_object()) return nullptr;
    auto it = json_.find(key);
    return it == json_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string_view allowed_;
  Json json_;
};

Report run_check(const billcheck_engine* engine, const billcheck_book* book, const char* invoice_id,
                 const char* options_json) {
  const Engine& e = not_null(engine, "engine")->engine;
  const Book& b = not_null(book, "book")->book;
  const CheckOptions options = CallOptions(options_json, R"("jobs", "today", "format" and "title")").check();
  refuse_after_exit();
  return invoice_id ? e.check_invoice(b, invoice_id, options) : e.check(b, options);
}

/// The report in the form the options' "format" names, as `billcheck check
/// --format` writes it: json (the default), text, html ("title": what the page
/// says was checked) or csv. xlsx is bytes, not text: the CLI and Python write it.
std::string report_text(const Report& report, const billcheck_book* book, const char* options_json) {
  const CallOptions options(options_json, R"("jobs", "today", "format" and "title")");
  const std::string format = options.text("format", "json");
  std::ostringstream out;
  if (format == "json")
    write_json(out, report);
  else if (format == "text")
    write_text(out, report, book->book);
  else if (format == "html")
    write_html(out, report, book->book, HtmlOptions{options.text("title")});
  else if (format == "csv")
    write_csv(out, report);
  else
    throw ArgumentError("option 'format' must be json, text, html or csv, not '" + format + "'");
  return std::move(out).str();
}

billcheck_engine* new_engine(Config config) { return new billcheck_engine{Engine(std::move(config))}; }

/// The config of billcheck_engine_new* (load_config, parse_config, find_config), once exit() has not struck.
template <class Read>
Config config_of(Read read) {
  refuse_after_exit();
  return read();
}

}  // namespace

extern "C" {

const char* billcheck_version(void) { return BILLCHECK_SDK_VERSION; }
int billcheck_abi_major(void) { return BILLCHECK_C_ABI_MAJOR; }
int billcheck_abi_minor(void) { return BILLCHECK_C_ABI_MINOR; }

int billcheck_last_error_code(void) { return last_error().code; }

const char* billcheck_last_error_message(void) {
  const LastError& last = last_error();
  // An error whose message could not be kept (out of memory) still says something.
  if (last.code != BILLCHECK_OK && last.message.empty()) return "out of memory";
  return last.message.c_str();
}

const char* billcheck_last_error_json(void) {
  const LastError& last = last_error();
  if (last.code != BILLCHECK_OK && last.json.empty())
    return R"({"error":{"code":"no_memory","message":"out of memory","problems":[]}})";
  return last.json.c_str();
}

void billcheck_free(char* text) { std::free(text); }

int billcheck_set_log_level(int level) {
  return guarded([&] {
    if (level < -1 || level > 2) throw ArgumentError("the log level must be -1 (nothing), 0, 1 or 2 (debug)");
    set_log_verbosity(level);
  });
}

int billcheck_engine_new(const char* config_path, billcheck_engine** engine) {
  return guarded([&] {
    billcheck_engine*& out = output(engine, "engine");
    out = new_engine(config_of([&] { return config_path ? load_config(config_path) : Config{}; }));
  });
}

int billcheck_engine_new_from_yaml(const char* yaml, const char* config_path, billcheck_engine** engine) {
  return guarded([&] {
    billcheck_engine*& out = output(engine, "engine");
    const char* text = not_null(yaml, "yaml");
    out = new_engine(config_of([&] { return parse_config(text, config_path ? config_path : "billcheck.yaml"); }));
  });
}

int billcheck_engine_new_for_book(const char* book_path, billcheck_engine** engine) {
  return guarded([&] {
    billcheck_engine*& out = output(engine, "engine");
    const char* path = not_null(book_path, "book_path");
    out = new_engine(config_of([&] { return find_config(path, {}); }));
  });
}

void billcheck_engine_free(billcheck_engine* engine) { delete engine; }

int billcheck_book_from_json(const char* json, const char* options_json, billcheck_book** book) {
  return guarded([&] {
    billcheck_book*& out = output(book, "book");
    const char* text = not_null(json, "json");
    const CallOptions options(options_json, R"("name")");
    refuse_after_exit();
    out = new billcheck_book{Book(read_json_text(text, options.text("name", "book.json")))};
  });
}

int billcheck_book_from_path(const char* path, const char* options_json, billcheck_book** book) {
  return guarded([&] {
    billcheck_book*& out = output(book, "book");
    const char* file = not_null(path, "path");
    const CallOptions options(options_json, R"("with", "currency" and "max_file_bytes")");
    LoadOptions load;
    load.reference = options.text("with");
    load.ledes_currency = options.text("currency", "USD");
    if (auto limit = options.integer("max_file_bytes")) {
      if (*limit <= 0) throw ArgumentError("option 'max_file_bytes' must be a number of bytes above 0");
      load.max_file_bytes = static_cast<std::uintmax_t>(*limit);
    }
    if (std::string problem = currency_problem(load.ledes_currency); !problem.empty())
      throw ArgumentError("option 'currency': " + problem);
    refuse_after_exit();
    out = new billcheck_book{load_book(file, load)};
  });
}

void billcheck_book_free(billcheck_book* book) { delete book; }

int billcheck_check(const billcheck_engine* engine, const billcheck_book* book, const char* options_json,
                    char** report) {
  return guarded([&] {
    char*& out = output(report, "report_json");
    out = copy_out(report_text(run_check(engine, book, nullptr, options_json), book, options_json));
  });
}

int billcheck_check_invoice(const billcheck_engine* engine, const billcheck_book* book, const char* invoice_id,
                            const char* options_json, char** report) {
  return guarded([&] {
    char*& out = output(report, "report_json");
    const char* id = not_null(invoice_id, "invoice_id");
    out = copy_out(report_text(run_check(engine, book, id, options_json), book, options_json));
  });
}

int billcheck_explain(const billcheck_engine* engine, const billcheck_book* book, const char* invoice_id,
                      const char* options_json, char** text) {
  return guarded([&] {
    char*& out = output(text, "text");
    const Engine& e = not_null(engine, "engine")->engine;
    const Book& b = not_null(book, "book")->book;
    const CallOptions options(options_json, R"("line", "format", "templates", "jobs" and "today")");
    ExplainRequest request;
    request.invoice = not_null(invoice_id, "invoice_id");
    request.line = options.integer("line");
    request.templates = options.text("templates");
    request.check = options.check();
    refuse_after_exit();
    out = copy_out(explain(e, b, request, options.format()));
  });
}

int billcheck_letter(const billcheck_engine* engine, const billcheck_book* book, const char* client_id,
                     const char* options_json, char** text) {
  return guarded([&] {
    char*& out = output(text, "text");
    const Engine& e = not_null(engine, "engine")->engine;
    const Book& b = not_null(book, "book")->book;
    const CallOptions options(options_json, R"("invoices", "format", "date", "templates", "jobs" and "today")");
    LetterRequest request;
    request.client = not_null(client_id, "client_id");
    request.invoices = options.texts("invoices");
    request.date = options.date("date");
    request.templates = options.text("templates");
    request.check = options.check();
    refuse_after_exit();
    out = copy_out(letter(e, b, request, options.format()));
  });
}

int billcheck_fix(const billcheck_engine* engine, const billcheck_book* book, const char* options_json,
                  char** book_json, char** summary) {
  return guarded([&] {
    char*& book_out = output(book_json, "book_json");
    char*& summary_out = output(summary, "summary");
    const Engine& e = not_null(engine, "engine")->engine;
    const Book& b = not_null(book, "book")->book;
    const CallOptions options(options_json, R"("format", "jobs", "today" and "reissue")");
    const DocumentFormat format = options.format();
    FixOptions fix;
    fix.reissue = options.flag("reissue");
    if (format != DocumentFormat::text && format != DocumentFormat::json)
      throw ArgumentError("option 'format' of the fix summary is \"text\" or \"json\"");
    refuse_after_exit();
    // fix_book takes the records, which a Book keeps only indexed: its JSON
    // form reads back to the same records, every figure exact.
    std::ostringstream records;
    write_book_json(records, b);
    FixResult result = fix_book(e, read_json_text(records.str(), "book.json"), options.check(), fix);
    std::ostringstream corrected;
    write_book_json(corrected, result.book);
    std::string text = fix_summary(result.summary, format);
    // Both outputs or neither.
    std::unique_ptr<char, decltype(&std::free)> owned(copy_out(corrected.str()), &std::free);
    summary_out = copy_out(text);
    book_out = owned.release();
  });
}

}  // extern "C"
