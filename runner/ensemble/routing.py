"""The routing rule of an ensemble, built from what the ledger measured: which member is best for which content.

Every member's adoption test recorded a metric point per clip of the lineage's suite, at the quality where
that member meets the lineage's PSNR-Y target. For each clip, the member with the lowest cost there wins
it; the rule is the list of (the clip's content features, its winner). The ensemble's encoder measures the
same features on the first frame of a run and takes the winner of the nearest clip. Routing is per run (a
clip at one quality), not per frame, because members may predict from earlier frames: switching members
mid-clip would hand a member a frame whose predecessor it never saw.
"""

from __future__ import annotations

from typing import TypedDict

from domain.records import AdoptionTestResult, MetricPoint
from ledger.errors import LedgerError
from runner.ensemble.features import FEATURE_NAMES, content_features
from runner.evaluation.clips import Suite

# Quality above the target is worth little to a viewer: a member's surplus counts up to this many dB.
SURPLUS_CAP_DB = 6.0
# At the rates codecs meet the target, one more dB of PSNR-Y costs roughly 1/6 of a doubling of the rate.
DB_PER_DOUBLING = 6.0
RULE = "nearest suite clip by content features of a run's first frame; per clip, the member with the lowest " \
       "bits per pixel at the PSNR-Y target"


class Member(TypedDict):
    """One recorded codec in an ensemble."""

    sha256: str
    candidate_id: str
    version: int | None  # the version it became, where adopted
    quality: int  # the quality at which its adoption test met the target; the ensemble anchors it there


class Route(TypedDict):
    """One clip of the suite: where it lies in feature space and which member won it."""

    clip: str
    features: list[float]
    member: int  # index into the ensemble's members
    costs: list[float | None]  # each member's cost on the clip (None: it did not round-trip there)


class RoutingRule(TypedDict):
    """What an ensemble's events record, and its source embeds, of how it routes."""

    rule: str
    features: list[str]
    target_psnr_y: float
    routes: list[Route]


class RoutingError(LedgerError):
    """No routing can be built from these members' records; the message is one line."""


def clip_cost(point: MetricPoint | None, target_psnr_y: float) -> float | None:
    """A member's cost on one clip: its bits per pixel moved to the target quality, lower is better.

    None where the member did not round-trip the clip (it is never routed there)."""
    if point is None or not point.get("success") or point.get("psnr_y") is None:
        return None
    psnr = min(float(point["psnr_y"] or 0.0), target_psnr_y + SURPLUS_CAP_DB)
    return float(point["bpp"]) * 2.0 ** ((target_psnr_y - psnr) / DB_PER_DOUBLING)


def routing_rule(results: list[AdoptionTestResult], suite: Suite, target_psnr_y: float) -> RoutingRule:
    """Per clip of the suite, the member whose recorded test (results, in member order) costs least there."""
    routes: list[Route] = []
    for clip in suite.clips:
        costs = [clip_cost(result.get("clips", {}).get(clip.name), target_psnr_y) for result in results]
        known = [(cost, index) for index, cost in enumerate(costs) if cost is not None]
        if not known:
            continue
        routes.append(Route(clip=clip.name, features=content_features(clip.frames[0]), member=min(known)[1],
                            costs=[None if cost is None else round(cost, 6) for cost in costs]))
    if not routes:
        raise RoutingError("no member round-tripped any clip of the suite in its recorded test")
    return RoutingRule(rule=RULE, features=list(FEATURE_NAMES), target_psnr_y=target_psnr_y, routes=routes)
