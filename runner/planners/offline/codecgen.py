"""The offline planner's codec generator: a genome of codec design choices -> candidate source.

A :class:`Genome` is a frozen, JSON-safe set of genes, each drawn from a small list of
choices (``GENES``). :func:`render` turns it into the whole text of one candidate module
that honours the candidate contract (``compress_video_frame`` / ``decompress_video_frame``)
and the sandbox's rules, built from real codec blocks:

- BT.601 YCbCr (or plain BGR planes), 4:4:4 or 4:2:0 chroma with extra chroma quantisation;
- optional down-scaling before coding and up-scaling after decoding;
- block DCT of size 4, 8 or 16, vectorised over all blocks, with an *integer* inverse that is
  evaluated exactly (so the encoder's reconstruction equals the decoder's bit for bit, on
  any machine, whatever BLAS does);
- intra and inter quantisation matrices (flat, JPEG-like, frequency ramp) scaled by
  ``quality`` through a log-linear step table, dead-zone quantisers, an I/P step ratio;
- zig-zag or raster scan; coefficient planes, run-length or significance-map packing; DC DPCM;
- prediction from the previous decoded frame, with or without vectorised block motion search
  (full search, coarse-to-fine beyond +-4; integer, half or quarter sample), motion-vector
  DPCM, skipped blocks (one flag bit each), decimation of inter blocks that hold only a few
  +-1 levels, and an in-loop deblocking filter;
- entropy coding with zlib (raw deflate, or its run-length strategy), lzma (raw LZMA2) or bz2.

Every genome renders to working source (tests/runner/test_codecgen.py checks hundreds). The
API: ``seed_genomes()``, ``mutate(genome, rng)``, ``crossover(a, b, rng)``, ``merge_changes``,
``render(genome)``, ``genome_from_source(source)``, ``active_genes``, ``changed_genes``.

Everything here is pure: no I/O, and randomness only from the ``random.Random`` passed in.
"""

from __future__ import annotations

import ast
import json
import math
import random
from dataclasses import asdict, dataclass, fields, replace

GENERATOR_VERSION = "codecgen-1"

# Each gene: its choices, in order (ordered genes mutate mostly to a neighbour).
GENES: dict[str, tuple] = {
    "colour": ("ycbcr", "bgr"),
    "chroma": ("444", "420"),
    "chroma_q": (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0),
    "block": (4, 8, 16),
    "qmatrix": ("flat", "jpeg", "ramp"),
    "qmatrix_inter": ("flat", "jpeg", "ramp"),
    "ramp": (0.02, 0.04, 0.06, 0.08, 0.12, 0.16),
    "deadzone_intra": (0.2, 0.25, 0.33, 0.42, 0.5),
    "deadzone_inter": (0.1, 0.17, 0.25, 0.33, 0.42, 0.5),
    "scan": ("raster", "zigzag"),
    "packing": ("planes", "rle", "sigmap"),
    "dc_pred": (False, True),
    "prediction": ("intra", "previous", "motion"),
    "mb": (8, 16),
    "search": (1, 2, 3, 4, 6, 8, 12, 16),
    "subpel": (1, 2, 4),
    "mv_lambda": (0.0, 0.125, 0.25, 0.5, 1.0),
    "mv_pred": (False, True),
    "skip": (False, True),
    "deblock": (0, 1, 2, 3),
    "decimate": (0, 1, 2, 3, 4, 6),
    "ipratio": (1.0, 1.2, 1.4, 1.7, 2.0, 2.5),
    "keyint": (0, 30, 15, 8),
    "scale": (0.5, 0.75, 1.0),
    "upscale": ("linear", "cubic"),
    "chroma_up": ("nearest", "linear"),
    "entropy": ("zlib", "zlib_rle", "bz2", "lzma"),
    "level": (1, 3, 6, 9),
}

# Genes whose choices are ordered (mutation steps to a neighbour most of the time).
ORDERED = {
    "chroma_q", "block", "ramp", "deadzone_intra", "deadzone_inter", "mb", "search", "subpel",
    "mv_lambda", "deblock", "decimate", "ipratio", "keyint", "scale", "level",
}

GENE_HELP = {
    "colour": "colour planes coded: BT.601 YCbCr or the raw B, G, R planes",
    "chroma": "chroma sampling (4:2:0 averages 2x2 chroma samples)",
    "chroma_q": "extra quantiser step factor for the chroma planes",
    "block": "DCT block size (integer inverse, bit-exact on both sides)",
    "qmatrix": "intra quantisation matrix: flat, JPEG-like, or a frequency ramp",
    "qmatrix_inter": "quantisation matrix of inter (residual) blocks",
    "ramp": "ramp matrix: step grows by this fraction per unit of (u + v) at 8x8 scale",
    "deadzone_intra": "rounding offset of intra levels (0.5 = plain rounding)",
    "deadzone_inter": "rounding offset of inter (residual) levels",
    "scan": "coefficient scan order",
    "packing": "level packing: coefficient planes, run-length pairs, or significance map",
    "dc_pred": "DPCM of intra DC levels from the left (and above) block",
    "prediction": "intra only, the previous decoded frame, or block motion compensation",
    "mb": "motion block size (luma samples)",
    "search": "motion search range (+-, luma samples; above 4: coarse-to-fine from half resolution)",
    "subpel": "motion precision: 1 = integer, 2 = half, 4 = quarter sample (bilinear, in integers)",
    "mv_lambda": "motion cost: SAD + mv_lambda * step * |mv|",
    "mv_pred": "DPCM of motion vectors from the left (and above) block",
    "skip": "one flag bit per block; blocks whose levels are all zero cost nothing else",
    "deblock": "in-loop deblocking filter strength across block edges (0 = off)",
    "decimate": "inter blocks whose levels are only this many +-1 (and nothing larger) are zeroed",
    "ipratio": "intra frames use a step this many times finer",
    "keyint": "intra refresh period in frames (0 = only the first frame)",
    "scale": "coding resolution relative to the input",
    "upscale": "interpolation back to the input resolution",
    "chroma_up": "chroma up-sampling for 4:2:0",
    "entropy": "final entropy coder (zlib_rle: deflate with run-length matches only)",
    "level": "entropy coder level (zlib/bz2 level; lzma preset)",
}


