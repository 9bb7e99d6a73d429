"""billcheck.Engine.fix: the corrected book and the fix summary, from Python."""
import datetime
import decimal
import pathlib

import billcheck

ROOT = pathlib.Path(__file__).resolve().parents[2]
DRAFTS = "tests/data/remedies/draft-book"


def test_fix_returns_the_corrected_book_and_the_clis_summary():
    engine = billcheck.Engine()
    book, summary, text = engine.fix(DRAFTS, today="2025-12-01")
    totals = {i.id: i.total for i in book.invoices}
    assert totals["HL-102"] == decimal.Decimal("2640.00")
    assert totals["HL-103"] == decimal.Decimal("1560.00")
    note = book.credit_notes[0]
    assert (note.id, note.amount, note.reason_code, note.date) == (
        "CN-HL-101-1", decimal.Decimal("60.00"), "rate", datetime.date(2025, 12, 1))
    assert summary["returned"] == [{"currency": "GBP", "amount": "294.00"}]
    assert text == (ROOT / "tests/data/remedies/fix-summary-draft-book.txt").read_text()
