"""Rules written in Python: decorated functions and classes, options, findings, errors,
exact money."""

import datetime
from decimal import Decimal

import pytest

import billcheck


@billcheck.rule(id="acme.weekend-work", category="timing", severity="warning", scope="line",
                options={"allow_urgent": True})
def weekend_work(line, ctx):
    """Fee lines dated on a Saturday or Sunday."""
    if line.date and line.date.weekday() >= 5 and not (
            ctx.options["allow_urgent"] and "urgent" in (line.description or "").lower()):
        yield ctx.finding(f"{line.timekeeper.name} billed {line.quantity} h on a {line.date:%A}",
                          at_stake=line.amount)


class LargeExpense(billcheck.Rule):
    """Expense lines above a limit."""

    id = "acme.large-expense"
    category = "guidelines"
    severity = "info"
    scope = "line"
    options = {"limit": billcheck.Option(Decimal("50"), "The largest expense without a receipt")}

    def __init__(self, options):
        super().__init__(options)
        self.limit = self.options["limit"]

    def check(self, line, ctx):
        if line.type == "expense" and line.amount > self.limit:
            return ctx.finding(f"Expense of {line.amount} is above {self.limit}",
                               at_stake=line.amount - self.limit,
                               evidence={"limit": self.limit, "amount": line.amount},
                               fix=("amount", line.amount, self.limit))


def ids(report, rule):
    return [(f.invoice, f.line) for f in report.findings if f.rule == rule]


def test_decorated_rule(small_book):
    engine = billcheck.Engine()
    engine.add_rule(weekend_work)
    report = engine.check(small_book)
    found = [f for f in report.findings if f.rule == "acme.weekend-work"]
    assert [(f.invoice, f.line) for f in found] == [("INV-1", "2")]  # INV-2's Saturday line is urgent
    f = found[0]
    assert f.message == "Alan Turing billed 2.5 h on a Saturday"
    assert f.severity == "warning" and f.category == "timing"
    assert f.amount_at_stake == Decimal("750.00") and f.currency == "USD" and f.client == "C1"
    assert f.fingerprint and f.location == "small.json:1"


def test_class_rule_with_options(small_book):
    report = billcheck.Engine(rules=[LargeExpense]).check(small_book)
    [f] = [f for f in report.findings if f.rule == "acme.large-expense"]
    assert f.message == "Expense of 100.00 is above 50"
    assert f.amount_at_stake == Decimal("50.00")
    assert f.evidence == {"limit": "50.00", "amount": "100.00"}  # amounts with the currency's decimals
    assert f.fix == {"field": "amount", "current": "100.00", "suggested": "50.00"}
    assert f.severity == "info"


def test_rule_instance(small_book):
    report = billcheck.Engine(rules=[LargeExpense({"limit": Decimal("500")})]).check(small_book)
    assert ids(report, "acme.large-expense") == [("INV-1", "3")]  # the engine's options win: default 50


def test_options_from_the_config(small_book, write):
    config = write("billcheck.yaml", """
rules:
  acme.weekend-work: {options: {allow_urgent: false}}
  acme.large-expense: {severity: error, options: {limit: 100}}
""")
    report = billcheck.Engine(config, rules=[weekend_work, LargeExpense]).check(small_book)
    assert ids(report, "acme.weekend-work") == [("INV-1", "2"), ("INV-2", "1")]
    assert ids(report, "acme.large-expense") == []  # 100.00 is not above 100


def test_per_client_settings(small_book, write):
    config = write("billcheck.yaml", """
rules:
  acme.weekend-work: {options: {allow_urgent: false}}
clients:
  C1:
    rules:
      acme.weekend-work: off
""")
    report = billcheck.Engine(config, rules=[weekend_work]).check(small_book)
    assert ids(report, "acme.weekend-work") == [("INV-2", "1")]


def test_rules_lists_python_rules(write):
    engine = billcheck.Engine(rules=[weekend_work, LargeExpense])
    info = engine.rule("acme.weekend-work")
    assert info.title == "Fee lines dated on a Saturday or Sunday."
    assert info.scope == "line" and info.severity == "warning" and info.category == "timing"
    assert [(o.name, o.type, o.default) for o in info.options] == [("allow_urgent", "boolean", "true")]
    assert info.origin.startswith("Python ") and "test_rules.py:" in info.origin
    large = engine.rule("acme.large-expense")
    assert [(o.name, o.type, o.default, o.description) for o in large.options] == [
        ("limit", "decimal", "50", "The largest expense without a receipt")]


