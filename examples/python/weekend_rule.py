#!/usr/bin/env python3
"""A rule in five lines: time billed on a weekend, unless the line says it was urgent.

This file is both a script and a rule file:

    PYTHONPATH=build/python /usr/bin/python3 examples/python/weekend_rule.py [BOOK]
        checks BOOK (default: the example firm) with this rule and prints what it finds;
    billcheck check BOOK --config examples/python/billcheck.yaml
        runs it in the billcheck executable beside the native rules (billcheck.yaml
        lists this file under `python:`).
"""

import billcheck


@billcheck.rule(id="acme.weekend-work", category="timing", severity="warning",
                scope="line", options={"allow_urgent": True})
def weekend_work(line, ctx):
    """Time billed on a Saturday or Sunday without an urgent reason."""
    if line.date and line.date.weekday() >= 5 and not (
            ctx.options["allow_urgent"] and "urgent" in (line.description or "").lower()):
        yield ctx.finding(f"{line.timekeeper.name} billed {line.quantity} h on a {line.date:%A}",
                          at_stake=line.amount)


if __name__ == "__main__":
    import pathlib
    import sys

    book_path = sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1] / "firm"
    engine = billcheck.Engine(rules=[weekend_work])
    report = engine.check(billcheck.load_book(book_path))
    found = [f for f in report.findings if f.rule == "acme.weekend-work"]
    for f in found:
        print(f"{f.invoice} line {f.line}: {f.message} ({f.currency} {f.amount_at_stake})")
    print(f"{len(found)} weekend line(s) found")
