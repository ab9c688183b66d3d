"""What a command tells the user, on stderr, about how it will read an input before it reads it: every change
load_clip makes that the user did not ask for in so many words.

A 10-bit (or 16-bit) input is read as 8-bit BGR; a PNG folder without fps.txt, or a video that declares
no frame rate, is taken at --fps or 30 fps; --max-size scales frames down to even sizes. Inputs that
cannot be read are left to load_clip, which names the problem.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from runner.evaluation.clips import DEFAULT_FPS, fit_size, parse_size

Say = Callable[[str], None]


def announce_inputs(paths: list[str], max_size: str | None, fps: float | None, say: Say) -> None:
    for path in paths:
        probed = _probe_folder(Path(path), fps) if Path(path).is_dir() else _probe_video(path, fps)
        if probed is None:
            continue
        (width, height), notes = probed
        for note in notes:
            say(f"note: {path}: {note}")
        if max_size:
            try:
                fitted = fit_size(width, height, parse_size(max_size))
            except ValueError:
                continue  # the command reports a bad --max-size itself
            if fitted != (width, height):
                say(f"note: {path}: scaled from {width}x{height} to {fitted[0]}x{fitted[1]} to fit --max-size "
                    "(aspect kept, even sizes)")


def _probe_folder(folder: Path, fps: float | None) -> tuple[tuple[int, int], list[str]] | None:
    import cv2

    names = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".png")
    if not names:
        return None
    image = cv2.imread(str(names[0]), cv2.IMREAD_UNCHANGED)
    if image is None:
        return None
    notes = []
    if image.dtype.itemsize > 1:
        notes.append(f"{image.dtype.itemsize * 8}-bit PNG frames; read as 8-bit BGR")
    if not (folder / "fps.txt").is_file():
        notes.append(f"no fps.txt; taken as {fps:g} fps (--fps)" if fps is not None else
                     f"no fps.txt; assuming {DEFAULT_FPS:g} fps (give --fps or write fps.txt, e.g. 30000/1001)")
    return (image.shape[1], image.shape[0]), notes


def _probe_video(path: str, fps: float | None) -> tuple[tuple[int, int], list[str]] | None:
    import av

    try:
        with av.open(path) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            context = stream.codec_context
            notes = []
            pixels = context.format
            bits = max((component.bits for component in pixels.components), default=8) if pixels else 8
            if pixels and bits > 8:
                notes.append(f"{bits}-bit video ({pixels.name}); read as 8-bit BGR")
            rate = stream.average_rate
            if not rate or float(rate) <= 0:
                notes.append(f"declares no frame rate; taken as {fps or DEFAULT_FPS:g} fps"
                             + ("" if fps else " (give --fps)"))
            return (context.width, context.height), notes
    except (av.FFmpegError, OSError, ValueError):
        return None
