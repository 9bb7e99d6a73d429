"""An object made by Cls.__new__(Cls), which does not run __init__ and so
never constructs the C++ value behind it, raises TypeError when it is used,
for every class the module binds: its methods ran on raw memory and crashed
the interpreter (`Engine.__new__(Engine).check(book)`: a segmentation fault).

Each case runs in a Python of its own, so that a crash fails the test (with
its exit status) instead of taking pytest down.
"""

import subprocess
import sys
import textwrap

import pytest

from billcheck import _billcheck

# One use of each bound class that reaches its C++ value; `obj` is made by
# __new__. A class without a constructor gets the second form of the message.
USES = {
    "Engine": "obj.check(billcheck.load_book(FIRM))",
    "Context": "obj.finding('x')",
    "_Store": "obj.runs()",
    "_PartsReference": "_billcheck._parts_check_part(billcheck.Engine(), obj, '', '', False, 1)",
    "Book": "obj.invoices",
    "Report": "obj.findings",
    "Finding": "obj.rule",
    "WaivedFinding": "obj.reason",
    "RuleInfo": "obj.explain()",
    "OptionSpec": "obj.name",
    "FindingDraft": "obj.message",
    "Client": "obj.id",
    "Timekeeper": "obj.name",
    "Engagement": "obj.extra",
    "Rate": "obj.rate",
    "TimeEntry": "obj.to_dict()",
    "Invoice": "obj.lines",
    "InvoiceLine": "obj.amount",
    "Payment": "repr(obj)",
    "CreditNote": "obj == obj",
}
CONSTRUCTIBLE = {"Engine", "Context", "_Store", "_PartsReference"}


def bound_classes():
    return sorted(name for name, value in vars(_billcheck).items()
                  if isinstance(value, type) and type(value).__name__ == "pybind11_type")


def run(firm, body):
    code = f"import billcheck\nfrom billcheck import _billcheck\nFIRM = {str(firm)!r}\n" + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_every_bound_class_has_a_case():
    # A class bound later gets refused too (the module refuses every class it
    # binds); this makes its test be written.
    assert bound_classes() == sorted(USES)


@pytest.mark.parametrize("name", sorted(USES))
def test_an_object_made_by_new_without_init_raises_type_error(firm, name):
    out = run(firm, f"""
        cls = getattr(_billcheck, {name!r})
        obj = cls.__new__(cls)
        try:
            {USES[name]}
        except TypeError as e:
            print("TypeError:", e)
    """)
    advice = f"create one with {name}(...)" if name in CONSTRUCTIBLE else \
        f"use one billcheck gives you ({name} has no constructor)"
    assert out == (f"TypeError: this {name} was never initialised: it was made by {name}.__new__({name}), "
                   f"which does not run {name}.__init__; {advice}\n")


def test_an_unconstructed_object_given_as_an_argument_is_refused_too(firm):
    out = run(firm, """
        book = billcheck.Book.__new__(billcheck.Book)
        try:
            billcheck.Engine().check(book)
        except TypeError as e:
            print("TypeError:", e)
        # The real ones still work beside them.
        print(len(billcheck.Engine().check(billcheck.load_book(FIRM))) > 0)
    """)
    assert out == ("TypeError: this Book was never initialised: it was made by Book.__new__(Book), which does not "
                   "run Book.__init__; use one billcheck gives you (Book has no constructor)\nTrue\n")
