"""A planner's analysis before it proposes a candidate: what it read, what it thought, what it cost."""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.ids import analysis_id


class Analysis(Aggregate):
    @staticmethod
    def create_id(lineage: str, key: str | None) -> UUID:
        return analysis_id(lineage, key) if key else uuid4()

    @event("AnalysisRecorded")
    def __init__(
        self,
        lineage: str,
        key: str | None,
        planner: str,
        model: str | None,
        text: str,
        tokens_in: int,
        tokens_out: int,
        cost_usd: float,
        details: dict | None = None,
    ):
        if tokens_in < 0 or tokens_out < 0 or cost_usd < 0:
            raise ValueError("tokens and cost cannot be negative")
        self.lineage = lineage
        self.key = key
        self.planner = planner
        self.model = model
        self.text = text
        self.tokens_in = tokens_in
        self.tokens_out = tokens_out
        self.cost_usd = cost_usd
        # What the planner showed and chose (parent, inspirations, edits, model, cache tokens, notes); JSON-safe.
        self.details = details
