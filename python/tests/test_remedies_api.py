"""billcheck.fix, billcheck.letter and billcheck.explain: one call each, as the CLI does them."""
import decimal
import json
import pathlib

import pytest

import billcheck

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIRM = ROOT / "examples" / "firm"
DRAFTS = ROOT / "tests" / "data" / "remedies" / "draft-book"
UNDERBILLED = ROOT / "tests" / "data" / "remedies" / "underbilled-book"


def test_fix_returns_the_corrected_book_and_the_summary():
    book, summary = billcheck.fix(DRAFTS, today="2025-12-01")
    assert {i.id: i.total for i in book.invoices}["HL-102"] == decimal.Decimal("2640.00")
    assert summary["credit_notes"][0]["id"] == "CN-HL-101-1"
    assert summary == billcheck.Engine.for_book(str(DRAFTS)).fix(str(DRAFTS), today="2025-12-01")[1]


def test_fix_of_a_loaded_book_says_to_give_its_path():
    with pytest.raises(TypeError, match="fix\\(\\) takes the book's path .*not a loaded Book"):
        billcheck.fix(billcheck.load_book(str(DRAFTS)), today="2025-12-01")


def test_fix_uses_the_config_beside_the_book():
    # The example firm's billcheck.yaml turns on its policy pack; fix sees the same findings as the CLI.
    _, summary = billcheck.fix(FIRM, today="2026-01-15")
    assert [n["id"] for n in summary["credit_notes"]][:2] == ["CN-BM-0058-1", "CN-BM-0070-1"]


def test_fix_refuses_a_report_of_another_book():
    engine = billcheck.Engine.for_book(str(DRAFTS))
    current = engine.check(billcheck.load_book(str(DRAFTS)), today="2025-12-01")
    billcheck.fix(DRAFTS, current, today="2025-12-01")
    stale = engine.check(billcheck.load_book(str(FIRM)), today="2025-12-01")
    with pytest.raises(ValueError, match="is not of .*draft-book as it stands"):
        billcheck.fix(DRAFTS, stale, today="2025-12-01")


def test_letter_and_explain_from_a_path_or_a_book():
    book, _ = billcheck.fix(FIRM, today="2026-01-15")
    text = billcheck.letter(book, "C-300", today="2026-01-20", config=FIRM / "billcheck.yaml")
    assert text == (ROOT / "tests/data/remedies/letter-C-300.txt").read_text()
    # From the path: the firm's own billcheck.yaml signs it; the unfixed book has no credit notes to name.
    assert "Ashford & Vale LLP" in billcheck.letter(FIRM, "C-300", today="2026-01-20")
    assert billcheck.explain("examples/firm", "NW-2025-05", line=1, today="2026-01-20") == (
        ROOT / "tests/data/remedies/explain-NW-2025-05-line1.txt").read_text()
    with pytest.raises(LookupError, match="no client 'C-999'"):
        billcheck.letter(FIRM, "C-999")


def test_fix_reissue_replaces_the_invoice_and_names_it():
    book, summary = billcheck.fix(FIRM, today="2026-01-15", reissue=True)
    reissued = {x["invoice"]: x for x in summary["reissued"]}
    assert reissued["NW-2025-07"]["replacement"] == "NW-2025-07-R1"
    assert reissued["NW-2025-07"]["total_after"] == "7628.00"
    replacement = {i.id: i for i in book.invoices}["NW-2025-07-R1"]
    assert replacement.status == "draft"
    assert replacement.total == decimal.Decimal("7628.00")
    notes = {n.id: n for n in book.credit_notes}
    assert notes["CN-NW-2025-07-1"].reason_code == "reissue"
    assert notes["CN-NW-2025-07-1"].amount == decimal.Decimal("8408.00")


# docs/remedies.md's goodwill.yaml: the example firm's config and a goodwill policy.
GOODWILL = ("remedies:\n  goodwill: {percent: 5, cap: {USD: 200, EUR: 500, JPY: 10000}, min_overcharge: 100, "
            "approve_above: {EUR: 400}}\n")


@pytest.mark.parametrize("reissue", [False, True])
def test_fix_with_goodwill_and_reissue_is_the_clis(tmp_path, run_cli, reissue):
    config = tmp_path / "goodwill.yaml"
    config.write_text((FIRM / "billcheck.yaml").read_text() + GOODWILL)
    book, summary = billcheck.fix(FIRM, config=config, today="2026-01-15", reissue=reissue)
    out = tmp_path / "fixed"
    result = run_cli("fix", "examples/firm", "--out", out, "--format", "json", "--today", "2026-01-15", "-c", config,
                     *(["--reissue"] if reissue else []))
    assert result.returncode == 0, result.stderr
    assert summary == json.loads(result.stdout)
    assert summary["goodwill"] == [{"currency": "EUR", "amount": "386.51"}, {"currency": "GBP", "amount": "305.46"},
                                   {"currency": "JPY", "amount": "10000"}, {"currency": "USD", "amount": "200.00"}]
    goodwill = {n.invoice_id: n for n in book.credit_notes if n.reason_code == "goodwill"}
    # On a reissued invoice the goodwill note goes on its replacement.
    on = "NW-2025-07-R1" if reissue else "NW-2025-07"
    assert goodwill[on].amount == decimal.Decimal("200.00") and not goodwill[on].approved_by
    if reissue:
        replacement = {i.id: i for i in book.invoices}["NW-2025-07-R1"]
        assert (str(replacement.issue_date), str(replacement.due_date)) == ("2026-01-15", "2026-02-14")


def test_fix_supplements_ask_what_was_under_billed_with_the_tax_on_it(tmp_path):
    # tests/data/remedies/underbilled-book at 20%: a total 20.00 short (tax included), tax 10.00 short (tax
    # only), a discount 15.00 above the agreed one (before tax): the same figures as the CLI's (fix_test.cpp).
    config = tmp_path / "billcheck.yaml"
    config.write_text("remedies:\n  recover_underbilling: true\n")
    book, summary = billcheck.fix(UNDERBILLED, config=str(config), today="2026-01-15")
    invoices = {i.id: i for i in book.invoices}
    assert [(invoices[s].tax, invoices[s].total) for s in ("UB-1-S1", "UB-2-S1", "UB-3-S1")] == [
        (decimal.Decimal("3.33"), decimal.Decimal("20.00")),
        (decimal.Decimal("10.00"), decimal.Decimal("10.00")),
        (decimal.Decimal("3.00"), decimal.Decimal("18.00"))]
    assert {s["id"]: s["total"] for s in summary["supplementary"]}["UB-1-S1"] == "20.00"
