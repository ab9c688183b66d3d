"""The adoption policy: a pure function from two test results and the thresholds to a decision.

Two policies; a lineage records its own when it starts. New lineages get the BD-rate one: it decides on
every real clip over the range of qualities a codec is used at, so a codec tuned to one clip at one
quality point does not win. "matched-quality", the seed's rule made fair, stays for the lineages started
under it and for `--policy matched-quality`.

bd-rate: the candidate ran cleanly and every frame of every clip round-tripped; on every real clip its
rate-distortion curve over the evaluator's quality ladder compares with the incumbent's from RD_LOW_PSNR_Y
up to at least MIN_SPAN_DB above it (domain/rd_policy.py: how curves are compared, and why they cannot be
gamed); no clip's BD-rate is above `bd_veto_pct`; and the mean BD-rate over the real clips is at most
-`bd_gain_pct` percent. Each test draws its own material (runner/evaluation/material.py), and one codec's BD-rate
on one clip moves by several percent between materials; so where a candidate's mean BD-rate against the best's
recorded curves is at or below SAME_MATERIAL_BELOW_PCT, the best is measured again on the candidate's material and
the decision compares the two on the very same frames (`wants_same_material`; the loop does the measuring).

matched-quality: the seed's rule made fair. Both codecs are tested at matched quality (the lowest `quality`
whose PSNR-Y on the suite's real clips meets the target, found by bisection in the
evaluator); a candidate is adopted only when it ran cleanly, every frame of every clip
round-tripped (stress clips included), it met the quality target, and then its bitrate is
below `bitrate_factor` x the incumbent's or its compression ratio above `ratio_factor` x the
incumbent's. Rate and quality come from the test's `summary`, which covers real clips only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from domain.rd_policy import MIN_SPAN_DB, RD_HIGH_PSNR_Y, RD_LOW_PSNR_Y, compare
from domain.records import (
    AdoptionTestResult,
    BdRateRecord,
    ComparableMetrics,
    LadderPoint,
    LineagePolicyRecord,
    MetricFigures,
    PolicyRecord,
    VerdictRecord,
)

SEED = "seed"  # rule recorded for version 0, which is adopted without a comparison
VERDICT = "verdict"
ROUND_TRIP = "round_trip"
TARGET = "target"
QUALITY = "quality_target"
BITRATE = "bitrate"
RATIO = "ratio"
NOT_BETTER = "not_better"
RD_CURVE = "rd_curve"  # a real clip without a usable curve (no ladder, or a degenerate or too narrow curve)
CLIP_VETO = "clip_veto"  # a real clip got worse by more than the veto margin
BD_GAIN = "bd_rate"  # adopted on the mean BD-rate over the real clips
RULES = (SEED, VERDICT, ROUND_TRIP, TARGET, QUALITY, BITRATE, RATIO, NOT_BETTER, RD_CURVE, CLIP_VETO, BD_GAIN)

_EPS = 1e-9

# What a decision can read: a whole test result, or what an earlier decision recorded of one.
TestRecord = AdoptionTestResult | ComparableMetrics

# The policy a lineage gets when nothing else is asked for (the seed's figures, made fair).
DEFAULT_TARGET_PSNR_Y = 35.0  # dB
DEFAULT_BITRATE_FACTOR = 0.9
DEFAULT_RATIO_FACTOR = 1.2
MATCHED_QUALITY = "matched-quality"
BD_RATE = "bd-rate"
POLICY_NAMES = (BD_RATE, MATCHED_QUALITY)
DEFAULT_POLICY_NAME = MATCHED_QUALITY  # what Policy() and a recorded policy without a name mean
NEW_LINEAGE_POLICY = BD_RATE  # what a new lineage gets when no --policy is given
DEFAULT_BD_GAIN_PCT = 5.0  # adopt when the mean BD-rate is <= -5% ...
# ... and no real clip's is above +10%: one codec's BD-rate on one clip moves by up to ~6% between test materials.
DEFAULT_BD_VETO_PCT = 10.0
# A candidate whose mean BD-rate against the best's recorded curves is at or below this is judged again against
# the best measured on its own material: adoptions are never won, nor near misses lost, on material luck.
SAME_MATERIAL_BELOW_PCT = 0.0
DEFAULT_TEST_SECONDS = 900.0  # wall-clock budget of one candidate's whole adoption test
DEFAULT_RUN_SECONDS = 300.0  # ... and of one run in it: one clip through the encoder and the decoder


@dataclass(frozen=True)
class Policy:
    """The thresholds; recorded when a lineage starts and again in every decision."""

    target_psnr_y: float = DEFAULT_TARGET_PSNR_Y
    bitrate_factor: float = DEFAULT_BITRATE_FACTOR  # adopt when bitrate < bitrate_factor x incumbent's ...
    ratio_factor: float = DEFAULT_RATIO_FACTOR  # ... or compression ratio > ratio_factor x incumbent's
    name: str = DEFAULT_POLICY_NAME
    test_seconds: float = DEFAULT_TEST_SECONDS  # a test that runs longer ends with a timeout verdict
    run_seconds: float = DEFAULT_RUN_SECONDS  # so does a test with one run that runs longer
    bd_gain_pct: float = DEFAULT_BD_GAIN_PCT  # bd-rate: adopt when the mean BD-rate is <= -bd_gain_pct ...
    bd_veto_pct: float = DEFAULT_BD_VETO_PCT  # ... and no real clip's is above +bd_veto_pct

    def __post_init__(self) -> None:
        if self.name not in POLICY_NAMES:
            raise ValueError(f"unknown policy {self.name!r} (known: {', '.join(POLICY_NAMES)})")
        if not (0 <= self.bd_gain_pct < 100 and 0 <= self.bd_veto_pct):
            raise ValueError(f"BD-rate gain must be in [0, 100) % and veto margin at least 0 %, got "
                             f"{self.bd_gain_pct} and {self.bd_veto_pct}")
        if not (0 < self.target_psnr_y <= 100):
            raise ValueError(f"target PSNR-Y must be in (0, 100] dB, got {self.target_psnr_y}")
        if not (0 < self.bitrate_factor <= 1):
            raise ValueError(f"bitrate factor must be in (0, 1], got {self.bitrate_factor}")
        if not (self.ratio_factor >= 1):
            raise ValueError(f"ratio factor must be at least 1, got {self.ratio_factor}")
        if not (self.test_seconds > 0 and self.run_seconds > 0):
            raise ValueError(f"budgets must be positive numbers of seconds, got {self.test_seconds} per test "
                             f"and {self.run_seconds} per run")

    def describe(self) -> str:
        if self.name == BD_RATE:
            return (
                f"adopt when the test is ok, every frame round-trips, and the BD-rate against the incumbent "
                f"(PSNR-Y over the quality ladder, {RD_LOW_PSNR_Y:g}-{RD_HIGH_PSNR_Y:g} dB, both curves reaching "
                f"{RD_LOW_PSNR_Y + MIN_SPAN_DB:g} dB at least) is <= -{self.bd_gain_pct:g}% on average over the "
                f"real clips and no clip's above +{self.bd_veto_pct:g}%"
            )
        return (
            f"adopt when the test is ok, every frame round-trips, PSNR-Y >= {self.target_psnr_y:g} dB "
            f"at matched quality, and bitrate < {self.bitrate_factor:g}x or compression ratio > "
            f"{self.ratio_factor:g}x the incumbent's"
        )

    def to_dict(self) -> LineagePolicyRecord:
        """The policy with a sentence describing it (recorded when a lineage starts)."""
        return LineagePolicyRecord(**self.thresholds(), description=self.describe())

    def thresholds(self) -> PolicyRecord:
        """The policy's name and thresholds (recorded in every decision)."""
        record = PolicyRecord(target_psnr_y=self.target_psnr_y, bitrate_factor=self.bitrate_factor,
                              ratio_factor=self.ratio_factor, name=self.name, test_seconds=self.test_seconds,
                              run_seconds=self.run_seconds)
        if self.name == BD_RATE:
            record["bd_gain_pct"], record["bd_veto_pct"] = self.bd_gain_pct, self.bd_veto_pct
        return record

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """The policy a record describes; a key it lacks takes the default."""
        return cls(
            target_psnr_y=float(data.get("target_psnr_y", DEFAULT_TARGET_PSNR_Y)),
            bitrate_factor=float(data.get("bitrate_factor", DEFAULT_BITRATE_FACTOR)),
            ratio_factor=float(data.get("ratio_factor", DEFAULT_RATIO_FACTOR)),
            name=str(data.get("name", DEFAULT_POLICY_NAME)),
            test_seconds=float(data.get("test_seconds", DEFAULT_TEST_SECONDS)),
            run_seconds=float(data.get("run_seconds", DEFAULT_RUN_SECONDS)),
            bd_gain_pct=float(data.get("bd_gain_pct", DEFAULT_BD_GAIN_PCT)),
            bd_veto_pct=float(data.get("bd_veto_pct", DEFAULT_BD_VETO_PCT)),
        )


