"""Validation clips (`run --validate PATH`): every adopted version measured on clips that never decide.

After a run, each adopted version (the seed, a copy codec, aside) that has no measurement on these very clips
gets one: its quality ladder on every clip, with the BD-rate against OpenCV JPEG there, recorded as a
CandidateValidated event of the version's candidate. Decisions never read it; `status` and the report show
it, so that a gain on the training clips can be seen to hold, or not, on other content. A rerun measures only
what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from domain.records import LadderPoint, ValidationClip, ValidationRecord
from ledger.application import CodecLedger
from runner.evaluation.clips import Suite, load_suite
from runner.evaluation.evaluator import DEFAULT_QUALITIES, evaluate_ladder, sandbox_for
from runner.evolution.lineage_setup import max_size_option
from runner.sandbox.codec_runner import CodecRunner


class ValidationRow(TypedDict):
    """One adopted version's latest validation, as `status` and the report show it."""

    version: int
    suite: str  # the clips' content hash
    verdict: str
    bd_rate_vs_jpeg_pct: dict[str, float | None]  # clip -> percent
    mean_pct: float | None  # over the clips with a figure


def measure(source: str, suite: Suite, runner: CodecRunner) -> ValidationRecord:
    """A version's ladder on every validation clip, with its BD-rate against JPEG per clip."""
    report = evaluate_ladder(source, suite, DEFAULT_QUALITIES, runner=runner)
    clips = {
        name: ValidationClip(
            points=[LadderPoint(quality=p["quality"], kbps=p["kbps"], psnr_y=p["psnr_y"], success=p["success"])
                    for p in clip["points"]],
            bd_rate_vs_jpeg_pct=clip["bd_rate_vs_jpeg_pct"],
        )
        for name, clip in report["clips"].items()
    }
    return ValidationRecord(suite=suite.content_hash, clip_names=[c.name for c in suite.clips],
                            verdict=report["verdict"], clips=clips, provenance=report["provenance"])


def validate_versions(app: CodecLedger, lineage: str, suite: Suite, runner: CodecRunner,
                      say: Callable[[str], None] = lambda text: None) -> list[int]:
    """Measure every adopted version (but the seed) not yet measured on these clips; the versions measured."""
    measured = []
    for record in app.lineage(lineage).versions[1:]:
        candidate = app.candidate(record["candidate_id"])
        if any(v["suite"] == suite.content_hash for v in candidate.validations):
            continue
        say(f"🔎 Validating version {record['version']} on {len(suite.clips)} clip(s) (never used to decide)...")
        result = measure(app.source(record["sha256"]), suite, runner)
        app.record_validation(str(candidate.id), result)
        measured.append(record["version"])
    return measured


def validation_rows(app: CodecLedger, lineage: str, upto: int | None = None) -> list[ValidationRow]:
    """The latest validation of each adopted version (up to version `upto`), oldest version first."""
    rows = []
    for record in app.lineage(lineage).versions[1:]:
        if upto is not None and record["version"] > upto:
            break
        validations = app.candidate(record["candidate_id"]).validations
        if not validations:
            continue
        latest = validations[-1]
        rates = {name: clip["bd_rate_vs_jpeg_pct"] for name, clip in latest["clips"].items()}
        known = [rate for rate in rates.values() if rate is not None]
        rows.append(ValidationRow(version=record["version"], suite=latest["suite"],
                                  verdict=latest["verdict"]["category"], bd_rate_vs_jpeg_pct=rates,
                                  mean_pct=sum(known) / len(known) if known else None))
    return rows


def validation_suite(paths: list[str], frames: int | None, max_size: str | None, fps: float | None) -> Suite | None:
    """The clips `--validate` names (cut like `--input`'s), or None where none is named."""
    if not paths:
        return None
    suite = load_suite(list(paths), frames=frames, max_size=max_size_option(max_size), fps=fps)
    return Suite(name="validate:" + suite.name.removeprefix("inputs:"), clips=suite.clips)


def validate_after_run(app: CodecLedger, lineage: str, suite: Suite, say: Callable[[str], None]) -> list[int]:
    """validate_versions in a sandbox under the lineage's budgets."""
    with sandbox_for(app.lineage(lineage).policy_object) as sandbox:
        return validate_versions(app, lineage, suite, sandbox, say)
