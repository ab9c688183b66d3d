"""Figures for the offline planner's codec generator against OpenCV JPEG, WebP and x264 on real clips.

For each genome, on each real clip of the default suite (and each --clip): the (kbps, PSNR-Y)
ladder at quality 10/30/50/70/90, the BD-rate against JPEG (and WebP / x264 where this machine
has them), the share of the bytes that motion vectors take at quality 50, encode and decode
frames per second, and optionally the bitrate at the adoption test's matched quality (the lowest
integer quality whose PSNR-Y reaches the target, found by bisection like runner/evaluator.py).

The candidates run in this process (runner/inprocess.py: the encoder and the decoder are two
separate module namespaces), so the figures are the codec's own, without sandbox overhead.

    .venv/bin/python bench/codecgen_vs_jpeg.py                 # seeds and the reference genomes
    .venv/bin/python bench/codecgen_vs_jpeg.py --matched       # plus kbps at 35 dB
    .venv/bin/python bench/codecgen_vs_jpeg.py --genome '{"prediction": "motion", "entropy": "lzma"}'
    .venv/bin/python bench/codecgen_vs_jpeg.py --clip some.mp4    # more real clips (never the reserved ones)
    .venv/bin/python bench/codecgen_vs_jpeg.py --held-out         # the held-out clips instead of the training ones
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from runner.evaluation.bdrate import bd_rate  # noqa: E402
from runner.evaluation.clips import CIF, Clip, default_suite, held_out_suite, load_clip  # noqa: E402
from runner.evaluation.evaluator import measure_point  # noqa: E402
from runner.evaluation.references import available_codecs, reference_ladder  # noqa: E402
from runner.planners.offline.genome import Genome, seed_genomes  # noqa: E402
from runner.planners.offline.render import render  # noqa: E402
from runner.sandbox.inprocess import InProcessRunner  # noqa: E402

LADDER = (10, 30, 50, 70, 90)

# What the building blocks reach on this clip, a few mutations away from the seeds: a hand-made
# motion-compensated genome, and where greedy coordinate descent on the matched-35-dB bitrate
# (one gene at a time, from the hand-made one) got to.
REFERENCE_GENOMES = {
    "hand-motion-lzma": Genome(
        prediction="motion", subpel=2, skip=True, qmatrix="flat", entropy="lzma", level=9,
        deadzone_inter=0.25, decimate=3, ipratio=1.4, chroma_q=2.0, dc_pred=True, mv_pred=True, deblock=2,
    ),
    "descent-best": Genome(
        prediction="motion", mb=16, search=16, subpel=2, mv_lambda=0.25, qmatrix="jpeg", qmatrix_inter="jpeg",
        deadzone_intra=0.2, deadzone_inter=0.33, decimate=2, deblock=1, chroma_q=4.0, dc_pred=True,
        skip=True, packing="sigmap", entropy="lzma", level=9,
    ),
}
# descent-best's design on the laplace coder, then with each block added after codecgen-1
_LAPLACE = dict(REFERENCE_GENOMES["descent-best"].to_dict(), entropy="laplace", packing="planes", mv_pred=True)
REFERENCE_GENOMES.update({
    "laplace": Genome.from_dict(_LAPLACE),
    "laplace+mv": Genome.from_dict(dict(_LAPLACE, mv_code="laplace")),
    "laplace+mv+side": Genome.from_dict(dict(_LAPLACE, mv_code="laplace", side="range")),
    "laplace+mv+side+rdoq": Genome.from_dict(dict(_LAPLACE, mv_code="laplace", side="range", rdoq=0.15)),
})
# issue 12's baseline (the motion seed family before intra prediction and RD modes, with quarter samples by the
# 6-tap filter and a finer intra step), then with intra prediction in intra frames and intra blocks in P frames
# (its intra quantiser retuned for it: flat, dead zone 0.42), with the RD mode decision of predicted macroblocks
# (SKIP / INTER / four vectors), and with both
_QUARTER = Genome(prediction="motion", search=16, qmatrix_inter="flat", deadzone_intra=0.2, deadzone_inter=0.33,
                  decimate=2, deblock=1, chroma_q=4.0, dc_pred=True, skip=True, entropy="laplace", level=9,
                  mv_code="laplace", side="range", subpel=4, interp="sixtap", ipratio=1.7).to_dict()
_INTRA = dict(intra_pred="planar", intra_blocks=True, qmatrix="flat", deadzone_intra=0.42)
REFERENCE_GENOMES.update({
    "quarter-sixtap": Genome.from_dict(_QUARTER),
    "quarter-sixtap+intra": Genome.from_dict(dict(_QUARTER, **_INTRA)),
    "quarter-sixtap+modes": Genome.from_dict(dict(_QUARTER, modes="split")),
    "quarter-sixtap+intra+modes": Genome.from_dict(dict(_QUARTER, **_INTRA, modes="split")),
})


def rd(points: list[dict]) -> list[tuple[float, float]]:
    return [(p["kbps"], p["psnr_y"]) for p in points if p["success"]]


def fmt_bd(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:+6.1f}%"


def vector_share(source: str, frames, quality: int, fps: float) -> dict:
    """Bytes of one encode of ``frames``, and how many of them the motion vectors take: the range
    coder's bits spent in _put_vectors (or, with the modes gene, _put_part_vectors) plus its byte
    sections deflated on their own (an estimate for codecs that deflate the vectors together with the
    levels); with the modes gene also the share of each macroblock mode. Runs the trusted, rendered
    source in this process."""
    namespace: dict = {"__name__": "vector_share"}
    exec(compile(source, "<candidate>", "exec"), namespace)  # noqa: S102 - our own rendered codec
    bits, kept, modes = [0], [], []

    def counting(put):
        def counted(*args):
            # (..., sections) for deflated vectors, (..., sections, range encoder) for range-coded ones
            sections, coder = (args[-1], None) if isinstance(args[-1], list) else args[-2:]
            before, first = (coder.num_bits() if coder else 0), len(sections)
            put(*args)
            bits[0] += (coder.num_bits() if coder else 0) - before
            kept.extend(sections[first:])
        return counted

    for name in ("_put_vectors", "_put_part_vectors"):
        if name in namespace:
            namespace[name] = counting(namespace[name])
    if "_put_modes" in namespace:
        put_modes = namespace["_put_modes"]

        def recording(chosen, *rest):
            modes.append(chosen.copy())
            put_modes(chosen, *rest)

        namespace["_put_modes"] = recording
    height, width = frames.shape[1:3]
    config = {"quality": quality, "width": width, "height": height, "fps": fps}
    total = sum(len(namespace["compress_video_frame"](f.copy(), i, dict(config))) for i, f in enumerate(frames))
    sections = namespace["_squeeze"](namespace["_join"](kept)) if kept else b""
    out: dict = {"bytes": total, "vector_bytes": bits[0] // 8 + len(sections)}
    if modes:
        chosen = np.concatenate([m.ravel() for m in modes])
        out["modes"] = {name: float(np.mean(chosen == i)) for i, name in enumerate(namespace["MODES"])}
    return out


def matched_quality(runner, source: str, clip, target: float) -> tuple[int, dict] | None:
    """Lowest integer quality with PSNR-Y >= target (bisection, as the adoption test does it)."""
    cache: dict[int, dict] = {}

    def point(q: int) -> dict:
        if q not in cache:
            cache[q] = measure_point(runner, source, clip, q)
        return cache[q]

    def meets(q: int) -> bool:
        p = point(q)
        return bool(p["success"]) and p["psnr_y"] >= target

    low, high = 0, 100
    if not meets(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle + 1
    return high, point(high)


def measure_genome(runner, name: str, genome: Genome, clip: Clip, anchors: dict, args) -> dict:
    """One genome's figures on one clip (the row the table and the JSON show)."""
    source = render(genome)
    points = [measure_point(runner, source, clip, q) for q in LADDER]
    good = [p for p in points if p["success"]]
    row = {
        "name": name,
        "clip": clip.name,
        "genome": genome.to_dict(),
        "summary": genome.summary(),
        "source_bytes": len(source.encode()),
        "ladder": [{"quality": p["quality"], "kbps": p["kbps"], "psnr_y": p["psnr_y"],
                    "encode_fps": p["encode_fps"], "decode_fps": p["decode_fps"], "success": p["success"]}
                   for p in points],
        "bd_rate_pct": {codec: bd_rate(rd(anchor), rd(points)) for codec, anchor in anchors.items()},
        "vectors_at_q50": vector_share(source, clip.frames, 50, clip.fps) if genome.motion else None,
    }
    # codec time only (no metrics): seconds for one encode + decode of the clip, averaged over the ladder
    row["seconds_per_run"] = sum(clip.count / p["encode_fps"] + clip.count / p["decode_fps"]
                                 for p in good) / max(1, len(good))
    row["encode_fps"] = clip.count * len(good) / max(1e-9, sum(clip.count / p["encode_fps"] for p in good))
    row["decode_fps"] = clip.count * len(good) / max(1e-9, sum(clip.count / p["decode_fps"] for p in good))
    if args.matched:
        found = matched_quality(runner, source, clip, args.target)
        row["matched"] = None if found is None else {
            "quality": found[0], "kbps": found[1]["kbps"], "psnr_y": found[1]["psnr_y"]}
    return row