@dataclass(frozen=True)
class Decision:
    adopted: bool
    rule: str
    reason: str
    bitrate_change: float | None = None  # candidate kbps / incumbent kbps (BD-rate policy: 1 + mean BD-rate)
    ratio_change: float | None = None  # candidate ratio / incumbent ratio
    bd_rates: tuple[tuple[str, float], ...] | None = None  # BD-rate policy: (real clip, BD-rate %) compared

    def bd_rate_record(self) -> BdRateRecord | None:
        """What a decision records of the BD-rates it compared (None where it compared none)."""
        if not self.bd_rates:
            return None
        clips = dict(self.bd_rates)
        return BdRateRecord(mean_pct=sum(clips.values()) / len(clips), clips=clips)

    @property
    def improvement(self) -> float | None:
        """Fraction of bitrate saved against the incumbent (0.25 = 25% fewer bits), where compared."""
        return None if self.bitrate_change is None else 1.0 - self.bitrate_change


def comparable(test: TestRecord) -> ComparableMetrics:
    """The part of a test result a decision reads and records: all but the per-clip metrics,
    which are kept as one success flag per clip."""
    summary = test.get("summary")
    out = ComparableMetrics(
        verdict=test.get("verdict"),
        quality=test.get("quality"),
        target_psnr_y=test.get("target_psnr_y"),
        isolation=test.get("isolation"),
        # The summary's own verdict repeats the test's; leave it out of what every decision records.
        summary=None if summary is None else cast(MetricFigures, {k: v for k, v in summary.items() if k != "verdict"}),
    )
    clips, recorded = test.get("clips"), test.get("clips_success")
    if isinstance(clips, dict):
        out["clips_success"] = {name: bool(isinstance(p, dict) and p.get("success")) for name, p in clips.items()}
    elif isinstance(recorded, dict):
        out["clips_success"] = dict(recorded)
    provenance = test.get("provenance")
    if provenance is not None:
        out["provenance"] = provenance
    curves = _curves(test)
    if curves is not None:
        out["rd"] = curves
    return out


