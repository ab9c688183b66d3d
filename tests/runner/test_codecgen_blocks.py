"""The offline planner's blocks added after codecgen-1 (median-predicted, range-coded motion vectors;
range-coded side information; 6-tap sub-sample interpolation; RD-optimised quantisation): older
genomes render exactly as before, the planner reaches the new genes, and the new blocks round-trip
bit-exactly on real frames (in-process here; in the sandbox in test_codecgen_blocks_sandbox.py)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace

import numpy as np
import pytest

from domain.ids import sha256_of
from domain.policy import Policy
from runner.evaluation.clips import bikes_clip
from runner.planners.base import PlannerContext
from runner.planners.offline.genome import LATER_GENES, PRIOR_WEIGHTS, Genome, active_genes, mutate, seed_genomes
from runner.planners.offline.planner import OfflinePlanner
from runner.planners.offline.render import genome_from_source, render
from runner.sandbox.validation import validate
from tests.runner.test_codecgen import _modules, _round_trip, static_problems

# The genes and their choices as codecgen-1 had them, frozen here: genomes drawn from them must
# render to the very text they rendered to then (ledgers know candidates by their source's sha256).
CODECGEN_1_GENES: dict[str, tuple] = {
    "colour": ("ycbcr", "bgr"), "chroma": ("444", "420"), "chroma_q": (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0),
    "block": (4, 8, 16), "qmatrix": ("flat", "jpeg", "ramp"), "qmatrix_inter": ("flat", "jpeg", "ramp"),
    "ramp": (0.02, 0.04, 0.06, 0.08, 0.12, 0.16), "deadzone_intra": (0.2, 0.25, 0.33, 0.42, 0.5),
    "deadzone_inter": (0.1, 0.17, 0.25, 0.33, 0.42, 0.5), "scan": ("raster", "zigzag"),
    "packing": ("planes", "rle", "sigmap"), "dc_pred": (False, True), "prediction": ("intra", "previous", "motion"),
    "mb": (8, 16), "search": (1, 2, 3, 4, 6, 8, 12, 16), "subpel": (1, 2, 4), "mv_lambda": (0.0, 0.125, 0.25, 0.5, 1.0),
    "mv_pred": (False, True), "skip": (False, True), "deblock": (0, 1, 2, 3), "decimate": (0, 1, 2, 3, 4, 6),
    "ipratio": (1.0, 1.2, 1.4, 1.7, 2.0, 2.5), "keyint": (0, 30, 15, 8), "scale": (0.5, 0.75, 1.0),
    "upscale": ("linear", "cubic"), "chroma_up": ("nearest", "linear"),
    "entropy": ("zlib", "zlib_rle", "bz2", "lzma", "laplace"), "level": (1, 3, 6, 9),
}
# sha256 of the 60 genomes' sources concatenated, as rendered before the later genes existed
CODECGEN_1_DIGEST = "8988b2858842e50f88a1966229ff07431c292fee3406db8f63868f0469a72706"

MOTION_LAPLACE = Genome(
    prediction="motion", mb=16, search=16, subpel=2, qmatrix="jpeg", qmatrix_inter="jpeg", deadzone_intra=0.2,
    deadzone_inter=0.33, decimate=2, deblock=1, chroma_q=4.0, dc_pred=True, skip=True, mv_pred=True,
    entropy="laplace", level=9,
)
NEW_BLOCK_GENOMES = [
    replace(MOTION_LAPLACE, mv_code="laplace"),
    replace(MOTION_LAPLACE, mv_code="laplace", rdoq=0.15),
    Genome(prediction="motion", mb=8, search=3, subpel=4, chroma="444", entropy="laplace", mv_code="laplace",
           keyint=8, rdoq=0.3),
    Genome(colour="bgr", prediction="motion", mb=16, search=1, subpel=1, entropy="laplace", mv_code="laplace",
           skip=True, block=4),
    replace(MOTION_LAPLACE, mv_code="laplace", side="range"),
    replace(MOTION_LAPLACE, side="range", skip=False, block=16, dc_pred=False),
    replace(MOTION_LAPLACE, interp="sixtap"),
    Genome(prediction="motion", subpel=4, interp="sixtap", search=2, entropy="zlib", chroma_q=2.0),
    Genome(rdoq=0.1),  # intra, deflated levels
    Genome(prediction="previous", skip=True, block=16, packing="rle", entropy="bz2", rdoq=0.2),
]


@pytest.fixture(scope="module")
def bikes() -> np.ndarray:
    """Five real frames of bikes.mp4, cropped to a size that is no multiple of any block size."""
    return np.ascontiguousarray(bikes_clip(5).frames[:, 20:106, 40:190])


def test_genomes_of_codecgen_1_render_to_the_same_text():
    rng = random.Random(12)
    genomes = [Genome(**{n: rng.choice(c) for n, c in CODECGEN_1_GENES.items()}) for _ in range(60)]
    digest = hashlib.sha256()
    for g in genomes:
        digest.update(render(g).encode())
    assert digest.hexdigest() == CODECGEN_1_DIGEST
    for g in genomes[:5]:
        assert not any(f"'{name}'" in render(g) for name in LATER_GENES)


def test_new_genes_are_written_into_the_source_and_read_back():
    for g in NEW_BLOCK_GENOMES:
        text = render(g)
        assert genome_from_source(text) == g
        assert static_problems(text) == [] and validate(text) == [], g.summary()
    assert "RDOQ_LAMBDA = 0.15" in render(NEW_BLOCK_GENOMES[1])
    assert "_mv_unmedian" in render(NEW_BLOCK_GENOMES[0]) and "_mv_unmedian" not in render(MOTION_LAPLACE)


def test_mv_code_is_active_only_where_the_range_coder_is():
    assert "mv_code" in active_genes(MOTION_LAPLACE) and "mv_pred" in active_genes(MOTION_LAPLACE)
    coded = replace(MOTION_LAPLACE, mv_code="laplace")
    assert coded.mv_laplace and "mv_pred" not in active_genes(coded)
    lzma = replace(coded, entropy="lzma")
    assert not lzma.mv_laplace and "mv_code" not in active_genes(lzma)
    assert render(lzma) != render(replace(lzma, mv_code="bytes"))  # recorded, though inactive
    assert "rdoq" in active_genes(Genome())
    assert "side" in active_genes(MOTION_LAPLACE) and "side" not in active_genes(lzma)
    assert "interp" in active_genes(MOTION_LAPLACE) and "interp" not in active_genes(replace(lzma, subpel=1))


def test_mutation_from_the_seeds_reaches_every_new_gene():
    rng = random.Random(1)
    reached: dict[str, set] = {name: set() for name in LATER_GENES}
    for start in seed_genomes():
        g = start
        for _ in range(300):
            g = mutate(g, rng, weights=PRIOR_WEIGHTS)
            reached["rdoq"].add(g.rdoq)
            if g.mv_laplace:
                reached["mv_code"].add(g.mv_code)
            if g.entropy == "laplace":
                reached["side"].add(g.side)
            if g.motion and g.subpel > 1:
                reached["interp"].add(g.interp)
    assert reached["mv_code"] == {"laplace"} and reached["side"] == {"deflate", "range"}
    assert reached["interp"] == {"bilinear", "sixtap"} and len(reached["rdoq"] - {0.0}) >= 3


def test_median_prediction_inverts_on_any_field():
    enc, _ = _modules(render(NEW_BLOCK_GENOMES[0]))
    rng = np.random.default_rng(3)
    for shape in ((1, 1), (1, 7), (6, 1), (5, 2), (9, 22)):
        v = rng.integers(-64, 65, size=shape).astype(np.int64)
        d = v - enc["_mv_median"](v)
        assert np.array_equal(enc["_mv_unmedian"](d), v)
    smooth = np.full((9, 22), 6, dtype=np.int64)
    assert not (smooth - enc["_mv_median"](smooth))[1:].any()  # a uniform field costs differences of 0


@pytest.mark.parametrize("genome", NEW_BLOCK_GENOMES, ids=lambda g: g.summary())
def test_new_blocks_round_trip_bit_exact_on_real_frames(genome, bikes):
    assert round_trips_over_the_ladder(genome, bikes) > 40


def round_trips_over_the_ladder(genome: Genome, frames) -> float:
    """Encode and decode frames at quality 10, 50 and 90 (_round_trip asserts that encoder and decoder agree bit
    for bit); bytes and PSNR-Y must both rise with quality. Returns the PSNR-Y at quality 90."""
    source = render(genome)
    results = [_round_trip(source, frames, q) for q in (10, 50, 90)]
    sizes, psnrs = zip(*results, strict=True)
    assert sizes[0] < sizes[1] < sizes[2] and psnrs[0] < psnrs[1] < psnrs[2], results
    return psnrs[2]


def test_range_coded_vectors_are_deterministic(bikes):
    source = render(NEW_BLOCK_GENOMES[1])
    config = {"quality": 40, "width": bikes.shape[2], "height": bikes.shape[1], "fps": 25.0}
    runs = []
    for _ in range(2):
        enc, _ = _modules(source)
        runs.append([enc["compress_video_frame"](f.copy(), i, dict(config)) for i, f in enumerate(bikes)])
    assert runs[0] == runs[1]


def test_rdoq_spends_fewer_bytes_for_little_loss(bikes):
    plain, optimised = MOTION_LAPLACE, replace(MOTION_LAPLACE, rdoq=0.15)
    for quality in (30, 70):
        (size, psnr), (size_rd, psnr_rd) = (_round_trip(render(g), bikes, quality) for g in (plain, optimised))
        assert size_rd < size and psnr - psnr_rd < 0.5, (quality, size, psnr, size_rd, psnr_rd)


@pytest.mark.parametrize("subpel", [2, 4])
def test_six_tap_phases_are_exact_on_a_linear_plane(subpel):
    enc, _ = _modules(render(replace(MOTION_LAPLACE, interp="sixtap", subpel=subpel)))
    plane = (np.arange(20)[None, :] * 4 + np.arange(16)[:, None] * 8).astype(np.int16)
    phases, pad = enc["_subpel_planes"](plane), enc["PAD"]
    padded = np.pad(plane, pad, mode="edge")[:-1, :-1]
    inner = (slice(pad + 3, -pad - 3),) * 2  # away from the edge padding the filter reaches into
    for fy in range(subpel):
        for fx in range(subpel):
            expected = padded + 8 * fy / subpel + 4 * fx / subpel
            assert np.array_equal(phases[fy * subpel + fx][inner], expected[inner]), (fy, fx)
    assert np.array_equal(phases[0], padded)


def test_range_coded_side_information_is_smaller_and_lossless(bikes):
    deflated, ranged = MOTION_LAPLACE, replace(MOTION_LAPLACE, side="range")
    for quality in (15, 60):
        (size, psnr), (size_range, psnr_range) = (_round_trip(render(g), bikes, quality) for g in (deflated, ranged))
        assert size_range < size and psnr_range == psnr, (quality, size, size_range)


@pytest.mark.parametrize("genome", [NEW_BLOCK_GENOMES[2], NEW_BLOCK_GENOMES[4]], ids=lambda g: g.summary())
def test_flat_and_tiny_frames_round_trip_with_everything_range_coded(genome):
    black = np.zeros((3, 2, 2, 3), np.uint8)
    assert _round_trip(render(genome), black, 50)[1] > 40
    gray = np.full((3, 17, 9, 3), 128, np.uint8)
    size, psnr = _round_trip(render(genome), gray, 0)
    assert psnr == 100.0 and size < 100


def test_the_offline_planner_starts_the_range_coded_motion_family():
    proposed = []
    for iteration in range(len(seed_genomes())):
        context = PlannerContext(lineage="default", iteration=iteration, best_version=0, best_source="x = 1\n",
                                 best_metrics=None, policy=Policy())
        proposal = OfflinePlanner().propose(context)
        proposed.append(Genome.from_dict(proposal.details["genome"]))
        assert proposal.source == render(proposed[-1])
    assert any(g.mv_laplace and g.side == "range" for g in proposed)


def test_the_offline_planner_draws_runners_up_from_the_pareto_front():
    best, member = seed_genomes()[0], MOTION_LAPLACE
    best_source, member_source = render(best), render(member)
    sources = {sha256_of(best_source): best_source, sha256_of(member_source): member_source}

    def hows(front: list[str]) -> list[str]:
        context = PlannerContext(lineage="default", iteration=len(seed_genomes()) + 1, best_version=1,
                                 best_source=best_source, best_metrics=None, policy=Policy(), sources=sources,
                                 best_sha256=sha256_of(best_source), front=front)
        return [OfflinePlanner(seed=seed).propose(context).rationale for seed in range(40)]

    with_front = hows([sha256_of(member_source)])
    assert any(how.startswith(f"mutation of a runner-up ({member.summary()})") or
               how.startswith("crossover of v1 with a runner-up") for how in with_front)
    assert not any("runner-up" in how for how in hows([]))  # no history and no front: nobody else to draw on
