"""billcheck.Engine.explain: how a charge was worked out, from Python."""
import json
import pathlib

import pytest

import billcheck

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIRM = "examples/firm"


@pytest.fixture(scope="module")
def firm():
    # The tests run from the repository's root (ctest sets it), so the sources in
    # the explanation read examples/firm/…, as the CLI's do.
    return billcheck.Engine(f"{FIRM}/billcheck.yaml"), billcheck.load_book(FIRM)


def test_text_is_the_clis_golden_explanation(firm):
    engine, book = firm
    text = engine.explain(book, "NW-2025-05", line=1, today="2026-01-15")
    assert text == (ROOT / "tests/data/remedies/explain-NW-2025-05-line1.txt").read_text()


def test_json_names_the_rate_card_row(firm):
    engine, book = firm
    model = json.loads(engine.explain(book, "BM-0070", line=2, format="json"))
    assert model["lines"][0]["agreed_rate"]["rate"] == "380.00"
    assert model["lines"][0]["findings"][0]["rule"] == "rates.contract-rate"


def test_unknown_invoice_and_line(firm):
    engine, book = firm
    with pytest.raises(billcheck.UnknownInvoice):
        engine.explain(book, "NOPE-1")
    with pytest.raises(LookupError, match="has no line 99"):
        engine.explain(book, "NW-2025-05", line=99)
    with pytest.raises(ValueError):
        engine.explain(book, "NW-2025-05", format="pdf")
