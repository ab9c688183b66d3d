"""The ledger's commands for `codec-ledger`: submit, status, history, why, show, rollback, replay, export, events.

A thin typer layer: it parses options, opens the ledger (application + read models), hands
the sandbox and evaluator to the application as functions, and prints. Every command takes
--json, --ledger and --lineage; every failure is one line on stderr and exit code 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from ledger.errors import SuiteMismatch
from ledger.store import parse_url, resolve_url
from projections import export as exporters
from projections.history import history as history_rows
from projections.projection import build_as_of
from projections.session import Session
from projections.state import full, replay as replay_state, status as status_state, version_position
from runner.cli_options import (
    FpsOption, FramesOption, JsonOption, LedgerOption, MaxSizeOption, LineageOption, SubmitInputOption,
)
from runner.cli_support import (
    CommandError, console, errors, first_line, narrator, open_ledger, print_json, read_candidate,
)
from runner.evaluator import test_candidate
from runner.lineage_setup import PolicyOptions, lineage_suite, open_lineage
from runner.sandbox import Sandbox
from runner.validation import validate


def _fmt(value: Any, spec: str = ".2f", none: str = "-") -> str:
    return none if value is None else format(value, spec)


def _metrics_line(metrics: dict | None) -> str:
    summary = (metrics or {}).get("summary") or {}
    if not summary:
        return "no metrics"
    return (
        f"{_fmt(summary.get('kbps'), '.1f')} kbit/s ({_fmt(summary.get('mbps_30fps'), '.3f')} Mbit/s at 30 fps), "
        f"ratio {_fmt(summary.get('ratio'))}, PSNR-Y {_fmt(summary.get('psnr_y'))} dB, "
        f"SSIM-Y {_fmt(summary.get('ssim_y'), '.4f')} at quality {metrics.get('quality')}"
    )


# ---------------------------------------------------------------------------------------- submit


def submit(
    candidate: Path = typer.Argument(..., help="The candidate codec module (.py)."),
    rationale: str = typer.Option("", "--rationale", help="Why this candidate should be better."),
    inputs: Optional[list[str]] = SubmitInputOption,
    frames: Optional[int] = FramesOption,
    max_size: Optional[str] = MaxSizeOption,
    fps: Optional[float] = FpsOption,
    planner: str = typer.Option("human", "--planner", help="Who wrote the candidate."),
    target_psnr: Optional[float] = typer.Option(None, "--target-psnr", help="Policy for a new lineage: PSNR-Y target in dB (35)."),
    bitrate_factor: Optional[float] = typer.Option(None, "--bitrate-factor", help="Policy for a new lineage: adopt below this x bitrate (0.9)."),
    ratio_factor: Optional[float] = typer.Option(None, "--ratio-factor", help="Policy for a new lineage: or above this x ratio (1.2)."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Validate, test, decide and record one hand-written candidate (the seed's evolve_with_llm_code)."""
    say = narrator(quiet=as_json)
    with errors():
        store = parse_url(resolve_url(ledger))
        store.check_reachable()
        source = read_candidate(candidate)
        options = PolicyOptions(target_psnr, bitrate_factor, ratio_factor)
        with open_ledger(ledger, create=True) as session, Sandbox() as sandbox:
            app = session.app
            state, suite, started = open_lineage(app, lineage, list(inputs or []), frames, max_size, fps, options,
                                                 say, sandbox)
            if started:
                say(f"📊 Version 0 (seed): {_metrics_line(state.versions[0]['metrics'])}")
            target = state.policy_object.target_psnr_y
            outcome = app.submit(
                lineage,
                source,
                validate=validate,
                test=lambda src: test_candidate(src, suite, target_psnr_y=target, sandbox=sandbox),
                rationale=rationale,
                planner=planner,
                progress=_progress(say, candidate.name, app.lineage(lineage).head),
            )
            session.refresh()
            result = outcome.to_dict()
            result["lineage_started"] = {"version": 0, "metrics": state.versions[0]["metrics"]} if started else None
            if as_json:
                print_json(result)
            else:
                _print_outcome(say, outcome)


