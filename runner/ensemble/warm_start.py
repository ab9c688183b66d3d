"""`run --warm-start LINEAGE`: the offline planner's gene weights learned from another lineage's history.

The weights are what the offline planner itself would learn (planner.gene_weights) from the other
lineage's decided candidates, read from the projections as of now. The planner starts this lineage's
learning from them instead of its priors, and records them with every proposal of the run (the
`warm_start` entry of each AnalysisRecorded's details), so a reader of the ledger sees where they came from.
"""

from __future__ import annotations

from typing import TypedDict

from domain.candidate import PENDING, REJECTED
from ledger.errors import LedgerError
from projections.current_best import current_best, versions
from projections.history import history
from projections.session import Session
from runner.planners.base import PlannerContext
from runner.planners.offline.planner import OfflinePlanner, gene_weights, genome_of


class WarmStart(TypedDict):
    """What a warm-started run records of where its gene weights came from."""

    lineage: str
    candidates: int  # the decided candidates of that lineage the weights were learned from
    weights: dict[str, float]


def learned_weights(session: Session, lineage: str, into: str) -> WarmStart:
    """The gene weights lineage `lineage` taught the offline planner, for a run of lineage `into`."""
    if lineage == into:
        raise LedgerError(f"--warm-start {lineage!r} is the lineage being run; name another lineage")
    state = session.app.lineage(lineage)  # UnknownLineage, one line, when there is none
    view = session.view
    best = current_best(view, lineage, source_of=session.app.source)
    assert best is not None, "a started lineage always has version 0"
    rows = history(view, lineage)
    shas = {row["sha256"] for row in rows} | {version["sha256"] for version in versions(view, lineage)}
    genomes = {}
    for sha in shas:
        genome = genome_of(session.app.source(sha))
        if genome is not None:
            genomes[sha] = genome
    context = PlannerContext(lineage=lineage, iteration=len(rows), best_version=best["version"],
                             best_source=best["source"], best_metrics=best["metrics"], policy=state.policy_object,
                             history=rows)
    weights, _ = gene_weights(rows, genomes, context)
    decided = sum(1 for row in rows if row["decision"] not in (PENDING, REJECTED))
    return WarmStart(lineage=lineage, candidates=decided, weights={gene: round(w, 4) for gene, w in weights.items()})


def warm_started(session: Session, lineage: str, into: str, seed: int) -> OfflinePlanner:
    """The offline planner for a run of `into`, its gene weights starting from what `lineage` taught."""
    return OfflinePlanner(seed=seed, warm_start=dict(learned_weights(session, lineage, into)))
