"""`codec-ledger report`: the lineage's evolution as one self-contained HTML page.

The page is built from the read models (projections.report renders it) plus the rate-distortion
curves of the best version, measured when the page is made (runner.evaluation.reference_cache).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Optional

import typer

from domain.outcome import OUTCOMES
from projections.report.curves import RdCurves
from projections.report.page import render
from projections.report.query import gather
from projections.session import Session
from projections.state import status as status_state
from projections.state import version_position
from runner.cli.measure_commands import parse_qualities
from runner.cli.options import JsonOption, LedgerOption, LineageOption
from runner.cli.support import Say, UsageError, errors, first_line, narrator, open_ledger, print_json
from runner.evaluation.reference_cache import REPORT_QUALITIES, rd_curves
from runner.evolution.validation import validation_rows


def build_report(session: Session, lineage: str, to: int | None = None,
                 qualities: tuple[int, ...] = REPORT_QUALITIES, *, measure: bool = True,
                 say: Say = lambda text: None) -> tuple[str, dict]:
    """The page's HTML and a summary of what it shows (the --json document)."""
    from ledger.errors import SuiteMismatch
    from runner.evaluation.clips import InputError
    from runner.evolution.lineage_setup import lineage_suite

    view = session.view
    status_state(view, lineage)  # a clear error for an unknown lineage
    position = None if to is None else version_position(view, lineage, to)
    data = gather(view, lineage, position, source_of=session.app.source)
    version = data["version"]
    data["validation"] = validation_rows(session.app, lineage, upto=version)
    rd: RdCurves | None = None
    if measure and version is not None:
        try:
            suite = lineage_suite(data["suite"])
            real = suite.real_clips() or suite.clips
            say(f"📈 Measuring v{version} at qualities {', '.join(map(str, qualities))} and the reference codecs "
                f"on {len(real)} real clip{'s' if len(real) != 1 else ''}...")
            rd = rd_curves(data["best"]["source"], version, suite, qualities)
        except (SuiteMismatch, InputError, OSError) as exc:
            rd = {"error": first_line(exc)}
            say(f"⚠️  Rate-distortion curves not measured: {rd['error']}")
    generated = datetime.now(UTC).isoformat()
    text = render(data, rd, to=to, generated_at=generated)
    summary = (data.get("metrics") or {}).get("summary") or {}
    info = {
        "lineage": lineage,
        "version": version,
        "to": to,
        "position": position,
        "candidates": data["candidates"],
        **{name: data[name] for name in OUTCOMES},
        "adoption_rate": data["adoption_rate"],
        "kbps": summary.get("kbps"),
        "psnr_y": summary.get("psnr_y"),
        "ratio": summary.get("ratio"),
        "cost_usd": data["cost"]["cost_usd"],
        "rd": None if rd is None else {
            "error": rd.get("error"),
            "qualities": rd.get("qualities"),
            "bd_rate": {c["name"]: c["bd_rate"] for c in rd.get("clips") or []},
        },
        "validation": data["validation"],
        "generated_at": generated,
    }
    return text, info


def _parse_qualities(text: str) -> tuple[int, ...]:
    """At least two distinct qualities: a curve, for the RD plots."""
    values = tuple(sorted(set(parse_qualities(text))))
    if len(values) < 2:
        raise UsageError(f"--quality: give at least two values in 0..100, got {text!r}")
    return values


def report(
    out: Path = typer.Option(Path("report.html"), "--out", "-o", metavar="PATH", help="The HTML file to write."),
    to: Optional[int] = typer.Option(None, "--to", metavar="VERSION",
        help="Show the ledger as it stood when this version was adopted."),
    quality: str = typer.Option(",".join(map(str, REPORT_QUALITIES)), "--quality", "-q", metavar="Q,Q,...",
                                help="The best version's quality ladder for the RD curves."),
    no_rd: bool = typer.Option(False, "--no-rd",
                               help="Skip measuring the RD curves (the rest comes from the ledger alone)."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Write a self-contained HTML report: timeline, candidates, RD curves against JPEG/WebP/x264, costs, versions."""
    from projections import export as exporters

    say = narrator(quiet=as_json)
    with errors():
        qualities = _parse_qualities(quality)
        with open_ledger(ledger) as session:
            text, info = build_report(session, lineage, to, qualities, measure=not no_rd, say=say)
        exporters.write(str(out), text)
        info["path"] = str(out)
        info["bytes"] = len(text.encode("utf-8"))
        if as_json:
            print_json(info)
            return
        bd = (info["rd"] or {}).get("bd_rate") or {}
        parts = [f"{clip}: " + ", ".join(f"{c} {v:+.1f}%" if v is not None else f"{c} n/a" for c, v in rates.items())
                 for clip, rates in bd.items()]
        say(f"📄 Wrote {out} ({info['bytes'] // 1024} KiB): v{info['version']}, {info['candidates']} candidates"
            + (f"; BD-rate of v{info['version']} against {'; '.join(parts)}" if parts else ""))
