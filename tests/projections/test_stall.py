"""Stall alarms: the pure rules on made-up activity, and the alarm recorded once on real SQLite and
PostgreSQL ledgers of recorded tests, rebuilt from the events like every read model."""

from __future__ import annotations

from domain.records import StallRecord
from projections.projection import build_as_of
from projections.stall import (
    DEFAULT_IDLE_ITERATIONS,
    DEFAULT_REPEATS,
    NO_ADOPTION,
    SAME_FIGURES,
    SAME_PROGRAM,
    Activity,
    Judged,
    Proposed,
    activity,
    detect,
    stalls,
)
from runner.evolution.narration import Narration
from runner.evolution.stalls import watch_for_stalls
from tests.ledger.support import open_ledger, run_ops, start


def made(programs: list[str], figures: list[str], *, calls: int = 0, since: int = 7) -> Activity:
    return Activity(
        proposed=[Proposed(candidate_id=f"p{i}", program=p) for i, p in enumerate(programs)],
        tested=[Judged(candidate_id=f"t{i}", figures=f) for i, f in enumerate(figures)],
        last_adoption=since, calls_since_adoption=calls)


def kinds(found) -> list[str]:
    return [stall["kind"] for stall in found]


def test_each_rule_fires_only_on_a_full_run_of_repeats():
    n = DEFAULT_REPEATS
    assert detect(made(["a"] * (n - 1), ["x"] * (n - 1), calls=DEFAULT_IDLE_ITERATIONS - 1)) == []
    assert detect(made(["b"] + ["a"] * (n - 1), ["y"] + ["x"] * (n - 1))) == []
    found = detect(made(["b"] + ["a"] * n, ["x"] * n))
    assert kinds(found) == [SAME_PROGRAM, SAME_FIGURES]
    assert found[0]["candidates"] == [f"p{i}" for i in range(1, n + 1)], "the last n, oldest first"
    assert "last 8 candidates proposed are one program" in found[0]["message"]
    assert kinds(detect(made([], [], calls=DEFAULT_IDLE_ITERATIONS))) == [NO_ADOPTION]
    assert kinds(detect(made(["a"] * 3, ["x"] * 3), repeats=3)) == [SAME_PROGRAM, SAME_FIGURES]


def test_a_stall_keeps_its_key_while_it_lasts_and_a_new_adoption_starts_another():
    n = DEFAULT_REPEATS
    first = detect(made(["a"] * n, ["x"] * n, calls=30))
    longer = detect(made(["a"] * (2 * n), ["x"] * (2 * n), calls=45))
    assert [s["key"] for s in first] == [s["key"] for s in longer]
    after = detect(made(["a"] * n, ["x"] * n, calls=30, since=99))
    assert not {s["key"] for s in first} & {s["key"] for s in after}
    other = detect(made(["c"] * n, ["z"] * n, calls=30))
    assert {s["key"] for s in first} & {s["key"] for s in other} == {f"{NO_ADOPTION}:7"}


class Told(Narration):
    def __init__(self):
        self.stalls: list[dict] = []

    def stalled(self, stall):
        self.stalls.append(dict(stall))


def test_stalls_are_recorded_once_told_once_and_rebuilt_from_the_events(ledger_url, suite, results):
    told = Told()
    with open_ledger(ledger_url) as s:
        run_ops(s, suite, results, [("submit", "zlib", 0)])  # version 1
        s.refresh()
        assert watch_for_stalls(s, "default", told) == []
        # The same figures each time: the recorded tester gives a comment variant its base's result.
        run_ops(s, suite, results, [("submit", "png", n) for n in range(1, DEFAULT_REPEATS + 1)])
        s.refresh()
        seen = activity(s.view, "default", s.app.source)
        latest = s.view.fetch("SELECT candidate_id FROM {p}cl_candidates ORDER BY position DESC LIMIT ?",
                              (DEFAULT_REPEATS,))
        assert [p["candidate_id"] for p in seen["proposed"]] == [r["candidate_id"] for r in reversed(latest)]
        first = watch_for_stalls(s, "default", told)
        assert kinds(first) == [SAME_PROGRAM, SAME_FIGURES]
        assert watch_for_stalls(s, "default", told) == [], "recorded once, not at each round"
        run_ops(s, suite, results, [("analysis", n) for n in range(DEFAULT_IDLE_ITERATIONS)])
        run_ops(s, suite, results, [("submit", "png", DEFAULT_REPEATS + 1)])
        idle = watch_for_stalls(s, "default", told)
        assert kinds(idle) == [NO_ADOPTION], "the same program's stall goes on: not recorded again"
        assert watch_for_stalls(s, "default", told) == []
        assert [t["kind"] for t in told.stalls] == [SAME_PROGRAM, SAME_FIGURES, NO_ADOPTION]

        recorded = stalls(s.view, "default")
        assert [r["kind"] for r in recorded] == [SAME_PROGRAM, SAME_FIGURES, NO_ADOPTION]
        assert recorded[0]["candidates"] == first[0]["candidates"]
        assert stalls(s.view, "default", recorded[1]["position"] - 1) == recorded[:1], "as of a position"
        events = [e for e in s.app.stored_events(types=["StallDetected"])]
        assert [e["stall"]["kind"] for e in events] == [SAME_PROGRAM, SAME_FIGURES, NO_ADOPTION]
        assert build_as_of(s.app).dump() == s.view.dump(), "rebuilt from nothing == kept incrementally"
        s.rebuild()
        assert stalls(s.view, "default") == recorded


def test_the_keys_recorded_survive_the_lineages_snapshots(sqlite_url, suite, results):
    with open_ledger(sqlite_url) as s:
        start(s, suite, results)
        stall = StallRecord(kind=NO_ADOPTION, key="", message="m", since_position=1, candidates=[])
        for i in range(45):  # the lineage is snapshotted every 20 of its events
            assert s.app.record_stall("default", {**stall, "key": f"k{i}"})
        assert list(s.app.snapshots.get(s.app.lineage("default").id)), "snapshots were taken"
        assert not s.app.record_stall("default", {**stall, "key": "k3"})
        assert not s.app.record_stall("default", {**stall, "key": "k44"})
        assert s.app.record_stall("default", {**stall, "key": "new"})
        assert list(s.app.lineage("default").stall_keys)[-1] == "new"