def _curves(test: TestRecord) -> dict[str, list[LadderPoint]] | None:
    """The RD curve per real clip: a whole test's ladder, or what a decision recorded of it."""
    curves = test.get("ladder")
    if curves is None:
        curves = test.get("rd")
    return dict(curves) if isinstance(curves, dict) else None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _failed_clips(test: TestRecord) -> list[str]:
    clips = test.get("clips")
    if isinstance(clips, dict):
        return sorted(name for name, point in clips.items() if not (isinstance(point, dict) and point.get("success")))
    flags = test.get("clips_success")
    return sorted(name for name, ok in flags.items() if not ok) if isinstance(flags, dict) else []


def _verdict_text(verdict: VerdictRecord | dict[str, Any]) -> str:
    text = str(verdict.get("category", "failed"))
    if verdict.get("frame") is not None:
        text += f" at frame {verdict['frame']}"
    if verdict.get("message"):
        text += f": {verdict['message']}"
    return text


def decide(
    candidate_test: TestRecord,
    incumbent_test: TestRecord | None,
    policy: Policy = Policy(),
    *,
    incumbent_version: int | None = None,
    same_material: bool = False,
) -> Decision:
    """Adopt or decline candidate_test against incumbent_test (both shaped like test_candidate's result);
    same_material: incumbent_test was measured on the candidate's own material (said in the reason)."""
    against = "the incumbent" if incumbent_version is None else f"version {incumbent_version}"
    if same_material:
        against += " as measured again on the same material"
    verdict: VerdictRecord | dict[str, Any] = candidate_test.get("verdict") or {}
    if verdict.get("category") != "ok":
        return Decision(False, VERDICT, f"declined: the candidate did not run cleanly ({_verdict_text(verdict)})")

    summary = candidate_test.get("summary")
    failed = _failed_clips(candidate_test)
    if not summary or not summary.get("success") or failed:
        where = f" (clips: {', '.join(failed)})" if failed else ""
        return Decision(False, ROUND_TRIP, f"declined: not every frame round-tripped{where}")

    if policy.name == BD_RATE:
        return _decide_bd_rate(candidate_test, incumbent_test, policy, against)

    target = _num(candidate_test.get("target_psnr_y"))
    if target is None or abs(target - policy.target_psnr_y) > _EPS:
        return Decision(
            False,
            TARGET,
            f"declined: tested at a PSNR-Y target of {target} dB, the policy's is {policy.target_psnr_y:g} dB",
        )

    psnr = _num(summary.get("psnr_y"))
    quality = candidate_test.get("quality")
    if quality is None or psnr is None or psnr < policy.target_psnr_y - _EPS:
        best = "no PSNR-Y" if psnr is None else f"PSNR-Y {psnr:.2f} dB"
        return Decision(
            False,
            QUALITY,
            f"declined: no quality setting reached the {policy.target_psnr_y:g} dB PSNR-Y target ({best})",
        )

    incumbent: MetricFigures | dict[str, Any] = (incumbent_test.get("summary") if incumbent_test else None) or {}
    kbps, inc_kbps = _num(summary.get("kbps")), _num(incumbent.get("kbps"))
    ratio, inc_ratio = _num(summary.get("ratio")), _num(incumbent.get("ratio"))
    bitrate_change = kbps / inc_kbps if kbps is not None and inc_kbps else None
    ratio_change = ratio / inc_ratio if ratio is not None and inc_ratio else None
    at = f"at quality {quality} with PSNR-Y {psnr:.2f} dB (target {policy.target_psnr_y:g} dB)"

    if bitrate_change is not None and bitrate_change < policy.bitrate_factor:
        return Decision(
            True,
            BITRATE,
            f"adopted: {kbps:.1f} kbit/s is {100 * (1 - bitrate_change):.1f}% below {against}'s "
            f"{inc_kbps:.1f} kbit/s (needs < {policy.bitrate_factor:g}x), {at}",
            bitrate_change,
            ratio_change,
        )
    if ratio_change is not None and ratio_change > policy.ratio_factor:
        return Decision(
            True,
            RATIO,
            f"adopted: compression ratio {ratio:.2f} is {ratio_change:.2f}x {against}'s {inc_ratio:.2f} "
            f"(needs > {policy.ratio_factor:g}x), {at}",
            bitrate_change,
            ratio_change,
        )
    if bitrate_change is None and ratio_change is None:
        return Decision(False, NOT_BETTER, f"declined: {against} has no bitrate or ratio to compare with")
    parts = []
    if bitrate_change is not None:
        parts.append(f"bitrate {kbps:.1f} kbit/s is {bitrate_change:.2f}x {against}'s "
                     f"(needs < {policy.bitrate_factor:g}x)")
    if ratio_change is not None:
        parts.append(f"ratio {ratio:.2f} is {ratio_change:.2f}x {against}'s (needs > {policy.ratio_factor:g}x)")
    return Decision(False, NOT_BETTER, "declined: not better enough: " + " and ".join(parts), bitrate_change,
                    ratio_change)


