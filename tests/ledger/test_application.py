"""The ledger application on SQLite and on PostgreSQL, fed with real test results recorded once
per session by the real evaluator (tests/ledger/support.py)."""

from __future__ import annotations

import threading

import pytest
from eventsourcing.persistence import RecordConflictError

from domain.candidate import ADOPTED, DECLINED
from domain.ids import sha256_of
from domain.lineage import UnknownVersion
from domain.policy import Policy
from ledger.errors import LedgerError, SuiteMismatch, UnknownLineage
from runner.evolution.lifecycle import submit as submit_candidate
from tests.ledger.support import all_rows, open_ledger, sources, start, suite_record, validate, variant

SRC = sources()


def submit(app, tester, name, source=None, lineage="default", **kw):
    return submit_candidate(app, lineage, source or SRC[name], validate=validate, test=tester, **kw)


def test_a_lineage_starts_with_the_seed_measured_for_real(ledger_url, suite, results, tester):
    with open_ledger(ledger_url) as s:
        lineage = start(s, suite, results)
        assert lineage.head == 0 and lineage.best["sha256"] == sha256_of(SRC["seed"])
        summary = lineage.best["metrics"]["summary"]
        assert summary["ratio"] == pytest.approx(1.0) and summary["psnr_y"] == 100.0 and summary["success"]
        assert lineage.suite["hash"] == suite.content_hash and lineage.policy["target_psnr_y"] == 35.0
        before = s.app.max_position()
        assert start(s, suite, results).id == lineage.id  # again: nothing new
        assert s.app.max_position() == before
        other = dict(suite_record(suite), hash="0" * 64)
        with pytest.raises(SuiteMismatch):
            s.app.start_lineage("default", other, Policy(), results[sha256_of(SRC["seed"])])
        with pytest.raises(UnknownLineage):
            s.app.lineage("elsewhere")


def test_submissions_adopt_decline_reject_and_report_duplicates(ledger_url, suite, results, tester):
    with open_ledger(ledger_url) as s:
        app = s.app
        start(s, suite, results)
        zlib = submit(app, tester, "zlib", rationale="lossless")
        assert (zlib.status, zlib.version, zlib.incumbent_version, zlib.rule) == (ADOPTED, 1, 0, "bitrate")
        assert "version 0's" in zlib.reason and zlib.improvement > 0.4 and zlib.tested
        jpeg = submit(app, tester, "jpeg")
        assert (jpeg.status, jpeg.version, jpeg.incumbent_version) == (ADOPTED, 2, 1)
        calls, position = tester.calls, app.max_position()

        again = submit(app, tester, "jpeg")  # the current best's own source
        assert again.duplicate and again.version == 2 and tester.calls == calls
        assert app.max_position() == position

        png = submit(app, tester, "png")
        assert png.status == DECLINED and png.incumbent_version == 2 and png.rule == "not_better"
        position = app.max_position()
        retry = submit(app, tester, "png")
        assert retry.duplicate and retry.duplicate_of["status"] == DECLINED and tester.calls == calls + 1
        assert app.max_position() == position

        broken = submit_candidate(app, "default", "def compress_video_frame(:\n", validate=validate, test=tester)
        assert broken.status == "rejected" and "syntax" in broken.reasons[0]
        failing = submit(app, tester, "fails")
        assert failing.status == DECLINED and failing.rule == "verdict" and "frame 1" in failing.reason

        lineage = app.lineage("default")
        assert [v["version"] for v in lineage.versions] == [0, 1, 2] and lineage.head == 2


def test_a_source_tested_before_is_decided_again_without_testing(ledger_url, suite, results, tester):
    with open_ledger(ledger_url) as s:
        app = s.app
        start(s, suite, results)
        submit(app, tester, "zlib")  # v1
        submit(app, tester, "jpeg")  # v2
        assert submit(app, tester, "png").status == DECLINED  # against v2
        assert app.rollback("default", 1, "jpeg looks blocky").recorded
        calls = tester.calls
        png = submit(app, tester, "png")  # now against v1: the same test decides differently
        assert png.status == ADOPTED and png.version == 3 and png.incumbent_version == 1
        assert png.reused_from is not None and not png.tested and tester.calls == calls


