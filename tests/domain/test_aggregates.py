"""The aggregates on their own: events, guards, identities, and a round trip through the store's mapper."""

from __future__ import annotations

import pytest
from eventsourcing.application import Application

from domain.analysis import Analysis
from domain.candidate import ADOPTED, Candidate, CandidateError
from domain.ids import candidate_id, lineage_id, sha256_of
from domain.lineage import Lineage, LineageError, UnknownVersion
from domain.policy import Policy, comparable, seed_decision
from domain.seed import SEED_SOURCE
from domain.source import SourceBlob

OK = {"category": "ok", "message": "", "frame": None, "isolation": "test"}


def result(kbps, ratio=2.0, psnr=40.0):
    return {
        "verdict": OK,
        "quality": 10,
        "target_psnr_y": 35.0,
        "summary": {"kbps": kbps, "ratio": ratio, "psnr_y": psnr, "success": True},
        "clips": {"a": {"success": True, "kbps": kbps}},
    }


def started():
    lineage = Lineage.start("main", {"name": "s", "hash": "h"}, Policy())
    seed = Candidate(lineage="main", sha256=sha256_of(SEED_SOURCE), parent_version=None, rationale="", planner="seed")
    seed.record_test(result(1000.0, 1.0, 100.0))
    seed.adopt(0, None, None, seed_decision(seed.result), lineage.policy)
    lineage.create_version(0, str(seed.id), seed.sha256, comparable(seed.result))
    return lineage, seed


def test_identities_are_deterministic():
    assert Lineage.start("x", {}, Policy()).id == lineage_id("x")
    c = Candidate(lineage="x", sha256="ab", parent_version=2, rationale="", planner="p")
    assert c.id == candidate_id("x", "ab", 2) != candidate_id("x", "ab", 3)
    assert SourceBlob.store("print(1)").id == SourceBlob.store("print(1)").id


def test_source_must_match_its_hash():
    with pytest.raises(ValueError):
        SourceBlob(sha256="0" * 64, text="print(1)")


def test_a_lineage_creates_versions_in_sequence_and_rolls_back():
    lineage, _ = started()
    lineage.create_version(1, "c1", "s1", comparable(result(500.0)))
    with pytest.raises(LineageError):
        lineage.create_version(3, "c3", "s3", {})
    lineage.roll_back(0, "regression")
    assert lineage.head == 0 and len(lineage.versions) == 2
    with pytest.raises(LineageError):
        lineage.roll_back(0, "again")
    with pytest.raises(UnknownVersion):
        lineage.roll_back(7, "nope")
    names = [type(e).__name__ for e in lineage.collect_events()]
    assert names == ["LineageStarted", "VersionCreated", "VersionCreated", "RolledBack"]


def test_a_candidate_is_tested_once_and_decided_once():
    lineage, _ = started()
    c = Candidate(lineage="main", sha256="s", parent_version=0, rationale="r", planner="human")
    with pytest.raises(CandidateError):
        c.adopt(1, 0, {}, lineage.judge(result(10.0)), lineage.policy)  # not tested yet
    c.record_test(result(500.0))
    with pytest.raises(CandidateError):
        c.record_test(result(400.0))
    decision = lineage.judge(c.result)
    assert decision.adopted
    c.adopt(1, 0, lineage.best["metrics"], decision, lineage.policy)
    assert c.status == ADOPTED and c.decision["version"] == 1 and c.decision["against"] == 0
    with pytest.raises(CandidateError):
        c.decline(0, {}, lineage.judge(result(5000.0)), lineage.policy)


def test_a_rejected_candidate_cannot_be_tested():
    c = Candidate(lineage="main", sha256="s", parent_version=0, rationale="", planner="human")
    c.reject(["syntax error at line 1"])
    with pytest.raises(CandidateError):
        c.record_test(result(1.0))


def test_events_survive_the_store_unchanged():
    """Through eventsourcing's mapper (JSON transcoding) and back: the same aggregate state."""
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    lineage, seed = started()
    analysis = Analysis(lineage="main", key="k", planner="claude", model="m", text="t", tokens_in=3, tokens_out=4,
                        cost_usd=0.5)
    app.save(lineage, seed, analysis)
    assert app.repository.get(lineage.id) == lineage
    assert app.repository.get(seed.id) == seed
    assert app.repository.get(analysis.id) == analysis
