"""libbillcheck through ctypes, as a program in another language calls it: a report
identical to the CLI's, the located problems of a book that does not load, a status
and a message (never a crash) for every misuse, and one engine shared by many threads.

The library is found through BILLCHECK_C_LIB (the ctest entry sets it), else in the
build tree beside the engine (build/lib)."""

import ctypes
import json
import os
import pathlib
import threading

import pytest

from conftest import BUILD, ROOT, SMALL_BOOK

OK, ERROR_ARGUMENT, ERROR_BOOK, ERROR_CONFIG, ERROR_UNKNOWN_RECORD = 0, 1, 2, 3, 4


def library_path():
    path = os.environ.get("BILLCHECK_C_LIB") or str(BUILD / "lib" / "libbillcheck.so.1")
    assert os.path.exists(path), f"no libbillcheck at {path}; set BILLCHECK_C_LIB"
    return path


class BillcheckError(Exception):
    def __init__(self, status, lib):
        self.status = status
        self.code = lib.billcheck_last_error_code()
        self.message = lib.billcheck_last_error_message().decode()
        self.error = json.loads(lib.billcheck_last_error_json())["error"]
        super().__init__(f"{status}: {self.message}")


class Lib:
    """The C API with its signatures, and the calling conventions of docs/hosting.md."""

    def __init__(self, path):
        lib = ctypes.CDLL(path)
        handle, text, out = ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)
        signatures = {
            "billcheck_version": (text, []),
            "billcheck_abi_major": (ctypes.c_int, []),
            "billcheck_abi_minor": (ctypes.c_int, []),
            "billcheck_last_error_code": (ctypes.c_int, []),
            "billcheck_last_error_message": (text, []),
            "billcheck_last_error_json": (text, []),
            "billcheck_free": (None, [ctypes.c_void_p]),
            "billcheck_set_log_level": (ctypes.c_int, [ctypes.c_int]),
            "billcheck_engine_new": (ctypes.c_int, [text, out]),
            "billcheck_engine_new_from_yaml": (ctypes.c_int, [text, text, out]),
            "billcheck_engine_new_for_book": (ctypes.c_int, [text, out]),
            "billcheck_engine_free": (None, [handle]),
            "billcheck_book_from_json": (ctypes.c_int, [text, text, out]),
            "billcheck_book_from_path": (ctypes.c_int, [text, text, out]),
            "billcheck_book_free": (None, [handle]),
            "billcheck_check": (ctypes.c_int, [handle, handle, text, out]),
            "billcheck_check_invoice": (ctypes.c_int, [handle, handle, text, text, out]),
            "billcheck_explain": (ctypes.c_int, [handle, handle, text, text, out]),
            "billcheck_letter": (ctypes.c_int, [handle, handle, text, text, out]),
            "billcheck_fix": (ctypes.c_int, [handle, handle, text, out, out]),
        }
        for name, (restype, argtypes) in signatures.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        self.lib = lib

    def __getattr__(self, name):
        return getattr(self.lib, "billcheck_" + name)

    def call(self, name, *args):
        """Calls a function whose last parameter is an output; returns the output (a handle)."""
        result = ctypes.c_void_p()
        status = getattr(self, name)(*args, ctypes.byref(result))
        if status != OK:
            assert result.value is None, f"{name} failed but set its output"
            raise BillcheckError(status, self.lib)
        return result.value

    def text(self, name, *args):
        """Calls a function that returns text; returns it as str, released with billcheck_free."""
        pointer = self.call(name, *args)
        try:
            return ctypes.string_at(pointer).decode()
        finally:
            self.free(pointer)


def encode(value):
    return None if value is None else (json.dumps(value) if isinstance(value, dict) else str(value)).encode()


@pytest.fixture(scope="module")
def lib():
    return Lib(library_path())


@pytest.fixture(scope="module")
def firm_engine(lib):
    engine = lib.call("engine_new_for_book", b"examples/firm")
    yield engine
    lib.engine_free(engine)


@pytest.fixture
def firm_book(lib, monkeypatch):
    monkeypatch.chdir(ROOT)  # findings' locations are relative, as the CLI's from the repository
    book = lib.call("book_from_path", b"examples/firm", None)
    yield book
    lib.book_free(book)


