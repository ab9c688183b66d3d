"""Choosing a model per proposal: UCB1 on adoption gain per dollar, from what the ledger records.

An arm is a model with what its proposals cost and gained (percent of bitrate saved by the versions
it got adopted). Its value is gain per dollar, scaled so the best arm so far is 1; an arm never tried
is tried first. Everything comes from recorded events, so a resumed run continues the same bandit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EXPLORATION = 1.0  # weight of UCB1's confidence term against values scaled to [0, 1]


@dataclass(frozen=True)
class Arm:
    model: str
    proposals: int  # planner calls made with this model
    cost_usd: float
    gain_percent: float  # bitrate saved by its adopted versions, in percent, summed

    @property
    def gain_per_dollar(self) -> float:
        return self.gain_percent / self.cost_usd if self.cost_usd > 0 else 0.0


def scores(arms: list[Arm]) -> dict[str, float]:
    """Each arm's UCB1 score; an untried arm scores infinity."""
    total = sum(arm.proposals for arm in arms)
    best_value = max((arm.gain_per_dollar for arm in arms), default=0.0)
    out = {}
    for arm in arms:
        if arm.proposals == 0:
            out[arm.model] = math.inf
            continue
        value = arm.gain_per_dollar / best_value if best_value > 0 else 0.0
        out[arm.model] = value + EXPLORATION * math.sqrt(2 * math.log(total) / arm.proposals)
    return out


def choose(arms: list[Arm]) -> str:
    """The arm with the highest score; ties go to the arm listed first."""
    if not arms:
        raise ValueError("the bandit needs at least one model")
    ranked = scores(arms)
    return max(arms, key=lambda arm: ranked[arm.model]).model
