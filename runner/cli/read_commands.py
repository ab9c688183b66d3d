"""The commands that read the ledger: `history`, `why`, `show`, `events`."""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from domain.text import plain_text
from projections.history import history as history_rows
from projections.lineage_events import lineage_members
from projections.state import status as status_state
from runner.cli.formatting import history_table, metrics_line
from runner.cli.options import (
    JsonOption,
    LedgerOption,
    LineageOption,
)
from runner.cli.support import (
    console,
    errors,
    narrator,
    open_ledger,
    print_json,
)


def history(
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the last N candidates."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Every candidate in order: planner, the version it was tested against, metrics, decision."""
    with errors(), open_ledger(ledger) as session:
        status_state(session.view, lineage)  # a clear error for an unknown lineage
        rows = history_rows(session.view, lineage)
        if limit:
            rows = rows[-limit:]
        if as_json:
            print_json(rows)
        else:
            console.print(history_table(rows, f"lineage '{lineage}': {len(rows)} candidates"))


def why(
    version: str = typer.Argument(..., help="A version number, or 'best'."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Why a version was adopted: analysis -> candidate -> metrics against the incumbent -> rule -> decision."""
    with errors(), open_ledger(ledger, create=False) as session:
        data = session.app.why(lineage, version)
        if as_json:
            print_json(data)
            return
        say = narrator()
        say(f"version {data['version']} of lineage '{lineage}', adopted {data['adopted_at']}")
        if data["analysis"]:
            a = data["analysis"]
            say(f"  analysis ({a['planner']}, {a['model']}, {a['tokens_in']}+{a['tokens_out']} tokens, "
                f"${a['cost_usd']:.4f}): {a['text'][:500]}")
        say(f"  candidate {data['candidate_id']} by {data['planner']}, sha256 {data['candidate_sha256']}")
        if data["rationale"]:
            say(f"  rationale: {data['rationale']}")
        say(f"  metrics:   {metrics_line(data['candidate_metrics'])}")
        if data["incumbent_version"] is not None:
            say(f"  against version {data['incumbent_version']}: {metrics_line(data['incumbent_metrics'])}")
        say(f"  rule: {data['rule']}")
        say(f"  decision: {data['reason']}")


def show(
    version: str = typer.Argument("best", help="A version number, or 'best'."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """The exact source of a version (or of the current best)."""
    with errors(), open_ledger(ledger, create=False) as session:
        data = session.app.show(lineage, version)
        if as_json:
            print_json(data)
        else:
            sys.stdout.write(data["source"])


_EVENT_HEADER = ("position", "type", "timestamp", "originator_id", "originator_version")  # their own columns


def events(
    types: Optional[list[str]] = typer.Option(None, "--type",
                                              help="Only events of this type (repeatable), e.g. CandidateAdopted."),
    all_lineages: bool = typer.Option(False, "--all-lineages", help="The whole log, not just this lineage's events."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the last N events."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """The raw event log with positions, optionally filtered by type."""
    with errors(), open_ledger(ledger) as session:
        app = session.app
        members = None if all_lineages else lineage_members(session.view, lineage)
        found = [e for e in app.stored_events(types=list(types or []))
                 if members is None or e["originator_id"] in members]
        if limit:
            found = found[-limit:]
        if as_json:
            print_json(found)
            return
        table = Table(title=f"{len(found)} events" + ("" if all_lineages else f" of lineage '{lineage}'"))
        for name in ("pos", "time", "type", "aggregate", "details"):
            table.add_column(name)
        for e in found:
            details = {k: v for k, v in e.items() if k not in _EVENT_HEADER}
            text = ", ".join(f"{k}={_short(v)}" for k, v in details.items())
            table.add_row(str(e["position"]), e["timestamp"][:19].replace("T", " "), e["type"],
                          f"{e['originator_id'][:8]}/{e['originator_version']}", Text(plain_text(text, limit=160)))
        console.print(table)


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
