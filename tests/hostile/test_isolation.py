"""Isolation: no candidate can speak for the sandbox, reach another candidate's job, outlive
its verdict, or read the test material (issue 11, points 1 and 2).

The attacks are the isolation_*.py modules beside this file; each docstring says how it
worked on the old design and what stops it now. Before, the fork server and all its children
shared one pair of pipes with the host, so a child could write the server's end-of-child
notice, survive, and read and answer the next job, the next candidate's included; and the
sandbox could read the whole Python environment, where the evaluator's clip (bikes.mp4)
ships inside an installed package. Now each child has a job link of its own and the
server's word comes over a control link no child holds; and the sandbox sees only the file
view of runner/sandbox/file_view.py, under bubblewrap and Landlock alike.

Every attack runs against the corpus' host (test_hostile.py) and its checks: no adoption-
grade result, no forged record, no file changed, no process past its verdict, and the next
candidate on the same Sandbox gets its correct result.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from domain.seed import SEED_SOURCE
from runner.evaluation.camera import photo_path
from runner.evaluation.clips import bikes_path, load_clip
from runner.evaluation.scenes import PHOTO
from runner.sandbox.file_view import file_view
from runner.sandbox.fork_server import SETTLE_SECONDS
from runner.sandbox.inprocess import InProcessRunner
from runner.sandbox.inside.lockdown import READ_FILE, readable_rules, seccomp_program
from runner.sandbox.validation import validate
from tests.hostile import test_hostile as corpus

# The corpus' host under attack and its Sandboxes, one per layer configuration, with its
# checks for processes left behind when they close.
host = corpus.host
sandboxes = corpus.sandboxes

PROJECT = Path(__file__).resolve().parent.parent.parent
ATTACKS = sorted(path.stem for path in Path(__file__).parent.glob("isolation_*.py"))
FRAMES = corpus.FRAMES


def attack(name: str) -> str:
    return corpus.source(name)


def untouched(host, sandboxes, name: str, result) -> None:
    """The corpus' checks on the host after an attack, whatever its verdict."""
    outputs = [result.verdict.message.encode(), *result.payload, *(frame.tobytes() for frame in result.decoded)]
    assert not any(b"ESCAPED" in output for output in outputs), f"{name} reports success from inside: {result.verdict}"
    assert not any(host.secret.encode() in output for output in outputs), f"{name}: the API key is in the output"
    assert host.files() == host.snapshot, f"{name} changed files on the host"
    assert host.contacts() == [] and host.decoy.poll() is None
    assert corpus._settled(lambda: corpus._stray_processes(host, sandboxes), []) == [], f"{name} left processes"


def next_candidate_is_correct(box, config: dict) -> None:
    """The next candidate on the same Sandbox gets its own, correct verdict and frames."""
    honest = box.run(SEED_SOURCE, FRAMES, config)
    assert honest.verdict.ok, honest.verdict
    assert all(np.array_equal(a, b) for a, b in zip(FRAMES, honest.decoded, strict=True))


@pytest.mark.parametrize("name", ATTACKS)
def test_every_isolation_attack_is_refused_statically_and_by_the_tripwire(host, sandboxes, name):
    assert validate(attack(name)), f"{name} passed static validation"
    result = sandboxes("static-off").run(attack(name), FRAMES, host.config() | {"targets": [bikes_path()]})
    assert result.verdict.category in corpus.BLOCKED, result.verdict
    untouched(host, sandboxes, name, result)


# --- point 1: the channel --------------------------------------------------------------

@pytest.mark.parametrize("layers", ["kernel-only", "landlock"])
def test_a_forged_end_notice_serves_no_later_job(host, sandboxes, layers):
    """The forger answers its own lossless run correctly, then would have served every later
    run from the frames it kept (PSNR 100 at ~1 byte a frame) and the next candidate a forged
    violation. Now the notice only ends its own server; later runs reach fresh children."""
    box = sandboxes(layers)
    config = host.config()
    lossless = box.run(attack("isolation_forge_end_notice"), FRAMES, config | {"quality": 95})
    assert lossless.verdict.ok and all(np.array_equal(a, b) for a, b in zip(FRAMES, lossless.decoded, strict=True))
    for quality in (10, 50):
        cheap = box.run(attack("isolation_forge_end_notice"), FRAMES, config | {"quality": quality})
        assert cheap.total_bytes == len(FRAMES)
        assert not any(np.array_equal(a, b) for a, b in zip(FRAMES, cheap.decoded, strict=False)), "served kept frames"
    next_candidate_is_correct(box, config)
    untouched(host, sandboxes, "isolation_forge_end_notice", lossless)


