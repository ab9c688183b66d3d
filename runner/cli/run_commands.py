"""The commands that drive evolution and use its codecs: `run`, `compress`, `decompress`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from domain.ids import sha256_of
from domain.seed import SEED_SOURCE
from ledger.application import CodecLedger
from ledger.errors import USER_ERRORS
from runner.cli import container
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
)
from runner.cli.support import (
    CommandError,
    Narrator,
    console,
    errors,
    narrator,
    open_ledger,
    print_json,
    stop_on_signals,
)
from runner.evolution.lineage_setup import PolicyOptions, max_size_option, open_lineage
from runner.planners.base import Planner, PlannerFailed
from runner.planners.replay import ReplayPlanner
from runner.sandbox.pipeline import Sandbox

PLANNERS = ("offline", "claude", "replay")


def run(
    iterations: int = typer.Option(10, "--iterations", min=1, help="Planner iterations to make in this run."),
    planner: str = typer.Option("offline", "--planner", help="offline (default, no key), claude, or replay."),
    inputs: Optional[list[str]] = LineageInputOption,
    frames: Optional[int] = FramesOption,
    max_size: Optional[str] = MaxSizeOption,
    fps: Optional[float] = FpsOption,
    seed: int = typer.Option(0, "--seed", help="Seed of the offline planner's random choices."),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", min=1, help="Candidates tested in parallel."),
    budget_usd: Optional[float] = typer.Option(None, "--budget-usd", min=0.0,
                                               help="Stop before the claude planner could spend more."),
    max_minutes: Optional[float] = typer.Option(None, "--max-minutes", min=0.0,
                                                help="Start no new round after this long."),
    model: Optional[str] = typer.Option(None, "--model", help="The claude planner's model."),
    replay_from: Optional[str] = typer.Option(
        None, "--from", help="replay: a ledger (PATH or URL) or an exported JSONL of proposals."),
    replay_lineage: str = typer.Option("default", "--from-lineage", help="replay: the lineage to replay from."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Evolve the codec: plan, validate, test and decide candidates, recording every step."""
    from runner.evolution.loop import Evolution

    say = narrator(quiet=as_json)
    resumes = "the ledger is consistent, and a run on it resumes where this one stopped"
    with errors(), stop_on_signals("the run", resumes):
        if planner not in PLANNERS:
            raise CommandError(f"--planner must be one of {', '.join(PLANNERS)}, not {planner!r}")
        try:
            chosen = _planner(planner, seed=seed, model=model, budget_usd=budget_usd, replay_from=replay_from,
                              replay_lineage=replay_lineage)
        except PlannerFailed as failed:
            raise CommandError(str(failed)) from None
        # A replay from a ledger tests each source on the material its recorded test used.
        nonces = chosen.nonces if isinstance(chosen, ReplayPlanner) else {}
        with open_ledger(ledger, create=True) as session:
            _, suite, _ = open_lineage(session.app, lineage, list(inputs or []), frames, max_size, fps,
                                       PolicyOptions(), say, seed_nonce=nonces.get(sha256_of(SEED_SOURCE)))
            with Progress(TextColumn("[bold]evolving[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console, disable=as_json, transient=True) as progress:
                task = progress.add_task("iterations", total=iterations)
                narration = Narrator(narrator(quiet=as_json, to=progress.console))
                evolution = Evolution(session, lineage, suite, chosen, workers=workers, narration=narration,
                                      nonces=nonces)
                try:
                    summary = evolution.run(iterations, max_minutes, tick=lambda: progress.advance(task))
                except PlannerFailed as failed:
                    raise CommandError(f"the run stopped: {failed}") from None
            best = session.app.lineage(lineage).best
            result = summary.to_dict() | {"version": best["version"], "sha256": best["sha256"]}
            if as_json:
                print_json(result)
            else:
                ended = f" ({summary.stopped})" if summary.stopped else ""
                say(f"🏁 {summary.iterations} iterations{ended}: {len(summary.adopted)} adopted "
                    f"{[f'v{v}' for v in summary.adopted]}; best is now v{best['version']}")


def _planner(name: str, *, seed: int, model: str | None, budget_usd: float | None, replay_from: str | None,
             replay_lineage: str) -> Planner:
    if name == "offline":
        from runner.planners.offline.planner import OfflinePlanner

        return OfflinePlanner(seed=seed)
    if name == "claude":
        from runner.planners.claude import DEFAULT_MODEL, ClaudePlanner

        return ClaudePlanner(model=model or DEFAULT_MODEL, budget_usd=budget_usd)
    if not replay_from:
        raise CommandError("--planner replay needs --from LEDGER_OR_JSONL")
    return ReplayPlanner.load(replay_from, replay_lineage)


def compress(
    input_path: str = typer.Argument(..., metavar="INPUT", help="A video file or a folder of PNG frames."),
    output: Path = typer.Argument(..., help="The .clv file to write."),
    version: str = typer.Option("best", "--version", help="A recorded version number, or best."),
    quality: Optional[int] = typer.Option(None, "--quality", min=0, max=100,
                                          help="Default: the version's matched quality."),
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

    with errors(), open_ledger(ledger) as session:
        app = session.app
        number = app.resolve_version(lineage, version)
        shown = app.show(lineage, number)
        chosen_quality = quality if quality is not None else _matched_quality(app, lineage, number)
        clip = load_clip(input_path, frames=frames, max_size=max_size_option(max_size), fps=fps)
        config = clip_config(clip, chosen_quality)
        with Sandbox() as sandbox:
            result = sandbox.run(shown["source"], clip.frames, config, keep_payload=True)
        if not result.verdict.ok:
            raise CommandError(f"version {number} could not encode '{input_path}': {result.verdict}")
        header = container.Header(lineage=lineage, version=number, sha256=shown["sha256"], width=clip.width,
                                  height=clip.height, fps=clip.fps, frames=clip.count, quality=chosen_quality)
        container.write(output, header, result.payload)
        size = output.stat().st_size
        report = {"output": str(output), "version": number, "sha256": shown["sha256"], "frames": clip.count,
                  "quality": chosen_quality, "bytes": size, "raw_bytes": clip.raw_bytes}
        if as_json:
            print_json(report)
        else:
            console.print(f"💾 {output}: {clip.count} frames with v{number} at quality {chosen_quality}, "
                          f"{size} bytes (raw {clip.raw_bytes}, ratio {clip.raw_bytes / size:.1f})")


def decompress(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="A .clv file written by compress."),
    output: Path = typer.Argument(..., help="A folder for PNG frames, or a .mkv/.avi file (lossless FFV1)."),
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
) -> None:
    """Decode a .clv file with exactly the codec version that wrote it."""
    with errors(), open_ledger(ledger) as session:
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
        with Sandbox() as sandbox:
            result = sandbox.decode(shown["source"], payload, header.config())
        if not result.verdict.ok:
            raise CommandError(f"version {header.version} could not decode '{input_path}': {result.verdict}")
        written = _write_frames(output, result.decoded, header.fps)
        report = {"output": str(output), "frames": len(result.decoded), "version": header.version,
                  "sha256": header.sha256, "format": written}
        if as_json:
            print_json(report)
        else:
            console.print(f"🎞️  {output}: {len(result.decoded)} frames decoded with v{header.version} ({written})")


def _matched_quality(app: CodecLedger, lineage: str, version: int) -> int:
    record = app.lineage(lineage).version_record(version)
    quality = (record.get("metrics") or {}).get("quality")
    return 75 if quality is None else int(quality)


def _write_frames(output: Path, frames: list, fps: float) -> str:
    import cv2

    if output.suffix.lower() in (".mkv", ".avi"):
        from fractions import Fraction

        import av

        height, width = frames[0].shape[:2]
        with av.open(str(output), "w") as stream_file:
            stream = stream_file.add_stream("ffv1", rate=Fraction(fps).limit_denominator(1001))
            stream.width, stream.height, stream.pix_fmt = width, height, "bgr0"
            for frame in frames:
                stream_file.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")))
            stream_file.mux(stream.encode())
        return "ffv1 lossless video"
    output.mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(frames):
        if not cv2.imwrite(str(output / f"frame_{index:05d}.png"), frame):
            raise CommandError(f"cannot write PNG frames into '{output}'")
    (output / "fps.txt").write_text(f"{fps}\n")
    return "PNG frames"
