"""The commands that read the ledger: `history`, `why`, `show`, `events`.

`why` and `show` take a version or any candidate (runner/cli/named.py says how one is named)."""

from __future__ import annotations

import json
import sys
from typing import Any, Optional, cast

import typer
from rich.table import Table
from rich.text import Text

from domain.text import plain_text
from projections.history import history as history_rows
from projections.lineage_events import lineage_members
from projections.state import status as status_state
from runner.cli.explain import candidate_explanation
from runner.cli.formatting import history_table, metrics_line
from runner.cli.named import is_version, resolve
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
    limit: Optional[int] = typer.Option(None, "--limit", min=1, metavar="N", help="Only the last N candidates."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Every candidate in order: planner, the version it was tested against, metrics, decision."""
    with errors(json_errors=as_json), open_ledger(ledger) as session:
        status_state(session.view, lineage)  # a clear error for an unknown lineage
        rows = history_rows(session.view, lineage)
        if limit:
            rows = rows[-limit:]
        if as_json:
            print_json(rows)
        else:
            console.print(history_table(rows, f"lineage '{lineage}': {len(rows)} candidates", console.width))


def why(
    name: str = typer.Argument(..., metavar="VERSION|SHA|ID",
                               help="A version number, 'best', or a candidate's sha256 prefix or id."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Why a candidate was adopted or not: analysis -> candidate -> metrics against the incumbent -> decision."""
    with errors(json_errors=as_json), open_ledger(ledger, create=False) as session:
        named = None if is_version(name) else resolve(session, lineage, name)
        version = name if named is None else named.version
        data: dict[str, Any]
        if version is not None:
            data = cast(dict[str, Any], session.app.why(lineage, version)) | {"outcome": "adopted"}
        else:
            assert named is not None
            data = cast(dict[str, Any], candidate_explanation(session.app, lineage, named))
        if as_json:
            print_json(data)
            return
        say = narrator()
        if data["version"] is not None:
            say(f"version {data['version']} of lineage '{lineage}', adopted {data['adopted_at']}")
        else:
            say(f"candidate {data['candidate_sha256'][:12]} of lineage '{lineage}': {data['outcome']}"
                + (f", decided {data['decided_at']}" if data.get("decided_at") else ""))
        if data["analysis"]:
            a = data["analysis"]
            say(f"  analysis ({a['planner']}, {a['model']}, {a['tokens_in']}+{a['tokens_out']} tokens, "
                f"${a['cost_usd']:.4f}): {a['text'][:500]}")
            shown = a.get("shown") or {}
            if shown.get("parent"):
                parent = shown["parent"]
                say(f"  parent shown: version {parent.get('version')} ({str(parent.get('sha256'))[:8]})"
                    + (f", {shown['mode']}" if shown.get("mode") else ""))
            for inspiration in shown.get("inspirations") or []:
                say(f"  inspiration shown: {str(inspiration.get('sha256'))[:8]} ({inspiration.get('why')})")
        say(f"  candidate {data['candidate_id']} by {data['planner']}, sha256 {data['candidate_sha256']}")
        if data["rationale"]:
            say(f"  rationale: {data['rationale']}")
        if data.get("reasons"):
            say(f"  rejected by validation: {'; '.join(data['reasons'])}")
            return
        verdict = data.get("verdict") or {}
        if verdict.get("category") not in (None, "ok"):
            say(f"  test: {verdict.get('category')}: {verdict.get('message')}")
        say(f"  metrics:   {metrics_line(data['candidate_metrics'])}")
        if data["incumbent_version"] is not None:
            say(f"  against version {data['incumbent_version']}: {metrics_line(data['incumbent_metrics'])}")
        if data["rule"]:
            say(f"  rule: {data['rule']}")
        say(f"  decision: {data['reason'] or data['outcome']}")


def show(
    name: str = typer.Argument("best", metavar="VERSION|SHA|ID",
                               help="A version number, 'best', or a candidate's sha256 prefix or id."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """The exact source of a version, the current best, or any candidate."""
    with errors(json_errors=as_json), open_ledger(ledger, create=False) as session:
        if is_version(name):
            data: dict[str, Any] = cast(dict[str, Any], session.app.show(lineage, name))
        else:
            named = resolve(session, lineage, name)
            best = session.app.lineage(lineage).best
            data = {"lineage": lineage, "version": named.version, "sha256": named.sha256,
                    "source": session.app.source(named.sha256), "candidate_id": named.candidate_id,
                    "is_best": named.version is not None and named.version == best["version"],
                    "outcome": named.outcome}
        if as_json:
            print_json(data)
        else:
            sys.stdout.write(data["source"])


_EVENT_HEADER = ("position", "type", "timestamp", "originator_id", "originator_version")  # their own columns


def events(
    types: Optional[list[str]] = typer.Option(None, "--type", metavar="TYPE",
                                              help="Only events of this type (repeatable), e.g. CandidateAdopted."),
    all_lineages: bool = typer.Option(False, "--all-lineages", help="The whole log, not just this lineage's events."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, metavar="N", help="Only the last N events."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """The raw event log with positions, optionally filtered by type."""
    with errors(json_errors=as_json), open_ledger(ledger) as session:
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
