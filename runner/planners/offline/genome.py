"""The offline planner's genome: the codec design choices, and how new designs are varied from old ones.

A :class:`Genome` is a frozen, JSON-safe set of genes, each drawn from a small list of choices
(``GENES``); every combination is a valid codec (render.py turns one into candidate source).
Variation: ``seed_genomes()``, ``mutate(genome, rng)``, ``crossover(a, b, rng)``,
``merge_changes(base, children)``, ``random_genome(rng)``; reading: ``active_genes``,
``changed_genes``.

Everything here is pure: no I/O, and randomness only from the ``random.Random`` passed in.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, fields, replace

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
    # laplace: the level planes range-coded with quantised Laplace models (constriction), the rest deflated
    "entropy": ("zlib", "zlib_rle", "bz2", "lzma", "laplace"),
    "level": (1, 3, 6, 9),
    # Genes added after codecgen-1 (LATER_GENES): at their defaults they leave the rendered text as it was.
    "mv_code": ("bytes", "laplace"),
    "interp": ("bilinear", "sixtap"),
    "side": ("deflate", "range"),
    "rdoq": (0.0, 0.05, 0.1, 0.15, 0.2, 0.3),
    "intra_pred": ("off", "dc_hv", "planar"),
    "intra_blocks": (False, True),
    # RD mode per macroblock of predicted frames: skip = SKIP or INTER; split adds four MB/2 vectors
    "modes": ("off", "skip", "split"),
}

# Genes added after the first generator: a genome that has them at their defaults renders to the same
# text as before they existed, so that ledgers keep recognising the candidates they already hold.
LATER_GENES = ("mv_code", "interp", "side", "rdoq", "intra_pred", "intra_blocks", "modes")

# Genes whose choices are ordered (mutation steps to a neighbour most of the time).
ORDERED = {
    "chroma_q", "block", "ramp", "deadzone_intra", "deadzone_inter", "mb", "search", "subpel",
    "mv_lambda", "deblock", "decimate", "ipratio", "keyint", "scale", "level", "rdoq", "intra_pred", "modes",
}

# Pasted into every rendered module's docstring: a change here changes every candidate's source.
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
    "mv_code": "motion vectors: bytes (deflated), or laplace: median-predicted, range-coded by neighbour context",
    "interp": "sub-sample interpolation: bilinear, or H.264's 6-tap filter for half samples (quarter: mean of two)",
    "side": "laplace coder's flags and models: deflated bytes, or range-coded flags and log-linear models",
    "rdoq": "RD-optimised quantisation: lambda / step^2 for zeroing costly +-1 levels and blocks (0 = off)",
    "intra_pred": "intra frames' blocks predicted from reconstructed neighbours: DC, vertical, horizontal (and planar)",
    "intra_blocks": "P frames: luma blocks that intra prediction codes for less than motion compensation are intra",
    "modes": "predicted macroblocks by D + lambda R: skip = SKIP (predicted vector, no residual) or INTER, "
             "split adds INTER with four MB/2 vectors; vectors' rate in the motion search",
}


# A codec engineer's prior on where the big wins are: mutate() picks genes in proportion to
# these weights (1 where absent) unless the caller passes its own (say, learnt from the ledger).
PRIOR_WEIGHTS = {
    "prediction": 3.0, "entropy": 2.0, "packing": 1.5, "qmatrix_inter": 1.5, "subpel": 1.5,
    "deblock": 1.5, "deadzone_inter": 1.5, "skip": 1.5, "search": 1.5, "mv_code": 2.0, "rdoq": 2.0,
    "interp": 1.5, "side": 2.0, "intra_pred": 2.0, "modes": 2.0,
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
    mv_code: str = "bytes"
    interp: str = "bilinear"
    side: str = "deflate"
    rdoq: float = 0.0
    intra_pred: str = "off"
    intra_blocks: bool = False
    modes: str = "off"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value not in GENES[f.name] or type(value) is not type(GENES[f.name][0]):
                raise ValueError(f"gene {f.name}={value!r} is not one of {GENES[f.name]}")

    @property
    def ycbcr(self) -> bool:
        return self.colour == "ycbcr"

    @property
    def chroma_420(self) -> bool:
        """Chroma planes coded at half resolution (only YCbCr has chroma planes)."""
        return self.ycbcr and self.chroma == "420"

    @property
    def inter(self) -> bool:
        """Frames after a key frame are coded as residuals against the previous decoded frame."""
        return self.prediction != "intra"

    @property
    def motion(self) -> bool:
        return self.prediction == "motion"

    @property
    def mv_laplace(self) -> bool:
        """Motion vectors go to the range coder (which only the laplace entropy coder has)."""
        return self.motion and self.entropy == "laplace" and self.mv_code == "laplace"

    @property
    def intra_in_p(self) -> bool:
        """P frames may code blocks by intra prediction (which needs it in intra frames first)."""
        return self.intra_blocks and self.intra_pred != "off" and self.inter

    @property
    def scaled(self) -> bool:
        return self.scale != 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Genome:
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
        parts = [g.colour + (" " + g.chroma if g.ycbcr else "")]
        if g.scaled:
            parts.append(f"scale {g.scale}")
        inter_matrix = f"/{g.qmatrix_inter}" if g.inter and g.qmatrix_inter != g.qmatrix else ""
        parts.append(f"DCT{g.block} {g.qmatrix}{inter_matrix}")
        if g.motion:
            precision = {1: "", 2: " half-pel", 4: " quarter-pel"}[g.subpel]
            if g.subpel > 1 and g.interp == "sixtap":
                precision += " 6-tap"
            parts.append(f"motion mb{g.mb} +-{g.search}{precision}")
        elif g.prediction == "previous":
            parts.append("previous-frame")
        else:
            parts.append("intra")
        if g.intra_pred != "off":
            parts.append(f"intra-predicted ({'DC/V/H' if g.intra_pred == 'dc_hv' else 'DC/V/H/planar'})"
                         + (" also in P frames" if g.intra_in_p else ""))
        if g.entropy == "laplace":
            coded = " and vectors" if g.mv_laplace else ""
            side = ", range-coded flags and models" if g.side == "range" else ""
            parts.append(f"laplace levels{coded}{side}, zlib-{g.level}")
        else:
            parts.append(f"{g.packing} {g.entropy}-{g.level}")
        if g.rdoq:
            parts.append(f"RDOQ {g.rdoq}")
        if g.modes != "off" and g.mv_laplace:
            parts.append("RD modes skip/inter" + ("/split" if g.modes == "split" else ""))
        return ", ".join(parts)


def active_genes(genome: Genome) -> list[str]:
    """The genes that change the codec's behaviour given the others (in GENES order)."""
    g = genome
    out = []
    for name in GENES:
        if name in ("chroma", "chroma_q", "chroma_up") and not g.ycbcr:
            continue
        if name == "chroma_up" and not g.chroma_420:
            continue
        if name == "ramp" and g.qmatrix != "ramp" and (g.qmatrix_inter != "ramp" or not g.inter):
            continue
        if name in ("qmatrix_inter", "deadzone_inter", "decimate", "ipratio", "keyint") and not g.inter:
            continue
        if name in ("mb", "search", "subpel", "mv_lambda", "mv_pred") and not g.motion:
            continue
        if name == "side" and g.entropy != "laplace":
            continue
        if name == "interp" and not (g.motion and g.subpel > 1):
            continue
        if (name == "mv_code" and not (g.motion and g.entropy == "laplace")) or (name == "mv_pred" and g.mv_laplace):
            continue
        if name == "intra_blocks" and (g.intra_pred == "off" or not g.inter):
            continue
        if name == "dc_pred" and g.intra_pred != "off":  # the DCs of predicted blocks have no trend to DPCM
            continue
        if name == "modes" and not g.mv_laplace:  # SKIP's vector is the range-coded vectors' predictor
            continue
        if name == "upscale" and not g.scaled:
            continue
        if name == "packing" and g.entropy == "laplace":  # it packs the levels its own way
            continue
        out.append(name)
    return out


def changed_genes(parent: Genome, child: Genome) -> dict[str, tuple]:
    """{gene: (parent value, child value)} for every gene that differs."""
    a, b = parent.to_dict(), child.to_dict()
    return {k: (a[k], b[k]) for k in GENES if a[k] != b[k]}


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
        # Motion compensation with everything range-coded (levels, median-predicted vectors, flags and models),
        # quarter samples by the 6-tap filter, intra prediction in intra frames and intra blocks in P frames, and
        # the RD mode decision of predicted macroblocks (bench/codecgen_vs_jpeg.py's quarter-sixtap+intra+modes).
        Genome(prediction="motion", search=16, qmatrix="flat", qmatrix_inter="flat", deadzone_intra=0.42,
               deadzone_inter=0.33, decimate=2, deblock=1, chroma_q=4.0, dc_pred=True, skip=True, entropy="laplace",
               level=9, mv_code="laplace", side="range", subpel=4, interp="sixtap", ipratio=1.7, intra_pred="planar",
               intra_blocks=True, modes="split"),
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
    groups = [("prediction", "mb", "search", "subpel", "mv_lambda", "mv_pred", "mv_code", "interp", "modes")]
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
