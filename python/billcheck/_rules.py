"""Rules written in Python: the @rule decorator, the Rule base class, Option.

A rule is a function ``check(record, ctx)`` (or a ``Rule.check`` method) that
returns or yields ``ctx.finding(...)``. To the engine it is a rule like any
native one: the same config, the same report.
"""

import copy
import decimal
import inspect
import os
import re

__all__ = ["rule", "Rule", "Option"]

SCOPES = ("line", "invoice", "client", "payment", "credit_note", "book")
REACHES = ("client", "timekeeper", "firm", "book")
SEVERITIES = ("error", "warning", "info")
CATEGORIES = ("arithmetic", "rates", "timing", "credit", "duplicates", "client-info",
              "services", "payments", "guidelines", "data")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")

# Lists that collect every rule defined while a rule file runs (see _loader).
_collectors = []


class Option:
    """A declared option: its default, a one-line description, and optionally its type.

    ``options={"max_hours": Option(Decimal("10"), "Hours a day above which a line is flagged")}``.
    A plain value (``options={"allow_urgent": True}``) declares the option with no description.
    The type follows the default: bool -> boolean, int -> integer, Decimal -> decimal,
    str -> string, list of str -> string_list, dict of str to Decimal -> decimal_map.
    Give ``type="decimal"`` to declare a decimal with a string default such as ``"0.01"``.
    """

    TYPES = ("boolean", "integer", "decimal", "string", "string_list", "decimal_map")

    def __init__(self, default, description="", type=None):
        if type is not None and type not in self.TYPES:
            raise ValueError(f"option type {type!r} is not one of {', '.join(self.TYPES)}")
        self.default = default
        self.description = description
        self.type = type

    def __repr__(self):
        return f"Option({self.default!r}, {self.description!r})"


def _quote(item):
    text = str(item)
    if text != text.strip() or any(c in text for c in ",[]{}:'\"") or not text:
        return "'" + text + "'" if "'" not in text else '"' + text + '"'
    return text


def _decimal_text(value, what):
    if isinstance(value, float):
        raise TypeError(f"{what}: {value!r} is a float, and a binary float is not exact; "
                        f"use decimal.Decimal('{value!r}') or the string '{value!r}'")
    if isinstance(value, bool) or not isinstance(value, (decimal.Decimal, int, str)):
        raise TypeError(f"{what}: expected a decimal.Decimal, an int or a string, not {type(value).__name__}")
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"{what}: {value} is not a finite number")
        return format(value, "f")
    return str(value)


def _option_spec(rule_id, name, declared):
    """(name, type, default as config text, description) for one declared option."""
    opt = declared if isinstance(declared, Option) else Option(declared)
    what = f"rule {rule_id}: option {name!r}"
    default, kind = opt.default, opt.type
    if kind is None:
        if isinstance(default, bool):
            kind = "boolean"
        elif isinstance(default, int):
            kind = "integer"
        elif isinstance(default, decimal.Decimal):
            kind = "decimal"
        elif isinstance(default, str):
            kind = "string"
        elif isinstance(default, (list, tuple)):
            kind = "string_list"
        elif isinstance(default, dict):
            kind = "decimal_map"
        elif isinstance(default, float):
            _decimal_text(default, what)  # raises the float TypeError
        else:
            raise TypeError(f"{what}: cannot tell the type of default {default!r}; use billcheck.Option(default, type=...)")
    if kind == "boolean":
        if not isinstance(default, bool):
            raise TypeError(f"{what}: a boolean option needs True or False")
        text = "true" if default else "false"
    elif kind == "integer":
        if isinstance(default, bool) or not isinstance(default, int):
            raise TypeError(f"{what}: an integer option needs an int")
        text = str(default)
    elif kind == "decimal":
        text = _decimal_text(default, what)
    elif kind == "string":
        text = str(default)
    elif kind == "string_list":
        if isinstance(default, str) or not all(isinstance(i, str) for i in default):
            raise TypeError(f"{what}: a string_list option needs a list of str")
        text = "[" + ", ".join(_quote(i) for i in default) + "]"
    else:
        if not isinstance(default, dict):
            raise TypeError(f"{what}: a decimal_map option needs a dict {{name: Decimal}}")
        text = "{" + ", ".join(f"{_quote(k)}: {_decimal_text(v, what)}" for k, v in default.items()) + "}"
    return (name, kind, text, opt.description or "")


