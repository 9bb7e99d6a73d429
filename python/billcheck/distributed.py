"""Check a book too big for one machine on a Dask cluster, with the report
``billcheck check`` gives on one machine, byte for byte.

::

    from dask.distributed import Client
    import billcheck.distributed
    report = billcheck.distributed.check("books/firm", Client("tcp://scheduler:8786"))

    python3 -m billcheck.distributed check books/firm --scheduler tcp://scheduler:8786

The book is a CSV folder, a folder of parts (CSV folders or JSON books, one per
client group, with the reference tables clients/timekeepers/engagements/rates
beside them) or a glob of parts; every worker reads it by the same path. Each
rule runs where its reach (``RuleInfo.reach``) lets it:

- ``client`` rules in one task per part, which also returns the small
  projections the other reaches need;
- ``timekeeper`` rules in one task per timekeeper bucket, on the lines the
  parts shuffle to it by timekeeper;
- ``firm`` rules in one task on every part's headers (invoices without lines,
  payments, credit notes), which also checks the clients no part names;
- ``book`` rules (a rule that declares no reach) in one task on the whole book,
  with a warning: correct, but that task needs the whole book.

The reference tables are read once, by a task, and fetched by each worker
from the one that read them. Tasks are pure: a rerun (a worker lost mid-run)
gives the same result.
The findings are assembled into the report by the engine's own assembly, the
one ``Engine.check`` uses. See docs/distributed.md.
"""

import argparse
import hashlib
import json
import logging
import os
import sys
import threading

from . import _billcheck
from ._billcheck import BookError, ConfigError, Engine

__all__ = ["check", "main"]

# One engine per worker process and (book, config): building one loads the plugins and packs.
_engines = {}
_engines_lock = threading.Lock()


# The reference tables, read once per worker process (by their digest): every task copies them.
_references = {}


def _reference(text):
    key = hashlib.blake2b(text, digest_size=16).digest()
    with _engines_lock:
        ref = _references.get(key)
        if ref is None:
            _references.clear()  # one book at a time
            ref = _references[key] = _billcheck._PartsReference(text)
        return ref


def _engine(book, config):
    key = (book, config)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = Engine.for_book(book, config)
        return engine


# ---- the tasks: pure functions of their arguments, so a rerun gives the same result

def _part_task(book, config, reference, root, part, single, buckets):
    """Client-reach rules on one part, and its projections: its headers for the
    firm, its lines by timekeeper bucket. A part that does not load gives its problems."""
    try:
        meta, firm, by_timekeeper = _billcheck._parts_check_part(
            _engine(book, config), _reference(reference), root, part, single, buckets)
    except BookError as e:
        return {"errors": list(e.messages)}
    return {"meta": meta, "firm": firm, "timekeeper": by_timekeeper}


def _reference_task(book):
    """The book's reference tables and the ids of their clients, read on a worker."""
    return _billcheck._parts_reference(book)


def _item(pair, index):
    return pair[index]


def _pick(result, kind, index=None):
    """One projection of a part's result, taken where the part ran, so that
    only it moves to the task that needs it (None when the part did not load)."""
    if "errors" in result:
        return None
    value = result[kind]
    return value if index is None else value[index]


def _errors_of(result):
    return result.get("errors", [])


def _clients_of(meta):
    return None if meta is None else json.loads(meta)["clients"]


def _records_task(book, config, reference, slices, root, parts, single, reaches):
    """Rules of `reaches` on the reference tables plus slices (a shuffle's output) and whole parts."""
    return [_billcheck._parts_check_records(_engine(book, config), _reference(reference),
                                            [s for s in slices if s is not None], root, parts, single, reaches)]


def _firm_task(book, config, reference, reference_clients, headers, owned):
    """Firm-reach rules on every part's headers, and client-reach rules on the
    clients of the reference tables that no part names (they have no records,
    so the reference tables are all their rules can see)."""
    engine = _engine(book, config)
    reference = _reference(reference)
    firm = _billcheck._parts_check_records(engine, reference, [h for h in headers if h is not None],
                                           "", [], False, ["firm"])
    named = {c for clients in owned if clients for c in clients}
    alone = {c for c in reference_clients if c not in named}
    rest = _billcheck._parts_check_records(engine, reference, [], "", [], False, ["client"], alone, True)
    return [firm, rest]


