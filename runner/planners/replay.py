"""The `replay` planner: proposes again, in order, what planners proposed in a recorded history.

Its records come from a ledger (each analysis with the candidate proposed from it) or from a
JSONL file of the same records (`write_jsonl`), so a history reproduces without the network.
From a ledger it also brings the nonce each source was tested with (`nonces`, including the seed's):
tested on the same material, the same proposals lead to the same adoptions. A JSONL file brings no
nonces (a file anybody can write must not choose a test's material), so its sources are tested on
fresh material, and adoptions near a threshold may differ.
"""

from __future__ import annotations

import json
from pathlib import Path

from runner.planners.base import PlannerContext, PlannerFailed, PlannerStopped, Proposal

FIELDS = ("planner", "model", "analysis", "source", "rationale", "error")


class ReplayPlanner:
    name = "replay"

    def __init__(self, records: list[dict], origin: str, nonces: dict[str, str] | None = None):
        self.records, self.origin = records, origin
        self.nonces = dict(nonces or {})  # sha256 of a source -> the nonce its recorded test was measured with

    @classmethod
    def load(cls, origin: str, lineage: str = "default") -> ReplayPlanner:
        if origin.endswith(".jsonl"):
            return cls(read_jsonl(Path(origin)), origin)
        records, nonces = history_from_ledger(origin, lineage)
        return cls(records, origin, nonces)

    def propose(self, context: PlannerContext) -> Proposal:
        # The target lineage's own count of analyses says how far an interrupted replay got.
        if context.iteration >= len(self.records):
            raise PlannerStopped(
                f"replay finished: all {len(self.records)} recorded proposals of {self.origin} were replayed")
        record = self.records[context.iteration]
        error = record.get("error")
        return Proposal(
            planner=self.name, analysis=record.get("analysis") or "", source=None if error else record.get("source"),
            rationale=record.get("rationale") or "", model=record.get("model"), error=error,
            details={"replayed_planner": record.get("planner"), "replayed_from": self.origin},
        )


def history_from_ledger(url: str, lineage: str) -> tuple[list[dict], dict[str, str]]:
    """Every analysis of `lineage` in the order recorded, with the source proposed from it; and the nonce
    each source of the lineage (the seed's too) was first tested with."""
    from ledger.store import parse_url, resolve_url
    from projections.session import open_session

    with open_session(parse_url(resolve_url(url)), refresh=False) as session:
        app = session.app
        app.lineage(lineage)  # a clear error for a lineage the ledger does not hold
        analyses: list[dict] = []
        proposed: dict[str, dict] = {}  # analysis id -> the candidate proposed from it
        shas: dict[str, str] = {}  # candidate id -> its source's sha256
        nonces: dict[str, str] = {}
        for event in app.stored_events(types=["AnalysisRecorded", "CandidateProposed", "CandidateTested"]):
            if event["type"] == "CandidateTested":
                nonce = ((event.get("result") or {}).get("provenance") or {}).get("nonce")
                sha = shas.get(event["originator_id"])
                if sha and nonce:
                    nonces.setdefault(sha, nonce)
                continue
            if event.get("lineage") != lineage:
                continue
            if event["type"] == "AnalysisRecorded":
                analyses.append(event)
            else:
                shas[event["originator_id"]] = event["sha256"]
                if event.get("analysis_id"):
                    proposed.setdefault(event["analysis_id"], event)
        records = []
        for analysis in analyses:
            candidate = proposed.get(analysis["originator_id"])
            text = analysis.get("text") or ""
            error = None
            if candidate is None:
                marker = "[no candidate: "  # how the loop records a proposal without code
                error = text.rpartition(marker)[2].rstrip("]") if marker in text else "no candidate"
            records.append({
                "planner": analysis.get("planner"), "model": analysis.get("model"), "analysis": text,
                "source": None if candidate is None else app.source(candidate["sha256"]),
                "rationale": None if candidate is None else candidate.get("rationale"), "error": error,
            })
        return records, nonces


def write_jsonl(records: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps({key: record.get(key) for key in FIELDS}) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise PlannerFailed(f"cannot read '{path}': {error.strerror or error}") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise PlannerFailed(f"'{path}' line {number} is not JSON") from None
        if not isinstance(record, dict) or not (isinstance(record.get("source"), str) or record.get("error")):
            raise PlannerFailed(f"'{path}' line {number} is not a proposal record")
        records.append(record)
    return records
