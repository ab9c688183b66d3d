"""How much one codec's adoption-test figures move from one test's material to the next.

Every test measures on the suite as a secret nonce varies it (runner/evaluation/material.py: a window
of frames, a crop, a flip or transposition of each real clip). This runs the adoption test
(matched quality at the policy's target) of a few codecs under N nonces and prints, per codec, the
matched quality and the bitrate and PSNR-Y at it: median, min, max and the spread (max/min - 1).
Codecs run in this process (trusted code only: the examples and the offline planner's genomes).

    .venv/bin/python bench/nonce_spread.py [--nonces 12]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.codecgen_vs_jpeg import REFERENCE_GENOMES  # noqa: E402
from domain.policy import DEFAULT_TARGET_PSNR_Y  # noqa: E402
from runner.evaluation.clips import Suite, default_suite  # noqa: E402
from runner.evaluation.evaluator import test_candidate  # noqa: E402
from runner.planners.offline.render import render  # noqa: E402
from runner.sandbox.inprocess import InProcessRunner  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def codecs() -> dict[str, str]:
    return {
        "jpeg_imencode": (EXAMPLES / "jpeg_imencode.py").read_text(),
        "dct_codec": (EXAMPLES / "dct_codec.py").read_text(),
        "descent-best": render(REFERENCE_GENOMES["descent-best"]),
    }


def spread(values: list[float]) -> str:
    low, high = min(values), max(values)
    return (f"median {statistics.median(values):8.2f}  min {low:8.2f}  max {high:8.2f}  "
            f"spread {100 * (high / low - 1):5.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nonces", type=int, default=12)
    args = parser.parse_args()
    suite = Suite("bikes", default_suite().real_clips())
    runner = InProcessRunner()
    print(f"adoption test at {DEFAULT_TARGET_PSNR_Y:g} dB on {suite.clips[0].name}, {args.nonces} nonces")
    for name, source in codecs().items():
        rows = [test_candidate(source, suite, sandbox=runner, nonce=f"spread-{i}") for i in range(args.nonces)]
        print(f"{name}")
        print(f"  quality  {spread([float(r['quality']) for r in rows])}")
        print(f"  kbit/s   {spread([r['summary']['kbps'] for r in rows])}")
        print(f"  PSNR-Y   {spread([r['summary']['psnr_y'] for r in rows])}")


if __name__ == "__main__":
    main()