# A codec engineer's prior on where the big wins are: mutate() picks genes in proportion to
# these weights (1 where absent) unless the caller passes its own (say, learnt from the ledger).
PRIOR_WEIGHTS = {
    "prediction": 3.0, "entropy": 2.0, "packing": 1.5, "qmatrix_inter": 1.5, "subpel": 1.5,
    "deblock": 1.5, "deadzone_inter": 1.5, "skip": 1.5, "search": 1.5,
}


@dataclass(frozen=True)
class Genome:
    """One codec design: every gene always present, every combination valid."""

    colour: str = "ycbcr"
    chroma: str = "420"
    chroma_q: float = 1.0
    block: int = 8
    qmatrix: str = "jpeg"
    qmatrix_inter: str = "flat"
    ramp: float = 0.06
    deadzone_intra: float = 0.5
    deadzone_inter: float = 0.5
    scan: str = "zigzag"
    packing: str = "planes"
    dc_pred: bool = False
    prediction: str = "intra"
    mb: int = 16
    search: int = 2
    subpel: int = 2
    mv_lambda: float = 0.25
    mv_pred: bool = False
    skip: bool = False
    deblock: int = 0
    decimate: int = 0
    ipratio: float = 1.0
    keyint: int = 0
    scale: float = 1.0
    upscale: str = "linear"
    chroma_up: str = "linear"
    entropy: str = "zlib"
    level: int = 6

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value not in GENES[f.name] or type(value) is not type(GENES[f.name][0]):
                raise ValueError(f"gene {f.name}={value!r} is not one of {GENES[f.name]}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Genome":
        """Builds a genome from a dict; unknown keys are refused, missing ones take defaults."""
        unknown = set(data) - set(GENES)
        if unknown:
            raise ValueError(f"unknown genes: {sorted(unknown)}")
        clean = {}
        for name, value in data.items():
            kind = type(GENES[name][0])
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            clean[name] = value
        return cls(**clean)

    def key(self) -> str:
        """A canonical JSON text of the genes (sorted keys): equal genomes, equal keys."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def summary(self) -> str:
        """A short human-readable description (the genes that matter)."""
        g = self
        parts = [g.colour + ("" if g.colour == "bgr" else " " + g.chroma)]
        if g.scale != 1.0:
            parts.append(f"scale {g.scale}")
        inter_matrix = f"/{g.qmatrix_inter}" if g.prediction != "intra" and g.qmatrix_inter != g.qmatrix else ""
        parts.append(f"DCT{g.block} {g.qmatrix}{inter_matrix}")
        if g.prediction == "motion":
            precision = {1: "", 2: " half-pel", 4: " quarter-pel"}[g.subpel]
            parts.append(f"motion mb{g.mb} +-{g.search}{precision}")
        elif g.prediction == "previous":
            parts.append("previous-frame")
        else:
            parts.append("intra")
        parts.append(f"{g.packing} {g.entropy}-{g.level}")
        return ", ".join(parts)


def active_genes(genome: Genome) -> list[str]:
    """The genes that change the codec's behaviour given the others (in GENES order)."""
    g = genome
    inter = g.prediction != "intra"
    out = []
    for name in GENES:
        if name in ("chroma", "chroma_q", "chroma_up") and g.colour == "bgr":
            continue
        if name == "chroma_up" and g.chroma != "420":
            continue
        if name == "ramp" and g.qmatrix != "ramp" and (g.qmatrix_inter != "ramp" or not inter):
            continue
        if name in ("qmatrix_inter", "deadzone_inter", "decimate", "ipratio", "keyint") and not inter:
            continue
        if name in ("mb", "search", "subpel", "mv_lambda", "mv_pred") and g.prediction != "motion":
            continue
        if name == "upscale" and g.scale == 1.0:
            continue
        out.append(name)
    return out


def changed_genes(parent: Genome, child: Genome) -> dict[str, tuple]:
    """{gene: (parent value, child value)} for every gene that differs."""
    a, b = parent.to_dict(), child.to_dict()
    return {k: (a[k], b[k]) for k in GENES if a[k] != b[k]}


# --------------------------------------------------------------------------- seeds, variation


def seed_genomes() -> list[Genome]:
    """Sane starting points. The first is a plain intra DCT codec close to (a bit behind) JPEG."""
    return [
        # JPEG-like: 8x8 DCT, JPEG matrices, 4:2:0, zig-zag, plain rounding, deflate.
        Genome(),
        # A different intra family: 4x4 blocks, frequency ramp, run-length pairs, bz2.
        Genome(block=4, qmatrix="ramp", ramp=0.08, packing="rle", entropy="bz2", level=9,
               chroma_q=1.5, deadzone_intra=0.42),
        # Conditional replenishment: residual against the previous decoded frame, skipped blocks.
        Genome(prediction="previous", skip=True, packing="planes", entropy="zlib", level=9),
    ]


def _choose_other(name: str, value, rng: random.Random):
    choices = GENES[name]
    i = choices.index(value)
    if name in ORDERED and len(choices) > 2 and rng.random() < 0.75:
        steps = [j for j in (i - 1, i + 1) if 0 <= j < len(choices)]
        return choices[rng.choice(steps)]
    return rng.choice([c for j, c in enumerate(choices) if j != i])


def mutate(genome: Genome, rng: random.Random, n_genes: int | None = None,
           weights: dict[str, float] | None = None) -> Genome:
    """A new genome that differs from ``genome`` in 1-3 active genes (``n_genes`` to fix it).

    ``weights`` (gene -> relative weight, 1 where absent; ``PRIOR_WEIGHTS`` when None) biases
    which genes are picked, so that a planner can favour the genes whose changes helped before."""
    if n_genes is None:
        n_genes = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
    if weights is None:
        weights = PRIOR_WEIGHTS

    def pick(g: Genome) -> str:
        names = active_genes(g)
        return rng.choices(names, weights=[max(0.0, float(weights.get(n, 1.0))) + 1e-9 for n in names])[0]

    current = genome
    for _ in range(n_genes):
        name = pick(current)
        current = replace(current, **{name: _choose_other(name, getattr(current, name), rng)})
    if current == genome:  # a later step undid an earlier one: change one more gene
        name = pick(genome)
        current = replace(genome, **{name: _choose_other(name, getattr(genome, name), rng)})
    return current


def crossover(a: Genome, b: Genome, rng: random.Random) -> Genome:
    """Uniform crossover; the motion genes travel together, as one block of design."""
    da, db = a.to_dict(), b.to_dict()
    groups = [("prediction", "mb", "search", "subpel", "mv_lambda", "mv_pred")]
    grouped = {n for grp in groups for n in grp}
    out = {}
    for grp in groups:
        src = da if rng.random() < 0.5 else db
        out.update({n: src[n] for n in grp})
    for name in GENES:
        if name not in grouped:
            out[name] = da[name] if rng.random() < 0.5 else db[name]
    return Genome(**out)


def merge_changes(base: Genome, children: list[Genome]) -> Genome:
    """``base`` with every gene that each child changed relative to it (later children win).

    A planner can combine several small improvements that were each below the adoption
    threshold into one candidate."""
    out = base.to_dict()
    for child in children:
        out.update({name: new for name, (_, new) in changed_genes(base, child).items()})
    return Genome(**out)


def random_genome(rng: random.Random) -> Genome:
    """Every gene drawn uniformly (used by tests and for diversity)."""
    return Genome(**{name: rng.choice(choices) for name, choices in GENES.items()})


# --------------------------------------------------------------------------- tables

_JPEG_LUMA = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]
_JPEG_CHROMA = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
]

