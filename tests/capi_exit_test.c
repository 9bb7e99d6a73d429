/*
 * libbillcheck used for real from an atexit handler: a host that checks a
 * JSON book while it exits (an accounting package's last look at its books)
 * gets the same report as before exit. By then exit() has run the thread's
 * own destructors, so every per-thread state the engine keeps (the JSON
 * reader's parser, the packs' scratch, the book's recent derived indexes, the
 * last error) must still work: before, the JSON reader's parser crashed it
 * (a segmentation fault). Run as the ctest entry capi.c_exit from the source
 * folder; built also under ASan and UBSan (./dev sanitize).
 *
 *   capi_exit_test   (prints "ok" then "ok after exit" and exits 0, or names the failure)
 */
#include <billcheck/billcheck.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOOK_PATH "tests/data/load/good.json"
/* The example firm's pack and one whose rule builds lists and text while it
 * runs (filter, map, lower): its finding says what it built. */
#define CONFIG_PATH "tests/data/capi/exit/billcheck.yaml"
#define LISTS_MESSAGE "\"message\": \"Fees by alice partner, bob associate come to 2125.00\""
/* One thread: the rules run on the thread that calls, the one exit() ends. */
#define OPTIONS "{\"jobs\": 1, \"today\": \"2026-03-01\"}"

static char *book_text;
static char *expected_from_path;
static char *expected_from_text;

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)size + 1);
  if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
    free(text);
    text = NULL;
  }
  if (text) text[size] = '\0';
  fclose(f);
  return text;
}

/* The report of the JSON book (from its text when `text` is set, else from its path); NULL on failure. */
static char *check_json_book(const char *text) {
  billcheck_engine *engine = NULL;
  billcheck_book *book = NULL;
  char *report = NULL;
  int ok = billcheck_engine_new(CONFIG_PATH, &engine) == BILLCHECK_OK &&
           (text ? billcheck_book_from_json(text, "{\"name\": \"good.json\"}", &book)
                 : billcheck_book_from_path(BOOK_PATH, NULL, &book)) == BILLCHECK_OK &&
           billcheck_check(engine, book, OPTIONS, &report) == BILLCHECK_OK;
  if (!ok) fprintf(stderr, "the JSON book did not check: %s\n", billcheck_last_error_json());
  billcheck_book_free(book);
  billcheck_engine_free(engine);
  return ok ? report : NULL;
}

/* After exit() destroyed the thread's own storage: the same book, read from
 * its path and from its text, gives the same report; a failing call still
 * says why. */
static void check_at_exit(void) {
  char *from_path = check_json_book(NULL);
  char *from_text = check_json_book(book_text);
  billcheck_book *broken = NULL;
  int refused = billcheck_book_from_json("{\"invoices\": [", NULL, &broken) == BILLCHECK_ERROR_BOOK &&
                strstr(billcheck_last_error_message(), "JSON syntax error") != NULL;
  if (!from_path || !from_text || strcmp(from_path, expected_from_path) != 0 ||
      strcmp(from_text, expected_from_text) != 0 || !refused) {
    fprintf(stderr, "after exit: the JSON book's report differs from the one before exit, or an error was lost\n");
    _Exit(1);
  }
  billcheck_free(from_path);
  billcheck_free(from_text);
  billcheck_free(expected_from_path);
  billcheck_free(expected_from_text);
  free(book_text);
  puts("ok after exit");
}

int main(void) {
  billcheck_set_log_level(-1);
  book_text = slurp(BOOK_PATH);
  expected_from_path = book_text ? check_json_book(NULL) : NULL;
  expected_from_text = book_text ? check_json_book(book_text) : NULL;
  /* The book has findings: the rules (plugins' and packs') ran before exit on
   * this thread, the lists pack's too (the handler's report must match it). */
  if (!expected_from_path || !expected_from_text || !strstr(expected_from_path, "\"rule\"") ||
      !strstr(expected_from_path, LISTS_MESSAGE)) {
    fprintf(stderr, "the JSON book %s did not check before exit\n", BOOK_PATH);
    return 1;
  }
  /* After the library's first use, as docs/hosting.md asks (the statics of the
   * libraries it reads with, made on first use, then outlive the handler). */
  atexit(check_at_exit);
  puts("ok");
  return 0;
}
