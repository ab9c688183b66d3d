"""Reference codecs (JPEG and WebP through OpenCV, x264 and x265 through PyAV) measured on a clip by point_metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from typing import cast

import av
import cv2
import numpy as np

from domain.verdict import FAILED, OK, Verdict
from runner.evaluation.clips import Clip
from runner.evaluation.measure import point_metrics

REFERENCE_CODECS = ("jpeg", "webp", "x264", "x265")
DEFAULT_LADDERS: dict[str, tuple[int, ...]] = {
    "jpeg": (10, 30, 50, 70, 90),  # cv2 quality, higher is better
    "webp": (10, 30, 50, 70, 90),
    "x264": (40, 34, 28, 22, 16),  # CRF, lower is better
    "x265": (40, 34, 28, 22, 16),
}
ISOLATION = "reference codec, run in-process"

_IMAGE = {"jpeg": (".jpg", cv2.IMWRITE_JPEG_QUALITY), "webp": (".webp", cv2.IMWRITE_WEBP_QUALITY)}
# encoder, decoder, options. One thread and no x265 thread pool: the bytes do not depend on the
# machine's core count. x265's info=0 drops its version/options SEI.
_VIDEO = {
    "x264": ("libx264", "h264", {"preset": "medium"}),
    "x265": (
        "libx265",
        "hevc",
        {"preset": "medium", "x265-params": "log-level=error:info=0:frame-threads=1:pools=none"},
    ),
}
# x264's AVX-512 code makes its output vary from run to run on identical input (seen with
# libx264 core 165 on an AVX-512 Xeon; mbtree=0 or no AVX-512 makes it repeatable again). On
# such CPUs x264 is told to use its AVX2-class routines, which every AVX-512 CPU has and whose
# output matches its SSE routines': MMX..AVX, LZCNT, FMA3, BMI1, BMI2, AVX2, 64-byte cache line,
# fast SSE2 (bits of X264_CPU_* in x264.h).
_X264_AVX2_CLASS = sum(1 << b for b in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 18, 20))
X264_SEI_MARKER = b"x264 - core"


@lru_cache(maxsize=1)
def _available() -> tuple[str, ...]:
    found = []
    for name in REFERENCE_CODECS:
        if name in _IMAGE:
            ok = _image_round_trips(_IMAGE[name][0])
        else:
            encoder, decoder, _ = _VIDEO[name]
            ok = encoder in av.codecs_available and decoder in av.codecs_available
        if ok:
            found.append(name)
    return tuple(found)


def _image_round_trips(ext: str) -> bool:
    # cv2.haveImageReader wants a file on disk; a tiny in-memory round trip asks the same question.
    try:
        ok, buf = cv2.imencode(ext, np.full((8, 8, 3), 128, np.uint8))
        return bool(ok) and cv2.imdecode(buf, cv2.IMREAD_COLOR) is not None
    except cv2.error:
        return False


def _has_avx512() -> bool:
    """Whether this CPU has the AVX-512 subset x264 uses (F, CD, BW, DQ, VL)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features  # numpy's own runtime probe

        return bool(features.get("AVX512_SKX"))
    except ImportError:
        try:
            with open("/proc/cpuinfo") as f:
                flags = f.read()
        except OSError:
            return False
        return all(flag in flags for flag in ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"))


@lru_cache(maxsize=1)
def x264_options() -> dict[str, str]:
    """The options x264 is run with on this machine (they decide its bytes, so the reference cache keys on them)."""
    options = dict(_VIDEO["x264"][2])
    if _has_avx512():
        options["x264-params"] = f"asm={_X264_AVX2_CLASS}"
    return options


def available_codecs() -> list[str]:
    """The reference codecs this machine's OpenCV and PyAV can both encode and decode."""
    return list(_available())


# ---------------------------------------------------------------- still-image codecs


def _image_codec(codec: str, clip: Clip, quality: int) -> tuple[int, list[np.ndarray], float, float, dict]:
    ext, flag = _IMAGE[codec]
    params = [int(flag), int(quality)]
    start = time.perf_counter()
    encoded = []
    for frame in clip.frames:
        ok, buf = cv2.imencode(ext, frame, params)
        if not ok:
            raise RuntimeError(f"cv2.imencode({ext!r}) refused the frame")
        encoded.append(buf)
    encode_s = time.perf_counter() - start
    start = time.perf_counter()
    decoded = []
    for buf in encoded:
        picture = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        if picture is None:
            raise RuntimeError(f"cv2.imdecode refused OpenCV's own {ext!r} output")
        decoded.append(picture)
    decode_s = time.perf_counter() - start
    return sum(int(b.size) for b in encoded), decoded, encode_s, decode_s, {}


# ---------------------------------------------------------------- video codecs


def _nal_units(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each Annex B NAL unit in data, start codes included."""
    starts = []
    i = data.find(b"\x00\x00\x01")
    while i >= 0:
        starts.append(i - 1 if i > 0 and data[i - 1] == 0 else i)  # 4-byte start code
        i = data.find(b"\x00\x00\x01", i + 3)
    return list(zip(starts, starts[1:] + [len(data)], strict=True))


def x264_sei_bytes(packet: bytes) -> int:
    """Bytes of x264's version/options SEI in an H.264 packet (0 if it carries none)."""
    total = 0
    for start, end in _nal_units(packet):
        nal = packet[start:end]
        header = nal.index(b"\x00\x00\x01") + 3
        if header < len(nal) and nal[header] & 0x1F == 6 and X264_SEI_MARKER in nal:
            total += end - start
    return total


def _video_codec(codec: str, clip: Clip, crf: int) -> tuple[int, list[np.ndarray], float, float, dict]:
    encoder_name, decoder_name, options = _VIDEO[codec]
    h, w = clip.height, clip.width
    # 4:2:0 needs even dimensions: pad by repeating the last row/column, crop after decoding.
    pad_h, pad_w = h % 2, w % 2
    rate = Fraction(clip.fps).limit_denominator(1_000_000)

    start = time.perf_counter()
    enc = cast(av.VideoCodecContext, av.CodecContext.create(encoder_name, "w"))
    enc.width, enc.height = w + pad_w, h + pad_h
    enc.pix_fmt = "yuv420p"
    enc.framerate = rate
    enc.time_base = 1 / rate
    enc.thread_count = 1
    if codec == "x264":
        options = x264_options()
    enc.options = {**options, "crf": str(crf)}
    packets = []
    for i, frame in enumerate(clip.frames):
        if pad_h or pad_w:
            frame = cv2.copyMakeBorder(frame, 0, pad_h, 0, pad_w, cv2.BORDER_REPLICATE)
        # OpenCV's BT.601 conversion, not swscale's default, which caps PSNR-Y near 42 dB.
        picture = av.VideoFrame.from_ndarray(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420), format="yuv420p")
        picture.pts = i
        packets.extend(enc.encode(picture))
    packets.extend(enc.encode(None))
    payloads = [bytes(p) for p in packets]
    encode_s = time.perf_counter() - start

    start = time.perf_counter()
    dec = cast(av.VideoCodecContext, av.CodecContext.create(decoder_name, "r"))
    dec.thread_count = 1
    pictures = []
    for packet in packets:
        pictures.extend(dec.decode(packet))
    pictures.extend(dec.decode(None))
    decoded = [cv2.cvtColor(p.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2BGR_I420)[:h, :w] for p in pictures]
    decode_s = time.perf_counter() - start

    # x264's SEI is a text banner of its version and settings, not picture data: not counted.
    sei = sum(x264_sei_bytes(p) for p in payloads[:1]) if codec == "x264" else 0
    total = sum(len(p) for p in payloads) - sei
    return total, decoded, encode_s, decode_s, {"crf": int(crf), "sei_bytes_excluded": sei}


# ---------------------------------------------------------------- API


def reference_point(codec: str, clip: Clip, quality: int) -> dict:
    """The metric point of one reference codec on one clip; quality is the CRF for x264/x265."""
    if codec not in REFERENCE_CODECS:
        raise ValueError(f"unknown reference codec {codec!r}; known: {', '.join(REFERENCE_CODECS)}")
    if codec not in available_codecs():
        raise ValueError(f"reference codec {codec!r} is not available on this machine")
    run = _image_codec if codec in _IMAGE else _video_codec
    try:
        total, decoded, encode_s, decode_s, extra = run(codec, clip, quality)
        verdict = Verdict(OK, isolation=ISOLATION)
    except (av.FFmpegError, cv2.error, RuntimeError, ValueError) as exc:
        total, decoded, encode_s, decode_s, extra = 0, None, None, None, {}
        verdict = Verdict(FAILED, f"{codec} failed: {' '.join(str(exc).split())}", isolation=ISOLATION)
    point = point_metrics(clip, int(quality), total, decoded, encode_s, decode_s, verdict)
    point.update(extra)
    return point


def reference_ladder(codec: str, clip: Clip, qualities=None, on_point: Callable[[], None] | None = None) -> list[dict]:
    """Points of one reference codec at each quality (default: DEFAULT_LADDERS[codec]); on_point, if given, is
    called as each point is measured (a progress display)."""
    ladder = DEFAULT_LADDERS[codec] if qualities is None else qualities
    points = []
    for quality in ladder:
        points.append(reference_point(codec, clip, quality))
        if on_point is not None:
            on_point()
    return points
