"""The one place that turns real bytes, decoded frames and timings into metric points and suite summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from domain.verdict import FAILED, Verdict
from runner.evaluation.clips import Clip
from runner.evaluation.quality import frame_metrics

METRIC_KEYS = (
    "quality", "bytes", "frames", "kbps", "mbps_30fps", "bpp", "ratio",
    "psnr_y", "psnr_bgr", "ssim_y", "encode_fps", "decode_fps", "success", "verdict",
)  # fmt: skip
QUALITY_KEYS = ("psnr_y", "psnr_bgr", "ssim_y")
TIMING_KEYS = ("encode_fps", "decode_fps")

# Decimal places kept per figure: enough for 1% comparisons at any bitrate, short enough to read.
_DIGITS = {"kbps": 4, "mbps_30fps": 7, "bpp": 7, "ratio": 4, "psnr_y": 4, "psnr_bgr": 4, "ssim_y": 6,
           "encode_fps": 3, "decode_fps": 3}  # fmt: skip


def _round(key: str, value: float | None) -> float | None:
    return None if value is None else round(float(value), _DIGITS[key])


def _rate_metrics(total_bytes: int, frames: int, duration_s: float, pixels: int, raw_bytes: int) -> dict:
    bits = total_bytes * 8
    return {
        "bytes": int(total_bytes),
        "frames": int(frames),
        "kbps": _round("kbps", bits / duration_s / 1000.0),
        "mbps_30fps": _round("mbps_30fps", bits / (frames / 30.0) / 1e6),
        "bpp": _round("bpp", bits / pixels),
        "ratio": _round("ratio", raw_bytes / max(total_bytes, 1)),
    }


def _fps(frames: int, seconds: float | None) -> float | None:
    if seconds is None or seconds <= 0:  # not timed, or faster than the clock can tell
        return None
    return frames / seconds  # a NaN time stays NaN and fails the point


def _decoded_problem(clip: Clip, decoded) -> tuple[str, int | None] | None:
    """Why decoded frames cannot be measured against the clip, or None when they can."""
    if decoded is None:
        return "no decoded frames", None
    if len(decoded) != clip.count:
        return f"decoded {len(decoded)} of {clip.count} frames", min(len(decoded), clip.count)
    shape = clip.frames.shape[1:]
    for i, frame in enumerate(decoded):
        if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.shape != shape:
            got = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
            return f"decoded frame is {got}, expected uint8 {shape}", i
    return None


def point_metrics(
    clip: Clip,
    quality,
    total_bytes: int,
    decoded: Sequence[np.ndarray] | np.ndarray | None,
    encode_seconds: float | None,
    decode_seconds: float | None,
    verdict: Verdict,
) -> dict:
    """The metric point of one codec on one clip at one quality (docs/architecture.md).

    Rate figures always describe the bytes given, over all of the clip's frames. Quality and speed
    are measured only when the verdict is ok and every frame came back with the source's shape;
    otherwise they are None, success is False and the verdict says why."""
    if total_bytes < 0:
        raise ValueError(f"total_bytes must be >= 0, got {total_bytes}")
    n = clip.count
    if isinstance(quality, np.generic):
        quality = quality.item()  # keep the point JSON-safe
    point: dict = {"quality": quality}
    point.update(_rate_metrics(total_bytes, n, n / clip.fps, n * clip.width * clip.height, clip.raw_bytes))
    point.update({k: None for k in QUALITY_KEYS + TIMING_KEYS})

    if verdict.ok:
        problem = _decoded_problem(clip, decoded)
        if problem is not None:
            verdict = replace(verdict, category=FAILED, message=problem[0], frame=problem[1])

    if verdict.ok and decoded is not None:  # a problem with the decoded frames has failed the verdict above
        pairs = zip(clip.frames, decoded, strict=True)
        per_frame = np.array([frame_metrics(s, d) for s, d in pairs], dtype=np.float64)
        measured = dict(zip(QUALITY_KEYS, per_frame.mean(axis=0), strict=True))
        measured["encode_fps"] = _fps(n, encode_seconds)
        measured["decode_fps"] = _fps(n, decode_seconds)
        bad = [k for k, v in {**point, **measured}.items() if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            verdict = replace(verdict, category=FAILED, message=f"non-finite metric {', '.join(bad)}", frame=None)
        else:
            point.update({k: _round(k, v) for k, v in measured.items()})

    point["success"] = verdict.ok
    point["verdict"] = verdict.to_dict()
    return point


def summarise(points: Sequence[tuple[Clip, dict]]) -> dict:
    """One suite-level point from several clips' points at one quality.

    Bytes and frames add up, bitrate is over the total duration, quality is the frame-weighted
    mean over all frames, speed is total frames over total time, success only if every clip succeeded."""
    if not points:
        raise ValueError("summarise needs at least one point")
    clips = [c for c, _ in points]
    ps = [p for _, p in points]
    qualities = {repr(p.get("quality")) for p in ps}
    total_bytes = sum(int(p["bytes"]) for p in ps)
    frames = sum(c.count for c in clips)
    summary: dict = {"quality": ps[0].get("quality") if len(qualities) == 1 else None}
    summary.update(
        _rate_metrics(
            total_bytes,
            frames,
            sum(c.count / c.fps for c in clips),
            sum(c.count * c.width * c.height for c in clips),
            sum(c.raw_bytes for c in clips),
        )
    )
    failed = [(c, p) for c, p in points if not p.get("success")]
    if failed:
        summary.update({k: None for k in QUALITY_KEYS + TIMING_KEYS})
        clip, p = failed[0]
        first = Verdict.from_dict(p["verdict"])
        if first.ok:  # a point marked unsuccessful with an ok verdict should not happen, but say so
            first = replace(first, category=FAILED, message="point not successful")
        verdict = replace(first, message=f"clip {clip.name!r}: {first.message}")
    else:
        for key in QUALITY_KEYS:
            summary[key] = _round(key, sum(c.count * p[key] for c, p in points) / frames)
        for key in TIMING_KEYS:
            if all(p.get(key) for p in ps):
                summary[key] = _round(key, frames / sum(c.count / p[key] for c, p in points))
            else:
                summary[key] = None
        verdict = Verdict.from_dict(ps[0]["verdict"])
    summary["success"] = verdict.ok
    summary["verdict"] = verdict.to_dict()
    return summary
