"""What a firm does after a check, as one call each: billcheck.fix, billcheck.letter, billcheck.explain.

Each builds the engine the ``billcheck`` command would (``config``, else the
billcheck.yaml beside the book) and calls the Engine method of the same name,
so an accounting package can offer "correct and notify" as one action::

    book, summary = billcheck.fix("books/2025-10", today="2026-01-15")
    text = billcheck.letter(book, "C-300", config="books/2025-10/billcheck.yaml")
"""
import os

from ._billcheck import Book, Engine, load_book


def _engine_and_book(book, config):
    if isinstance(book, Book):
        return (Engine(config) if config is not None else Engine()), book
    return Engine.for_book(os.fspath(book), config), load_book(os.fspath(book))


def fix(book, report=None, *, config=None, today=None, reissue=False):
    """``billcheck fix`` on the book at this path: returns (corrected Book, summary dict).

    Draft invoices take every fix and are recomputed; each overcharge on an
    issued or paid invoice gets a credit note dated ``today`` (default: today);
    with ``reissue=True`` such an invoice is credited in full instead and a
    corrected replacement invoice names it. The files are not touched. ``report``, when given, is the check the caller
    acted on: fix checks the book again itself, and raises ValueError when that
    report's findings are not the book's as it stands (a stale report).
    """
    if isinstance(book, Book):
        # fix reads the book from its files (and names them in the summary and
        # the notes it writes); a Book in memory is not a path.
        raise TypeError("fix() takes the book's path (a CSV folder, a .json or a LEDES file), not a loaded Book: "
                        "pass the path the Book was loaded from")
    path = os.fspath(book)
    engine = Engine.for_book(path, config)
    if report is not None:
        now = engine.check(load_book(path), today=today)
        if sorted(f.fingerprint for f in report.findings) != sorted(f.fingerprint for f in now.findings):
            raise ValueError(f"the report is not of {path} as it stands (its findings differ); check the book again")
    fixed, summary, _text = engine.fix(path, today=today, reissue=reissue)
    return fixed, summary


def letter(book, client, *, invoices=None, format="text", templates=None, today=None, config=None):
    """The letter to a client about the errors on their invoices (Engine.letter).

    ``book``: a path (its billcheck.yaml is used, as by the command) or a Book
    (then ``config`` names the billcheck.yaml, or every rule runs at its defaults).
    """
    engine, loaded = _engine_and_book(book, config)
    return engine.letter(loaded, client, invoices=invoices, format=format, templates=templates, today=today)


def explain(book, invoice, *, line=None, format="text", templates=None, today=None, config=None):
    """How an invoice, or one line of it, was worked out (Engine.explain); ``book`` as for letter()."""
    engine, loaded = _engine_and_book(book, config)
    return engine.explain(loaded, invoice, line=line, format=format, templates=templates, today=today)
