"""Shared fixtures: where the repository, the example firm and the billcheck executable are,
and small books written for one test."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

import billcheck

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The example firm; the engine test book stands in while the firm is not there.
FIRM = ROOT / "examples" / "firm"
if not (FIRM / "invoices.csv").exists():
    FIRM = ROOT / "tests" / "data" / "engine" / "book"
BUILD = pathlib.Path(billcheck.__file__).resolve().parents[2]  # build/python/billcheck/__init__.py


@pytest.fixture(scope="session")
def firm():
    return FIRM


@pytest.fixture(scope="session")
def firm_config():
    config = FIRM / "billcheck.yaml"
    return config if config.exists() else None


@pytest.fixture(scope="session")
def firm_book():
    return billcheck.load_book(FIRM)


@pytest.fixture(scope="session")
def exe():
    path = os.environ.get("BILLCHECK_EXE") or str(BUILD / "bin" / "billcheck")
    assert os.path.exists(path), f"no billcheck executable at {path}; set BILLCHECK_EXE"
    return path


@pytest.fixture
def run_cli(exe):
    """Runs the billcheck executable; returns the CompletedProcess (text)."""

    def run(*args, cwd=ROOT):
        return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)

    return run


@pytest.fixture
def run_python():
    """Runs a Python script with this interpreter and the package importable."""

    def run(*args, cwd=ROOT):
        env = dict(os.environ, PYTHONPATH=str(BUILD / "python"))
        return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                              env=env, timeout=120)

    return run


# A small book in the contract's JSON form: one USD client with one invoice of
# three lines (a Saturday line among them), one EUR client, a payment.
SMALL_BOOK = {
    "clients": [
        {"client_id": "C1", "name": "Northwind", "currency": "USD", "credit_limit": "5000.00"},
        {"client_id": "C2", "name": "Brightmoor", "currency": "EUR"},
    ],
    "timekeepers": [
        {"timekeeper_id": "T1", "name": "Ada Lovelace", "role": "partner"},
        {"timekeeper_id": "T2", "name": "Alan Turing", "role": "associate"},
    ],
    "engagements": [{"engagement_id": "E1", "client_id": "C1", "name": "Lease"}],
    "rates": [
        {"engagement_id": "E1", "role": "partner", "rate": "500.00", "effective_from": "2026-01-01"},
        {"engagement_id": "E1", "role": "associate", "rate": "300.00", "effective_from": "2026-01-01"},
    ],
    "invoices": [
        {"invoice_id": "INV-1", "client_id": "C1", "engagement_id": "E1", "issue_date": "2026-02-05",
         "period_start": "2026-01-01", "period_end": "2026-01-31", "due_date": "2026-03-07",
         "currency": "USD", "total": "1850.00", "status": "issued"},
        {"invoice_id": "INV-2", "client_id": "C2", "issue_date": "2026-02-06", "currency": "EUR",
         "total": "100.00"},
    ],
    "invoice_lines": [
        {"invoice_id": "INV-1", "line_no": 1, "type": "fee", "date": "2026-01-09", "timekeeper_id": "T1",
         "description": "Review lease", "quantity": "2", "rate": "500.00", "amount": "1000.00",
         "matter_ref": "M-77"},
        {"invoice_id": "INV-1", "line_no": 2, "type": "fee", "date": "2026-01-10", "timekeeper_id": "T2",
         "description": "Draft memo", "quantity": "2.5", "rate": "300.00", "amount": "750.00"},
        {"invoice_id": "INV-1", "line_no": 3, "type": "expense", "description": "Courier",
         "quantity": "1", "rate": "100.00", "amount": "100.00"},
        {"invoice_id": "INV-2", "line_no": 1, "type": "fee", "date": "2026-01-17", "timekeeper_id": "T2",
         "description": "URGENT filing", "quantity": "1", "rate": "100.00", "amount": "100.00"},
    ],
    "payments": [
        {"payment_id": "P1", "client_id": "C1", "invoice_id": "INV-1", "date": "2026-03-01",
         "amount": "1850.00", "currency": "USD"},
    ],
}


@pytest.fixture
def small_book():
    return billcheck.book_from_json(json.dumps(SMALL_BOOK), "small.json")


@pytest.fixture
def small_book_file(tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL_BOOK))
    return path


@pytest.fixture
def write(tmp_path):
    """Writes a file under tmp_path and returns its path."""

    def write_file(name, text):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    return write_file
