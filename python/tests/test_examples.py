"""The scripts and the rule files in examples/python, as the docs run them."""

import json

from conftest import FIRM, ROOT

EXAMPLES = ROOT / "examples" / "python"


def test_check_firm_prints_a_summary(run_python):
    r = run_python(EXAMPLES / "check_firm.py")
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert "invoices" in first and "findings" in first
    assert "at stake:" in r.stdout and "errors:" in r.stdout


def test_weekend_rule_script(run_python, small_book_file):
    r = run_python(EXAMPLES / "weekend_rule.py", small_book_file)
    assert r.returncode == 0, r.stderr
    assert "INV-1 line 2: Alan Turing billed 2.5 h on a Saturday (USD 750.00)" in r.stdout
    assert r.stdout.rstrip().endswith("1 weekend line(s) found")


def test_weekend_rule_script_on_the_firm(run_python):
    r = run_python(EXAMPLES / "weekend_rule.py")
    assert r.returncode == 0, r.stderr
    assert "weekend line(s) found" in r.stdout


def test_the_host_runs_the_example_rule_files(run_cli, small_book_file):
    config = EXAMPLES / "billcheck.yaml"
    r = run_cli("check", small_book_file, "--config", config, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    rules = [f["rule"] for f in json.loads(r.stdout)["findings"]]
    # allow_urgent is off in the example config: both Saturday lines.
    assert rules.count("acme.weekend-work") == 2
    listed = run_cli("rules", "--config", config).stdout
    for rule in ("acme.weekend-work", "acme.large-expense", "acme.daily-hours"):
        assert rule in listed


def test_the_example_config_on_the_firm(run_cli):
    r = run_cli("check", FIRM, "--config", EXAMPLES / "billcheck.yaml", "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    assert not [f for f in json.loads(r.stdout)["findings"] if f["category"] == "internal"]
