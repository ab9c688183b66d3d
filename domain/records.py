"""The shapes of the records that cross module lines, as stored in events and read back as JSON.

They are TypedDicts, not classes, because they are exactly what the events hold: plain JSON-safe
dicts that a ledger written years ago still reads. The evaluator builds them, the domain's policy
and aggregates record and compare them, the projections and the command line read them.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class VerdictRecord(TypedDict):
    """`Verdict.to_dict()`: how one run of a candidate ended."""

    category: str  # one of domain.verdict.CATEGORIES
    message: str
    frame: int | None
    isolation: str


class MetricPoint(TypedDict):
    """One codec on one clip at one quality (or, as a summary, on several clips at one quality).

    Quality and speed figures are None when the run did not round-trip every frame."""

    quality: int | None  # None in a summary over points at different qualities
    bytes: int
    frames: int
    kbps: float
    mbps_30fps: float
    bpp: float
    ratio: float
    psnr_y: float | None
    psnr_bgr: float | None
    ssim_y: float | None
    encode_fps: float | None
    decode_fps: float | None
    success: bool
    verdict: VerdictRecord


class QualityTried(TypedDict):
    """One step of the matched-quality bisection."""

    quality: int
    psnr_y: float | None
    kbps: float
    success: bool


class AdoptionTestResult(TypedDict):
    """What the adoption test (runner.evaluation.evaluator.test_candidate) records for one candidate."""

    target_psnr_y: float
    quality: int | None  # the lowest quality meeting the target; None when the source was rejected
    summary: MetricPoint | None  # over the suite's real clips, at that quality
    clips: dict[str, MetricPoint]  # every clip at that quality
    isolation: str
    verdict: VerdictRecord
    quality_searched: NotRequired[list[QualityTried]]
    meets_target: NotRequired[bool]


class ComparableMetrics(TypedDict):
    """The part of a test result a decision reads and records (domain.policy.comparable)."""

    verdict: VerdictRecord | None
    quality: int | None
    target_psnr_y: float | None
    isolation: str | None
    summary: dict | None  # a MetricPoint without its verdict
    clips_success: NotRequired[dict[str, bool]]


class PolicyRecord(TypedDict):
    """`Policy.thresholds()`: the policy a decision was taken under."""

    target_psnr_y: float
    bitrate_factor: float
    ratio_factor: float
    name: str


class DecisionRecord(TypedDict):
    """What a candidate keeps of its adoption or decline."""

    version: int | None  # the version it became; None when declined
    against: int | None  # the incumbent version it was judged against
    rule: str
    reason: str  # a sentence a person can read
    candidate_metrics: ComparableMetrics | None
    incumbent_metrics: ComparableMetrics | None
    policy: PolicyRecord


class VersionRecord(TypedDict):
    """One version of a lineage, as its VersionCreated event recorded it."""

    version: int
    candidate_id: str
    sha256: str
    metrics: ComparableMetrics
    lineage_version: int  # the lineage aggregate's version right after this event
