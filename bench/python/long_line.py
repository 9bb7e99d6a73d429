"""The Python twin of bench.native-long-line, as a rule file for bench/isolation_bench.sh."""

import billcheck


@billcheck.rule(id="bench.python-long-line", category="data", severity="warning", scope="line")
def long_line(line, ctx):
    """More than 24 hours on one line (bench)."""
    if line.quantity > 24:
        yield ctx.finding("more than 24 hours on one line")
