"""Misbehaves (nullread) on a line whose description says BOOM: for the isolation tests."""

import ctypes
import os
import time

import billcheck


@billcheck.rule(id="pynullread.calm", category="data", severity="info", scope="line")
def calm(line, ctx):
    """Comes first and does nothing: the failure must not be blamed on it."""
    return []


@billcheck.rule(id="pynullread.boom", category="data", severity="info", scope="line")
def boom(line, ctx):
    """Misbehaves on a BOOM line."""
    if "BOOM" in (line.description or ""):
        ctypes.string_at(0)
    return []
