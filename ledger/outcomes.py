"""What a ledger command reports back: plain data, ready for --json."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ADOPTED = "adopted"
DECLINED = "declined"
REJECTED = "rejected"
DUPLICATE = "duplicate"
PENDING = "pending"  # proposed, not yet tested or decided


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
    metrics: dict | None = None  # the candidate's test, as the decision read it
    incumbent_metrics: dict | None = None
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


@dataclass
class RollbackOutcome:
    lineage: str
    version: int
    from_version: int | None
    sha256: str
    reason: str
    recorded: bool  # False when the version already was the best (nothing new recorded)

    def to_dict(self) -> dict:
        return asdict(self)
