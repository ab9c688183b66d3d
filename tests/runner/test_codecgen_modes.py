"""The modes gene (templates/modes.py): RD mode decision per macroblock of predicted frames (SKIP,
INTER, INTER with four vectors) and a motion search that weighs the vectors' rate. Older genomes
render as before; the block round-trips bit-exactly (in two module namespaces here, in two sandbox
processes in the slow test), a skipped macroblock's vector is the decoder's predictor, the modes
vary with the quantiser, and the block spends fewer bits for the same PSNR-Y on real frames."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace

import numpy as np
import pytest

from domain.bdrate import bd_rate
from domain.ids import sha256_of
from domain.policy import Policy
from runner.evaluation.clips import bikes_clip
from runner.planners.base import PlannerContext
from runner.planners.offline.genome import PRIOR_WEIGHTS, Genome, active_genes, mutate, seed_genomes
from runner.planners.offline.planner import OfflinePlanner
from runner.planners.offline.render import LEAN_ABOVE_BYTES, genome_from_source, render
from runner.sandbox.validation import MAX_SOURCE_BYTES, validate
from tests.runner.test_codecgen import _modules, _round_trip, static_problems
from tests.runner.test_codecgen_blocks import NEW_BLOCK_GENOMES, round_trips_over_the_ladder

# the baseline: seed 3 with quarter samples by the 6-tap filter and a finer intra step
BASE = Genome(prediction="motion", search=16, qmatrix_inter="flat", deadzone_intra=0.2, deadzone_inter=0.33,
              decimate=2, deblock=1, chroma_q=4.0, dc_pred=True, skip=True, entropy="laplace", level=9,
              mv_code="laplace", side="range", subpel=4, interp="sixtap", ipratio=1.7)
SKIP, SPLIT = replace(BASE, modes="skip"), replace(BASE, modes="split")
# the biggest design: rendered lean (render.LEAN_ABOVE_BYTES)
EVERYTHING = replace(SPLIT, intra_pred="planar", intra_blocks=True, rdoq=0.2, deblock=3, block=16)
# sha256 of these genomes' sources concatenated, as rendered before the modes gene existed
BEFORE_MODES = [*NEW_BLOCK_GENOMES, BASE, replace(BASE, mb=8, chroma="444", side="deflate")]
BEFORE_MODES_DIGEST = "3cc2e6aa4f89ab7ce70f0dfa732fe669fe9df602b2b219ed37124742bbcb1e1c"

# the block on other geometries and neighbouring genes
MODE_GENOMES = [
    SKIP,
    SPLIT,
    replace(SPLIT, mb=8, chroma="444", side="deflate", subpel=2, interp="bilinear"),
    replace(SPLIT, block=16, search=3, subpel=1, rdoq=0.15, deblock=0),
    replace(SKIP, block=4, colour="bgr", decimate=0, search=2),
    # with intra prediction, and intra blocks in P frames beside SKIP, INTER and split macroblocks
    replace(SPLIT, intra_pred="planar", intra_blocks=True, qmatrix="flat", deadzone_intra=0.42),
    replace(SKIP, intra_pred="dc_hv", intra_blocks=True, mb=8, block=4),
]


@pytest.fixture(scope="module")
def bikes() -> np.ndarray:
    """Five real frames of bikes.mp4, cropped to a size that is no multiple of any block size."""
    return np.ascontiguousarray(bikes_clip(5).frames[:, 20:106, 40:190])


def test_genomes_without_the_gene_render_as_before_it():
    digest = hashlib.sha256()
    for g in BEFORE_MODES:
        digest.update(render(g).encode())
    assert digest.hexdigest() == BEFORE_MODES_DIGEST
    assert "'modes'" not in render(BASE) and "_code_modes" not in render(BASE)


def test_gene_is_written_read_back_and_active_only_with_range_coded_vectors():
    for g in MODE_GENOMES:
        text = render(g)
        assert genome_from_source(text) == g
        assert static_problems(text) == [] and validate(text) == [], g.summary()
        assert "_code_modes" in text and "modes" in active_genes(g)
    assert "MODES = ('skip', 'inter', 'split')" in render(SPLIT) and "CELLS = 2" in render(SPLIT)
    assert "MODES = ('skip', 'inter')" in render(SKIP) and "CELLS = 1" in render(SKIP)
    bytes_vectors = replace(SPLIT, mv_code="bytes")
    assert "modes" not in active_genes(bytes_vectors) and "_code_modes" not in render(bytes_vectors)
    assert "RD modes skip/inter/split" in SPLIT.summary() and "RD modes" not in bytes_vectors.summary()


def test_mutation_reaches_the_gene_from_the_seeds_and_steps_along_its_choices():
    rng = random.Random(4)
    reached = set()
    for start in seed_genomes():
        g = start
        for _ in range(300):
            g = mutate(g, rng, weights=PRIOR_WEIGHTS)
            if g.mv_laplace:
                reached.add(g.modes)
    assert "skip" in reached
    steps = {mutate(SKIP, rng, n_genes=1, weights={"modes": 1e9}).modes for _ in range(40)}
    assert steps == {"off", "split"}


def test_partition_vectors_invert_their_differences():
    enc, _ = _modules(render(SPLIT))
    rng = np.random.default_rng(5)
    for shape in ((1, 1), (1, 6), (5, 1), (4, 7)):
        modes = rng.integers(0, 3, size=shape)
        counts = enc["CODED_PARTS"][modes]
        dys = [rng.integers(-20, 21, size=int(n)) for n in counts.sum(axis=1)]
        dxs = [rng.integers(-20, 21, size=int(n)) for n in counts.sum(axis=1)]
        vy, vx = enc["_part_vectors"](modes, dys, dxs)
        assert vy.shape == (2 * shape[0], 2 * shape[1])
        again = enc["_part_differences"](modes, vy.tolist(), vx.tolist())
        for a, b in zip(dys + dxs, again[0] + again[1], strict=True):
            assert np.array_equal(a, b)
        # a skipped macroblock has no difference of its own: its four cells hold its predictor
        r, c = np.argwhere(modes == 0)[0] if (modes == 0).any() else (0, 0)
        if modes[r, c] == 0:
            p = enc["_part_predictor"](vy.tolist(), vx.tolist(), 2 * r, 2 * c, 2, c)
            assert (vy[2 * r:2 * r + 2, 2 * c:2 * c + 2] == p[0]).all()
            assert (vx[2 * r:2 * r + 2, 2 * c:2 * c + 2] == p[1]).all()


def test_whole_macroblock_prediction_is_the_median_rule_of_the_vectors():
    """With no split macroblock, the cell predictor is _mv_median's on the macroblock grid."""
    enc, _ = _modules(render(SKIP))
    rng = np.random.default_rng(6)
    v = rng.integers(-30, 31, size=(6, 9))
    predicted = enc["_mv_median"](v)
    for r in range(6):
        for c in range(9):
            assert enc["_part_predictor"](v.tolist(), v.tolist(), r, c, 1, c)[0] == predicted[r, c]


