"""Rescoring a version: its recorded test reproduces (or the difference is named), a new test under today's
evaluator is recorded beside it as a new event, and the projection says which evaluator scored each version."""

from __future__ import annotations

import copy
import json

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from projections.scoring import scoring
from runner.cli.app import app
from runner.evaluation.provenance import evaluator_hash
from runner.evolution.lifecycle import submit
from runner.evolution.rescore import reproduce, rescore
from runner.sandbox.pipeline import Sandbox
from tests.ledger.support import EXAMPLES, open_ledger, sources, start, validate

cli = CliRunner()


@pytest.fixture
def ledger(sqlite_url, suite, results, tester):
    with open_ledger(sqlite_url) as session:
        start(session, suite, results)
        outcome = submit(session.app, "default", sources()["jpeg"], validate=validate, test=tester)
        assert outcome.status == "adopted" and outcome.version == 1
        session.refresh()
        yield session


def test_a_rescore_reproduces_the_recorded_test_and_is_recorded_beside_it(ledger, suite):
    before = ledger.app.candidate(ledger.app.lineage("default").version_record(1)["candidate_id"])
    reproduction, result = rescore(ledger.app, "default", 1, suite)
    assert reproduction["reproduced"] is True and reproduction["differences"] == []
    assert "pattern" in reproduction["checked_clips"]
    assert reproduction["nonce"] == before.test_result["provenance"]["nonce"]
    assert result["provenance"]["evaluator"] == evaluator_hash() and result["verdict"]["category"] == "ok"
    after = ledger.app.candidate(before.id)
    assert after.result == before.result and after.decision == before.decision  # never an edit
    assert [r["result"]["provenance"]["nonce"] for r in after.rescores] == [result["provenance"]["nonce"]]
    assert [e["type"] for e in ledger.app.stored_events(types=["CandidateRescored"])] == ["CandidateRescored"]


def test_the_projection_names_the_evaluator_of_each_version(ledger, suite):
    now = evaluator_hash()
    assert [(row["version"], row["adopted_by"], row["current"]) for row in scoring(ledger.view, "default", now)] == \
        [(0, now, True), (1, now, True)]
    other = "another evaluator's hash"
    assert not any(row["current"] for row in scoring(ledger.view, "default", other))
    rescore(ledger.app, "default", 1, suite)
    ledger.refresh()
    rows = scoring(ledger.view, "default", other)
    assert (rows[1]["rescored_by"], rows[1]["reproduced"]) == (now, True)


def test_other_bytes_than_the_recorded_ones_are_named(ledger, suite):
    candidate = ledger.app.candidate(ledger.app.lineage("default").version_record(1)["candidate_id"])
    recorded = copy.deepcopy(candidate.test_result)
    hashes = recorded["clips"]["pattern"]["frame_sha256"]
    hashes[2] = "0" * len(hashes[2])  # as if the codec had written other bytes for frame 2 that day
    with Sandbox() as sandbox:
        reproduction = reproduce(sources()["jpeg"], suite, recorded, sandbox)
    assert reproduction["reproduced"] is False
    assert reproduction["differences"] == [{"clip": "pattern", "frame": 2}]


def test_a_test_recorded_before_nonces_has_nothing_to_compare(ledger, suite):
    recorded = copy.deepcopy(ledger.app.candidate(
        ledger.app.lineage("default").version_record(1)["candidate_id"]).test_result)
    del recorded["provenance"]
    with Sandbox() as sandbox:
        assert reproduce(sources()["jpeg"], suite, recorded, sandbox)["reproduced"] is None


def test_the_command_lists_the_evaluators_and_rescores_a_version(tmp_path):
    folder = tmp_path / "clip"
    folder.mkdir()
    for index, frame in enumerate(np.random.default_rng(5).integers(0, 256, (3, 32, 48, 3), dtype=np.uint8)):
        cv2.imwrite(str(folder / f"{index:03d}.png"), frame)
    db = str(tmp_path / "ledger.db")
    submitted = cli.invoke(app, ["submit", str(EXAMPLES / "jpeg_imencode.py"), "--input", str(folder),
                                 "--ledger", db, "--json"])
    assert json.loads(submitted.stdout)["status"] == "adopted", submitted.stdout
    listed = json.loads(cli.invoke(app, ["rescore", "--ledger", db, "--json"]).stdout)
    assert listed["evaluator"] == evaluator_hash() and [row["current"] for row in listed["versions"]] == [True, True]
    rescored = cli.invoke(app, ["rescore", "best", "--ledger", db, "--json"])
    assert rescored.exit_code == 0, rescored.stdout
    document = json.loads(rescored.stdout)
    assert document["version"] == 1 and document["reproduction"]["reproduced"] is True
    text = cli.invoke(app, ["rescore", "--ledger", db]).stdout
    assert "v1" in text and "yes" in text
