"""What every planner is given and what it gives back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Protocol, TypedDict

from domain.policy import Policy
from domain.records import ComparableMetrics
from projections.history import HistoryRow


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
    details: dict = field(default_factory=dict)  # planner-specific, JSON-safe (e.g. a genome)

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
