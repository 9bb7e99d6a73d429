/*
 * libbillcheck called from an atexit handler that the host registered BEFORE
 * its first call into the library. exit() runs handlers in the reverse order
 * of their registration, destroying on the way the statics made on first use
 * (yaml-cpp's scanner patterns, the library's own tables): by the time such a
 * handler runs they are gone. Before, its check hung in yaml-cpp's scanner (or
 * crashed); now every call says so, with what to do, and the handler goes on.
 * Run as the ctest entry capi.c_exit_early (with a timeout: the old failure
 * was a hang) from the source folder; built also under ASan and UBSan.
 *
 *   capi_exit_early_test   (prints "ok" then "ok after exit" and exits 0, or names the failure)
 */
#include <billcheck/billcheck.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOOK_PATH "tests/data/load/good.json"
#define CONFIG_PATH "examples/firm/billcheck.yaml"
#define OPTIONS "{\"jobs\": 1, \"today\": \"2026-03-01\"}"

/* The status of checking the JSON book; its report in *report on success. */
static int check_json_book(char **report) {
  billcheck_engine *engine = NULL;
  billcheck_book *book = NULL;
  int status = billcheck_engine_new(CONFIG_PATH, &engine);
  if (status == BILLCHECK_OK) status = billcheck_book_from_path(BOOK_PATH, NULL, &book);
  if (status == BILLCHECK_OK) status = billcheck_check(engine, book, OPTIONS, report);
  billcheck_book_free(book);
  billcheck_engine_free(engine);
  return status;
}

static void check_at_exit(void) {
  char *report = NULL;
  const int status = check_json_book(&report);
  const char *message = billcheck_last_error_message();
  if (status != BILLCHECK_ERROR_FAILED || report != NULL || billcheck_last_error_code() != BILLCHECK_ERROR_FAILED ||
      strstr(message, "atexit handler registered before the program's first call") == NULL ||
      strstr(message, "Register the handler after the first call (docs/hosting.md, Exit)") == NULL ||
      strstr(billcheck_last_error_json(), "\"code\":\"failed\"") == NULL) {
    fprintf(stderr, "after exit: expected the 'registered before the first call' error, got status %d: %s\n", status,
            message);
    _Exit(1);
  }
  /* The calls that hold no state still work. */
  if (strcmp(billcheck_version(), "") == 0) _Exit(1);
  billcheck_free(NULL);
  puts("ok after exit");
}

int main(void) {
  atexit(check_at_exit); /* before the first call: what docs/hosting.md asks hosts not to do */
  billcheck_set_log_level(-1);
  char *report = NULL;
  if (check_json_book(&report) != BILLCHECK_OK || !strstr(report, "\"rule\"")) {
    fprintf(stderr, "the JSON book %s did not check before exit: %s\n", BOOK_PATH, billcheck_last_error_message());
    return 1;
  }
  billcheck_free(report);
  puts("ok");
  return 0;
}
