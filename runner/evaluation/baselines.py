"""The reference codecs' ladders on a suite's real clips, with BD-rates against JPEG."""

from __future__ import annotations

from typing import Protocol

from runner.evaluation.bdrate import bd_rate
from runner.evaluation.clips import Clip, Suite
from runner.evaluation.evaluator import rd_points
from runner.evaluation.references import DEFAULT_LADDERS, available_codecs, reference_ladder


class LadderProgress(Protocol):
    """Who follows measure_baselines: told as each codec's ladder on a clip begins, and at each point measured."""

    def ladder(self, clip: str, codec: str) -> None: ...

    def point(self) -> None: ...


def _clips(suite: Suite) -> tuple[Clip, ...]:
    return suite.real_clips() or suite.clips


def points_to_measure(suite: Suite, codecs=None) -> int:
    """How many points measure_baselines measures on `suite`."""
    return len(_clips(suite)) * sum(len(DEFAULT_LADDERS[codec]) for codec in (codecs or available_codecs()))


def measure_baselines(suite: Suite, codecs=None, progress: LadderProgress | None = None) -> dict:
    """`{"clips": {name: {"codecs": {codec: {"points": [...], "bd_rate_vs_jpeg_pct"}}}}}`."""
    codecs = list(codecs or available_codecs())
    clips = {}
    for clip in _clips(suite):
        entries: dict[str, dict] = {}
        for codec in codecs:
            if progress is not None:
                progress.ladder(clip.name, codec)
            points = reference_ladder(codec, clip, on_point=None if progress is None else progress.point)
            entries[codec] = {"points": points}
        anchor = rd_points(entries["jpeg"]["points"]) if "jpeg" in entries else None
        for entry in entries.values():
            value = bd_rate(anchor, rd_points(entry["points"])) if anchor else None
            entry["bd_rate_vs_jpeg_pct"] = None if value is None else round(value, 2)
        clips[clip.name] = {"kind": clip.kind, "codecs": entries}
    return {"clips": clips}
