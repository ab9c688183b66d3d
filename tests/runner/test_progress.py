"""Progress while codecs work (issue 16): the sandbox follows a run frame by frame, `compress`, `decompress` and
`evaluate` count those frames with their rate and an ETA, `baselines` says which codec runs on which clip and
counts its points; all of it drawn on a terminal only."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console

from runner.cli.baseline_progress import LadderBar, baseline_progress
from runner.cli.frame_progress import FrameCount, frame_progress
from runner.evaluation.baselines import measure_baselines, points_to_measure
from runner.evaluation.clips import Clip, Suite, moving_pattern
from runner.evaluation.evaluator import clip_config
from runner.sandbox.fork_server import Limits
from runner.sandbox.pipeline import Sandbox
from tests.ledger.support import EXAMPLES, FAILS_ON_FRAME_1, SIZE

FRAMES = 5


def terminal() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=100, color_system=None), screen


@pytest.fixture(scope="module")
def clip() -> Clip:
    return moving_pattern(SIZE, FRAMES)


def test_the_sandbox_calls_back_once_for_each_frame_that_comes_back(clip):
    source = (EXAMPLES / "zlib_lossless.py").read_text()
    config = clip_config(clip, 50)
    calls = {"run": 0, "decode": 0, "failing": 0}

    def counter(name):
        return lambda: calls.__setitem__(name, calls[name] + 1)

    with Sandbox(limits=Limits(frame_seconds=5.0)) as sandbox:
        encoded = sandbox.run(source, clip.frames, config, keep_payload=True, on_frame=counter("run"))
        decoded = sandbox.decode(source, encoded.payload, config, on_frame=counter("decode"))
        failed = sandbox.run(FAILS_ON_FRAME_1, clip.frames, config, on_frame=counter("failing"))
    assert encoded.verdict.ok and decoded.verdict.ok and not failed.verdict.ok
    assert len(decoded.decoded) == FRAMES
    assert calls == {"run": FRAMES, "decode": FRAMES, "failing": 1}  # frame 0 round-tripped, frame 1 did not


def test_a_frame_count_shows_frames_done_fps_and_eta_on_a_terminal_only():
    console, screen = terminal()
    with frame_progress(quiet=False, to=console) as progress:
        count = FrameCount(progress, total=8, what="encoding with v3")
        for _ in range(3):
            count.frame()
        assert count.done == 3 and progress.tasks[0].completed == 3
        progress.refresh()
    drawn = screen.getvalue()
    assert "encoding with v3" in drawn and "3/8" in drawn and " fps" in drawn and "ETA" in drawn
    for quiet, to in ((True, console), (False, Console(file=io.StringIO(), width=100))):  # --json, or a pipe
        with frame_progress(quiet=quiet, to=to) as progress:
            assert progress.disable


class Recorder:
    def __init__(self):
        self.ladders: list[tuple[str, str]] = []
        self.points = 0

    def ladder(self, clip: str, codec: str) -> None:
        self.ladders.append((clip, codec))

    def point(self) -> None:
        self.points += 1


def test_baselines_say_which_codec_runs_on_which_clip_and_count_its_points(clip):
    other = Clip("pan[2]", np.ascontiguousarray(clip.frames[::-1]), clip.fps, "real")
    suite = Suite("two", (Clip("pan[1]", clip.frames, clip.fps, "real"), other))
    codecs = ("jpeg", "webp")
    recorder = Recorder()
    report = measure_baselines(suite, codecs, progress=recorder)
    assert recorder.ladders == [(name, codec) for name in ("pan[1]", "pan[2]") for codec in codecs]
    measured = sum(len(entry["points"]) for c in report["clips"].values() for entry in c["codecs"].values())
    assert recorder.points == measured == points_to_measure(suite, codecs)

    console, screen = terminal()
    with baseline_progress(quiet=False, to=console) as progress:
        measure_baselines(suite, ("jpeg",), progress=LadderBar(progress, points_to_measure(suite, ("jpeg",))))
        progress.refresh()
    drawn = screen.getvalue()
    total = points_to_measure(suite, ("jpeg",))
    assert "jpeg on pan[2]" in drawn and f"{total}/{total} points" in drawn and "ETA" in drawn  # not read as markup
