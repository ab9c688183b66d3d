"""What the evaluator needs from a runner of codec source (CodecRunner), what one run gives back
(RunResult), and the rule that a codec must give the same output twice (run_twice).

The sandbox (pipeline.Sandbox) and the trusted in-process runner (inprocess.InProcessRunner)
both implement CodecRunner and import it from here, never from each other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from domain.verdict import FAILED, Verdict


@dataclass
class RunResult:
    """One candidate over one clip: its verdict, its bytes and what the decoder produced."""

    verdict: Verdict
    sizes: list[int] = field(default_factory=list)
    decoded: list[np.ndarray] = field(default_factory=list)
    encode_seconds: float = 0.0
    decode_seconds: float = 0.0
    payload: list[bytes] = field(default_factory=list)  # the compressed frames, when asked for
    layers: list[str] = field(default_factory=list)  # the in-process layers the child loaded

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes)


class CodecRunner(Protocol):
    """Runs codec source over frames: encode every frame, decode every frame's bytes."""

    @property
    def isolation(self) -> str:
        """How the code is isolated; says so loudly when degraded."""
        ...

    def run(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        ...

    def run_twice(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        """`run`, failing the codec unless a second run gives the very same bytes and frames."""
        ...


def run_twice(runner: CodecRunner, source: str, frames: np.ndarray, config: dict,
              keep_payload: bool = False) -> RunResult:
    """Run twice; the candidate fails unless both runs gave the very same bytes and frames.

    A codec must be a function of its input. One that draws on OS entropy, timers or
    uninitialised memory would make every measurement unrepeatable, and could be lucky
    once in a bisection. Costs a second run: meant for the quality a decision rests on.
    """
    first = runner.run(source, frames, config, keep_payload=True)
    if first.verdict.ok:
        second = runner.run(source, frames, config, keep_payload=True)
        if second.verdict.ok:
            difference = _first_difference(first, second)
        else:
            message = f"on a second run of the same input: {second.verdict.message}"
            difference = Verdict(second.verdict.category, message, second.verdict.frame)
        if difference is not None:
            first.verdict = Verdict(difference.category, difference.message, difference.frame, runner.isolation)
            first.decoded = []
    if not (keep_payload and first.verdict.ok):
        first.payload = []
    return first


def _first_difference(first: RunResult, second: RunResult) -> Verdict | None:
    """Where two runs of one candidate on the same frames disagree, as a failure; else None."""
    pairs = (("compressed bytes", first.payload, second.payload), ("decoded frame", first.decoded, second.decoded))
    for name, a, b in pairs:
        digests = [[_digest(item) for item in run] for run in (a, b)]
        for index, (x, y) in enumerate(zip(*digests, strict=False)):  # unequal counts: reported below
            if x != y:
                message = f"not deterministic: the {name} differs between two runs of the same input"
                return Verdict(FAILED, message, index)
        if len(digests[0]) != len(digests[1]):
            return Verdict(FAILED, f"not deterministic: the number of {name}s differs between two runs")
    return None


def _digest(item: bytes | np.ndarray) -> bytes:
    # A frame decoded in-process may be a strided view; hashing needs one contiguous buffer.
    return hashlib.sha256(item if isinstance(item, bytes) else np.ascontiguousarray(item).data).digest()
