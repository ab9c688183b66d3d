"""Which recorded programs the prompt shows beside the parent: the best on other clips or objectives,
recent near misses, and programs built differently from the parent.

All from the context's feedback (what the evaluator saw) and sources; no I/O.
"""

from __future__ import annotations

import re
from typing import TypedDict

from domain.outcome import MEASURED
from runner.planners.base import CandidateFeedback, PlannerContext

DEFAULT_INSPIRATIONS = 3
RECENT = 20  # near misses are looked for among this many most recent candidates


class Inspiration(TypedDict):
    sha256: str
    why: str  # "best on clip 'x'", "on the Pareto front", "fastest decoder", "near miss", "different structure"


def choose(context: PlannerContext, limit: int = DEFAULT_INSPIRATIONS) -> list[Inspiration]:
    parent = context.best_sha256
    ran = [f for f in context.feedback.values() if f["outcome"] in MEASURED and f["sha256"] != parent]
    chosen: list[Inspiration] = []

    def add(entry: CandidateFeedback | None, why: str) -> None:
        if entry is not None and len(chosen) < limit and entry["sha256"] not in {c["sha256"] for c in chosen}:
            chosen.append(Inspiration(sha256=entry["sha256"], why=why))

    # The lowest rate on a clip among the others (one slot, however many clips the suite has), a
    # member of the Pareto front (best rate first), then the fastest decoder.
    clips = sorted({name for entry in ran for name in entry["clips"]})
    for clip in clips:
        if not chosen:
            add(_lowest(ran, lambda entry, clip=clip: entry["clips"].get(clip, {}).get("kbps")),
                f"best on clip {clip!r}")
    by_sha = {entry["sha256"]: entry for entry in ran}
    add(next((by_sha[sha] for sha in context.front if sha in by_sha and sha not in {c["sha256"] for c in chosen}),
             None), "on the Pareto front")
    add(_lowest(ran, lambda entry: -(entry["decode_fps"] or 0.0) or None), "fastest decoder")
    # Near misses: recent declined candidates that came closest to the incumbent's bitrate.
    recent = [f for f in ran[-RECENT:] if f["version"] is None and f["saved_percent"] is not None]
    add(_lowest(recent, lambda entry: -(entry["saved_percent"] or 0.0)), "near miss")
    # Diverse: the one whose names (imports, functions, calls) overlap least with the parent's.
    parent_names = _names(context.sources.get(parent, ""))
    others = [entry for entry in ran if entry["sha256"] not in {c["sha256"] for c in chosen}]
    add(_lowest(others, lambda entry: _overlap(parent_names, _names(context.sources.get(entry["sha256"], "")))),
        "different structure")
    return chosen[:limit]


def _lowest(entries, key) -> CandidateFeedback | None:
    scored = [(key(entry), index, entry) for index, entry in enumerate(entries)]
    scored = [item for item in scored if item[0] is not None]
    return min(scored, key=lambda item: (item[0], -item[1]))[2] if scored else None


def _names(source: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*(?=\()|(?<=import )[A-Za-z_][A-Za-z0-9_.]*", source))


def _overlap(a: set[str], b: set[str]) -> float | None:
    return len(a & b) / len(a | b) if a or b else None
