#!/usr/bin/env python3
"""What a rule written in Python costs per line, against the same rule in C++.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_rule_bench.py [--lines 200000] [--build build]

Builds a synthetic book (or reads --book), runs on one thread with report stats:
  bench.native-long-line   C++ (bench/python/native_rule.cpp, built with -DBILLCHECK_BUILD_BENCH=ON)
  bench.python-long-line   the same check in Python (reads line.quantity: one Decimal per line)
  bench.python-empty       a Python rule that looks at nothing: the pure cost of calling Python
and prints each rule's ns/line and the overhead against the native rule (target: <= 300 ns/line).
"""

import argparse
import csv
import os
import sys
import tempfile
from decimal import Decimal

import billcheck

LIMIT = Decimal(24)


@billcheck.rule(id="bench.python-long-line", category="data", severity="warning", scope="line")
def long_line(line, ctx):
    """Fee line over 24 hours (bench, Python)."""
    if line.quantity > LIMIT:
        yield ctx.finding("more than 24 hours on one line")


@billcheck.rule(id="bench.python-empty", category="data", severity="warning", scope="line")
def empty(line, ctx):
    """A Python rule that does nothing (bench)."""
    return None


def write_book(folder, lines, per_invoice=8):
    """The shape of bench/synthetic_book.hpp: 200 clients, 8 fee lines an invoice."""
    rates = ("650.00", "420.00", "180.00")
    with open(os.path.join(folder, "clients.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["client_id", "name", "currency"])
        w.writerows([f"C{c}", f"Client {c}", "USD"] for c in range(200))
    with open(os.path.join(folder, "invoices.csv"), "w", newline="") as inv, \
            open(os.path.join(folder, "invoice_lines.csv"), "w", newline="") as out:
        wi, wl = csv.writer(inv), csv.writer(out)
        wi.writerow(["invoice_id", "client_id", "issue_date", "currency", "total"])
        wl.writerow(["invoice_id", "line_no", "type", "date", "description", "quantity", "rate", "amount"])
        written, i = 0, 0
        while written < lines:
            inv_id, total = f"INV-{100000 + i}", Decimal(0)
            for n in range(1, min(per_invoice, lines - written) + 1):
                hours = Decimal(written % 40 + 1) / 10
                rate = Decimal(rates[written % 3])
                amount = (hours * rate).quantize(Decimal("0.01"))
                total += amount
                wl.writerow([inv_id, n, "fee", "2026-01-05", "Review and revise draft agreement", hours, rate, amount])
                written += 1
            wi.writerow([inv_id, f"C{i % 200}", "2026-02-05", "USD", total])
            i += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--book", help="an existing book instead of a synthetic one")
    parser.add_argument("--build", default=os.path.join(os.path.dirname(billcheck.__file__), "..", ".."),
                        help="the build folder (for the native twin plugin)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest counts")
    args = parser.parse_args()

    plugin_dir = os.path.abspath(os.path.join(args.build, "bench", "python", "plugins"))
    with tempfile.TemporaryDirectory() as tmp:
        book_path = args.book
        if not book_path:
            book_path = os.path.join(tmp, "book")
            os.mkdir(book_path)
            write_book(book_path, args.lines)
        config = os.path.join(tmp, "billcheck.yaml")
        with open(config, "w") as f:
            if os.path.isdir(plugin_dir):
                f.write(f"plugins:\n  search_paths: ['{plugin_dir}']\n")
        book = billcheck.load_book(book_path)
        engine = billcheck.Engine(config, rules=[long_line, empty])
        n = len(book.lines)
        best = {}
        for _ in range(args.repeat):
            report = engine.check(book, jobs=1, stats=True)
            for s in report.stats:
                best[s["rule"]] = min(best.get(s["rule"], s["time_ns"]), s["time_ns"])

    print(f"{n} lines, one thread, fastest of {args.repeat} runs")
    per_line = {rule: ns / n for rule, ns in best.items()}
    for rule in ("bench.native-long-line", "bench.python-long-line", "bench.python-empty"):
        if rule in per_line:
            print(f"  {rule:28} {per_line[rule]:8.1f} ns/line")
    native = per_line.get("bench.native-long-line")
    if native is None:
        print("  (no native twin: configure with -DBILLCHECK_BUILD_BENCH=ON to build bench/python)")
        native = 0.0
    for rule in ("bench.python-empty", "bench.python-long-line"):
        print(f"overhead of {rule}: {per_line[rule] - native:.1f} ns/line (target <= 300)")


if __name__ == "__main__":
    sys.exit(main())
