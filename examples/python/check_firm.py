#!/usr/bin/env python3
"""Checks a book and prints what an analyst looks at first: the count, the money at
stake, which rules fire most, and the worst findings.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/check_firm.py [BOOK]

BOOK defaults to the example firm; its billcheck.yaml is used when there is one.
"""

import pathlib
import sys

import billcheck

HERE = pathlib.Path(__file__).resolve().parent
book_path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "firm"
config = book_path / "billcheck.yaml" if (book_path / "billcheck.yaml").exists() else None

book = billcheck.load_book(book_path)
report = billcheck.Engine(config).check(book)

summary = report.summary
print(f"{len(book.invoices)} invoices, {len(book.lines)} lines: {len(report.findings)} findings "
      f"({summary['by_severity']['error']} errors, {summary['by_severity']['warning']} warnings)")
for currency, amount in sorted(summary["amount_at_stake"].items()):
    print(f"  net at stake: {currency} {amount}")  # the JSON summary's amount_at_stake

try:
    import pandas  # noqa: F401  (Debian: python3-pandas)
except ImportError:
    pandas = None
if pandas is not None and report.findings:
    frame = report.to_dataframe()
    print("\nfindings per rule:")
    print(frame.groupby(["rule", "severity"]).size().sort_values(ascending=False).to_string())
    # Decimals stay Decimals: sum them per currency, never as floats.
    money = frame.dropna(subset=["amount_at_stake"])
    print("\nat stake per client:")
    for (client, currency), amounts in money.groupby(["client", "currency"])["amount_at_stake"]:
        print(f"  {client}  {currency} {sum(amounts)}")

print("\nerrors:")
for f in report.findings:
    if f.severity == "error":
        at_stake = f" [{f.currency} {f.amount_at_stake}]" if f.amount_at_stake is not None else ""
        print(f"  {f.invoice or f.client}: {f.message}{at_stake}")
