"""How a program in another language calls libbillcheck, here Python's ctypes: the
same calls as check_book.c, for .NET, Java or Node.js to copy (docs/hosting.md).

    python3 check_book.py LIBBILLCHECK BOOK

Prints the report JSON, as `billcheck check BOOK --format json` does."""

import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])  # e.g. /usr/local/lib/libbillcheck.so.1
handle = ctypes.POINTER(ctypes.c_void_p)
lib.billcheck_engine_new_for_book.argtypes = [ctypes.c_char_p, handle]
lib.billcheck_book_from_path.argtypes = [ctypes.c_char_p, ctypes.c_char_p, handle]
lib.billcheck_check.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, handle]
lib.billcheck_last_error_json.restype = ctypes.c_char_p
lib.billcheck_free.argtypes = lib.billcheck_engine_free.argtypes = lib.billcheck_book_free.argtypes = [ctypes.c_void_p]


def call(function, *args):
    """Calls a function whose last parameter is its output; raises with the error JSON on failure."""
    out = ctypes.c_void_p()
    if function(*args, ctypes.byref(out)) != 0:
        raise RuntimeError(lib.billcheck_last_error_json().decode())
    return out


path = sys.argv[2].encode()
engine = call(lib.billcheck_engine_new_for_book, path)
book = call(lib.billcheck_book_from_path, path, None)
try:
    report = call(lib.billcheck_check, engine, book, b'{"jobs": 2}')
    sys.stdout.write(ctypes.string_at(report).decode())
    lib.billcheck_free(report)
finally:
    lib.billcheck_book_free(book)
    lib.billcheck_engine_free(engine)
