/*
 * libbillcheck: the C API of the billcheck engine, for programs in any
 * language that can call C (.NET P/Invoke, Java JNA or Panama, Node.js ffi,
 * Python ctypes, Delphi, Go cgo). docs/hosting.md shows each.
 *
 * The shape, after SQLite and libgit2:
 *
 * - Two opaque handles: an engine (the rules, built once from a config) and
 *   a book (the records, loaded once). No C++ type and no struct crosses this
 *   header; what goes in and out is JSON text, so no struct layout is ABI.
 *   The report is the text `billcheck check --format json` prints, byte for
 *   byte (docs/schema/report.schema.json); a JSON book is as docs/book-format.md
 *   describes it (docs/schema/book.schema.json).
 *
 * - Every function that can fail returns an int status: BILLCHECK_OK (0), or
 *   one of the BILLCHECK_ERROR_* codes. The queries that cannot fail (version,
 *   ABI, last error) and the free functions return their value directly.
 *
 * - The details of a failure are kept per thread (the thread's "last error"):
 *   billcheck_last_error_code(), billcheck_last_error_message() and
 *   billcheck_last_error_json(), which holds the located problems of a book or
 *   config that did not load. Every call that returns a status first clears
 *   them, so they describe the thread's latest such call. The strings they
 *   return belong to the library and stay valid until that thread's next call
 *   that returns a status.
 *
 * - Text the library returns through a `char **` (reports, letters) belongs to
 *   the caller once returned, and is released with billcheck_free(), never with
 *   the caller's own free(). On failure the output is set to NULL.
 *
 * - Threads: an engine and a book never change once made. Any number of
 *   threads may use the same engine and the same book at once (checks,
 *   explanations, letters). Only billcheck_engine_free() and
 *   billcheck_book_free() must not race with another call using that handle.
 *
 * - Nothing thrown inside the engine reaches the caller: every failure,
 *   including an out-of-memory or a bug, is a status and a last error.
 *
 * - Options are a JSON object text, or NULL for the defaults; a key the
 *   function does not know is an error (BILLCHECK_ERROR_ARGUMENT), so a typo
 *   is not silently ignored.
 *
 * All strings are UTF-8 and NUL-terminated; paths are file system paths.
 */
#ifndef BILLCHECK_BILLCHECK_H
#define BILLCHECK_BILLCHECK_H

#if defined(_WIN32)
#  if defined(BILLCHECK_C_BUILD)
#    define BILLCHECK_C_API __declspec(dllexport)
#  else
#    define BILLCHECK_C_API __declspec(dllimport)
#  endif
#else
#  define BILLCHECK_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The ABI this header describes. The library's SONAME is libbillcheck.so.MAJOR:
 * MAJOR changes only when a function is removed or changes meaning; MINOR
 * counts functions added. A program built against MAJOR.MINOR runs with any
 * library of the same MAJOR and a MINOR at least as high (check it with
 * billcheck_abi_major() and billcheck_abi_minor()).
 */
#define BILLCHECK_C_ABI_MAJOR 1
#define BILLCHECK_C_ABI_MINOR 0

/* Statuses. The names in quotes are the `code` of the error JSON. */
#define BILLCHECK_OK 0
/* "bad_request": a NULL where a value is needed, options that are not a JSON
 * object of the known keys, an unknown format. */
#define BILLCHECK_ERROR_ARGUMENT 1
/* "bad_book": the book did not load; the error JSON lists every problem, each
 * with its file, line and (for YAML) column. */
#define BILLCHECK_ERROR_BOOK 2
/* "bad_config": the config (or a pack, plugin or rule option it names) was not
 * accepted; the error JSON lists every problem. */
#define BILLCHECK_ERROR_CONFIG 3
/* "unknown_record": the invoice, client or line named is not in the book. */
#define BILLCHECK_ERROR_UNKNOWN_RECORD 4
/* "failed": another error a user can cause (a template folder that is not
 * there, an output that cannot be written); the message says what to do. */
#define BILLCHECK_ERROR_FAILED 5
/* "no_memory": the library ran out of memory. */
#define BILLCHECK_ERROR_MEMORY 6
/* "internal": a bug in billcheck; the message says what happened. */
#define BILLCHECK_ERROR_INTERNAL 7

/* The rules, built once from a config. */
typedef struct billcheck_engine billcheck_engine;
/* A book's records, loaded and indexed once. */
typedef struct billcheck_book billcheck_book;

/* ---- version -------------------------------------------------------------- */

/* The library's version, e.g. "0.1.0" (what `billcheck --version` prints). */
BILLCHECK_C_API const char *billcheck_version(void);
/* The ABI of the library loaded (see BILLCHECK_C_ABI_MAJOR). */
BILLCHECK_C_API int billcheck_abi_major(void);
BILLCHECK_C_API int billcheck_abi_minor(void);

/* ---- errors --------------------------------------------------------------- */

/* The status of this thread's latest call (BILLCHECK_OK after a success). */
BILLCHECK_C_API int billcheck_last_error_code(void);
/* One line saying what went wrong and what to do; "" after a success. */
BILLCHECK_C_API const char *billcheck_last_error_message(void);
/* The error as JSON; "" after a success:
 *   {"error": {"code": "bad_book", "message": "...",
 *              "problems": [{"file": "book.json", "line": 7, "message": "..."}]}}
 * `problems` lists every located problem of a book or config that did not
 * load (file, line and column where known), and is empty for other errors.
 * docs/schema/error.schema.json describes it. */
BILLCHECK_C_API const char *billcheck_last_error_json(void);

/* Releases text the library returned through a `char **`. NULL is allowed. */
BILLCHECK_C_API void billcheck_free(char *text);

