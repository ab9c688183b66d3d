"""`codec-ledger evaluate` and `baselines`: measure a candidate, or the reference codecs, on real clips."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from domain.policy import DEFAULT_TEST_SECONDS
from runner.cli.baseline_progress import LadderBar, baseline_progress
from runner.cli.formatting import figure, narrow_table
from runner.cli.frame_progress import CountingRunner, FrameCount, frame_progress, frames_to_measure
from runner.cli.input_notes import announce_inputs
from runner.cli.options import FpsOption, FramesOption, InputOption, JsonOption, MaxSizeOption
from runner.cli.support import UsageError, err_console, errors, narrator, print_json, read_candidate
from runner.cli.time_budget import FRAME_SECONDS, StopAtTimeout, budget_sandbox
from runner.evolution.lineage_setup import suite_from_options

console = Console()


def parse_qualities(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--quality: expected comma-separated integers, got {text!r}") from None
    if not values or any(not 0 <= value <= 100 for value in values):
        raise UsageError(f"--quality: values must lie in 0..100, got {text!r}")
    return values


def evaluate(
    candidate: Path = typer.Argument(..., metavar="CANDIDATE", help="A candidate codec module (.py)."),
    inputs: Optional[list[str]] = InputOption,
    quality: str = typer.Option("10,30,50,70,90", "--quality", "-q", metavar="Q,Q,...",
        help="Comma-separated quality ladder."),
    frames: Optional[int] = FramesOption,
    max_size: Optional[str] = MaxSizeOption,
    fps: Optional[float] = FpsOption,
    frame_timeout: float = typer.Option(FRAME_SECONDS, "--frame-timeout", min=0.1, metavar="SECONDS",
                                        help="Wall-clock limit on one frame (encode or decode)."),
    timeout: float = typer.Option(DEFAULT_TEST_SECONDS, "--timeout", min=1.0, metavar="SECONDS",
                                  help="Wall-clock budget of the whole candidate: every quality on every clip."),
    as_json: bool = JsonOption,
) -> None:
    """Measure a candidate codec at a quality ladder on real clips, in the sandbox; stop at the first timeout."""
    from runner.ensemble.streams import ensemble_routing
    from runner.evaluation.evaluator import evaluate_ladder

    with errors(json_errors=as_json):
        source = read_candidate(candidate)
        qualities = parse_qualities(quality)
        announce_inputs(list(inputs or []), max_size, fps, narrator(to=err_console))
        suite = suite_from_options(list(inputs or []), frames, max_size, fps)
    with budget_sandbox(frame_timeout, timeout) as sandbox, frame_progress(as_json, err_console) as progress:
        count = FrameCount(progress, frames_to_measure(suite, qualities))
        runner = StopAtTimeout(CountingRunner(sandbox, count), timeout)
        report = evaluate_ladder(source, suite, qualities, runner=runner)
    if runner.stopped is not None:
        print(f"error: stopped at the first timeout ({runner.stopped}); {runner.skipped} later run(s) not started",
              file=sys.stderr)
    report["suite"] = suite.describe()
    routing = ensemble_routing(source, suite, report["provenance"]["nonce"], qualities[0])
    if routing is not None:  # an ensemble: how many frames of each clip went to each member
        report["routing"] = routing
    report["candidate"] = str(candidate)
    if as_json:
        print_json(report)
    else:
        show_evaluation(report)
    if report["verdict"]["category"] != "ok":
        raise typer.Exit(1)  # a codec that did not run is a failed operation, not a usage error (2)


def baselines(
    inputs: Optional[list[str]] = InputOption,
    frames: Optional[int] = FramesOption,
    max_size: Optional[str] = MaxSizeOption,
    fps: Optional[float] = FpsOption,
    as_json: bool = JsonOption,
) -> None:
    """Measure the reference codecs (JPEG, WebP, x264, x265) on real clips."""
    from runner.evaluation.baselines import measure_baselines, points_to_measure

    with errors(json_errors=as_json):
        announce_inputs(list(inputs or []), max_size, fps, narrator(to=err_console))
        suite = suite_from_options(list(inputs or []), frames, max_size, fps)
    with baseline_progress(as_json, err_console) as progress:
        report = measure_baselines(suite, progress=LadderBar(progress, points_to_measure(suite)))
    report["suite"] = suite.describe()
    if as_json:
        print_json(report)
    else:
        show_baselines(report)


def _point_row(label, point) -> list[str]:
    def number(key):
        return figure(key, point.get(key))

    verdict = point["verdict"]
    if not point["success"]:  # a run that did not round-trip has no rate or quality to show (issue 16)
        status = escape(f"{verdict['category']}: {verdict['message'][:60]}")
        return [str(label), *["-"] * (len(_COLUMNS) - 2), status]
    return [str(label), str(point["bytes"]), number("kbps"), number("bpp"), number("ratio"), number("psnr_y"),
            number("ssim_y"), number("encode_fps"), number("decode_fps"), "ok"]


_COLUMNS = ("quality", "bytes", "kbit/s", "bpp", "ratio", "PSNR-Y", "SSIM-Y", "enc fps", "dec fps", "verdict")
DROPPED_FIRST = ("bytes", "bpp", "enc fps", "SSIM-Y")  # where the terminal cannot hold every column


def _measurement_table(title: str, rows: list[list[str]], lead: tuple[str, ...] = ()) -> Table:
    """The rows under lead + _COLUMNS, dropping DROPPED_FIRST columns until they fit the terminal (80 columns at
    most where it is narrower); the figures kept are never cut, the verdict wraps."""
    names = [*lead, *_COLUMNS]
    keep = list(names)
    width = min(console.width, 80) if console.is_terminal else 80
    for name in DROPPED_FIRST:
        if _needed(keep, names, rows) <= width:
            break
        keep.remove(name)
    table = narrow_table(*keep, title=title, text_columns=("verdict",))
    for row in rows:
        table.add_row(*(cell for name, cell in zip(names, row, strict=True) if name in keep))
    return table


def _needed(keep: list[str], names: list[str], rows: list[list[str]]) -> int:
    widths = [max([len(name)] + [len(row[index]) for row in rows]) for index, name in enumerate(names) if name in keep]
    return sum(widths) + 2 * len(widths)


def show_evaluation(report: dict) -> None:
    isolation = report["isolation"]
    if isolation.startswith("DEGRADED"):
        console.print(f"[bold red]WARNING: sandbox {isolation}[/]")
    if not report["clips"]:
        console.print(f"[red]{report['verdict']['category']}[/]: {escape(report['verdict']['message'])}")
        return
    for name, clip in report["clips"].items():
        bd = clip.get("bd_rate_vs_jpeg_pct")
        title = f"{name} ({clip['kind']})" + (f" - BD-rate vs JPEG {bd:+.1f}%" if bd is not None else "")
        console.print(_measurement_table(title, [_point_row(point["quality"], point) for point in clip["points"]]))
    console.print(f"sandbox: {isolation}")


def show_baselines(report: dict) -> None:
    for name, clip in report["clips"].items():
        rows = []
        for codec, entry in clip["codecs"].items():
            bd = entry.get("bd_rate_vs_jpeg_pct")
            label = codec + (f" ({bd:+.1f}%)" if bd is not None and codec != "jpeg" else "")
            for point in entry["points"]:
                rows.append([label, *_point_row(point["quality"], point)])
                label = ""
        console.print(_measurement_table(f"{name}: reference codecs", rows, lead=("codec",)))
    console.print("In brackets: BD-rate against JPEG on PSNR-Y (negative = fewer bits for the same quality).")
