"""Running the checks from Python: the same findings as the CLI, reports, DataFrames."""

import json
from decimal import Decimal

import pytest

import billcheck
from conftest import FIRM

CONTRACT_FIELDS = ["rule", "severity", "category", "message", "client", "engagement", "invoice", "line",
                   "payment", "credit_note", "time_entry", "amount_at_stake", "currency", "evidence", "fix",
                   "fingerprint"]


@pytest.fixture(scope="module")
def firm_report(firm_book, firm_config):
    return billcheck.Engine(firm_config).check(firm_book)


def test_same_findings_as_the_cli(firm_report, run_cli):
    cli = run_cli("check", FIRM, "--format", "json")
    assert cli.returncode in (0, 1), cli.stderr
    assert firm_report.to_json() == cli.stdout
    expected = json.loads(cli.stdout)["findings"]
    assert [f.fingerprint for f in firm_report.findings] == [f["fingerprint"] for f in expected]


def test_html_report_is_the_cli_page(firm_report, firm_book, run_cli, tmp_path):
    cli = run_cli("check", FIRM, "--format", "html", "--max-rows", "5", "-o", tmp_path / "report.html")
    assert cli.returncode == 1, cli.stderr
    page = firm_report.to_html(firm_book, title=str(FIRM), max_rows=5)
    assert page == (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "This table shows the first 5 of 15 findings" in page
    with pytest.raises(billcheck.ConfigError, match="report.css: cannot read the template"):
        firm_report.to_html(firm_book, templates=tmp_path)


def test_findings_carry_the_contract_fields(firm_report):
    assert firm_report.findings, "the example firm has planted errors"
    cli_like = json.loads(firm_report.to_json())["findings"]
    for f, j in zip(firm_report.findings, cli_like):
        d = f.to_dict()
        assert list(d)[:len(CONTRACT_FIELDS)] == CONTRACT_FIELDS
        assert f.rule == j["rule"] and f.severity == j["severity"] and f.message == j["message"]
        for key in ("client", "engagement", "invoice", "line", "payment", "credit_note", "time_entry", "currency"):
            assert getattr(f, key) == j.get(key)
        if "amount_at_stake" in j:
            assert isinstance(f.amount_at_stake, Decimal)
            assert str(f.amount_at_stake) == j["amount_at_stake"]  # the exact text of the report
        else:
            assert f.amount_at_stake is None
        assert f.evidence == j["evidence"]
        assert f.fix == j.get("fix")
        assert f.location == j.get("location")
        assert json.loads(f.to_json()) == j


def test_summary(firm_report):
    s = firm_report.summary
    assert s["findings"] == len(firm_report.findings)
    assert sum(s["by_severity"].values()) == s["findings"]
    assert all(isinstance(a, Decimal) for a in s["amount_at_stake"].values())
    assert len(firm_report) == s["findings"] and list(firm_report) == firm_report.findings


def test_to_dataframe_keeps_decimals(firm_report):
    pandas = pytest.importorskip("pandas")
    frame = firm_report.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert len(frame) == len(firm_report.findings)
    assert list(frame.columns)[:len(CONTRACT_FIELDS)] == CONTRACT_FIELDS
    amounts = [a for a in frame["amount_at_stake"] if a is not None]
    assert amounts and all(type(a) is Decimal for a in amounts)
    assert frame["amount_at_stake"].dtype == object
    by_rule = frame.groupby("rule").size()
    assert by_rule.sum() == len(frame)


def test_same_report_on_any_number_of_threads(firm_book, firm_config):
    engine = billcheck.Engine(firm_config)
    assert engine.check(firm_book, jobs=1).to_json() == engine.check(firm_book, jobs=4).to_json()


def test_check_one_invoice(firm_book, firm_config, firm_report):
    invoice = firm_report.findings[0].invoice
    report = billcheck.Engine(firm_config).check(firm_book, invoice=invoice)
    assert report.findings and all(f.invoice == invoice for f in report.findings if f.invoice)


def test_check_unknown_invoice_raises_unknown_invoice(firm_book, firm_config):
    engine = billcheck.Engine(firm_config)
    with pytest.raises(billcheck.UnknownInvoice, match="no invoice 'NOPE-1' in the book") as raised:
        engine.check(firm_book, invoice="NOPE-1")
    assert raised.value.invoice == "NOPE-1"
    assert isinstance(raised.value, LookupError)


def test_summary_money_has_the_json_reports_names_and_figures(firm_report):
    s = firm_report.summary
    assert s["amount_at_stake"]["USD"] == Decimal("466.65")  # net: overcharged - undercharged
    assert s["overcharged"]["USD"] == Decimal("780.00")
    assert s["undercharged"]["USD"] == Decimal("313.35")


def test_report_lists_the_plugins_and_packs_that_ran(firm_report):
    names = {(s["kind"], s["name"]) for s in firm_report.sources}
    assert ("plugin", "arithmetic") in names
    assert firm_report.refused == []


def test_format_hours_writes_hours_as_the_reports_do():
    assert billcheck.format_hours(Decimal("10.50")) == "10.5 h"
    assert billcheck.format_hours(Decimal("6.5") + Decimal("5.5")) == "12 h"  # Python writes 12.0


def test_stats(small_book):
    report = billcheck.Engine().check(small_book, stats=True)
    assert report.stats and {"rule", "time_ns", "findings"} <= set(report.stats[0])


def test_rules_lists_every_rule_with_its_info():
    rules = billcheck.rules()
    ids = [r.id for r in rules]
    assert ids == sorted(ids) and "arithmetic.line-amount" in ids
    r = next(r for r in rules if r.id == "arithmetic.line-amount")
    assert r.title and r.category == "arithmetic" and r.severity in ("error", "warning", "info")
    assert r.scope == "line" and r.description and r.origin.startswith("plugin")
    assert all(isinstance(o, billcheck.OptionSpec) for o in r.options)
    assert "arithmetic.line-amount" in r.explain()


def test_a_bad_config_is_a_config_error(write):
    config = write("billcheck.yaml", "rules:\n  no.such-rule: off\n")
    with pytest.raises(billcheck.ConfigError) as caught:
        billcheck.Engine(config)
    assert any("billcheck.yaml:2" in m and "no.such-rule" in m for m in caught.value.messages)


def test_waivers_apply(small_book, write):
    config = write("billcheck.yaml", """
python: []
waivers:
  - {rule: acme.any-line, invoice: INV-2, reason: agreed with the client, approved_by: CFO}
""")

    @billcheck.rule(id="acme.any-line", category="data", scope="line")
    def any_line(line, ctx):
        yield ctx.finding("a line")

    report = billcheck.Engine(config, rules=[any_line]).check(small_book)
    assert [f.invoice for f in report.findings if f.rule == "acme.any-line"] == ["INV-1"] * 3
    assert [(w.finding.invoice, w.reason, w.approved_by) for w in report.waived] == [("INV-2", "agreed with the client", "CFO")]
