"""Acme's house rules, written in Python and run by the billcheck executable when
billcheck.yaml lists this file under `python:` (see billcheck.yaml beside it).

One rule as a class with options read once, one over the whole book.
"""

from collections import defaultdict
from decimal import Decimal

import billcheck


class LargeExpense(billcheck.Rule):
    """Expenses above the firm's receipt threshold for the invoice currency."""

    id = "acme.large-expense"
    title = "Expense above the receipt threshold"
    category = "guidelines"
    severity = "info"
    scope = "line"
    options = {
        "limits": billcheck.Option({"USD": Decimal("250"), "EUR": Decimal("250"), "GBP": Decimal("200"),
                                    "JPY": Decimal("30000")},
                                   "The largest expense without a receipt, per currency"),
    }

    def __init__(self, options):
        super().__init__(options)
        self.limits = self.options["limits"]

    def check(self, line, ctx):
        if line.type != "expense":
            return None
        limit = self.limits.get(line.invoice.currency)
        if limit is not None and line.amount > limit:
            return ctx.finding(f"Expense of {line.amount} ({line.description}) needs a receipt: "
                               f"it is above {limit}",
                               evidence={"limit": limit, "amount": line.amount})
        return None


@billcheck.rule(id="acme.daily-hours", category="guidelines", severity="warning", scope="book",
                options={"max_hours": billcheck.Option(Decimal("12"), "Most hours one person bills a day")})
def daily_hours(book, ctx):
    """A timekeeper billing more hours on one day than anyone works, across every invoice."""
    days = defaultdict(list)
    for line in book.lines:
        if line.type == "fee" and line.timekeeper_id and line.date:
            days[(line.timekeeper_id, line.date)].append(line)
    for (timekeeper, day), lines in sorted(days.items()):
        hours = sum(line.quantity for line in lines)
        if hours > ctx.options["max_hours"]:
            for line in lines:
                yield ctx.finding(f"{line.timekeeper.name} billed {billcheck.format_hours(hours)} on {day} across "
                                  f"{len(lines)} lines", about=line,
                                  evidence={"hours that day": str(hours), "most": str(ctx.options["max_hours"])})
