"""The offline planner's codec generator: genomes render to valid, working, deterministic codecs."""

from __future__ import annotations

import ast
import json
import random
from dataclasses import replace

import numpy as np
import pytest

from runner.planners.offline.genome import (
    GENE_HELP,
    GENES,
    Genome,
    active_genes,
    changed_genes,
    crossover,
    mutate,
    random_genome,
    seed_genomes,
)
from runner.planners.offline.render import genome_from_source, render
from runner.sandbox.validation import validate

ALLOWED_IMPORTS = {
    "numpy", "cv2", "math", "json", "struct", "base64", "typing", "zlib", "lzma", "bz2",
    "itertools", "functools", "collections", "heapq", "bisect", "constriction",
}
FORBIDDEN_CALLS = {
    "exec", "eval", "compile", "open", "__import__", "getattr", "setattr", "delattr", "globals",
    "locals", "vars", "breakpoint", "input",
}


def static_problems(source: str) -> list[str]:
    """This test's own reading of the sandbox rules (independent of runner.sandbox.validation)."""
    problems = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += [f"import {a.name}" for a in node.names if a.name.split(".")[0] not in ALLOWED_IMPORTS]
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] not in ALLOWED_IMPORTS:
                problems.append(f"from {node.module}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            problems.append(f"attribute {node.attr}")
        elif isinstance(node, ast.Name) and (node.id.startswith("__") or node.id in FORBIDDEN_CALLS):
            problems.append(f"name {node.id}")
    if "coding" in "\n".join(source.splitlines()[:2]):
        problems.append("coding declaration")
    if len(source.encode()) > 64 * 1024:
        problems.append("too long")
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    problems += [f"missing {f}" for f in ("compress_video_frame", "decompress_video_frame") if f not in names]
    return problems


def variety(count: int, seed: int = 7) -> list[Genome]:
    """Seeds, then a seeded stream of mutations, crossovers and random genomes."""
    rng = random.Random(seed)
    pool = list(seed_genomes())
    out = list(pool)
    while len(out) < count:
        roll = rng.random()
        if roll < 0.5:
            g = mutate(rng.choice(pool), rng)
        elif roll < 0.8:
            g = crossover(rng.choice(pool), rng.choice(pool), rng)
        else:
            g = random_genome(rng)
        pool.append(g)
        out.append(g)
    return out


# ------------------------------------------------------------------ genomes


def test_genome_refuses_values_outside_its_choices():
    with pytest.raises(ValueError):
        Genome(block=32)
    with pytest.raises(ValueError):
        Genome(dc_pred=1)  # a bool gene wants a bool
    with pytest.raises(ValueError):
        Genome.from_dict({"no_such_gene": 1})


def test_genome_dict_round_trip_and_key():
    for g in variety(40):
        assert Genome.from_dict(g.to_dict()) == g
        assert Genome.from_dict(json.loads(json.dumps(g.to_dict()))) == g
    assert Genome().key() == Genome.from_dict({}).key()
    assert Genome.from_dict({"chroma_q": 2}).chroma_q == 2.0  # JSON may turn 2.0 into 2


def test_every_gene_has_choices_help_and_a_default_among_them():
    defaults = Genome().to_dict()
    assert set(defaults) == set(GENES) == set(GENE_HELP)
    for name, choices in GENES.items():
        assert defaults[name] in choices
        assert len(set(choices)) == len(choices) >= 2


def test_seeds_start_from_a_plain_intra_codec():
    seeds = seed_genomes()
    assert len(seeds) >= 2
    assert seeds[0].prediction == "intra" and seeds[0].entropy == "zlib"
    assert len({s.key() for s in seeds}) == len(seeds)


def test_mutate_changes_active_genes_and_is_deterministic():
    base = seed_genomes()[0]
    a = [mutate(base, random.Random(11)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng1, rng2 = random.Random(5), random.Random(5)
    chain1, chain2 = [base], [base]
    for _ in range(50):
        chain1.append(mutate(chain1[-1], rng1))
        chain2.append(mutate(chain2[-1], rng2))
    assert chain1 == chain2
    for parent, child in zip(chain1, chain1[1:], strict=False):
        changed = changed_genes(parent, child)
        assert changed, "a mutation always changes something"
        assert set(changed) <= set(active_genes(parent)) | set(active_genes(child))


def test_mutate_with_gene_weights_prefers_them():
    rng = random.Random(3)
    base = seed_genomes()[0]
    hits = sum("entropy" in changed_genes(base, mutate(base, rng, n_genes=1, weights={"entropy": 50.0}))
               for _ in range(100))
    assert hits > 60


def test_crossover_takes_every_gene_from_a_parent():
    rng = random.Random(2)
    a, b = seed_genomes()[0], Genome(prediction="motion", subpel=2, entropy="lzma", block=16)
    for _ in range(50):
        c = crossover(a, b, rng)
        for name in GENES:
            assert getattr(c, name) in (getattr(a, name), getattr(b, name))
        motion = ("prediction", "mb", "search", "subpel", "mv_lambda", "mv_pred")
        assert any(all(getattr(c, n) == getattr(parent, n) for n in motion) for parent in (a, b))


# ------------------------------------------------------------------ rendered source


def test_render_is_deterministic_and_readable():
    for g in seed_genomes() + [random_genome(random.Random(9))]:
        text = render(g)
        assert text == render(Genome.from_dict(g.to_dict()))
        doc = ast.get_docstring(ast.parse(text))
        assert doc and "genes" in doc and f"block          = {g.block}" in doc
        assert genome_from_source(text) == g
    assert genome_from_source("x = 1") is None
    assert genome_from_source("def (") is None


def test_hundreds_of_genomes_render_to_source_the_sandbox_accepts():
    seen = set()
    for g in variety(240):
        text = render(g)
        if text in seen:
            continue
        seen.add(text)
        assert static_problems(text) == [], g
        if len(seen) % 6 == 1:  # the sandbox's own validator too, on a share of them (it is slower)
            assert validate(text) == [], g
    assert len(seen) > 200


def test_laplace_genomes_come_from_mutation_and_all_pass_the_sandbox_validator():
    rng = random.Random(4)
    base = seed_genomes()[0]
    assert any(mutate(base, rng).entropy == "laplace" for _ in range(200))
    laplace = {render(g) for g in variety(400) if g.entropy == "laplace"}
    assert len(laplace) > 40
    for text in laplace:
        assert static_problems(text) == [] and validate(text) == []
        assert "import constriction" in text


# ------------------------------------------------------------------ round trips


def _frames(count: int, h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth textured picture panning by (1, 2) pixels a frame, with a little noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h + 2 * count, 0:w + 2 * count].astype(np.float64)
    base = np.stack([
        110 + 70 * np.sin(xx / 7.0) * np.cos(yy / 5.0),
        60 + 150 * (xx + yy) / (w + h + 4 * count),
        128 + 90 * np.sin((xx - yy) / 11.0),
    ], axis=-1)
    out = []
    for i in range(count):
        f = base[2 * count - i:2 * count - i + h, 2 * count - 2 * i:2 * count - 2 * i + w]
        out.append(np.clip(np.rint(f + rng.normal(0, 2, f.shape)), 0, 255).astype(np.uint8))
    return np.stack(out)


def _modules(source: str):
    """Encoder and decoder as two separate module namespaces, as the two sandbox processes."""
    code = compile(source, "<candidate>", "exec")
    enc, dec = {"__name__": "encoder"}, {"__name__": "decoder"}
    exec(code, enc)
    exec(code, dec)
    return enc, dec


def _psnr_y(a: np.ndarray, b: np.ndarray) -> float:
    w = np.array([0.114, 0.587, 0.299])
    mse = float(np.mean((a.astype(np.float64) @ w - b.astype(np.float64) @ w) ** 2))
    return 100.0 if mse == 0 else min(100.0, 10 * np.log10(255.0**2 / mse))


def _round_trip(source: str, frames: np.ndarray, quality: int):
    enc, dec = _modules(source)
    h, w = frames.shape[1:3]
    config = {"quality": quality, "width": w, "height": h, "fps": 25.0}
    sizes, psnrs = [], []
    for i, frame in enumerate(frames):
        data = enc["compress_video_frame"](frame.copy(), i, dict(config))
        assert isinstance(data, bytes)
        out = dec["decompress_video_frame"](data, i, dict(config))
        assert isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.shape == frame.shape
        # the encoder's reference for the next frame is exactly what the decoder holds
        for a, b in zip(enc["STATE"]["ref"], dec["STATE"]["ref"], strict=True):
            assert np.array_equal(a, b)
        sizes.append(len(data))
        psnrs.append(_psnr_y(frame, out))
    return sum(sizes), float(np.mean(psnrs))


ROUND_TRIP_GENOMES = seed_genomes() + [
    Genome(prediction="motion", subpel=2, skip=True, qmatrix="flat", entropy="lzma", level=9,
           deadzone_inter=0.25, decimate=3, ipratio=1.4, chroma_q=2.0, dc_pred=True, mv_pred=True, deblock=2),
    Genome(colour="bgr", block=16, packing="sigmap", prediction="motion", mb=8, search=1, entropy="zlib_rle",
           scale=0.75, upscale="cubic", keyint=8),
    Genome(chroma="444", block=4, packing="rle", prediction="previous", deblock=3, decimate=6, entropy="bz2",
           scan="raster", chroma_up="nearest"),
    Genome(entropy="laplace"),
    Genome(prediction="motion", subpel=4, skip=True, dc_pred=True, mv_pred=True, block=16, entropy="laplace",
           level=9, decimate=2, keyint=8),
    Genome(colour="bgr", block=4, prediction="previous", skip=True, entropy="laplace", scan="raster", level=1),
]


@pytest.mark.parametrize("genome", ROUND_TRIP_GENOMES, ids=lambda g: g.summary())
def test_round_trip_is_bit_exact_and_psnr_rises_with_quality(genome):
    frames = _frames(4, 38, 50)  # sizes that are no multiple of any block size
    source = render(genome)
    results = [_round_trip(source, frames, q) for q in (5, 50, 95)]
    psnrs = [p for _, p in results]
    assert psnrs[0] < psnrs[1] < psnrs[2], results
    sizes = [s for s, _ in results]
    assert sizes[0] < sizes[2], results
    if genome.scale == 1.0:
        assert psnrs[2] > 40 and psnrs[0] < 35, results


def test_random_genomes_round_trip():
    rng = random.Random(17)
    frames = _frames(3, 24, 40, seed=1)
    for _ in range(6):
        g = random_genome(rng)
        size, psnr = _round_trip(render(g), frames, rng.choice((20, 60, 90)))
        assert size > 0 and psnr > 15


def test_random_laplace_genomes_round_trip():
    rng = random.Random(23)
    frames = _frames(3, 24, 40, seed=2)
    for _ in range(6):
        g = replace(random_genome(rng), entropy="laplace")
        size, psnr = _round_trip(render(g), frames, rng.choice((0, 20, 60, 90, 100)))
        assert size > 0 and psnr > 15


@pytest.mark.parametrize("g", [ROUND_TRIP_GENOMES[3], ROUND_TRIP_GENOMES[-2]], ids=lambda g: g.entropy)
def test_flat_and_tiny_frames_round_trip(g):
    black = np.zeros((3, 2, 2, 3), np.uint8)
    size, psnr = _round_trip(render(g), black, 50)
    assert psnr > 40
    gray = np.full((3, 17, 9, 3), 128, np.uint8)
    size, psnr = _round_trip(render(g), gray, 0)
    assert psnr == 100.0 and size < 200


def test_encoder_output_is_deterministic():
    frames = _frames(3, 32, 48)
    source = render(ROUND_TRIP_GENOMES[3])
    runs = []
    for _ in range(2):
        enc, _ = _modules(source)
        config = {"quality": 60, "width": 48, "height": 32, "fps": 25.0}
        runs.append([enc["compress_video_frame"](f, i, config) for i, f in enumerate(frames)])
    assert runs[0] == runs[1]


def test_decoder_restarts_at_frame_zero():
    """A process that encodes twice (say, two qualities) starts over at frame 0 each time."""
    frames = _frames(3, 32, 48)
    source = render(ROUND_TRIP_GENOMES[3])
    enc, dec = _modules(source)
    config = {"quality": 40, "width": 48, "height": 32, "fps": 25.0}
    first = [enc["compress_video_frame"](f, i, config) for i, f in enumerate(frames)]
    second = [enc["compress_video_frame"](f, i, config) for i, f in enumerate(frames)]
    assert first == second
    outs = [dec["decompress_video_frame"](d, i, config) for run in (first, second) for i, d in enumerate(run)]
    assert all(np.array_equal(a, b) for a, b in zip(outs[:3], outs[3:], strict=True))


def test_decoder_reads_the_quality_from_the_bytes():
    frames = _frames(2, 32, 48)
    enc, dec = _modules(render(ROUND_TRIP_GENOMES[2]))
    config = {"quality": 70, "width": 48, "height": 32, "fps": 25.0}
    data = [enc["compress_video_frame"](f, i, config) for i, f in enumerate(frames)]
    _, dec2 = _modules(render(ROUND_TRIP_GENOMES[2]))
    a = [dec["decompress_video_frame"](d, i, config) for i, d in enumerate(data)]
    b = [dec2["decompress_video_frame"](d, i, dict(config, quality=10)) for i, d in enumerate(data)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
