"""Progress on a terminal while codecs work, as ffmpeg users expect: frames done of the total, their rate, an ETA.

`compress`, `decompress` and `evaluate` count frames as the sandbox gives each back decoded (its per-frame
callback, runner/sandbox/pipeline.py); `baselines` counts the reference codecs' points. `evaluate`'s total is
every quality of every clip once, plus each clip's first point again (the evaluator runs it twice). Shown on
stderr's terminal only, never with --json or into a pipe, and gone once the work is done.
"""

from __future__ import annotations

import time

import numpy as np
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from runner.evaluation.clips import Suite
from runner.sandbox.codec_runner import RunResult, run_twice
from runner.sandbox.pipeline import Sandbox


def on_terminal(*columns: ProgressColumn | str, quiet: bool, to: Console) -> Progress:
    """A progress display on `to`, drawn only where it is a terminal and the command does not print JSON."""
    return Progress(*columns, console=to, disable=quiet or not to.is_terminal, transient=True)


def what_column() -> TextColumn:
    """The task's description, in bold; as plain text: it may hold a clip's name, whose brackets are not markup."""
    return TextColumn("{task.description}", style="bold", markup=False)


def frame_progress(quiet: bool, to: Console) -> Progress:
    return on_terminal(what_column(), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fps]}"),
                       TimeElapsedColumn(), "ETA", TimeRemainingColumn(), quiet=quiet, to=to)


class FrameCount:
    """One bar of a frame_progress: frames done of `total` and their rate since it began; `frame` is the
    sandbox's per-frame callback."""

    def __init__(self, progress: Progress, total: int, what: str = "frames"):
        self.progress = progress
        self.task = progress.add_task(what, total=total, fps="")
        self.done, self.started = 0, time.monotonic()

    def frame(self) -> None:
        self.done += 1
        self.progress.update(self.task, advance=1, fps=f"{self.done / max(self.elapsed, 1e-9):.1f} fps")

    @property
    def elapsed(self) -> float:
        """Seconds since the count began."""
        return time.monotonic() - self.started


def frames_to_measure(suite: Suite, qualities: list[int]) -> int:
    return sum(clip.count for clip in suite.clips) * (len(qualities) + 1)


class CountingRunner:
    """A CodecRunner over a sandbox that advances a FrameCount by each frame its runs give back."""

    def __init__(self, inner: Sandbox, count: FrameCount):
        self.inner, self.count = inner, count

    @property
    def isolation(self) -> str:
        return self.inner.isolation

    def run(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        return self.inner.run(source, frames, config, keep_payload=keep_payload, on_frame=self.count.frame)

    def run_twice(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        return run_twice(self, source, frames, config, keep_payload=keep_payload)
