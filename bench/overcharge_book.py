#!/usr/bin/python3
"""Turns a synthetic book (bench_gen_book) into one for timing `billcheck fix`.

  bench/overcharge_book.py DIR

Every engagement gets a 10% discount (discount_pct) and every invoice that
discount of its lines; one line in ten is billed 50.00 an hour above the
agreed rate (its amount quantity x rate, so only rates.contract-rate finds
it); every other invoice becomes a draft, which fix corrects, and the rest
stay issued and paid, which fix credits. A 100,000-line book has 10,000
overcharged lines, half of them on drafts. Rewrites DIR's CSV files in place.
"""
import csv
import sys
from decimal import ROUND_HALF_EVEN, Decimal


def cents(x):
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write(path, fields, records):
    with open(path, "w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        out.writeheader()
        out.writerows(records)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench/overcharge_book.py DIR (a folder bench_gen_book wrote)")
    book = sys.argv[1]
    engagements = rows(f"{book}/engagements.csv")
    if "discount_pct" in engagements[0]:
        sys.exit(f"{book}/engagements.csv: already has discount_pct; start from a fresh bench_gen_book folder")
    for e in engagements:
        e["discount_pct"] = "10"
    write(f"{book}/engagements.csv", list(engagements[0]), engagements)

    lines = rows(f"{book}/invoice_lines.csv")
    sums = {}
    for n, line in enumerate(lines):
        if n % 10 == 0:
            line["rate"] = str(Decimal(line["rate"]) + 50)
        line["amount"] = str(cents(Decimal(line["quantity"]) * Decimal(line["rate"])))
        sums[line["invoice_id"]] = sums.get(line["invoice_id"], Decimal(0)) + Decimal(line["amount"])
    write(f"{book}/invoice_lines.csv", list(lines[0]), lines)

    invoices = rows(f"{book}/invoices.csv")
    for n, invoice in enumerate(invoices):
        lines_sum = sums[invoice["invoice_id"]]
        invoice["discount"] = str(cents(lines_sum / 10))
        invoice["total"] = str(lines_sum - Decimal(invoice["discount"]))
        if n % 2 == 0:
            invoice["status"] = "draft"
    write(f"{book}/invoices.csv", list(invoices[0]), invoices)

    by_id = {i["invoice_id"]: i for i in invoices}
    payments = [p for p in rows(f"{book}/payments.csv") if by_id[p["invoice_id"]]["status"] != "draft"]
    for p in payments:
        p["amount"] = by_id[p["invoice_id"]]["total"]
    write(f"{book}/payments.csv", ["payment_id", "client_id", "invoice_id", "date", "amount", "currency"], payments)


if __name__ == "__main__":
    main()