# ---- the driver

def _warn(message):
    print(message, file=sys.stderr)


def _check(book, client, config=None, *, timekeeper_buckets=None, today=None, warn=_warn):
    book = os.fspath(book)
    config = os.fspath(config) if config is not None else None
    engine = Engine.for_book(book, config)
    if _billcheck._parts_isolated(engine):
        error = ConfigError("billcheck.distributed does not run isolated rules yet (plugins on plugins.search_paths "
                            "and Python rule files run in worker processes by default): run them in process "
                            "(plugins.isolate: {NAME: false}, python_isolate: false) or check with billcheck check")
        error.messages = [str(error)]
        raise error
    root, parts, single = _billcheck._parts_layout(book)
    root, parts = os.fspath(root), [os.fspath(p) for p in parts]
    rules = engine.rules()
    reaches = {r.reach for r in rules}
    whole = sorted(r.id for r in rules if r.reach == "book")
    if whole:
        warn(f"billcheck.distributed: {len(whole)} rule(s) declare no reach and run in one task on the whole "
             f"book: {', '.join(whole)} (declare a reach: docs/distributed.md#reach)")
    buckets = 0
    if "timekeeper" in reaches:
        # A bucket about the size of a part: no timekeeper task holds more lines than a part task.
        buckets = timekeeper_buckets or max(1, min(len(parts), 64))

    reference, _ = _billcheck._parts_reference(book)  # the driver's own, for the assembly
    # The reference tables and their client ids come from a task, not scattered data:
    # Dask recomputes a task's result when the worker holding it is lost, but not
    # scattered data (every task needing it would be cancelled).
    submit = client.submit
    pair = submit(_reference_task, book, pure=True)
    ref, reference_clients = submit(_item, pair, 0, pure=True), submit(_item, pair, 1, pure=True)
    done = [submit(_part_task, book, config, ref, root, p, single, buckets, pure=True) for p in parts]
    metas = [submit(_pick, f, "meta", pure=True) for f in done]
    headers = [submit(_pick, f, "firm", pure=True) for f in done]
    owned = [submit(_clients_of, m, pure=True) for m in metas]
    jobs = [submit(_firm_task, book, config, ref, reference_clients, headers, owned, pure=True)]
    for b in range(buckets):
        lines = [submit(_pick, f, "timekeeper", b, pure=True) for f in done]
        jobs.append(submit(_records_task, book, config, ref, lines, "", [], False, ["timekeeper"], pure=True))
    if whole:
        jobs.append(submit(_records_task, book, config, ref, [], root, parts, single, ["book"], pure=True))
    problems = [submit(_errors_of, f, pure=True) for f in done]
    # Only the small picks stay referenced: a part's result (its lines by
    # timekeeper) is freed once the tasks that take a share of it have run.
    del done

    errors = [m for ms in client.gather(problems) for m in ms]
    if errors:
        # The other tasks are released with their futures as this returns (the
        # scheduler forgets a task no client wants). Cancelling them explicitly
        # raced the client's close under load: Dask then printed "Future exception
        # was never retrieved ... TimeoutError" after the run's own errors.
        del jobs, metas, headers
        error = BookError("\n".join(errors))
        error.messages = errors  # as the engine's BookError carries them
        raise error
    found = [text for texts in client.gather(jobs) for text in texts]
    return _billcheck._parts_assemble(engine, client.gather(metas), found, _reference(reference),
                                      client.gather(headers), today)


def check(book, client, config=None, *, timekeeper_buckets=None, today=None):
    """Checks the book at path `book` on the Dask cluster of `client` (a
    dask.distributed.Client) and returns the Report that
    ``billcheck.Engine.for_book(book, config).check(billcheck.load_book(book))``
    gives on one machine. Every worker reads the book by the same path.

    Raises billcheck.BookError listing every problem of every part that does
    not load, billcheck.ConfigError for a config that is not accepted.
    """
    report, _ = _check(book, client, config, timekeeper_buckets=timekeeper_buckets, today=today)
    return report


# ---- python3 -m billcheck.distributed check BOOK --scheduler tcp://HOST:PORT

