"""Prints the sandbox's overhead and throughput, measured side by side in one run.

- overhead: time to evaluate a candidate (5-point quality ladder, encode + decode + metrics) in
  the sandbox, divided by the same evaluation of the same source on the same frames in-process;
- throughput: JPEG-class candidates fully evaluated per minute, one sandbox per core, each
  worker evaluating its own stream of candidates.

It also prints how much of each evaluation is the codec's run (the rest, metrics on the
decoded frames, is the same work either way). In the sandbox the encoder and the decoder
run in two processes at once, so on two idle cores a run can take less than in-process.

Usage: .venv/bin/python bench/sandbox_overhead.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from runner.evaluation.clips import Clip, default_suite
from runner.evaluation.evaluator import DEFAULT_QUALITIES, measure_point
from runner.sandbox.inprocess import InProcessRunner
from runner.sandbox.pipeline import Sandbox

JPEG_CLASS = (Path(__file__).parent.parent / "examples" / "jpeg_imencode.py").read_text()


def cif_clip() -> Clip:
    """30 real frames of bikes, stretched to exactly 352x288 (CIF)."""
    bikes = default_suite().clip("bikes")
    frames = np.stack([cv2.resize(frame, (352, 288), interpolation=cv2.INTER_AREA) for frame in bikes.frames])
    return Clip("bikes_cif", frames, bikes.fps, "real")


class TimedRuns:
    """A runner whose `run` adds up the time spent in it."""

    def __init__(self, runner):
        self.runner, self.seconds = runner, []

    @property
    def isolation(self) -> str:
        return self.runner.isolation

    def run(self, *args, **kwargs):
        started = time.perf_counter()
        result = self.runner.run(*args, **kwargs)
        self.seconds.append(time.perf_counter() - started)
        return result


def evaluate(runner, source: str, clip: Clip) -> list[dict]:
    return [measure_point(runner, source, clip, quality) for quality in DEFAULT_QUALITIES]


def variant(number: int) -> str:
    # Distinct sources, as an evolution produces: each a new candidate to the sandbox.
    return JPEG_CLASS + f"\nVARIANT = {number}\n"


def timed(runner, clip: Clip, rounds: int) -> list[float]:
    times = []
    for number in range(rounds):
        started = time.perf_counter()
        points = evaluate(runner, variant(number), clip)
        times.append(time.perf_counter() - started)
        assert all(point["success"] for point in points), points
    return times


def worker(count: int) -> int:
    clip = cif_clip()
    with Sandbox() as sandbox:
        evaluate(sandbox, variant(-1), clip)  # warm the fork servers
        for number in range(count):
            evaluate(sandbox, variant(number), clip)
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    clip = cif_clip()
    inprocess = TimedRuns(InProcessRunner())
    with Sandbox() as box:
        sandbox = TimedRuns(box)
        evaluate(sandbox, variant(-1), clip)
        evaluate(inprocess, variant(-1), clip)
        sandbox.seconds.clear()
        inprocess.seconds.clear()
        sandboxed, direct = [], []
        for _ in range(args.rounds):  # interleaved, so that both see the same machine load
            sandboxed += timed(sandbox, clip, 1)
            direct += timed(inprocess, clip, 1)
        isolation = sandbox.isolation
    overhead = statistics.median(sandboxed) / statistics.median(direct)
    print(f"clip: {clip.count} frames of {clip.width}x{clip.height}; candidate: examples/jpeg_imencode.py; "
          f"evaluation: {len(DEFAULT_QUALITIES)}-point quality ladder with all metrics")
    print(f"sandbox: {isolation}")
    print(f"in-process evaluation: median {statistics.median(direct) * 1000:.1f} ms")
    print(f"sandboxed evaluation:  median {statistics.median(sandboxed) * 1000:.1f} ms")
    print(f"of which the codec's runs (encode + decode, {len(DEFAULT_QUALITIES)} per evaluation): median per run "
          f"{statistics.median(inprocess.seconds) * 1000:.1f} ms in-process, "
          f"{statistics.median(sandbox.seconds) * 1000:.1f} ms sandboxed (the rest is metrics)")
    print(f"sandbox overhead: {overhead:.3f} (goal <= 1.15)")

    workers = os.cpu_count() or 1
    per_worker = max(args.rounds, 10)
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        done = sum(pool.map(worker, [per_worker] * workers))
    elapsed = time.perf_counter() - started
    print(f"throughput: {done} candidates in {elapsed:.1f} s with {workers} workers "
          f"= {done / elapsed * 60:.0f} candidates/minute (goal >= 30), start-up included")


if __name__ == "__main__":
    main()