def test_version_and_abi(lib, run_cli):
    assert run_cli("--version").stdout.strip() == "billcheck " + lib.version().decode()
    header = (ROOT / "host" / "capi" / "include" / "billcheck" / "billcheck.h").read_text()
    assert f"#define BILLCHECK_C_ABI_MAJOR {lib.abi_major()}\n" in header
    assert f"#define BILLCHECK_C_ABI_MINOR {lib.abi_minor()}\n" in header
    # The SONAME carries the ABI's major.
    assert pathlib.Path(library_path()).name == f"libbillcheck.so.{lib.abi_major()}"


def test_report_is_the_clis(lib, firm_engine, firm_book, run_cli):
    report = lib.text("check", firm_engine, firm_book, None)
    assert report == run_cli("check", "examples/firm", "--format", "json").stdout
    assert json.loads(report)["findings"]


@pytest.mark.parametrize("fmt", ["text", "html", "csv"])
def test_report_in_each_format_is_the_clis(lib, firm_engine, firm_book, run_cli, fmt):
    options = {"format": fmt, "title": "examples/firm"} if fmt == "html" else {"format": fmt}
    report = lib.text("check", firm_engine, firm_book, encode(options))
    assert report == run_cli("check", "examples/firm", "--format", fmt, "--color", "never").stdout


def test_one_invoice_is_the_clis(lib, firm_engine, firm_book, run_cli):
    report = lib.text("check_invoice", firm_engine, firm_book, b"HR-115", encode({"jobs": 1}))
    assert report == run_cli("check", "examples/firm", "--invoice", "HR-115", "--format", "json").stdout
    assert {f["invoice"] for f in json.loads(report)["findings"]} == {"HR-115"}


def test_json_book_is_the_clis(lib, tmp_path, run_cli):
    (tmp_path / "small.json").write_text(json.dumps(SMALL_BOOK, indent=1))
    engine = lib.call("engine_new", None)
    book = lib.call("book_from_json", encode(json.dumps(SMALL_BOOK, indent=1)), encode({"name": "small.json"}))
    try:
        report = lib.text("check", engine, book, None)
    finally:
        lib.book_free(book)
        lib.engine_free(engine)
    assert report == run_cli("check", "small.json", "--format", "json", cwd=tmp_path).stdout


