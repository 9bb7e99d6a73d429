/*
 * libbillcheck called from C the wrong way and from many threads: each misuse
 * is a status and a message, never a crash, and eight threads sharing one
 * engine and one book get the same report, and calls from an atexit handler
 * work as before exit. Run as the ctest entry
 * capi.c_safety from the source folder; built also under ASan and UBSan
 * (docs/hosting.md says how).
 *
 *   capi_safety_test   (prints "ok" and exits 0, or names the first failure)
 */
#include <billcheck/billcheck.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define EXPECT(cond)                                                          \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: expected %s; last error: %s\n", __FILE__, __LINE__, #cond, \
              billcheck_last_error_json());                                   \
      ++failures;                                                             \
    }                                                                         \
  } while (0)

static int contains(const char *text, const char *part) { return text && strstr(text, part) != NULL; }

static billcheck_engine *engine;
static billcheck_book *book;
static char *expected;

static void misuse(void) {
  billcheck_engine *e = (billcheck_engine *)1;
  billcheck_book *b = (billcheck_book *)1;
  char *out = (char *)1;
  char *second = (char *)1;

  /* NULL everywhere a value is needed: a status, a message, the output NULL. */
  EXPECT(billcheck_check(NULL, book, NULL, &out) == BILLCHECK_ERROR_ARGUMENT && out == NULL);
  EXPECT(strcmp(billcheck_last_error_message(), "engine is NULL") == 0);
  EXPECT(contains(billcheck_last_error_json(), "\"code\":\"bad_request\""));
  EXPECT(billcheck_check(engine, NULL, NULL, &out) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_check(engine, book, NULL, NULL) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_check_invoice(engine, book, NULL, NULL, &out) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_book_from_json(NULL, NULL, &b) == BILLCHECK_ERROR_ARGUMENT && b == NULL);
  EXPECT(billcheck_book_from_path(NULL, NULL, &b) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_engine_new_from_yaml(NULL, NULL, &e) == BILLCHECK_ERROR_ARGUMENT && e == NULL);
  EXPECT(billcheck_engine_new_for_book(NULL, &e) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_explain(engine, book, NULL, NULL, &out) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_letter(engine, book, NULL, NULL, &out) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_fix(engine, book, NULL, &out, NULL) == BILLCHECK_ERROR_ARGUMENT);
  billcheck_free(NULL);
  billcheck_book_free(NULL);
  billcheck_engine_free(NULL);

  /* Malformed JSON books: the located problem. */
  EXPECT(billcheck_book_from_json("{\"invoices\": [", NULL, &b) == BILLCHECK_ERROR_BOOK && b == NULL);
  EXPECT(contains(billcheck_last_error_json(), "\"file\":\"book.json\",\"line\":1"));
  EXPECT(contains(billcheck_last_error_message(), "JSON syntax error"));
  EXPECT(billcheck_book_from_json("", NULL, &b) == BILLCHECK_ERROR_BOOK);
  EXPECT(billcheck_book_from_json("\xff\xfe", NULL, &b) == BILLCHECK_ERROR_BOOK);
  EXPECT(billcheck_book_from_json("{\"invoices\": [{\"invoice_id\": {}}]}", "{\"name\": \"x.json\"}", &b) ==
         BILLCHECK_ERROR_BOOK);
  EXPECT(contains(billcheck_last_error_json(), "\"file\":\"x.json\""));
  EXPECT(billcheck_book_from_json("{}", "{\"name\": 3}", &b) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_book_from_path("no/such/book.json", NULL, &b) == BILLCHECK_ERROR_BOOK);

  /* An unknown invoice, client or line. */
  EXPECT(billcheck_check_invoice(engine, book, "NOPE-1", NULL, &out) == BILLCHECK_ERROR_UNKNOWN_RECORD);
  EXPECT(strcmp(billcheck_last_error_message(), "no invoice 'NOPE-1' in the book") == 0);
  EXPECT(billcheck_explain(engine, book, "HR-115", "{\"line\": 99}", &out) == BILLCHECK_ERROR_UNKNOWN_RECORD);
  EXPECT(billcheck_letter(engine, book, "C-NOPE", NULL, &out) == BILLCHECK_ERROR_UNKNOWN_RECORD);

  /* A bad config, bad options. */
  EXPECT(billcheck_engine_new_from_yaml("rules: [", NULL, &e) == BILLCHECK_ERROR_CONFIG && e == NULL);
  EXPECT(billcheck_engine_new("no/such/billcheck.yaml", &e) == BILLCHECK_ERROR_CONFIG);
  EXPECT(billcheck_check(engine, book, "{\"jobs\": 1e9}", &out) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_check(engine, book, "not json", &out) == BILLCHECK_ERROR_ARGUMENT);
  EXPECT(billcheck_set_log_level(7) == BILLCHECK_ERROR_ARGUMENT);

  /* After a success, no error is left. */
  EXPECT(billcheck_fix(engine, book, "{\"today\": \"2026-03-01\"}", &out, &second) == BILLCHECK_OK);
  EXPECT(billcheck_last_error_code() == BILLCHECK_OK && strcmp(billcheck_last_error_message(), "") == 0);
  billcheck_free(out);
  billcheck_free(second);
}

