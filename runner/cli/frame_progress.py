"""`evaluate`'s progress on a terminal: frames through the codec so far, their rate and an ETA, as ffmpeg shows.

The count advances once per run (one clip at one quality, encoder and decoder), by the run's frames; the total
is every quality of every clip once, plus each clip's first point again (the evaluator runs it twice), so the
ETA holds at run granularity. Shown on a terminal only, never with --json or into a pipe.
"""

from __future__ import annotations

import time

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from runner.evaluation.clips import Suite
from runner.sandbox.codec_runner import CodecRunner, RunResult, run_twice


def frame_progress(quiet: bool, to: Console) -> Progress:
    return Progress(TextColumn("[bold]frames[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fps]}"),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=to,
                    disable=quiet or not to.is_terminal, transient=True)


def frames_to_measure(suite: Suite, qualities: list[int]) -> int:
    return sum(clip.count for clip in suite.clips) * (len(qualities) + 1)


class CountingRunner:
    """A CodecRunner over `inner` that advances a progress bar by each run's frames."""

    def __init__(self, inner: CodecRunner, progress: Progress, total: int):
        self.inner, self.progress = inner, progress
        self.task = progress.add_task("frames", total=total, fps="")
        self.done, self.started = 0, time.monotonic()

    @property
    def isolation(self) -> str:
        return self.inner.isolation

    def run(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        result = self.inner.run(source, frames, config, keep_payload=keep_payload)
        self.done += len(frames)
        fps = self.done / max(time.monotonic() - self.started, 1e-9)
        self.progress.update(self.task, advance=len(frames), fps=f"{fps:.1f} fps")
        return result

    def run_twice(self, source: str, frames: np.ndarray, config: dict, keep_payload: bool = False) -> RunResult:
        return run_twice(self, source, frames, config, keep_payload=keep_payload)
