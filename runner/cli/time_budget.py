"""`evaluate`'s time budget: a runner that stops at the first timeout, and one budget for the whole candidate.

A codec that hangs would otherwise cost every quality and clip its full limit. StopAtTimeout hands runs
to the sandbox until one times out, or the candidate's budget is spent; each run after that is not
started and reads as a timeout saying why. It can only fail a candidate sooner, never pass one.
"""

from __future__ import annotations

import time

import numpy as np

from domain.verdict import TIMEOUT, Verdict
from runner.sandbox.codec_runner import CodecRunner, RunResult, run_twice
from runner.sandbox.fork_server import Limits
from runner.sandbox.pipeline import Sandbox

FRAME_SECONDS = Limits().frame_seconds  # the sandbox's own limit on one frame


def budget_sandbox(frame_seconds: float, candidate_seconds: float) -> Sandbox:
    """A sandbox whose runs keep to the per-frame limit, and none of which may outlast the candidate's budget."""
    return Sandbox(Limits(frame_seconds=frame_seconds, run_seconds=min(Limits().run_seconds, candidate_seconds)))


class StopAtTimeout:
    """A CodecRunner over `inner` that starts no run after the first timeout or once budget_seconds are spent."""

    def __init__(self, inner: CodecRunner, budget_seconds: float):
        self.inner, self.budget_seconds = inner, budget_seconds
        self.started = time.monotonic()
        self.stopped: Verdict | None = None  # why runs stopped: the first timeout, or the spent budget
        self.skipped = 0  # runs not started since

    @property
    def isolation(self) -> str:
        return self.inner.isolation

    def run(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        if self.stopped is None and time.monotonic() - self.started > self.budget_seconds:
            self.stopped = Verdict(TIMEOUT, f"the candidate's budget of {self.budget_seconds:g} s is spent",
                                   isolation=self.isolation)
        if self.stopped is not None:
            self.skipped += 1
            return RunResult(Verdict(TIMEOUT, f"not run: {self.stopped.message}", isolation=self.isolation))
        result = self.inner.run(source, frames, config, keep_payload=keep_payload)
        if result.verdict.category == TIMEOUT:
            self.stopped = result.verdict
        return result

    def run_twice(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        return run_twice(self, source, frames, config, keep_payload=keep_payload)
