"""The Pareto archive: the pure non-dominance rule against a brute force on random data, and the
projection on real recorded tests, now and as of every version, against the same brute force."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pareto import DEFAULT_OBJECTIVES, MINIMISE, OBJECTIVES, UnknownObjective, non_dominated, objectives_named
from domain.policy import Policy
from projections.history import history
from projections.pareto import measured, pareto_front
from projections.state import version_position
from tests.ledger.support import open_ledger, run_ops, start


def brute_force(points: list[list[float]], objectives) -> list[int]:
    """Index i is on the front when no j is as good everywhere and better somewhere: every pair compared."""
    def better_or_equal(x: float, y: float, objective) -> bool:
        return x <= y if objective.direction == MINIMISE else x >= y

    def strictly_better(x: float, y: float, objective) -> bool:
        return x < y if objective.direction == MINIMISE else x > y

    front = []
    for i, p in enumerate(points):
        beaten = any(
            all(better_or_equal(q[k], p[k], o) for k, o in enumerate(objectives))
            and any(strictly_better(q[k], p[k], o) for k, o in enumerate(objectives))
            for j, q in enumerate(points) if j != i
        )
        if not beaten:
            front.append(i)
    return front


# Few distinct values, so that ties and duplicates are common.
figures = st.sampled_from([0.0, 1.0, 2.5, 3.0, 40.0, 1e6])
chosen = st.lists(st.sampled_from(list(OBJECTIVES)), min_size=1, max_size=5, unique=True)


@settings(max_examples=300, deadline=None)
@given(chosen.flatmap(lambda names: st.tuples(
    st.just(names), st.lists(st.lists(figures, min_size=len(names), max_size=len(names)), max_size=40))))
def test_non_dominated_equals_a_brute_force_on_random_points(case):
    names, points = case
    objectives = objectives_named(names)
    assert non_dominated(points, objectives) == brute_force(points, objectives)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.floats(0, 100)), max_size=30))
def test_the_front_of_continuous_points_is_what_the_brute_force_finds(pairs):
    objectives = objectives_named(["kbps", "psnr_y"])
    points = [list(p) for p in pairs]
    front = non_dominated(points, objectives)
    assert front == brute_force(points, objectives)
    if points:  # the lowest rate, at its best quality, is never beaten
        lowest = min(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
        assert lowest in front


def test_unknown_or_no_objective_is_refused_by_name():
    with pytest.raises(UnknownObjective, match="unknown objective 'fps'.*known: kbps, psnr_y"):
        objectives_named(["kbps", "fps"])
    with pytest.raises(UnknownObjective, match="no objective"):
        objectives_named([])
    assert [o.name for o in objectives_named(["psnr_y", "kbps", "psnr_y"])] == ["psnr_y", "kbps"]


SCRIPT = [("submit", "zlib", 0), ("submit", "fails", 0), ("submit", "jpeg", 0), ("submit", "jpeg", 1),
          ("submit", "broken", 2), ("submit", "dct", 0), ("submit", "png", 0), ("rollback", 1),
          ("submit", "dct", 3)]


def test_the_archive_is_the_brute_force_front_of_the_measured_history_as_of_each_version(ledger_url, suite, results):
    with open_ledger(ledger_url) as s:
        recorded = run_ops(s, suite, results, SCRIPT)
        s.refresh()
        view = s.view
        for names in (DEFAULT_OBJECTIVES, ("kbps", "psnr_y"), ("decode_fps", "kbps")):
            objectives = objectives_named(names)
            checked_versions = 0
            for position in [None, *(version_position(view, "default", r["version"]) for r in recorded)]:
                rows = history(view, "default", position, include_seed=True)
                ran = [r for r in rows if r["outcome"] in ("adopted", "declined")]
                assert all(r["kbps"] is not None for r in ran)
                latest = {r["sha256"]: r for r in ran}  # one entry per source: its latest test
                points = measured(view, "default", names, position)
                assert [p["sha256"] for p in points] == sorted(latest, key=lambda sha: latest[sha]["position"])
                met = [p for p in points if p["meets_target"]]
                expected = {met[i]["sha256"] for i in brute_force(
                    [[p["values"][o.name] for o in objectives] for p in met], objectives)}
                front = pareto_front(view, "default", names, position)
                assert {p["sha256"] for p in front} == expected
                assert front, "a lineage always has a measured version 0"
                checked_versions += 1
            assert checked_versions == len(recorded) + 1

        failed = [r["sha256"] for r in history(view, "default") if r["outcome"] not in ("adopted", "declined")]
        assert failed, "the script has a failing and a rejected candidate"
        assert not set(failed) & {p["sha256"] for p in measured(view, "default")}
        versions = {v["sha256"]: v["version"] for v in s.app.lineage("default").versions}
        for point in measured(view, "default"):
            assert point["version"] == versions.get(point["sha256"])


def test_a_codec_short_of_the_target_never_enters_the_front(sqlite_url, suite, results):
    """Recorded tests aimed at 35 dB, judged in a lineage whose target is 60 dB: only the lossless codecs
    reached it, however cheap and fast the lossy ones are."""
    with open_ledger(sqlite_url) as s:
        start(s, suite, results, "strict", Policy(target_psnr_y=60.0))
        run_ops(s, suite, results, [("submit", "jpeg", 0), ("submit", "dct", 0), ("submit", "png", 0)], "strict")
        s.refresh()
        points = {p["sha256"]: p for p in measured(s.view, "strict", ("kbps", "psnr_y"))}
        short = [p for p in points.values() if p["values"]["psnr_y"] < 60.0]
        assert len(short) == 2 and not any(p["meets_target"] for p in short)
        front = pareto_front(s.view, "strict", ("kbps", "decode_fps"))
        assert front and all(p["meets_target"] and p["values"]["kbps"] > 0 for p in front)
        assert not {p["sha256"] for p in short} & {p["sha256"] for p in front}
        cheapest = min(points.values(), key=lambda p: p["values"]["kbps"])
        assert cheapest in short, "the lossy codecs are cheaper: left out for missing the target, not for rate"
