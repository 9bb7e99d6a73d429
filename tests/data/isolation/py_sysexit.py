"""Raises SystemExit (sys.exit) on a line whose description says BOOM: a rule failure, never the program's end."""

import sys

import billcheck


@billcheck.rule(id="pysysexit.calm", category="data", severity="info", scope="line")
def calm(line, ctx):
    """Comes first and does nothing: the failure must not be blamed on it."""
    return []


@billcheck.rule(id="pysysexit.boom", category="data", severity="info", scope="line")
def boom(line, ctx):
    """Misbehaves on a BOOM line."""
    if "BOOM" in (line.description or ""):
        sys.exit(0)
    return []
