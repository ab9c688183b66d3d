"""The sandbox turns every candidate, well-behaved or not, into a verdict within bounded time."""

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from domain.seed import SEED_SOURCE
from runner.evaluation.clips import default_suite
from runner.evaluation.evaluator import clip_config
from runner.sandbox.file_view import PROGRAM
from runner.sandbox.fork_server import Layers, Limits, bubblewrap_path
from runner.sandbox.inprocess import InProcessRunner
from runner.sandbox.inside.shared_rules import ALLOWED_MODULES, ALLOWED_SUBMODULES
from runner.sandbox.pipeline import Sandbox

CANDIDATES = Path(__file__).parent.parent / "candidates"
HOSTILE = Path(__file__).parent.parent / "hostile"
PROJECT = Path(__file__).parent.parent.parent
EXAMPLES = PROJECT / "examples"


@pytest.fixture(scope="module")
def clip():
    bikes = default_suite().clip("bikes")
    return bikes.frames[:4], clip_config(bikes, 50)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(limits=Limits(frame_seconds=3.0, cpu_seconds=20)) as box:
        yield box


@pytest.fixture(scope="module")
def roomy():
    """For the candidates that run out of memory: writing 512 MiB a frame takes seconds on a busy machine, so a
    frame limit of a few seconds would race the memory limit and make a timeout of it."""
    with Sandbox(limits=Limits(frame_seconds=12.0, cpu_seconds=20)) as box:
        yield box


def candidate(name: str) -> str:
    return (CANDIDATES / f"{name}.py").read_text()


def test_bubblewrap_is_present_in_ci():
    # CI installs bubblewrap so that the tests exercise the real boundary; elsewhere it may be missing.
    if not os.environ.get("CI") and not bubblewrap_path():
        pytest.skip("bubblewrap is not installed here")
    assert bubblewrap_path(), "bwrap is missing: run scripts/install.sh"


def test_seed_round_trips_exactly_and_reports_its_layers(sandbox, clip):
    frames, config = clip
    result = sandbox.run(SEED_SOURCE, frames, config)
    assert result.verdict.ok, result.verdict
    assert result.sizes == [frames[0].nbytes] * len(frames)
    assert all(np.array_equal(a, b) for a, b in zip(frames, result.decoded, strict=True))
    assert result.verdict.isolation == "bubblewrap namespaces"
    assert "rlimits" in result.layers and "audit hook" in result.layers
    assert any(layer.startswith("seccomp") for layer in result.layers)
    assert any(layer.startswith("landlock") for layer in result.layers)


def test_encoder_and_decoder_are_separate_processes(sandbox, clip):
    # A decoder that tries to reuse the encoder's module state finds none: it has its own.
    source = '''
import numpy as np
seen = []


def compress_video_frame(frame, frame_index, config):
    seen.append(frame.copy())
    return b""


def decompress_video_frame(data, frame_index, config):
    if seen:
        return seen[frame_index]
    return np.zeros((config["height"], config["width"], 3), np.uint8)
'''
    frames, config = clip
    result = sandbox.run(source, frames, config)
    assert result.verdict.ok
    assert all(not frame.any() for frame in result.decoded)


def test_one_candidate_cannot_see_another(clip):
    # Static validation refuses setting a module's attribute; without it, the runtime layers keep candidates apart.
    frames, config = clip
    writer = SEED_SOURCE.replace("import numpy as np", "import numpy as np\nimport json\njson.leak = 'secret'")
    reader = SEED_SOURCE.replace("return frame.tobytes()",
                                 "return frame.tobytes() + (b'!' if hasattr(json, 'leak') else b'')")
    reader = reader.replace("import numpy as np", "import numpy as np\nimport json")
    with Sandbox(layers=Layers(static=False), limits=Limits(frame_seconds=3.0)) as box:
        assert box.run(writer, frames, config).verdict.ok
        after = box.run(reader, frames, config)
    assert after.verdict.ok
    assert after.sizes == [frames[0].nbytes] * len(frames)


@pytest.mark.parametrize("name, category", [
    ("crash_exception", "failed"),
    ("wrong_return_type", "failed"),
    ("wrong_shape", "failed"),
    ("wrong_dtype", "failed"),
    ("oversized_frame", "failed"),
    ("exits", "failed"),
    ("recursion_bomb", "failed"),
    ("hang_python", "timeout"),
    ("hang_in_c", "timeout"),
    ("memory_bomb", "oom"),
    ("memory_leak", "oom"),
    ("imports_os", "rejected"),
    ("syntax_error", "rejected"),
    ("missing_decoder", "rejected"),
    ("reads_file", "rejected"),
    ("prints_flood", "ok"),
])
def test_every_outcome_is_a_verdict_in_bounded_time(sandbox, roomy, clip, name, category):
    frames, config = clip
    started = time.monotonic()
    result = (roomy if category == "oom" else sandbox).run(candidate(name), frames, config)
    assert result.verdict.category == category, result.verdict
    assert time.monotonic() - started < 15
    if category == "failed":
        assert result.verdict.message
    if name == "crash_exception":
        assert result.verdict.frame == 2 and "ValueError: boom" in result.verdict.message


