"""billcheck.distributed: a book in parts checked on a Dask cluster gives the
report `billcheck check` gives on one machine, byte for byte, with the same
exit status: on a LocalCluster of two worker processes, and on a real
dask-scheduler with two dask-worker processes this test starts on 127.0.0.1."""

import contextlib
import csv
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")

import billcheck  # noqa: E402
import billcheck.distributed  # noqa: E402

from conftest import BUILD, FIRM, ROOT  # noqa: E402

sys.path.insert(0, str(ROOT / "bench" / "distributed"))
from parts_book import HEADERS, synthetic_book, write_table  # noqa: E402

REFERENCE = ("clients", "timekeepers", "engagements", "rates")


# ---- books ------------------------------------------------------------------------

def read_table(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def split_into_parts(book, out):
    """The CSV book `book` as a book in parts: its reference tables at the top of
    `out`, one part per client holding the client's invoices and their lines,
    payments, credit notes and the time entries of its engagements."""
    out.mkdir(parents=True, exist_ok=True)
    for name in REFERENCE:
        if (book / f"{name}.csv").exists():
            header, rows = read_table(book / f"{name}.csv")
            write_table(out / f"{name}.csv", header, rows)
    eh, engagements = read_table(book / "engagements.csv")
    client_of_engagement = {r[eh.index("engagement_id")]: r[eh.index("client_id")] for r in engagements}
    ih, invoices = read_table(book / "invoices.csv")
    client_of_invoice = {r[0]: r[ih.index("client_id")] for r in invoices}
    clients = sorted(set(client_of_invoice.values()))

    def by_client(name, client_of_row):
        if not (book / f"{name}.csv").exists():
            return
        header, rows = read_table(book / f"{name}.csv")
        for c in clients:
            write_table(out / f"part-{c}" / f"{name}.csv", header, [r for r in rows if client_of_row(header, r) == c])

    by_client("invoices", lambda h, r: r[h.index("client_id")])
    by_client("invoice_lines", lambda h, r: client_of_invoice.get(r[0]))
    by_client("payments", lambda h, r: r[h.index("client_id")])
    by_client("credit_notes", lambda h, r: r[h.index("client_id")])
    by_client("time_entries", lambda h, r: client_of_engagement.get(r[h.index("engagement_id")]))
    return out


# ---- clusters ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def local_cluster():
    from distributed import LocalCluster
    with tempfile.TemporaryDirectory(prefix="billcheck-dask-") as space, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
                         dashboard_address=None, silence_logs=50, local_directory=space) as cluster:
        yield cluster.scheduler_address


def worker_env():
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("DASK_DISTRIBUTED__WORKER__DAEMON", None)
    return env


