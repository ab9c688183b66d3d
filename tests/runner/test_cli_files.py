"""Files in and out (issue 16): `decompress` writes the format its output names, whole, never over an existing
output without -y and never beside an earlier run's frames; `compress` announces what it changes in an input;
fps.txt may hold 30000/1001; `export --out -` writes to standard output. And the progress shown meanwhile: on a
terminal only, never into a pipe or with --json."""

from __future__ import annotations

import json
import re

import av
import cv2
import numpy as np
import pytest

from runner.cli import container
from tests.ledger.support import EXAMPLES
from tests.runner.cli_support import as_json, in_terminal, invoke, one_line_error, piped, png_folder

pytestmark = pytest.mark.slow
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # a terminal's colours and cursor moves


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("files")
    url = str(tmp / "ledger.db")
    frames = png_folder(tmp / "lineage")
    assert invoke("submit", EXAMPLES / "dct_codec.py", "--input", frames, "--ledger", url).exit_code == 0
    ntsc = png_folder(tmp / "ntsc", fps_text="30000/1001\n")
    clv = tmp / "ntsc.clv"
    assert as_json("compress", ntsc, clv, "--ledger", url)["frames"] == 4
    return {"url": url, "clv": clv, "frames": frames}


def test_compress_announces_every_change_to_an_input(ledger, tmp_path):
    folder = tmp_path / "deep"
    folder.mkdir()
    for i in range(3):  # 16 bits per channel, no fps.txt, 64x48
        frame = (np.random.default_rng(i).integers(0, 65535, (48, 64, 3))).astype(np.uint16)
        cv2.imwrite(str(folder / f"{i:03d}.png"), frame)
    out = tmp_path / "deep.clv"
    result = invoke("compress", folder, out, "--max-size", "33x33", "--ledger", ledger["url"])
    assert result.exit_code == 0, result.stderr
    notes = result.stderr
    assert "16-bit PNG frames; read as 8-bit" in notes
    assert "no fps.txt; assuming 30 fps" in notes
    assert "scaled from 64x48 to 32x24" in notes
    header, _ = container.read(out)
    assert (header.width, header.height, header.fps) == (32, 24, 30.0)
    before = out.read_bytes()
    assert "add -y" in one_line_error(invoke("compress", folder, out, "--ledger", ledger["url"]))
    assert out.read_bytes() == before


def test_a_frame_rate_of_30000_over_1001_is_kept_exactly(ledger, tmp_path):
    header, _ = container.read(ledger["clv"])
    assert header.fps == pytest.approx(30000 / 1001)
    out = tmp_path / "frames"
    assert invoke("decompress", ledger["clv"], out, "--ledger", ledger["url"]).exit_code == 0
    assert (out / "fps.txt").read_text().strip() == "30000/1001"
    bad = png_folder(tmp_path / "bad", fps_text="30000/0\n")
    message = one_line_error(invoke("compress", bad, tmp_path / "bad.clv", "--ledger", ledger["url"]))
    assert "fps.txt" in message and "30000/1001" in message


def test_decompress_refuses_to_overwrite_and_leaves_no_stale_frames(ledger, tmp_path):
    out = tmp_path / "frames"
    assert invoke("decompress", ledger["clv"], out, "--ledger", ledger["url"]).exit_code == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["fps.txt", *(f"frame_{i:05d}.png" for i in range(4))]
    assert "add -y" in one_line_error(invoke("decompress", ledger["clv"], out, "--ledger", ledger["url"]))
    (out / "frame_00009.png").write_bytes((out / "frame_00000.png").read_bytes())  # an earlier, longer run's
    assert invoke("decompress", ledger["clv"], out, "-y", "--ledger", ledger["url"]).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == written
    assert [p.name for p in tmp_path.iterdir()] == ["frames"]  # nothing left beside it


