"""Where `decompress` writes its frames: the format the output's name says, whole or not at all.

No extension: a folder of PNG frames with fps.txt; .mkv or .avi: FFV1, lossless; .mp4: H.264 (lossy,
as mp4 players expect). Any other extension is refused. An existing output is replaced only when the
user says so (-y), and only once the new one is complete: frames are written next to it under a
temporary name and moved into place, so that no frame of an earlier run survives, and an interrupted
run leaves the old output as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

from runner.cli.support import CommandError, UsageError

FORMATS = {"": "PNG frames", ".mkv": "FFV1 lossless video", ".avi": "FFV1 lossless video", ".mp4": "H.264 video"}
MP4_CRF = "12"  # visually lossless for most content; mp4 players expect H.264 in 4:2:0
PNG_NAME = "frame_{:05d}.png"


def check_output(output: Path, overwrite: bool) -> str:
    """The format `output` names, once it is known that it may be written; a CommandError otherwise."""
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        names = ", ".join(s for s in FORMATS if s) + " or no extension (a folder of PNG frames)"
        raise UsageError(f"cannot write '{output}': unknown extension {output.suffix!r}; use {names}")
    if (output.exists() or output.is_symlink()) and not overwrite:
        raise CommandError(f"'{output}' exists; add -y to replace it")
    if output.exists() and (output.is_dir() != (suffix == "")):
        kind = "a folder" if output.is_dir() else "a file"
        raise CommandError(f"'{output}' is {kind}; refusing to replace it with {FORMATS[suffix]}")
    if not output.parent.resolve().is_dir():
        raise CommandError(f"cannot write '{output}': no folder '{output.parent}'")
    return FORMATS[suffix]


def write_frames(output: Path, frames: list[np.ndarray], fps: float, say_err: Callable[[str], None]) -> str:
    """Write `frames` (BGR) to `output` in the format its name says (check_output first); the format's name."""
    suffix = output.suffix.lower()
    parent = output.resolve().parent
    if suffix == "":
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=parent))
        try:
            staging.chmod(0o755)  # as mkdir would make it, not mkdtemp's owner-only mode
            _write_pngs(staging, frames, fps)
            _replace(staging, output)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return FORMATS[suffix]
    handle, name = tempfile.mkstemp(prefix=f".{output.stem}.", suffix=suffix, dir=parent)
    os.fchmod(handle, 0o644)
    os.close(handle)
    staging = Path(name)
    try:
        _write_video(staging, frames, fps, suffix, say_err)
        os.replace(staging, output)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return FORMATS[suffix]


def _replace(staging: Path, output: Path) -> None:
    if output.is_dir() and not output.is_symlink():
        old = output.with_name(f".{output.name}.old")
        os.replace(output, old)
        os.replace(staging, output)
        shutil.rmtree(old, ignore_errors=True)
    else:
        if output.exists() or output.is_symlink():
            output.unlink()
        os.replace(staging, output)


def _write_pngs(folder: Path, frames: list[np.ndarray], fps: float) -> None:
    import cv2

    for index, frame in enumerate(frames):
        if not cv2.imwrite(str(folder / PNG_NAME.format(index)), frame):
            raise CommandError(f"cannot write PNG frames into '{folder}'")
    (folder / "fps.txt").write_text(f"{_rate(fps)}\n")


def _rate(fps: float) -> Fraction:
    """The frame rate as a fraction: 29.97... is 30000/1001, which fps.txt and the containers take exactly."""
    return Fraction(fps).limit_denominator(1001)


def _write_video(path: Path, frames: list[np.ndarray], fps: float, suffix: str, say_err: Callable[[str], None]) -> None:
    import av

    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as stream_file:
        if suffix == ".mp4":
            stream = stream_file.add_stream("libx264", rate=_rate(fps), options={"crf": MP4_CRF})
            if width % 2 or height % 2:
                say_err(f"note: {width}x{height} is odd; the mp4 keeps full chroma (4:4:4), which some players "
                        "cannot show")
                stream.pix_fmt = "yuv444p"
            else:
                stream.pix_fmt = "yuv420p"
        else:
            stream = stream_file.add_stream("ffv1", rate=_rate(fps))
            stream.pix_fmt = "bgr0"
        stream.width, stream.height = width, height
        for frame in frames:
            stream_file.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")))
        stream_file.mux(stream.encode())
