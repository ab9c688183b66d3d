"""`codec-ledger pareto`: the lineage's Pareto front on the objectives asked for, now or as of a version."""

from __future__ import annotations

import sys
from typing import Optional

import typer
from rich.table import Table

from domain.pareto import DEFAULT_OBJECTIVES, MINIMISE, UnknownObjective, objectives_named
from projections.pareto import pareto_front
from projections.state import status as status_state
from projections.state import version_position
from runner.cli.formatting import SHORT_SHA, figure
from runner.cli.options import JsonOption, LedgerOption, LineageOption
from runner.cli.support import console, errors, open_ledger, print_json


def pareto(
    objectives: str = typer.Option(",".join(DEFAULT_OBJECTIVES), "--objectives", metavar="NAMES",
                                   help=f"Comma-separated, from: {', '.join(DEFAULT_OBJECTIVES)}."),
    to: Optional[int] = typer.Option(None, "--to", metavar="VERSION",
        help="As the ledger stood when this version was adopted."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """The codecs that met the target and that no other beats on every objective: sha256, version, figures."""
    names = [name.strip() for name in objectives.split(",") if name.strip()]
    try:
        chosen = objectives_named(names)
    except UnknownObjective as exc:  # a usage error, before any ledger is opened
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    with errors(), open_ledger(ledger) as session:
        view = session.view
        status_state(view, lineage)  # a clear error for an unknown lineage
        position = None if to is None else version_position(view, lineage, to)
        front = pareto_front(view, lineage, [o.name for o in chosen], position)
    if as_json:
        print_json({
            "objectives": [o.name for o in chosen],
            "front": [{"sha256": p["sha256"], "version": p["version"], "values": p["values"]} for p in front],
        })
        return
    asof = "" if to is None else f" as of v{to}"
    on = ", ".join(o.name for o in chosen)
    title = f"lineage '{lineage}'{asof}: Pareto front of {len(front)} on {on} (↓ lower, ↑ higher is better)"
    table = Table(title=title)
    table.add_column("sha256")
    table.add_column("version", justify="right")
    for objective in chosen:
        better = "↓" if objective.direction == MINIMISE else "↑"  # which way is better
        table.add_column(f"{objective.name} {better}", justify="right")
    for point in front:
        version = "-" if point["version"] is None else f"v{point['version']}"
        table.add_row(point["sha256"][:SHORT_SHA], version,
                      *(figure(o.name, point["values"][o.name]) for o in chosen))
    console.print(table)
