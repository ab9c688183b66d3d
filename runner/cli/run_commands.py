"""The commands that drive evolution and use its codecs: `run`, `compress`, `decompress`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from domain.ids import sha256_of
from domain.seed import SEED_SOURCE
from ledger.application import CodecLedger
from ledger.errors import USER_ERRORS
from runner.cli import container, video_out
from runner.cli.formatting import figure
from runner.cli.frame_progress import FrameCount, frame_progress
from runner.cli.input_notes import announce_inputs
from runner.cli.options import (
    FpsOption,
    FramesOption,
    JsonOption,
    LedgerOption,
    LineageInputOption,
    LineageOption,
    MaxSizeOption,
    OneClipFpsOption,
    OneClipFramesOption,
    OneClipMaxSizeOption,
    PolicyOption,
    YesOption,
)
from runner.cli.run_progress import CountingNarrator, run_progress
from runner.cli.support import (
    CommandError,
    UsageError,
    console,
    err_console,
    errors,
    narrator,
    open_ledger,
    print_json,
    stop_on_signals,
)
from runner.evolution.lineage_setup import PolicyOptions, max_size_option, open_lineage
from runner.evolution.testers import LocalTesters, TestersFactory
from runner.evolution.validation import validate_after_run, validation_suite
from runner.planners.base import Planner, PlannerFailed
from runner.planners.replay import ReplayPlanner
from runner.sandbox.pipeline import Sandbox

PLANNERS = ("offline", "claude", "replay")


def run(
    iterations: int = typer.Option(10, "--iterations", "-n", min=1, metavar="N",
                                   help="Planner iterations to make in this run."),
    planner: str = typer.Option("offline", "--planner", metavar="PLANNER",
                                help="offline (default, no key), claude, or replay."),
    inputs: Optional[list[str]] = LineageInputOption,
    frames: Optional[int] = FramesOption,
    max_size: Optional[str] = MaxSizeOption,
    fps: Optional[float] = FpsOption,
    seed: int = typer.Option(0, "--seed", metavar="SEED", help="Seed of the offline planner's random choices."),
    policy: Optional[str] = PolicyOption,
    validate: Optional[list[str]] = typer.Option(
        None, "--validate", metavar="PATH", help="Clips every adopted version is also measured on after the run "
        "(repeatable): recorded and shown in status and the report, never used to decide."),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", min=1, metavar="N",
                                help="Candidates tested in parallel."),
    dask: Optional[str] = typer.Option(None, "--dask", metavar="ADDRESS",
                                       help="Test on a Dask cluster: tcp://HOST:8786, or local:N for N worker "
                                       "processes here. Default: a process pool here."),
    budget_usd: Optional[float] = typer.Option(None, "--budget-usd", min=0.0, metavar="USD",
                                               help="Stop before the claude planner could spend more."),
    max_minutes: Optional[float] = typer.Option(None, "--max-minutes", min=0.0, metavar="MINUTES",
                                                help="Start no new round after this long."),
    model: Optional[list[str]] = typer.Option(
        None, "--model", metavar="MODEL",
            help="The claude planner's model; give it again for more, and a cost-aware bandit chooses."),
    proposals_in_flight: int = typer.Option(4, "--proposals-in-flight", min=0, metavar="N",
                                            help="claude: API calls kept running while candidates are tested."),
    estimate: bool = typer.Option(False, "--estimate", help="claude: print the run's estimated cost and stop."),
    replay_from: Optional[str] = typer.Option(
        None, "--from", metavar="SOURCE", help="replay: a ledger (PATH or URL) or an exported JSONL of proposals."),
    replay_lineage: str = typer.Option("default", "--from-lineage", metavar="NAME",
                                       help="replay: the lineage to replay from."),
    warm_start: Optional[str] = typer.Option(
        None, "--warm-start", metavar="LINEAGE",
            help="offline: start the learned gene weights from this lineage's history."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Evolve the codec: plan, validate, test and decide candidates, recording every step."""
    from runner.evolution.loop import Evolution

    say = narrator(quiet=as_json)
    resumes = "the ledger is consistent, and a run on it resumes where this one stopped"
    with errors(json_errors=as_json), stop_on_signals("the run", resumes):
        if planner not in PLANNERS:
            raise UsageError(f"--planner must be one of {', '.join(PLANNERS)}, not {planner!r}")
        if warm_start is not None and planner != "offline":
            raise CommandError("--warm-start is for the offline planner")
        if estimate:
            from runner.cli.run_estimate import print_estimate

            return print_estimate(list(model or []), iterations, ledger, lineage, as_json)
        try:
            chosen = _planner(planner, seed=seed, model=model, budget_usd=budget_usd, replay_from=replay_from,
                              replay_lineage=replay_lineage)
        except PlannerFailed as failed:
            raise CommandError(str(failed)) from None
        testers = _testers(dask)
        # A replay from a ledger tests each source on the material its recorded test used.
        nonces = chosen.nonces if isinstance(chosen, ReplayPlanner) else {}
        announce_inputs(list(inputs or []), max_size, fps, narrator(to=err_console))
        options = PolicyOptions(name=policy)  # bad options and paths fail before any work
        validation = validation_suite(list(validate or []), frames, max_size, fps)
        with open_ledger(ledger, create=True) as session:
            _, suite, _ = open_lineage(session.app, lineage, list(inputs or []), frames, max_size, fps,
                                       options, say, seed_nonce=nonces.get(sha256_of(SEED_SOURCE)))
            if warm_start is not None:
                from runner.ensemble.warm_start import warm_started

                chosen = warm_started(session, warm_start, lineage, seed)
                say(f"🔥 Gene weights start from lineage {warm_start!r}'s history")
            with run_progress(quiet=as_json) as progress:
                narration = CountingNarrator(narrator(quiet=as_json, to=progress.console), progress, iterations)
                evolution = Evolution(session, lineage, suite, chosen, workers=workers, narration=narration,
                                      nonces=nonces, testers=testers,
                                      in_flight=proposals_in_flight if planner == "claude" else 0)
                try:
                    summary = evolution.run(iterations, max_minutes)
                except PlannerFailed as failed:
                    raise CommandError(f"the run stopped: {failed}") from None
            validated = [] if validation is None else validate_after_run(session.app, lineage, validation, say)
            best = session.app.lineage(lineage).best
            result = summary.to_dict() | {"version": best["version"], "sha256": best["sha256"], "validated": validated}
            if as_json:
                print_json(result)
            else:
                ended = f" ({summary.stopped})" if summary.stopped else ""
                say(f"🏁 {summary.iterations} iterations{ended}: {len(summary.adopted)} adopted "
                    f"{[f'v{v}' for v in summary.adopted]}; best is now v{best['version']}")


