"""The billcheck executable running Python rule files listed under `python:` in
billcheck.yaml, next to the native rules, in one report."""

import json

import pytest

import billcheck

RULES = '''
import billcheck
from decimal import Decimal

@billcheck.rule(id="acme.weekend-work", category="timing", severity="warning", scope="line",
                options={"allow_urgent": True})
def weekend_work(line, ctx):
    """Fee lines dated on a Saturday or Sunday."""
    if line.date and line.date.weekday() >= 5 and not (
            ctx.options["allow_urgent"] and "urgent" in (line.description or "").lower()):
        print("debug output goes to stderr")
        yield ctx.finding(f"{line.timekeeper.name} billed {line.quantity} h on a {line.date:%A}",
                          at_stake=line.amount)

class NoDueDate(billcheck.Rule):
    """Invoices without a due date."""
    id = "acme.no-due-date"
    category = "timing"
    scope = "invoice"

    def check(self, invoice, ctx):
        if invoice.due_date is None:
            return ctx.finding(f"Invoice {invoice.id} has no due date", fix=("due_date", None, "2026-03-08"))
'''


@pytest.fixture
def rules_config(write):
    write("rules.py", RULES)
    return write("billcheck.yaml", "python: [rules.py]\n")


def test_the_host_runs_python_rules_with_the_native_ones(run_cli, rules_config, small_book_file):
    r = run_cli("check", small_book_file, "--config", rules_config, "--format", "json", "--stats")
    assert r.returncode in (0, 1), r.stderr
    report = json.loads(r.stdout)  # nothing a rule prints reaches stdout
    assert "debug output goes to stderr" in r.stderr
    found = {f["rule"]: f for f in report["findings"]}
    weekend = found["acme.weekend-work"]
    assert (weekend["invoice"], weekend["line"], weekend["amount_at_stake"], weekend["currency"]) == \
        ("INV-1", "2", "750.00", "USD")
    assert weekend["message"] == "Alan Turing billed 2.5 h on a Saturday"
    no_due = found["acme.no-due-date"]
    assert no_due["invoice"] == "INV-2" and no_due["fix"] == {"field": "due_date", "current": "", "suggested": "2026-03-08"}
    # Native rules ran too (--stats lists every rule that ran; none of them flags this small book).
    assert "arithmetic.line-amount" in r.stderr


def test_the_same_report_from_python_and_from_the_host(run_cli, rules_config, small_book_file):
    cli = run_cli("check", small_book_file, "--config", rules_config, "--format", "json")
    engine = billcheck.Engine(rules_config)  # in this process, the same file runs in this interpreter
    assert engine.check(billcheck.load_book(small_book_file)).to_json() == cli.stdout


def test_config_options_reach_the_python_rule(run_cli, write, small_book_file):
    write("rules.py", RULES)
    config = write("billcheck.yaml", "python: [rules.py]\nrules:\n  acme.weekend-work: {options: {allow_urgent: false}}\n")
    report = json.loads(run_cli("check", small_book_file, "--config", config, "--format", "json").stdout)
    assert [(f["invoice"], f["line"]) for f in report["findings"] if f["rule"] == "acme.weekend-work"] == \
        [("INV-1", "2"), ("INV-2", "1")]


def test_billcheck_rules_lists_python_rules(run_cli, rules_config):
    r = run_cli("rules", "--config", rules_config)
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if line.startswith("acme.weekend-work"))
    assert "warning" in row and "timing" in row and "line" in row and "Fee lines dated on a Saturday" in row
    assert any(line.startswith("acme.no-due-date") for line in r.stdout.splitlines())
    explain = run_cli("rules", "--config", rules_config, "--explain", "acme.weekend-work")
    assert explain.returncode == 0 and "allow_urgent" in explain.stdout


def test_a_syntax_error_is_a_load_error_with_its_line(run_cli, write, small_book_file):
    write("rules.py", "import billcheck\n\n@billcheck.rule(id='acme.x', category='data')\ndef x(line, ctx)\n    pass\n")
    config = write("billcheck.yaml", "python: [rules.py]\n")
    r = run_cli("check", small_book_file, "--config", config)
    assert r.returncode == 2
    assert "rules.py:4: SyntaxError: expected ':'" in r.stderr
    assert r.stdout == ""


def test_an_error_while_loading_names_the_file_and_line(run_cli, write, small_book_file):
    write("rules.py", "import billcheck\n\n@billcheck.rule(id='acme.x', category='made-up')\ndef x(line, ctx):\n    pass\n")
    write("more.py", "import billcheck\nraise RuntimeError('not configured')\n")
    config = write("billcheck.yaml", "python: [rules.py, more.py, missing.py]\n")
    r = run_cli("check", small_book_file, "--config", config)
    assert r.returncode == 2
    assert "rules.py:3: ValueError: rule acme.x: category 'made-up'" in r.stderr
    assert "more.py:2: RuntimeError: not configured" in r.stderr
    assert "missing.py: cannot read the rule file: No such file or directory" in r.stderr


def test_a_raising_rule_is_an_internal_finding_and_exit_2(run_cli, write, small_book_file):
    write("rules.py", RULES + '''
@billcheck.rule(id="acme.broken", category="data", scope="client")
def broken(client, ctx):
    if client.id == "C2":
        raise ValueError("cannot handle " + client.name)
''')
    config = write("billcheck.yaml", "python: [rules.py]\n")
    r = run_cli("check", small_book_file, "--config", config, "--format", "json")
    assert r.returncode == 2
    report = json.loads(r.stdout)
    [internal] = [f for f in report["findings"] if f["category"] == "internal"]
    assert internal["rule"] == "acme.broken" and internal["client"] == "C2"
    assert "ValueError: cannot handle Brightmoor (" in internal["message"] and "rules.py:" in internal["message"]
    assert any(f["rule"] == "acme.weekend-work" for f in report["findings"]), "the run went on"
    assert "a rule failed" in r.stderr


def test_python_rules_under_many_threads(run_cli, rules_config, small_book_file):
    # Many threads, the GIL taken once per batch on one of them: the same report as one thread.
    one = run_cli("check", small_book_file, "--config", rules_config, "--format", "json", "--jobs", "1")
    many = run_cli("check", small_book_file, "--config", rules_config, "--format", "json", "--jobs", "8")
    assert one.stdout == many.stdout and one.returncode == many.returncode != 2