def _progress(say, name: str, incumbent: int | None):
    def progress(stage: str, details: dict) -> None:
        if stage == "evaluating":
            say(f"🧬 Evaluating {name} (sha256 {details['sha256'][:12]}) against version {incumbent}...")
        elif stage == "reused":
            say(f"🧬 {name}: this source was tested before (candidate {details['candidate_id'][:8]}); reusing its result")
        elif stage == "tested":
            metrics = details["metrics"] or {}
            verdict = metrics.get("verdict") or {}
            if verdict.get("category") != "ok":
                where = f" at frame {verdict['frame']}" if verdict.get("frame") is not None else ""
                say(f"💥 Test {verdict.get('category')}{where}: {verdict.get('message')}")
            say(f"📊 Metrics: {_metrics_line(metrics)}")

    return progress


def _print_outcome(say, outcome: Any) -> None:
    if outcome.status == "rejected":
        say(f"🚫 Rejected by validation: {'; '.join(outcome.reasons)}")
        say("❌ Not adopted")
    elif outcome.status == "duplicate":
        say(f"♻️  Duplicate, not tested again: {outcome.reason}")
        earlier = outcome.duplicate_of or {}
        if earlier.get("reason") and earlier.get("reason") not in outcome.reason:
            say(f"   {earlier['reason']}")
    elif outcome.status == "adopted":
        if outcome.improvement is not None and outcome.improvement > 0:
            say(f"🎯 Better by {100 * outcome.improvement:.1f}% than version {outcome.incumbent_version} (rule: {outcome.rule})")
        else:
            say(f"🎯 Better than version {outcome.incumbent_version} (rule: {outcome.rule})")
        say(f"💾 Saved version {outcome.version}")
        say(f"🎉 Adopted as the new best: {_strip(outcome.reason, 'adopted: ')}")
    else:
        say(f"❌ Not adopted: {_strip(outcome.reason, 'declined: ')}")


def _strip(text: str, prefix: str) -> str:
    return text[len(prefix):] if text.startswith(prefix) else text


# ---------------------------------------------------------------------------------------- reads


