"""The offline planner's intra prediction blocks (templates/intra.py): intra frames predicted block by block
(intra_pred gene) and intra blocks in P frames (intra_blocks). Older genomes keep their text, the blocks
round-trip bit-exactly on real frames (two module namespaces here; two sandbox processes in the slow
test), the wavefront order gives what block-by-block coding in raster order gives, the modes really
vary, and real frames cost fewer bytes at no lower PSNR-Y."""

from __future__ import annotations

import random
from dataclasses import replace

import constriction
import numpy as np
import pytest

from runner.evaluation.clips import bikes_clip, default_suite
from runner.evaluation.evaluator import clip_config
from runner.planners.offline.genome import PRIOR_WEIGHTS, Genome, active_genes, mutate, seed_genomes
from runner.planners.offline.render import genome_from_source, render
from runner.sandbox.fork_server import Limits
from runner.sandbox.pipeline import Sandbox
from runner.sandbox.validation import validate
from tests.runner.test_codecgen import _frames, _modules, _psnr_y, _round_trip, static_problems
from tests.runner.test_codecgen_blocks import MOTION_LAPLACE, round_trips_over_the_ladder
from tests.runner.test_codecgen_blocks_sandbox import _encoder_view
from tests.runner.test_codecgen_modes import BASE

# the baseline of issue 12 (seed 4 with quarter samples by the 6-tap filter) with intra prediction
BASELINE = BASE  # issue 12's baseline: the motion family before intra prediction and RD modes
PLANAR = replace(BASELINE, intra_pred="planar")
BLOCKS = replace(PLANAR, intra_blocks=True)
DC_HV = replace(BASELINE, intra_pred="dc_hv", qmatrix="flat", deadzone_intra=0.33)
INTRA_ONLY = Genome(intra_pred="planar")  # deflated levels: the modes go to a byte section
PREVIOUS_BZ2 = Genome(intra_pred="dc_hv", intra_blocks=True, prediction="previous", entropy="bz2", packing="rle")
INTRA_GENOMES = [
    PLANAR, BLOCKS, DC_HV, INTRA_ONLY, PREVIOUS_BZ2,
    Genome(intra_pred="dc_hv", block=4, chroma="444", entropy="lzma", rdoq=0.1),
    Genome(intra_pred="planar", intra_blocks=True, block=16, colour="bgr", prediction="previous", skip=True,
           keyint=8, entropy="laplace", scale=0.75),
    replace(MOTION_LAPLACE, intra_pred="planar", intra_blocks=True, side="deflate", keyint=8, deblock=2, rdoq=0.1),
]


@pytest.fixture(scope="module")
def bikes() -> np.ndarray:
    """Three real frames of bikes.mp4, cropped to a size that is no multiple of any block size."""
    return np.ascontiguousarray(bikes_clip(3).frames[:, 20:106, 40:190])


def test_intra_pred_is_written_into_the_source_only_when_on():
    assert "_intra_encode" not in render(BASELINE) and "'intra_pred'" not in render(BASELINE)
    for g in INTRA_GENOMES:
        text = render(g)
        assert genome_from_source(text) == g and "def _intra_decode" in text
        assert static_problems(text) == [] and validate(text) == [], g.summary()
    assert "INTRA_MODES = 4" in render(PLANAR) and "INTRA_MODES = 3" in render(DC_HV)
    assert "import constriction" not in render(INTRA_ONLY) and "import constriction" not in render(PREVIOUS_BZ2)


def test_intra_pred_takes_over_from_dc_dpcm():
    assert "dc_pred" in active_genes(BASELINE) and "dc_pred" not in active_genes(PLANAR)
    assert "DC_PRED = True" in render(BASELINE) and "DC_PRED = False" in render(PLANAR)
    assert "intra_pred" in active_genes(BASELINE) and "intra-predicted" in PLANAR.summary()