def test_a_child_that_outlives_its_job_goes_with_its_server_before_the_next(host, sandboxes):
    box = sandboxes("kernel-only")
    config = host.config()
    result = box.run(attack("isolation_outlive_job"), FRAMES, config)
    assert result.verdict.ok  # it decoded its own bytes; then it stayed
    server = box.decoder.process.pid
    started = time.monotonic()
    next_candidate_is_correct(box, config)
    assert time.monotonic() - started < SETTLE_SECONDS + corpus.BOUND_SECONDS
    assert box.decoder.process.pid != server, "the server that kept a child past its job still runs"
    with pytest.raises(ProcessLookupError):
        os.kill(server, 0)
    untouched(host, sandboxes, "isolation_outlive_job", result)


@pytest.mark.parametrize("layers, verdicts", [
    ("kernel-only", {"violation"}), ("seccomp", {"violation"}), ("bubblewrap", {"failed"}), ("landlock", {"failed"}),
])
def test_the_servers_descriptors_are_out_of_a_childs_reach(host, sandboxes, layers, verdicts):
    box = sandboxes(layers)
    result = box.run(attack("isolation_steal_control"), FRAMES, host.config())
    assert result.verdict.category in verdicts, result.verdict
    next_candidate_is_correct(box, host.config())
    untouched(host, sandboxes, "isolation_steal_control", result)


def test_a_waiting_child_holds_its_own_job_link_and_nothing_else(host, sandboxes):
    box = sandboxes("full")
    next_candidate_is_correct(box, host.config())

    def held() -> list:
        found = []
        for server in (box.encoder, box.decoder):
            tree = corpus.descendants(server.process.pid)
            for pid in {pid for pid, _, _ in tree} - {parent for _, parent, _ in tree}:  # the waiting child
                links = sorted(os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd"))
                found.append([link.split(":")[0] for link in links])
        return found

    assert corpus._settled(held, [["/dev/null"] * 3 + ["pipe"] * 2] * 2) == [["/dev/null"] * 3 + ["pipe"] * 2] * 2


@pytest.mark.parametrize("name, number", [
    ("ptrace", 101), ("process_vm_readv", 310), ("process_vm_writev", 311), ("kcmp", 312),
    ("pidfd_send_signal", 424), ("pidfd_open", 434), ("pidfd_getfd", 438), ("process_madvise", 440),
    ("process_mrelease", 448), ("open_by_handle_at", 304), ("setns", 308), ("socket", 41), ("socketpair", 53),
    ("connect", 42),
])
def test_seccomp_denies_every_way_to_another_process_or_its_descriptors(name, number):
    assert corpus._bpf(seccomp_program(4242), number, (4243, 3, 0)) != 0x7FFF0000, name


# --- point 2: the file view ------------------------------------------------------------

@pytest.fixture(scope="module")
def material(tmp_path_factory) -> dict:
    """The files a decoder would want: the clip the evaluator reads, a video the host was given
    as --input (and has read), and files of the project."""
    given = tmp_path_factory.mktemp("input") / "input.avi"
    writer = cv2.VideoWriter(str(given), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 48))
    for frame in FRAMES:
        writer.write(frame)
    writer.release()
    assert load_clip(str(given)).count == len(FRAMES)
    capture = cv2.VideoCapture(bikes_path())
    clip = np.stack([cv2.resize(capture.read()[1], (64, 48), interpolation=cv2.INTER_AREA) for _ in FRAMES])
    capture.release()
    targets = [bikes_path(), photo_path(PHOTO), str(given), str(PROJECT / "pyproject.toml"),
               str(PROJECT / "runner" / "__init__.py")]  # the photograph: the default suite's other source
    return {"clip": clip, "targets": targets}