# Deblocking (alpha, beta, tc) in 1/16 of the plane's DC step, per strength 1..3.
DEBLOCK_STRENGTH = {1: (24, 8, 4), 2: (40, 12, 8), 3: (64, 16, 16)}

# lzma presets per level gene (presets 6..9 differ only in dictionary size, which is fixed here).
LZMA_PRESETS = {1: (1, "MF_HC4"), 3: (3, "MF_HC4"), 6: (6, "MF_HC4"), 9: (6, "MF_BT4")}

# Quantiser step (orthonormal DCT units) at quality 0 and at quality 100; log-linear between.
STEP_AT_Q0 = 240.0
STEP_AT_Q100 = 2.0
IDCT_SHIFT = 12  # the integer inverse DCT matrix is round(2**12 * C)


def _step16_table() -> list[int]:
    out = []
    for q in range(101):
        step = STEP_AT_Q0 * (STEP_AT_Q100 / STEP_AT_Q0) ** (q / 100.0)
        out.append(int(round(step * 16)))
    return out


def _weights16(genome: Genome, chroma: bool, kind: str) -> list[int]:
    """Quantisation weights of a BLOCK x BLOCK matrix of this kind, in 1/16 units (16 = the bare step)."""
    n = genome.block
    out = []
    for u in range(n):
        for v in range(n):
            if kind == "flat":
                w = 1.0
            elif kind == "jpeg":
                table = _JPEG_CHROMA if chroma else _JPEG_LUMA
                w = table[(u * 8 // n) * 8 + (v * 8 // n)] / table[0]
            else:
                w = 1.0 + genome.ramp * (u + v) * 8.0 / n
            out.append(max(1, int(round(w * 16))))
    return out


def _scan_order(n: int, kind: str) -> list[int]:
    if kind == "raster":
        return list(range(n * n))
    cells = [(u, v) for u in range(n) for v in range(n)]
    cells.sort(key=lambda c: (c[0] + c[1], c[0] if (c[0] + c[1]) % 2 else c[1]))
    return [u * n + v for u, v in cells]


def _idct_int(n: int) -> list[int]:
    out = []
    for k in range(n):
        a = math.sqrt((1.0 if k == 0 else 2.0) / n)
        for i in range(n):
            out.append(int(round((1 << IDCT_SHIFT) * a * math.cos(math.pi * (2 * i + 1) * k / (2 * n)))))
    return out


def _fmt_ints(values: list[int], per_line: int, indent: str = "    ") -> str:
    lines = []
    for i in range(0, len(values), per_line):
        lines.append(indent + ", ".join(str(v) for v in values[i:i + per_line]) + ",")
    return "\n".join(lines)


# --------------------------------------------------------------------------- render

_ENTROPY = {
    "zlib": (
        "zlib",
        '''\
def _squeeze(raw):
    # deflate's level 9 walks very long hash chains on big inputs: cap its effort there
    # (the stream format, and so the decoder, does not depend on the level)
    packer = zlib.compressobj(LEVEL if len(raw) < 65536 else min(LEVEL, 6), zlib.DEFLATED, -15, 9)
    return packer.compress(raw) + packer.flush()


def _unsqueeze(data):
    return zlib.decompress(data, -15)
''',
    ),
    "zlib_rle": (
        "zlib",
        '''\
def _squeeze(raw):
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    return packer.compress(raw) + packer.flush()


def _unsqueeze(data):
    return zlib.decompress(data, -15)
''',
    ),
    "bz2": (
        "bz2",
        '''\
def _squeeze(raw):
    return bz2.compress(raw, LEVEL)


def _unsqueeze(data):
    return bz2.decompress(data)
''',
    ),
    "lzma": (
        "lzma",
        '''\
# Raw LZMA2 (no container header); literals without context bits suit these level planes.
FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": LEVEL, "dict_size": 1 << 22, "lc": 0, "lp": 0, "pb": 0,
            "mf": MATCH_FINDER}]


def _squeeze(raw):
    return lzma.compress(raw, format=lzma.FORMAT_RAW, filters=FILTERS)


def _unsqueeze(data):
    return lzma.decompress(data, format=lzma.FORMAT_RAW, filters=FILTERS)
''',
    ),
}


def _docstring(genome: Genome) -> str:
    title = f"Offline-planner codec: {genome.summary()}."
    lines = [title, "", f"Written by codec-ledger's offline planner ({GENERATOR_VERSION}) from these genes:"]
    active = set(active_genes(genome))
    for name in GENES:
        value = getattr(genome, name)
        mark = "" if name in active else "  (inactive)"
        lines.append(f"  {name:15s}= {value!s:8s} {GENE_HELP[name]}{mark}")
    lines += [
        "",
        "The inverse transform, dequantisation and prediction are integer-exact, so the encoder's",
        "reconstruction (its reference for the next frame) equals the decoder's bit for bit.",
    ]
    return '"""' + "\n".join(lines) + '\n"""\n'


def render(genome: Genome) -> str:
    """The whole candidate module for ``genome`` (deterministic: same genome, same text)."""
    g = genome
    n = g.block
    ycc = g.colour == "ycbcr"
    sub = ycc and g.chroma == "420"
    inter = g.prediction != "intra"
    motion = g.prediction == "motion"
    scaled = g.scale != 1.0
    entropy_module, entropy_code = _ENTROPY[g.entropy]
    level = LZMA_PRESETS[g.level][0] if g.entropy == "lzma" else g.level

    align = max(n, g.mb if motion else 1) * (2 if sub else 1)
    w_luma = _weights16(g, False, g.qmatrix)
    w_chroma = _weights16(g, True, g.qmatrix) if ycc else w_luma
    w_luma_inter = _weights16(g, False, g.qmatrix_inter) if inter else w_luma
    w_chroma_inter = (_weights16(g, True, g.qmatrix_inter) if ycc else w_luma_inter) if inter else w_chroma
    cq16 = int(round(g.chroma_q * 16)) if ycc else 16
    ipr16 = int(round(g.ipratio * 16)) if inter else 16

    imports = sorted({entropy_module, "struct"})
    need_cv2 = scaled or motion or (sub and g.chroma_up == "linear")
    out: list[str] = [_docstring(g)]
    out.append("".join(f"import {m}\n" for m in imports) + "\n")
    if need_cv2:
        out.append("import cv2\n")
    out.append("import numpy as np\n\n")
    items = [f"{k!r}: {v!r}" for k, v in sorted(g.to_dict().items())]
    rows = [", ".join(items[i:i + 5]) for i in range(0, len(items), 5)]
    out.append("GENES = {\n" + "".join(f"    {row},\n" for row in rows) + "}\n\n")

    consts = [
        f"BLOCK = {n}",
        f"ALIGN = {align}  # luma planes are padded to a multiple of this",
        f"SCALE = {g.scale!r}",
        f"CHROMA_420 = {sub}",
        f"CHROMA_Q16 = {cq16}  # chroma step factor in 1/16",
        f"IPRATIO16 = {ipr16}  # intra step divisor in 1/16",
        f"DEADZONE_INTRA = {g.deadzone_intra!r}",
        f"DEADZONE_INTER = {g.deadzone_inter!r}",
        f"DC_PRED = {g.dc_pred}",
        f"SKIP = {g.skip}",
        f"DECIMATE = {g.decimate if inter else 0}",
        f"KEYINT = {g.keyint if inter else 1}",
        f"LEVEL = {level}",
    ]
    if g.entropy == "lzma":
        consts.append(f"MATCH_FINDER = lzma.{LZMA_PRESETS[g.level][1]}")
    if g.deblock:
        a16, b16, t16 = DEBLOCK_STRENGTH[g.deblock]
        consts += [
            f"DEBLOCK_ALPHA16 = {a16}  # edge filtered when |p0 - q0| < step * ALPHA16 / 16",
            f"DEBLOCK_BETA16 = {b16}  # ... and both sides are smooth: |p1 - p0|, |q1 - q0| < step * BETA16 / 16",
            f"DEBLOCK_TC16 = {t16}  # correction clipped to +-(1 + step * TC16 / 16)",
        ]
    if motion:
        consts += [
            f"MB = {g.mb}",
            f"SEARCH = {g.search}",
            f"SUBPEL = {g.subpel}",
            f"SUBPEL_BITS = {2 * (g.subpel.bit_length() - 1)}  # log2(SUBPEL * SUBPEL)",
            f"PAD = {g.search + 2}",
            f"MV_LAMBDA = {g.mv_lambda!r}",
            f"MV_PRED = {g.mv_pred}",
        ]
    out.append("\n".join(consts) + "\n\n")
    out.append(
        "# Integer inverse DCT basis, round(4096 * C) with C the orthonormal DCT-II (rows = frequency).\n"
        "IDCT = np.array([\n" + _fmt_ints(_idct_int(n), n) + "\n], dtype=np.float64).reshape(BLOCK, BLOCK)\n"
        "FDCT_T = (IDCT / 4096.0).T\n"
        f"ROUND = float(1 << {2 * IDCT_SHIFT + 3})"
        f"  # inverse: (C^T (levels * step16) C) / 2**{2 * IDCT_SHIFT + 4}, rounded\n"
        f"DIVISOR = float(1 << {2 * IDCT_SHIFT + 4})\n"
        "LIMIT = 1 << 17  # |level * step16| stays below this, so the float64 products are exact\n\n"
    )
    out.append(
        "SCAN = np.array([\n" + _fmt_ints(_scan_order(n, g.scan), 16) + "\n], dtype=np.intp)\n"
        "UNSCAN = np.argsort(SCAN)\n\n"
    )
    out.append(
        "# Quantiser step per quality 0..100 in 1/16 units (log-linear, finer as quality rises).\n"
        "STEP16 = (\n" + _fmt_ints(_step16_table(), 12) + "\n)\n\n"
    )
    per = min(n, 16)
    out.append("# Quantisation weights in 1/16 units (16 = the bare step).\n")
    tables = [("W_LUMA", w_luma), ("W_CHROMA", w_chroma), ("W_LUMA_INTER", w_luma_inter),
              ("W_CHROMA_INTER", w_chroma_inter)]
    for i, (name, values) in enumerate(tables):
        same = next((other for other, v in tables[:i] if v == values), None)
        if same:
            out.append(f"{name} = {same}\n")
        else:
            out.append(f"{name} = np.array([\n" + _fmt_ints(values, per)
                       + "\n], dtype=np.int64).reshape(BLOCK, BLOCK)\n")
    out.append("\n")
    out.append('STATE = {"geometry": None, "ref": None}  # this process\'s last reconstructed planes\n\n\n')

    out.append(entropy_code + "\n\n")
    out.append(_COMMON)
    if g.deblock:
        out.append(_DEBLOCK)
    out.append(_colour_code(g, ycc, sub, scaled))
    out.append(_PACKING[g.packing])
    if motion:
        out.append(_MOTION)
    out.append(_frame_code(g, ycc, inter, motion))
    return "".join(out).rstrip() + "\n"


_COMMON = '''\
def _quality(config):
    return min(100, max(0, int(round(float(config.get("quality", 50))))))


def _geometry(config):
    """(height, width, coded height, coded width, padded height, padded width)."""
    h, w = int(config["height"]), int(config["width"])
    ch, cw = max(1, int(round(h * SCALE))), max(1, int(round(w * SCALE)))
    hp, wp = -(-ch // ALIGN) * ALIGN, -(-cw // ALIGN) * ALIGN
    return h, w, ch, cw, hp, wp


def _join(sections):
    return b"".join(struct.pack("<I", len(s)) + s for s in sections)


def _split(data):
    pos, out = 0, []
    while pos < len(data):
        (size,) = struct.unpack_from("<I", data, pos)
        out.append(data[pos + 4:pos + 4 + size])
        pos += 4 + size
    return out


def _zz(x):
    """Signed -> unsigned (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...)."""
    x = np.asarray(x, dtype=np.int64)
    return (x << 1) ^ (x >> 63)


def _unzz(u):
    u = np.asarray(u, dtype=np.int64)
    return (u >> 1) ^ -(u & 1)


def _bytes_of(u):
    """Non-negative integers, one byte each; a 255 byte escapes to a 16-bit value stored after them."""
    u = np.asarray(u, dtype=np.int64).ravel()
    big = (u[u >= 255] - 255).astype(np.uint16)
    return (np.minimum(u, 255).astype(np.uint8).tobytes()
            + (big & 255).astype(np.uint8).tobytes() + (big >> 8).astype(np.uint8).tobytes())


def _ints_from(data, count):
    body = np.frombuffer(data, dtype=np.uint8)
    out = body[:count].astype(np.int64)
    escaped = np.flatnonzero(out == 255)
    e = len(escaped)
    if e:
        extra = body[count:count + e].astype(np.int64) | (body[count + e:count + 2 * e].astype(np.int64) << 8)
        out[escaped] += extra
    return out


def _dpcm(values, columns):
    """Each value minus its left neighbour (the first column: minus the one above)."""
    grid = np.asarray(values, dtype=np.int64).reshape(-1, columns)
    out = grid.copy()
    out[:, 1:] = grid[:, 1:] - grid[:, :-1]
    out[1:, 0] = grid[1:, 0] - grid[:-1, 0]
    return out.ravel()


def _undpcm(values, columns):
    grid = np.asarray(values, dtype=np.int64).reshape(-1, columns).copy()
    grid[:, 0] = np.cumsum(grid[:, 0])
    return np.cumsum(grid, axis=1).ravel()


def _blocks(plane, n):
    h, w = plane.shape
    return plane.reshape(h // n, n, w // n, n).swapaxes(1, 2).reshape(-1, n, n)


def _unblocks(blocks, h, w, n):
    return blocks.reshape(h // n, w // n, n, n).swapaxes(1, 2).reshape(h, w)


def _right(x, matrix):
    """x @ matrix for every block, as one matrix product."""
    return (x.reshape(-1, x.shape[-1]) @ matrix).reshape(x.shape)


def _fdct(plane):
    x = _blocks(plane.astype(np.float64), BLOCK)
    x = _right(x, FDCT_T)
    return _right(x.swapaxes(1, 2), FDCT_T).swapaxes(1, 2)


def _idct_exact(d16):
    """C^T D C in integers: every product and partial sum is below 2**53, so float64 is exact."""
    t = _right(d16, IDCT)
    t = _right(t.swapaxes(1, 2), IDCT).swapaxes(1, 2)
    return np.floor((t + ROUND) / DIVISOR)


def _qmatrix(quality, chroma, intra):
    """Quantiser steps of one block in 1/16 units (integers, identical on both sides)."""
    if intra:
        m = STEP16[quality] * (W_CHROMA if chroma else W_LUMA)
    else:
        m = STEP16[quality] * (W_CHROMA_INTER if chroma else W_LUMA_INTER)
    if chroma:
        m = m * CHROMA_Q16 // 16
    if intra:
        m = m * 16 // IPRATIO16
    return np.maximum(m // 16, 8)


def _quantise(coef, m, deadzone):
    a = np.floor(np.abs(coef) * (16.0 / m) + deadzone)
    a = np.minimum(a, LIMIT // m)
    return (np.sign(coef) * a).astype(np.int64)


def _decimate(levels):
    """Zero inter blocks holding only a few +-1 levels: they cost more than they give."""
    a = np.abs(levels.reshape(len(levels), -1))
    drop = (a.max(axis=1) <= 1) & ((a == 1).sum(axis=1) <= DECIMATE)
    levels[drop] = 0
    return levels


def _reconstruct(levels, m, pred, h, w):
    """The decoder's picture: prediction + exact integer inverse transform, clipped to 0..255."""
    d16 = (levels * m).astype(np.float64)
    residual = _unblocks(_idct_exact(d16), h, w, BLOCK)
    base = 128.0 if pred is None else pred.astype(np.float64)
    return np.clip(base + residual, 0, 255).astype(np.int16)


'''


def _colour_code(g: Genome, ycc: bool, sub: bool, scaled: bool) -> str:
    lines = ['def _to_planes(frame, geometry):',
             '    """Encoder side: the frame as float planes at the coded, padded size."""',
             '    h, w, ch, cw, hp, wp = geometry',
             '    img = np.asarray(frame, dtype=np.uint8)']
    if scaled:
        lines.append('    img = cv2.resize(img, (cw, ch), interpolation=cv2.INTER_AREA)')
    lines.append('    img = np.pad(img, ((0, hp - ch), (0, wp - cw), (0, 0)), mode="edge").astype(np.float32)')
    lines.append('    b, g, r = img[:, :, 0], img[:, :, 1], img[:, :, 2]')
    if ycc:
        lines += [
            '    y = 0.299 * r + 0.587 * g + 0.114 * b',
            '    cb = (b - y) * (1.0 / 1.772) + 128.0',
            '    cr = (r - y) * (1.0 / 1.402) + 128.0',
        ]
        if sub:
            lines += [
                '    cb = cb.reshape(hp // 2, 2, wp // 2, 2).mean(axis=(1, 3))',
                '    cr = cr.reshape(hp // 2, 2, wp // 2, 2).mean(axis=(1, 3))',
            ]
        lines.append('    return [y, cb, cr]')
    else:
        lines.append('    return [b, g, r]')
    lines += ['', '', 'def _to_bgr(planes, geometry):',
              '    """Decoder side: reconstructed planes -> H x W x 3 uint8 BGR at the input size."""',
              '    h, w, ch, cw, hp, wp = geometry']
    if ycc:
        lines.append('    y = planes[0].astype(np.float32)')
        lines.append('    cb = planes[1].astype(np.float32) - 128.0')
        lines.append('    cr = planes[2].astype(np.float32) - 128.0')
        if sub and g.chroma_up == "linear":
            lines.append('    cb = cv2.resize(cb, (wp, hp), interpolation=cv2.INTER_LINEAR)')
            lines.append('    cr = cv2.resize(cr, (wp, hp), interpolation=cv2.INTER_LINEAR)')
        elif sub:
            lines.append('    cb = np.repeat(np.repeat(cb, 2, axis=0), 2, axis=1)')
            lines.append('    cr = np.repeat(np.repeat(cr, 2, axis=0), 2, axis=1)')
        lines += [
            '    r = y + 1.402 * cr',
            '    b = y + 1.772 * cb',
            '    g = (y - 0.299 * r - 0.114 * b) * (1.0 / 0.587)',
            '    img = np.stack([b, g, r], axis=2)[:ch, :cw]',
        ]
    else:
        lines.append('    img = np.stack(planes, axis=2)[:ch, :cw].astype(np.float32)')
    lines.append('    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)')
    if scaled:
        interp = "INTER_CUBIC" if g.upscale == "cubic" else "INTER_LINEAR"
        lines.append(f'    img = cv2.resize(img, (w, h), interpolation=cv2.{interp})')
    lines.append('    return np.ascontiguousarray(img)')
    lines.append('')
    lines.append('')
    lines.append('def _plane_shapes(geometry):')
    lines.append('    h, w, ch, cw, hp, wp = geometry')
    if sub:
        lines.append('    return [(hp, wp), (hp // 2, wp // 2), (hp // 2, wp // 2)]')
    else:
        lines.append('    return [(hp, wp)] * 3')
    lines.append('')
    lines.append('')
    return "\n".join(lines) + "\n"


_DEBLOCK = '''\
def _deblock_edges(x, alpha, beta, tc):
    """Filter the vertical block edges of x in place (integers: identical on both sides)."""
    w = x.shape[1]
    p1, p0 = x[:, BLOCK - 2:w - 2:BLOCK], x[:, BLOCK - 1:w - 1:BLOCK]
    q0, q1 = x[:, BLOCK:w:BLOCK], x[:, BLOCK + 1:w:BLOCK]
    on = (np.abs(p0 - q0) < alpha) & (np.abs(p1 - p0) < beta) & (np.abs(q1 - q0) < beta)
    delta = np.clip(((q0 - p0) * 4 + (p1 - q1) + 4) >> 3, -tc, tc) * on
    x[:, BLOCK - 1:w - 1:BLOCK] = p0 + delta
    x[:, BLOCK:w:BLOCK] = q0 - delta


def _deblock(plane, m):
    """In-loop deblocking (H.264-like normal filter) across vertical, then horizontal edges."""
    step16 = int(m[0, 0])
    alpha = step16 * DEBLOCK_ALPHA16 // 256
    beta = step16 * DEBLOCK_BETA16 // 256
    tc = 1 + step16 * DEBLOCK_TC16 // 256
    x = plane.astype(np.int32)
    _deblock_edges(x, alpha, beta, tc)
    _deblock_edges(x.T, alpha, beta, tc)
    return x.astype(np.int16)


'''


_PACK_HEAD = '''\
def _pack(levels, intra, columns, sections):
    """Levels of one plane (blocks x BLOCK x BLOCK) -> byte sections."""
    z = levels.reshape(len(levels), -1)[:, SCAN]
    if DC_PRED and intra:
        z[:, 0] = _dpcm(z[:, 0], columns)
    if SKIP:
        coded = np.any(z != 0, axis=1)
        sections.append(np.packbits(coded).tobytes())
        z = z[coded]
'''

_UNPACK_HEAD = '''\
def _unpack(sections, count, intra, columns):
    """The inverse of _pack: next sections -> levels (blocks x BLOCK x BLOCK)."""
    if SKIP:
        coded = np.unpackbits(np.frombuffer(next(sections), dtype=np.uint8), count=count).astype(bool)
    else:
        coded = np.ones(count, dtype=bool)
    k = int(coded.sum())
'''

_UNPACK_TAIL = '''\
    full = np.zeros((count, BLOCK * BLOCK), dtype=np.int64)
    full[coded] = z
    if DC_PRED and intra:
        full[:, 0] = _undpcm(full[:, 0], columns)
    return full[:, UNSCAN].reshape(count, BLOCK, BLOCK)


'''

_PACKING = {
    "planes": _PACK_HEAD + '''\
    # coefficient planes: every block's coefficient 0, then every block's coefficient 1, ...
    # up to the last plane that holds a non-zero level
    used = np.flatnonzero(np.any(z != 0, axis=0))
    planes = int(used[-1]) + 1 if len(used) else 0
    sections.append(struct.pack("<H", planes) + _bytes_of(_zz(z[:, :planes].T)))


''' + _UNPACK_HEAD + '''\
    data = next(sections)
    (planes,) = struct.unpack_from("<H", data)
    z = np.zeros((k, BLOCK * BLOCK), dtype=np.int64)
    z[:, :planes] = _unzz(_ints_from(data[2:], k * planes)).reshape(planes, k).T
''' + _UNPACK_TAIL,
    "rle": _PACK_HEAD + '''\
    # run-length pairs: per block the number of non-zero levels, then (zero run, level) pairs
    rows, cols = np.nonzero(z)
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    previous = np.concatenate([[-1], cols[:-1]])
    previous[first] = -1
    sections.append(_bytes_of(np.bincount(rows, minlength=len(z))))
    sections.append(_bytes_of(cols - previous - 1))
    sections.append(_bytes_of(_zz(z[rows, cols])))


''' + _UNPACK_HEAD + '''\
    counts = _ints_from(next(sections), k)
    total = int(counts.sum())
    runs = _ints_from(next(sections), total)
    values = _unzz(_ints_from(next(sections), total))
    rows = np.repeat(np.arange(k), counts)
    ends = np.cumsum(runs + 1)
    before = np.concatenate([[0], ends])[np.cumsum(counts) - counts]
    cols = ends - np.repeat(before, counts) - 1
    z = np.zeros((k, BLOCK * BLOCK), dtype=np.int64)
    z[rows, cols] = values
''' + _UNPACK_TAIL,
    "sigmap": _PACK_HEAD + '''\
    # significance map (one bit per coefficient, plane by plane, up to the last plane in use),
    # then the non-zero levels
    used = np.flatnonzero(np.any(z != 0, axis=0))
    planes = int(used[-1]) + 1 if len(used) else 0
    flat = z[:, :planes].T.ravel()
    significant = flat != 0
    sections.append(struct.pack("<H", planes) + np.packbits(significant).tobytes())
    sections.append(_bytes_of(_zz(flat[significant]) - 1))


''' + _UNPACK_HEAD + '''\
    data = next(sections)
    (planes,) = struct.unpack_from("<H", data)
    significant = np.unpackbits(np.frombuffer(data, dtype=np.uint8, offset=2), count=k * planes).astype(bool)
    flat = np.zeros(k * planes, dtype=np.int64)
    flat[significant] = _unzz(_ints_from(next(sections), int(significant.sum())) + 1)
    z = np.zeros((k, BLOCK * BLOCK), dtype=np.int64)
    z[:, :planes] = flat.reshape(planes, k).T
''' + _UNPACK_TAIL,
}


_MOTION = '''\
def _subpel_planes(ref):
    """The reference padded by PAD, at its SUBPEL x SUBPEL sub-sample phases (bilinear, in integers)."""
    p = np.pad(ref.astype(np.int16), PAD, mode="edge")
    if SUBPEL == 1:
        return p[None]
    n = SUBPEL
    phases = np.empty((n * n, p.shape[0] - 1, p.shape[1] - 1), dtype=np.int16)
    for fx in range(n):
        row = p[:, :-1] * (n - fx) + p[:, 1:] * fx  # horizontal pass, scaled by n
        for fy in range(n):
            phases[fy * n + fx] = (row[:-1] * (n - fy) + row[1:] * fy + n * n // 2) >> SUBPEL_BITS
    return phases


GRIDS = {}  # (phase shape, block size) -> flat indices of every block's samples at zero motion


def _predict(phases, vy, vx, size, h, w):
    """Motion-compensated plane: block (i, j) copied from the reference at (vy, vx) / SUBPEL samples."""
    ph, pw = phases.shape[1:]
    key = (ph, pw, size, h, w)
    if key not in GRIDS:
        r = np.arange(size)
        rows = (np.arange(h // size) * size + PAD)[:, None, None, None] + r[None, :, None, None]
        cols = (np.arange(w // size) * size + PAD)[None, None, :, None] + r[None, None, None, :]
        GRIDS[key] = rows * pw + cols  # laid out (block row, row, block column, column)
    phase = (vy % SUBPEL) * SUBPEL + vx % SUBPEL
    shift = phase * (ph * pw) + (vy // SUBPEL) * pw + vx // SUBPEL
    return phases.ravel().take(GRIDS[key] + shift[:, None, :, None]).reshape(h, w)


def _block_cost(cur, candidate, size):
    """Mean absolute difference per size x size block (encoder only: any rounding will do)."""
    h, w = cur.shape
    return cv2.resize(cv2.absdiff(cur, candidate), (w // size, h // size), interpolation=cv2.INTER_AREA)


def _search(cur, ref, lam):
    """Encoder only: per-block vectors (1/SUBPEL samples) minimising SAD + lam * |mv| (half-samples).

    Also returns the reference's sub-sample phases, which the prediction reuses."""
    h, w = cur.shape
    lam = lam / (MB * MB)  # costs below are per-sample means
    phases = _subpel_planes(ref)
    base = phases[0].astype(np.float32)
    cur = np.ascontiguousarray(cur, dtype=np.float32)
    near = min(SEARCH, 2) if SEARCH > 4 else SEARCH
    # full search over small whole-sample displacements, (0, 0) first so that it wins ties
    offsets = sorted(((dy, dx) for dy in range(-near, near + 1) for dx in range(-near, near + 1)),
                     key=lambda o: abs(o[0]) + abs(o[1]))
    costs = np.stack([_block_cost(cur, base[PAD + dy:PAD + dy + h, PAD + dx:PAD + dx + w], MB)
                      + lam * 2 * (abs(dy) + abs(dx)) for dy, dx in offsets])
    choice = np.argmin(costs, axis=0)
    best = np.min(costs, axis=0)
    table = np.array(offsets, dtype=np.int64) * SUBPEL
    vy, vx = table[choice, 0], table[choice, 1]
    if SEARCH > near:  # large displacements: search at half resolution, then refine around it
        r = SEARCH // 2
        small = cv2.resize(cur, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        coarse = cv2.resize(ref.astype(np.float32), (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        coarse = np.pad(coarse, r, mode="edge")
        offsets = sorted(((dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)),
                         key=lambda o: abs(o[0]) + abs(o[1]))
        costs = np.stack([_block_cost(small, coarse[r + dy:r + dy + h // 2, r + dx:r + dx + w // 2], MB // 2)
                          + lam * 4 * (abs(dy) + abs(dx)) for dy, dx in offsets])
        table = np.array(offsets, dtype=np.int64)[np.argmin(costs, axis=0)]
        cy, cx = table[..., 0], table[..., 1]
        for oy in (-1, 0, 1):
            for ox in (-1, 0, 1):
                ty = np.clip(2 * cy + oy, -SEARCH, SEARCH)
                tx = np.clip(2 * cx + ox, -SEARCH, SEARCH)
                pred = _predict(phases, SUBPEL * ty, SUBPEL * tx, MB, h, w).astype(np.float32)
                cost = _block_cost(cur, pred, MB) + lam * 2 * (np.abs(ty) + np.abs(tx))
                better = cost < best
                best = np.where(better, cost, best)
                vy[better], vx[better] = SUBPEL * ty[better], SUBPEL * tx[better]
    step = SUBPEL // 2
    while step >= 1:  # refine: the best of the eight neighbours at half, then quarter samples
        cy, cx = vy.copy(), vx.copy()
        for oy, ox in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)):
            ty, tx = cy + oy * step, cx + ox * step
            pred = _predict(phases, ty, tx, MB, h, w).astype(np.float32)
            cost = _block_cost(cur, pred, MB) + lam * 2 * (np.abs(ty) + np.abs(tx)) / SUBPEL
            better = cost < best
            best = np.where(better, cost, best)
            vy[better], vx[better] = ty[better], tx[better]
        step //= 2
    return vy, vx, phases


def _halve(v):
    """Luma vectors -> chroma vectors in the same 1/SUBPEL units (4:2:0), rounding half away from 0."""
    return np.sign(v) * ((np.abs(v) + 1) >> 1)


def _motion_predictions(ref, vy, vx, luma_phases=None):
    out = []
    for i, plane in enumerate(ref):
        h, w = plane.shape
        phases = luma_phases if i == 0 and luma_phases is not None else _subpel_planes(plane)
        if CHROMA_420 and i > 0:
            out.append(_predict(phases, _halve(vy), _halve(vx), MB // 2, h, w))
        else:
            out.append(_predict(phases, vy, vx, MB, h, w))
    return out


def _put_vectors(vy, vx, sections):
    columns = vy.shape[1]
    for v in (vy, vx):
        sections.append(_bytes_of(_zz(_dpcm(v, columns) if MV_PRED else v)))


def _get_vectors(sections, shape):
    out = []
    for _ in range(2):
        v = _unzz(_ints_from(next(sections), shape[0] * shape[1]))
        out.append((_undpcm(v, shape[1]) if MV_PRED else v).reshape(shape))
    return out


'''


def _frame_code(g: Genome, ycc: bool, inter: bool, motion: bool) -> str:
    chroma_flags = "(False, True, True)" if ycc else "(False, False, False)"
    reconstruct = "_reconstruct(levels, m, pred, h, w)"
    recon_line = f"        recon.append({f'_deblock({reconstruct}, m)' if g.deblock else reconstruct})"
    enc = [
        'def compress_video_frame(frame, frame_index, config):',
        '    quality = _quality(config)',
        '    geometry = _geometry(config)',
        '    planes = _to_planes(frame, geometry)',
    ]
    if inter:
        enc += [
            '    intra = (frame_index == 0 or STATE["ref"] is None or STATE["geometry"] != geometry',
            '             or (KEYINT > 0 and frame_index % KEYINT == 0))',
        ]
    else:
        enc.append('    intra = True')
    enc += ['    sections = []', '    preds = [None, None, None]']
    if motion:
        enc += [
            '    if not intra:',
            '        lam = MV_LAMBDA * float(_qmatrix(quality, False, False)[0, 0]) / 16.0',
            '        vy, vx, luma_phases = _search(planes[0], STATE["ref"][0], lam)',
            '        _put_vectors(vy, vx, sections)',
            '        preds = _motion_predictions(STATE["ref"], vy, vx, luma_phases)',
        ]
    elif inter:
        enc += ['    if not intra:', '        preds = STATE["ref"]']
    enc += [
        '    recon = []',
        f'    for plane, pred, chroma in zip(planes, preds, {chroma_flags}):',
        '        h, w = plane.shape',
        '        m = _qmatrix(quality, chroma, intra)',
        '        base = 128.0 if pred is None else pred',
        '        levels = _quantise(_fdct(plane - base), m, DEADZONE_INTRA if intra else DEADZONE_INTER)',
    ]
    if inter:
        enc += ['        if not intra and DECIMATE:', '            levels = _decimate(levels)']
    enc += [
        '        _pack(levels, intra, w // BLOCK, sections)',
        recon_line,
        '    STATE["geometry"], STATE["ref"] = geometry, recon',
        '    # header: frame type, then the quality the levels were scaled with (the decoder reads it from here)',
        '    return bytes([1 if intra else 0, quality]) + _squeeze(_join(sections))',
        '', '',
    ]
    dec = [
        'def decompress_video_frame(data, frame_index, config):',
        '    data = bytes(data)',
        '    intra, quality = data[0] == 1, min(100, data[1])',
        '    geometry = _geometry(config)',
        '    shapes = _plane_shapes(geometry)',
        '    sections = iter(_split(_unsqueeze(data[2:])))',
        '    preds = [None, None, None]',
    ]
    if inter:
        dec += [
            '    if not intra:',
            '        ref = STATE["ref"]',
            '        if ref is None or STATE["geometry"] != geometry:  # no reference: mid-grey',
            '            ref = [np.full(s, 128, dtype=np.int16) for s in shapes]',
        ]
        if motion:
            dec += [
                '        h, w = shapes[0]',
                '        vy, vx = _get_vectors(sections, (h // MB, w // MB))',
                '        preds = _motion_predictions(ref, vy, vx)',
            ]
        else:
            dec.append('        preds = ref')
    dec += [
        '    recon = []',
        f'    for (h, w), pred, chroma in zip(shapes, preds, {chroma_flags}):',
        '        m = _qmatrix(quality, chroma, intra)',
        '        levels = _unpack(sections, (h // BLOCK) * (w // BLOCK), intra, w // BLOCK)',
        recon_line,
        '    STATE["geometry"], STATE["ref"] = geometry, recon',
        '    return _to_bgr(recon, geometry)',
    ]
    return "\n".join(enc + dec) + "\n"


# --------------------------------------------------------------------------- reading back


def genome_from_source(source: str) -> Genome | None:
    """The genome a rendered module was made from (its ``GENES`` literal), or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "GENES"):
            try:
                return Genome.from_dict(ast.literal_eval(node.value))
            except (ValueError, TypeError):
                return None
    return None
