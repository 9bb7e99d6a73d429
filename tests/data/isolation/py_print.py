"""Prints to standard output, three ways, on a line whose description says BOOM: a report on stdout must stay whole."""

import os
import sys

import billcheck

print("chatter while loading")


@billcheck.rule(id="pyprint.boom", category="data", severity="info", scope="line")
def boom(line, ctx):
    """Chatters on a BOOM line."""
    if "BOOM" in (line.description or ""):
        print("chatter from print")
        sys.__stdout__.write("chatter from sys.__stdout__\n")
        sys.__stdout__.flush()
        os.write(1, b"chatter from os.write\n")
    return []