/* A host's clean-up in an atexit handler may still call the library, after
 * exit() has run the thread-local destructors (the last error's among them,
 * whose strings it then wrote to: a heap-use-after-free under ASan, "double
 * free detected" without). Each call is still a status and a message. */
static void after_exit(void) {
  char *out = (char *)1;
  int ok = billcheck_check(NULL, NULL, NULL, &out) == BILLCHECK_ERROR_ARGUMENT && out == NULL &&
           strcmp(billcheck_last_error_message(), "engine is NULL") == 0 &&
           billcheck_set_log_level(7) == BILLCHECK_ERROR_ARGUMENT &&
           contains(billcheck_last_error_message(), "the log level must be -1") &&
           contains(billcheck_last_error_json(), "\"code\":\"bad_request\"") &&
           billcheck_set_log_level(-1) == BILLCHECK_OK && billcheck_last_error_code() == BILLCHECK_OK &&
           strcmp(billcheck_last_error_message(), "") == 0;
  if (!ok) {
    fprintf(stderr, "after exit: a call did not give its status and message\n");
    _Exit(1);
  }
  puts("ok after exit");
}

static void *check_many_times(void *arg) {
  int *ok = arg;
  for (int i = 0; i < 5; ++i) {
    char *report = NULL;
    char *one = NULL;
    *ok &= billcheck_check(engine, book, "{\"jobs\": 2}", &report) == BILLCHECK_OK && strcmp(report, expected) == 0;
    *ok &= billcheck_check_invoice(engine, book, "HR-115", NULL, &one) == BILLCHECK_OK && contains(one, "HR-115");
    billcheck_free(one);
    *ok &= billcheck_check_invoice(engine, book, "NOPE", NULL, &one) == BILLCHECK_ERROR_UNKNOWN_RECORD && !one;
    billcheck_free(report);
  }
  return NULL;
}

int main(void) {
  enum { kThreads = 8 };
  pthread_t threads[kThreads];
  int ok[kThreads];

  atexit(after_exit);
  billcheck_set_log_level(-1);
  if (billcheck_engine_new_for_book("examples/firm", &engine) != BILLCHECK_OK ||
      billcheck_book_from_path("examples/firm", NULL, &book) != BILLCHECK_OK ||
      billcheck_check(engine, book, NULL, &expected) != BILLCHECK_OK) {
    fprintf(stderr, "the example firm did not check: %s\n", billcheck_last_error_json());
    return 1;
  }
  misuse();

  for (int i = 0; i < kThreads; ++i) {
    ok[i] = 1;
    pthread_create(&threads[i], NULL, check_many_times, &ok[i]);
  }
  for (int i = 0; i < kThreads; ++i) {
    pthread_join(threads[i], NULL);
    EXPECT(ok[i]);
  }

  billcheck_free(expected);
  billcheck_book_free(book);
  billcheck_engine_free(engine);
  if (failures) return 1;
  puts("ok");
  return 0;
}
