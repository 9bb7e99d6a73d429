"""billcheck.Store: the record (runs, findings over time, disputes, the audit
trail) kept in one SQLite file, as the billcheck command keeps it.

Amounts come back as decimal.Decimal (never float); runs, findings, disputes
and events can be had as pandas DataFrames.
"""

import json
from decimal import Decimal

from ._billcheck import _Store
from ._rules import _decimal_text

_AMOUNT_KEYS = ("amount", "amount_at_stake")


def _decimals(value):
    """Amounts (exact text in the store's JSON) as decimal.Decimal."""
    if isinstance(value, dict):
        return {k: ((Decimal(v) if v else None) if k in _AMOUNT_KEYS and isinstance(v, str) else _decimals(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def _load(text):
    return _decimals(json.loads(text))


def _frame(rows, columns=None):
    try:
        import pandas
    except ImportError as e:
        raise ImportError("Store frames need pandas (Debian: apt install python3-pandas)") from e
    frame = pandas.DataFrame(rows, columns=columns)
    return frame.astype(object) if len(frame.columns) else frame


def _amount(value, what):
    """An amount as its exact text: a Decimal, an int or a string; never a binary float."""
    if value is None or (isinstance(value, str) and not value):
        return ""
    return _decimal_text(value, what)


def _instalments(plan):
    return [(_amount(amount, "instalments"), str(due)) for amount, due in (plan or [])]


class Store:
    """The record in the SQLite file at ``path`` (created when it does not exist).

    ``by``: who makes the changes (default: the login name). ``now``: a fixed
    UTC time (``2026-01-05T09:00:00Z``) for every change, for reproducible
    examples; default: the clock.
    """

    def __init__(self, path, by="", now=None, read_only=False):
        self._store = _Store(str(path), by, now, read_only)

    @property
    def path(self):
        return self._store.path

    @property
    def schema_version(self):
        return self._store.schema_version

    # ---- runs and findings

    def record(self, report, book, book_path="", invoice="", config=""):
        """Records a check (report = Engine.check(book)) and completes the report with
        its history, the store's waivers and the findings fixed since; returns the run.
        With book_path (and config, the billcheck.yaml used), the run records their
        paths and digests, as `billcheck check --store` does."""
        return _load(self._store.record(report, book, str(book_path), invoice or "", str(config or "")))

    def runs(self):
        """The runs recorded, oldest first, as a DataFrame (one row per run, counts flattened)."""
        rows = []
        for run in _load(self._store.runs()):
            counts = run.pop("counts")
            run.update(counts)
            rows.append(run)
        return _frame(rows)

    def findings(self, status=None, client="", invoice="", rule="", frame=True):
        """The findings the record keeps; status is one state or a list of them."""
        if isinstance(status, str):
            status = [status]
        rows = _load(self._store.findings(list(status or []), client, invoice, rule))
        return _frame(rows) if frame else rows

    def finding(self, fingerprint):
        return _load(self._store.finding(fingerprint))

    def ack(self, fingerprint, note=""):
        return _load(self._store.move_finding(fingerprint, "ack", note, None, "", "", [], "", "", ""))

    def resolve(self, fingerprint, remedy, remedy_id="", amount="", note="", instalments=None):
        """remedy: corrected, credit-note, discount, write-off, payment-plan (with
        instalments: [(amount, "YYYY-MM-DD"), ...]) or explained."""
        return _load(self._store.move_finding(fingerprint, "resolve", note, remedy, remedy_id, _amount(amount, "amount"),
                                              _instalments(instalments), "", "", ""))

    def waive(self, fingerprint, reason, approved_by="", expires="", note=""):
        return _load(self._store.move_finding(fingerprint, "waive", note, None, "", "", [], reason, approved_by,
                                              str(expires or "")))

    def reopen(self, fingerprint, note=""):
        return _load(self._store.move_finding(fingerprint, "reopen", note, None, "", "", [], "", "", ""))

    # ---- disputes

    def open_dispute(self, engine, book, invoice, reason, says, line="", received=""):
        """Records the client's dispute and investigates it at once: the engine's rules run on
        the invoice, and the findings that back the client's point are linked."""
        return _load(self._store.open_dispute(engine, book, invoice, str(line or ""), reason, says, str(received or "")))

    def dispute(self, id):
        return _load(self._store.dispute(id))

    def disputes(self, state="", frame=True):
        rows = _load(self._store.disputes(state))
        return _frame(rows) if frame else rows

    def ack_dispute(self, id):
        return _load(self._store.move_dispute(id, "ack", "", "", None, "", "", []))

    def investigate(self, id):
        return _load(self._store.move_dispute(id, "investigate", "", "", None, "", "", []))

    def uphold(self, id, remedy, remedy_id="", amount="", instalments=None):
        return _load(self._store.move_dispute(id, "uphold", "", "", remedy, remedy_id, _amount(amount, "amount"),
                                              _instalments(instalments)))

    def explain(self, id, explanation):
        return _load(self._store.move_dispute(id, "explain", "", explanation, None, "", "", []))

    def close(self, id, note=""):
        return _load(self._store.move_dispute(id, "close", note, "", None, "", "", []))

    def note(self, id, channel, direction, text="", attach="", keep_bytes=False):
        return self._store.add_note(id, channel, direction, text, str(attach or ""), keep_bytes)

    def pay_instalment(self, id, number, date):
        return _load(self._store.pay_instalment(id, number, str(date)))

    def overdue(self, today):
        return _load(self._store.overdue(str(today)))

    def trends(self, from_date=None, to_date=None):
        """`billcheck report --format json` as data (docs/patterns.md): the runs with their findings and
        money at stake, by category and by client; the disputes by reason and outcome; the causes that came
        back after they were fixed. Amounts are decimal.Decimal; dates are YYYY-MM-DD, inclusive."""
        data = json.loads(self._store.trends(str(from_date or ""), str(to_date or "")))

        def money(amounts):
            return {currency: Decimal(amount) for currency, amount in amounts.items()}

        for run in data["runs"]:
            run["amount_at_stake"] = money(run["amount_at_stake"])
            for group in ("by_category", "by_client"):
                for figure in run[group].values():
                    figure["amount_at_stake"] = money(figure["amount_at_stake"])
        return data

    # ---- audit

    def events(self, dispute=0, invoice="", frame=True):
        rows = _load(self._store.events(dispute or 0, invoice or ""))
        return _frame(rows) if frame else rows

    def verify(self, anchor=""):
        """{"intact": bool, "events": n, "broken": first broken event id or None, "problem": text,
        "head": the newest event as "ID:HASH", or None}. Keep the head outside the store and pass it
        back as `anchor`: the trail is then not intact when that event is gone (the newest events
        deleted) or differs."""
        return self._store.verify(anchor or "")