def start(args, log):
    # Its own process group: stopped with everything it started, pass or fail.
    return subprocess.Popen(args, cwd=ROOT, env=worker_env(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


class RealCluster:
    """A dask-scheduler and dask-worker processes on 127.0.0.1, each on a port of its own."""

    def __init__(self, workers=2):
        self.dir = tempfile.TemporaryDirectory(prefix="billcheck-dask-")
        d = pathlib.Path(self.dir.name)
        self.log = open(d / "cluster.log", "w")
        self.procs, self.workers = [], []
        self.file = d / "scheduler.json"
        try:
            self.procs.append(start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                     "--port", "0", "--dashboard-address", "127.0.0.1:0",
                                     "--scheduler-file", str(self.file)], self.log))
            deadline = time.monotonic() + 60
            while not self.file.exists() or not self.file.read_text().strip():
                assert time.monotonic() < deadline, "dask-scheduler did not start: " + self.logs()
                time.sleep(0.1)
            self.address = json.loads(self.file.read_text())["address"]
            for i in range(workers):
                self.add_worker(f"w{i}")
            from distributed import Client
            with Client(self.address, timeout=60) as c:
                c.wait_for_workers(workers, timeout=60)
        except BaseException:
            self.close()
            raise

    def add_worker(self, name):
        w = start([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(self.file),
                   "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                   "--name", name, "--death-timeout", "60", "--local-directory", self.dir.name], self.log)
        self.procs.append(w)
        self.workers.append(w)
        return w

    def logs(self):
        self.log.flush()
        return (pathlib.Path(self.dir.name) / "cluster.log").read_text()[-4000:]

    def close(self):
        for p in reversed(self.procs):
            stop(p)
        self.log.close()
        self.dir.cleanup()


@pytest.fixture(scope="module")
def real_cluster():
    cluster = RealCluster()
    try:
        yield cluster
    finally:
        cluster.close()


# ---- running both -------------------------------------------------------------------

def cli(exe, book, *args):
    return subprocess.run([exe, "check", str(book), *args], capture_output=True, cwd=ROOT, timeout=120)


def on_cluster(address, book, *args):
    return subprocess.run([sys.executable, "-m", "billcheck.distributed", "check", str(book), "--scheduler", address,
                           *args], capture_output=True, cwd=ROOT, env=worker_env(), timeout=300)


def assert_same(exe, address, book, *args):
    one, many = cli(exe, book, *args), on_cluster(address, book, *args)
    assert many.stderr.decode().count("Traceback") == 0, many.stderr.decode()
    assert many.stdout == one.stdout
    assert many.returncode == one.returncode, many.stderr.decode()
    return one


@pytest.fixture(scope="module")
def books():
    with tempfile.TemporaryDirectory(prefix="billcheck-parts-") as d:
        d = pathlib.Path(d)
        yield {"firm": split_into_parts(FIRM, d / "firm"), "synthetic": synthetic_book(d / "synthetic")}


@pytest.fixture(params=["local", "real"])
def address(request):
    if request.param == "local":
        return request.getfixturevalue("local_cluster")
    return request.getfixturevalue("real_cluster").address


# ---- the tests ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json"])
def test_example_firm_folder_gives_the_clis_report(exe, address, fmt):
    one = assert_same(exe, address, FIRM, "--format", fmt)
    assert one.returncode == 1  # the planted errors


def test_fail_on_takes_the_clis_values_and_refuses_what_it_refuses(exe, capsys):
    # billcheck check has no --fail-on info: the same run must not mean something here and be refused there.
    assert cli(exe, FIRM, "--fail-on", "info").returncode == 2
    with pytest.raises(SystemExit) as refused:
        billcheck.distributed.main(["check", str(FIRM), "--scheduler", "tcp://127.0.0.1:1", "--fail-on", "info"])
    assert refused.value.code == 2
    assert "argument --fail-on: invalid choice: 'info' (choose from 'error', 'warning', 'never')" in \
        capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_example_firm_in_parts_gives_the_clis_report(exe, address, books, fmt):
    # P-2003 is Northwind's payment on Brandt's invoice: two parts.
    one = assert_same(exe, address, books["firm"], "--format", fmt, "--config", FIRM / "billcheck.yaml")
    assert b"payments.misapplied" in one.stdout
    assert b"credit.over-limit" in one.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_synthetic_book_of_many_clients_gives_the_clis_report(exe, address, books, fmt):
    one = assert_same(exe, address, books["synthetic"], "--format", fmt)
    for rule in (b"services.daily-hours", b"duplicates.invoice-number", b"payments.misapplied"):
        assert rule in one.stdout, rule


def test_an_invoice_credited_in_full_leaves_the_timekeepers_day_as_on_one_machine(exe, local_cluster, tmp_path):
    # TK-1's planted 27-hour day is 9 h on each of INV-0001-2, INV-0002-2 and
    # INV-0003-2. Credited in full, an invoice no longer counts towards the day
    # (is_cancelled), so the timekeeper task must see the credit notes: one
    # in the invoice's own part, one held by another client's part.
    book = synthetic_book(tmp_path / "book")
    totals = {}
    for p in ("part-000", "part-002"):
        header, rows = read_table(book / p / "invoices.csv")
        totals.update((r[0], r[header.index("total")]) for r in rows)
    for part, note, client, invoice in (("part-000", "CN-1", "C-0001", "INV-0001-2"),
                                        ("part-003", "CN-2", "C-0004", "INV-0003-2")):
        with open(book / part / "credit_notes.csv", "a", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerow([note, client, invoice, "2025-03-20", totals[invoice],
                                                          "Billed in error", "Partner A"])
    one = assert_same(exe, local_cluster, book, "--format", "json")
    assert b'"services.daily-hours"' not in one.stdout  # 9 hours are left of the day


def test_a_glob_of_parts_gives_the_clis_report(exe, local_cluster, books):
    assert_same(exe, local_cluster, str(books["synthetic"] / "part-00[0-3]"), "--format", "json")


def test_the_python_api_returns_the_report_engine_check_gives(local_cluster, books):
    from distributed import Client
    book = books["synthetic"]
    with Client(local_cluster) as client:
        report = billcheck.distributed.check(book, client)
    whole = billcheck.Engine.for_book(book).check(billcheck.load_book(book))
    assert report.to_json() == whole.to_json()
    assert {f.rule for f in report.findings} >= {"services.daily-hours", "payments.misapplied"}


def test_a_worker_killed_during_the_run_gives_the_same_report(exe):
    book_dir = tempfile.TemporaryDirectory(prefix="billcheck-kill-")
    book = synthetic_book(pathlib.Path(book_dir.name) / "book", clients=120, parts=24)
    cluster = RealCluster()
    try:
        from distributed import Client
        killed = threading.Event()
        with Client(cluster.address) as client:
            victim = cluster.workers[0]

            def kill_once_it_holds_a_part():
                # As soon as the victim holds a finished part, so that Dask must recompute it elsewhere.
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not killed.is_set():
                    for worker, keys in client.has_what().items():
                        info = client.scheduler_info()["workers"].get(worker, {})
                        if info.get("name") == "w0" and any("_part_task" in str(k) for k in keys):
                            stop(victim)
                            killed.set()
                            return
                    time.sleep(0.01)

            watcher = threading.Thread(target=kill_once_it_holds_a_part)
            watcher.start()
            report = billcheck.distributed.check(book, client)
            watcher.join()
        assert killed.is_set(), "the worker was not killed during the run"
        whole = billcheck.Engine.for_book(book).check(billcheck.load_book(book))
        assert report.to_json() == whole.to_json()
    finally:
        cluster.close()
        book_dir.cleanup()


def test_parts_that_do_not_load_fail_the_run_with_every_located_problem(exe, address, tmp_path):
    book = synthetic_book(tmp_path / "book", clients=8, parts=4)
    lines = book / "part-001" / "invoice_lines.csv"
    lines.write_text(lines.read_text().replace(",fee,2025-01-", ",fee,2025-13-", 1))
    invoices = book / "part-003" / "invoices.csv"
    invoices.write_text(invoices.read_text().replace(",USD,", ",US Dollars,", 1))
    one, many = cli(exe, book), on_cluster(address, book)
    assert one.returncode == many.returncode == 2
    assert many.stdout == one.stdout == b""
    assert many.stderr == one.stderr, many.stderr.decode()
    text = one.stderr.decode()
    assert "part-001/invoice_lines.csv:2" in text and "part-003/invoices.csv:2" in text


RULES_PY = """
import billcheck

@billcheck.rule(id="acme.large-invoice", category="guidelines", severity="warning", scope="invoice")
def large_invoice(invoice, ctx):
    \"\"\"An invoice over 5000, declared without a reach: the whole book in one task.\"\"\"
    if invoice.total > 5000:
        yield ctx.finding(f"Invoice {invoice.id} is over 5000")

@billcheck.rule(id="acme.long-line", category="guidelines", severity="info", scope="line", reach="client")
def long_line(line, ctx):
    \"\"\"A line of more than 4 hours.\"\"\"
    if line.quantity > 4:
        yield ctx.finding(f"{line.quantity} h on one line")
"""


def test_python_rules_run_by_their_reach_and_one_without_is_run_on_the_whole_book(exe, local_cluster, books,
                                                                                   tmp_path):
    (tmp_path / "rules.py").write_text(RULES_PY)
    (tmp_path / "billcheck.yaml").write_text("python_isolate: false\npython: [rules.py]\n")
    config = tmp_path / "billcheck.yaml"
    one = assert_same(exe, local_cluster, books["synthetic"], "--format", "json", "--config", config)
    assert b"acme.large-invoice" in one.stdout and b"acme.long-line" in one.stdout
    many = on_cluster(local_cluster, books["synthetic"], "--config", config)
    assert "declare no reach and run in one task on the whole book: acme.large-invoice" in many.stderr.decode()


def test_isolated_rules_are_refused_with_what_to_do(local_cluster, books, tmp_path):
    (tmp_path / "rules.py").write_text(RULES_PY)
    (tmp_path / "billcheck.yaml").write_text("python: [rules.py]\n")
    many = on_cluster(local_cluster, books["synthetic"], "--config", tmp_path / "billcheck.yaml")
    assert many.returncode == 2 and many.stdout == b""
    assert "python_isolate: false" in many.stderr.decode()


def test_every_bundled_rule_declares_its_reach():
    reach = {r.id: r.reach for r in billcheck.Engine().rules()}
    assert reach["services.daily-hours"] == "timekeeper"
    assert reach["duplicates.invoice-number"] == reach["payments.misapplied"] == "firm"
    assert reach["arithmetic.line-amount"] == reach["duplicates.work"] == "client"
    assert [r for r, v in reach.items() if v == "book"] == []


def test_a_python_rule_says_its_reach():
    @billcheck.rule(id="acme.r1", category="guidelines", scope="line", reach="timekeeper")
    def r1(line, ctx):
        return []

    @billcheck.rule(id="acme.r2", category="guidelines")
    def r2(line, ctx):
        return []

    engine = billcheck.Engine(rules=[r1, r2])
    reach = {r.id: r.reach for r in engine.rules()}
    assert reach["acme.r1"] == "timekeeper" and reach["acme.r2"] == "book"
    with pytest.raises(ValueError, match="reach 'galaxy' is not one of client, timekeeper, firm, book"):
        billcheck.rule(id="acme.r3", category="guidelines", reach="galaxy")(lambda line, ctx: [])
    with pytest.raises(ValueError, match="reach 'timekeeper' needs scope 'line' or 'book'"):
        billcheck.rule(id="acme.r4", category="guidelines", scope="invoice", reach="timekeeper")(lambda i, c: [])


PACK = """pack: reachy
version: 1.0.0
rules:
  - id: local
    title: A line over 8 hours
    category: guidelines
    scope: line
    when: line.quantity > 8
  - id: paid-elsewhere
    title: Paid by another client
    category: payments
    scope: payment
    when: has(payment.invoice) && payment.invoice.client.id != payment.client.id
  - id: declared
    title: Declared firm
    category: payments
    scope: payment
    reach: firm
    when: has(invoice) && invoice.client.id != client.id
"""


def test_a_pack_rules_reach_is_client_unless_it_reads_across_clients(tmp_path):
    (tmp_path / "reachy").mkdir()
    (tmp_path / "reachy" / "pack.yaml").write_text(PACK)
    (tmp_path / "billcheck.yaml").write_text("packs: [reachy]\n")
    reach = {r.id: r.reach for r in billcheck.Engine(tmp_path / "billcheck.yaml").rules()}
    assert reach["reachy.local"] == "client"
    assert reach["reachy.paid-elsewhere"] == "book"
    assert reach["reachy.declared"] == "firm"
    (tmp_path / "reachy" / "pack.yaml").write_text(PACK.replace("reach: firm", "reach: client"))
    with pytest.raises(billcheck.ConfigError, match="reach 'client', but the rule reads payment.invoice"):
        billcheck.Engine(tmp_path / "billcheck.yaml")


def test_with_a_store_the_driver_records_the_run_once_after_the_report(exe, local_cluster, books, tmp_path):
    book = books["synthetic"]
    one = cli(exe, book, "--store", tmp_path / "one.sqlite")
    many = on_cluster(local_cluster, book, "--store", tmp_path / "many.sqlite")
    assert many.stdout == one.stdout and many.returncode == one.returncode, many.stderr.decode()
    runs = billcheck.Store(tmp_path / "many.sqlite").runs()
    assert len(runs) == 1
    findings = billcheck.Store(tmp_path / "many.sqlite").findings(frame=False)
    assert len(findings) == len(billcheck.Store(tmp_path / "one.sqlite").findings(frame=False)) > 0
    # The run records what it checked as the CLI does: the book's path and the digest of
    # every file of every part; the config's (none here: the synthetic book has none).
    ran, cli_ran = (billcheck.Store(tmp_path / f"{n}.sqlite").runs().iloc[0] for n in ("many", "one"))
    for column in ("book", "book_digest", "config", "config_digest"):
        assert ran[column] == cli_ran[column], column
    assert len(ran["book_digest"]) == 64 and ran["book"] == str(book.resolve())
    # Another book (one part's file changed) has another digest.
    other = tmp_path / "other"
    shutil.copytree(book, other)
    (other / "part-000" / "invoices.csv").write_text((other / "part-000" / "invoices.csv").read_text() + "\n")
    on_cluster(local_cluster, other, "--store", tmp_path / "many.sqlite")
    assert billcheck.Store(tmp_path / "many.sqlite").runs().iloc[1]["book_digest"] != ran["book_digest"]
