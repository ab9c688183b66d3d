"""The read models: kept incrementally exactly once, rebuilt from nothing to the same rows,
and read as of any position or version."""

from __future__ import annotations

import threading

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from domain.ids import sha256_of
from domain.outcome import OUTCOMES
from projections import export
from projections.asof import position_of_version
from projections.history import history
from projections.projection import LedgerProjection, build_as_of, catch_up, rebuild
from projections.state import NotInView, full, replay, status
from projections.view import memory_view
from tests.ledger.support import open_ledger, run_ops

OPS = [
    ("analysis", 7),
    ("submit", "zlib", 0),
    ("submit", "jpeg", 1),
    ("submit", "png", 2),
    ("submit", "broken", 3),
    ("submit", "fails", 5),
    ("rollback", 1),
    ("submit", "png", 0),
    ("submit", "dct", 4),
    ("analysis", 3),
]


def test_rebuilt_from_nothing_equals_the_incremental_view(ledger_url, suite, results):
    with open_ledger(ledger_url) as s:
        for chunk in (OPS[:3], OPS[3:6], OPS[6:]):  # kept up to date in several catch-ups
            run_ops(s, suite, results, chunk)
            s.refresh()
        incremental = s.view.dump()
        assert len(incremental["cl_candidates"]) == 8  # the seed and 7 candidates
        assert build_as_of(s.app).dump() == incremental  # from the log, into memory
        by_mapper = memory_view("by_mapper_" + sha256_of(ledger_url)[:8])
        catch_up(s.app, by_mapper, use_mapper=True)  # through eventsourcing's mapper: the same rows
        assert by_mapper.dump() == incremental
        rebuild(s.app, s.view)  # in place
        assert s.view.dump() == incremental


def test_the_read_models_as_of_every_position_equal_a_replay_up_to_it(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as s:
        run_ops(s, suite, results, OPS)
        s.refresh()
        for position in range(1, s.app.max_position() + 1):
            replayed = build_as_of(s.app, position)
            try:
                expected = status(replayed, "default", position)
            except NotInView:
                with pytest.raises(NotInView):
                    status(s.view, "default", position)
                continue
            assert status(s.view, "default", position) == expected
            assert history(s.view, "default", position) == history(replayed, "default", position)


def test_replay_to_each_version_shows_that_version_with_its_exact_source(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as s:
        recorded = run_ops(s, suite, results, OPS)
        s.refresh()
        for item in recorded:
            state = replay(s.view, "default", item["version"], source_of=s.app.source)
            assert state["version"] == item["version"]
            assert sha256_of(state["best"]["source"]) == item["sha256"] == state["sha256"]
        now = status(s.view, "default")
        assert now["version"] == s.app.lineage("default").head
        assert now["candidates"] == 7 and sum(now[kind] for kind in OUTCOMES) == 7
        assert now["failed"] == 1 and now["rejected"] == 1  # "fails" raised at frame 1; "broken" was rejected
        assert now["per_planner"]["claude"]["candidates"] + now["per_planner"]["offline"]["candidates"] == 7
        assert now["cost"]["tokens_in"] == 10 and now["cost"]["cost_usd"] == pytest.approx(0.01)
        with pytest.raises(NotInView):
            replay(s.view, "default", 99)


def test_each_event_is_applied_exactly_once(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as s:
        run_ops(s, suite, results, OPS[:4])
        s.refresh()
        before = s.view.dump()
        position = s.view.max_tracking_id(s.app.name)
        projection = LedgerProjection(s.view)
        projection._put("cl_best", ("default", 10**9), lineage="default", position=10**9, version=0)
        with pytest.raises(IntegrityError):  # the same tracking again: refused, and nothing written
            projection.flush(Tracking(s.app.name, position))
        assert s.view.dump() == before

        run_ops(s, suite, results, OPS[4:])
        views = [open_ledger(sqlite_url) for _ in range(3)]
        threads = [threading.Thread(target=v.refresh) for v in views]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for v in views:
            v.close()
        assert s.view.dump() == build_as_of(s.app).dump()


def test_exports_write_json_and_one_csv_row_per_candidate(sqlite_url, suite, results, tmp_path):
    import csv
    import json

    with open_ledger(sqlite_url) as s:
        run_ops(s, suite, results, OPS)
        s.refresh()
        data = full(s.view, "default", source_of=s.app.source)
        export.write(str(tmp_path / "all.json"), export.to_json(data))
        export.write(str(tmp_path / "all.csv"), export.to_csv(data["history"]))
        loaded = json.loads((tmp_path / "all.json").read_text())
        assert loaded["version"] == data["version"] and len(loaded["history"]) == 7
        assert sha256_of(loaded["best"]["source"]) == loaded["sha256"]
        rows = list(csv.DictReader((tmp_path / "all.csv").open()))
        assert len(rows) == 7 and {r["decision"] for r in rows} == {"adopted", "declined", "rejected"}
        assert {r["outcome"] for r in rows} == {"adopted", "declined", "rejected", "failed"}
        assert all(r["kbps"] == "" for r in rows if r["outcome"] in ("failed", "rejected"))
        at_v2 = full(s.view, "default", position_of_version(s.view, "default", 2))
        assert at_v2["version"] == 2 and len(at_v2["history"]) < 7


def test_a_projection_runner_keeps_the_view_on_postgresql(suite, results):
    """The library's ProjectionRunner (LISTEN/NOTIFY subscription) drives the same projection."""
    from eventsourcing.projection import ProjectionRunner

    from ledger.application import CodecLedger
    from ledger.store import parse_url
    from projections.view import PostgresLedgerView
    from tests.ledger.support import drop_schema, pg_available, pg_schema_url

    if not pg_available():
        pytest.skip("PostgreSQL is not reachable")
    url, schema = pg_schema_url()
    try:
        with open_ledger(url) as s:
            env = parse_url(url).app_env(create_table=False)
            with ProjectionRunner(
                application_class=CodecLedger, projection_class=LedgerProjection, view_class=PostgresLedgerView, env=env
            ) as runner:
                run_ops(s, suite, results, OPS[:5])
                followed = s.app.recorder.select_notifications(start=1, limit=10**6, topics=LedgerProjection.topics)
                runner.wait(followed[-1].id, timeout=10)  # the last event it follows, applied
            assert s.view.dump() == build_as_of(s.app).dump()
            s.refresh()  # and catch_up finds nothing left to do
            assert s.view.dump() == build_as_of(s.app).dump()
    finally:
        drop_schema(schema)