/* Log output of the engine on standard error: -1 nothing, 0 warnings and
 * errors (the default), 1 info, 2 debug. Applies to the whole process. */
BILLCHECK_C_API int billcheck_set_log_level(int level);

/* ---- engines -------------------------------------------------------------- */

/* An engine with the config in the billcheck.yaml at `config_path`, or with
 * every rule at its defaults when `config_path` is NULL. Loads the bundled
 * plugins and packs, and those the config names. */
BILLCHECK_C_API int billcheck_engine_new(const char *config_path, billcheck_engine **engine);
/* An engine with the config in `yaml` (the text of a billcheck.yaml).
 * `config_path` (may be NULL) is where the config is said to be: errors name
 * it, and relative paths in it (packs, plugins, Python files) are resolved
 * from its folder; NULL means "billcheck.yaml" in the current folder. */
BILLCHECK_C_API int billcheck_engine_new_from_yaml(const char *yaml, const char *config_path,
                                                   billcheck_engine **engine);
/* An engine with the config `billcheck check BOOK` would use: the
 * billcheck.yaml beside the book (in a book folder, or beside a book file),
 * else the defaults. */
BILLCHECK_C_API int billcheck_engine_new_for_book(const char *book_path, billcheck_engine **engine);
/* NULL is allowed. */
BILLCHECK_C_API void billcheck_engine_free(billcheck_engine *engine);

/* ---- books ---------------------------------------------------------------- */

/* A book from JSON text (docs/book-format.md). Options (may be NULL):
 *   "name": the name problems and findings' `location` give the text
 *           (default "book.json").
 * A book that does not load is BILLCHECK_ERROR_BOOK, with every problem. */
BILLCHECK_C_API int billcheck_book_from_json(const char *json, const char *options_json, billcheck_book **book);
/* A book read as `billcheck check PATH` reads it: a CSV folder, a .json file
 * or a LEDES 1998B file. Options (may be NULL), as the CLI's:
 *   "with":     a CSV folder whose reference records are added (--with);
 *   "currency": the currency of LEDES invoices the reference does not give
 *               (--currency; default "USD");
 *   "max_file_bytes": a book file larger than this is refused before it is
 *               read (default 4 GiB). What is not a regular file (a FIFO, a
 *               device) is always refused. */
BILLCHECK_C_API int billcheck_book_from_path(const char *path, const char *options_json, billcheck_book **book);
/* NULL is allowed. */
BILLCHECK_C_API void billcheck_book_free(billcheck_book *book);

/* ---- checks --------------------------------------------------------------- */

/* Runs every enabled rule over the book; `*report_json` is the report,
 * exactly as `billcheck check --format json` prints it (ending with a
 * newline). Findings are not an error: the status is BILLCHECK_OK whatever
 * they are. A report whose `refused` is not empty, or with a finding of
 * category "internal", comes from a check that did not run every rule (the
 * CLI exits 2 on it). Options (may be NULL):
 *   "jobs":  threads for this check (0, the default: one per core);
 *   "today": "YYYY-MM-DD", the date waivers expire against (default: today);
 *   "format": "json" (the default), "text", "html" or "csv": the report as
 *            `billcheck check --format` writes it (for "html", "title" names
 *            what was checked, as the CLI's book path does). */
BILLCHECK_C_API int billcheck_check(const billcheck_engine *engine, const billcheck_book *book,
                                    const char *options_json, char **report_json);
/* The check of one invoice with its context (its lines, client, payments and
 * credit notes), as `billcheck check --invoice ID`. Options as billcheck_check.
 * An invoice the book does not have is BILLCHECK_ERROR_UNKNOWN_RECORD. */
BILLCHECK_C_API int billcheck_check_invoice(const billcheck_engine *engine, const billcheck_book *book,
                                            const char *invoice_id, const char *options_json, char **report_json);

/* ---- remedies ------------------------------------------------------------- */

/* How an invoice (or one line) was worked out, for a client who questions it,
 * as `billcheck explain --invoice ID`. Options (may be NULL):
 *   "line":      one line of the invoice (its line_no);
 *   "format":    "text" (default), "md", "html" or "json";
 *   "templates": a folder of the firm's own templates;
 *   "jobs", "today": as billcheck_check. */
BILLCHECK_C_API int billcheck_explain(const billcheck_engine *engine, const billcheck_book *book,
                                      const char *invoice_id, const char *options_json, char **text);
/* The letter to a client about the errors on their invoices, as
 * `billcheck letter --client ID`. Options (may be NULL):
 *   "invoices":  an array of the client's invoice ids (default: all);
 *   "format":    "text" (default), "md", "html" or "json";
 *   "date":      "YYYY-MM-DD", the letter's date (default: today);
 *   "templates", "jobs", "today": as billcheck_explain. */
BILLCHECK_C_API int billcheck_letter(const billcheck_engine *engine, const billcheck_book *book,
                                     const char *client_id, const char *options_json, char **text);

/* A corrected copy of the book, as `billcheck fix BOOK --out OUT.json`: draft
 * invoices fixed and recomputed, a credit note for each overcharge on an
 * issued or paid invoice (which is never edited). `*book_json` is the
 * corrected book as JSON (docs/book-format.md), `*summary` what was done and
 * what is left for a person. The book handle is not changed. Options (may be NULL):
 *   "format": the summary as "text" (default) or "json";
 *   "jobs", "today": as billcheck_check ("today" also dates the credit notes);
 *   "reissue": true credits such an invoice in full and writes a corrected
 *   replacement invoice instead (as `billcheck fix --reissue`). */
BILLCHECK_C_API int billcheck_fix(const billcheck_engine *engine, const billcheck_book *book,
                                  const char *options_json, char **book_json, char **summary);

#ifdef __cplusplus
}
#endif

#endif /* BILLCHECK_BILLCHECK_H */
