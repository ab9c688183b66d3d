"""`codec-ledger submit`: one hand-written candidate through the whole cycle, narrated."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from domain.candidate import ADOPTED
from domain.policy import (
    DEFAULT_BITRATE_FACTOR,
    DEFAULT_RATIO_FACTOR,
    DEFAULT_RUN_SECONDS,
    DEFAULT_TARGET_PSNR_Y,
    DEFAULT_TEST_SECONDS,
)
from ledger.store import parse_url, resolve_url
from runner.cli.formatting import metrics_line
from runner.cli.input_notes import announce_inputs
from runner.cli.options import (
    FpsOption,
    FramesOption,
    JsonOption,
    LedgerOption,
    LineageOption,
    MaxSizeOption,
    PolicyOption,
    SubmitInputOption,
)
from runner.cli.support import (
    EXIT_NOT_ADOPTED,
    Narrator,
    err_console,
    errors,
    narrator,
    open_ledger,
    print_json,
    read_candidate,
)
from runner.evaluation.evaluator import adoption_test, remeasure_incumbent, sandbox_for
from runner.evolution.lifecycle import submit as submit_candidate
from runner.evolution.lineage_setup import PolicyOptions, open_lineage
from runner.sandbox.validation import validate


def submit(
    candidate: Path = typer.Argument(..., metavar="CANDIDATE", help="The candidate codec module (.py)."),
    rationale: str = typer.Option("", "--rationale", metavar="TEXT", help="Why this candidate should be better."),
    inputs: Optional[list[str]] = SubmitInputOption,
    frames: Optional[int] = FramesOption,
    max_size: Optional[str] = MaxSizeOption,
    fps: Optional[float] = FpsOption,
    planner: str = typer.Option("human", "--planner", metavar="NAME", help="Who wrote the candidate."),
    target_psnr: Optional[float] = typer.Option(
        None, "--target-psnr", metavar="DB",
        help=f"Policy for a new lineage: PSNR-Y target in dB ({DEFAULT_TARGET_PSNR_Y:g})."),
    bitrate_factor: Optional[float] = typer.Option(
        None, "--bitrate-factor", metavar="X",
        help=f"Policy for a new lineage: adopt below this x bitrate ({DEFAULT_BITRATE_FACTOR:g})."),
    policy_name: Optional[str] = PolicyOption,
    ratio_factor: Optional[float] = typer.Option(
        None, "--ratio-factor", metavar="X",
        help=f"Policy for a new lineage: or above this x ratio ({DEFAULT_RATIO_FACTOR:g})."),
    test_seconds: Optional[float] = typer.Option(
        None, "--test-seconds", metavar="SECONDS",
        help=f"Policy for a new lineage: wall-clock budget of one adoption test ({DEFAULT_TEST_SECONDS:g} s)."),
    run_seconds: Optional[float] = typer.Option(
        None, "--run-seconds", metavar="SECONDS",
        help=f"Policy for a new lineage: wall-clock budget of one run of a clip ({DEFAULT_RUN_SECONDS:g} s)."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Validate, test, decide and record one hand-written candidate (the seed's evolve_with_llm_code).

    Exit code 0 when it is adopted (or is the source of an adopted version already), 3 when it is recorded but
    not adopted (rejected by validation, declined, or a duplicate of such a candidate), 1 when it could not be
    submitted."""
    say = narrator(quiet=as_json)
    with errors(json_errors=as_json):
        store = parse_url(resolve_url(ledger))
        store.check_reachable()
        source = read_candidate(candidate)
        announce_inputs(list(inputs or []), max_size, fps, narrator(to=err_console))
        options = PolicyOptions(target_psnr, bitrate_factor, ratio_factor, test_seconds, run_seconds, policy_name)
        with open_ledger(ledger, create=True) as session:
            app = session.app
            state, suite, started = open_lineage(app, lineage, list(inputs or []), frames, max_size, fps, options,
                                                 say)
            if started:
                say(f"📊 Version 0 (seed): {metrics_line(state.versions[0]['metrics'])}")
            policy = state.policy_object
            with sandbox_for(policy) as sandbox:
                outcome = submit_candidate(
                    app,
                    lineage,
                    source,
                    validate=validate,
                    test=lambda src: adoption_test(src, suite, policy, sandbox=sandbox),
                    remeasure=lambda src, nonce: remeasure_incumbent(src, suite, policy, nonce),
                    rationale=rationale,
                    planner=planner,
                    narration=Narrator(say, file_name=candidate.name,
                                       complain=narrator(quiet=as_json, to=err_console)),
                )
            session.refresh()
            if as_json:
                started_with = {"version": 0, "metrics": state.versions[0]["metrics"]} if started else None
                print_json(outcome.to_dict() | {"lineage_started": started_with})
    if not (outcome.status == ADOPTED or (outcome.duplicate and outcome.version is not None)):
        raise typer.Exit(EXIT_NOT_ADOPTED)
