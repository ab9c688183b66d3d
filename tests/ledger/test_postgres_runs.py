"""Several processes on one PostgreSQL ledger: opening a fresh one at the same moment, and concurrent runs.

Real processes on the shared test server (a schema of their own each time), as the tests of the
PostgreSQL store do: skipped only where no PostgreSQL is reachable (scripts/install.sh starts one).
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from ledger.opening import open_application
from ledger.store import parse_url
from ledger.verify import check_ledger
from projections.projection import build_as_of
from projections.session import open_session
from runner.evaluation.clips import bikes_path
from tests.ledger.support import ROOT, drop_schema, pg_available, pg_schema_url

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not pg_available(), reason="PostgreSQL is not reachable for the tests")]

TINY_CLIP = ["--input", bikes_path(), "--frames", "3", "--max-size", "64x48"]
ITERATIONS = 1


@pytest.fixture
def fresh_url():
    url, schema = pg_schema_url()
    yield url
    drop_schema(schema)


def at_the_same_moment(commands: list[str], delay: float = 1.5) -> list[subprocess.Popen]:
    """Start every piece of Python code so that each does its work from the same instant (after its imports)."""
    at = time.time() + delay
    wait = f"import time; time.sleep(max(0.0, {at} - time.time()));"
    return [subprocess.Popen([sys.executable, "-c", wait + code], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for code in commands]


def test_processes_opening_a_fresh_database_at_the_same_moment_create_the_tables_once(fresh_url):
    opener = ("from projections.session import open_session;"
              f"open_session({fresh_url!r}, create=True).close()")
    processes = at_the_same_moment([opener] * 3)
    for process in processes:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors  # before: duplicate key ... "pg_type_typname_nsp_index"
    with open_session(fresh_url) as session:
        assert session.app.max_position() == 0 and session.view.is_current()


def test_concurrent_runs_on_one_lineage_and_another_take_no_version_twice(fresh_url):
    def run(*args: str) -> str:
        argv = ["run", "--iterations", str(ITERATIONS), "--workers", "1", "--ledger", fresh_url, *TINY_CLIP, *args]
        return f"import sys; from runner.cli.app import app; sys.argv = ['codec-ledger', *{argv!r}]; app()"

    processes = at_the_same_moment([run("--seed", "11"), run("--seed", "12"), run("--lineage", "other")],
                                   delay=4.0)
    for process in processes:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors

    with open_session(fresh_url) as session:
        app = session.app
        candidates = session.view.fetch("SELECT * FROM {p}cl_candidates")
        for lineage, runs in (("default", 2), ("other", 1)):
            rows = [row for row in candidates if row["lineage"] == lineage and row["planner"] != "seed"]
            assert len({(row["sha256"], row["parent_version"]) for row in rows}) == len(rows)  # none twice
            assert all(row["decision"] != "pending" for row in rows)
            analyses = {row["analysis_id"] for row in
                        session.view.fetch("SELECT * FROM {p}cl_analyses WHERE lineage = ?", (lineage,))}
            # Runs that propose the same thing at the same iteration share one record (the proposal's key).
            assert ITERATIONS <= len(analyses) <= ITERATIONS * runs
            assert rows and all(row["analysis_id"] in analyses for row in rows)  # no proposal lost its analysis
            versions = app.lineage(lineage).versions
            assert [v["version"] for v in versions] == list(range(len(versions)))
            assert len({v["candidate_id"] for v in versions}) == len(versions)
        assert build_as_of(app).dump() == session.view.dump()  # the read models equal a rebuild
    ledger = open_application(parse_url(fresh_url), create=False)
    try:
        report = check_ledger(ledger)
    finally:
        ledger.close()
    assert report["ok"] and report["unchained"] == 0, report["findings"]
