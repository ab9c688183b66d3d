"""The shape of the rate-distortion curves the runner measures for the report and the page draws."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class RdPoint(TypedDict):
    """One rung of a codec's ladder on one clip: the part of a metric point the page shows."""

    quality: int  # the codec's own scale: quality for the best, JPEG and WebP; CRF for x264
    bytes: int
    kbps: float
    psnr_y: float | None
    ssim_y: float | None
    ratio: float
    success: bool
    message: NotRequired[str | None]  # why the rung failed, when it did


class RdClip(TypedDict):
    """One real clip: the best version's curve, each reference codec's, and the BD-rates between them."""

    name: str
    kind: str
    frames: int
    width: int
    height: int
    fps: float
    best: list[RdPoint]
    references: dict[str, list[RdPoint]]  # codec -> its default ladder
    bd_rate: dict[str, float | None]  # codec -> percent (negative: the best needs fewer bits); None: no overlap


class RdCurves(TypedDict):
    """The best version against the reference codecs on a suite's real clips, or only why it was not measured."""

    version: NotRequired[int]
    qualities: NotRequired[list[int]]
    codecs: NotRequired[list[str]]
    clips: NotRequired[list[RdClip]]
    isolation: NotRequired[str | None]
    error: str | None
