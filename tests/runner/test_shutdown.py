"""Stopping a real run with two workers: SIGTERM, Ctrl-C (SIGINT to its process group) and SIGKILL of its
own process each leave no process of its tree alive within seconds (workers, bubblewrap, fork servers),
the ledger consistent, and a next run that resumes it."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from projections.session import open_session
from runner.evolution.lineage_setup import PolicyOptions, open_lineage
from tests.ledger.support import EXAMPLES, variant
from tests.runner.test_faults import ROOT, TINY_CLIP, check_consistent, command, stored

GONE_WITHIN = 5.0  # seconds
# The run's first two candidates loop forever, so each of their tests lasts the lineage's budget of one run,
# well past GONE_WITHIN on any machine: a run that waited for the tests running when it was stopped, or workers
# that outlived their run until their test ended, would be seen.
RUN_SECONDS = 2 * GONE_WITHIN
HANGS = (ROOT / "tests" / "candidates" / "hang_python.py").read_text()


def parents() -> dict[int, int]:
    """pid -> parent pid of every process there is."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (fields := _stat(int(name))):
            found[int(name)] = int(fields[1])
    return found


def tree(root: int) -> dict[int, str]:
    """pid -> start time of every descendant of root (root excluded); the start time tells a reused pid."""
    below: dict[int, list[int]] = {}
    for pid, parent in parents().items():
        below.setdefault(parent, []).append(pid)
    found, todo = {}, list(below.get(root, []))
    while todo:
        pid = todo.pop()
        if fields := _stat(pid):
            found[pid] = fields[19]
            todo += below.get(pid, [])
    return found


def alive(processes: dict[int, str]) -> list[int]:
    """Those still running (a zombie has ended: nobody may be left to reap it)."""
    return [pid for pid, started in processes.items()
            if (fields := _stat(pid)) and fields[19] == started and fields[0] not in "ZX"]


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat from its state on (the process name before it may hold spaces and brackets)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def workers_with_sandboxes(root: int) -> bool:
    """Each of the run's two workers has started its sandboxes (the run's own processes below it are
    bubblewrap's while it measures the seed, the workers' after)."""
    below = parents()
    workers = [pid for pid, parent in below.items() if parent == root and _name(pid) != "bwrap"]
    return len(workers) >= 2 and all(any(parent == worker for parent in below.values()) for worker in workers)


def _name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as comm:
            return comm.read().strip()
    except OSError:
        return ""


def stop(process: subprocess.Popen, how: str, processes: dict[int, str]) -> str:
    """Send `how` to the run (SIGINT as Ctrl-C does: to its whole process group); check that it and every process
    of its tree end within GONE_WITHIN; return what it wrote on stderr."""
    if how == "SIGINT":
        os.killpg(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, getattr(signal, how))
    _, errors = process.communicate(timeout=GONE_WITHIN)
    deadline = time.monotonic() + GONE_WITHIN
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(processes) == [], f"still running after {GONE_WITHIN}s: {alive(processes)} of {processes}"
    return errors


def clean_up(process: subprocess.Popen, processes: dict[int, str]) -> None:
    """Whatever a failed check left running."""
    for pid in alive(processes):
        os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> Path:
    """A ledger whose lineage is started on a tiny clip (version 0 measured) with RUN_SECONDS per run."""
    db = tmp_path_factory.mktemp("started") / "ledger.db"
    _, clip, _, frames, _, size = TINY_CLIP  # --input CLIP --frames N --max-size WxH
    with open_session(str(db), create=True) as session:
        open_lineage(session.app, "default", [clip], int(frames), size, None, PolicyOptions(run_seconds=RUN_SECONDS),
                     say=lambda line: None)
    return db


def proposals(folder: Path) -> Path:
    """What the runs propose (the replay planner, by the lineage's count of proposals): two candidates that hang,
    then JPEG codecs that differ only by a comment."""
    jpeg = (EXAMPLES / "jpeg_imencode.py").read_text()
    sources = [HANGS, variant(HANGS, 1)] + [variant(jpeg, n) for n in range(20)]
    path = folder / "proposals.jsonl"
    path.write_text("".join(json.dumps({"planner": "offline", "analysis": f"try {n}", "source": source,
                                        "rationale": ""}) + "\n" for n, source in enumerate(sources)))
    return path


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "SIGKILL"])
def test_a_stopped_run_leaves_no_process_behind_and_the_next_run_resumes(started, tmp_path, how):
    db = tmp_path / "ledger.db"
    shutil.copy(started, db)
    replay = ["--planner", "replay", "--from", str(proposals(tmp_path))]
    process = subprocess.Popen(command("run", "--workers", "2", "--iterations", "20", "--ledger", str(db), *replay),
                               cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    processes: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 300
        while not workers_with_sandboxes(process.pid) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        processes = tree(process.pid)
        assert process.poll() is None and len(processes) >= 2, "the run ended before its workers started"
        errors = stop(process, how, processes)
    finally:
        clean_up(process, processes)
    if how == "SIGKILL":
        assert process.returncode == -signal.SIGKILL
    else:
        lines = errors.strip().splitlines()
        assert process.returncode == 128 + getattr(signal, how), errors
        assert len(lines) == 1 and f"stopped by {how}" in lines[0] and "resumes" in lines[0], errors
    before = stored(db)

    rerun = subprocess.run(command("run", "--iterations", "1", "--workers", "2", "--ledger", str(db), *replay),
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    after = stored(db)
    assert after[:len(before)] == before and len(after) > len(before)
    check_consistent(db)