def test_a_failure_leaves_the_sandbox_usable(sandbox, clip):
    frames, config = clip
    assert sandbox.run(candidate("hang_python"), frames, config).verdict.category == "timeout"
    assert sandbox.run(SEED_SOURCE, frames, config).verdict.ok


def test_runtime_guard_catches_what_static_validation_would(clip):
    frames, config = clip
    with Sandbox(layers=Layers(static=False), limits=Limits(frame_seconds=5.0)) as box:
        result = box.run(candidate("reads_file"), frames, config)
        assert result.verdict.category == "violation"
        assert "/etc/hostname" in result.verdict.message
        result = box.run(candidate("imports_os"), frames, config)
        assert result.verdict.category == "violation"
    assert not Path("/tmp/pwned").exists()


def test_without_bubblewrap_every_verdict_says_so(clip, monkeypatch):
    frames, config = clip
    monkeypatch.setattr("runner.sandbox.fork_server.bubblewrap_path", lambda: None)
    with Sandbox() as box:
        result = box.run(SEED_SOURCE, frames, config)
    assert result.verdict.ok
    assert result.verdict.isolation.startswith("DEGRADED")


def test_examples_round_trip_in_the_sandbox(sandbox, clip):
    frames, config = clip
    for name in ("zlib_lossless", "dct_codec", "jpeg_imencode"):
        result = sandbox.run((EXAMPLES / f"{name}.py").read_text(), frames, config)
        assert result.verdict.ok, (name, result.verdict)
    lossless = sandbox.run((EXAMPLES / "zlib_lossless.py").read_text(), frames, config)
    assert all(np.array_equal(a, b) for a, b in zip(frames, lossless.decoded, strict=True))


def test_no_processes_left_behind(clip):
    frames, config = clip
    with Sandbox(limits=Limits(frame_seconds=2.0)) as box:
        assert box.run(SEED_SOURCE, frames, config).verdict.ok
        pids = [box.encoder.process.pid, box.decoder.process.pid]
        assert box.run(candidate("hang_python"), frames, config).verdict.category == "timeout"
        with pytest.raises(ProcessLookupError):  # the hung encoder's whole tree was killed at once
            os.kill(pids[0], 0)
        replacements = [box.encoder.process.pid, box.decoder.process.pid]  # already starting afresh
    for pid in pids + replacements:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def _failing_at(encoder_frame: int | None, decoder_frame: int | None) -> str:
    """A lossless codec whose encoder and decoder raise on the given frames."""
    return f'''
import numpy as np


def compress_video_frame(frame, frame_index, config):
    if frame_index == {encoder_frame}:
        raise ValueError("encoder gives up")
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    if frame_index == {decoder_frame}:
        raise ValueError("decoder gives up")
    return np.frombuffer(data, np.uint8).reshape(config["height"], config["width"], 3)
'''


@pytest.mark.parametrize("encoder_frame, decoder_frame, role, frame", [
    (3, 1, "decoder", 1),  # the decoder noticed first, on an earlier frame
    (1, 3, "encoder", 1),  # the decoder never gets frame 3
    (2, 1, "decoder", 1),  # the encoder's failure comes first in time, the decoder's on an earlier frame
    (2, None, "encoder", 2),
    (None, 0, "decoder", 0),
])
def test_the_verdict_names_the_earliest_frame_that_did_not_round_trip(sandbox, clip, encoder_frame, decoder_frame,
                                                                      role, frame):
    frames, config = clip
    result = sandbox.run(_failing_at(encoder_frame, decoder_frame), frames, config)
    assert result.verdict.category == "failed"
    assert result.verdict.frame == frame
    assert f"{role} gives up" in result.verdict.message
    assert result.decoded == []


def test_servers_are_reused_after_clean_runs_and_replaced_after_a_failure(clip):
    frames, config = clip
    with Sandbox(limits=Limits(frame_seconds=3.0)) as box:
        assert box.run(SEED_SOURCE, frames, config).verdict.ok
        first = (box.encoder.process.pid, box.decoder.process.pid)
        for _ in range(3):
            assert box.run(SEED_SOURCE, frames, config).verdict.ok
        assert (box.encoder.process.pid, box.decoder.process.pid) == first
        assert box.run(_failing_at(1, None), frames, config).verdict.frame == 1
        # The failed job may have ended mid-message: both servers start afresh and work.
        result = box.run(SEED_SOURCE, frames, config)
        assert result.verdict.ok
        assert all(np.array_equal(a, b) for a, b in zip(frames, result.decoded, strict=True))
        assert first[0] != box.encoder.process.pid and first[1] != box.decoder.process.pid


def test_each_role_is_timed_by_its_own_work(sandbox, clip):
    frames, config = clip
    started = time.perf_counter()
    result = sandbox.run((EXAMPLES / "dct_codec.py").read_text(), frames, config)
    elapsed = time.perf_counter() - started
    assert result.verdict.ok
    assert 0 < result.encode_seconds < elapsed and 0 < result.decode_seconds < elapsed


