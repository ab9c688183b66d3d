"""The offline planner's later blocks, each run by an encoder and a decoder in two sandbox processes
on real frames (bikes): the decoder's frames are the encoder's own reconstruction bit for bit, and a
second run gives the same bytes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from runner.evaluation.clips import default_suite
from runner.evaluation.evaluator import clip_config
from runner.planners.offline.genome import Genome
from runner.planners.offline.render import render
from runner.sandbox.fork_server import Limits
from runner.sandbox.pipeline import Sandbox
from tests.runner.test_codecgen import _modules
from tests.runner.test_codecgen_blocks import MOTION_LAPLACE

pytestmark = pytest.mark.slow

# one genome per later block (and all of them together)
GENOMES = {
    "mv_code": replace(MOTION_LAPLACE, mv_code="laplace"),
    "side": replace(MOTION_LAPLACE, side="range", mb=8, chroma="444"),
    "interp": Genome(prediction="motion", subpel=4, interp="sixtap", search=3, entropy="lzma", skip=True),
    "rdoq": Genome(prediction="previous", skip=True, rdoq=0.2, block=4, packing="sigmap"),
    "all": replace(MOTION_LAPLACE, mv_code="laplace", side="range", interp="sixtap", subpel=4, rdoq=0.1),
}


def _encoder_view(source: str, frames: np.ndarray, config: dict) -> tuple[list[bytes], list[np.ndarray]]:
    """The encoder's bytes and, after each frame, its own reconstruction as the picture a decoder must show."""
    enc, _ = _modules(source)
    payload, pictures = [], []
    for i, frame in enumerate(frames):
        payload.append(enc["compress_video_frame"](frame.copy(), i, dict(config)))
        pictures.append(enc["_to_bgr"](enc["STATE"]["ref"], enc["STATE"]["geometry"]))
    return payload, pictures


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(limits=Limits(frame_seconds=5.0)) as box:
        yield box


@pytest.mark.parametrize("name", list(GENOMES))
def test_block_is_bit_exact_between_sandboxed_encoder_and_decoder(name, sandbox):
    bikes = default_suite().clip("bikes")
    frames = np.ascontiguousarray(bikes.frames[:4, 30:118, 60:204])  # 88 x 144: no multiple of 16 rows
    config = clip_config(bikes, 45) | {"height": frames.shape[1], "width": frames.shape[2], "frames": len(frames)}
    source = render(GENOMES[name])
    first = sandbox.run(source, frames, config, keep_payload=True)
    second = sandbox.run(source, frames, config, keep_payload=True)
    assert first.verdict.ok, first.verdict
    assert first.payload == second.payload  # deterministic across processes and runs
    payload, pictures = _encoder_view(source, frames, config)
    assert payload == first.payload  # the sandboxed encoder wrote what this process's encoder writes
    for decoded, picture in zip(first.decoded, pictures, strict=True):
        assert np.array_equal(decoded, picture)  # the decoder shows the encoder's reference exactly
