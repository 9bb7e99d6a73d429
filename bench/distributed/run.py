#!/usr/bin/python3
"""bench/distributed: a synthetic book in parts checked by `billcheck check` in
one process and by billcheck.distributed on a LocalCluster of local worker
processes: wall time, per-task overhead, peak memory per worker, the size of
what the shuffle moves; then a projection on paper to a bigger book and cluster.

    PYTHONPATH=build/python bench/distributed/run.py [--lines 10000000] [--parts 50] [--workers 2]
        [--memory-limit 5GiB] [--exe build/bin/billcheck] [--dir DIR] [--project-lines 1e9 --project-workers 100]

Every figure printed is measured on this machine except the projection, which
says how it is computed from them.
"""

import argparse
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from parts_book import synthetic_book  # noqa: E402

INVOICES_PER_CLIENT, LINES_PER_INVOICE = 4, 8


def one_process(exe, book):
    """`billcheck check BOOK --format json` in a child: wall, peak RSS, report bytes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    r = subprocess.run([exe, "check", str(book), "--format", "json"], capture_output=True)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if r.returncode not in (0, 1):
        sys.exit(r.stderr.decode())
    return wall, max(peak, before) * 1024, r.stdout


def _peak_rss():
    import resource as r
    return r.getrusage(r.RUSAGE_SELF).ru_maxrss * 1024


def _noop(x):
    return x


def on_cluster(book, workers, memory_limit):
    from distributed import Client, LocalCluster
    import billcheck.distributed as bd

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                      dashboard_address=None, silence_logs=50) as cluster, Client(cluster) as client:
        # Dask's own cost per task: a thousand no-op tasks, submitted and gathered.
        t0 = time.perf_counter()
        client.gather(client.map(_noop, range(1000), pure=False))
        per_task = (time.perf_counter() - t0) / 1000

        client.get_task_stream()  # start recording
        from distributed import get_task_stream
        with get_task_stream(client) as ts:
            t0 = time.perf_counter()
            report, _ = bd._check(book, client, warn=lambda m: None)
            wall = time.perf_counter() - t0
        tasks = {}
        for t in ts.data:
            kind = t["key"].rsplit("-", 1)[0] if isinstance(t["key"], str) else str(t["key"])
            compute = sum(s["stop"] - s["start"] for s in t["startstops"] if s["action"] == "compute")
            transfer = sum(s["stop"] - s["start"] for s in t["startstops"] if s["action"] == "transfer")
            k = tasks.setdefault(kind, {"n": 0, "compute": 0.0, "transfer": 0.0, "max": 0.0})
            k["n"] += 1
            k["compute"] += compute
            k["transfer"] += transfer
            k["max"] = max(k["max"], compute)
        peaks = client.run(_peak_rss)
        # What the shuffle and the firm task move: the projections' sizes.
        return wall, per_task, tasks, peaks, report.to_json().encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=float, default=10_000_000)
    ap.add_argument("--parts", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="auto")
    ap.add_argument("--exe", default=str(HERE.parents[1] / "build" / "bin" / "billcheck"))
    ap.add_argument("--dir", help="write the book here (default: a temporary folder, removed after)")
    ap.add_argument("--project-lines", type=float, default=1e9)
    ap.add_argument("--project-workers", type=int, default=100)
    args = ap.parse_args()

    lines = int(args.lines)
    clients = max(args.parts, lines // (INVOICES_PER_CLIENT * LINES_PER_INVOICE))
    tmp = None if args.dir else tempfile.TemporaryDirectory(prefix="billcheck-bench-")
    book = pathlib.Path(args.dir or tmp.name) / "book"
    t0 = time.perf_counter()
    if not book.exists():
        synthetic_book(book, clients=clients, parts=args.parts, invoices_per_client=INVOICES_PER_CLIENT,
                       lines_per_invoice=LINES_PER_INVOICE)
    gen = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in book.rglob("*.csv"))
    lines = clients * INVOICES_PER_CLIENT * LINES_PER_INVOICE
    print(f"book: {lines:,} lines, {clients:,} clients in {args.parts} parts, {size / 2**20:,.0f} MiB of CSV "
          f"(written in {gen:.1f} s)")

    one_wall, one_peak, one_json = one_process(args.exe, book)
    print(f"one process (billcheck check): {one_wall:.1f} s wall, peak {one_peak / 2**20:,.0f} MiB")

    wall, per_task, tasks, peaks, many_json = on_cluster(book, args.workers, args.memory_limit)
    same = many_json == one_json
    print(f"billcheck.distributed, {args.workers} local workers: {wall:.1f} s wall; report identical: {same}")
    print(f"Dask's own cost per task (1000 no-op tasks): {per_task * 1000:.2f} ms")
    print("tasks: kind, count, compute s (sum / max), transfer s (sum)")
    for kind, k in sorted(tasks.items(), key=lambda kv: -kv[1]["compute"]):
        print(f"  {kind:<24} {k['n']:>5}  {k['compute']:8.2f} / {k['max']:6.2f}  {k['transfer']:7.2f}")
    for w, p in sorted(peaks.items()):
        print(f"peak memory, worker {w}: {p / 2**20:,.0f} MiB")
    if args.memory_limit != "auto":
        from dask.utils import parse_bytes
        limit = parse_bytes(args.memory_limit)
        print(f"memory limit per worker: {limit / 2**20:,.0f} MiB; the one process peaked at "
              f"{one_peak / 2**20:,.0f} MiB: the book is {'larger' if one_peak > limit else 'not larger'} than a "
              f"worker's limit ({one_peak / limit:.1f}x), and each worker stayed "
              f"{'within' if max(peaks.values()) <= limit else 'over'} it")

    # ---- what one part's projections weigh: measured here on the first part
    from billcheck import _billcheck
    buckets = tasks.get("_records_task", {"n": 0})["n"]
    root, parts, single = _billcheck._parts_layout(str(book))
    engine = _billcheck.Engine.for_book(str(book), None)
    reference_text, _ = _billcheck._parts_reference(str(book))
    _, headers, shares = _billcheck._parts_check_part(engine, _billcheck._PartsReference(reference_text),
                                                      os.fspath(root), os.fspath(parts[0]), single, buckets)
    part_lines = lines / args.parts
    share_per_line = sum(len(s) for s in shares) / part_lines
    headers_per_line = len(headers) / part_lines
    print(f"what moves: the reference tables {len(reference_text) / 2**20:,.1f} MiB (to each worker, once); "
          f"a part's timekeeper shares {share_per_line:,.0f} bytes a line, its headers {headers_per_line:,.0f} "
          f"bytes a line (to the firm task and the driver)")

    # ---- on paper: the same work at --project-lines on --project-workers, parts the size of these
    N, W = args.project_lines, args.project_workers
    P = N / part_lines
    B = min(P, 64)  # billcheck.distributed's default: a bucket per part, up to 64

    def per_line(kind):
        return tasks.get(kind, {"compute": 0.0})["compute"] / lines

    print(f"\nprojection to {N:,.0f} lines on {W} workers, {P:,.0f} parts of {part_lines:,.0f} lines "
          f"({B:,.0f} timekeeper buckets), from the figures above:")
    print(f"  part tasks: {per_line('_part_task') * 1e6:.1f} us a line -> {per_line('_part_task') * N / W:,.0f} s "
          f"of compute per worker")
    print(f"  timekeeper tasks: {per_line('_records_task') * 1e6:.1f} us a line -> "
          f"{per_line('_records_task') * N / W:,.0f} s per worker; each bucket holds {N / B:,.0f} lines "
          f"({N / B / part_lines:,.0f} parts' worth)")
    tasks_n = P * (4 + B) + B + 1  # part, meta/headers/clients/errors picks, a share pick per bucket, buckets, firm
    print(f"  scheduler: {tasks_n:,.0f} tasks x {per_task * 1000:.2f} ms = {tasks_n * per_task:,.0f} s "
          f"(the share picks, P x B, are {P * B / tasks_n:.0%} of them)")
    print(f"  shuffle: {share_per_line * N / 2**30:,.0f} GiB across the cluster, "
          f"{share_per_line * N / W / 2**30:,.1f} GiB into each worker")
    print(f"  firm task: one task, {per_line('_firm_task') * N:,.0f} s, on {headers_per_line * N / 2**30:,.0f} GiB "
          f"of headers: it does not scale (it needs its own shuffle by key)")
    if tmp:
        tmp.cleanup()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
