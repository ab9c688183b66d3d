"""examples/constriction_codec.py: the example of entropy coding with constriction validates, and
round-trips in the sandbox with every layer on."""

from pathlib import Path

import numpy as np
import pytest

from runner.evaluation.clips import default_suite
from runner.evaluation.evaluator import clip_config
from runner.sandbox.fork_server import Limits
from runner.sandbox.pipeline import Sandbox
from runner.sandbox.validation import validate

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


@pytest.fixture(scope="module")
def source():
    return (EXAMPLES / "constriction_codec.py").read_text()


def test_it_passes_validation(source):
    assert validate(source) == []


def test_it_round_trips_in_the_sandbox_with_every_layer_on(source):
    bikes = default_suite().clip("bikes")
    frames = np.ascontiguousarray(bikes.frames[:2, :40, :56])  # a tiny clip, its planes not whole blocks
    config = clip_config(bikes, 50) | {"height": 40, "width": 56, "frames": 2}
    with Sandbox(limits=Limits(frame_seconds=5.0)) as box:
        first = box.run(source, frames, config, keep_payload=True)
        second = box.run(source, frames, config, keep_payload=True)
    assert first.verdict.ok, first.verdict
    assert first.verdict.isolation == "bubblewrap namespaces"
    assert "audit hook" in first.layers and any(layer.startswith("seccomp") for layer in first.layers)
    assert any(layer.startswith("landlock") for layer in first.layers)
    assert first.payload == second.payload  # deterministic
    for original, decoded in zip(frames, first.decoded, strict=True):
        error = np.mean((original.astype(np.float64) - decoded) ** 2)
        assert decoded.shape == original.shape and 10 * np.log10(255 ** 2 / error) > 30