def test_decode_alone_reads_recorded_bytes(sandbox, clip):
    frames, config = clip
    source = (EXAMPLES / "zlib_lossless.py").read_text()
    encoded = sandbox.run(source, frames, config, keep_payload=True)
    decoded = sandbox.decode(source, encoded.payload, config)
    assert decoded.verdict.ok and decoded.sizes == encoded.sizes
    assert all(np.array_equal(a, b) for a, b in zip(frames, decoded.decoded, strict=True))


def test_named_tuples_and_type_variables_do_not_trip_the_audit_hook(sandbox, clip):
    # The standard library compiles a template, reads the caller's frame and sets the new class's
    # module on the candidate's behalf; model-written codecs use these, and must not be violations.
    source = '''
import collections
import typing

import numpy as np

Block = collections.namedtuple("Block", "row col", defaults=(0,))
T = typing.TypeVar("T")


class Shape(typing.NamedTuple):
    height: int
    width: int = 3


def compress_video_frame(frame, frame_index, config):
    block = Block(frame_index)
    return bytes([block.row % 256, block.col]) + frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    shape = Shape(config["height"], config["width"])
    return np.frombuffer(data[2:], np.uint8).reshape(shape.height, shape.width, 3)
'''
    frames, config = clip
    result = sandbox.run(source, frames, config)
    assert result.verdict.ok, result.verdict
    assert "audit hook" in result.layers
    assert all(np.array_equal(a, b) for a, b in zip(frames, result.decoded, strict=True))


def test_every_module_validation_allows_imports_inside_the_sandbox(sandbox, clip):
    # The guards inside read the allow-list validation reads; a module missing there would be a
    # violation, and so would a submodule the fork server had not imported ahead (a child
    # cannot read a module's file).
    imports = "".join(f"\nimport {name}" for name in sorted(ALLOWED_MODULES | ALLOWED_SUBMODULES))
    result = sandbox.run(SEED_SOURCE.replace("import numpy as np", "import numpy as np" + imports), *clip)
    assert result.verdict.ok, result.verdict
    assert "audit hook" in result.layers and any(layer.startswith("landlock") for layer in result.layers)


def test_a_run_past_its_wall_clock_budget_is_a_timeout(clip):
    # Each frame comes in well under the frame deadline, and the run still cannot take longer than its budget.
    slow = SEED_SOURCE.replace("import numpy as np", "import time\n\nimport numpy as np").replace(
        "return frame.tobytes()", "time.sleep(0.4)\n    return frame.tobytes()")
    frames, config = clip
    limits = Limits(frame_seconds=2.0, run_seconds=1.0)
    with Sandbox(limits=limits, layers=Layers(static=False, audit=False)) as box:
        started = time.monotonic()
        result = box.run(slow, np.concatenate([frames, frames]), config)
        assert time.monotonic() - started < 2.0
        assert result.verdict.category == "timeout" and "budget of 1 s" in result.verdict.message, result.verdict
        assert result.decoded == []
        assert box.run(SEED_SOURCE, frames, config).verdict.ok


def test_only_the_program_inside_is_visible_of_the_project(clip):
    if not bubblewrap_path():
        pytest.skip("bubblewrap is not installed here")
    # Kernel namespaces only, so that the candidate may look around and report what it saw.
    source = '''
import json
import os

import numpy as np


def compress_video_frame(frame, frame_index, config):
    program = [name for name in os.listdir("/sandbox/program") if name.endswith(".py")]
    seen = {"sandbox": os.listdir("/sandbox"), "program": program, "project": os.path.exists(PROJECT)}
    return json.dumps(seen, sort_keys=True).encode()


def decompress_video_frame(data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), np.uint8)
'''.replace("PROJECT", repr(str(PROJECT / "runner")))
    frames, config = clip
    with Sandbox(layers=Layers(static=False, landlock=False, seccomp=False, audit=False)) as box:
        result = box.run(source, frames[:1], config, keep_payload=True)
    assert result.verdict.ok, result.verdict
    seen = json.loads(result.payload[0])
    assert sorted(seen["sandbox"]) == ["program", "work"]
    assert sorted(seen["program"]) == sorted(path.name for path in PROGRAM.glob("*.py"))
    assert seen["project"] is False


def test_the_in_process_runner_checks_determinism_like_the_sandbox(clip):
    frames, config = clip
    runner = InProcessRunner()
    honest = runner.run_twice(SEED_SOURCE, frames, config, keep_payload=True)
    assert honest.verdict.ok and len(honest.payload) == len(frames)
    assert all(np.array_equal(a, b) for a, b in zip(frames, honest.decoded, strict=True))
    noisy = runner.run_twice((HOSTILE / "nondeterministic_entropy.py").read_text(), frames, config)
    assert noisy.verdict.category == "failed" and "the decoded frame differs" in noisy.verdict.message
    assert noisy.verdict.isolation == runner.isolation
    assert noisy.decoded == [] and noisy.payload == []
