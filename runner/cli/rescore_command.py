"""`codec-ledger rescore`: which evaluator scored each version, and measuring a version again under today's."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from projections.scoring import scoring
from runner.cli.formatting import fmt
from runner.cli.options import JsonOption, LedgerOption, LineageOption
from runner.cli.support import console, errors, narrator, open_ledger, print_json


def rescore(
    version: Optional[str] = typer.Argument(
        None, metavar="VERSION",
        help="A version number or 'best' to measure again; without one, list which evaluator scored each."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Reproduce a version's recorded test and test it again under the current evaluator (a new event)."""
    from runner.evaluation.provenance import evaluator_hash
    from runner.evolution.lineage_setup import lineage_suite
    from runner.evolution.rescore import rescore as rescore_version

    say = narrator(quiet=as_json)
    with errors(json_errors=as_json), open_ledger(ledger) as session:
        app = session.app
        current = evaluator_hash()
        if version is None:
            rows = scoring(session.view, lineage, current)
            if as_json:
                print_json({"evaluator": current, "versions": rows})
                return
            table = Table(title=f"lineage '{lineage}': evaluators (this one is {current[:12]})")
            for name in ("version", "adopted by", "rescored by", "reproduced", "current"):
                table.add_column(name)
            for row in rows:
                reproduced = {None: "-", True: "yes", False: "NO"}[row["reproduced"]]
                table.add_row(f"v{row['version']}", (row["adopted_by"] or "(before provenance)")[:12],
                              (row["rescored_by"] or "-")[:12], reproduced,
                              "yes" if row["current"] else "no: rescore it")
            console.print(table)
            return
        number = app.resolve_version(lineage, version)
        suite = lineage_suite(app.lineage(lineage).suite)
        say(f"🔁 v{number}: running its recorded test again, then a new test under evaluator {current[:12]}...")
        reproduction, result = rescore_version(app, lineage, number, suite)
        session.refresh()
        if as_json:
            print_json({"version": number, "evaluator": current, "reproduction": reproduction, "result": result})
            return
        if reproduction["reproduced"] is None:
            say("   recorded test: nothing to compare with (recorded before nonces and frame hashes)")
        elif reproduction["reproduced"]:
            say(f"   recorded test reproduced: the same bytes on {', '.join(reproduction['checked_clips'])}")
        else:
            where = "; ".join(f"{d['clip']} frame {d['frame']}" for d in reproduction["differences"])
            say(f"💥 recorded test NOT reproduced: other bytes at {where} (not deterministic, or the material's "
                "rules changed)")
        summary = result["summary"]
        kbps, psnr = (None, None) if summary is None else (summary["kbps"], summary["psnr_y"])
        say(f"📊 under evaluator {current[:12]}: {result['verdict']['category']}, {fmt(kbps, '.1f')} kbit/s at "
            f"quality {result['quality']}, PSNR-Y {fmt(psnr)} dB (recorded beside the test it was adopted on)")
