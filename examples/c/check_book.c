/*
 * How a program in C (or any language that calls C) checks a book through
 * libbillcheck: build the engine once, load the book, check it, print the
 * report JSON. The output is what `billcheck check BOOK --format json` prints.
 *
 *   check_book_c BOOK [INVOICE]
 *
 * BOOK is a CSV folder, a .json file or a LEDES 1998B file; the billcheck.yaml
 * beside it is used, as by the CLI. With INVOICE, only that invoice is checked.
 * Exit status: 0 when the report was printed, 2 with the error on stderr.
 */
#include <billcheck/billcheck.h>

#include <stdio.h>

/* Prints the thread's last error: its message, then each located problem. */
static int report_error(const char *what) {
  fprintf(stderr, "check_book_c: %s: %s\n", what, billcheck_last_error_message());
  if (billcheck_last_error_code() == BILLCHECK_ERROR_BOOK || billcheck_last_error_code() == BILLCHECK_ERROR_CONFIG)
    fprintf(stderr, "%s\n", billcheck_last_error_json());
  return 2;
}

int main(int argc, char **argv) {
  billcheck_engine *engine = NULL;
  billcheck_book *book = NULL;
  char *report = NULL;
  int status = 2;

  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: check_book_c BOOK [INVOICE]\n");
    return 2;
  }
  if (billcheck_abi_major() != BILLCHECK_C_ABI_MAJOR) {
    fprintf(stderr, "check_book_c: libbillcheck has ABI %d, this program was built for %d\n", billcheck_abi_major(),
            BILLCHECK_C_ABI_MAJOR);
    return 2;
  }

  if (billcheck_engine_new_for_book(argv[1], &engine) != BILLCHECK_OK) {
    status = report_error("the engine was not built");
  } else if (billcheck_book_from_path(argv[1], NULL, &book) != BILLCHECK_OK) {
    status = report_error("the book was not loaded");
  } else if ((argc == 3 ? billcheck_check_invoice(engine, book, argv[2], NULL, &report)
                        : billcheck_check(engine, book, NULL, &report)) != BILLCHECK_OK) {
    status = report_error("the check failed");
  } else {
    fputs(report, stdout);
    status = fflush(stdout) == 0 ? 0 : 2;
  }

  billcheck_free(report);
  billcheck_book_free(book);
  billcheck_engine_free(engine);
  return status;
}
