"""One short offline run on a real clip, made once per session and copied by the suites that build on it
(the loop's read-only checks, the report's ledger)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runner.evaluation.clips import bikes_path

ROOT = Path(__file__).resolve().parents[2]
CLIP = ["--input", bikes_path(), "--frames", "8", "--max-size", "176x144"]


@pytest.fixture(scope="session")
def short_run(tmp_path_factory) -> tuple[Path, dict]:
    """The ledger of `run --iterations 4 --workers 2 --seed 3` on CLIP, and the run's JSON summary. Copy the
    ledger (copy_of) before using it: other suites start from the same file."""
    db = tmp_path_factory.mktemp("short-run") / "ledger.db"
    result = subprocess.run([sys.executable, "-m", "runner.cli", "run", "--iterations", "4", "--workers", "2",
                             "--seed", "3", "--ledger", str(db), *CLIP, "--json"], capture_output=True, text=True,
                            cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    return db, json.loads(result.stdout)


def copy_of(db: Path, folder: Path) -> Path:
    """The ledger file copied into folder, under the same name."""
    copy = folder / db.name
    shutil.copy(db, copy)
    return copy
