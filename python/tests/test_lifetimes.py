"""Records, books and rules outliving one another: a record keeps its book
alive, a record of a book nobody holds any more is an error, never a read of
freed memory, and a Python rule never leaves the interpreter waiting for ever.

Each case runs in a Python of its own, so that a crash fails the test (with
its exit status) instead of taking pytest down.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

PRELUDE = """
import gc
import billcheck

@billcheck.rule(id="acme.noop", category="data", scope="line")
def noop(line, ctx):
    return None
"""


def run(firm, body, timeout=60):
    code = PRELUDE + f"FIRM = {str(firm)!r}\n" + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ))
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_a_record_from_the_book_keeps_it_alive_after_a_python_rule_ran(firm):
    # The rule was handed the book's last line: the view it was given must not
    # be what book.lines returns later without its book.
    out = run(firm, """
        engine = billcheck.Engine(rules=[noop])
        book = billcheck.load_book(FIRM)
        engine.check(book, jobs=1)
        line, invoice = book.lines[-1], book.invoices[-1]
        expected = (line.line_no, line.description, line.amount, invoice.id, invoice.total)
        del book
        gc.collect()
        billcheck.load_book(FIRM)  # another book where the first one was
        print((line.line_no, line.description, line.amount, invoice.id, invoice.total) == expected, repr(line))
    """)
    assert out.startswith("True <InvoiceLine ")


def test_a_record_a_rule_kept_keeps_the_book_it_came_from(firm):
    out = run(firm, """
        kept = []
        @billcheck.rule(id="acme.keep", category="data", scope="line")
        def keep(line, ctx):
            kept.append(line)
        book = billcheck.load_book(FIRM)
        billcheck.Engine(rules=[keep]).check(book, jobs=1)
        expected = [(l.line_no, l.amount, l.invoice.id) for l in book.lines]
        del book
        gc.collect()
        print([(l.line_no, l.amount, l.invoice.id) for l in kept] == expected)
    """)
    assert out == "True\n"


def test_a_book_the_engine_loaded_itself_is_an_error_once_it_is_gone(firm):
    out = run(firm, """
        kept = []
        @billcheck.rule(id="acme.keep-book", category="data", scope="book")
        def keep(book, ctx):
            kept.append(book)
        billcheck.Engine(rules=[keep]).fix(FIRM, today="2026-01-15")
        gc.collect()
        try:
            kept[0].lines
        except RuntimeError as e:
            print(e)
    """)
    assert out == "this book is no longer loaded (a book handed to a rule is valid only during that check)\n"


def test_opening_a_dispute_with_a_python_rule_in_the_engine_completes(firm, tmp_path):
    out = run(firm, f"""
        engine = billcheck.Engine(rules=[noop])
        book = billcheck.load_book(FIRM)
        store = billcheck.Store({str(tmp_path / "record.db")!r}, by="margaret")
        report = engine.check(book)
        store.record(report, book)
        invoice = book.invoices[0].id
        print(store.open_dispute(engine, book, invoice, "rate", "we agreed less")["state"])
    """, timeout=30)
    assert out == "open\n"


def test_a_rule_that_checks_again_without_end_is_stopped_not_a_crash(firm):
    # In plain Python such a bug ends in RecursionError; through the engine it
    # ran out of C stack first. The innermost check reports the rule as failed.
    out = run(firm, """
        holder = {"messages": []}
        @billcheck.rule(id="acme.recheck", category="data", scope="line")
        def recheck(line, ctx):
            if line.line_no == 1:
                inner = holder["engine"].check(ctx.book, invoice=line.invoice_id, jobs=1)
                holder["messages"] += [f.message for f in inner.findings if f.category == "internal"]
        engine = holder["engine"] = billcheck.Engine(rules=[recheck])
        engine.check(billcheck.load_book(FIRM), jobs=1)
        print(any("RecursionError: a rule's check starts checks more than 16 deep" in m for m in holder["messages"]))
    """)
    assert out == "True\n"


def test_ctrl_c_stops_a_check_of_python_rules_and_raises_keyboard_interrupt(firm):
    # A rule slow enough that the check would run for minutes; SIGINT after a second.
    code = PRELUDE + f"FIRM = {str(firm)!r}\n" + textwrap.dedent("""
        import sys, time
        @billcheck.rule(id="acme.slow", category="data", scope="line")
        def slow(line, ctx):
            time.sleep(2)
        print("ready", flush=True)
        for jobs in (int(sys.argv[1]),):
            try:
                billcheck.Engine(rules=[slow]).check(billcheck.load_book(FIRM), jobs=jobs)
                print("returned")
            except KeyboardInterrupt:
                print("KeyboardInterrupt")
    """)
    for jobs in ("1", "2"):
        started = time.monotonic()
        child = subprocess.Popen([sys.executable, "-c", code, jobs], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline() == "ready\n"
            time.sleep(1)
            child.send_signal(signal.SIGINT)
            out, _ = child.communicate(timeout=30)
        finally:
            child.kill()
        assert out == "KeyboardInterrupt\n", jobs
        assert time.monotonic() - started < 25
