"""Measures a candidate on a suite: quality ladders, BD-rate against JPEG, and the adoption tests (matched
quality, or the BD-rate policy's ladder on every real clip).

Every number comes from the bytes the encoder really produced and the frames the decoder
really returned (runner/measure.py does the arithmetic). The runner is a Sandbox for
candidates; InProcessRunner only for trusted code in benchmarks.
"""

from __future__ import annotations

import hashlib
import time
from contextlib import AbstractContextManager, nullcontext
from typing import cast

from domain.policy import BD_RATE, DEFAULT_TARGET_PSNR_Y, Policy
from domain.records import AdoptionTestResult, LadderPoint
from domain.verdict import REJECTED, TIMEOUT, Verdict
from runner.evaluation.bdrate import bd_rate
from runner.evaluation.clips import Clip, Suite
from runner.evaluation.material import draw_nonce, materialise
from runner.evaluation.measure import point_metrics, summarise
from runner.evaluation.provenance import provenance
from runner.evaluation.references import reference_ladder
from runner.sandbox.codec_runner import CodecRunner
from runner.sandbox.fork_server import Limits
from runner.sandbox.pipeline import Sandbox
from runner.sandbox.validation import validate

DEFAULT_QUALITIES = (10, 30, 50, 70, 90)
FRAME_HASH_CHARS = 16


def clip_config(clip: Clip, quality: int) -> dict:
    """The `config` a candidate sees for one clip."""
    return {"quality": int(quality), "width": clip.width, "height": clip.height, "fps": clip.fps,
            "frames": clip.count}


def measure_point(runner: CodecRunner, source: str, clip: Clip, quality: int, twice: bool = False) -> dict:
    """One run of `source` over `clip` at `quality`, as a metric point; with `twice`, a second
    run must give the very same bytes and frames (the sandbox's check against nondeterminism),
    and the point keeps each compressed frame's hash, so that the run can be checked again later."""
    config = clip_config(clip, quality)
    result = runner.run_twice(source, clip.frames, config, keep_payload=True) if twice else \
        runner.run(source, clip.frames, config)
    decoded = result.decoded if result.verdict.ok else None
    point = point_metrics(clip, int(quality), result.total_bytes, decoded,
                          result.encode_seconds, result.decode_seconds, result.verdict)
    point["verdict"]["isolation"] = result.verdict.isolation
    if twice and result.verdict.ok:
        point["frame_sha256"] = frame_hashes(result.payload)
    return point


def frame_hashes(payload: list[bytes]) -> list[str]:
    """A short hash of each compressed frame: enough to tell that a rerun wrote other bytes, and where."""
    return [hashlib.sha256(data).hexdigest()[:FRAME_HASH_CHARS] for data in payload]


def jpeg_anchor(clip: Clip) -> tuple[tuple[float, float], ...]:
    """OpenCV JPEG's (kbps, PSNR-Y) ladder on a clip: the anchor of every BD-rate we report."""
    return tuple((p["kbps"], p["psnr_y"]) for p in reference_ladder("jpeg", clip) if p["success"])


def rd_points(points: list[dict]) -> list[tuple[float, float]]:
    return [(p["kbps"], p["psnr_y"]) for p in points if p["success"]]


def evaluate_ladder(source: str, suite: Suite, qualities=DEFAULT_QUALITIES, runner: CodecRunner | None = None,
                    nonce: str | None = None) -> dict:
    """A candidate at several qualities on every clip, with its BD-rate against JPEG per clip.

    The clips are the suite's as a fresh nonce varies them (runner/evaluation/material.py), unless
    one is given; the report names it. Each clip's first quality is run twice, so that a codec whose
    output is not a function of its input is reported as failed, not measured."""
    reasons = validate(source)
    nonce = nonce or draw_nonce()
    with _runner(runner) as active:
        isolation = active.isolation
        if reasons:
            rejected = Verdict(REJECTED, "; ".join(reasons)[:2000], isolation=isolation)
            return {"verdict": rejected.to_dict(), "isolation": isolation, "clips": {},
                    "provenance": provenance(suite.content_hash, nonce, isolation)}
        clips: dict[str, dict] = {}
        for clip in materialise(suite, nonce).clips:
            points = [measure_point(active, source, clip, q, twice=i == 0) for i, q in enumerate(qualities)]
            clips[clip.name] = {
                "kind": clip.kind,
                "points": points,
                "bd_rate_vs_jpeg_pct": _bd_rate_vs_jpeg(clip, points),
            }
    failures = [p["verdict"] for c in clips.values() for p in c["points"] if not p["success"]]
    verdict = failures[0] if failures else Verdict("ok", isolation=isolation).to_dict()
    return {"verdict": verdict, "isolation": isolation, "clips": clips,
            "provenance": provenance(suite.content_hash, nonce, isolation)}


