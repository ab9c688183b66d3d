"""The outcome of running one candidate: a category and a sentence, never an exception."""

from __future__ import annotations

from dataclasses import dataclass

from domain.records import VerdictRecord
from domain.text import plain_text

OK = "ok"
REJECTED = "rejected"  # static validation refused the source
FAILED = "failed"  # ran, but a frame did not round-trip (wrong type, shape, exception)
TIMEOUT = "timeout"  # exceeded the wall-clock or CPU limit
OOM = "oom"  # exceeded the memory limit
VIOLATION = "violation"  # tried a forbidden operation and was stopped at runtime

CATEGORIES = (OK, REJECTED, FAILED, TIMEOUT, OOM, VIOLATION)
MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class Verdict:
    category: str
    message: str = ""
    frame: int | None = None  # index of the frame it happened on, where there was one
    isolation: str = ""  # how the candidate was isolated; says so loudly when degraded

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown verdict category {self.category!r}")
        # The message often quotes what candidate code raised or printed: kept as plain text only.
        object.__setattr__(self, "message", plain_text(self.message, limit=MESSAGE_CHARS))

    @property
    def ok(self) -> bool:
        return self.category == OK

    def to_dict(self) -> VerdictRecord:
        return VerdictRecord(category=self.category, message=self.message, frame=self.frame, isolation=self.isolation)

    @classmethod
    def from_dict(cls, data: VerdictRecord) -> Verdict:
        return cls(**data)

    def __str__(self) -> str:
        where = f" at frame {self.frame}" if self.frame is not None else ""
        return f"{self.category}{where}: {self.message}" if self.message else self.category