def test_intra_blocks_need_intra_prediction_and_p_frames():
    assert "intra_blocks" in active_genes(PLANAR) and "intra_blocks" not in active_genes(BASELINE)
    assert "intra_blocks" not in active_genes(Genome(intra_pred="planar"))  # intra frames only
    assert "_intra_blocks_decode" in render(BLOCKS) and "_intra_blocks_decode" not in render(PLANAR)
    inactive = replace(BASELINE, intra_blocks=True)
    assert "_intra_blocks" not in render(inactive) and genome_from_source(render(inactive)) == inactive
    assert "also in P frames" in BLOCKS.summary()


def test_mutation_reaches_intra_prediction():
    rng = random.Random(5)
    reached, blocks = set(), set()
    for start in seed_genomes():
        g = start
        for _ in range(200):
            g = mutate(g, rng, weights=PRIOR_WEIGHTS)
            reached.add(g.intra_pred)
            if "intra_blocks" in active_genes(g):
                blocks.add(g.intra_blocks)
    assert reached == {"off", "dc_hv", "planar"} and blocks == {False, True}


@pytest.mark.parametrize("genome", INTRA_GENOMES, ids=lambda g: g.summary())
def test_intra_prediction_round_trips_bit_exact_on_real_frames(genome, bikes):
    top = round_trips_over_the_ladder(genome, bikes)
    if genome.scale == 1.0:
        assert top > 40


@pytest.mark.parametrize("genome", [BLOCKS, INTRA_ONLY], ids=lambda g: g.summary())
def test_flat_and_tiny_frames_round_trip(genome):
    black = np.zeros((2, 2, 2, 3), np.uint8)
    assert _round_trip(render(genome), black, 50)[1] > 40
    gray = np.full((2, 17, 9, 3), 128, np.uint8)
    size, psnr = _round_trip(render(genome), gray, 0)
    assert psnr == 100.0 and size < 100
    assert _round_trip(render(genome), _frames(2, 9, 70), 80)[1] > 35  # one row of blocks: one per diagonal


def test_encoder_is_deterministic(bikes):
    source = render(PLANAR)
    config = {"quality": 40, "width": bikes.shape[2], "height": bikes.shape[1], "fps": 25.0}
    runs = []
    for _ in range(2):
        enc, _ = _modules(source)
        runs.append([enc["compress_video_frame"](f.copy(), i, dict(config)) for i, f in enumerate(bikes)])
    assert runs[0] == runs[1]


def _luma(source: str, frame: np.ndarray, quality: int):
    """One intra frame through encoder and decoder: the encoder's luma levels, step matrix and picture
    before deblocking, the luma modes the decoder read, and the decoder's namespace."""
    enc, dec = _modules(source)
    kept: dict = {}
    encode, read = enc["_intra_encode"], dec["_intra_modes"]

    def keep_levels(plane, m, sections, *coder):
        levels, picture = encode(plane, m, sections, *coder)
        kept.setdefault("levels", (levels, m, picture))
        return levels, picture

    def keep_modes(*args):
        modes = read(*args)
        kept.setdefault("modes", modes)
        return modes

    enc["_intra_encode"], dec["_intra_modes"] = keep_levels, keep_modes
    h, w = frame.shape[:2]
    config = {"quality": quality, "width": w, "height": h, "fps": 25.0}
    dec["decompress_video_frame"](enc["compress_video_frame"](frame.copy(), 0, dict(config)), 0, dict(config))
    return (*kept["levels"], kept["modes"], dec)


def _one_block(waves, index):
    """The wave of block ``index`` alone (a wave holds arrays whose first axis runs over its blocks)."""
    for wave in waves:
        where = np.flatnonzero(wave[0] == index)
        if len(where):
            return tuple(part[where] for part in wave)
    raise AssertionError(index)