def test_ledes_file_with_reference_is_the_clis(lib, tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    ledes = tmp_path / "firm.ledes"
    assert run_cli("convert", "examples/firm", ledes).returncode == 0
    engine = lib.call("engine_new", b"examples/firm/billcheck.yaml")
    book = lib.call("book_from_path", str(ledes).encode(), encode({"with": "examples/firm", "currency": "EUR"}))
    try:
        report = lib.text("check", engine, book, None)
    finally:
        lib.book_free(book)
        lib.engine_free(engine)
    assert report == run_cli("check", ledes, "--with", "examples/firm", "--currency", "EUR",
                             "-c", "examples/firm/billcheck.yaml", "--format", "json").stdout
    with pytest.raises(BillcheckError) as error:
        lib.call("book_from_path", str(ledes).encode(), encode({"currency": "eur"}))
    assert error.value.status == ERROR_ARGUMENT
    assert error.value.message == "option 'currency': 'eur' is not an ISO 4217 currency code (codes are upper case: EUR)"


def test_book_files_over_the_limit_are_refused(lib, monkeypatch):
    monkeypatch.chdir(ROOT)
    with pytest.raises(BillcheckError) as error:
        lib.call("book_from_path", b"examples/firm", encode({"max_file_bytes": 100}))
    assert error.value.status == ERROR_BOOK
    assert "examples/firm/" in error.value.error["problems"][0].get("file", error.value.message)
    with pytest.raises(BillcheckError) as error:
        lib.call("book_from_path", b"/dev/zero", None)
    assert error.value.status == ERROR_BOOK
    with pytest.raises(BillcheckError) as error:
        lib.call("book_from_path", b"examples/firm", encode({"max_file_bytes": 0}))
    assert error.value.status == ERROR_ARGUMENT


def test_config_from_yaml_text(lib, firm_book):
    engine = lib.call("engine_new_from_yaml", b"rules:\n  arithmetic.line-amount: off\n", None)
    try:
        report = json.loads(lib.text("check", engine, firm_book, None))
    finally:
        lib.engine_free(engine)
    assert report["findings"]
    assert "arithmetic.line-amount" not in {f["rule"] for f in report["findings"]}


def test_broken_book_gives_every_located_problem(lib):
    text = '{"invoices": [\n  {"invoice_id": "I1", "client_id": "C1", "issue_date": "2026-02-30",\n' \
           '   "currency": "USD", "total": "1,000.00"}\n]}\n'
    with pytest.raises(BillcheckError) as error:
        lib.call("book_from_json", text.encode(), encode({"name": "broken.json"}))
    e = error.value
    assert (e.status, e.code, e.error["code"]) == (ERROR_BOOK, ERROR_BOOK, "bad_book")
    assert e.message.startswith("the book was not loaded: 2 problems; the first: broken.json:2: ")
    assert e.error["problems"] == [
        {"file": "broken.json", "line": 2,
         "message": "column 'issue_date': '2026-02-30' is not a valid date (expected YYYY-MM-DD)"},
        {"file": "broken.json", "line": 3,
         "message": "column 'total': '1,000.00' is not a decimal number (use '.' as the separator, "
                    "no thousands separators or currency symbols)"},
    ]


@pytest.mark.parametrize("text", ["{", "", "[1, 2]", '{"invoices": [}', "\xff"])
def test_malformed_json_is_a_status(lib, text):
    with pytest.raises(BillcheckError) as error:
        lib.call("book_from_json", text.encode("latin-1"), None)
    assert error.value.status == ERROR_BOOK
    assert error.value.error["problems"][0]["file"] == "book.json"


def test_book_path_that_is_not_there(lib, tmp_path):
    with pytest.raises(BillcheckError) as error:
        lib.call("book_from_path", str(tmp_path / "nope.json").encode(), None)
    assert error.value.status == ERROR_BOOK
    assert "nope.json" in error.value.message


def test_bad_config_gives_located_problems(lib):
    with pytest.raises(BillcheckError) as error:
        lib.call("engine_new_from_yaml", b"rules:\n  no-such.rule: off\n", b"/firm/billcheck.yaml")
    e = error.value
    assert e.status == ERROR_CONFIG and e.error["code"] == "bad_config"
    assert e.error["problems"][0]["file"] == "/firm/billcheck.yaml"
    assert e.error["problems"][0]["line"] == 2 and e.error["problems"][0]["column"] >= 1
    assert "no-such.rule" in e.error["problems"][0]["message"]


def test_unknown_invoice_is_a_status(lib, firm_engine, firm_book):
    with pytest.raises(BillcheckError) as error:
        lib.call("check_invoice", firm_engine, firm_book, b"NOPE-1", None)
    assert error.value.status == ERROR_UNKNOWN_RECORD
    assert error.value.message == "no invoice 'NOPE-1' in the book"
    assert error.value.error == {"code": "unknown_record", "message": "no invoice 'NOPE-1' in the book",
                                 "problems": []}
    # The message is UTF-8 even when the id echoed back is not, as the JSON says it.
    with pytest.raises(BillcheckError) as error:
        lib.call("check_invoice", firm_engine, firm_book, b"INV-\xff", None)
    assert error.value.message == "no invoice 'INV-\ufffd' in the book"


def test_null_pointers_are_a_status(lib, firm_engine, firm_book):
    cases = [
        ("check", (None, firm_book, None), "engine is NULL"),
        ("check", (firm_engine, None, None), "book is NULL"),
        ("check_invoice", (firm_engine, firm_book, None, None), "invoice_id is NULL"),
        ("book_from_json", (None, None), "json is NULL"),
        ("book_from_path", (None, None), "path is NULL"),
        ("engine_new_from_yaml", (None, None), "yaml is NULL"),
        ("engine_new_for_book", (None,), "book_path is NULL"),
        ("explain", (firm_engine, firm_book, None, None), "invoice_id is NULL"),
        ("letter", (firm_engine, firm_book, None, None), "client_id is NULL"),
    ]
    for name, args, message in cases:
        with pytest.raises(BillcheckError) as error:
            lib.call(name, *args)
        assert (error.value.status, error.value.message) == (ERROR_ARGUMENT, message), name
        assert error.value.error["code"] == "bad_request"
    # A NULL output parameter.
    assert lib.check(firm_engine, firm_book, None, None) == ERROR_ARGUMENT
    assert lib.last_error_message() == b"report_json is NULL"
    # Freeing NULL is allowed.
    lib.free(None)
    lib.book_free(None)
    lib.engine_free(None)


@pytest.mark.parametrize("options,message", [
    ("[]", "the options are not a JSON object"),
    ("{not json", "the options are not a JSON object"),
    ('{"job": 2}', "unknown option 'job' (this call takes \"jobs\", \"today\", \"format\" and \"title\")"),
    ('{"format": "xlsx"}', "option 'format' must be json, text, html or csv, not 'xlsx'"),
    ('{"jobs": -1}', "option 'jobs' must be a number of threads from 0 to 1024"),
    ('{"jobs": "2"}', "option 'jobs' must be a whole number"),
    ('{"today": "tomorrow"}', "option 'today' must be a date as \"YYYY-MM-DD\""),
    ('{"jobs": 18446744073709551615}', "option 'jobs' is out of range (at most 9223372036854775807)"),
])
def test_bad_options_are_a_status(lib, firm_engine, firm_book, options, message):
    with pytest.raises(BillcheckError) as error:
        lib.call("check", firm_engine, firm_book, options.encode())
    assert error.value.status == ERROR_ARGUMENT
    assert error.value.message.startswith(message)


def test_success_clears_the_last_error(lib, firm_engine, firm_book):
    assert lib.check_invoice(firm_engine, firm_book, b"NOPE", None, ctypes.byref(ctypes.c_void_p())) != OK
    assert lib.last_error_code() == ERROR_UNKNOWN_RECORD
    lib.text("check_invoice", firm_engine, firm_book, b"HR-115", None)
    assert (lib.last_error_code(), lib.last_error_message(), lib.last_error_json()) == (OK, b"", b"")


def test_one_engine_and_book_from_many_threads(lib, firm_engine, firm_book):
    expected = lib.text("check", firm_engine, firm_book, None)
    invoices = [b"HR-115", b"NW-2025-05"]
    expected_invoice = {i: lib.text("check_invoice", firm_engine, firm_book, i, None) for i in invoices}
    results, failures = [], []

    def worker(n):
        try:
            for round in range(3):
                invoice = invoices[(n + round) % 2]
                results.append(lib.text("check", firm_engine, firm_book, encode({"jobs": 2})) == expected)
                results.append(lib.text("check_invoice", firm_engine, firm_book, invoice, None)
                               == expected_invoice[invoice])
                # Each thread has its own last error: a failure here does not touch the others'.
                with pytest.raises(BillcheckError) as error:
                    lib.call("check_invoice", firm_engine, firm_book, f"NOPE-{n}".encode(), None)
                results.append(error.value.message == f"no invoice 'NOPE-{n}' in the book")
        except Exception as e:  # noqa: BLE001 - reported below, from the main thread
            failures.append(repr(e))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(results) == 8 * 3 * 3 and all(results)


def test_explain_and_letter_are_the_clis(lib, firm_engine, firm_book, run_cli):
    explained = lib.text("explain", firm_engine, firm_book, b"HR-115", encode({"line": 3}))
    assert explained == run_cli("explain", "examples/firm", "--invoice", "HR-115", "--line", "3").stdout
    letter = lib.text("letter", firm_engine, firm_book, b"C-300",
                      encode({"invoices": ["HR-115"], "format": "md", "date": "2026-03-02"}))
    assert "HR-115" in letter and "Ashford & Vale LLP" in letter
    with pytest.raises(BillcheckError) as error:
        lib.call("letter", firm_engine, firm_book, b"C-NOPE", None)
    assert error.value.status == ERROR_UNKNOWN_RECORD
    with pytest.raises(BillcheckError) as error:
        lib.call("explain", firm_engine, firm_book, b"HR-115", encode({"format": "pdf"}))
    assert error.value.status == ERROR_ARGUMENT


def fix_texts(lib, engine, book, options=None):
    """billcheck_fix's two outputs (the corrected book JSON, the summary), freed with the library's own free."""
    corrected, summary = ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.fix(engine, book, options, ctypes.byref(corrected), ctypes.byref(summary)) == OK
    try:
        return tuple(ctypes.string_at(p).decode() for p in (corrected, summary))
    finally:
        lib.free(corrected)
        lib.free(summary)


def test_fix_is_the_clis(lib, firm_engine, firm_book, run_cli, tmp_path):
    book_json, summary_text = fix_texts(lib, firm_engine, firm_book)
    out = tmp_path / "fixed.json"
    result = run_cli("fix", "examples/firm", "--out", out, "--to", "json")
    assert result.returncode == 0, result.stderr
    assert (book_json, summary_text) == (out.read_text(), result.stdout)
    # The corrected book loads back, and its credit notes remedy findings of the issued invoices.
    fixed = lib.call("book_from_json", book_json.encode(), None)
    try:
        after = json.loads(lib.text("check", firm_engine, fixed, None))
    finally:
        lib.book_free(fixed)
    assert any(f.get("remedy", {}).get("kind") == "credit_note" for f in after["findings"])
    # A failure sets neither output.
    corrected, summary = ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.fix(firm_engine, firm_book, b'{"format": "html"}', ctypes.byref(corrected),
                   ctypes.byref(summary)) == ERROR_ARGUMENT
    assert corrected.value is None and summary.value is None
    assert lib.fix(firm_engine, firm_book, None, None, ctypes.byref(summary)) == ERROR_ARGUMENT
    assert lib.last_error_message() == b"book_json is NULL"


def test_fix_reissue_is_the_clis(lib, firm_engine, firm_book, run_cli, tmp_path):
    book_json, summary_text = fix_texts(lib, firm_engine, firm_book, b'{"reissue": true, "today": "2026-01-15"}')
    out = tmp_path / "fixed.json"
    result = run_cli("fix", "examples/firm", "--out", out, "--to", "json", "--reissue", "--today", "2026-01-15")
    assert result.returncode == 0, result.stderr
    assert (book_json, summary_text) == (out.read_text(), result.stdout)
    assert "replaced by draft invoice NW-2025-07-R1" in summary_text
    corrected, summary = ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.fix(firm_engine, firm_book, b'{"reissue": 1}', ctypes.byref(corrected),
                   ctypes.byref(summary)) == ERROR_ARGUMENT
    assert lib.last_error_message() == b"option 'reissue' must be true or false"


@pytest.mark.parametrize("reissue", [False, True])
def test_fix_with_goodwill_is_the_clis(lib, firm_book, run_cli, tmp_path, reissue):
    # docs/remedies.md's goodwill.yaml: the example firm's config and a goodwill policy.
    config = tmp_path / "goodwill.yaml"
    config.write_text((ROOT / "examples" / "firm" / "billcheck.yaml").read_text() + "remedies:\n  goodwill: {percent: 5, "
                      "cap: {USD: 200, EUR: 500, JPY: 10000}, min_overcharge: 100, approve_above: {EUR: 400}}\n")
    engine = lib.call("engine_new", str(config).encode())
    options = json.dumps({"reissue": reissue, "today": "2026-01-15"}).encode()
    try:
        book_json, summary_text = fix_texts(lib, engine, firm_book, options)
    finally:
        lib.engine_free(engine)
    out = tmp_path / "fixed.json"
    result = run_cli("fix", "examples/firm", "--out", out, "--to", "json", "--today", "2026-01-15", "-c", config,
                     *(["--reissue"] if reissue else []))
    assert result.returncode == 0, result.stderr
    assert (book_json, summary_text) == (out.read_text(), result.stdout)
    assert "Of which goodwill: JPY 10000\n" in summary_text
    on = "NW-2025-07-R1" if reissue else "NW-2025-07"
    assert any(n["invoice_id"] == on and n.get("reason_code") == "goodwill" for n in json.loads(book_json)["credit_notes"])


def test_only_the_c_api_is_exported():
    import subprocess

    symbols = subprocess.run(["nm", "-D", "--defined-only", library_path()], capture_output=True, text=True,
                             check=True).stdout.split("\n")
    names = {line.split()[-1].split("@")[0] for line in symbols if line.strip()}
    names.discard("BILLCHECK_1")
    assert names and all(name.startswith("billcheck_") for name in names), sorted(names)
    header = (ROOT / "host" / "capi" / "include" / "billcheck" / "billcheck.h").read_text()
    assert all(f" {name}(" in header or f"*{name}(" in header for name in names), sorted(names)


def test_python_example_prints_the_clis_report(run_python, run_cli):
    result = run_python(ROOT / "examples" / "c" / "check_book.py", library_path(), "examples/firm")
    assert result.returncode == 0, result.stderr
    assert result.stdout == run_cli("check", "examples/firm", "--format", "json").stdout
    # A book that does not load: the error JSON, with its located problems.
    result = run_python(ROOT / "examples" / "c" / "check_book.py", library_path(), "tests/data/load/errors.json")
    assert result.returncode == 1
    assert '"code":"bad_book"' in result.stderr and '"file":"tests/data/load/errors.json"' in result.stderr


def test_hosting_doc_shows_the_tested_examples():
    import re

    doc = (ROOT / "docs" / "hosting.md").read_text()
    shown = re.findall(r"<!-- from (\S+) -->\n```\w+\n(.*?)\n```", doc, re.S)
    assert {path for path, _ in shown} == {"examples/c/check_book.c", "examples/c/check_book.py"}
    for path, code in shown:
        assert code in (ROOT / path).read_text(), f"docs/hosting.md shows code that is not in {path}"
