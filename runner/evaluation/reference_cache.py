"""The best version measured against the reference codecs, for the report and the `status` dashboard.

rd_curves measures the best's source over a small quality ladder in the sandbox
(runner.evaluation.evaluator.evaluate_ladder) on a suite's real clips, next to JPEG, WebP and x264
(runner.evaluation.references), with BD-rates (runner.evaluation.bdrate); reference_comparison
says what each reference needs for the PSNR-Y the best reached.

Reference ladders are a pure function of the clip, the codec and the libraries, so they are kept
per clip: in memory for the process, and on disk under $CODEC_LEDGER_CACHE (default
$XDG_CACHE_HOME/codec-ledger or ~/.cache/codec-ledger; an empty value turns the disk cache off).
The codec libraries are imported when first needed: the command line imports this module at start-up.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from projections.report.curves import RdClip, RdCurves, RdPoint

if TYPE_CHECKING:
    from runner.evaluation.clips import Clip, Suite

RD_CODECS = ("jpeg", "webp", "x264", "x265")
REPORT_QUALITIES = (20, 40, 60, 80)
CACHE_FORMAT = 1  # bump when a cached point's shape or meaning changes

_ladders: dict[str, list[dict]] = {}  # cache key -> points, for this process


class ReferenceRate(TypedDict):
    """What one reference codec needs for the best's PSNR-Y, and how the best's bitrate compares."""

    codec: str
    kbps: float | None  # None: the best's PSNR-Y is outside the reference's ladder
    psnr_range: list[float] | None  # [lowest, highest] PSNR-Y of the reference's ladder
    difference_pct: float | None  # the best's bitrate against the reference's, in percent (negative: fewer bits)


# ---------------------------------------------------------------------------------------- reference ladders


def cache_folder() -> Path | None:
    """Where reference ladders are kept on disk, or None when the disk cache is turned off."""
    given = os.environ.get("CODEC_LEDGER_CACHE")
    if given is not None:
        return Path(given) if given.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "codec-ledger"


def _ladder_key(codec: str, clip: Clip, ladder: tuple[int, ...]) -> str:
    import av
    import cv2

    from runner.evaluation.references import x264_options

    h = hashlib.sha256()
    fields = (CACHE_FORMAT, codec, ladder, repr(clip.fps), tuple(clip.frames.shape), cv2.__version__, av.__version__,
              sorted(av.library_versions.items()), sorted(x264_options().items()) if codec == "x264" else None)
    h.update(json.dumps(fields, default=str).encode("utf-8"))
    h.update(clip.frames.tobytes())
    return h.hexdigest()


def cached_reference_ladder(codec: str, clip: Clip) -> list[dict]:
    """A reference codec's default ladder on a clip, measured once per clip content and library versions."""
    from runner.evaluation.references import DEFAULT_LADDERS, reference_ladder

    ladder = tuple(DEFAULT_LADDERS[codec])
    key = _ladder_key(codec, clip, ladder)
    if key in _ladders:
        return [dict(p) for p in _ladders[key]]
    folder = cache_folder()
    path = None if folder is None else folder / "references" / f"{codec}-{key[:40]}.json"
    points = None
    if path is not None:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key:
                points = stored["points"]
        except (OSError, ValueError, KeyError, AttributeError):
            points = None
    if points is None:
        points = reference_ladder(codec, clip, ladder)
        if path is not None:
            _store(path, {"key": key, "codec": codec, "ladder": list(ladder), "points": points})
    _ladders[key] = points
    return [dict(p) for p in points]


