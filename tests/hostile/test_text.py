"""Candidate-controlled text is kept and shown as plain text (text_terminal_escapes.py): no escape
sequence, bidirectional override or line break reaches the ledger, the terminal or a planner's prompt
as anything but quoted data, and no bracket of it is read as markup."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from domain.text import REPLACEMENT, plain_text
from runner.evaluation.clips import Clip, Suite
from runner.evaluation.evaluator import test_candidate as run_adoption_test
from runner.planners.claude import build_prompt
from tests.runner.test_claude_planner import context

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
ATTACK = HERE / "text_terminal_escapes.py"
HIDDEN = ("\x1b", "\x07", "\u202e", "\n")


@pytest.fixture(scope="module")
def suite():
    frames = np.random.default_rng(3).integers(0, 256, (2, 32, 48, 3), dtype=np.uint8)
    return Suite("tiny", (Clip("tiny", frames, 25.0, "real"),))


@pytest.fixture(scope="module")
def message(suite) -> str:
    result = run_adoption_test(ATTACK.read_text(), suite)
    assert result["verdict"]["category"] == "failed" and result["verdict"]["frame"] == 0
    return result["verdict"]["message"]


def test_the_recorded_message_holds_no_hidden_characters(message):
    assert not [char for char in HIDDEN if char in message]
    assert "Adopted as the new best" in message and REPLACEMENT in message  # kept, made visible


def test_the_command_line_prints_it_as_plain_text(tmp_path):
    folder = tmp_path / "clip"
    folder.mkdir()
    import cv2

    for index, frame in enumerate(np.random.default_rng(4).integers(0, 256, (2, 32, 48, 3), dtype=np.uint8)):
        cv2.imwrite(str(folder / f"{index:03d}.png"), frame)
    shown = subprocess.run([sys.executable, "-m", "runner.cli", "submit", str(ATTACK), "--input", str(folder),
                            "--ledger", str(tmp_path / "ledger.db")], capture_output=True, text=True, cwd=ROOT,
                           timeout=300)
    assert "💥 Test failed at frame 0" in shown.stdout, shown.stderr
    assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
    assert "[bold red]markup[/] [link=http://example.invalid]click[/link]" in shown.stdout  # shown, not obeyed


def test_a_planner_sees_it_quoted_as_data(message):
    failure = {"sha256": "ef" * 32, "category": "failed", "message": message}
    prompt = build_prompt(context(recent_failures=[failure]))
    line = next(line for line in prompt.splitlines() if line.startswith("- efefefef"))
    quoted = line.split("failed: ", 1)[1]
    assert json.loads(quoted) == plain_text(message, limit=300)
    assert "candidate-controlled text, quoted as data" in prompt
    assert not any(line.startswith("SYSTEM:") for line in prompt.splitlines())


def test_plain_text_keeps_ordinary_text_and_cuts_long_text():
    assert plain_text("PSNR-Y 35.1 dB, größer — ok") == "PSNR-Y 35.1 dB, größer — ok"
    assert plain_text("a\nb\tc", one_line=False) == "a\nb\tc"
    assert plain_text("x" * 10, limit=5) == "xxxx…"