def _bd_rate_vs_jpeg(clip: Clip, points: list[dict]) -> float | None:
    if clip.kind != "real":
        return None  # constant frames give degenerate RD curves
    value = bd_rate(jpeg_anchor(clip), rd_points(points))
    return None if value is None else round(value, 2)


def sandbox_for(policy: Policy) -> Sandbox:
    """A sandbox whose runs keep to a lineage's budget per run."""
    return Sandbox(Limits(run_seconds=policy.run_seconds))


def adoption_test(source: str, suite: Suite, policy: Policy, *, sandbox: CodecRunner | None = None,
                  nonce: str | None = None) -> AdoptionTestResult:
    """test_candidate under a lineage's policy: its PSNR-Y target, its test budget (the sandbox, made by
    sandbox_for, keeps the budget per run) and, for the BD-rate policy, the quality ladder."""
    ladder = DEFAULT_QUALITIES if policy.name == BD_RATE else None
    return test_candidate(source, suite, target_psnr_y=policy.target_psnr_y, budget_seconds=policy.test_seconds,
                          sandbox=sandbox, nonce=nonce, ladder=ladder)


def remeasure_incumbent(source: str, suite: Suite, policy: Policy, nonce: str) -> AdoptionTestResult:
    """A lineage's best measured again on a candidate's material (the candidate's test nonce), for a BD-rate
    decision on the very same frames: the real clips only, which are all that decision compares (each clip's
    variant depends on the nonce and the clip's name alone, so leaving the others out changes no frame)."""
    real = Suite(name=suite.name, clips=suite.real_clips())
    with sandbox_for(policy) as sandbox:
        return adoption_test(source, real, policy, sandbox=sandbox, nonce=nonce)


def test_candidate(source: str, suite: Suite, *, target_psnr_y: float = DEFAULT_TARGET_PSNR_Y,
                   sandbox: CodecRunner | None = None, nonce: str | None = None,
                   budget_seconds: float | None = None, ladder: tuple[int, ...] | None = None) -> AdoptionTestResult:
    """The adoption test: the lowest `quality` meeting the PSNR-Y target on the suite's real
    clips (by bisection; with a ladder, the lowest of its qualities, after every real clip was measured at
    each of them: the RD curves the BD-rate policy compares), then every clip at that quality.

    The summary, over the real clips only, is what the adoption policy compares; the other
    clips must round-trip but do not count toward rate. The clips are the suite's as a fresh
    nonce varies them (unless one is given), recorded in the result once the test is over.
    A test that runs past budget_seconds of wall-clock time ends with a timeout verdict and no
    figures (each run's own limits are the sandbox's).
    """
    reasons = validate(source)
    nonce = nonce or draw_nonce()
    material = materialise(suite, nonce)
    with _runner(sandbox) as runner:
        # Filled in step by step; an AdoptionTestResult once returned.
        report: dict = {"target_psnr_y": target_psnr_y, "quality": None, "summary": None, "clips": {},
                        "isolation": runner.isolation,
                        "provenance": provenance(suite.content_hash, nonce, runner.isolation)}
        if reasons:
            report["verdict"] = Verdict(REJECTED, "; ".join(reasons)[:2000], isolation=runner.isolation).to_dict()
            return cast(AdoptionTestResult, report)
        real = material.real_clips() or material.clips
        budget = _Budget(budget_seconds)
        search = _QualitySearch(runner, source, real, target_psnr_y, budget) if ladder is None else \
            _Ladder(runner, source, real, target_psnr_y, budget, ladder)
        try:
            _measure(report, search, material, real, budget)
            if isinstance(search, _Ladder):
                report["ladder"] = search.curves()
        except BudgetSpent as spent:
            report.update({"quality": None, "summary": None, "clips": {}, "quality_searched": search.tried(),
                           "meets_target": False})
            report["verdict"] = Verdict(TIMEOUT, str(spent), isolation=runner.isolation).to_dict()
    return cast(AdoptionTestResult, report)


