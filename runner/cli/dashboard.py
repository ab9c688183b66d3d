"""`codec-ledger status`: the lineage's dashboard (the best against the reference codecs, adoption, events, cost)."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from domain.candidate import ADOPTED
from domain.outcome import OUTCOMES
from domain.policy import BD_RATE
from ledger.errors import SuiteMismatch
from projections.lineage_events import RecentEvent, recent_events
from projections.report.style import REFERENCE_LABELS
from projections.state import status as status_state
from runner.cli.formatting import figure, fmt, narrow_table, rate_text
from runner.cli.options import (
    JsonOption,
    LedgerOption,
    LineageOption,
)
from runner.cli.support import (
    console,
    errors,
    first_line,
    open_ledger,
    print_json,
)
from runner.evaluation.reference_cache import ReferenceRate, reference_comparison
from runner.evolution.lineage_setup import lineage_suite
from runner.evolution.validation import ValidationRow, validation_rows


def status(
    references: bool = typer.Option(
        True, "--references/--no-references",
        help="Compare the best with JPEG, WebP and x264 on the suite's real clips "
             "(measured once per clip, then cached).",
    ),
    events_shown: int = typer.Option(8, "--events", min=0, metavar="N", help="How many of the last events to show."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """A dashboard of the lineage: the best version against the reference codecs, adoption rate, last events, cost."""
    with errors(json_errors=as_json), open_ledger(ledger) as session:
        data = status_state(session.view, lineage)
        data["validation"] = validation_rows(session.app, lineage)  # run --validate's clips (H1)
        if as_json:
            print_json(data)
            return
        recent = recent_events(session.view, lineage, events_shown) if events_shown else []
        comparison, note = _reference_comparison(data) if references else (None, "not compared (--no-references)")
        _print_dashboard(lineage, data, recent, comparison, note)


def _reference_comparison(data: dict) -> tuple[list[ReferenceRate] | None, str | None]:
    """What JPEG, WebP and x264 need on the same real clips for the PSNR-Y the best reached."""
    from runner.evaluation.clips import InputError

    summary = (data["metrics"] or {}).get("summary") or {}
    if not summary.get("success") or summary.get("psnr_y") is None:
        return None, "the best has no measured PSNR-Y to compare at"
    try:
        suite = lineage_suite(data["suite"])
        with console.status("measuring the reference codecs on the suite's real clips (once; cached after)..."):
            return reference_comparison(summary, suite), None
    except (SuiteMismatch, InputError, OSError) as exc:
        return None, f"reference codecs not measured: {first_line(exc)}"


_EVENT_STYLES = {
    "CandidateAdopted": "bold green", "CandidateDeclined": "grey62", "CandidateRejected": "red",
    "RolledBack": "bold dark_orange", "LineageStarted": "cyan", "AnalysisRecorded": "blue", "CandidateProposed": "",
}


def _bar(part: int, whole: int, width: int = 10) -> str:
    filled = 0 if not whole else round(width * part / whole)
    return "█" * filled + "░" * (width - filled)


def _print_dashboard(lineage: str, data: dict, recent: list[RecentEvent], comparison: list[ReferenceRate] | None,
                     note: str | None) -> None:
    from rich.console import Group
    from rich.markup import escape
    from rich.panel import Panel
    from rich.text import Text

    metrics = data["metrics"] or {}
    summary = metrics.get("summary") or {}
    best = data["best"] or {}
    version = data["version"]
    policy = data["policy"] or {}
    suite = data["suite"] or {}

    head = Text()
    head.append(f"v{version}", style="bold green")
    head.append(" is the best", style="bold")
    if best.get("cause") == "rolled_back":
        head.append(f"  (again, after a rollback at position {best.get('since_position')}: {best.get('cause_reason')})",
                    style="dark_orange")
    else:
        adopted_at = str(best.get("since") or "")[:19].replace("T", " ")
        head.append(f"  (adopted at position {best.get('since_position')}, {adopted_at}"
                    f", rule {best.get('rule')})")
    figures = Text(
        f"{rate_text(summary)} · PSNR-Y {figure('psnr_y', summary.get('psnr_y'))} dB · "
        f"SSIM-Y {figure('ssim_y', summary.get('ssim_y'))} · ratio {figure('ratio', summary.get('ratio'))} · "
        f"{figure('bpp', summary.get('bpp'))} bpp · quality {metrics.get('quality')}"
    )
    where = Text(
        f"suite {suite.get('name')} ({str(suite.get('hash'))[:12]}) · sha256 {str(data['sha256'])[:16]} · "
        f"policy: PSNR-Y ≥ {policy.get('target_psnr_y')} dB, bitrate < {policy.get('bitrate_factor')}x "
        f"or ratio > {policy.get('ratio_factor')}x the incumbent's" if policy.get("name") != BD_RATE else
        f"policy {BD_RATE}: {policy.get('description')}", style="grey62",
    )
    console.print(Panel(Group(head, figures, where), title=f"codec-ledger · lineage '{lineage}'", title_align="left",
                        border_style="green"))

    psnr = summary.get("psnr_y")
    console.print(Text(f"v{version} against the reference codecs at its PSNR-Y ({fmt(psnr)} dB, real clips)",
                       style="bold"))
    refs = Table()
    refs.add_column("codec")
    refs.add_column("kbit/s at that PSNR-Y", justify="right")
    refs.add_column(f"v{version} needs", justify="right")
    refs.add_row(f"v{version} (quality {metrics.get('quality')})", fmt(summary.get("kbps"), ".1f"), "", style="green")
    for row in comparison or []:
        diff = row["difference_pct"]
        if diff is None:
            span = row.get("psnr_range")
            verdict = "n/a" + (f" (its ladder spans {span[0]:.2f}-{span[1]:.2f} dB)" if span else "")
        else:
            verdict = f"[green]{-diff:.1f}% fewer bits[/]" if diff < 0 else f"[red]{diff:.1f}% more bits[/]"
        refs.add_row(REFERENCE_LABELS.get(row["codec"], row["codec"]), fmt(row["kbps"], ".1f"), verdict)
    if comparison is None:
        refs.add_row("references", "-", note or "-")
    console.print(refs)
    _print_validation(data["validation"])

    rate = data["adoption_rate"]
    seen = [kind for kind in OUTCOMES if kind == ADOPTED or data[kind]]  # the outcomes this lineage has had
    console.print(Text(
        f"adoption rate {'-' if rate is None else f'{100 * rate:.0f}%'}: {data['adopted']} adopted of "
        f"{data['decided']} decided ({data['candidates']} candidates"
        + "".join(f", {data[kind]} {kind}" for kind in seen if kind != ADOPTED) + ")", style="bold",
    ))
    headers = ("candidates", *seen, "rate")
    planners = data["per_planner"]
    # The counts keep their full width; the bar beside them is dropped where the table would not fit.
    width = max([len(p) for p in planners] + [7]) + sum(len(h) for h in headers) + len(headers)
    with_bar = width + 11 <= console.width
    adoption = narrow_table("planner", *headers, *([""] if with_bar else []), text_columns=("planner",))
    for planner, counts in planners.items():
        r = counts["rate"]
        bar = [f"[green]{_bar(counts['adopted'], counts['decided'])}[/]"] if with_bar else []
        adoption.add_row(Text(planner), str(counts["candidates"]), *(str(counts[kind]) for kind in seen),
                         "-" if r is None else f"{100 * r:.0f}%", *bar)
    console.print(adoption)

    if recent:
        console.print(Text(f"last {len(recent)} events", style="bold"))
        log = Table()
        log.add_column("pos", justify="right")
        log.add_column("time")
        log.add_column("event")
        log.add_column("details", overflow="fold")
        for e in recent:
            log.add_row(str(e["position"]), str(e["time"] or "")[5:19].replace("T", " "),
                        Text(e["type"], style=_EVENT_STYLES.get(e["type"], "")), Text(_clip(e["details"], 160)))
        console.print(log)

    cost = data["cost"]
    line = (f"[bold]cost so far[/]: ${cost['cost_usd']:.4f} · {cost['tokens_in']} tokens in, {cost['tokens_out']} out "
            f"· {cost['analyses']} analyses")
    per = [f"{escape(p)} ${c['cost_usd']:.4f}" for p, c in cost["per_planner"].items()]
    console.print(line + (f" ({', '.join(per)})" if per else ""), highlight=False)
    for planner, value in data["value"].items():
        if value["cost_usd"] > 0:
            console.print(f"{escape(planner)}: {value['adopted']} versions adopted, "
                          f"{_dollars(value['usd_per_adoption'])} per version, "
                          f"{_dollars(value['usd_per_percent_saved'])} per percent of bitrate saved", highlight=False)


def _dollars(amount: float | None) -> str:
    return "-" if amount is None else f"${amount:.4f}"


def _print_validation(rows: list[ValidationRow]) -> None:
    """Each adopted version on the run --validate clips (never used to decide): BD-rate against JPEG per clip."""
    from rich.text import Text

    if not rows:
        return
    names = sorted({name for row in rows for name in row["bd_rate_vs_jpeg_pct"]})
    console.print(Text("validation clips (never used to decide): BD-rate against JPEG, PSNR-Y", style="bold"))
    table = Table()
    table.add_column("version")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("mean", justify="right")
    for row in rows:
        rates = row["bd_rate_vs_jpeg_pct"]
        table.add_row(f"v{row['version']}" + ("" if row["verdict"] == "ok" else f" ({row['verdict']})"),
                      *(fmt(rates.get(name), "+.1f") for name in names), fmt(row["mean_pct"], "+.1f"))
    console.print(table)


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
