"""What the command-line tests share: the app run in-process, a real process under a terminal, a tiny ledger."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

from typer.testing import CliRunner

from runner.cli.app import app
from tests.ledger.support import EXAMPLES, FAILS_ON_FRAME_1, ROOT, SIZE, SYNTAX_ERROR

CLI = [sys.executable, "-m", "runner.cli"]
cli = CliRunner()


def invoke(*args):
    return cli.invoke(app, [str(a) for a in args])


def as_json(*args):
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def one_line_error(result, code: int = 1) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def in_terminal(*args, cwd=ROOT, timeout=240) -> tuple[int, str]:
    """The command run as a process whose stdout and stderr are a terminal (a pty); (exit code, all it wrote)."""
    controller, terminal = pty.openpty()
    env = dict(os.environ, COLUMNS="80", LINES="24", TERM="xterm")
    process = subprocess.Popen([*CLI, *map(str, args)], stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal,
                               cwd=cwd, env=env)
    os.close(terminal)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(controller, 65536)
            except OSError:  # the process closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    code = process.wait(timeout=timeout)
    reader.join(timeout=10)
    os.close(controller)
    return code, b"".join(chunks).decode(errors="replace")


def piped(*args, cwd=ROOT, timeout=240) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def png_folder(folder: Path, count: int = 4, fps_text: str | None = "25\n", size=SIZE) -> Path:
    """A folder of `count` real PNG frames of a moving pattern, with fps.txt holding fps_text (none if None)."""
    import cv2

    from runner.evaluation.clips import moving_pattern

    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(moving_pattern(size, count).frames):
        cv2.imwrite(str(folder / f"{i:03d}.png"), frame)
    if fps_text is not None:
        (folder / "fps.txt").write_text(fps_text)
    return folder


def small_ledger(tmp: Path) -> dict:
    """A ledger on a tiny real clip with every outcome: v1 (zlib), v2 (dct), a declined JPEG codec, one that
    fails at frame 1, one rejected by validation. Returns {"url", "input", name: sha256}."""
    from domain.ids import sha256_of

    frames = png_folder(tmp / "frames")
    url = str(tmp / "ledger.db")
    fails, broken = tmp / "fails.py", tmp / "broken.py"
    fails.write_text(FAILS_ON_FRAME_1)
    broken.write_text(SYNTAX_ERROR)
    made = {"url": url, "input": frames}
    for name, path in (("zlib", EXAMPLES / "zlib_lossless.py"), ("dct", EXAMPLES / "dct_codec.py"),
                       ("jpeg", EXAMPLES / "jpeg_imencode.py"), ("fails", fails), ("broken", broken)):
        result = invoke("submit", path, "--input", frames, "--ledger", url)
        assert result.exit_code in (0, 3), result.stdout + result.stderr
        made[name] = sha256_of(path.read_text())
    return made
