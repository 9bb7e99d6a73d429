"""billcheck: find billing errors in a firm's book, and write rules in Python.

::

    import billcheck
    book = billcheck.load_book("examples/firm")            # CSV folder, .json file, or "-"
    report = billcheck.Engine("examples/firm/billcheck.yaml").check(book)
    for f in report.findings:
        print(f.severity, f.invoice, f.message, f.amount_at_stake)
    frame = report.to_dataframe()                          # needs pandas

Money, rates and quantities are decimal.Decimal (never float), dates are
datetime.date, absent values are None. Rules written in Python
(@billcheck.rule or billcheck.Rule) run in the engine like native ones, and in
the billcheck executable when billcheck.yaml lists their file under ``python:``.
See docs/python.md.
"""

from ._billcheck import (  # noqa: F401  (re-exported)
    Book,
    BookError,
    Client,
    ConfigError,
    Context,
    CreditNote,
    Engagement,
    Engine,
    Finding,
    FindingDraft,
    Invoice,
    InvoiceLine,
    OptionSpec,
    Payment,
    Rate,
    Report,
    RuleInfo,
    TimeEntry,
    Timekeeper,
    UnknownInvoice,
    WaivedFinding,
    __version__,
    book_from_json,
    format_hours,
    load_book,
    rules,
    set_log_verbosity,
)
from ._remedies import explain, fix, letter  # noqa: F401
from ._billcheck import InvalidMove, StoreError  # noqa: F401
from ._rules import Option, Rule, rule  # noqa: F401
from ._store import Store  # noqa: F401

__all__ = [
    "Book", "BookError", "Client", "ConfigError", "Context", "CreditNote", "Engagement", "Engine",
    "Finding", "FindingDraft", "Invoice", "InvoiceLine", "Option", "OptionSpec", "Payment", "Rate",
    "Report", "Rule", "RuleInfo", "TimeEntry", "Timekeeper", "UnknownInvoice", "WaivedFinding", "book_from_json",
    "explain", "fix", "format_hours", "letter", "Store", "StoreError", "InvalidMove",
    "load_book", "rule", "rules", "set_log_verbosity",
]