def test_an_interrupted_submit_resumes_without_duplicating(ledger_url, suite, results, tester):
    with open_ledger(ledger_url) as s:
        app = s.app
        start(s, suite, results)
        candidate = app.propose("default", SRC["zlib"])  # crashed after the proposal
        outcome = submit(app, tester, "zlib")
        assert outcome.status == ADOPTED and tester.calls == 1 and "CandidateProposed" not in outcome.recorded
        app.propose("default", SRC["jpeg"])
        app.record_test(str(app.propose("default", SRC["jpeg"]).id), tester(SRC["jpeg"]))  # crashed before deciding
        calls = tester.calls
        outcome = submit(app, tester, "jpeg")
        assert outcome.status == ADOPTED and outcome.version == 2 and tester.calls == calls
        assert candidate.id != app.propose("default", SRC["jpeg"]).id


def test_two_deciders_cannot_both_create_the_same_version(ledger_url, suite, results, tester):
    with open_ledger(ledger_url) as first, open_ledger(ledger_url) as second:
        start(first, suite, results)
        a = first.app.propose("default", SRC["zlib"])
        b = second.app.propose("default", SRC["png"])
        first.app.record_test(str(a.id), tester(SRC["zlib"]))
        second.app.record_test(str(b.id), tester(SRC["png"]))

        # Low level: both load lineage version k and both try to record version 1.
        la, lb = first.app.lineage("default"), second.app.lineage("default")
        ca, cb = first.app.candidate(a.id), second.app.candidate(b.id)
        for lineage, candidate in ((la, ca), (lb, cb)):
            decision = lineage.judge(candidate.result)
            assert decision.adopted
            candidate.adopt(1, 0, lineage.best["metrics"], decision, lineage.policy)
            lineage.create_version(1, str(candidate.id), candidate.sha256, candidate.result)
        first.app.save(ca, la)
        with pytest.raises(RecordConflictError):
            second.app.save(cb, lb)
        # Through the application: the loser reloads and decides against the new best.
        decided = second.app.decide("default", str(b.id))
        assert decided.status == ADOPTED and decided.decision["version"] == 2 and decided.decision["against"] == 1


def test_concurrent_submitters_never_share_a_version(ledger_url, suite, results, tester):
    with open_ledger(ledger_url) as s:
        start(s, suite, results)
    names = ["zlib", "png", "jpeg", "dct"]
    outcomes, errors = {}, []

    def worker(name):
        try:
            with open_ledger(ledger_url) as mine:
                outcomes[name] = submit(mine.app, tester, name)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with open_ledger(ledger_url) as s:
        lineage = s.app.lineage("default")
        adopted = [o for o in outcomes.values() if o.status == ADOPTED]
        assert sorted(o.version for o in adopted) == list(range(1, len(lineage.versions)))
        assert [v["version"] for v in lineage.versions] == list(range(len(lineage.versions)))
        for record in lineage.versions[1:]:  # each version was judged against the one before it
            decision = s.app.candidate(record["candidate_id"]).decision
            assert decision["against"] == record["version"] - 1