def _testers(dask: str | None) -> TestersFactory:
    """Where the run's tests go: the process pool here, or a Dask cluster (runner/evolution/dask_testers.py)."""
    if dask is None:
        return LocalTesters
    from runner.evolution.dask_testers import dask_testers

    return dask_testers(dask)


def _planner(name: str, *, seed: int, model: list[str] | None, budget_usd: float | None, replay_from: str | None,
             replay_lineage: str) -> Planner:
    if name == "offline":
        from runner.planners.offline.planner import OfflinePlanner

        return OfflinePlanner(seed=seed)
    if name == "claude":
        from runner.planners.claude import DEFAULT_MODEL, ClaudePlanner

        return ClaudePlanner(model=model or DEFAULT_MODEL, budget_usd=budget_usd)
    if not replay_from:
        raise UsageError("--planner replay needs --from LEDGER_OR_JSONL")
    return ReplayPlanner.load(replay_from, replay_lineage)


def compress(
    input_path: str = typer.Argument(..., metavar="INPUT", help="A video file or a folder of PNG frames."),
    output: Path = typer.Argument(..., metavar="OUTPUT", help="The .clv file to write."),
    version: str = typer.Option("best", "--version", metavar="VERSION", help="A recorded version number, or best."),
    quality: Optional[int] = typer.Option(None, "--quality", "-q", min=0, max=100, metavar="Q",
                                          help="Default: the version's matched quality."),
    overwrite: bool = YesOption,
    frames: Optional[int] = OneClipFramesOption,
    max_size: Optional[str] = OneClipMaxSizeOption,
    fps: Optional[float] = OneClipFpsOption,
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Encode a real video with a recorded codec version, in the sandbox."""
    from runner.evaluation.clips import load_clip
    from runner.evaluation.evaluator import clip_config

    with errors(json_errors=as_json), open_ledger(ledger) as session:
        if output.exists() and not overwrite:
            raise CommandError(f"'{output}' exists; add -y to replace it")
        app = session.app
        number = app.resolve_version(lineage, version)
        shown = app.show(lineage, number)
        chosen_quality = quality if quality is not None else _matched_quality(app, lineage, number)
        announce_inputs([input_path], max_size, fps, narrator(to=err_console))
        clip = load_clip(input_path, frames=frames, max_size=max_size_option(max_size), fps=fps)
        config = clip_config(clip, chosen_quality)
        with Sandbox() as sandbox, frame_progress(as_json, err_console) as progress:
            bar = FrameCount(progress, clip.count, f"encoding with v{number}")
            result = sandbox.run(shown["source"], clip.frames, config, keep_payload=True, on_frame=bar.frame)
        seconds = bar.elapsed
        if not result.verdict.ok:
            raise CommandError(f"version {number} could not encode '{input_path}': {result.verdict}")
        header = container.Header(lineage=lineage, version=number, sha256=shown["sha256"], width=clip.width,
                                  height=clip.height, fps=clip.fps, frames=clip.count, quality=chosen_quality)
        container.write(output, header, result.payload)
        size = output.stat().st_size
        report = {"output": str(output), "version": number, "sha256": shown["sha256"], "frames": clip.count,
                  "quality": chosen_quality, "bytes": size, "raw_bytes": clip.raw_bytes,
                  "seconds": round(seconds, 3), "encode_fps": _per_second(clip.count, result.encode_seconds)}
        if as_json:
            print_json(report)
        else:
            console.print(f"💾 {output}: {clip.count} frames with v{number} at quality {chosen_quality}, "
                          f"{size} bytes (raw {clip.raw_bytes}, ratio {figure('ratio', clip.raw_bytes / size)}) "
                          f"in {seconds:.1f} s (encoding {figure('encode_fps', report['encode_fps'])} fps)",
                          highlight=False)


def decompress(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="A .clv file written by compress."),
    output: Path = typer.Argument(..., metavar="OUTPUT",
                                  help="No extension: a folder of PNG frames; .mkv or .avi: lossless FFV1; "
                                       ".mp4: H.264."),
    overwrite: bool = YesOption,
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
) -> None:
    """Decode a .clv file with exactly the codec version that wrote it."""
    with errors(json_errors=as_json), open_ledger(ledger) as session:
        video_out.check_output(output, overwrite)
        app = session.app
        try:
            header, payload = container.read(input_path)
        except container.ContainerError as exc:
            raise CommandError(str(exc)) from None
        try:
            shown = app.show(header.lineage, header.version)
        except USER_ERRORS as exc:
            raise CommandError(f"'{input_path}' needs {header.lineage} v{header.version}, which this ledger "
                               f"does not hold: {exc}") from None
        if shown["sha256"] != header.sha256:
            raise CommandError(f"'{input_path}' was written by source {header.sha256[:12]}, but {header.lineage} "
                               f"v{header.version} here is {shown['sha256'][:12]}: refusing to decode")
        with Sandbox() as sandbox, frame_progress(as_json, err_console) as progress:
            bar = FrameCount(progress, header.frames, f"decoding with v{header.version}")
            result = sandbox.decode(shown["source"], payload, header.config(), on_frame=bar.frame)
        seconds = bar.elapsed
        if not result.verdict.ok:
            raise CommandError(f"version {header.version} could not decode '{input_path}': {result.verdict}")
        written = video_out.write_frames(output, result.decoded, header.fps, narrator(to=err_console))
        count = len(result.decoded)
        report = {"output": str(output), "frames": count, "version": header.version,
                  "sha256": header.sha256, "format": written, "seconds": round(seconds, 3),
                  "decode_fps": _per_second(count, result.decode_seconds)}
        if as_json:
            print_json(report)
        else:
            console.print(f"🎞️  {output}: {count} frames decoded with v{header.version} ({written}) in "
                          f"{seconds:.1f} s (decoding {figure('decode_fps', report['decode_fps'])} fps)",
                          highlight=False)


def _per_second(frames: int, seconds: float) -> float | None:
    return frames / seconds if seconds > 0 else None


def _matched_quality(app: CodecLedger, lineage: str, version: int) -> int:
    record = app.lineage(lineage).version_record(version)
    quality = (record.get("metrics") or {}).get("quality")
    return 75 if quality is None else int(quality)
