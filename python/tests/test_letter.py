"""billcheck.Engine.letter: the letter to a client, from Python."""
import pathlib

import pytest

import billcheck

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIRM = "examples/firm"


@pytest.fixture(scope="module")
def fixed():
    # The book `billcheck fix` writes: it has the credit notes the letter names.
    engine = billcheck.Engine(f"{FIRM}/billcheck.yaml")
    book, _, _ = engine.fix(FIRM, today="2026-01-15")
    return engine, book


def test_text_is_the_golden_letter(fixed):
    engine, book = fixed
    text = engine.letter(book, "C-300", today="2026-01-20")
    assert text == (ROOT / "tests/data/remedies/letter-C-300.txt").read_text()


def test_only_the_invoices_named_and_html_escapes(fixed):
    engine, book = fixed
    assert "found no error" in engine.letter(book, "C-300", invoices=["HR-104"], today="2026-01-20")
    html = engine.letter(book, "C-300", format="html")
    assert "Hollis &amp; Reed" in html and "<!DOCTYPE html>" in html


def test_bad_input_raises(fixed):
    engine, book = fixed
    with pytest.raises(LookupError, match="no client 'C-999'"):
        engine.letter(book, "C-999")
    with pytest.raises(LookupError, match="is not client C-300's"):
        engine.letter(book, "C-300", invoices=["NW-2025-05"])
    with pytest.raises(ValueError):
        engine.letter(book, "C-300", format="json")
