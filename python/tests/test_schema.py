"""Every column of the entity schema is an attribute of its Python class, of the
column's type. The columns are read from docs/book-format.md, whose tables a C++
test (Schema.BookFormatDocsListEveryColumn) keeps equal to the schema."""

import datetime
import decimal
import json
import re

import pytest

import billcheck

from conftest import ROOT

CLASSES = {
    "clients": billcheck.Client,
    "timekeepers": billcheck.Timekeeper,
    "engagements": billcheck.Engagement,
    "rates": billcheck.Rate,
    "time_entries": billcheck.TimeEntry,
    "invoices": billcheck.Invoice,
    "invoice_lines": billcheck.InvoiceLine,
    "payments": billcheck.Payment,
    "credit_notes": billcheck.CreditNote,
}

IDS = {"client_id": "C1", "engagement_id": "E1", "timekeeper_id": "T1", "invoice_id": "I1", "entry_id": "TE1",
       "payment_id": "P1", "credit_note_id": "N1", "currency": "USD", "role": "partner"}


def documented_columns():
    """{entity: [(column, attribute, type words)]} from the generated tables of docs/book-format.md."""
    page = (ROOT / "docs" / "book-format.md").read_text(encoding="utf-8")
    start = page.index("<!-- columns: generated")
    end = page.index("<!-- end of generated columns -->")
    entities = {}
    current = None
    for line in page[start:end].splitlines():
        if line.startswith("### "):
            current = entities.setdefault(line[4:].removesuffix(".csv"), [])
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if current is None or len(cells) != 4 or not cells[0].startswith("`"):
            continue
        column = cells[0].strip("`")
        read_as = re.search(r"read as `(\w+)`", cells[3])
        current.append((column, read_as.group(1) if read_as else column, cells[1]))
    return entities


COLUMNS = documented_columns()


def sample(column, type_words):
    if type_words.startswith("one of "):
        return re.search(r"`(\w+)`", type_words).group(1)
    return {"text": IDS.get(column, "some " + column), "decimal": "12.5", "money": "12.5", "date": "2026-01-02",
            "whole number": "7", "boolean": "false"}[type_words]


PYTHON_TYPES = {"text": str, "decimal": decimal.Decimal, "money": decimal.Decimal, "date": datetime.date,
                "whole number": int, "boolean": bool}


@pytest.fixture(scope="module")
def one_of_each():
    book = {entity: [{column: sample(column, words) for column, _, words in columns}]
            for entity, columns in COLUMNS.items()}
    return billcheck.book_from_json(json.dumps(book), "one-of-each.json")


def test_the_docs_list_every_entity():
    assert sorted(COLUMNS) == sorted(CLASSES)


@pytest.mark.parametrize("entity", sorted(CLASSES))
def test_every_column_is_an_attribute_in_the_schemas_order(entity):
    cls = CLASSES[entity]
    attributes = [attribute for _, attribute, _ in COLUMNS[entity]]
    for attribute in attributes:
        assert hasattr(cls, attribute), f"{cls.__name__}.{attribute}"
        assert getattr(cls, attribute).__doc__, f"{cls.__name__}.{attribute} has no docstring"
    assert list(cls._fields) == attributes


@pytest.mark.parametrize("entity", sorted(CLASSES))
def test_every_attribute_has_the_columns_type(entity, one_of_each):
    record = getattr(one_of_each, "lines" if entity == "invoice_lines" else entity)[0]
    for column, attribute, words in COLUMNS[entity]:
        value = getattr(record, attribute)
        expected = str if words.startswith("one of ") else PYTHON_TYPES[words]
        assert isinstance(value, expected), f"{entity}.{column}: {value!r}"
        if expected is decimal.Decimal:
            assert value == decimal.Decimal("12.5")
        elif expected is str:
            assert value == sample(column, words)