_CLEAN, _FINDINGS, _BAD_INPUT = 0, 1, 2


def _print_errors(messages, closing):
    for m in messages[:100]:
        print(m, file=sys.stderr)
    if len(messages) > 100:
        print(f"billcheck: … and {len(messages) - 100} more problems (-v lists every one)", file=sys.stderr)
    print(f"billcheck: {closing}", file=sys.stderr)


def _status(report, fail_on, allow_refused):
    """The exit status `billcheck check` gives for this report."""
    if report.has_internal_errors:
        print("billcheck: a rule failed during the check (see the 'internal' findings); the report is incomplete",
              file=sys.stderr)
        return _BAD_INPUT
    if report.refused and not allow_refused:
        n = len(report.refused)
        print(f"billcheck: {n} {'plugin was' if n == 1 else 'plugins were'} refused, so their rules did not run; "
              "fix or remove them, or pass --allow-refused-plugins", file=sys.stderr)
        return _BAD_INPUT
    if fail_on == "never":
        return _CLEAN
    order = {"info": 0, "warning": 1, "error": 2}
    worst = report.worst
    return _FINDINGS if worst is not None and order[worst] >= order[fail_on] else _CLEAN


def _record(store, report, header_book, book, config):
    """Records the finished report once, as `billcheck check --store` does: the
    store reads only the invoices and clients of the book, which the headers hold."""
    if report.has_internal_errors or report.refused:
        print(f"billcheck: the run was not recorded in {store}: the check was incomplete (a rule failed or a "
              "plugin was refused)", file=sys.stderr)
        return
    from ._store import Store
    Store(store).record(report, header_book, book, config=config or "")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m billcheck.distributed",
                                     description="Check a book on a Dask cluster; the report is billcheck check's.")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="check a book and print the report")
    c.add_argument("book", help="a CSV folder, a folder of parts (CSV folders or .json books), or a glob of parts")
    c.add_argument("--scheduler", required=True, help="the Dask scheduler's address, tcp://HOST:PORT")
    c.add_argument("--format", choices=["text", "json"], default="text")
    c.add_argument("--config", help="billcheck.yaml (default: the one beside the book)")
    c.add_argument("--fail-on", choices=["error", "warning", "never"], default="error",
                   help="exit 1 when a finding is at least this severe")
    c.add_argument("--allow-refused-plugins", action="store_true",
                   help="exit by the findings even when a plugin was refused")
    c.add_argument("--store", help="record the run in this store (the record): once, by this driver, "
                                   "after the report is complete")
    c.add_argument("--timekeeper-buckets", type=int,
                   help="tasks for the timekeeper-reach rules (default: one per part, up to 64)")
    args = parser.parse_args(argv)

    from dask.distributed import Client  # only the command needs a cluster at import

    # A run that stops on a book's errors leaves Dask's own futures behind;
    # under load, closing the client timed one of them out, and asyncio then
    # printed "Future exception was never retrieved ... tornado.util.TimeoutError:
    # Timeout" after the run's errors, which billcheck check does not print.
    # Those futures are Dask's, not the run's: its errors were all reported.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    try:
        with Client(args.scheduler) as client:
            report, header_book = _check(args.book, client, args.config, timekeeper_buckets=args.timekeeper_buckets)
    except BookError as e:
        _print_errors(list(e.messages), "the book was not loaded; fix the problems above and run again")
        return _BAD_INPUT
    except ConfigError as e:
        _print_errors(list(e.messages), "the configuration was not accepted; fix the problems above and run again")
        return _BAD_INPUT
    except OSError as e:
        print(f"billcheck: {e}", file=sys.stderr)
        return _BAD_INPUT
    if args.store:
        _record(args.store, report, header_book, args.book, _engine(args.book, args.config).config_file)
    text = report.to_json() if args.format == "json" else _billcheck._report_text(report, header_book)
    sys.stdout.write(text)
    sys.stdout.flush()
    return _status(report, args.fail_on, args.allow_refused_plugins)


if __name__ == "__main__":
    # The tasks must be billcheck.distributed's functions, which every worker
    # imports by name, not copies of this __main__ module's.
    from billcheck.distributed import main as _main
    sys.exit(_main())
