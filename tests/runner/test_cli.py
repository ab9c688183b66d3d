"""`codec-ledger evaluate` and `baselines` as a user runs them: real processes, real files."""

import json
import re
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

ROOT = Path(__file__).parent.parent.parent
CLI = [sys.executable, "-m", "runner.cli"]


def run(*args, cwd=ROOT):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def small_video(tmp_path_factory):
    """A real H.264 file of a moving gradient, written with PyAV."""
    path = tmp_path_factory.mktemp("video") / "gradient.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for index in range(8):
            x = (np.arange(96)[None, :] + 4 * index) % 256
            frame = np.dstack([np.broadcast_to(x, (64, 96)), np.full((64, 96), 80),
                               np.broadcast_to(np.arange(64)[:, None] * 3, (64, 96))])
            video_frame = av.VideoFrame.from_ndarray(frame.astype(np.uint8), format="bgr24")
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode())
    return path


def test_evaluate_json_shape(small_video):
    result = run("evaluate", "examples/jpeg_imencode.py", "--input", str(small_video), "--quality", "30,80", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    clip = report["clips"]["gradient"]
    assert [p["quality"] for p in clip["points"]] == [30, 80]
    for point in clip["points"]:
        assert {"quality", "bytes", "kbps", "bpp", "ratio", "psnr_y", "psnr_bgr", "ssim_y", "encode_fps",
                "decode_fps", "success", "verdict"} <= set(point)
        assert point["success"] and point["bytes"] > 0
    assert "bd_rate_vs_jpeg_pct" in clip
    assert report["suite"]["clips"][0]["frames"] == 8


def test_evaluate_reports_a_broken_candidate_as_a_verdict(small_video):
    result = run("evaluate", "tests/candidates/crash_exception.py", "--input", str(small_video), "--quality", "50",
                 "--json")
    assert result.returncode == 1  # a failed operation, not a usage error
    assert json.loads(result.stdout)["verdict"]["category"] == "failed"
    shown = run("evaluate", "tests/candidates/crash_exception.py", "--input", str(small_video), "--quality", "50",
                "--max-size", "48x32")
    assert shown.returncode == 1
    row = next(line for line in shown.stdout.splitlines() if "failed" in line)
    assert not re.search(r"\d\.\d", row), row  # no rate, ratio or quality for a run that did not round-trip
    assert "note:" in shown.stderr and "scaled from 96x64 to 48x32" in shown.stderr  # the input change is said


def test_baselines_json_shape_and_x264_ahead_of_jpeg():
    result = run("baselines", "--json", "--frames", "10")
    assert result.returncode == 0, result.stderr
    codecs = json.loads(result.stdout)["clips"]["bikes"]["codecs"]
    assert {"jpeg", "webp", "x264", "x265"} <= set(codecs)
    assert codecs["x264"]["bd_rate_vs_jpeg_pct"] < -40
    assert all(point["success"] for point in codecs["x264"]["points"])


@pytest.mark.parametrize("make_input, fragment", [
    (lambda tmp: tmp / "missing.mp4", "missing.mp4"),
    (lambda tmp: (tmp / "corrupt.mp4").write_bytes(np.random.default_rng(1).bytes(4000)) and tmp / "corrupt.mp4",
     "corrupt.mp4"),
    (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "empty"),
])
def test_bad_input_is_one_line_naming_the_file(tmp_path, make_input, fragment):
    path = make_input(tmp_path)
    result = run("evaluate", "examples/jpeg_imencode.py", "--input", str(path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_bad_flags_and_missing_candidate():
    malformed = run("evaluate", "examples/jpeg_imencode.py", "--quality", "abc")
    assert malformed.returncode == 2 and malformed.stderr.strip().startswith("error: --quality"), malformed.stderr
    assert run("evaluate", "examples/jpeg_imencode.py", "--max-size", "huge").returncode == 1
    result = run("evaluate", "no/such/candidate.py")
    assert result.returncode == 1 and "candidate.py" in result.stderr


def test_evaluate_shows_frames_fps_and_eta_on_a_terminal_only(small_video):
    from tests.runner.cli_support import in_terminal

    args = ("evaluate", "examples/jpeg_imencode.py", "--input", str(small_video), "--quality", "30,80")
    code, shown = in_terminal(*args)
    assert code == 0, shown
    assert re.search(r"frames.*\d+/24", shown) and "ETA" in shown, shown  # 8 frames x (2 qualities + 1 again)
    piped = run(*args)
    assert piped.returncode == 0 and "ETA" not in piped.stdout + piped.stderr and "\x1b" not in piped.stderr
    assert "PSNR-Y" in piped.stdout and max(len(line) for line in piped.stdout.splitlines()) <= 80  # fits 80 columns


def test_baselines_show_which_codec_on_which_clip_and_points_on_a_terminal_only(small_video):
    from runner.evaluation.references import DEFAULT_LADDERS, available_codecs
    from tests.runner.cli_support import in_terminal

    total = sum(len(DEFAULT_LADDERS[codec]) for codec in available_codecs())  # one clip
    args = ("baselines", "--input", str(small_video), "--frames", "4")
    code, shown = in_terminal(*args)
    assert code == 0, shown
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    last = available_codecs()[-1]  # each codec's turn may pass between two redraws; the last one's end is drawn
    assert re.search(rf"{last} on gradient .* {total}/{total} points .*ETA", drawn), shown
    piped = run(*args)
    assert piped.returncode == 0 and "points" not in piped.stderr and "\x1b" not in piped.stdout + piped.stderr
