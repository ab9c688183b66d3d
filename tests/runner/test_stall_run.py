"""A real `run` that keeps proposing one codec (a replayed file of the same JPEG codec, its comment changed each
time): the terminal says so once, the ledger holds one StallDetected event, and the report lists it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from projections.stall import DEFAULT_REPEATS, SAME_PROGRAM
from runner.evaluation.clips import bikes_path

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CLIP = ["--input", bikes_path(), "--frames", "2", "--max-size", "48x32"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


def test_a_run_of_one_codec_again_and_again_raises_one_stall_alarm(tmp_path):
    jpeg = (ROOT / "examples" / "jpeg_imencode.py").read_text()
    replayed = tmp_path / "same.jsonl"
    replayed.write_text("".join(
        json.dumps({"planner": "offline", "analysis": f"try {i}", "source": f"{jpeg}\n# try {i}\n",
                    "rationale": "the same codec again"}) + "\n"
        for i in range(DEFAULT_REPEATS + 3)))
    db = str(tmp_path / "ledger.db")

    run = cli("run", "--planner", "replay", "--from", str(replayed), "--iterations", str(DEFAULT_REPEATS + 2),
              "--ledger", db, *CLIP)
    assert run.returncode == 0, run.stderr
    alarms = [line for line in run.stdout.splitlines() if "Stall" in line]
    assert len(alarms) == 1 and f"({SAME_PROGRAM})" in alarms[0], run.stdout
    assert f"the last {DEFAULT_REPEATS} candidates proposed are one program" in alarms[0]

    events = json.loads(cli("events", "--type", "StallDetected", "--json", "--ledger", db).stdout)
    assert len(events) == 1 and events[0]["stall"]["kind"] == SAME_PROGRAM
    assert len(events[0]["stall"]["candidates"]) == DEFAULT_REPEATS

    again = cli("run", "--planner", "replay", "--from", str(replayed), "--iterations", "1", "--ledger", db, *CLIP)
    assert again.returncode == 0, again.stderr
    assert "Stall" not in again.stdout, "the same stall is not told or recorded again"
    assert len(json.loads(cli("events", "--type", "StallDetected", "--json", "--ledger", db).stdout)) == 1

    page = tmp_path / "report.html"
    report = cli("report", "--no-rd", "--out", str(page), "--ledger", db)
    assert report.returncode == 0, report.stderr
    text = page.read_text()
    assert 'id="stalls-section"' in text and events[0]["stall"]["message"] in text
    assert 'id="pareto-section"' in text and 'id="pareto-front"' in text
