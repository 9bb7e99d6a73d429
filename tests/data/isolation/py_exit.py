"""Misbehaves (exit) on a line whose description says BOOM: for the isolation tests."""

import ctypes
import os
import time

import billcheck


@billcheck.rule(id="pyexit.calm", category="data", severity="info", scope="line")
def calm(line, ctx):
    """Comes first and does nothing: the failure must not be blamed on it."""
    return []


@billcheck.rule(id="pyexit.boom", category="data", severity="info", scope="line")
def boom(line, ctx):
    """Misbehaves on a BOOM line."""
    if "BOOM" in (line.description or ""):
        os._exit(0)
    return []
