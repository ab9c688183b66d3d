"""`codec-ledger diff` and `compare`: two versions or candidates side by side, by source and by measurement.

Each side is named as `show` names one (runner/cli/named.py). `compare` measures both at one quality
ladder on the same material (one nonce) of the lineage's real clips, in the lineage's sandbox, and
reports the BD-rate of B against A on each clip (negative: B needs fewer bits for the same PSNR-Y).
"""

from __future__ import annotations

import difflib
import sys
from typing import Optional, TypedDict

import typer

from runner.cli.formatting import figure, narrow_table
from runner.cli.named import Named, resolve
from runner.cli.options import JsonOption, LedgerOption, LineageOption
from runner.cli.support import console, errors, open_ledger, print_json

_NAMED = "a version number, 'best', or a candidate's sha256 prefix or id"
FirstArgument = typer.Argument(..., metavar="A", help=f"The first: {_NAMED}.")
SecondArgument = typer.Argument(..., metavar="B", help=f"The second: {_NAMED}.")


class ClipComparison(TypedDict):
    """One real clip: both sides' ladders (metric points) and the BD-rate of B against A."""

    a: list[dict]
    b: list[dict]
    bd_rate_pct: float | None  # None where a side did not round-trip or the curves do not overlap in PSNR-Y


def diff(
    a: str = FirstArgument,
    b: str = SecondArgument,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """The unified difference between the sources of two versions or candidates."""
    with errors(), open_ledger(ledger, create=False) as session:
        first, second = resolve(session, lineage, a), resolve(session, lineage, b)
        old, new = (session.app.source(side.sha256).splitlines(keepends=True) for side in (first, second))
    lines = difflib.unified_diff(old, new, fromfile=_title(first), tofile=_title(second))
    sys.stdout.writelines(line if line.endswith("\n") else line + "\n" for line in lines)


def compare(
    a: str = FirstArgument,
    b: str = SecondArgument,
    quality: str = typer.Option("10,30,50,70,90", "--quality", "-q", metavar="Q1,Q2,...",
                                help="The quality ladder both are measured at."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """The RD curves of two versions or candidates on the lineage's real clips, and the BD-rate between them."""
    from runner.cli.measure_commands import parse_qualities
    from runner.evaluation.bdrate import bd_rate
    from runner.evaluation.clips import Suite
    from runner.evaluation.evaluator import evaluate_ladder, rd_points, sandbox_for
    from runner.evaluation.material import draw_nonce
    from runner.evolution.lineage_setup import lineage_suite

    with errors(json_errors=as_json), open_ledger(ledger, create=False) as session:
        qualities = parse_qualities(quality)
        sides = resolve(session, lineage, a), resolve(session, lineage, b)
        state = session.app.lineage(lineage)
        suite = lineage_suite(state.suite)
        real = Suite(suite.name, suite.real_clips())
        nonce = draw_nonce()  # the same material for both
        with sandbox_for(state.policy_object) as sandbox, console.status("measuring both ladders...") as status:
            reports = []
            for side in sides:
                status.update(f"measuring {_title(side)} at qualities {quality}...")
                reports.append(evaluate_ladder(session.app.source(side.sha256), real, qualities, runner=sandbox,
                                               nonce=nonce))
        clips: dict[str, ClipComparison] = {}
        for name in reports[0]["clips"]:
            ladders = [report["clips"][name]["points"] for report in reports]
            ran = all(point["success"] for ladder in ladders for point in ladder)
            bd = bd_rate(rd_points(ladders[0]), rd_points(ladders[1])) if ran else None
            clips[name] = ClipComparison(a=ladders[0], b=ladders[1], bd_rate_pct=None if bd is None else round(bd, 2))
        verdicts = [report["verdict"] for report in reports]
        document = {"lineage": lineage, "a": _side(sides[0]), "b": _side(sides[1]), "qualities": qualities,
                    "nonce": nonce, "verdicts": {"a": verdicts[0], "b": verdicts[1]}, "clips": clips}
        if as_json:
            print_json(document)
        else:
            _print_comparison(sides, clips, verdicts)
    if any(verdict["category"] != "ok" for verdict in verdicts):
        raise typer.Exit(1)  # a side that did not run is a failed comparison, whatever was printed


def _title(side: Named) -> str:
    return f"{side.label} ({side.sha256[:12]})" if side.version is not None else side.label


def _side(side: Named) -> dict:
    return {"version": side.version, "sha256": side.sha256, "candidate_id": side.candidate_id,
            "outcome": side.outcome}


def _print_comparison(sides: tuple[Named, Named], clips: dict[str, ClipComparison], verdicts: list[dict]) -> None:
    a, b = (_title(side) for side in sides)
    console.print(f"A = {a}, B = {b}", highlight=False)
    for label, verdict in zip("AB", verdicts, strict=True):
        if verdict["category"] != "ok":
            console.print(f"{label} did not round-trip: {verdict['category']}: {verdict.get('message')}",
                          markup=False, highlight=False)
    ran = all(verdict["category"] == "ok" for verdict in verdicts)
    for name, clip in clips.items():
        bd = clip["bd_rate_pct"]
        if bd is not None:
            bd_text = f"{figure('bd_rate_pct', bd)}%"
        else:
            why = "the curves do not overlap in PSNR-Y" if ran else "a side did not round-trip"
            bd_text = f"n/a ({why})"
        table = narrow_table("quality", "A kbit/s", "A PSNR-Y", "B kbit/s", "B PSNR-Y",
                             title=f"{name}: BD-rate of B against A {bd_text}")
        for first, second in zip(clip["a"], clip["b"], strict=True):
            table.add_row(str(first["quality"]), *_figures(first), *_figures(second))
        console.print(table)
    console.print("BD-rate: the average difference in bits B needs for A's PSNR-Y (negative: B needs fewer).",
                  highlight=False)


def _figures(point: dict) -> tuple[str, str]:
    if not point["success"]:
        return point["verdict"]["category"], "-"
    return figure("kbps", point["kbps"]), figure("psnr_y", point["psnr_y"])
