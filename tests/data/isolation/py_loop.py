"""Misbehaves (loop) on a line whose description says BOOM: for the isolation tests."""

import ctypes
import os
import time

import billcheck


@billcheck.rule(id="pyloop.calm", category="data", severity="info", scope="line")
def calm(line, ctx):
    """Comes first and does nothing: the failure must not be blamed on it."""
    return []


@billcheck.rule(id="pyloop.boom", category="data", severity="info", scope="line")
def boom(line, ctx):
    """Misbehaves on a BOOM line."""
    if "BOOM" in (line.description or ""):
        while True:
            time.sleep(1)
    return []
