"""Fixtures every suite may use, and the `slow` mark on the long suites.

`pytest -m "not slow"` runs the quick tests in seconds while editing; CI runs everything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ledger.support import ledger_url, results, sqlite_url, suite, tester  # noqa: F401
from tests.runner.short_run import short_run  # noqa: F401

TESTS = Path(__file__).resolve().parent

# Whole suites that start real processes for each case: the command line end to end, the loop, faults, a run
# stopped by a signal, the hostile corpus.
SLOW_SUITES = (
    "hostile",
    "runner/test_faults.py",
    "runner/test_shutdown.py",
    "runner/test_loop.py",
    "runner/test_cli.py",
    "runner/test_report_cli.py",
    "ledger/test_cli.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.fspath)).resolve().relative_to(TESTS).as_posix()
        if any(where == slow or where.startswith(slow + "/") for slow in SLOW_SUITES):
            item.add_marker(pytest.mark.slow)
