"""The BD-rate adoption policy: curves over the quality ladder on every real clip, the per-clip veto, and the
curves a candidate could shape to game it (degenerate, narrow, non-overlapping, non-monotone)."""

from __future__ import annotations

import pytest

from domain.policy import (
    BD_GAIN,
    BD_RATE,
    CLIP_VETO,
    MATCHED_QUALITY,
    NOT_BETTER,
    RD_CURVE,
    ROUND_TRIP,
    Policy,
    comparable,
    decide,
)
from domain.rd_policy import compare, operating_points

OK = {"category": "ok", "message": "", "frame": None, "isolation": "test"}
POLICY = Policy(name=BD_RATE)
# A plausible codec's curve: about +3 dB per doubling of the rate, 28-46 dB over qualities 10..90.
BASE = [(10, 400.0, 28.0), (30, 700.0, 32.5), (50, 1200.0, 36.5), (70, 2100.0, 41.0), (90, 4000.0, 46.0)]


def ladder(factor: float = 1.0, shift: float = 0.0, base=BASE) -> list[dict]:
    return [{"quality": q, "kbps": kbps * factor, "psnr_y": psnr + shift, "success": True} for q, kbps, psnr in base]


def result(curves: dict[str, list[dict]], success: bool = True) -> dict:
    summary = {"kbps": 1000.0, "ratio": 10.0, "psnr_y": 36.0, "ssim_y": 0.95, "success": success, "verdict": OK}
    return {"verdict": OK, "quality": 50, "target_psnr_y": 35.0, "summary": summary, "isolation": "test",
            "clips": {name: {"success": success} for name in [*curves, "noise"]}, "ladder": curves}


INCUMBENT = result({"a": ladder(), "b": ladder(), "c": ladder()})


def test_fewer_bits_on_every_clip_is_adopted_with_the_figures_in_the_reason():
    d = decide(result({"a": ladder(0.8), "b": ladder(0.9), "c": ladder(0.85)}), INCUMBENT, POLICY, incumbent_version=2)
    assert d.adopted and d.rule == BD_GAIN
    assert "mean BD-rate -15.0% against the curves of version 2 over 30-42 dB" in d.reason
    assert "a -20.0%, b -10.0%, c -15.0%" in d.reason
    assert d.improvement == pytest.approx(0.15)


def test_a_gain_below_the_threshold_is_declined():
    d = decide(result({"a": ladder(0.97), "b": ladder(0.97), "c": ladder(0.97)}), INCUMBENT, POLICY)
    assert not d.adopted and d.rule == NOT_BETTER and "-3.0%" in d.reason
    assert decide(result({"a": ladder(0.97), "b": ladder(0.97), "c": ladder(0.97)}), INCUMBENT,
                  Policy(name=BD_RATE, bd_gain_pct=2.0)).adopted


def test_one_clip_much_worse_vetoes_a_better_mean():
    # Mean -23%: a codec tuned to two clips that falls apart on the third.
    d = decide(result({"a": ladder(0.5), "b": ladder(0.6), "c": ladder(1.4)}), INCUMBENT, POLICY)
    assert not d.adopted and d.rule == CLIP_VETO
    assert "clip 'c' is +40.0%" in d.reason
    assert decide(result({"a": ladder(0.5), "b": ladder(0.6), "c": ladder(1.04)}), INCUMBENT, POLICY).adopted


def test_every_real_clip_of_the_incumbent_needs_a_curve():
    d = decide(result({"a": ladder(0.5), "b": ladder(0.5)}), INCUMBENT, POLICY)
    assert not d.adopted and d.rule == RD_CURVE and "'c'" in d.reason


def test_a_candidate_that_ignores_the_quality_setting_is_the_flat_line_at_its_rate():
    # One point whatever the quality: the incumbent's own 41 dB point. Below it, it costs that rate, where the
    # incumbent's curve is cheaper: no gain from aiming the whole ladder at one point.
    flat = [{"quality": q, "kbps": 2100.0, "psnr_y": 41.0, "success": True} for q in (10, 30, 50, 70, 90)]
    d = decide(result({"a": flat, "b": ladder(0.5), "c": ladder(0.5)}), INCUMBENT, POLICY)
    assert not d.adopted and d.rule == CLIP_VETO and "clip 'a'" in d.reason
    [(rate, psnr)] = operating_points([(p["kbps"], p["psnr_y"]) for p in flat])
    assert compare([(rate, psnr)], [(rate, psnr)]).bd_rate_pct == pytest.approx(0.0)