def _decide_bd_rate(candidate_test: TestRecord, incumbent_test: TestRecord | None, policy: Policy,
                    against: str) -> Decision:
    """The BD-rate rule (the module's docstring), once the candidate ran cleanly and round-tripped."""
    mine = _curves(candidate_test)
    theirs = _curves(incumbent_test) if incumbent_test else None
    if not mine:
        return Decision(False, RD_CURVE, "declined: the test has no quality ladder to compare curves on")
    if not theirs:
        return Decision(False, RD_CURVE, f"declined: {against} has no RD curves to compare with")
    rates, problem = _clip_bd_rates(mine, theirs)
    if problem:
        return Decision(False, RD_CURVE, f"declined: {problem}")
    mean = sum(rates.values()) / len(rates)
    compared_rates = tuple(rates.items())
    figures = ", ".join(f"{clip} {rate:+.1f}%" for clip, rate in rates.items())
    worst = max(rates, key=lambda clip: rates[clip])
    if rates[worst] > policy.bd_veto_pct:
        return Decision(False, CLIP_VETO, f"declined: BD-rate on clip {worst!r} is {rates[worst]:+.1f}% against "
                                          f"{against} (veto above +{policy.bd_veto_pct:g}%; mean {mean:+.1f}%: "
                                          f"{figures})", bitrate_change=1.0 + mean / 100.0, bd_rates=compared_rates)
    if mean <= -policy.bd_gain_pct:
        return Decision(True, BD_GAIN, f"adopted: mean BD-rate {mean:+.1f}% against the curves of {against} over "
                                       f"{RD_LOW_PSNR_Y:g}-{RD_HIGH_PSNR_Y:g} dB PSNR-Y (needs <= "
                                       f"-{policy.bd_gain_pct:g}%, no clip above +{policy.bd_veto_pct:g}%): {figures}",
                        bitrate_change=1.0 + mean / 100.0, bd_rates=compared_rates)
    return Decision(False, NOT_BETTER, f"declined: not better enough: mean BD-rate {mean:+.1f}% against {against} "
                                       f"(needs <= -{policy.bd_gain_pct:g}%): {figures}",
                    bitrate_change=1.0 + mean / 100.0, bd_rates=compared_rates)


