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


class MetricFigures(TypedDict):
    """A metric point's figures: what a decision records of a suite summary (its verdict left out).

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


class MetricPoint(MetricFigures):
    """One codec on one clip at one quality (or, as a summary, on several clips at one quality)."""

    verdict: VerdictRecord
    frame_sha256: NotRequired[list[str]]  # each compressed frame's short hash, where the run was repeated


class QualityTried(TypedDict):
    """One step of the matched-quality bisection."""

    quality: int
    psnr_y: float | None
    kbps: float
    success: bool


class LadderPoint(TypedDict):
    """One rung of a BD-rate test's quality ladder on one real clip: the codec's rate and PSNR-Y there."""

    quality: int
    kbps: float
    psnr_y: float | None  # None where the run did not round-trip
    success: bool


class Provenance(TypedDict):
    """What produced a score (runner.evaluation.provenance): the evaluator's code, the material, the libraries."""

    evaluator: str  # sha256 over the evaluator's source files
    suite: str  # the suite's content hash
    nonce: str  # the secret that chose this test's material
    isolation: str
    libraries: dict[str, str]  # library -> version


class AdoptionTestResult(TypedDict):
    """What the adoption test (runner.evaluation.evaluator.test_candidate) records for one candidate."""

    target_psnr_y: float
    quality: int | None  # the lowest quality meeting the target; None when the source was rejected
    summary: MetricPoint | None  # over the suite's real clips, at that quality
    clips: dict[str, MetricPoint]  # every clip at that quality
    isolation: str
    verdict: VerdictRecord
    provenance: NotRequired[Provenance]  # absent from results recorded before tests kept it
    quality_searched: NotRequired[list[QualityTried]]
    meets_target: NotRequired[bool]
    ladder: NotRequired[dict[str, list[LadderPoint]]]  # real clip -> its RD curve (BD-rate policy's tests only)


class ComparableMetrics(TypedDict):
    """The part of a test result a decision reads and records (domain.policy.comparable)."""

    verdict: VerdictRecord | None
    quality: int | None
    target_psnr_y: float | None
    isolation: str | None
    summary: MetricFigures | None  # the test's summary without its verdict (the test's own repeats it)
    clips_success: NotRequired[dict[str, bool]]
    provenance: NotRequired[Provenance]  # what measured it (tests recorded before provenance have none)
    rd: NotRequired[dict[str, list[LadderPoint]]]  # the test's ladder: the RD curve per real clip, where it has one


class RemeasuredIncumbent(TypedDict):
    """The best at decision time measured again on a candidate's own test material (the same nonce), so that a
    BD-rate decision compares two codecs on the very same frames (domain.policy.SAME_MATERIAL_BELOW_PCT)."""

    version: int
    sha256: str
    metrics: ComparableMetrics  # comparable() of the incumbent's test on the candidate's material


class FrameDifference(TypedDict):
    clip: str
    frame: int | None  # the first frame whose bytes differ; None where the run failed or the count differs


class Reproduction(TypedDict):
    """A recorded test run again on its own material: did the codec write the very same bytes?"""

    nonce: str | None  # the recorded test's nonce; None for tests recorded before nonces
    quality: int | None
    reproduced: bool | None  # None: nothing recorded to compare with
    checked_clips: list[str]
    differences: list[FrameDifference]


class Rescore(TypedDict):
    """One later measurement of a candidate (CandidateRescored)."""

    result: AdoptionTestResult
    reproduction: Reproduction


class ValidationClip(TypedDict):
    """One validation clip's RD curve of a version, with its BD-rate against OpenCV JPEG on the same clip."""

    points: list[LadderPoint]
    bd_rate_vs_jpeg_pct: float | None  # None where the curves do not overlap


class ValidationRecord(TypedDict):
    """A version measured on the clips named by `run --validate` (CandidateValidated): shown, never decided on."""

    suite: str  # the validation clips' content hash
    clip_names: list[str]
    verdict: VerdictRecord
    clips: dict[str, ValidationClip]
    provenance: Provenance


class PolicyRecord(TypedDict):
    """`Policy.thresholds()`: the policy a decision was taken under."""

    target_psnr_y: float
    bitrate_factor: float
    ratio_factor: float
    name: str
    # Wall-clock budgets of the adoption test and of one run in it (policies recorded before them had none).
    test_seconds: NotRequired[float]
    run_seconds: NotRequired[float]
    # The BD-rate policy's thresholds, in percent (recorded only by that policy).
    bd_gain_pct: NotRequired[float]
    bd_veto_pct: NotRequired[float]


class LineagePolicyRecord(PolicyRecord):
    """`Policy.to_dict()`: the policy a lineage is started under, with a sentence describing it."""

    description: str


class BdRateRecord(TypedDict):
    """The BD-rate policy's figures of one decision: the candidate's BD-rate against the incumbent per real clip."""

    mean_pct: float
    clips: dict[str, float]  # real clip -> BD-rate in percent (negative: fewer bits)


class DecisionRecord(TypedDict):
    """What a candidate keeps of its adoption or decline."""

    version: int | None  # the version it became; None when declined
    against: int | None  # the incumbent version it was judged against
    rule: str
    reason: str  # a sentence a person can read
    candidate_metrics: ComparableMetrics  # a decision is only taken on a tested candidate
    incumbent_metrics: ComparableMetrics | None  # None for the seed, adopted without a comparison
    policy: PolicyRecord
    bd_rate: NotRequired[BdRateRecord]  # where the BD-rate policy compared curves on every real clip


class VersionRecord(TypedDict):
    """One version of a lineage, as its VersionCreated event recorded it."""

    version: int
    candidate_id: str
    sha256: str
    metrics: ComparableMetrics
    lineage_version: int  # the lineage aggregate's version right after this event


class StallRecord(TypedDict):
    """A stall alarm (projections/stall.py), as the lineage's StallDetected event records it."""

    kind: str  # same_program | same_figures | no_adoption
    key: str  # the same while the stall lasts: a lineage records each key once
    message: str  # a sentence a person can read
    since_position: int  # the log position of the last adoption before it
    candidates: list[str]  # the candidates that repeat (none for no_adoption)
