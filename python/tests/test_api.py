"""The module's read side: loading books, the records and their links, the errors."""

import datetime
import json
from decimal import Decimal

import pytest

import billcheck
from conftest import FIRM, ROOT


def test_load_the_example_firm(firm_book):
    assert len(firm_book.invoices) > 0 and len(firm_book.lines) > 0
    assert all(isinstance(i, billcheck.Invoice) for i in firm_book.invoices)
    assert len(firm_book.lines) == sum(len(i.lines) for i in firm_book.invoices)


def test_money_is_decimal_dates_are_dates_absent_is_none(small_book):
    line = small_book.invoice("INV-1").lines[0]
    assert line.amount == Decimal("1000.00") and type(line.amount) is Decimal
    assert str(line.amount) == "1000.00"  # written with the currency's decimals
    assert line.quantity == Decimal("2") and type(line.quantity) is Decimal
    assert line.date == datetime.date(2026, 1, 9)
    assert line.adjustment is None
    assert line.line_no == 1
    courier = small_book.invoice("INV-1").lines[2]
    assert courier.date is None and courier.timekeeper is None and courier.timekeeper_id is None
    invoice = small_book.invoice("INV-1")
    assert invoice.total == Decimal("1850.00") and invoice.discount is None
    assert invoice.issue_date == datetime.date(2026, 2, 5)
    assert small_book.client("C1").credit_limit == Decimal("5000.00")
    assert small_book.client("C2").credit_limit is None


def test_links_between_records(small_book):
    invoice = small_book.invoice("INV-1")
    line = invoice.lines[1]
    assert line.invoice == invoice
    assert line.invoice.client.name == "Northwind"
    assert line.timekeeper.name == "Alan Turing"
    assert line.client == invoice.client
    assert line.engagement.id == "E1"
    assert line.agreed_rate == Decimal("300.00")
    assert line.agreed_rate_row.role == "associate"
    assert invoice.engagement.client == invoice.client
    assert [p.id for p in invoice.payments] == ["P1"]
    assert [i.id for i in invoice.client.invoices] == ["INV-1"]
    # The book's canonical order: an engagement's role rows by role (associate, partner).
    assert [r.rate for r in invoice.engagement.rates] == [Decimal("300.00"), Decimal("500.00")]
    assert small_book.invoice("INV-2").engagement is None
    assert small_book.invoice("NOPE") is None


def test_records_are_read_only_views(small_book):
    line = small_book.lines[0]
    with pytest.raises(AttributeError):
        line.amount = Decimal("1")
    with pytest.raises(TypeError):
        billcheck.InvoiceLine()
    # Two views of one record are the same record.
    assert small_book.lines[0] == small_book.invoice("INV-1").lines[0]
    assert len({small_book.lines[0], small_book.invoice("INV-1").lines[0]}) == 1
    assert small_book.lines[0] != small_book.lines[1]


def test_records_keep_their_book_alive():
    text = json.dumps({"invoices": [{"invoice_id": "I", "client_id": "C", "issue_date": "2026-01-01",
                                     "currency": "JPY", "total": "5"}],
                       "invoice_lines": [{"invoice_id": "I", "line_no": 1, "type": "fee", "quantity": "1",
                                          "rate": "5", "amount": "5"}]})
    line = billcheck.book_from_json(text).lines[0]  # the book itself is dropped at once
    assert line.invoice.id == "I"
    assert str(line.amount) == "5"  # JPY has no minor unit


def test_extra_columns_location_and_to_dict(small_book):
    line = small_book.lines[0]
    assert line.extra == {"matter_ref": "M-77"}
    assert small_book.lines[1].extra == {}
    row = line.to_dict()
    assert row["invoice_id"] == "INV-1" and row["amount"] == Decimal("1000.00")
    assert list(row) == list(billcheck.InvoiceLine._fields)
    firm_line = billcheck.load_book(FIRM).invoice("NW-2025-05").lines[0]  # the file's first row
    assert firm_line.location.endswith("invoice_lines.csv:2")


def test_every_entity_is_reachable(firm_book):
    for name, cls in [("clients", billcheck.Client), ("timekeepers", billcheck.Timekeeper),
                      ("engagements", billcheck.Engagement), ("rates", billcheck.Rate),
                      ("time_entries", billcheck.TimeEntry), ("invoices", billcheck.Invoice),
                      ("lines", billcheck.InvoiceLine), ("payments", billcheck.Payment),
                      ("credit_notes", billcheck.CreditNote)]:
        records = getattr(firm_book, name)
        assert all(type(r) is cls for r in records), name
        for r in records:
            r.to_dict()  # every field converts
            repr(r)


def test_an_invoice_or_payment_shows_its_amount_with_its_currencys_decimals(firm_book):
    # As every report writes them: GBP 6109.20, not 6109.2; JPY without decimals.
    assert repr(firm_book.invoice("HR-115")) == "<Invoice HR-115 GBP 6109.20>"
    assert repr(firm_book.invoice("KR-2025Q2")) == "<Invoice KR-2025Q2 JPY 1442100>"
    assert repr(next(p for p in firm_book.payments if p.id == "P-1001")) == "<Payment P-1001 USD 7218.50>"


def test_book_error_lists_every_located_message():
    with pytest.raises(billcheck.BookError) as caught:
        billcheck.load_book(ROOT / "tests" / "data" / "load" / "many_errors")
    messages = caught.value.messages
    assert len(messages) >= 5
    assert any(m.startswith(str(ROOT / "tests/data/load/many_errors/invoice_lines.csv:3: column 'date'"))
               or "invoice_lines.csv:3: column 'date'" in m for m in messages)
    assert str(caught.value).split("\n") == messages


def test_book_error_for_a_missing_path(tmp_path):
    with pytest.raises(billcheck.BookError, match="no such file"):
        billcheck.load_book(tmp_path / "nope")


def test_load_a_json_file(small_book_file):
    book = billcheck.load_book(small_book_file)
    assert [i.id for i in book.invoices] == ["INV-1", "INV-2"]
    assert book.lines[0].location == f"{small_book_file}:1"  # the JSON text is on one line


def test_docstrings():
    for obj in (billcheck.load_book, billcheck.Engine, billcheck.Engine.check, billcheck.Engine.add_rule,
                billcheck.Report.to_json, billcheck.Report.to_dataframe, billcheck.rule, billcheck.Rule,
                billcheck.Context.finding, billcheck.rules):
        assert obj.__doc__ and len(obj.__doc__) > 20, obj
    assert "Decimal" in billcheck.InvoiceLine.amount.__doc__
