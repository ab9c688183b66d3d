"""The `offline` planner: evolves codecs from real building blocks, with no key and no network.

Each candidate is a genome of codec design choices (genome.py) rendered to plain Python
source (render.py), which goes through the same sandbox and evaluation as an LLM's code. Parents
come from the ledger's history: the current best (when it is one of ours) and the runners-up.
It learns which changes helped: genes whose change, in the history, made a candidate smaller
than its incumbent at matched quality are mutated more often. Its randomness is a
`random.Random` seeded with (seed, iteration), so a run repeats exactly and a resumed run
carries on as if never interrupted.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from domain.ids import sha256_of
from domain.records import MetricFigures
from projections.history import HistoryRow
from runner.planners.base import PlannerContext, Proposal
from runner.planners.offline.genome import (
    PRIOR_WEIGHTS,
    Genome,
    changed_genes,
    crossover,
    merge_changes,
    mutate,
    seed_genomes,
)
from runner.planners.offline.render import genome_from_source, render
from runner.sandbox.validation import MAX_SOURCE_BYTES


class OfflinePlanner:
    name = "offline"

    def __init__(self, seed: int = 0, warm_start: dict | None = None):
        self.seed = seed
        # {"lineage": name, "weights": {gene: weight}, ...}: gene weights learned from another lineage's history
        # (runner/ensemble/warm_start.py), which this lineage's learning starts from; recorded with each proposal.
        self.warm_start = warm_start

    def propose(self, context: PlannerContext) -> Proposal:
        rng = random.Random(f"offline:{self.seed}:{context.iteration}")
        genomes = _genomes_in(context)
        tried = {row["sha256"] for row in context.history} | set(context.sources)
        best_sha = _sha_of_version(context, context.best_version)
        best = None if best_sha is None else genomes.get(best_sha)
        weights, notes = gene_weights(context.history, genomes, context,
                                      start=None if self.warm_start is None else self.warm_start["weights"])
        for _ in range(50):
            child, how = self._vary(best, genomes, context, weights, rng)
            source = render(child)
            # the sandbox refuses a source above its size limit: such a design is not worth a proposal
            if sha256_of(source) not in tried and len(source.encode()) <= MAX_SOURCE_BYTES:
                break
        analysis = _analysis(context, best, weights, notes, how)
        warm = {"warm_start": self.warm_start} if self.warm_start else {}
        return Proposal(planner=self.name, analysis=analysis, source=source, rationale=how,
                        details={"genome": child.to_dict(), **warm})

    def _vary(self, best: Genome | None, genomes: dict, context: PlannerContext, weights: dict,
              rng: random.Random) -> tuple[Genome, str]:
        seeds = seed_genomes()
        if best is None:  # the best is the seed or a hand-written codec: start one of our families
            choice = seeds[context.iteration % len(seeds)]
            if context.iteration >= len(seeds):
                choice = mutate(choice, rng, weights=weights)
            return choice, f"a {choice.summary()} codec from the offline planner's families"
        if context.iteration < len(seeds) and seeds[context.iteration] != best:
            # every family is tried once against the best before mutation takes over (the best may be an early one)
            choice = seeds[context.iteration]
            return choice, f"a {choice.summary()} codec from the offline planner's families"
        roll = rng.random()
        # Runners-up: the Pareto front's members first (best rate first), then the lowest rates measured.
        front = [genomes[sha] for sha in context.front if sha in genomes and genomes[sha] != best]
        runners_up = front + [genome for genome in _runners_up(context, genomes, best) if genome not in front]
        near_misses = _near_misses(context, genomes, best)
        if roll < 0.3 and len(near_misses) >= 2:
            child = merge_changes(best, near_misses[:3])
            if child != best:
                return child, (f"v{context.best_version} with the changes of {len(near_misses[:3])} near misses"
                               f" combined: {_changes(best, child)}")
        if roll < 0.45 and runners_up:
            child = crossover(best, rng.choice(runners_up[:4]), rng)
            if child != best:
                return child, f"crossover of v{context.best_version} with a runner-up: {_changes(best, child)}"
        if roll > 0.93 and runners_up:
            parent = rng.choice(runners_up[:4])
            child = mutate(parent, rng, weights=weights)
            return child, f"mutation of a runner-up ({parent.summary()}): {_changes(parent, child)}"
        child = mutate(best, rng, weights=weights)
        return child, f"mutation of v{context.best_version}: {_changes(best, child)}"


def gene_weights(history: Sequence[HistoryRow], genomes: dict, context: PlannerContext,
                 start: Mapping[str, float] | None = None) -> tuple[dict, list[str]]:
    """Per gene, how much changing it has helped: 1 to start, more for each gain, less for losses."""
    by_version = {version: sha for sha, version in _versions(context).items()}
    score = dict(PRIOR_WEIGHTS) | dict(start or {})
    notes = []
    for row in history:
        child = genomes.get(row["sha256"])
        parent = genomes.get(by_version.get(row.get("tested_against")))
        if child is None or parent is None or row.get("decision") in (None, "pending"):
            continue
        changed = changed_genes(parent, child)
        if not changed:
            continue
        gain = _gain(row, context)
        for gene in changed:
            score[gene] = min(8.0, max(0.2, score.get(gene, 1.0) + gain))
        if row.get("decision") == "adopted":
            notes.append(f"v{row.get('version')} came from changing {', '.join(changed)}")
    return dict(score), notes


def _gain(row: HistoryRow, context: PlannerContext) -> float:
    if row.get("decision") == "adopted":
        return 2.0
    if not row.get("success"):
        return -0.5
    incumbent, kbps = _incumbent_kbps(row, context), row.get("kbps")
    if incumbent and kbps:
        return max(-0.5, min(1.0, (incumbent - kbps) / incumbent * 5))
    return -0.2


def _incumbent_kbps(row: HistoryRow, context: PlannerContext) -> float | None:
    for other in context.history:
        if other.get("decision") == "adopted" and other.get("version") == row.get("tested_against"):
            return other.get("kbps")
    summary = _best_summary(context)
    if row.get("tested_against") == context.best_version and summary is not None:
        return summary.get("kbps")
    return None


def _best_summary(context: PlannerContext) -> MetricFigures | None:
    """The figures the best was adopted on, where it has them."""
    return context.best_metrics.get("summary") if context.best_metrics else None


def _genomes_in(context: PlannerContext) -> dict[str, Genome]:
    found = {}
    for sha, source in context.sources.items():
        genome = genome_of(source)
        if genome is not None:
            found[sha] = genome
    return found


def genome_of(source: str) -> Genome | None:
    """The genome a module was rendered from; None for any other source (the seed, hand- or
    model-written codecs), even one that declares a GENES table of its own."""
    genome = genome_from_source(source)
    return genome if genome is not None and render(genome) == source else None


def _versions(context: PlannerContext) -> dict[str, int | None]:
    """sha256 -> version, for the versions the history shows (and the best)."""
    out = {row["sha256"]: row["version"] for row in context.history if row.get("decision") == "adopted"}
    return out


def _sha_of_version(context: PlannerContext, version: int) -> str | None:
    for sha, number in _versions(context).items():
        if number == version:
            return sha
    for sha, source in context.sources.items():
        if source == context.best_source:
            return sha
    return None


def _runners_up(context: PlannerContext, genomes: dict, best: Genome) -> list[Genome]:
    """Successful candidates of ours other than the best, smallest bitrate first."""
    measured = [(kbps, row["sha256"]) for row in context.history
                if row.get("success") and row["sha256"] in genomes and (kbps := row.get("kbps"))]
    out: list[Genome] = []
    for _, sha in sorted(measured, key=lambda pair: pair[0]):
        genome = genomes[sha]
        if genome != best and genome not in out:
            out.append(genome)
    return out


def _near_misses(context: PlannerContext, genomes: dict, best: Genome) -> list[Genome]:
    """Children of the best that were smaller at matched quality but not by enough to be adopted."""
    summary = _best_summary(context)
    best_kbps = summary.get("kbps") if summary else None
    measured = [(kbps, row["sha256"]) for row in context.history
                if row.get("tested_against") == context.best_version and row.get("success") and row["sha256"] in genomes
                and best_kbps and (kbps := row.get("kbps")) and kbps < best_kbps]
    return [genomes[sha] for _, sha in sorted(measured, key=lambda pair: pair[0]) if genomes[sha] != best]


def _changes(parent: Genome, child: Genome) -> str:
    return ", ".join(f"{gene} {old} -> {new}" for gene, (old, new) in changed_genes(parent, child).items())


def _analysis(context: PlannerContext, best: Genome | None, weights: dict, notes: list[str], how: str) -> str:
    summary = _best_summary(context)
    lines = [f"Iteration {context.iteration + 1}. The best is v{context.best_version}"
             + (f" ({best.summary()})" if best else " (not one of the offline planner's codecs)")
             + (f": {summary.get('kbps')} kbit/s at PSNR-Y {summary.get('psnr_y')} dB." if summary else ".")]
    if notes:
        lines.append("What helped so far: " + "; ".join(notes[-5:]) + ".")
    favoured = sorted(((w, g) for g, w in weights.items() if w > PRIOR_WEIGHTS.get(g, 1.0)), reverse=True)[:5]
    if favoured:
        lines.append("Genes favoured for mutation: " + ", ".join(f"{g} ({w:.1f})" for w, g in favoured) + ".")
    lines.append(f"Proposal: {how}.")
    return "\n".join(lines)
