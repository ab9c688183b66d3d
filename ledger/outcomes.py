"""What a rollback reports: plain data, ready for --json."""

from __future__ import annotations

from dataclasses import asdict, dataclass


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
