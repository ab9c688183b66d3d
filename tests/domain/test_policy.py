"""The adoption policy as a pure function: each rule, its thresholds, and the quality guard."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.policy import (
    BITRATE,
    NOT_BETTER,
    QUALITY,
    RATIO,
    ROUND_TRIP,
    SEED,
    TARGET,
    VERDICT,
    Policy,
    comparable,
    decide,
    seed_decision,
)

OK = {"category": "ok", "message": "", "frame": None, "isolation": "test"}


def result(kbps=1000.0, ratio=10.0, psnr=36.0, quality=50, success=True, verdict=OK, clips=None, target=35.0):
    summary = {"kbps": kbps, "ratio": ratio, "psnr_y": psnr, "ssim_y": 0.95, "success": success, "verdict": verdict}
    return {
        "verdict": verdict,
        "quality": quality,
        "target_psnr_y": target,
        "summary": summary,
        "clips": clips if clips is not None else {"real": {"success": success}, "noise": {"success": True}},
        "isolation": "test",
    }


INCUMBENT = result(kbps=1000.0, ratio=10.0)


def test_lower_bitrate_is_adopted_with_a_readable_reason():
    d = decide(result(kbps=800.0, ratio=12.5), INCUMBENT, Policy(), incumbent_version=3)
    assert d.adopted and d.rule == BITRATE
    assert "20.0% below version 3's 1000.0 kbit/s" in d.reason
    assert d.improvement == pytest.approx(0.2)


def test_higher_ratio_alone_is_adopted_by_the_ratio_rule():
    # Real clips at different frame rates can make bitrate and ratio disagree.
    d = decide(result(kbps=950.0, ratio=12.5), INCUMBENT, Policy())
    assert d.adopted and d.rule == RATIO


def test_not_better_enough_is_declined():
    d = decide(result(kbps=950.0, ratio=11.0), INCUMBENT, Policy())
    assert not d.adopted and d.rule == NOT_BETTER
    assert "needs < 0.9x" in d.reason


def test_thresholds_are_strict_and_configurable():
    assert not decide(result(kbps=900.0, ratio=12.0), INCUMBENT, Policy()).adopted  # exactly 0.9x, exactly 1.2x
    assert decide(result(kbps=940.0, ratio=10.5), INCUMBENT, Policy(bitrate_factor=0.95)).adopted


def test_a_failed_run_is_never_adopted():
    failed = {"category": "failed", "message": "wrong shape", "frame": 2, "isolation": "test"}
    d = decide(result(kbps=10.0, verdict=failed), INCUMBENT, Policy())
    assert not d.adopted and d.rule == VERDICT and "frame 2" in d.reason


def test_a_stress_clip_that_does_not_round_trip_blocks_adoption():
    clips = {"real": {"success": True}, "noise": {"success": False}}
    d = decide(result(kbps=10.0, clips=clips), INCUMBENT, Policy())
    assert not d.adopted and d.rule == ROUND_TRIP and "noise" in d.reason


def test_the_quality_guard_stops_an_empty_codec():
    d = decide(result(kbps=1.0, ratio=1e6, psnr=12.0, quality=100), INCUMBENT, Policy())
    assert not d.adopted and d.rule == QUALITY


def test_a_test_at_another_target_is_not_comparable():
    d = decide(result(kbps=100.0, target=30.0), INCUMBENT, Policy())
    assert not d.adopted and d.rule == TARGET


def test_the_recorded_subset_decides_the_same_as_the_full_result():
    full = result(kbps=800.0, clips={"real": {"success": True}, "gray": {"success": False}})
    assert decide(comparable(full), INCUMBENT, Policy()) == decide(full, INCUMBENT, Policy())
    assert "clips" not in comparable(full) and comparable(full)["clips_success"] == {"real": True, "gray": False}


def test_the_seed_must_round_trip_to_become_version_0():
    assert seed_decision(result()).rule == SEED
    with pytest.raises(ValueError):
        seed_decision(result(success=False))


def test_the_default_policy_is_defined_once_and_used_everywhere():
    """Policy(), a recorded policy missing a field, the evaluator's default target and `submit`'s flags agree."""
    import inspect

    from domain.policy import (
        BD_RATE,
        DEFAULT_BITRATE_FACTOR,
        DEFAULT_RATIO_FACTOR,
        DEFAULT_TARGET_PSNR_Y,
        MATCHED_QUALITY,
        NEW_LINEAGE_POLICY,
    )
    from runner.evaluation.evaluator import test_candidate
    from runner.evolution.lineage_setup import PolicyOptions

    defaults = Policy(DEFAULT_TARGET_PSNR_Y, DEFAULT_BITRATE_FACTOR, DEFAULT_RATIO_FACTOR)
    # A record without a name predates the BD-rate policy: it is matched-quality; new lineages get BD-rate.
    assert Policy() == defaults == Policy.from_dict({}) == PolicyOptions(name=MATCHED_QUALITY).policy()
    assert defaults.name == MATCHED_QUALITY and NEW_LINEAGE_POLICY == BD_RATE
    assert PolicyOptions().policy() == Policy(name=BD_RATE)
    assert (defaults.target_psnr_y, defaults.bitrate_factor, defaults.ratio_factor) == (35.0, 0.9, 1.2)
    assert inspect.signature(test_candidate).parameters["target_psnr_y"].default == DEFAULT_TARGET_PSNR_Y


def test_policy_round_trips_and_validates():
    policy = Policy(target_psnr_y=38.0, bitrate_factor=0.8, ratio_factor=1.5, test_seconds=60.0, run_seconds=20.0)
    assert Policy.from_dict(policy.to_dict()) == policy
    with pytest.raises(ValueError):
        Policy(bitrate_factor=1.5)
    with pytest.raises(ValueError):
        Policy(test_seconds=0)


def test_the_budgets_are_recorded_in_the_policy_and_given_to_the_sandbox():
    from runner.evaluation.evaluator import sandbox_for
    from runner.sandbox.fork_server import Limits

    policy = Policy(test_seconds=60.0, run_seconds=20.0)
    assert (policy.thresholds()["test_seconds"], policy.thresholds()["run_seconds"]) == (60.0, 20.0)
    assert Limits().run_seconds == Policy().run_seconds  # one default for both
    with sandbox_for(policy) as sandbox:
        assert sandbox.limits.run_seconds == 20.0


finite = st.floats(min_value=1.0, max_value=1e6, allow_nan=False)


@given(kbps=finite, ratio=finite, inc_kbps=finite, inc_ratio=finite, psnr=st.floats(20, 100), ok=st.booleans())
def test_adopted_exactly_when_the_rule_says_so(kbps, ratio, inc_kbps, inc_ratio, psnr, ok):
    policy = Policy()
    candidate = result(kbps=kbps, ratio=ratio, psnr=psnr, success=ok)
    incumbent = result(kbps=inc_kbps, ratio=inc_ratio)
    expected = ok and psnr >= 35.0 and (kbps < 0.9 * inc_kbps or ratio > 1.2 * inc_ratio)
    assert decide(candidate, incumbent, policy).adopted == expected
