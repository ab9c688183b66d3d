"""What every planner is given and what it gives back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Protocol, TypedDict

from domain.policy import Policy
from domain.records import ComparableMetrics
from projections.history import HistoryRow


class ClipFigures(TypedDict):
    """One clip of a candidate's test, at the quality its decision rests on."""

    kbps: float | None
    psnr_y: float | None
    success: bool | None


class CandidateFeedback(TypedDict):
    """What the evaluator saw of one tested or rejected candidate (runner/planners/feedback.py builds it)."""

    sha256: str
    planner: str
    model: str | None
    version: int | None  # the version it became, when adopted
    outcome: str  # domain.outcome's word: adopted, declined, rejected, failed, timeout, ...
    verdict: str | None  # the test's verdict category
    message: str | None  # the verdict's message or validation's reasons: candidate-controlled text
    rule: str | None  # the decision's rule
    reason: str | None  # the decision's sentence (it may quote candidate text)
    quality: int | None
    kbps: float | None
    ratio: float | None
    psnr_y: float | None
    encode_fps: float | None
    decode_fps: float | None
    incumbent_kbps: float | None  # the best it was judged against, at its own matched quality
    saved_percent: float | None  # bitrate saved against that incumbent, in percent (negative: spent more)
    clips: dict[str, ClipFigures]


class AnalysisRecord(TypedDict):
    """One recorded planner call of the lineage, oldest first: who answered, what it cost, what it chose."""

    planner: str
    model: str | None
    cost_usd: float
    details: dict  # the Proposal's details as recorded ({} for calls recorded without any)


class RecentFailure(TypedDict):
    """A candidate that failed its test or was rejected by validation, and why."""

    sha256: str
    category: str  # the verdict's category, or "rejected"
    message: str | None  # the reason its decision recorded


@dataclass(frozen=True)
class PlannerContext:
    """The state of a lineage as the projections show it, which is all a planner may read."""

    lineage: str
    iteration: int  # candidates proposed in this lineage so far
    best_version: int
    best_source: str
    best_metrics: ComparableMetrics | None  # what the incumbent was adopted on, at matched quality
    policy: Policy  # the lineage's: its quality target and the factors a candidate must beat the best by
    history: list[HistoryRow] = field(default_factory=list)  # performance-history rows, oldest first
    recent_failures: list[RecentFailure] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # sha256 -> source of every version and candidate
    feedback: dict[str, CandidateFeedback] = field(default_factory=dict)  # sha256 -> each version's and decided one's
    analyses: list[AnalysisRecord] = field(default_factory=list)  # every planner call of the lineage, oldest first
    best_sha256: str = ""  # the current best's source hash
    front: list[str] = field(default_factory=list)  # sha256 of the Pareto front's members, best rate first


@dataclass(frozen=True)
class Proposal:
    """A planner's answer: analysis and code, or the reason there is no code."""

    planner: str
    analysis: str
    source: str | None
    rationale: str
    model: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    error: str | None = None  # why the reply held no usable candidate
    details: dict = field(default_factory=dict)  # planner-specific, JSON-safe (a genome, edits); recorded

    def to_dict(self) -> dict:
        return asdict(self)


class PlannerStopped(Exception):
    """The planner has nothing more to give (budget spent, replay finished): the run ends normally."""


class PlannerFailed(Exception):
    """The planner cannot work at all (no key, a key the API refuses, every call of a run failed): the run
    ends with an error."""


class Planner(Protocol):
    name: str

    def propose(self, context: PlannerContext) -> Proposal: ...
