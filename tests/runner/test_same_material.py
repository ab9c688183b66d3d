"""A close BD-rate decision is taken again against the best measured on the candidate's own material: the rule
(domain.policy.wants_same_material), the lineage's choice of what to compare with, and a real run in which the
same codec, recorded on luckier material than it really is, is not adopted over itself."""

from __future__ import annotations

import pytest

from domain.policy import (
    BD_RATE,
    MATCHED_QUALITY,
    NOT_BETTER,
    Policy,
    comparable,
    decide,
    wants_same_material,
)
from domain.seed import SEED_SOURCE
from projections.session import open_session
from runner.evaluation.clips import Clip, Suite, bikes_clip, moving_pattern
from runner.evaluation.evaluator import adoption_test, remeasure_incumbent
from runner.evolution.lifecycle import finish
from runner.sandbox.validation import validate
from tests.domain.test_bd_policy import INCUMBENT, ladder, lineage_with_a_tested_candidate, result
from tests.ledger.support import EXAMPLES, suite_record, variant

POLICY = Policy(name=BD_RATE)


def test_only_a_bd_rate_decision_at_or_below_no_gain_is_taken_again():
    near = decide(result({"a": ladder(0.99), "b": ladder(0.99), "c": ladder(1.0)}), INCUMBENT, POLICY)
    adopted = decide(result({"a": ladder(0.8), "b": ladder(0.8), "c": ladder(0.8)}), INCUMBENT, POLICY)
    worse = decide(result({"a": ladder(1.02), "b": ladder(1.0), "c": ladder(1.0)}), INCUMBENT, POLICY)
    failed = decide(result({"a": ladder(0.5)}, success=False), INCUMBENT, POLICY)
    assert not near.adopted and wants_same_material(near, POLICY)
    assert adopted.adopted and wants_same_material(adopted, POLICY)
    assert not wants_same_material(worse, POLICY)
    assert not wants_same_material(failed, POLICY)
    assert not wants_same_material(adopted, Policy(name=MATCHED_QUALITY))


def test_the_lineage_compares_with_the_remeasured_best_only_when_it_is_the_best_now():
    lineage, candidate = lineage_with_a_tested_candidate({"a": ladder(0.8), "b": ladder(0.8), "c": ladder(0.8)})
    assert lineage.judge(candidate.result).adopted  # against the recorded curves: -20%
    same = comparable(result({"a": ladder(0.8), "b": ladder(0.8), "c": ladder(0.8)}))
    candidate.remeasure_incumbent(0, "0" * 64, same)
    decision = lineage.judge(candidate.result, candidate.remeasured_incumbent)
    assert not decision.adopted and decision.rule == NOT_BETTER
    assert "version 0 as measured again on the same material" in decision.reason
    assert lineage.incumbent_metrics(candidate.remeasured_incumbent) == (same, True)
    # A remeasure of another source, or of an earlier best, is not what the best is now.
    for version, sha in ((0, "f" * 64), (1, "0" * 64)):
        other = {"version": version, "sha256": sha, "metrics": same}
        assert lineage.incumbent_metrics(other) == (lineage.best["metrics"], False)
        assert lineage.judge(candidate.result, other).adopted


def _small_suite() -> Suite:
    bikes = bikes_clip(count=3, max_size=(96, 64))
    pattern = moving_pattern((64, 48), 3)
    return Suite("small", (bikes, Clip("pattern", pattern.frames, 30.0, "real")))


def _inflated(test: dict, factor: float) -> dict:
    """A test as if its material had been kinder to the codec: every ladder rate times factor."""
    out = dict(test)
    out["ladder"] = {clip: [dict(p, kbps=p["kbps"] * factor) for p in points]
                     for clip, points in test["ladder"].items()}
    return out


@pytest.mark.slow
def test_a_codec_recorded_on_kinder_material_is_not_adopted_over_itself(tmp_path):
    suite = _small_suite()
    jpeg = (EXAMPLES / "jpeg_imencode.py").read_text()
    remeasured: list[tuple[str, str]] = []

    def remeasure(source: str, nonce: str) -> dict:
        remeasured.append((source, nonce))
        return remeasure_incumbent(source, suite, POLICY, nonce)

    with open_session(str(tmp_path / "ledger.db"), create=True) as session:
        app = session.app
        app.start_lineage("main", suite_record(suite), POLICY, adoption_test(SEED_SOURCE, suite, POLICY))
        incumbent = app.propose("main", jpeg, parent_version=0)
        # Version 1's recorded curves say 25% more bits than the codec really needs on average material.
        [first] = finish(app, "main", [incumbent], validate=validate,
                         test_all=lambda sources: [_inflated(adoption_test(s, suite, POLICY), 1.25) for s in sources])
        assert first.candidate.adopted_version == 1

        same_codec = app.propose("main", variant(jpeg, 1), parent_version=1)
        [done] = finish(app, "main", [same_codec], validate=validate,
                        test_all=lambda sources: [adoption_test(s, suite, POLICY) for s in sources],
                        remeasure=remeasure)
        candidate = done.candidate
        nonce = candidate.test_result["provenance"]["nonce"]
        assert remeasured == [(jpeg, nonce)]
        assert done.recorded == ["CandidateTested", "IncumbentRemeasured", "CandidateDeclined"]
        # Against the recorded curves it would have been adopted; on the same frames it is exactly as good.
        assert app.lineage("main").judge(candidate.test_result).adopted
        decision = candidate.decision
        assert candidate.status == "declined" and decision["rule"] == NOT_BETTER
        assert decision["bd_rate"]["clips"] == pytest.approx({"bikes": 0.0, "pattern": 0.0}, abs=1e-9)
        assert decision["incumbent_metrics"]["provenance"]["nonce"] == nonce
        assert "measured again on the same material" in decision["reason"]
        # Deciding again (a resumed run) measures nothing more.
        finish(app, "main", [app.candidate(candidate.id)], validate=validate, test_all=lambda s: [],
               remeasure=remeasure)
        assert len(remeasured) == 1
