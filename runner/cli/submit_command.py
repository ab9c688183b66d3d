"""`codec-ledger submit`: one hand-written candidate through the whole cycle, narrated."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from ledger.store import parse_url, resolve_url
from runner.cli.formatting import metrics_line
from runner.cli.options import (
    FpsOption,
    FramesOption,
    JsonOption,
    LedgerOption,
    LineageOption,
    MaxSizeOption,
    SubmitInputOption,
)
from runner.cli.support import (
    errors,
    narrator,
    open_ledger,
    print_json,
    read_candidate,
)
from runner.evaluation.evaluator import test_candidate
from runner.evolution.lineage_setup import PolicyOptions, open_lineage
from runner.sandbox.pipeline import Sandbox
from runner.sandbox.validation import validate


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
                say(f"📊 Version 0 (seed): {metrics_line(state.versions[0]['metrics'])}")
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
            say(f"📊 Metrics: {metrics_line(metrics)}")

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
