"""billcheck.Store: the record from Python, the same operations as the CLI."""
import decimal
import subprocess
import os

import pytest

import billcheck

NOW = "2026-01-05T09:00:00Z"


@pytest.fixture()
def recorded(tmp_path, firm, firm_config):
    engine = billcheck.Engine(firm_config)
    book = billcheck.load_book(str(firm))
    store = billcheck.Store(tmp_path / "record.db", by="alice", now=NOW)
    report = engine.check(book)
    run = store.record(report, book, book_path=str(firm))
    return store, engine, book, report, run


def test_record_gives_the_report_its_history_and_the_run_its_counts(recorded):
    store, engine, book, report, run = recorded
    assert run["counts"]["new"] == len(report.findings) == 15
    assert run["actor"] == "alice" and run["at"] == NOW
    runs = store.runs()
    assert list(runs["id"]) == [1]
    assert runs.loc[0, "findings"] == 15


def test_findings_frame_keeps_amounts_exact(recorded):
    store = recorded[0]
    frame = store.findings(status="open")
    assert len(frame) == 15
    amounts = [a for a in frame["amount_at_stake"] if a is not None]
    assert amounts and all(isinstance(a, decimal.Decimal) for a in amounts)
    rate = frame[frame["rule"] == "rates.contract-rate"].iloc[0]
    assert rate["amount_at_stake"] == decimal.Decimal("130")


def test_moves_and_an_invalid_one(recorded):
    store = recorded[0]
    fp = store.findings(rule="rates.contract-rate", frame=False)[0]["fingerprint"]
    assert store.ack(fp, note="on it")["status"] == "acknowledged"
    with pytest.raises(billcheck.InvalidMove, match="allowed: resolve, waive"):
        store.ack(fp)
    done = store.resolve(fp, "credit-note", remedy_id="CN-1", amount=decimal.Decimal("154.70"))
    assert done["remedy"]["amount"] == decimal.Decimal("154.70")
    with pytest.raises(billcheck.StoreError, match="no finding 'nope'"):
        store.finding("nope")


def test_money_is_never_a_binary_float(recorded):
    store = recorded[0]
    fp = store.findings(rule="rates.contract-rate", frame=False)[0]["fingerprint"]
    with pytest.raises(TypeError, match="amount: 154.7 is a float, and a binary float is not exact"):
        store.resolve(fp, "credit-note", remedy_id="CN-9", amount=154.7)
    with pytest.raises(TypeError, match="instalments: 33.3 is a float"):
        store.resolve(fp, "payment-plan", remedy_id="PP-9", amount="100",
                      instalments=[(33.3, "2026-02-01"), ("66.70", "2026-03-01")])
    assert store.finding(fp)["status"] == "open"


def test_remedy_amounts_are_checked_before_anything_is_recorded(recorded):
    store = recorded[0]
    fp = store.findings(rule="rates.contract-rate", frame=False)[0]["fingerprint"]
    events = len(store.events())
    with pytest.raises(ValueError, match="the remedy's amount '-5' is not more than 0"):
        store.resolve(fp, "credit-note", remedy_id="CN-9", amount=decimal.Decimal("-5"))
    with pytest.raises(ValueError, match=r"the remedy's amount '154.70123' has more decimals than EUR has \(2\)"):
        store.resolve(fp, "credit-note", remedy_id="CN-9", amount=decimal.Decimal("154.70123"))
    with pytest.raises(ValueError, match="the instalments add up to 99.99, not the remedy's amount 100"):
        store.resolve(fp, "payment-plan", remedy_id="PP-9", amount="100",
                      instalments=[("33.29", "2026-02-01"), ("66.70", "2026-03-01")])
    assert store.finding(fp)["status"] == "open"
    assert len(store.events()) == events


def test_dispute_line_and_overdue_date_are_checked(recorded):
    store, engine, book = recorded[0], recorded[1], recorded[2]
    with pytest.raises(LookupError, match="invoice BM-0070 has no line '99'"):
        store.open_dispute(engine, book, "BM-0070", "rate", "x", line=99)
    for bad in ("x", "9999", "2026-02-30"):
        with pytest.raises(billcheck.StoreError, match=f"'{bad}' is not a date"):
            store.overdue(bad)
    assert len(store.disputes(frame=False)) == 0


def test_an_attachment_that_is_not_a_file_is_refused(recorded, tmp_path):
    store, engine, book = recorded[0], recorded[1], recorded[2]
    d = store.open_dispute(engine, book, "BM-0070", "rate", "x", line=2)
    for path in ("/dev/zero", str(tmp_path)):
        for keep in (False, True):
            with pytest.raises(billcheck.StoreError, match="is not a file .a folder, a device or a pipe."):
                store.note(d["id"], "email", "in", text="t", attach=path, keep_bytes=keep)
    assert store.dispute(d["id"])["notes"] == []