def wants_same_material(decision: Decision, policy: Policy) -> bool:
    """Whether a decision against the best's recorded curves is close enough to adoption to be taken again
    against the best measured on the candidate's own material (BD-rate policy only)."""
    record = decision.bd_rate_record()
    return policy.name == BD_RATE and record is not None and record["mean_pct"] <= SAME_MATERIAL_BELOW_PCT


def mean_bd_rate(candidate: TestRecord, incumbent: TestRecord) -> float | None:
    """The mean BD-rate (percent) of a candidate's RD curves against an incumbent's over the real clips, from
    tests or recorded decisions alike; None where the two cannot be compared on every clip."""
    mine, theirs = _curves(candidate), _curves(incumbent)
    if not mine or not theirs:
        return None
    rates, problem = _clip_bd_rates(mine, theirs)
    return None if problem else sum(rates.values()) / len(rates)


def _clip_bd_rates(mine: dict[str, list[LadderPoint]],
                   theirs: dict[str, list[LadderPoint]]) -> tuple[dict[str, float], str | None]:
    """The candidate's BD-rate on each of the incumbent's clips, or why the first clip that cannot be compared
    cannot."""
    rates: dict[str, float] = {}
    for clip in sorted(theirs):
        if clip not in mine:
            return rates, f"no RD curve on clip {clip!r}"
        compared = compare(_pairs(mine[clip]), _pairs(theirs[clip]))
        if compared.bd_rate_pct is None:
            return rates, f"on clip {clip!r} {compared.problem}"
        rates[clip] = compared.bd_rate_pct
    return rates, None


def _pairs(points: list[LadderPoint]) -> list[tuple[float | None, float | None]]:
    return [(p.get("kbps"), p.get("psnr_y") if p.get("success") else None) for p in points]


def seed_decision(seed_test: AdoptionTestResult) -> Decision:
    """Version 0 is adopted without a comparison, provided the seed really ran and round-tripped."""
    verdict: VerdictRecord | dict[str, Any] = seed_test.get("verdict") or {}
    summary: MetricFigures | dict[str, Any] = seed_test.get("summary") or {}
    if verdict.get("category") != "ok" or not summary.get("success") or _failed_clips(seed_test):
        raise ValueError(
            f"the seed did not round-trip on this suite ({_verdict_text(verdict)}), so it cannot be version 0")
    return Decision(
        True,
        SEED,
        "version 0 is the seed's copy-input codec (raw frames, no compression), measured on the suite",
    )