def test_option_types_round_trip(small_book):
    seen = {}

    @billcheck.rule(id="acme.options", category="data", scope="book",
                    options={"flag": False, "count": 3, "limit": Decimal("0.10"), "name": "x, y",
                             "codes": ["A1", "B 2"], "caps": {"partner": Decimal("650.00")}})
    def options(book, ctx):
        seen.update(ctx.options)

    billcheck.Engine(rules=[options]).check(small_book)
    assert seen == {"flag": False, "count": 3, "limit": Decimal("0.1"), "name": "x, y",
                    "codes": ["A1", "B 2"], "caps": {"partner": Decimal("650")}}


def test_every_scope(small_book):
    seen = []

    def make(scope):
        @billcheck.rule(id=f"acme.scope-{scope.replace('_', '-')}", category="data", scope=scope)
        def check(record, ctx):
            seen.append((scope, type(record).__name__))
            assert ctx.book is not None
        return check

    scopes = ["line", "invoice", "client", "payment", "credit_note", "book"]
    billcheck.Engine(rules=[make(s) for s in scopes]).check(small_book)
    assert sorted(set(seen)) == sorted([("line", "InvoiceLine"), ("invoice", "Invoice"), ("client", "Client"),
                                        ("payment", "Payment"), ("book", "Book")])


def test_book_rule_reports_about_records(small_book):
    @billcheck.rule(id="acme.daily-hours", category="guidelines", scope="book",
                    options={"max_hours": Decimal("2")})
    def daily_hours(book, ctx):
        for line in book.lines:
            if line.quantity > ctx.options["max_hours"]:
                yield ctx.finding("too many hours", about=line, key=str(line.date))
        yield ctx.finding("about the whole book", severity="info")

    report = billcheck.Engine(rules=[daily_hours]).check(small_book)
    found = [(f.invoice, f.line, f.severity) for f in report.findings if f.rule == "acme.daily-hours"]
    assert sorted(found, key=str) == sorted([("INV-1", "2", "error"), (None, None, "info")], key=str)


def test_a_raising_rule_becomes_an_internal_finding(small_book):
    @billcheck.rule(id="acme.broken", category="data", scope="invoice")
    def broken(invoice, ctx):
        if invoice.id == "INV-2":
            return {}["missing"]

    report = billcheck.Engine(rules=[broken, weekend_work]).check(small_book)
    [f] = [f for f in report.findings if f.rule == "acme.broken"]
    assert f.category == "internal" and f.invoice == "INV-2"
    assert "KeyError: 'missing' (" in f.message and "test_rules.py:" in f.message
    assert report.has_internal_errors
    assert ids(report, "acme.weekend-work")  # the run went on


def test_float_amounts_are_refused():
    ctx = billcheck.Context()
    with pytest.raises(TypeError, match=r"float.*decimal\.Decimal\('0\.1'\) or the string '0\.1'"):
        ctx.finding("x", at_stake=0.1)
    with pytest.raises(TypeError, match="float"):
        ctx.finding("x", evidence={"expected": 1.5})
    with pytest.raises(TypeError, match="float"):
        billcheck.rule(id="acme.f", category="data", options={"limit": 0.5})(lambda l, c: None)
    with pytest.raises(ValueError, match="decimal"):
        ctx.finding("x", at_stake=Decimal(1) / Decimal(3))  # 28 digits: round it first


def test_a_float_inside_a_rule_is_an_internal_finding(small_book):
    @billcheck.rule(id="acme.floaty", category="data", scope="invoice")
    def floaty(invoice, ctx):
        yield ctx.finding("x", at_stake=float(invoice.total) * 0.1)

    report = billcheck.Engine(rules=[floaty]).check(small_book)
    messages = [f.message for f in report.findings if f.rule == "acme.floaty"]
    assert messages and all("TypeError" in m and "Decimal" in m for m in messages)


@pytest.mark.parametrize("kwargs, words", [
    ({"severity": 3}, "TypeError: severity: expected 'error', 'warning' or 'info', not int"),
    ({"key": "\udcff"}, "ValueError: key: the text holds a character UTF-8 cannot write (a lone surrogate)"),
    ({"evidence": {"k": "\udcff"}}, "ValueError: evidence['k']: the text holds a character UTF-8 cannot write"),
])
def test_a_bad_finding_argument_is_named_in_the_error(small_book, kwargs, words):
    @billcheck.rule(id="acme.bad-arg", category="data", scope="invoice")
    def bad(invoice, ctx):
        yield ctx.finding("x", **kwargs)

    report = billcheck.Engine(rules=[bad]).check(small_book)
    messages = [f.message for f in report.findings if f.rule == "acme.bad-arg"]
    assert messages and all(words in m for m in messages), messages[:1]