def _validate(id, category, severity, scope, reach):
    if not isinstance(id, str) or not _ID.match(id):
        raise ValueError(f"rule id {id!r}: expected 'prefix.rule-name' in lower case (e.g. 'acme.weekend-work')")
    if category not in CATEGORIES:
        raise ValueError(f"rule {id}: category {category!r} is not one of {', '.join(CATEGORIES)}")
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    if scope not in SCOPES:
        raise ValueError(f"rule {id}: scope {scope!r} is not one of {', '.join(SCOPES)}")
    if reach not in REACHES:
        raise ValueError(f"rule {id}: reach {reach!r} is not one of {', '.join(REACHES)}")
    if reach == "timekeeper" and scope not in ("line", "book"):
        raise ValueError(f"rule {id}: reach 'timekeeper' needs scope 'line' or 'book'")


def _collect(obj):
    for collected in _collectors:
        if not any(o is obj for o in collected):
            collected.append(obj)


def _first_line(text):
    return (text or "").strip().split("\n", 1)[0].strip()


class _Spec:
    __slots__ = ("id", "title", "category", "severity", "scope", "reach", "options", "description")

    def __init__(self, id, title, category, severity, scope, options, description, reach="book"):
        _validate(id, category, severity, scope, reach)
        self.id, self.category, self.severity, self.scope, self.reach = id, category, severity, scope, reach
        self.options = [_option_spec(id, name, value) for name, value in (options or {}).items()]
        self.title = title or _first_line(description) or id
        self.description = inspect.cleandoc(description or "") or self.title

    def __repr__(self):
        return f"<billcheck rule {self.id}>"


def rule(id, *, category, severity="error", scope="line", reach="book", options=None, title=None, description=None):
    """Declares a function as a billcheck rule.

    ::

        @billcheck.rule(id="acme.weekend-work", category="timing", severity="warning",
                        scope="line", options={"allow_urgent": True})
        def weekend_work(line, ctx):
            if line.date and line.date.weekday() >= 5:
                yield ctx.finding(f"{line.quantity} h billed on a {line.date:%A}", at_stake=line.amount)

    The function receives the record (a line, invoice, client, payment, credit note, or the
    book, by ``scope``) and the Context, and returns or yields ``ctx.finding(...)``.
    ``reach`` says which part of the book the rule needs when a book is checked in
    parts (billcheck.distributed): ``client`` (one client's records), ``timekeeper`` (one
    timekeeper's lines across clients), ``firm`` (every invoice header, payment and credit
    note, no lines) or ``book`` (everything: the default, correct but run in one task).
    ``options`` declares the options with their defaults; billcheck.yaml may override them
    (``rules: {acme.weekend-work: {options: {allow_urgent: false}}}``) and the function reads
    them from ``ctx.options``. ``title`` and ``description`` default to the docstring.

    The function stays a plain function (call it directly in tests). Run it with
    ``Engine.add_rule(fn)``, ``Engine(config, rules=[fn])``, or list its file under
    ``python:`` in billcheck.yaml.
    """
    if callable(id) and not isinstance(id, str):
        raise TypeError("billcheck.rule needs arguments: @billcheck.rule(id=..., category=...)")

    def decorate(fn):
        if not callable(fn):
            raise TypeError(f"@billcheck.rule decorates a function, not {type(fn).__name__}")
        doc = inspect.getdoc(fn)
        fn.__billcheck_rule__ = _Spec(id, title, category, severity, scope, options, description or doc, reach)
        _collect(fn)
        return fn

    return decorate


