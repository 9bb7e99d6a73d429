"""A synthetic book in parts (docs/distributed.md): reference tables at the top,
one CSV folder per client group. Used by python/tests/test_distributed.py and
bench/distributed/run.py."""

import csv
import datetime
import pathlib

REFERENCE = ("clients", "timekeepers", "engagements", "rates")


def write_table(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


HEADERS = {
    "clients": "client_id,name,billing_entity,billing_address,billing_email,tax_id,country,currency,"
               "payment_terms_days,credit_limit,credit_hold,last_verified",
    "timekeepers": "timekeeper_id,name,role,active_from,active_to",
    "engagements": "engagement_id,client_id,name,billing_entity,billing_cycle,invoice_within_days,discount_pct,"
                   "fee_cap,start_date,end_date",
    "rates": "engagement_id,timekeeper_id,role,rate,effective_from,effective_to",
    "invoices": "invoice_id,client_id,engagement_id,issue_date,period_start,period_end,due_date,currency,discount,"
                "tax_rate,tax,total,status",
    "invoice_lines": "invoice_id,line_no,type,date,timekeeper_id,entry_id,task_code,activity_code,expense_code,"
                     "description,quantity,rate,adjustment,amount",
    "payments": "payment_id,client_id,invoice_id,date,amount,currency,reference",
    "credit_notes": "credit_note_id,client_id,invoice_id,date,amount,reason,approved_by",
    "time_entries": "entry_id,engagement_id,timekeeper_id,date,hours,billable,task_code,activity_code,description",
}
ROLES = {"partner": 600, "associate": 350, "paralegal": 150}
TASKS = ["Draft share purchase agreement", "Review disclosure letter", "Call with client on warranties",
         "Research on merger control thresholds", "Prepare board minutes", "Revise escrow terms"]


class _Tables:
    """Each table of each part as an open CSV writer: rows are written as they are made."""

    def __init__(self, out, parts):
        self.files, self.writers = [], {}
        self.out, self.parts = out, parts

    def writer(self, part, name):
        key = (part, name)
        if key not in self.writers:
            path = self.out / (name + ".csv") if part is None else self.out / f"part-{part:03d}" / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            f = open(path, "w", newline="", encoding="utf-8")
            self.files.append(f)
            self.writers[key] = csv.writer(f, lineterminator="\n")
            self.writers[key].writerow(HEADERS[name].split(","))
        return self.writers[key]

    def row(self, part, name, values):
        self.writer(part, name).writerow(values)

    def close(self):
        for f in self.files:
            f.close()


def _money(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def synthetic_book(out, clients=40, parts=8, invoices_per_client=3, lines_per_invoice=4):
    """A firm of `clients` clients written as `parts` parts (client n in part
    (n - 1) % parts), clean but for errors that only rules across clients find,
    each across two or three parts:
    - TK-1 bills 9 h on 2025-02-03 for C-0001, C-0002 and C-0003 (27 h: services.daily-hours);
    - invoice DUP-1 is issued by C-0004 and C-0005 (duplicates.invoice-number);
    - payment P-MIS of C-0001 settles an invoice of C-0002 (payments.misapplied);
    and C-9999 is in the reference tables only (no part names it).
    Lines: clients * invoices_per_client * lines_per_invoice."""
    out = pathlib.Path(out)
    t = _Tables(out, parts)
    try:
        for p in range(parts):
            for name in ("invoices", "invoice_lines", "payments", "credit_notes", "time_entries"):
                t.writer(p, name)
        # About one timekeeper per four clients, each working for a few neighbouring clients
        # (a few more, so that the assignment below never wraps round).
        tks = [(f"TK-{i + 1}", f"Timekeeper {i + 1}", ("partner", "associate", "associate", "paralegal")[i % 4])
               for i in range(max(4, clients // 4 + lines_per_invoice + 1))]
        for tk, name, role in tks:
            t.row(None, "timekeepers", [tk, name, role, "2015-01-01", ""])
        part_of = lambda n: (n - 1) % parts  # noqa: E731
        for n in range(1, clients + 1):
            c, e, part = f"C-{n:04d}", f"E-{n:04d}", part_of(n)
            t.row(None, "clients", [c, f"Client {n} Ltd", f"Client {n} Ltd", f"{n} High Street, London",
                                    f"ap@client{n}.example", f"GB{n:09d}", "GB", "USD", "30", "", "false",
                                    "2025-01-10"])
            t.row(None, "engagements", [e, c, f"Matter {n}", f"Client {n} Ltd", "", "", "", "", "2024-12-01", ""])
            for role, rate in ROLES.items():
                t.row(None, "rates", [e, "", role, f"{rate}.00", "2024-12-01", ""])
            for i in range(invoices_per_client):
                inv = f"INV-{n:04d}-{i + 1}"
                month = i % 9 + 1
                total = 0
                for k in range(lines_per_invoice):
                    # A timekeeper's day holds at most two lines (under 10 h): the
                    # only long day is the planted one below.
                    tk, _, role = tks[(n // 4 + k) % len(tks)]
                    day = f"2025-{month:02d}-{(k + 5 * (n % 4)) % 20 + 2:02d}"
                    hours = f"{1 + (n + k) % 4}.{(n * k) % 10}"
                    entry = f"TE-{n:04d}-{i + 1}-{k + 1}"
                    desc = f"{TASKS[(n + k) % len(TASKS)]} ({inv} item {k + 1})"
                    if n <= 3 and i == 1 and k == 0:
                        tk, role, day, hours = "TK-1", "partner", "2025-02-03", "9.0"
                    rate = ROLES[role]
                    amount = int(round(float(hours) * rate * 100))
                    total += amount
                    t.row(part, "time_entries", [entry, e, tk, day, hours, "true", "C100", "A101", desc])
                    t.row(part, "invoice_lines", [inv, str(k + 1), "fee", day, tk, entry, "C100", "A101", "", desc,
                                                  hours, f"{rate}.00", "", _money(amount)])
                paid = i == 0
                issued = datetime.date(2025, month + 1, 3)
                due = issued + datetime.timedelta(days=30)
                t.row(part, "invoices", [inv, c, e, issued.isoformat(), f"2025-{month:02d}-01",
                                         f"2025-{month:02d}-28", due.isoformat(), "USD", "", "", "",
                                         _money(total), "paid" if paid else "issued"])
                if paid:
                    payer = 1 if n == 2 else n
                    pid = "P-MIS" if n == 2 else f"P-{n:04d}"
                    t.row(part_of(payer), "payments", [pid, f"C-{payer:04d}", inv, f"2025-{month + 1:02d}-20",
                                                       _money(total), "USD", f"Wire {inv}"])
            if n in (4, 5):  # two clients, two parts, one invoice number
                t.row(part, "invoices", ["DUP-1", c, e, "2025-06-03", "2025-05-01", "2025-05-28", "2025-07-03", "USD",
                                         "", "", "", "0.00", "issued"])
        t.row(None, "clients", ["C-9999", "Dormant Holdings", "Dormant Holdings", "1 Quiet Lane", "accounts@dormant",
                                "", "GB", "USD", "30", "", "false", "2025-01-10"])
    finally:
        t.close()
    return out