def test_wavefronts_give_what_raster_order_gives(bikes):
    """The decoder's picture equals block-by-block decoding in raster order, each block predicted from
    the picture decoded so far: the wavefront never reads a block that is not yet reconstructed."""
    levels, m, picture, modes, dec = _luma(render(PLANAR), bikes[0], 60)
    h, w = picture.shape
    n = dec["BLOCK"]
    waves = dec["_waves"](h // n, w // n)
    residual = dec["_idct_exact"]((levels * m).astype(np.float64))
    flat = dec["_new_picture"](h, w)
    flat[:-1] = -9999  # a block not yet decoded would poison its neighbours
    for index in range(len(levels)):
        wave = _one_block(waves, index)
        flat[wave[-1][0]] = np.clip(dec["_intra_predictions"](flat, wave)[modes[index], 0] + residual[index], 0, 255)
    assert np.array_equal(flat[:-1].reshape(h, w), picture)
    assert np.array_equal(dec["_intra_decode"](levels, modes, m, h, w), picture)


def test_modes_vary_with_the_picture_and_the_quality(bikes):
    counts = {q: np.bincount(_luma(render(PLANAR), bikes[0], q)[3], minlength=4) for q in (20, 80)}
    for q, count in counts.items():
        assert (count > 0).all(), (q, count)  # every mode is chosen somewhere
        assert count.max() < 0.8 * count.sum(), (q, count)
    assert not np.array_equal(counts[20], counts[80])


def _predict(enc, picture: np.ndarray, index: int) -> np.ndarray:
    """Every mode's prediction of block ``index`` of a 3 x 3 block picture."""
    flat = enc["_new_picture"](*picture.shape)
    flat[:-1] = picture.ravel()
    return enc["_intra_predictions"](flat, _one_block(enc["_waves"](3, 3), index))[:, 0]


def test_each_mode_predicts_what_it_claims():
    enc, _ = _modules(render(PLANAR))
    n = enc["BLOCK"]
    ramp = np.add.outer(np.arange(3 * n) * 3, np.arange(3 * n) * 2).astype(np.int32)  # 3 y + 2 x
    preds = _predict(enc, ramp, 4)  # the middle block
    above, left = ramp[n - 1, n:2 * n], ramp[n:2 * n, n - 1]
    assert (preds[0] == (above.sum() + left.sum() + n) // (2 * n)).all()  # DC
    assert np.array_equal(preds[1], np.broadcast_to(above, (n, n)))  # vertical
    assert np.array_equal(preds[2], np.broadcast_to(left[:, None], (n, n)))  # horizontal
    steps = np.zeros((3 * n, 3 * n), dtype=np.int32)
    steps[:, :n], steps[:n, :] = 20, 100  # 100 above the block, 20 left of it
    planar = _predict(enc, steps, 4)[3]
    x = np.arange(n)
    across = (n - 1 - x)[None, :] * 20 + (x + 1)[None, :] * 100  # from the left column to the last sample above
    down = (n - 1 - x)[:, None] * 100 + (x + 1)[:, None] * 20  # from the row above to the last sample left
    assert np.array_equal(planar, (across + down + n) // (2 * n))
    assert (np.diff(planar, axis=1) >= 0).all() and (np.diff(planar, axis=0) <= 0).all()  # a smooth blend


def test_blocks_at_the_edges_predict_from_what_there_is():
    enc, _ = _modules(render(PLANAR))
    n = enc["BLOCK"]
    ramp = np.add.outer(np.arange(3 * n) * 3, np.arange(3 * n) * 2).astype(np.int32)
    assert (_predict(enc, ramp, 0) == 128).all()  # nothing decoded yet: mid-grey
    top = _predict(enc, ramp, 1)  # first row: the column left only
    left = ramp[:n, n - 1]
    assert (top[0] == (2 * left.sum() + n) // (2 * n)).all() and (top[1] == left[0]).all()
    assert np.array_equal(top[2], np.broadcast_to(left[:, None], (n, n)))
    side = _predict(enc, ramp, 3)  # first column: the row above only
    above = ramp[n - 1, :n]
    assert (side[0] == (2 * above.sum() + n) // (2 * n)).all() and (side[2] == above[0]).all()


def test_intra_prediction_codes_real_frames_in_fewer_bytes():
    """The first frame of each training clip at q50: fewer bytes, no lower PSNR-Y."""
    for clip in list(default_suite().real_clips())[::2]:
        config = clip_config(clip, 50)
        figures = []
        for genome in (BASELINE, PLANAR):
            enc, dec = _modules(render(genome))
            data = enc["compress_video_frame"](clip.frames[0].copy(), 0, dict(config))
            figures.append((len(data), _psnr_y(clip.frames[0], dec["decompress_video_frame"](data, 0, dict(config)))))
        (size, psnr), (size_pred, psnr_pred) = figures
        assert size_pred < 0.95 * size and psnr_pred > psnr - 0.02, (clip.name, figures)


def test_p_frames_code_some_blocks_intra_and_save_bytes():
    """Where motion compensation fails (bikes_scene2), P frames take intra blocks and cost fewer bytes."""
    frames = np.ascontiguousarray(default_suite().clip("bikes_scene2").frames[:4, 20:120, 100:300])
    for quality in (50, 70):
        (size, psnr), (size_blocks, psnr_blocks) = (_round_trip(render(g), frames, quality) for g in (PLANAR, BLOCKS))
        assert size_blocks < 0.95 * size and psnr_blocks > psnr - 0.02, (quality, size, psnr, size_blocks, psnr_blocks)
    enc, dec = _modules(render(BLOCKS))
    config = {"quality": 50, "width": frames.shape[2], "height": frames.shape[1], "fps": 25.0}
    read, shares = dec["_block_modes"], []

    def keep(*args):
        modes = read(*args)
        if modes is not None:
            shares.append(float((modes < dec["INTRA_MODES"]).mean()))
        return modes

    dec["_block_modes"] = keep
    for i, frame in enumerate(frames):
        dec["decompress_video_frame"](enc["compress_video_frame"](frame.copy(), i, dict(config)), i, dict(config))
    assert len(shares) == len(frames) - 1 and all(0 < share < 0.5 for share in shares), shares


def test_p_frame_modes_cost_one_byte_when_no_block_is_intra():
    enc, dec = _modules(render(BLOCKS))
    inter = enc["INTRA_MODES"]
    rng = np.random.default_rng(2)
    some = np.where(rng.random(600) < 0.1, rng.integers(0, inter, 600), inter)
    bits = []
    for modes in (np.full(600, inter), some):
        encoder = constriction.stream.queue.RangeEncoder()
        enc["_put_block_modes"](modes, [], encoder)
        words = encoder.get_compressed()
        bits.append(32 * len(words))
        decoder = constriction.stream.queue.RangeDecoder(words)
        assert np.array_equal(dec["_block_modes"](iter(()), 30, 20, False, decoder), modes)
    assert bits[0] <= 32 < bits[1], bits  # none intra: the share byte alone, in one 32-bit word
    assert dec["_block_modes"](iter(()), 6, 10, True, None) is None  # chroma: no modes at all


@pytest.mark.slow
@pytest.mark.parametrize("genome", [BLOCKS, PREVIOUS_BZ2], ids=lambda g: g.summary())
def test_intra_prediction_is_bit_exact_between_sandboxed_encoder_and_decoder(genome):
    clip = default_suite().clip("bikes_scene2")
    frames = np.ascontiguousarray(clip.frames[:3, 30:118, 60:204])  # 88 x 144: no multiple of 16 rows
    config = clip_config(clip, 45) | {"height": frames.shape[1], "width": frames.shape[2], "frames": len(frames)}
    source = render(genome)
    with Sandbox(limits=Limits(frame_seconds=5.0)) as sandbox:
        first = sandbox.run(source, frames, config, keep_payload=True)
        second = sandbox.run(source, frames, config, keep_payload=True)
    assert first.verdict.ok, first.verdict
    assert first.payload == second.payload  # deterministic across processes and runs
    payload, pictures = _encoder_view(source, frames, config)
    assert payload == first.payload
    for decoded, picture in zip(first.decoded, pictures, strict=True):
        assert np.array_equal(decoded, picture)  # the decoder shows the encoder's reference exactly