def test_a_curve_that_stops_short_of_the_range_is_declined():
    # Cheap, but its ladder never gets above 34 dB: it cannot win on the bottom end of the range alone.
    low = [{"quality": q, "kbps": r, "psnr_y": p, "success": True}
           for q, r, p in ((10, 100.0, 18.0), (50, 150.0, 26.0), (90, 200.0, 34.0))]
    d = decide(result({"a": low, "b": ladder(0.5), "c": ladder(0.5)}), INCUMBENT, POLICY)
    assert not d.adopted and d.rule == RD_CURVE and "compare only up to 34.0 dB" in d.reason


def test_curves_are_compared_where_both_reach_and_never_extended_upwards():
    # Entirely above the incumbent (47-65 dB at the incumbent's rates): at every quality the incumbent reaches,
    # the candidate delivers more for its cheapest rate, so it needs fewer bits over 30-42 dB.
    above = ladder(1.0, shift=19.0)
    compared = compare([(p["kbps"], p["psnr_y"]) for p in above], [(p["kbps"], p["psnr_y"]) for p in ladder()])
    assert (compared.low, compared.high) == (30.0, 42.0) and compared.bd_rate_pct is not None
    assert compared.bd_rate_pct < -20
    # An incumbent that stops at 38 dB: the comparison stops there too, whatever the candidate reaches.
    short = compare([(p["kbps"], p["psnr_y"]) for p in ladder()], [(500.0, 30.0), (900.0, 38.0)])
    assert short.high == 38.0


def test_the_incumbent_is_flat_below_its_cheapest_point():
    # A lossless incumbent (the seed: every point at the PSNR cap) is a flat line at its rate.
    seed = [{"quality": q, "kbps": 30000.0, "psnr_y": 100.0, "success": True} for q in (10, 30, 50, 70, 90)]
    assert decide(result({"a": ladder()}), result({"a": seed}), POLICY).adopted
    # An incumbent that starts at 36 dB and 1000 kbit/s costs that below 36 dB too. The candidate matches it above
    # 36 dB and halves the rate at 30 dB, linearly in log rate: a mean of -1/4 of a doubling over 30-42 dB.
    starts_high = [(1000.0, 36.0), (2000.0, 42.0)]
    cand = [(500.0, 30.0), (1000.0, 36.0), (2000.0, 42.0)]
    compared = compare(cand, starts_high)
    assert (compared.low, compared.high) == (30.0, 42.0)
    assert compared.bd_rate_pct == pytest.approx(100 * (2**-0.25 - 1))


def test_dominated_points_are_dropped_before_comparing():
    # A point that another beats on both rate and quality is not an operating point an encoder would use.
    points = [(400.0, 28.0), (900.0, 27.0), (700.0, 32.5), (700.0, 33.0), (1200.0, 36.5), (None, 40.0)]
    assert operating_points(points) == [(400.0, 28.0), (700.0, 33.0), (1200.0, 36.5)]


def test_failures_decide_before_the_curves():
    failing = result({"a": ladder(0.5), "b": ladder(0.5), "c": ladder(0.5)}, success=False)
    assert decide(failing, INCUMBENT, POLICY).rule == ROUND_TRIP
    assert decide(result({"a": ladder(0.5)}) | {"ladder": None}, INCUMBENT, POLICY).rule == RD_CURVE


def test_a_decision_reads_what_an_earlier_decision_recorded():
    candidate = result({"a": ladder(0.8), "b": ladder(0.8), "c": ladder(0.8)})
    recorded = comparable(candidate)
    assert recorded["rd"] == candidate["ladder"]
    assert decide(recorded, comparable(INCUMBENT), POLICY) == decide(candidate, INCUMBENT, POLICY)


