"""The reference codecs' ladders on a suite's real clips, with BD-rates against JPEG."""

from __future__ import annotations

from runner.evaluation.bdrate import bd_rate
from runner.evaluation.clips import Suite
from runner.evaluation.evaluator import rd_points
from runner.evaluation.references import available_codecs, reference_ladder


def measure_baselines(suite: Suite, codecs=None) -> dict:
    """`{"clips": {name: {"codecs": {codec: {"points": [...], "bd_rate_vs_jpeg_pct"}}}}}`."""
    codecs = list(codecs or available_codecs())
    clips = {}
    for clip in suite.real_clips() or suite.clips:
        entries: dict[str, dict] = {codec: {"points": reference_ladder(codec, clip)} for codec in codecs}
        anchor = rd_points(entries["jpeg"]["points"]) if "jpeg" in entries else None
        for entry in entries.values():
            value = bd_rate(anchor, rd_points(entry["points"])) if anchor else None
            entry["bd_rate_vs_jpeg_pct"] = None if value is None else round(value, 2)
        clips[clip.name] = {"kind": clip.kind, "codecs": entries}
    return {"clips": clips}

