"""Faults: runs killed at random points, several runs on one ledger, bad input to `run`.

Each asserts what an audit record needs: nothing recorded is lost or changed, nothing is
recorded twice, no version number is taken twice, and a rerun carries on.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.projection import build_as_of
from projections.session import open_session
from runner.evaluation.clips import bikes_path

ROOT = Path(__file__).parent.parent.parent
TINY_CLIP = ["--input", bikes_path(), "--frames", "4", "--max-size", "96x64"]


def command(*args) -> list[str]:
    return [sys.executable, "-m", "runner.cli", *args]


def stored(db: Path) -> list[tuple]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            return connection.execute("SELECT rowid, originator_id, originator_version, topic, state "
                                      "FROM stored_events ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []


def check_consistent(db: Path) -> None:
    """Every candidate decided once, versions numbered 0..N, read models equal a rebuild."""
    with open_session(str(db)) as session:
        app = session.app
        rows = [row for row in session.view.fetch("SELECT * FROM {p}cl_candidates") if row["planner"] != "seed"]
        assert all(row["decision"] != "pending" for row in rows)
        assert len({(row["sha256"], row["parent_version"]) for row in rows}) == len(rows)
        versions = app.lineage("default").versions
        assert [v["version"] for v in versions] == list(range(len(versions)))
        assert len({v["candidate_id"] for v in versions}) == len(versions)
        for version in versions:  # every version's exact source is there
            assert app.show("default", version["version"])["sha256"] == version["sha256"]
        assert build_as_of(app).dump() == session.view.dump()


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kill_after=st.integers(min_value=1, max_value=14))
def test_a_run_killed_at_any_point_loses_nothing_duplicates_nothing_and_resumes(tmp_path_factory, kill_after):
    db = tmp_path_factory.mktemp("killed") / "ledger.db"
    process = subprocess.Popen(command("run", "--iterations", "5", "--workers", "1", "--ledger", str(db), *TINY_CLIP),
                               cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while len(stored(db)) < kill_after and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    before = stored(db)

    rerun = subprocess.run(command("run", "--iterations", "2", "--workers", "1", "--ledger", str(db), *TINY_CLIP),
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    after = stored(db)
    assert after[:len(before)] == before
    assert len(after) > len(before)
    check_consistent(db)


def test_several_runs_on_one_ledger_never_take_the_same_version(tmp_path):
    db = tmp_path / "ledger.db"
    # Start the lineage first, so that the runs race on candidates and versions.
    first = subprocess.run(command("run", "--iterations", "1", "--workers", "1", "--ledger", str(db), *TINY_CLIP),
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    runs = [subprocess.Popen(command("run", "--iterations", "4", "--workers", "1", "--seed", str(seed),
                                     "--ledger", str(db), *TINY_CLIP),
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for seed in (11, 12, 13)]
    for run in runs:
        _, errors = run.communicate(timeout=600)
        assert run.returncode == 0, errors
    check_consistent(db)


def test_bad_input_to_run_is_one_line_and_leaves_the_ledger_unchanged(tmp_path):
    db = tmp_path / "ledger.db"
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(os.urandom(3000))
    cases = [
        (["run", "--input", str(corrupt)], "corrupt.mp4"),
        (["run", "--input", str(tmp_path / "missing.y4m")], "missing.y4m"),
        (["run", "--planner", "oracle"], "--planner"),
        (["run", "--planner", "replay"], "--from"),
        (["run", "--planner", "replay", "--from", str(tmp_path / "nothing.jsonl")], "nothing.jsonl"),
    ]
    for args, fragment in cases:
        result = subprocess.run(command(*args, "--ledger", str(db)), cwd=ROOT, capture_output=True, text=True,
                                timeout=300)
        lines = result.stderr.strip().splitlines()
        assert result.returncode != 0 and len(lines) == 1 and fragment in lines[0], (args, result.stderr)
        assert stored(db) == []
    result = subprocess.run(command("run", "--iterations", "0", "--ledger", str(db)), cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0 and stored(db) == []