def test_the_policy_records_its_rule_and_thresholds():
    record = Policy(name=BD_RATE, bd_gain_pct=3.0, bd_veto_pct=2.0).to_dict()
    assert record["name"] == BD_RATE and record["bd_gain_pct"] == 3.0 and record["bd_veto_pct"] == 2.0
    assert "is <= -3% on average" in record["description"] and "30-42 dB" in record["description"]
    assert Policy.from_dict(record) == Policy(name=BD_RATE, bd_gain_pct=3.0, bd_veto_pct=2.0)
    assert "bd_gain_pct" not in Policy(name=MATCHED_QUALITY).thresholds()  # old records stay as they were
    with pytest.raises(ValueError, match="unknown policy"):
        Policy(name="best-guess")


def lineage_with_a_tested_candidate(curves: dict[str, list[dict]]):
    """(a lineage under the policy whose version 0 was tested as INCUMBENT, a candidate tested with curves)."""
    from domain.candidate import Candidate
    from domain.lineage import Lineage
    from domain.policy import seed_decision

    lineage = Lineage.start("main", {"name": "s", "hash": "h"}, POLICY)
    seed = Candidate(lineage="main", sha256="0" * 64, parent_version=None, rationale="", planner="seed")
    seed.record_test(INCUMBENT)
    seed.adopt(0, None, None, seed_decision(seed.result), lineage.policy)
    lineage.create_version(0, str(seed.id), seed.sha256, comparable(seed.result))
    candidate = Candidate(lineage="main", sha256="1" * 64, parent_version=0, rationale="", planner="human")
    candidate.record_test(result(curves))
    return lineage, candidate


def test_a_lineage_under_the_policy_records_the_figures_and_a_version_s_validation():
    from eventsourcing.application import Application

    from domain.candidate import CandidateError

    lineage, candidate = lineage_with_a_tested_candidate({"a": ladder(0.8), "b": ladder(0.9), "c": ladder(0.85)})
    with pytest.raises(CandidateError, match="only adopted"):
        candidate.record_validation({"suite": "v", "clip_names": [], "verdict": OK, "clips": {}, "provenance": {}})
    decision = lineage.judge(candidate.result)
    candidate.adopt(1, 0, lineage.best["metrics"], decision, lineage.policy)
    recorded = candidate.decision["bd_rate"]
    assert recorded["clips"] == pytest.approx({"a": -20.0, "b": -10.0, "c": -15.0})
    assert recorded["mean_pct"] == pytest.approx(-15.0)
    assert candidate.decision["policy"]["name"] == BD_RATE
    assert candidate.decision["candidate_metrics"]["rd"]["a"][0]["kbps"] == pytest.approx(320.0)
    validation = {"suite": "v", "clip_names": ["x"], "verdict": OK, "provenance": {},
                  "clips": {"x": {"points": ladder()[:2], "bd_rate_vs_jpeg_pct": -12.5}}}
    candidate.record_validation(validation)
    # Through the store's mapper and back: what a ledger holds is what was decided and measured.
    app = Application()
    app.save(candidate)
    again = app.repository.get(candidate.id)
    assert again.decision == candidate.decision and again.validations == [validation]


def test_policy_flags_name_a_new_lineage_s_policy_and_never_change_an_existing_one():
    from runner.evolution.lineage_setup import OptionError, PolicyOptions

    assert PolicyOptions().policy().name == BD_RATE
    assert PolicyOptions(name=MATCHED_QUALITY, target_psnr_y=38.0).policy() == Policy(target_psnr_y=38.0)
    with pytest.raises(OptionError, match="--policy must be one of bd-rate, matched-quality"):
        PolicyOptions(name="lowest-bitrate")
    with pytest.raises(OptionError, match="--policy bd-rate differs from this lineage's policy"):
        PolicyOptions(name=BD_RATE).check_against(Policy(name=MATCHED_QUALITY))
    PolicyOptions().check_against(Policy(name=MATCHED_QUALITY))  # no flag: the lineage's own, whatever it is
