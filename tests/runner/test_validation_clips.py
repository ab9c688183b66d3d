"""`run --validate`: every adopted version measured on clips that never decide, recorded as an event, shown in
`status` and the report; a rerun measures only what is missing; a bad path fails before any work."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from domain.policy import decide
from runner.cli.app import app
from runner.evaluation.clips import Clip, Suite, held_out_suite
from runner.evolution.lifecycle import submit
from runner.evolution.validation import validate_versions, validation_rows
from runner.sandbox.pipeline import Sandbox
from tests.ledger.support import open_ledger, sources, start, validate

pytestmark = pytest.mark.slow
cli = CliRunner()


@pytest.fixture(scope="module")
def clips() -> Suite:
    """Two held-out real clips, cut small: 6 frames at 96x64."""
    small = [Clip(c.name, np.stack([cv2.resize(f, (96, 64), interpolation=cv2.INTER_AREA) for f in c.frames[:6]]),
                  c.fps, "real") for c in held_out_suite().clips[::2]]
    return Suite("validate:small", tuple(small))


@pytest.fixture
def ledger(sqlite_url, suite, results, tester):
    with open_ledger(sqlite_url) as session:
        start(session, suite, results)
        assert submit(session.app, "default", sources()["jpeg"], validate=validate, test=tester).version == 1
        yield session


def test_each_adopted_version_is_measured_once_and_recorded_beside_its_test(ledger, clips):
    app = ledger.app
    before = app.lineage("default")
    with Sandbox() as sandbox:
        assert validate_versions(app, "default", clips, sandbox) == [1]  # the seed copies its input: not measured
        assert validate_versions(app, "default", clips, sandbox) == []  # a rerun measures only what is missing
    candidate = app.candidate(before.best["candidate_id"])
    [record] = candidate.validations
    assert record["suite"] == clips.content_hash and record["clip_names"] == [c.name for c in clips.clips]
    assert record["verdict"]["category"] == "ok" and record["provenance"]["suite"] == clips.content_hash
    for name, clip in record["clips"].items():
        psnrs = [p["psnr_y"] for p in clip["points"]]
        assert psnrs == sorted(psnrs) and all(p["success"] for p in clip["points"])
        # The version is OpenCV JPEG itself, so it sits on the anchor's curve.
        assert abs(clip["bd_rate_vs_jpeg_pct"]) < 1.0, name
    [row] = validation_rows(app, "default")
    assert row["version"] == 1 and set(row["bd_rate_vs_jpeg_pct"]) == {c.name for c in clips.clips}


def test_validation_never_decides(ledger, clips, tester):
    app = ledger.app
    with Sandbox() as sandbox:
        validate_versions(app, "default", clips, sandbox)
    after = app.lineage("default")
    # The lineage, and so every later decision, reads the adoption test alone: the same as before validating.
    outcome = submit(app, "default", sources()["dct"], validate=validate, test=tester)
    decided = app.candidate(outcome.candidate_id).decision
    assert decided is not None and "validation" not in json.dumps(decided["incumbent_metrics"])
    again = decide(app.candidate(outcome.candidate_id).test_result, after.best["metrics"], after.policy_object,
                   incumbent_version=after.best["version"])
    assert (again.adopted, again.rule, again.reason) == (outcome.status == "adopted", outcome.rule, outcome.reason)


def test_status_and_the_report_show_the_validation(ledger, clips, sqlite_url, tmp_path):
    with Sandbox() as sandbox:
        validate_versions(ledger.app, "default", clips, sandbox)
    shown = cli.invoke(app, ["status", "--json", "--ledger", sqlite_url])
    assert shown.exit_code == 0, shown.output
    [row] = json.loads(shown.output)["validation"]
    assert row["version"] == 1 and row["mean_pct"] is not None
    events = cli.invoke(app, ["events", "--type", "CandidateValidated", "--json", "--ledger", sqlite_url])
    assert events.exit_code == 0 and len(json.loads(events.output)) == 1, events.output
    out = tmp_path / "report.html"
    made = cli.invoke(app, ["report", "--no-rd", "--out", str(out), "--ledger", sqlite_url])
    assert made.exit_code == 0, made.output
    page = out.read_text()
    assert 'id="generalisation-section"' in page and "<table id=\"validation\">" in page
    assert all(f"{c.name}: BD-rate vs JPEG" in page for c in clips.clips)


def test_a_missing_validation_clip_fails_before_any_work(tmp_path):
    ledger = tmp_path / "never.db"
    result = cli.invoke(app, ["run", "--iterations", "1", "--validate", str(tmp_path / "nope.mp4"),
                              "--ledger", str(ledger)])
    assert result.exit_code == 1
    assert "nope.mp4" in result.output and len(result.output.strip().splitlines()) == 1
    assert not os.path.exists(ledger)