def status(
    references: bool = typer.Option(
        True, "--references/--no-references",
        help="Compare the best with JPEG, WebP and x264 on the suite's real clips (measured once per clip, then cached).",
    ),
    events_shown: int = typer.Option(8, "--events", min=0, help="How many of the last events to show."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """A dashboard of the lineage: the best version against the reference codecs, adoption rate, last events, cost."""
    with errors(), open_ledger(ledger) as session:
        data = status_state(session.view, lineage)
        if as_json:
            print_json(data)
            return
        recent = _recent_events(session.view, lineage, events_shown) if events_shown else []
        comparison, note = _reference_comparison(data) if references else (None, "not compared (--no-references)")
        _print_dashboard(lineage, data, recent, comparison, note)


def _reference_comparison(data: dict) -> tuple[list[dict] | None, str | None]:
    """What JPEG, WebP and x264 need on the same real clips for the PSNR-Y the best reached."""
    from runner.clips import InputError
    from runner.report_command import reference_comparison

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


def _recent_events(view: Any, lineage: str, limit: int) -> list[dict]:
    """The lineage's last events as the read models record them (position, time, type, what it said)."""
    found = []
    for r in view.fetch(
        "SELECT position, proposed_at, planner, candidate_id, parent_version FROM {p}cl_candidates "
        "WHERE lineage = ? ORDER BY position DESC LIMIT ?", (lineage, limit),
    ):
        found.append((r["position"], r["proposed_at"], "CandidateProposed",
                      f"{r['candidate_id'][:8]} by {r['planner']}, parent v{r['parent_version']}"))
    for r in view.fetch(
        "SELECT decided_position, decided_at, decision, version, candidate_id, reason FROM {p}cl_candidates "
        "WHERE lineage = ? AND decided_position IS NOT NULL ORDER BY decided_position DESC LIMIT ?", (lineage, limit),
    ):
        kind = {"adopted": "CandidateAdopted", "declined": "CandidateDeclined"}.get(r["decision"], "CandidateRejected")
        head = f"v{r['version']} ← " if r["decision"] == "adopted" else ""
        found.append((r["decided_position"], r["decided_at"], kind, f"{head}{r['candidate_id'][:8]}: {r['reason']}"))
    for r in view.fetch(
        "SELECT position, at, version, reason FROM {p}cl_best WHERE lineage = ? AND cause = 'rolled_back' "
        "ORDER BY position DESC LIMIT ?", (lineage, limit),
    ):
        found.append((r["position"], r["at"], "RolledBack", f"to v{r['version']}: {r['reason']}"))
    for r in view.fetch(
        "SELECT position, recorded_at, planner, model, tokens_in, tokens_out, cost_usd FROM {p}cl_analyses "
        "WHERE lineage = ? ORDER BY position DESC LIMIT ?", (lineage, limit),
    ):
        model = f" ({r['model']})" if r["model"] else ""
        found.append((r["position"], r["recorded_at"], "AnalysisRecorded",
                      f"{r['planner']}{model}: {r['tokens_in']}+{r['tokens_out']} tokens, ${r['cost_usd'] or 0:.4f}"))
    started = view.row("cl_lineages", (lineage,))
    if started is not None:
        found.append((started["position"], started["started_at"], "LineageStarted", f"suite {json.loads(started['suite']).get('name')}"))
    found.sort(key=lambda e: e[0])
    return [{"position": p, "time": t, "type": k, "details": d} for p, t, k, d in found[-limit:]]


def _bar(part: int, whole: int, width: int = 10) -> str:
    filled = 0 if not whole else round(width * part / whole)
    return "█" * filled + "░" * (width - filled)


def _print_dashboard(lineage: str, data: dict, recent: list[dict], comparison: list[dict] | None, note: str | None) -> None:
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
        head.append(f"  (again, after a rollback at position {best.get('since_position')}: {best.get('cause_reason')})", style="dark_orange")
    else:
        head.append(f"  (adopted at position {best.get('since_position')}, {str(best.get('since') or '')[:19].replace('T', ' ')}"
                    f", rule {best.get('rule')})")
    figures = Text(
        f"{_fmt(summary.get('kbps'), '.1f')} kbit/s ({_fmt(summary.get('mbps_30fps'), '.3f')} Mbit/s at 30 fps) · "
        f"PSNR-Y {_fmt(summary.get('psnr_y'))} dB · SSIM-Y {_fmt(summary.get('ssim_y'), '.4f')} · "
        f"ratio {_fmt(summary.get('ratio'))} · {_fmt(summary.get('bpp'), '.3f')} bpp · quality {metrics.get('quality')}"
    )
    where = Text(
        f"suite {suite.get('name')} ({str(suite.get('hash'))[:12]}) · sha256 {str(data['sha256'])[:16]} · "
        f"policy: PSNR-Y ≥ {policy.get('target_psnr_y')} dB, bitrate < {policy.get('bitrate_factor')}x "
        f"or ratio > {policy.get('ratio_factor')}x the incumbent's", style="grey62",
    )
    console.print(Panel(Group(head, figures, where), title=f"codec-ledger · lineage '{lineage}'", title_align="left",
                        border_style="green"))

    psnr = summary.get("psnr_y")
    console.print(Text(f"v{version} against the reference codecs at its PSNR-Y ({_fmt(psnr)} dB, real clips)", style="bold"))
    refs = Table()
    refs.add_column("codec")
    refs.add_column("kbit/s at that PSNR-Y", justify="right")
    refs.add_column(f"v{version} needs", justify="right")
    refs.add_row(f"v{version} (quality {metrics.get('quality')})", _fmt(summary.get("kbps"), ".1f"), "", style="green")
    for row in comparison or []:
        diff = row["difference_pct"]
        if diff is None:
            span = row.get("psnr_range")
            verdict = "n/a" + (f" (its ladder spans {span[0]:.2f}-{span[1]:.2f} dB)" if span else "")
        else:
            verdict = f"[green]{-diff:.1f}% fewer bits[/]" if diff < 0 else f"[red]{diff:.1f}% more bits[/]"
        refs.add_row({"jpeg": "JPEG", "webp": "WebP"}.get(row["codec"], row["codec"]), _fmt(row["kbps"], ".1f"), verdict)
    if comparison is None:
        refs.add_row("references", "-", note or "-")
    console.print(refs)

    rate = data["adoption_rate"]
    console.print(Text(
        f"adoption rate {'-' if rate is None else f'{100 * rate:.0f}%'}: {data['adopted']} adopted of "
        f"{data['decided']} decided ({data['candidates']} candidates, {data['declined']} declined, "
        f"{data['rejected']} rejected)", style="bold",
    ))
    adoption = Table()
    for name, justify in (("planner", "left"), ("candidates", "right"), ("adopted", "right"), ("declined", "right"),
                          ("rejected", "right"), ("rate", "right"), ("", "left")):
        adoption.add_column(name, justify=justify)
    for planner, counts in data["per_planner"].items():
        r = counts["rate"]
        adoption.add_row(Text(planner), str(counts["candidates"]), str(counts["adopted"]), str(counts["declined"]),
                         str(counts["rejected"]), "-" if r is None else f"{100 * r:.0f}%",
                         f"[green]{_bar(counts['adopted'], counts['decided'])}[/]")
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


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _history_table(rows: list[dict], title: str) -> Table:
    table = Table(title=title)
    for name in ("#", "time", "planner", "vs", "q", "kbit/s", "ratio", "PSNR-Y", "decision"):
        table.add_column(name, justify="left" if name in ("time", "planner", "decision") else "right")
    for r in rows:
        decision = r["decision"] + (f" v{r['version']}" if r.get("version") is not None else "")
        table.add_row(
            str(r["number"]),
            (r["time"] or "")[5:16].replace("T", " "),
            r["planner"] or "",
            "-" if r["tested_against"] is None else f"v{r['tested_against']}",
            _fmt(r["quality"], "d"),
            _fmt(r["kbps"], ".1f"),
            _fmt(r["ratio"]),
            _fmt(r["psnr_y"]),
            decision,
        )
    return table


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
            console.print(_history_table(rows, f"lineage '{lineage}': {len(rows)} candidates"))


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
            say(f"  analysis ({a['planner']}, {a['model']}, {a['tokens_in']}+{a['tokens_out']} tokens, ${a['cost_usd']:.4f}): {a['text'][:500]}")
        say(f"  candidate {data['candidate_id']} by {data['planner']}, sha256 {data['candidate_sha256']}")
        if data["rationale"]:
            say(f"  rationale: {data['rationale']}")
        say(f"  metrics:   {_metrics_line(data['candidate_metrics'])}")
        if data["incumbent_version"] is not None:
            say(f"  against version {data['incumbent_version']}: {_metrics_line(data['incumbent_metrics'])}")
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


def rollback(
    version: int = typer.Argument(..., help="The version to make the best again."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the ledger)."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Make a recorded version the best again; later versions stay in the history."""
    with errors(), open_ledger(ledger, create=False) as session:
        if not reason.strip():
            raise CommandError("--reason must say why")
        outcome = session.app.rollback(lineage, version, reason)
        session.refresh()
        if as_json:
            print_json(outcome.to_dict())
        elif outcome.recorded:
            console.print(f"⏪ Rolled back: version {outcome.version} is the best again (was version {outcome.from_version})", highlight=False)
        else:
            console.print(f"version {outcome.version} already is the best; nothing recorded", highlight=False)


def replay(
    to: int = typer.Option(..., "--to", help="The version whose adoption to replay up to."),
    from_events: bool = typer.Option(False, "--from-events", help="Rebuild the read models from the events up to that point instead of reading them as of it."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Every read model as it stood when a version was adopted: the status plus the history."""
    with errors(), open_ledger(ledger) as session:
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
            f"{_fmt(metrics.get('kbps'), '.1f')} kbit/s, ratio {_fmt(metrics.get('ratio'))}, PSNR-Y {_fmt(metrics.get('psnr_y'))} dB; "
            f"{data['adopted']} of {data['decided']} decided candidates adopted",
            highlight=False,
        )
        console.print(_history_table(data["history"], f"history as of version {to}"))


def export(
    fmt: str = typer.Option(
        "json", "--format",
        help="json (status, versions, history), csv (one row per candidate) or html (the report page from the "
             "read models alone; `report` adds rate-distortion curves measured now).",
    ),
    to: Optional[int] = typer.Option(None, "--to", help="Export as of this version's adoption."),
    out: Path = typer.Option(..., "--out", help="The file to write."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Write the read models to a JSON document, the history to CSV, or the report's HTML page."""
    with errors(), open_ledger(ledger) as session:
        formats = (*exporters.FORMATS, "html")
        if fmt not in formats:
            raise CommandError(f"--format must be one of {', '.join(formats)}, not {fmt!r}")
        if fmt == "html":
            from runner.report_command import build_report

            text, info = build_report(session, lineage, to, measure=False)
            exporters.write(str(out), text)
            report = {"path": str(out), "format": fmt, "rows": info["candidates"], "position": info["position"],
                      "version": info["version"]}
            if as_json:
                print_json(report)
            else:
                console.print(f"wrote the report of v{info['version']} ({info['candidates']} candidates, html) to {out}",
                              highlight=False)
            return
        position = None if to is None else version_position(session.view, lineage, to)
        data = full(session.view, lineage, position, source_of=session.app.source)
        if fmt == "json":
            text, rows = exporters.to_json(data), len(data["history"])
        else:
            text, rows = exporters.to_csv(data["history"]), len(data["history"])
        exporters.write(str(out), text)
        report = {"path": str(out), "format": fmt, "rows": rows, "position": position, "version": data["version"]}
        if as_json:
            print_json(report)
        else:
            console.print(f"wrote {rows} candidates ({fmt}) to {out}", highlight=False)


def events(
    types: Optional[list[str]] = typer.Option(None, "--type", help="Only events of this type (repeatable), e.g. CandidateAdopted."),
    all_lineages: bool = typer.Option(False, "--all-lineages", help="The whole log, not just this lineage's events."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the last N events."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """The raw event log with positions, optionally filtered by type."""
    with errors(), open_ledger(ledger) as session:
        app = session.app
        members = None if all_lineages else _lineage_members(session, lineage)
        found = [e for e in app.stored_events(types=list(types or [])) if members is None or e["originator_id"] in members]
        if limit:
            found = found[-limit:]
        if as_json:
            print_json(found)
            return
        table = Table(title=f"{len(found)} events" + ("" if all_lineages else f" of lineage '{lineage}'"))
        for name in ("pos", "time", "type", "aggregate", "details"):
            table.add_column(name)
        for e in found:
            details = {k: v for k, v in e.items() if k not in ("position", "type", "timestamp", "originator_id", "originator_version")}
            text = ", ".join(f"{k}={_short(v)}" for k, v in details.items())
            table.add_row(str(e["position"]), e["timestamp"][:19].replace("T", " "), e["type"], f"{e['originator_id'][:8]}/{e['originator_version']}", text[:160])
        console.print(table)


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _lineage_members(session: Session, lineage: str) -> set[str]:
    """The aggregates of one lineage: itself, its candidates, their sources, its analyses."""
    from domain.ids import lineage_id, source_id

    status_state(session.view, lineage)  # a clear error for an unknown lineage
    members = {str(lineage_id(lineage))}
    for row in session.view.fetch("SELECT candidate_id, sha256 FROM {p}cl_candidates WHERE lineage = ?", (lineage,)):
        members.add(row["candidate_id"])
        members.add(str(source_id(row["sha256"])))
    for row in session.view.fetch("SELECT analysis_id FROM {p}cl_analyses WHERE lineage = ?", (lineage,)):
        members.add(row["analysis_id"])
    return members


COMMANDS = {
    "submit": submit,
    "status": status,
    "history": history,
    "why": why,
    "show": show,
    "rollback": rollback,
    "replay": replay,
    "export": export,
    "events": events,
}


def register(app: typer.Typer) -> None:
    """Add the ledger's commands to the `codec-ledger` typer app."""
    for name, function in COMMANDS.items():
        app.command(name)(function)
