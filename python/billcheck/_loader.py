"""Running a rule file for the host (billcheck.yaml ``python: [file.py]``)."""

import os
import re
import sys
import types

from . import _rules


def _module_name(path):
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    name, n = f"billcheck_rules.{stem}", 1
    while name in sys.modules:
        n += 1
        name = f"billcheck_rules.{stem}_{n}"
    return name


def run_rule_file(path):
    """Runs the file as a module (``__file__`` set, its folder importable) and returns every
    rule defined while it ran: functions decorated with @billcheck.rule and billcheck.Rule
    subclasses. A SyntaxError or any exception propagates; the caller reports its file:line."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        source = f.read()
    code = compile(source, path, "exec", dont_inherit=True)
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.append(folder)  # helpers beside the rule file can be imported
    module = types.ModuleType(_module_name(path))
    module.__file__ = path
    sys.modules[module.__name__] = module  # dataclasses, pickling and inspect look modules up
    collected = []
    _rules._collectors.append(collected)
    try:
        exec(code, module.__dict__)
    except BaseException:
        del sys.modules[module.__name__]
        raise
    finally:
        _rules._collectors.remove(collected)
    return collected