def test_decimal_amounts_round_trip_exactly(small_book):
    @billcheck.rule(id="acme.exact", category="data", scope="invoice")
    def exact(invoice, ctx):
        if invoice.id == "INV-1":
            yield ctx.finding("tenths", at_stake=Decimal("0.1") + Decimal("0.2"),
                              evidence={"sum": Decimal("0.1") + Decimal("0.2"), "text": "0.30000000000000004"})
            yield ctx.finding("millionths", at_stake="-0.000001", key="tiny")

    report = billcheck.Engine(rules=[exact]).check(small_book)
    found = {f.message: f for f in report.findings if f.rule == "acme.exact"}
    assert found["tenths"].amount_at_stake == Decimal("0.3") and str(found["tenths"].amount_at_stake) == "0.30"
    assert found["tenths"].evidence == {"sum": "0.30", "text": "0.30000000000000004"}
    assert str(found["millionths"].amount_at_stake) == "-0.000001"
    assert '"amount_at_stake": "0.30"' in report.to_json()


def test_a_rule_function_runs_without_an_engine(small_book):
    ctx = billcheck.Context(options={"allow_urgent": True})
    line = small_book.invoice("INV-1").lines[1]
    [draft] = weekend_work(line, ctx)
    assert isinstance(draft, billcheck.FindingDraft)
    assert draft.message == "Alan Turing billed 2.5 h on a Saturday" and draft.at_stake == Decimal("750.00")
    assert list(weekend_work(small_book.invoice("INV-2").lines[0], ctx)) == []


def test_yielding_something_else_is_an_internal_finding(small_book):
    @billcheck.rule(id="acme.wrong", category="data", scope="client")
    def wrong(client, ctx):
        yield "not a finding"

    report = billcheck.Engine(rules=[wrong]).check(small_book)
    messages = [f.message for f in report.findings if f.rule == "acme.wrong"]
    assert len(messages) == 2 and "yield ctx.finding" in messages[0]


def test_python_rules_with_many_threads(small_book):
    engine = billcheck.Engine(rules=[weekend_work, LargeExpense])
    assert engine.check(small_book, jobs=8).to_json() == engine.check(small_book, jobs=1).to_json()


@pytest.mark.parametrize("kwargs, message", [
    ({"id": "Bad Id", "category": "data"}, "prefix.rule-name"),
    ({"id": "acme.x", "category": "nonsense"}, "category"),
    ({"id": "acme.x", "category": "data", "severity": "fatal"}, "severity"),
    ({"id": "acme.x", "category": "data", "scope": "matter"}, "scope"),
])
def test_bad_declarations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        billcheck.rule(**kwargs)(lambda line, ctx: None)


def test_not_a_rule():
    with pytest.raises(TypeError, match="not a billcheck rule"):
        billcheck.Engine().add_rule(lambda line, ctx: None)


def test_duplicate_rule_id_is_a_config_error():
    engine = billcheck.Engine(rules=[weekend_work])
    with pytest.raises(billcheck.ConfigError, match="already defined"):
        engine.add_rule(weekend_work)


def test_waiver_expiry_uses_today(small_book, write):
    config = write("billcheck.yaml", """
waivers:
  - {rule: acme.weekend-work, invoice: INV-1, reason: client asked, expires: 2026-06-30}
""")
    engine = billcheck.Engine(config, rules=[weekend_work])
    assert ids(engine.check(small_book, today=datetime.date(2026, 6, 1)), "acme.weekend-work") == []
    assert ids(engine.check(small_book, today="2026-07-01"), "acme.weekend-work") == [("INV-1", "2")]


def test_records_a_rule_keeps_stay_themselves(small_book):
    # The engine re-points the view of a record the rule did not keep; kept ones are left alone.
    kept, seen = [], []

    @billcheck.rule(id="acme.keeper", category="data", scope="line")
    def keeper(line, ctx):
        seen.append((line.invoice_id, line.line_no))
        if line.line_no != 2:
            kept.append(line)

    billcheck.Engine(rules=[keeper]).check(small_book, jobs=1)
    assert [(l.invoice_id, l.line_no) for l in kept] == [s for s in seen if s[1] != 2]
    assert len(seen) == 4