@pytest.mark.parametrize("genome", MODE_GENOMES, ids=lambda g: g.summary())
def test_modes_round_trip_bit_exact_on_real_frames(genome, bikes):
    assert round_trips_over_the_ladder(genome, bikes) > 40


def test_modes_round_trip_across_an_intra_refresh(bikes):
    """The modes' counts carry from one predicted frame to the next, never across a key frame."""
    frames = np.concatenate([bikes, bikes[::-1]])  # ten frames: the eighth is a key frame
    size, psnr = _round_trip(render(replace(SPLIT, keyint=8)), frames, 40)
    assert psnr > 30 and size < _round_trip(render(replace(SPLIT, keyint=8, modes="off")), frames, 40)[0]


def test_modes_are_deterministic(bikes):
    config = {"quality": 35, "width": bikes.shape[2], "height": bikes.shape[1], "fps": 25.0}
    runs = []
    for _ in range(2):
        enc, _ = _modules(render(SPLIT))
        runs.append([enc["compress_video_frame"](f.copy(), i, dict(config)) for i, f in enumerate(bikes)])
    assert runs[0] == runs[1]


def _mode_shares(source: str, frames: np.ndarray, quality: int) -> np.ndarray:
    """Share of each mode among the predicted frames' macroblocks, as the encoder coded them."""
    enc, _ = _modules(source)
    coded, put = [], enc["_put_mb_modes"]

    def record(modes, frame_index, encoder):
        coded.append(modes.copy())
        put(modes, frame_index, encoder)

    enc["_put_mb_modes"] = record
    config = {"quality": quality, "width": frames.shape[2], "height": frames.shape[1], "fps": 25.0}
    for i, frame in enumerate(frames):
        enc["compress_video_frame"](frame.copy(), i, dict(config))
    modes = np.concatenate([m.ravel() for m in coded])
    return np.bincount(modes, minlength=len(enc["MODES"])) / len(modes)


def test_mode_choices_follow_the_quantiser(bikes):
    coarse, fine = (_mode_shares(render(SPLIT), bikes, q) for q in (15, 75))
    assert coarse[0] > fine[0] + 0.2  # SKIP where bits are dear
    assert fine[2] > coarse[2] and fine[2] > 0.05  # four vectors where they are cheap
    assert 0.0 < fine[0] < 1.0 and 0.0 < coarse[1] < 1.0


