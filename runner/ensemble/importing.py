"""Bringing the best (or Pareto) codecs of another lineage or ledger into this lineage, re-tested here.

Each one is proposed as an ordinary candidate (planner `import`) whose analysis event records where it
came from: the source ledger, lineage, sha256, candidate, version and the figures it was measured at
there. Those figures are provenance only: the candidate is validated, tested and decided in this
lineage like any other, on this lineage's suite and policy. A rerun proposes nothing twice (a source
this lineage already holds is left as it is) and finishes any import that a killed run left untested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from domain.candidate import Candidate
from domain.pareto import DEFAULT_OBJECTIVES
from domain.policy import comparable
from domain.records import ComparableMetrics
from ledger.application import CodecLedger
from ledger.errors import LedgerError
from projections.session import Session
from runner.ensemble.members import chosen_candidates
from runner.evolution.lifecycle import Remeasure, TestAll, Validate, finish
from runner.evolution.narration import QUIET, Narration

PLANNER = "import"


class ImportRefused(LedgerError):
    """An import that cannot be made as asked; the message is one line."""


class ImportOrigin(TypedDict):
    """Where an imported candidate came from, as its analysis event records it."""

    ledger: str  # the source ledger as displayed (no password)
    lineage: str
    sha256: str
    candidate_id: str
    version: int | None
    metrics: ComparableMetrics  # what it measured there: provenance, never used to decide here


class Imported(TypedDict):
    """One source brought in, and where it stands in this lineage."""

    origin: ImportOrigin
    candidate_id: str
    status: str  # the candidate's status here after this import
    new: bool  # proposed by this call (False: this lineage already held the source)


def origins(source: Session, lineage: str, top: int, by: str,
            objectives: Sequence[str] = DEFAULT_OBJECTIVES) -> list[tuple[ImportOrigin, str]]:
    """The chosen candidates of the source ledger's lineage, each with its source text."""
    chosen = chosen_candidates(source.app, source.view, lineage, top, by, objectives)
    return [(ImportOrigin(ledger=source.store.display, lineage=lineage, sha256=candidate.sha256,
                          candidate_id=str(candidate.id), version=candidate.adopted_version,
                          metrics=comparable(candidate.test_result)),
             source.app.source(candidate.sha256)) for candidate in chosen]


def import_candidates(app: CodecLedger, lineage: str, found: list[tuple[ImportOrigin, str]], *, validate: Validate,
                      test_all: TestAll, remeasure: Remeasure | None = None,
                      narration: Narration = QUIET) -> list[Imported]:
    """Propose each source this lineage does not hold yet, then validate, test and decide every import
    that is not decided yet (those proposed now, and those a killed import left)."""
    out: list[Imported] = []
    pending: list[Candidate] = []
    for origin, text in found:
        held = _held(app, lineage, origin["sha256"])
        new = held is None
        if held is None:
            _, held = app.record_proposal(
                lineage, key=f"{PLANNER}:{origin['ledger']}:{origin['lineage']}:{origin['sha256']}", planner=PLANNER,
                text=f"Imported from lineage {origin['lineage']!r} of {origin['ledger']}"
                     + (f" (its version {origin['version']})." if origin["version"] is not None else "."),
                source=text, rationale=f"import of {origin['sha256'][:12]} from {origin['lineage']}",
                details={"import": dict(origin)})
            if held is None:
                raise ImportRefused(f"could not propose {origin['sha256'][:12]} in lineage {lineage!r}")
        if not held.decided:
            pending.append(held)
        out.append(Imported(origin=origin, candidate_id=str(held.id), status=held.status, new=new))
    done = {str(step.candidate.id): step.candidate.status
            for step in finish(app, lineage, pending, validate=validate, test_all=test_all, remeasure=remeasure,
                               narration=narration)}
    return [Imported(origin=item["origin"], candidate_id=item["candidate_id"],
                     status=done.get(item["candidate_id"], item["status"]), new=item["new"]) for item in out]


def _held(app: CodecLedger, lineage: str, sha256: str) -> Candidate | None:
    """This lineage's candidate with this source, under any parent version (the latest proposed)."""
    state = app.lineage(lineage)
    for parent in [*range(len(state.versions) - 1, -1, -1), None]:
        found = app.find_candidate(lineage, sha256, parent)
        if found is not None:
            return found
    return None