def test_the_attacks_on_the_material_work_where_nothing_stops_them(material):
    """In-process (no isolation) both attacks get what they want: the clip at PSNR 100 from
    zero bytes, and the files' contents."""
    config = {"quality": 50, "width": 64, "height": 48, "fps": 30, "targets": material["targets"]}
    cheat = InProcessRunner().run(attack("isolation_clip_videocapture"), material["clip"], config)
    assert cheat.total_bytes == 0
    assert all(np.array_equal(a, b) for a, b in zip(material["clip"], cheat.decoded, strict=True))
    read = InProcessRunner().run(attack("isolation_clip_fromfile"), material["clip"], config)
    assert read.decoded[0].tobytes().startswith(b"ESCAPED:")


@pytest.mark.parametrize("name, layers", [
    ("isolation_clip_fromfile", "kernel-only"), ("isolation_clip_fromfile", "bubblewrap"),
    ("isolation_clip_fromfile", "landlock"), ("isolation_clip_videocapture", "kernel-only"),
    ("isolation_clip_videocapture", "bubblewrap"), ("isolation_clip_videocapture", "landlock"),
])
def test_a_decoder_cannot_read_the_test_material(host, sandboxes, material, name, layers):
    box = sandboxes(layers)
    result = box.run(attack(name), material["clip"], host.config() | {"targets": material["targets"]})
    assert result.verdict.category in corpus.BLOCKED, result.verdict
    assert not any(np.array_equal(a, b) for a, b in zip(material["clip"], result.decoded, strict=False))
    next_candidate_is_correct(box, host.config())
    untouched(host, sandboxes, name, result)


PROBE = '''
import json

import numpy as np


def compress_video_frame(frame, frame_index, config):
    seen = {}
    for path in config["probes"]:
        try:
            with open(path, "rb") as handle:
                seen[path] = len(handle.read(1)) == 1
        except OSError:
            seen[path] = False
    return json.dumps(seen).encode()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
'''


def _first_file(folder: str, suffix: str = "") -> list[str]:
    """One regular file beneath `folder` whose name ends with `suffix`, if there is one."""
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            if name.endswith(suffix) and not os.path.islink(os.path.join(root, name)):
                return [os.path.join(root, name)]
    return []


def _loaded_library(name: str) -> list[str]:
    """Where this process loaded a shared library from (the system's C library, say)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if f"/{name}" in line}
    return sorted(paths)[:1]


def test_bubblewrap_and_landlock_alone_show_the_same_files(host, sandboxes, material):
    """Code of the allowed packages, the standard library and the system's libraries, and
    nothing else: with either kernel layer alone, the same files can be read."""
    import sysconfig

    import numpy

    stdlib = sysconfig.get_paths()["stdlib"]
    packages = Path(numpy.__file__).parent
    readable = [numpy.__file__, cv2.__file__, os.__file__, *_first_file(sysconfig.get_config_var("DESTSHARED"), ".so"),
                *_first_file(str(packages.parent / "numpy.libs")), *_loaded_library("libc.so")]
    unreadable = [*material["targets"], str(packages / "_core" / "include" / "numpy" / "ndarrayobject.h"),
                  *_first_file(str(packages / "random" / "tests" / "data"), ".csv"),
                  str(Path(cv2.__file__).parent / "LICENSE.txt"), *_first_file(os.path.join(stdlib, "site-packages")),
                  *_first_file("/usr/lib/python3/dist-packages"), *_first_file("/usr/share/common-licenses"),
                  "/etc/passwd", str(packages.parent.parent.parent.parent / "pyvenv.cfg")]
    config = host.config() | {"probes": readable + unreadable}
    seen = {}
    for layers in ("bubblewrap", "landlock"):
        result = sandboxes(layers).run(PROBE, FRAMES[:1], config, keep_payload=True)
        assert result.verdict.ok, result.verdict
        seen[layers] = json.loads(result.payload[0])
    assert seen["bubblewrap"] == seen["landlock"]
    assert seen["landlock"] == {path: path in readable for path in readable + unreadable}


def test_landlock_rules_never_cover_the_material(material):
    view = file_view()
    for path, rights in readable_rules([*view.readable], [*view.hidden]):
        if rights & READ_FILE:
            for target in material["targets"]:
                assert target != path and not target.startswith(path + "/"), (path, target)