def test_modes_spend_fewer_bits_for_the_same_psnr():
    frames = bikes_clip(6).frames  # whole frames: the gain is the larger macroblock count's

    def curve(genome: Genome) -> list[tuple[float, float]]:
        return [_round_trip(render(genome), frames, q) for q in (25, 50, 75)]

    plain = curve(BASE)
    gains = {g.modes: bd_rate(plain, curve(g)) for g in (SKIP, SPLIT)}  # about -5% and -8% (bytes for PSNR-Y)
    assert gains["split"] is not None and gains["skip"] is not None, gains
    assert gains["split"] < gains["skip"] < -2.0, gains


def test_the_search_trades_distortion_for_vector_rate(bikes):
    enc, _ = _modules(render(SPLIT))
    cur, ref = (enc["_to_planes"](bikes[i], enc["_geometry"]({"height": 86, "width": 150}))[0] for i in (1, 0))
    vy, vx, phases = enc["_search"](cur, ref.astype(np.int16), 0.0)
    results = []
    for lam in (0.0, 40.0):
        ry, rx = enc["_refine"](cur, phases, vy, vx, 16, lam)
        bits = enc["_vector_bits"](ry - enc["_mv_median"](ry), rx - enc["_mv_median"](rx)).sum()
        results.append((bits, enc["_sad"](cur.astype(np.float32), phases, ry, rx, 16).sum()))
    (free_bits, free_sad), (dear_bits, dear_sad) = results
    assert dear_bits < free_bits and dear_sad > free_sad, results


@pytest.mark.parametrize("genome", [SPLIT, MODE_GENOMES[2]], ids=lambda g: g.summary())
def test_flat_and_tiny_frames_round_trip(genome):
    assert _round_trip(render(genome), np.zeros((3, 2, 2, 3), np.uint8), 50)[1] > 40
    size, psnr = _round_trip(render(genome), np.full((3, 17, 9, 3), 128, np.uint8), 0)
    assert psnr == 100.0 and size < 100


@pytest.mark.slow
@pytest.mark.parametrize("genome", [SPLIT, seed_genomes()[3], EVERYTHING], ids=("split", "motion seed", "lean"))
def test_modes_are_bit_exact_between_sandboxed_encoder_and_decoder(genome):
    from runner.evaluation.clips import default_suite
    from runner.evaluation.evaluator import clip_config
    from runner.sandbox.fork_server import Limits
    from runner.sandbox.pipeline import Sandbox
    from tests.runner.test_codecgen_blocks_sandbox import _encoder_view

    clip = default_suite().clip("bikes")
    frames = np.ascontiguousarray(clip.frames[:4, 30:118, 60:204])
    config = clip_config(clip, 45) | {"height": frames.shape[1], "width": frames.shape[2], "frames": len(frames)}
    source = render(genome)
    with Sandbox(limits=Limits(frame_seconds=5.0)) as box:
        first = box.run(source, frames, config, keep_payload=True)
        second = box.run(source, frames, config, keep_payload=True)
    assert first.verdict.ok, first.verdict
    assert first.payload == second.payload
    payload, pictures = _encoder_view(source, frames, config)
    assert payload == first.payload
    for decoded, picture in zip(first.decoded, pictures, strict=True):
        assert np.array_equal(decoded, picture)


def test_the_biggest_designs_are_rendered_lean_within_the_sandbox_s_limit():
    lean, documented = render(EVERYTHING), render(BASE)
    assert '"""' not in lean.split('"""', 2)[2]  # the module docstring is the only one left
    assert '"""' in documented.split('"""', 2)[2] and len(documented.encode()) <= LEAN_ABOVE_BYTES
    assert LEAN_ABOVE_BYTES < len(lean.encode()) <= MAX_SOURCE_BYTES
    assert validate(lean) == [] and genome_from_source(lean) == EVERYTHING


def test_the_offline_planner_never_proposes_a_source_the_sandbox_would_refuse(monkeypatch):
    import runner.planners.offline.planner as planner_module

    best = render(seed_genomes()[0])
    limit = len(best.encode()) + 2000  # as if the sandbox took little more than the best's size
    monkeypatch.setattr(planner_module, "MAX_SOURCE_BYTES", limit)
    sizes = []
    for iteration in range(len(seed_genomes()), len(seed_genomes()) + 12):
        context = PlannerContext(lineage="default", iteration=iteration, best_version=1, best_source=best,
                                 best_metrics=None, policy=Policy(), sources={sha256_of(best): best},
                                 best_sha256=sha256_of(best))
        sizes.append(len(OfflinePlanner().propose(context).source.encode()))
    assert max(sizes) <= limit
    monkeypatch.setattr(planner_module, "MAX_SOURCE_BYTES", 10**6)
    assert any(len(OfflinePlanner().propose(replace(context, iteration=i)).source.encode()) > limit
               for i in range(len(seed_genomes()), len(seed_genomes()) + 12))  # bigger ones were there to skip
