"""What `submit` reports for one candidate: plain data, ready for --json."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from domain.records import ComparableMetrics, DecisionRecord

DUPLICATE = "duplicate"  # an outcome's status, besides a candidate's adopted / declined / rejected


@dataclass
class SubmitOutcome:
    lineage: str
    candidate_id: str | None
    sha256: str
    parent_version: int | None
    status: str  # adopted | declined | rejected | duplicate
    version: int | None = None  # the new version when adopted; the matching version for a duplicate of one
    incumbent_version: int | None = None
    rule: str | None = None
    reason: str = ""
    reasons: list[str] = field(default_factory=list)  # validation's, when rejected
    metrics: ComparableMetrics | None = None  # the candidate's test, as the decision read it
    incumbent_metrics: ComparableMetrics | None = None
    improvement: float | None = None  # fraction of bitrate saved against the incumbent
    tested: bool = False  # the evaluator ran for this submit (False for a duplicate or a reused test)
    reused_from: str | None = None  # candidate whose test result was reused (same source)
    duplicate_of: dict | None = None  # for a duplicate: the earlier outcome {"status", "version", "rule", ...}
    recorded: list[str] = field(default_factory=list)  # the event types this submit recorded

    @property
    def duplicate(self) -> bool:
        return self.status == DUPLICATE

    def to_dict(self) -> dict:
        return {**asdict(self), "duplicate": self.duplicate}


def bitrate_saving(decision: DecisionRecord | dict[str, Any]) -> float | None:
    """The fraction of bitrate a decided candidate saves against its incumbent (0.25: 25% fewer bits),
    where both bitrates were measured; under the BD-rate policy, the mean BD-rate's saving over the real clips."""
    bd_rate = decision.get("bd_rate")
    if isinstance(bd_rate, dict) and isinstance(bd_rate.get("mean_pct"), (int, float)):
        return -bd_rate["mean_pct"] / 100.0
    mine = ((decision.get("candidate_metrics") or {}).get("summary") or {}).get("kbps")
    theirs = ((decision.get("incumbent_metrics") or {}).get("summary") or {}).get("kbps")
    if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)) and theirs:
        return 1.0 - mine / theirs
    return None