def _measure(report: dict, search: _QualitySearch, material: Suite, real: tuple[Clip, ...], budget: _Budget) -> None:
    """The adoption test's measurements, recorded into report."""
    runner, source, target_psnr_y = search.runner, search.source, search.target
    quality, summary = search.lowest_meeting_target()
    report["quality"] = quality
    report["summary"] = summary
    report["quality_searched"] = search.tried()
    clips = {}
    if summary["success"]:
        # The decision rests on this quality: measure every clip here again, twice, so that a
        # codec whose output is not a function of its input fails instead of being lucky.
        for clip in material.clips:
            budget.check()
            clips[clip.name] = measure_point(runner, source, clip, quality, twice=True)
        summary = summarise([(clip, clips[clip.name]) for clip in real])
        report["summary"] = summary
    else:
        clips = dict(search.points_at(quality))
    report["clips"] = clips
    failures = [p["verdict"] for p in clips.values() if not p["success"]]
    report["verdict"] = failures[0] if failures else Verdict("ok", isolation=runner.isolation).to_dict()
    report["meets_target"] = bool(summary["success"] and summary["psnr_y"] >= target_psnr_y)


class _QualitySearch:
    """Bisection over integer `quality` in [0, 100] for the lowest value meeting a PSNR-Y target."""

    def __init__(self, runner: CodecRunner, source: str, clips, target: float, budget: _Budget):
        self.runner, self.source, self.clips, self.target, self.budget = runner, source, clips, target, budget
        self._points: dict[int, list[tuple[str, dict]]] = {}
        self._summaries: dict[int, dict] = {}

    def summary(self, quality: int) -> dict:
        if quality not in self._summaries:
            points = []
            for clip in self.clips:
                self.budget.check()
                points.append((clip, measure_point(self.runner, self.source, clip, quality)))
            self._points[quality] = [(clip.name, point) for clip, point in points]
            self._summaries[quality] = summarise(points)
        return self._summaries[quality]

    def meets(self, quality: int) -> bool:
        summary = self.summary(quality)
        return bool(summary["success"]) and summary["psnr_y"] >= self.target

    def lowest_meeting_target(self) -> tuple[int, dict]:
        """Where no quality meets the target, or the candidate fails, the best it could do."""
        low, high = 0, 100
        if not self.meets(high):
            return high, self.summary(high)
        if self.meets(low):  # a codec that ignores quality, such as a lossless one
            return low, self.summary(low)
        while low < high:
            middle = (low + high) // 2
            if self.meets(middle):
                high = middle
            elif not self.summary(middle)["success"]:
                return middle, self.summary(middle)  # a failure at any quality fails the test
            else:
                low = middle + 1
        return high, self.summary(high)

    def points_at(self, quality: int) -> list[tuple[str, dict]]:
        return self._points[quality]

    def tried(self) -> list[dict]:
        return [{"quality": q, "psnr_y": s["psnr_y"], "kbps": s["kbps"], "success": s["success"]}
                for q, s in sorted(self._summaries.items())]


class _Ladder(_QualitySearch):
    """Every real clip at every quality of a ladder (its RD curves); the decision quality is the lowest rung
    whose summary meets the PSNR-Y target, or the top rung. A failure at any rung fails the test there."""

    def __init__(self, runner: CodecRunner, source: str, clips, target: float, budget: _Budget,
                 qualities: tuple[int, ...]):
        super().__init__(runner, source, clips, target, budget)
        self.qualities = tuple(sorted(set(qualities)))

    def lowest_meeting_target(self) -> tuple[int, dict]:
        for quality in self.qualities:
            if not self.summary(quality)["success"]:
                return quality, self.summary(quality)
        meeting = [q for q in self.qualities if self.meets(q)]
        quality = meeting[0] if meeting else self.qualities[-1]
        return quality, self.summary(quality)

    def curves(self) -> dict[str, list[LadderPoint]]:
        out: dict[str, list[LadderPoint]] = {}
        for quality in self.qualities:
            for name, point in self._points.get(quality, []):
                out.setdefault(name, []).append(LadderPoint(quality=quality, kbps=point["kbps"],
                                                            psnr_y=point["psnr_y"], success=point["success"]))
        return out


class BudgetSpent(Exception):
    """The adoption test ran out of its wall-clock budget."""


class _Budget:
    """A wall-clock allowance for a whole test, checked before each run (None: no limit)."""

    def __init__(self, seconds: float | None):
        self.seconds, self.started, self.runs = seconds, time.monotonic(), 0

    def check(self) -> None:
        elapsed = time.monotonic() - self.started
        if self.seconds is not None and elapsed > self.seconds:
            raise BudgetSpent(f"the adoption test's budget of {self.seconds:g} s ran out after {self.runs} runs "
                              f"({elapsed:.0f} s)")
        self.runs += 1


def _runner(runner: CodecRunner | None) -> AbstractContextManager[CodecRunner]:
    """The caller's runner, or a fresh sandbox closed when the work is done."""
    return nullcontext(runner) if runner is not None else Sandbox()