class Rule:
    """Base class for a rule written as a class.

    ::

        class LargeExpense(billcheck.Rule):
            '''Expense lines above a threshold.'''
            id = "acme.large-expense"
            category = "guidelines"
            severity = "warning"
            scope = "line"
            options = {"limit": billcheck.Option(Decimal("500"), "Largest expense without a receipt")}

            def __init__(self, options):
                super().__init__(options)
                self.limit = self.options["limit"]     # read once, like a native rule

            def check(self, line, ctx):
                if line.type == "expense" and line.amount > self.limit:
                    yield ctx.finding(f"Expense of {line.amount} above {self.limit}", at_stake=None)

    The class attribute ``options`` declares the options and their defaults; an instance's
    ``self.options`` holds the configured values. The engine builds one instance per
    configuration (and per client with its own options). A subclass that sets ``id`` is
    registered when its rule file is loaded by the host.
    """

    id = None
    title = None
    category = None
    severity = "error"
    scope = "line"
    reach = "book"
    options = {}
    description = None

    def __init__(self, options=None):
        if options is None:
            options = {name: _default_value(spec) for name, spec in type(self).options.items()}
        self.options = dict(options)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "id" in cls.__dict__ and cls.id is not None:
            _spec_of_class(cls)  # validates now, at the class statement
            _collect(cls)

    def check(self, record, ctx):
        """Returns or yields ctx.finding(...) for what is wrong with `record`."""
        raise NotImplementedError(f"{type(self).__name__}.check")


def _default_value(declared):
    return declared.default if isinstance(declared, Option) else declared


def _spec_of_class(cls):
    if not cls.id:
        raise ValueError(f"{cls.__name__}: a billcheck.Rule subclass needs an id")
    if cls.check is Rule.check:
        raise TypeError(f"{cls.__name__}: define check(self, record, ctx)")
    own_doc = cls.__dict__.get("__doc__")  # not Rule's own docstring
    return _Spec(cls.id, cls.title, cls.category, cls.severity, cls.scope, cls.options,
                 cls.description or (inspect.cleandoc(own_doc) if own_doc else None), cls.reach)


def _where(fn):
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if code is None:
        return "", ""
    return code.co_filename, f"{_display(code.co_filename)}:{code.co_firstlineno}"


def _display(path):
    try:
        rel = os.path.relpath(path)
        return path if rel.startswith("..") else rel
    except ValueError:
        return path


def describe(obj):
    """(info, make) for the engine: info is a dict of the RuleInfo fields plus the file the
    rule is written in; make(options) returns the function the engine calls per record."""
    if isinstance(obj, type) and issubclass(obj, Rule):
        spec = _spec_of_class(obj)
        file, where = _where(obj.check)

        def make(options):
            return obj(options).check
    elif isinstance(obj, Rule):
        spec = _spec_of_class(type(obj))
        file, where = _where(type(obj).check)

        def make(options):
            # A configured copy: __init__ runs again with the engine's options, so
            # attributes derived from them follow; other attributes are kept.
            instance = copy.copy(obj)
            type(obj).__init__(instance, dict(options))
            return instance.check
    elif callable(obj) and isinstance(getattr(obj, "__billcheck_rule__", None), _Spec):
        spec = obj.__billcheck_rule__
        file, where = _where(obj)

        def make(options):
            return obj
    else:
        raise TypeError(f"{obj!r} is not a billcheck rule: decorate a function with @billcheck.rule(...) "
                        "or subclass billcheck.Rule")
    info = {
        "id": spec.id, "title": spec.title, "category": spec.category, "severity": spec.severity,
        "scope": spec.scope, "reach": spec.reach, "description": spec.description, "options": spec.options,
        "origin": f"Python {where}" if where else "Python", "file": file, "where": where,
    }
    return info, make