def test_dispute_events_and_verify(recorded, tmp_path):
    store, engine, book, report, run = recorded
    d = store.open_dispute(engine, book, "BM-0070", "rate", "Okafor is billed at 400", line=2, received="2026-01-05")
    assert d["state"] == "open" and len(d["findings"]) == 1 and d["respond_by"] == "2026-01-10"
    store.note(d["id"], "email", "in", text="the client's email")
    store.ack_dispute(d["id"])
    store.investigate(d["id"])
    up = store.uphold(d["id"], "payment-plan", remedy_id="PP-1", amount="154.70",
                      instalments=[("77.35", "2026-02-01"), ("77.35", "2026-03-01")])
    assert up["remedy"]["instalments"][0]["amount"] == decimal.Decimal("77.35")
    assert store.overdue("2026-02-02")["instalments"][0]["number"] == 1
    store.close(d["id"], note="thanked")
    assert store.disputes().loc[0, "state"] == "closed"
    events = store.events(dispute=d["id"])
    assert list(events["action"])[-1] == "dispute.closed"
    verified = store.verify()
    head = verified.pop("head")
    assert verified == {"intact": True, "events": len(store.events()), "broken": None, "problem": ""}
    assert head.startswith(f"{len(store.events())}:") and len(head.split(":")[1]) == 64
    assert store.verify(anchor=head)["intact"] is True


def test_the_cli_reads_what_python_wrote(recorded):
    store = recorded[0]
    exe = os.environ.get("BILLCHECK_EXE")
    if not exe:
        pytest.skip("BILLCHECK_EXE is not set")
    out = subprocess.run([exe, "audit", "verify", "--store", store.path], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_a_recorded_report_follows_the_report_schema(tmp_path, firm):
    """check --store adds "history" to each finding and a "fixed" list: both in docs/schema."""
    import json
    import pathlib
    import shutil
    import jsonschema
    exe = os.environ.get("BILLCHECK_EXE")
    if not exe:
        pytest.skip("BILLCHECK_EXE is not set")
    schema = json.loads((pathlib.Path(__file__).resolve().parents[2] / "docs/schema/report.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    book = tmp_path / "firm"
    shutil.copytree(firm, book)
    store = tmp_path / "record.db"

    def check(now):
        out = subprocess.run([exe, "check", str(book), "--store", str(store), "--format", "json"],
                             capture_output=True, text=True, env=dict(os.environ, BILLCHECK_NOW=now))
        assert out.returncode == 1, out.stderr
        return json.loads(out.stdout)

    first = check("2026-01-05T09:00:00Z")
    assert {f["history"]["status"] for f in first["findings"]} == {"new"}
    validator.validate(first)
    lines = book / "invoice_lines.csv"
    lines.write_text(lines.read_text().replace("1255.00", "1155.00"))
    second = check("2026-01-12T09:00:00Z")
    assert second["fixed"] and second["findings"][0]["history"] == {"status": "open", "since": "2026-01-05"}
    validator.validate(second)


def test_store_errors_name_the_python_parameters_not_the_cli_flags(recorded, tmp_path):
    store, engine, book, report, run = recorded
    fp = store.findings(rule="rates.contract-rate", frame=False)[0]["fingerprint"]
    dispute = store.open_dispute(engine, book, "HR-115", "arithmetic", "Line 3 does not add up", line="3")["id"]
    cases = [
        (lambda: store.finding("ffffffff"), "; Store.findings() lists them with their fingerprints"),
        (lambda: store.dispute(99), "; Store.disputes() lists them"),
        (lambda: billcheck.Store(tmp_path / "none.db", read_only=True),
         "does not exist; Store(path) without read_only=True creates it"),
        (lambda: store.waive(fp, ""), "waiving a finding needs the reason it is accepted (reason=TEXT)"),
        (lambda: store.resolve(fp, None), "resolving a finding needs its remedy (remedy=KIND)"),
        (lambda: store.resolve(fp, "payment-plan", amount="100"),
         'a payment plan needs its instalments (instalments=[(AMOUNT, "YYYY-MM-DD"), ...], one for each)'),
        (lambda: store.uphold(dispute, None),
         "upholding a dispute needs its remedy (remedy=KIND, remedy_id=ID, amount=AMOUNT)"),
        (lambda: store.explain(dispute, ""), "explaining a dispute needs the explanation (explanation=TEXT)"),
        (lambda: store.note(dispute, "email", "in"), "a note needs its text (text=TEXT) or a file (attach=PATH)"),
        (lambda: store.open_dispute(engine, book, "HR-115", "arithmetic", ""),
         "a dispute needs the client's words (says=TEXT)"),
    ]
    for call, words in cases:
        with pytest.raises(billcheck.StoreError) as e:
            call()
        assert words in str(e.value)
        assert "--" not in str(e.value) and "billcheck " not in str(e.value), str(e.value)
