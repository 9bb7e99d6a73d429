"""Calls the C library's exit(0) on a line whose description says BOOM: in process, the host must not exit 0."""

import ctypes

import billcheck


@billcheck.rule(id="pylibcexit.boom", category="data", severity="info", scope="line")
def boom(line, ctx):
    """Misbehaves on a BOOM line."""
    if "BOOM" in (line.description or ""):
        ctypes.CDLL(None).exit(0)
    return []