def _store(path: Path, document: dict) -> None:
    """Best effort: a cache that cannot be written is only slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(document), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def _codecs(codecs: tuple[str, ...]) -> list[str]:
    from runner.evaluation.references import available_codecs

    have = set(available_codecs())
    return [c for c in codecs if c in have]


def _real(suite: Suite) -> Suite:
    from runner.evaluation.clips import Suite

    return Suite(f"{suite.name} (real clips)", suite.real_clips() or suite.clips)


def _brief(point: dict) -> RdPoint:
    """The part of a metric point the page shows, with why it failed when it did."""
    brief = RdPoint(quality=point["quality"], bytes=point["bytes"], kbps=point["kbps"], psnr_y=point["psnr_y"],
                    ssim_y=point["ssim_y"], ratio=point["ratio"], success=point["success"])
    if not point["success"]:
        brief["message"] = point["verdict"]["message"]
    return brief


# ---------------------------------------------------------------------------------------- RD curves


def rd_curves(source: str, version: int, suite: Suite, qualities: tuple[int, ...] = REPORT_QUALITIES,
              codecs: tuple[str, ...] = RD_CODECS) -> RdCurves:
    """The best version's RD curve next to the reference codecs' on the suite's real clips, with BD-rates
    of the version against each reference (negative: the version needs fewer bits at equal PSNR-Y).

    All of them on the same frames: the real clips as a fresh nonce varies them, so that the version
    cannot know them (runner/evaluation/material.py); the references are measured on those frames
    afresh, not cached."""
    from runner.evaluation.bdrate import bd_rate
    from runner.evaluation.evaluator import evaluate_ladder, rd_points
    from runner.evaluation.material import draw_nonce, materialise
    from runner.evaluation.references import DEFAULT_LADDERS, reference_ladder

    nonce = draw_nonce()
    real = _real(suite)
    available = _codecs(codecs)
    ladder = evaluate_ladder(source, real, tuple(qualities), nonce=nonce)
    clips: list[RdClip] = []
    out: RdCurves = {"version": version, "qualities": list(qualities), "codecs": available, "clips": clips,
                     "isolation": ladder.get("isolation"), "error": None}
    if not ladder["clips"]:
        out["error"] = f"v{version} did not pass validation: {ladder['verdict'].get('message')}"
        return out
    for clip in materialise(real, nonce).clips:  # the frames evaluate_ladder measured
        best = ladder["clips"][clip.name]["points"]
        references = {codec: reference_ladder(codec, clip, tuple(DEFAULT_LADDERS[codec])) for codec in available}
        bd: dict[str, float | None] = {}
        for codec, points in references.items():
            value = bd_rate(rd_points(points), rd_points(best))
            bd[codec] = None if value is None else round(value, 2)
        clips.append({
            "name": clip.name, "kind": clip.kind, "frames": clip.count, "width": clip.width, "height": clip.height,
            "fps": clip.fps, "best": [_brief(p) for p in best],
            "references": {codec: [_brief(p) for p in points] for codec, points in references.items()},
            "bd_rate": bd,
        })
    return out


# ---------------------------------------------------------------------------------------- status's comparison


def reference_comparison(summary: dict, suite: Suite, codecs: tuple[str, ...] = RD_CODECS) -> list[ReferenceRate]:
    """What each reference codec needs, on the same real clips, for the PSNR-Y the best reached:
    its ladder summarised over the real clips per rung, log-rate interpolated (PCHIP) at that PSNR-Y."""
    from runner.evaluation.measure import summarise

    real = suite.real_clips() or suite.clips
    target = summary.get("psnr_y")
    rows: list[ReferenceRate] = []
    for codec in _codecs(codecs):
        ladders = [cached_reference_ladder(codec, clip) for clip in real]
        rungs = [summarise([(clip, ladder[i]) for clip, ladder in zip(real, ladders, strict=True)])
                 for i in range(len(ladders[0]))]
        usable = sorted((r["psnr_y"], r["kbps"]) for r in rungs
                        if r["success"] and r["kbps"] and r["psnr_y"] is not None)
        kbps = _rate_at(usable, target)
        row = ReferenceRate(codec=codec, kbps=kbps, psnr_range=[usable[0][0], usable[-1][0]] if usable else None,
                            difference_pct=None)
        if kbps and summary.get("kbps"):
            row["difference_pct"] = (summary["kbps"] / kbps - 1.0) * 100.0
        rows.append(row)
    return rows


def _rate_at(usable: list[tuple[float, float]], psnr: float | None) -> float | None:
    """kbit/s at psnr on a (psnr, kbps) ladder, or None outside the ladder's range."""
    from scipy.interpolate import PchipInterpolator

    best: dict[float, float] = {}
    for q, r in usable:
        best[q] = min(r, best.get(q, math.inf))
    qs = sorted(best)
    if psnr is None or len(qs) < 2 or not qs[0] <= psnr <= qs[-1]:
        return None
    return float(10 ** PchipInterpolator(qs, [math.log10(best[q]) for q in qs])(psnr))
