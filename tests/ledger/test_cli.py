"""The ledger's commands end to end, with the real sandbox and evaluator.

The issue's "done when" scenario runs on the default suite: a lossless zlib codec, a
JPEG-like codec, that same codec again, a file with a syntax error -> versions 1 and 2 only;
why 2; rollback 1; show best; replay --to 2; export csv with one row per candidate.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runner.cli.app import app
from tests.ledger.support import EXAMPLES, ROOT, SIZE, SYNTAX_ERROR, drop_schema, pg_available, pg_schema_url

cli = CliRunner()


def run(*args: str):
    return cli.invoke(app, [str(a) for a in args])


def ok(*args: str):
    result = run(*args)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


def as_json(*args: str):
    return json.loads(ok(*args, "--json").stdout)


def fails(*args: str) -> str:
    result = run(*args)
    assert result.exit_code != 0, result.stdout
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("note: ")]  # input notes
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def event_count(url: str) -> int:
    return len(as_json("events", "--all-lineages", "--ledger", url))


def test_done_when_scenario_on_the_default_suite(tmp_path):
    url = str(tmp_path / "codec-ledger.db")
    broken = tmp_path / "broken.py"
    broken.write_text(SYNTAX_ERROR)
    zlib, jpeg_like = EXAMPLES / "zlib_lossless.py", EXAMPLES / "dct_codec.py"

    first = ok("submit", zlib, "--rationale", "lossless zlib of frame differences", "--ledger", url)
    for line in ("🌱", "🧬", "📊", "🎯 Better by", "💾 Saved version 1", "🎉"):
        assert line in first.stdout
    second = as_json("submit", jpeg_like, "--ledger", url)
    assert second["status"] == "adopted" and second["version"] == 2 and second["incumbent_version"] == 1
    count = event_count(url)
    third = as_json("submit", jpeg_like, "--ledger", url)
    assert third["duplicate"] and third["version"] == 2 and not third["tested"]
    assert event_count(url) == count  # nothing new recorded
    fourth = run("submit", broken, "--ledger", url)
    assert fourth.exit_code == 3  # recorded, not adopted (runner/cli/support.py EXIT_NOT_ADOPTED)
    assert "🚫 Rejected by validation" in fourth.stderr and "syntax" in fourth.stderr

    status = as_json("status", "--ledger", url)
    assert {"version", "sha256", "metrics", "adoption_rate", "candidates", "adopted"} <= set(status)
    assert status["version"] == 2 and status["versions"] == 3  # 0 (the seed), 1 and 2 only
    assert status["candidates"] == 3 and status["adopted"] == 2

    why = as_json("why", "2", "--ledger", url)
    assert why["incumbent_version"] == 1 and why["rule"] == "bd_rate" and "the curves of version 1" in why["reason"]
    assert {"version", "candidate_sha256", "rule", "reason", "candidate_metrics", "incumbent_metrics",
            "incumbent_version"} <= set(why)
    assert why["candidate_metrics"]["summary"]["kbps"] < why["incumbent_metrics"]["summary"]["kbps"]
    assert "rule: bd_rate" in ok("why", "2", "--ledger", url).stdout

    assert "Rolled back" in ok("rollback", "1", "--reason", "blocking on the noise clip", "--ledger", url).stdout
    assert ok("show", "best", "--ledger", url).stdout == zlib.read_text()
    shown = as_json("show", "2", "--ledger", url)
    assert shown["source"] == jpeg_like.read_text() and shown["version"] == 2

    replay = as_json("replay", "--to", "2", "--ledger", url)
    assert replay["version"] == 2 and replay["best"]["source"] == jpeg_like.read_text()
    assert [h["decision"] for h in replay["history"]] == ["adopted", "adopted"]
    assert as_json("replay", "--to", "2", "--from-events", "--ledger", url)["history"] == replay["history"]

    out = tmp_path / "history.csv"
    ok("export", "--format", "csv", "--out", out, "--ledger", url)
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 3 and [r["decision"] for r in rows] == ["adopted", "adopted", "rejected"]
    doc = tmp_path / "at2.json"
    ok("export", "--format", "json", "--to", "2", "--out", doc, "--ledger", url)
    assert json.loads(doc.read_text())["version"] == 2

    events = as_json("events", "--type", "CandidateAdopted", "--ledger", url)
    assert [e["version"] for e in events] == [0, 1, 2]
    assert all({"position", "type", "timestamp"} <= set(e) for e in events)
    assert "CandidateRejected" in ok("events", "--ledger", url).stdout
    assert "adopted v2" in ok("history", "--ledger", url).stdout


def test_submit_s_help_states_the_default_policy():
    from domain.policy import DEFAULT_BITRATE_FACTOR, DEFAULT_RATIO_FACTOR, DEFAULT_TARGET_PSNR_Y

    help_text = " ".join(ok("submit", "--help").stdout.split())
    for default in (DEFAULT_TARGET_PSNR_Y, DEFAULT_BITRATE_FACTOR, DEFAULT_RATIO_FACTOR):
        assert f"({default:g})" in help_text


def test_the_console_script_is_wired(tmp_path):
    """`codec-ledger` as installed: the commands are there, and an error is one line and exit 1."""
    env_url = str(tmp_path / "none.db")
    proc = subprocess.run(
        [sys.executable, "-m", "runner.cli", "status", "--ledger", env_url], capture_output=True, text=True, cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 1 and proc.stderr.strip().startswith("error: no ledger at")
    assert not Path(env_url).exists()
    help_text = subprocess.run([sys.executable, "-m", "runner.cli", "--help"], capture_output=True, text=True, cwd=ROOT,
                               timeout=120).stdout
    for name in ("submit", "status", "history", "why", "show", "rollback", "replay", "export", "events"):
        assert name in help_text


@pytest.fixture(scope="module")
def tiny_input(tmp_path_factory):
    """A folder of four PNG frames: a real input, small enough to test quickly."""
    import cv2

    from runner.evaluation.clips import moving_pattern

    folder = tmp_path_factory.mktemp("frames")
    for i, frame in enumerate(moving_pattern(SIZE, 4).frames):
        cv2.imwrite(str(folder / f"{i:03d}.png"), frame)
    (folder / "fps.txt").write_text("25\n")
    return folder


def test_a_lineage_keeps_its_suite_on_postgresql(tiny_input, tmp_path):
    if not pg_available():
        pytest.skip("PostgreSQL is not reachable")
    url, schema = pg_schema_url()
    try:
        first = as_json("submit", EXAMPLES / "zlib_lossless.py", "--input", tiny_input, "--lineage", "tiny",
                        "--ledger", url)
        assert first["status"] == "adopted" and first["lineage_started"]["version"] == 0
        # its suite, reloaded
        second = as_json("submit", EXAMPLES / "dct_codec.py", "--lineage", "tiny", "--ledger", url)
        assert second["status"] == "adopted" and second["version"] == 2
        other = tmp_path / "other"
        other.mkdir()
        import shutil

        for p in sorted(tiny_input.glob("*.png"))[:2]:
            shutil.copy(p, other / p.name)
        count = event_count(url)
        message = fails("submit", EXAMPLES / "jpeg_imencode.py", "--input", other, "--lineage", "tiny", "--ledger", url)
        assert "was started on suite" in message
        assert fails("submit", EXAMPLES / "jpeg_imencode.py", "--target-psnr", "40", "--lineage", "tiny",
                     "--ledger", url)
        assert event_count(url) == count
        assert as_json("status", "--lineage", "tiny", "--ledger", url)["version"] == 2
        assert "no lineage 'default'" in fails("status", "--ledger", url)
    finally:
        drop_schema(schema)


def test_errors_are_one_line_and_leave_the_ledger_unchanged(tiny_input, tmp_path):
    url = str(tmp_path / "l.db")
    as_json("submit", EXAMPLES / "zlib_lossless.py", "--input", tiny_input, "--ledger", url)
    before = event_count(url)
    assert "no version 9" in fails("why", "9", "--ledger", url)
    assert "no version 9" in fails("show", "9", "--ledger", url)
    assert "no version 5" in fails("rollback", "5", "--reason", "x", "--ledger", url)
    assert "no version 7" in fails("replay", "--to", "7", "--ledger", url)
    assert "unsupported ledger URL" in fails("status", "--ledger", "mysql://db/x")
    assert "cannot reach PostgreSQL" in fails("status", "--ledger", "postgresql://postgres@127.0.0.1:1/test")
    assert "does not exist" in fails("status", "--ledger", "/no/such/folder/l.db")
    assert "cannot read candidate" in fails("submit", tmp_path / "missing.py", "--ledger", url)
    assert "unknown event type" in fails("events", "--type", "Nope", "--ledger", url)
    assert "--format" in fails("export", "--format", "xml", "--out", tmp_path / "x", "--ledger", url)
    assert event_count(url) == before


def test_a_locked_sqlite_ledger_is_retried_then_reported(tiny_input, tmp_path, monkeypatch):
    url = str(tmp_path / "l.db")
    as_json("submit", EXAMPLES / "zlib_lossless.py", "--input", tiny_input, "--ledger", url)
    before = event_count(url)
    monkeypatch.setenv("CODEC_LEDGER_LOCK_TIMEOUT", "1")
    monkeypatch.setenv("CODEC_LEDGER_LOCK_RETRIES", "2")
    holder = sqlite3.connect(url, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        message = fails("rollback", "0", "--reason", "while locked", "--ledger", url)
        assert "locked" in message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert event_count(url) == before
    assert as_json("rollback", "0", "--reason", "now free", "--ledger", url)["recorded"]
