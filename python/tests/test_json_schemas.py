"""The published JSON Schemas (docs/schema/) hold for what billcheck really reads and
writes: the CLI's and the C API's reports on the example firm and on test books (with
waived and remedied findings), the C API's errors, and the JSON books billcheck loads;
books the loader refuses are refused by the book schema too."""

import json
import shutil

import jsonschema
import pytest

from conftest import ROOT, SMALL_BOOK
from test_capi import BillcheckError, Lib, encode, library_path

SCHEMAS = ROOT / "docs" / "schema"


def validator(name):
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def report_schema():
    return validator("report.schema.json")


@pytest.fixture(scope="module")
def book_schema():
    return validator("book.schema.json")


@pytest.fixture(scope="module")
def error_schema():
    return validator("error.schema.json")


@pytest.fixture(scope="module")
def lib():
    return Lib(library_path())


def cli_report(run_cli, *args, cwd=ROOT):
    result = run_cli("check", *args, "--format", "json", cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_the_schemas_are_2020_12(report_schema, book_schema, error_schema):
    for name in ("report.schema.json", "book.schema.json", "error.schema.json"):
        assert json.loads((SCHEMAS / name).read_text())["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("args", [
    ["examples/firm"],
    ["examples/firm", "--invoice", "HR-115"],
    ["tests/data/engine/book"],
    ["tests/data/load/good.json"],
    ["tests/data/remedies/draft-book"],
    ["tests/data/causes/book"],  # with "causes"
])
def test_cli_reports_follow_the_schema(report_schema, run_cli, args):
    report_schema.validate(cli_report(run_cli, *args))


def test_waived_and_remedied_findings_follow_the_schema(report_schema, run_cli, tmp_path):
    # A fixed book: its credit notes remedy findings of issued invoices.
    fixed = tmp_path / "fixed"
    result = run_cli("fix", "examples/firm", "--out", fixed)
    assert result.returncode == 0, result.stderr
    report = cli_report(run_cli, fixed, "-c", "examples/firm/billcheck.yaml")
    assert any("remedy" in f for f in report["findings"])
    report_schema.validate(report)
    # A config that waives a finding, with and without an expiry.
    first, second = cli_report(run_cli, "examples/firm")["findings"][:2]
    config = tmp_path / "billcheck.yaml"
    shutil.copy(ROOT / "examples" / "firm" / "billcheck.yaml", config)
    with config.open("a") as out:
        out.write(f"waivers:\n  - rule: {first['rule']}\n    invoice: {first['invoice']}\n"
                  "    reason: agreed with the client\n    approved_by: M. Ashford\n"
                  f"  - rule: {second['rule']}\n    invoice: {second['invoice']}\n    reason: known\n"
                  "    approved_by: M. Ashford\n    expires: 2099-12-31\n")
    report = cli_report(run_cli, "examples/firm", "-c", config)
    assert len(report["waived"]) == 2 and report["summary"]["waived"] == 2
    assert {"expires": "2099-12-31"}.items() <= report["waived"][1]["waiver"].items()
    report_schema.validate(report)


