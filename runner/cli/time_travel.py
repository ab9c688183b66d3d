"""Travelling in the ledger's time: `rollback`, `replay` as of a version, and `export` of the read models."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from projections import export as exporters
from projections.projection import build_as_of
from projections.state import full, version_position
from projections.state import replay as replay_state
from runner.cli.formatting import figure, history_table
from runner.cli.options import (
    JsonOption,
    LedgerOption,
    LineageOption,
)
from runner.cli.support import (
    UsageError,
    console,
    errors,
    open_ledger,
    print_json,
)


def rollback(
    version: int = typer.Argument(..., metavar="VERSION", help="The version to make the best again."),
    reason: str = typer.Option(..., "--reason", metavar="TEXT", help="Why (recorded in the ledger)."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Make a recorded version the best again; later versions stay in the history."""
    with errors(json_errors=as_json), open_ledger(ledger, create=False) as session:
        if not reason.strip():
            raise UsageError("--reason must say why")
        outcome = session.app.rollback(lineage, version, reason)
        session.refresh()
        if as_json:
            print_json(outcome.to_dict())
        elif outcome.recorded:
            console.print(f"⏪ Rolled back: version {outcome.version} is the best again "
                          f"(was version {outcome.from_version})", highlight=False)
        else:
            console.print(f"version {outcome.version} already is the best; nothing recorded", highlight=False)


def replay(
    to: int = typer.Option(..., "--to", metavar="VERSION", help="The version whose adoption to replay up to."),
    from_events: bool = typer.Option(
        False, "--from-events",
        help="Rebuild the read models from the events up to that point instead of reading them as of it."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Every read model as it stood when a version was adopted: the status plus the history."""
    with errors(json_errors=as_json), open_ledger(ledger) as session:
        view = session.view
        if from_events:
            view = build_as_of(session.app, version_position(view, lineage, to))
        data = replay_state(view, lineage, to, source_of=session.app.source)
        if as_json:
            print_json(data)
            return
        metrics = (data["metrics"] or {}).get("summary") or {}
        console.print(
            f"as of position {data['position']}: best version {data['version']} ({str(data['sha256'])[:12]}), "
            f"{figure('kbps', metrics.get('kbps'))} kbit/s, ratio {figure('ratio', metrics.get('ratio'))}, "
            f"PSNR-Y {figure('psnr_y', metrics.get('psnr_y'))} dB; "
            f"{data['adopted']} of {data['decided']} decided candidates adopted",
            highlight=False,
        )
        console.print(history_table(data["history"], f"history as of version {to}", console.width))


def export(
    fmt: str = typer.Option(
        "json", "--format", metavar="FORMAT",
        help="json (status, versions, history), csv (one row per candidate) or html (the report page from the "
             "read models alone; `report` adds rate-distortion curves measured now).",
    ),
    to: Optional[int] = typer.Option(None, "--to", metavar="VERSION", help="Export as of this version's adoption."),
    out: str = typer.Option(..., "--out", "-o", metavar="FILE", help="The file to write; - for standard output."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Write the read models to a JSON document, the history to CSV, or the report's HTML page."""
    formats = (*exporters.FORMATS, "html")
    with errors(json_errors=as_json):
        if fmt not in formats:  # before the ledger is opened: a usage error whatever the ledger
            raise UsageError(f"--format must be one of {', '.join(formats)}, not {fmt!r}")
    with errors(json_errors=as_json), open_ledger(ledger) as session:
        if fmt == "html":
            from runner.cli.report_command import build_report

            text, info = build_report(session, lineage, to, measure=False)
            if _to_stdout(out, text):
                return
            exporters.write(out, text)
            report = {"path": str(out), "format": fmt, "rows": info["candidates"], "position": info["position"],
                      "version": info["version"]}
            if as_json:
                print_json(report)
            else:
                console.print(f"wrote the report of v{info['version']} ({info['candidates']} candidates, html) "
                              f"to {out}", highlight=False)
            return
        position = None if to is None else version_position(session.view, lineage, to)
        data = full(session.view, lineage, position, source_of=session.app.source)
        if fmt == "json":
            text, rows = exporters.to_json(data), len(data["history"])
        else:
            text, rows = exporters.to_csv(data["history"]), len(data["history"])
        if _to_stdout(out, text):
            return
        exporters.write(out, text)
        report = {"path": str(out), "format": fmt, "rows": rows, "position": position, "version": data["version"]}
        if as_json:
            print_json(report)
        else:
            console.print(f"wrote {rows} candidates ({fmt}) to {out}", highlight=False)


def _to_stdout(out: str, text: str) -> bool:
    """`--out -`: the document on standard output, and nothing else there."""
    if out != "-":
        return False
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return True