def print_row(row: dict, clip: Clip, args) -> None:
    print(f"{row['name']} on {clip.name}: {row['summary']}")
    good = [p for p in row["ladder"] if p["success"]]
    print("  kbps/PSNR-Y  " + "  ".join(f"q{p['quality']}:{p['kbps']:.1f}/{p['psnr_y']:.2f}" for p in good))
    bds = "  ".join(f"vs {codec} {fmt_bd(v)}" for codec, v in row["bd_rate_pct"].items())
    print(f"  BD-rate {bds}")
    vectors = row["vectors_at_q50"]
    if vectors:
        print(f"  motion vectors at q50: {vectors['vector_bytes']} of {vectors['bytes']} bytes "
              f"({100.0 * vectors['vector_bytes'] / max(1, vectors['bytes']):.1f}%)")
    if vectors and "modes" in vectors:
        print("  macroblock modes at q50: " + ", ".join(f"{k} {100.0 * v:.1f}%" for k, v in vectors["modes"].items()))
    print(f"  speed: encode {row['encode_fps']:.0f} fps, decode {row['decode_fps']:.0f} fps, "
          f"{row['seconds_per_run']:.2f} s per {clip.count}-frame encode+decode (ladder average)")
    if args.matched:
        m = row["matched"]
        print(f"  at {args.target:g} dB: " + ("unreachable" if m is None else
              f"quality {m['quality']}, {m['kbps']:.1f} kbps (PSNR-Y {m['psnr_y']:.2f})"))
    print(f"  genome {json.dumps(row['genome'], sort_keys=True)}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--genome", action="append", default=[], help="a genome as JSON (repeatable)")
    parser.add_argument("--no-seeds", action="store_true", help="skip the seed genomes")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference genomes")
    parser.add_argument("--reference", action="append", default=[], choices=sorted(REFERENCE_GENOMES),
                        help="only these reference genomes (repeatable; default: all)")
    parser.add_argument("--clip", action="append", default=[], help="another real clip, a video or PNG folder "
                        "(repeatable; up to 30 frames within CIF)")
    parser.add_argument("--held-out", action="store_true", help="the held-out clips instead of the training ones")
    parser.add_argument("--matched", action="store_true", help="also bisect the quality for --target dB")
    parser.add_argument("--target", type=float, default=35.0, help="PSNR-Y target of --matched (default 35)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)

    clips = list((held_out_suite() if args.held_out else default_suite()).real_clips())
    clips += [load_clip(path, frames=30, max_size=CIF) for path in args.clip]
    genomes: list[tuple[str, Genome]] = []
    if not args.no_seeds:
        genomes += [(f"seed{i}", g) for i, g in enumerate(seed_genomes())]
    if not args.no_reference:
        genomes += [(name, g) for name, g in REFERENCE_GENOMES.items() if not args.reference or name in args.reference]
    genomes += [(f"genome{i}", Genome.from_dict(json.loads(text))) for i, text in enumerate(args.genome)]

    runner = InProcessRunner()
    out: dict = {"clips": [], "genomes": []}
    for clip in clips:
        anchors = {codec: reference_ladder(codec, clip) for codec in ("jpeg", "webp", "x264")
                   if codec in available_codecs()}
        out["clips"].append({
            "name": clip.name, "frames": clip.count, "size": f"{clip.width}x{clip.height}", "fps": clip.fps,
            "references": {k: [{"quality": p["quality"], "kbps": p["kbps"], "psnr_y": p["psnr_y"]} for p in v]
                           for k, v in anchors.items()}})
        if not args.json:
            print(f"clip {clip.name}: {clip.count} frames {clip.width}x{clip.height} @ {clip.fps:g} fps")
            for codec, points in anchors.items():
                ladder = "  ".join(f"{p['kbps']:7.1f}/{p['psnr_y']:5.2f}" for p in points)
                print(f"  {codec:5s} kbps/PSNR-Y  {ladder}")
            print()
        for name, genome in genomes:
            row = measure_genome(runner, name, genome, clip, anchors, args)
            out["genomes"].append(row)
            if not args.json:
                print_row(row, clip, args)
    if args.json:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