def test_a_report_that_breaks_the_schema_is_refused(report_schema, run_cli):
    report = cli_report(run_cli, "examples/firm")
    report["findings"][0]["amount_at_stake"] = 12.5  # a JSON number: never an amount
    with pytest.raises(jsonschema.ValidationError):
        report_schema.validate(report)
    del report["findings"][0]["amount_at_stake"]
    report["findings"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        report_schema.validate(report)


def test_c_api_reports_and_errors_follow_the_schemas(lib, report_schema, error_schema, monkeypatch):
    monkeypatch.chdir(ROOT)
    engine = lib.call("engine_new_for_book", b"examples/firm")
    book = lib.call("book_from_path", b"examples/firm", None)
    small = lib.call("book_from_json", encode(json.dumps(SMALL_BOOK)), None)
    try:
        report_schema.validate(json.loads(lib.text("check", engine, book, None)))
        report_schema.validate(json.loads(lib.text("check_invoice", engine, book, b"HR-115", None)))
        report_schema.validate(json.loads(lib.text("check", engine, small, None)))
        failures = [
            lambda: lib.call("check_invoice", engine, book, b"NOPE", None),
            lambda: lib.call("book_from_json", b'{"invoices": [{"invoice_id": 1}]}', None),
            lambda: lib.call("book_from_json", b"{", None),
            lambda: lib.call("engine_new_from_yaml", b"rules: {nope.rule: off}", None),
            lambda: lib.call("check", None, book, None),
        ]
        for fail in failures:
            with pytest.raises(BillcheckError):
                fail()
            error_schema.validate(json.loads(lib.last_error_json()))
    finally:
        for b in (book, small):
            lib.book_free(b)
        lib.engine_free(engine)


def json_books():
    return [ROOT / "tests" / "data" / "load" / name for name in ("good.json", "numbers.json")]


@pytest.mark.parametrize("path", json_books(), ids=lambda p: p.name)
def test_json_books_billcheck_loads_follow_the_book_schema(book_schema, run_cli, path):
    assert run_cli("check", path, "--fail-on", "never").returncode == 0
    book_schema.validate(json.loads(path.read_text()))


def test_example_books_follow_the_book_schema(book_schema, run_cli, tmp_path):
    book_schema.validate(SMALL_BOOK)
    for source in ("examples/firm", "tests/data/engine/book", "tests/data/remedies/draft-book"):
        out = tmp_path / (source.replace("/", "_") + ".json")
        result = run_cli("convert", source, out)
        assert result.returncode == 0, result.stderr
        book_schema.validate(json.loads(out.read_text()))


# Each of these the loader refuses (the CLI exits 2), and so does the schema.
REFUSED = {
    "not an object": [],
    "unknown entity": {"invoice": []},
    "records not objects": {"invoices": [1]},
    "missing required column": {"invoices": [{"invoice_id": "I1", "client_id": "C1", "issue_date": "2026-01-02",
                                              "currency": "USD"}]},
    "empty required text": {"clients": [{"client_id": "", "name": "N", "currency": "USD"}]},
    "bad date": {"payments": [{"payment_id": "P", "client_id": "C", "date": "2026-02-30x", "amount": "1",
                               "currency": "USD"}]},
    "bad decimal": {"rates": [{"engagement_id": "E", "rate": "1,000.00", "effective_from": "2026-01-01"}]},
    "too many decimals": {"rates": [{"engagement_id": "E", "rate": "1.1234567", "effective_from": "2026-01-01"}]},
    "lower-case currency": {"clients": [{"client_id": "C", "name": "N", "currency": "usd"}]},
    "bad choice": {"engagements": [{"engagement_id": "E", "client_id": "C", "billing_cycle": "weekly"}]},
    "bad boolean": {"clients": [{"client_id": "C", "name": "N", "currency": "USD", "credit_hold": "maybe"}]},
    "bad whole number": {"clients": [{"client_id": "C", "name": "N", "currency": "USD",
                                      "payment_terms_days": "30.5"}]},
    "object value": {"clients": [{"client_id": "C", "name": "N", "currency": "USD", "extra": {"a": 1}}]},
}


@pytest.mark.parametrize("name", REFUSED)
def test_books_the_loader_refuses_the_schema_refuses(book_schema, run_cli, tmp_path, name):
    path = tmp_path / "book.json"
    path.write_text(json.dumps(REFUSED[name]))
    assert run_cli("check", path).returncode == 2, name
    with pytest.raises(jsonschema.ValidationError):
        book_schema.validate(REFUSED[name])


def test_what_the_loader_reads_loosely_the_schema_accepts(book_schema, run_cli, tmp_path):
    book = {
        "clients": [{"client_id": 7, "name": "N", "currency": "JPY", "credit_hold": "YES", "payment_terms_days": "30",
                     "credit_limit": 1000, "country": None, "tax_id": "", "po_box": "12"}],
        "invoices": [{"invoice_id": "I1", "client_id": "7", "issue_date": "2026-01-02", "currency": "JPY",
                      "total": 1000, "discount": "", "status": None}],
        "invoice_lines": [{"invoice_id": "I1", "line_no": "1", "type": "fee", "quantity": 2.5, "rate": "400.",
                           "amount": "1000.000000000"}],
        "payments": None,
    }
    path = tmp_path / "book.json"
    path.write_text(json.dumps(book))
    assert run_cli("check", path, "--fail-on", "never").returncode == 0
    book_schema.validate(book)


def test_a_finding_remedied_by_a_supplementary_invoice_follows_the_schema(report_schema, run_cli, tmp_path):
    config = tmp_path / "billcheck.yaml"
    config.write_text((ROOT / "examples" / "firm" / "billcheck.yaml").read_text()
                      + "remedies:\n  recover_underbilling: true\n")
    fixed = tmp_path / "fixed"
    result = run_cli("fix", "examples/firm", "--out", fixed, "-c", config)
    assert result.returncode == 0, result.stderr
    report = cli_report(run_cli, fixed)
    assert {"kind": "corrected", "id": "NW-2025-08-S1"} in [f.get("remedy") for f in report["findings"]]
    report_schema.validate(report)
