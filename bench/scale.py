"""Candidates tested per minute: the process pool here against a Dask LocalCluster of 1, 2 (and more) workers.

Every setup tests the same candidates (the example codecs, each in a few variants that differ only by a
comment, so each is a test of its own) on the same material (a fixed nonce per candidate, as a replay
gives), through the `Testers` the run uses (runner/evolution/testers.py, runner/evolution/dask_testers.py),
each in its real sandbox. A first round of as many candidates as workers warms the sandboxes and is left
out; the figure is the rest over their wall-clock time. Start-up (workers, sandboxes) is printed apart.
Prints the date and the machine's cores: figures taken while the machine does other work are lower than
it can do.

    .venv/bin/python bench/scale.py                          # pool 2, dask 1 and 2; 12 candidates
    .venv/bin/python bench/scale.py --workers 1 2 4 --candidates 24 --frames 30 --max-size 352x288
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from domain.ids import sha256_of  # noqa: E402
from domain.policy import Policy  # noqa: E402
from runner.evaluation.clips import Suite, bikes_path  # noqa: E402
from runner.evolution.dask_testers import dask_testers  # noqa: E402
from runner.evolution.lineage_setup import suite_from_options  # noqa: E402
from runner.evolution.testers import LocalTesters, TestersFactory  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CODECS = ("jpeg_imencode.py", "dct_codec.py", "zlib_lossless.py")


def candidates(count: int) -> list[str]:
    """count sources: the example codecs in turn, each made distinct by a trailing comment."""
    sources = [(EXAMPLES / name).read_text() for name in CODECS]
    return [f"{sources[n % len(sources)]}\n# candidate {n}\n" for n in range(count)]


def measure(name: str, factory: TestersFactory, workers: int, suite: Suite, sources: list[str]) -> None:
    nonces = {sha256_of(source): f"bench-scale-{n}" for n, source in enumerate(sources)}
    started = time.monotonic()
    with factory(suite, Policy(), workers, nonces) as testers:
        ready = time.monotonic()
        testers.test(sources[:workers])  # warms every worker's sandbox
        warm = time.monotonic()
        rest = sources[workers:]
        results = testers.test(rest)
        done = time.monotonic()
    failed = sum(result["verdict"]["category"] != "ok" for result in results)
    per_minute = 60 * len(rest) / (done - warm)
    print(f"{name:<14} {per_minute:8.1f} candidates/min  ({len(rest)} in {done - warm:6.1f} s; start-up "
          f"{ready - started:5.1f} s, first round {warm - ready:5.1f} s{f'; {failed} not ok' if failed else ''})",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Dask worker counts to try.")
    parser.add_argument("--pool", type=int, default=2, help="The process pool's workers (run --workers).")
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--max-size", default="176x144")
    args = parser.parse_args()
    suite = suite_from_options([bikes_path()], args.frames, args.max_size, None)
    sources = candidates(args.candidates + max([args.pool, *args.workers]))
    print(f"# bench/scale.py, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores "
          f"(load average {os.getloadavg()[0]:.1f}); {args.candidates} candidates after a warm-up round, "
          f"bikes.mp4 {args.frames} frames within {args.max_size}")
    measure(f"pool {args.pool}", LocalTesters, args.pool, suite, sources[:args.pool + args.candidates])
    for workers in args.workers:
        measure(f"dask local:{workers}", dask_testers(f"local:{workers}"), workers, suite,
                sources[:workers + args.candidates])


if __name__ == "__main__":
    main()