def test_rollback_keeps_history_and_replays_exactly(ledger_url, suite, results, tester):
    with open_ledger(ledger_url) as s:
        app = s.app
        start(s, suite, results)
        submit(app, tester, "zlib")
        submit(app, tester, "jpeg")
        out = app.rollback("default", 1, "regression on real footage")
        assert out.recorded and out.from_version == 2
        assert not app.rollback("default", 1, "again").recorded  # nothing new
        assert app.show("default", "best")["source"] == SRC["zlib"]
        assert app.show("default", 2)["source"] == SRC["jpeg"]
        assert app.lineage("default", at_version=2).head == 2
        why = app.why("default", 2)
        assert why["incumbent_version"] == 1 and why["rule"] == "bitrate" and "version 1's" in why["reason"]
        assert why["candidate_metrics"]["summary"]["kbps"] < why["incumbent_metrics"]["summary"]["kbps"]
        with pytest.raises(UnknownVersion):
            app.rollback("default", 9, "no such version")
        with pytest.raises(UnknownVersion):
            app.why("default", "seven")


def test_snapshots_make_a_long_lineage_cheap_and_exact(sqlite_url, suite, results, tester):
    with open_ledger(sqlite_url) as s:
        app = s.app
        start(s, suite, results)
        submit(app, tester, "zlib")
        for i in range(23):  # 23 rollbacks to and fro: a lineage of ~30 events
            app.rollback("default", i % 2, f"flip {i}")
        snapshots = app.snapshots.recorder.select_events(app.lineage("default").id)
        assert snapshots, "a lineage past its snapshot interval has a snapshot"
        from eventsourcing.application import project_aggregate

        lineage = app.lineage("default")
        replayed = project_aggregate(None, app.events.get(lineage.id))  # every event, no snapshot
        assert replayed == lineage
        for version in (0, 1):
            at = app.lineage("default", at_version=version)
            assert at.head == version and at.versions == lineage.versions[: version + 1]


def test_analyses_are_recorded_once_per_key_and_linked(sqlite_url, suite, results, tester):
    with open_ledger(sqlite_url) as s:
        app = s.app
        start(s, suite, results)
        aid = app.record_analysis("default", planner="claude", model="sonnet", text="try DCT", tokens_in=10,
                                  tokens_out=20, cost_usd=0.25, key="r1")
        assert app.record_analysis("default", planner="claude", text="try DCT", key="r1") == aid
        out = submit(app, tester, "dct", planner="claude", model="sonnet", analysis_id=aid)
        why = app.why("default", out.version)
        assert why["analysis"]["text"] == "try DCT" and why["analysis"]["cost_usd"] == 0.25
        with pytest.raises(UnknownLineage):
            app.record_analysis("nope", planner="x", text="y")


def test_events_hold_only_plain_json(sqlite_url, suite, results, tester):
    import json

    with open_ledger(sqlite_url) as s:
        start(s, suite, results)
        submit(s.app, tester, "zlib")
        submit(s.app, tester, "fails")
        for _, _, _, topic, state in all_rows(s.app):
            data = json.loads(state)
            assert set(data) - {"timestamp"} and data["timestamp"]["_type_"] == "datetime_iso"
            _assert_plain_json({k: v for k, v in data.items() if k != "timestamp"}, topic)


def _assert_plain_json(value, topic):
    """value is made of JSON types only, with no transcoder object ({"_type_": ...}) in it; topic names its event."""
    if isinstance(value, dict):
        assert "_type_" not in value, (topic, value)
        for v in value.values():
            _assert_plain_json(v, topic)
    elif isinstance(value, list):
        for v in value:
            _assert_plain_json(v, topic)
    else:
        assert value is None or isinstance(value, (str, int, float, bool))


def test_a_seed_that_fails_cannot_start_a_lineage(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as s:
        failed = results[sha256_of(SRC["fails"])]
        with pytest.raises(LedgerError):
            s.app.start_lineage("default", suite_record(suite), Policy(), failed)
        assert s.app.max_position() == 0


def test_variants_are_distinct_candidates(sqlite_url, suite, results, tester):
    with open_ledger(sqlite_url) as s:
        start(s, suite, results)
        submit(s.app, tester, "zlib")
        out = submit_candidate(s.app, "default", variant(SRC["zlib"], 1), validate=validate, test=tester)
        assert out.status == DECLINED and out.reused_from is None and out.tested