def test_decompress_writes_the_format_the_extension_names(ledger, tmp_path):
    pngs = tmp_path / "pngs"
    assert invoke("decompress", ledger["clv"], pngs, "--ledger", ledger["url"]).exit_code == 0
    expected = [cv2.imread(str(pngs / f"frame_{i:05d}.png")) for i in range(4)]
    for name, lossless in (("out.mkv", True), ("out.mp4", False)):
        report = as_json("decompress", ledger["clv"], tmp_path / name, "--ledger", ledger["url"])
        assert report["frames"] == 4
        with av.open(str(tmp_path / name)) as video:
            stream = video.streams.video[0]
            assert stream.codec_context.name == ("ffv1" if lossless else "h264")
            frames = [frame.to_ndarray(format="bgr24") for frame in video.decode(stream)]
        assert len(frames) == 4 and frames[0].shape == expected[0].shape
        if lossless:
            assert all(np.array_equal(a, b) for a, b in zip(frames, expected, strict=True))
    refused = invoke("decompress", ledger["clv"], tmp_path / "out.mov", "--ledger", ledger["url"])
    assert "unknown extension" in one_line_error(refused, code=2)
    assert not (tmp_path / "out.mov").exists()


def test_export_to_standard_output(ledger, tmp_path):
    result = invoke("export", "--out", "-", "--ledger", ledger["url"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert invoke("export", "-o", tmp_path / "x.json", "--ledger", ledger["url"]).exit_code == 0
    assert json.loads((tmp_path / "x.json").read_text()) == document


def test_compress_and_decompress_show_frames_fps_and_eta_on_a_terminal_only(ledger, tmp_path):
    for what, command, source, suffix, summary in (("encoding with v1", "compress", ledger["frames"], ".clv", "💾"),
                                                   ("decoding with v1", "decompress", ledger["clv"], ".mkv", "🎞️")):
        code, shown = in_terminal(command, source, tmp_path / f"{command}{suffix}", "--ledger", ledger["url"])
        assert code == 0, shown
        while_it_ran = ANSI.sub("", shown.split(summary)[0])  # drawn while it ran, on stderr, gone before the summary
        assert re.search(rf"{what} .* 4/4 \d+\.\d fps .*ETA", while_it_ran), shown
        plain = piped(command, source, tmp_path / f"{command}-piped{suffix}", "--ledger", ledger["url"])
        assert plain.returncode == 0 and summary in plain.stdout
        assert what not in plain.stdout + plain.stderr and "\x1b" not in plain.stdout + plain.stderr
        code, shown = in_terminal(command, source, tmp_path / f"{command}-j{suffix}", "--ledger", ledger["url"], "-j")
        assert code == 0 and what not in shown and json.loads(shown)["frames"] == 4, shown


def test_run_s_bar_counts_finished_candidates_with_elapsed_time_and_eta(ledger):
    import io

    from rich.console import Console

    from projections.session import open_session
    from runner.cli.run_progress import CountingNarrator, run_progress

    with open_session(ledger["url"]) as session:
        adopted = session.app.candidate(session.app.show("default", 1)["candidate_id"])
        screen = io.StringIO()
        terminal = Console(file=screen, force_terminal=True, width=80)
        lines: list[str] = []
        with run_progress(quiet=False, to=terminal) as progress:
            narration = CountingNarrator(lines.append, progress, total=3)
            narration.evaluating(adopted)  # started, not finished: no step
            assert narration.finished == 0
            narration.decided(adopted)
            narration.no_candidate("offline", 2, "no idea")
            assert narration.finished == 2
            narration.resuming(1)
            assert progress.tasks[0].total == 4
            progress.refresh()
        drawn = screen.getvalue()
        assert "candidates" in drawn and "2/4" in drawn and "ETA" in drawn and "0:00:0" in drawn
        assert any("Saved version 1" in line for line in lines)
        for quiet, console in ((True, terminal), (False, Console(file=io.StringIO(), width=80))):
            with run_progress(quiet=quiet, to=console) as progress:
                assert progress.disable
