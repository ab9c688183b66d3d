"""The offline planner's renderer: a genome -> the whole text of one candidate module, and back.

:func:`render` writes a module that honours the candidate contract (``compress_video_frame`` /
``decompress_video_frame``) and the sandbox's rules, pasted together from the codec blocks in
templates/ with the genome's constants and tables:

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
- entropy coding with zlib (raw deflate, or its run-length strategy), lzma (raw LZMA2) or bz2;
  or ("laplace") the level planes range-coded by constriction with quantised Laplace models (a
  mean |level| per coefficient position and a gain per context, both sent) and the rest deflated;
- genes added since (``LATER_GENES``, written into a module only away from their defaults, so older
  genomes render to the very same text): median-predicted motion vectors range-coded by neighbour
  context (mv_code), the coded-block flags and model parameters range-coded too (side), H.264's
  6-tap sub-sample filter (interp), RD-optimised quantisation (rdoq), intra prediction from
  reconstructed neighbours along anti-diagonal wavefronts: every block of intra frames (intra_pred),
  and P-frame blocks that it codes for less than motion compensation does (intra_blocks), and the RD
  mode decision of predicted macroblocks (modes).

Every genome renders to working source (tests/runner/test_codecgen.py checks hundreds). The
text must stay the same for the same genome: ledgers know candidates by the sha256 of their
source, and the planner recognises its own by re-rendering the genome that
:func:`genome_from_source` reads back from the module's ``GENES`` literal.
"""

from __future__ import annotations

import ast

from runner.planners.offline.genome import GENE_HELP, GENES, LATER_GENES, Genome, active_genes
from runner.planners.offline.tables import (
    DEBLOCK_STRENGTH,
    IDCT_SHIFT,
    LZMA_PRESETS,
    idct_int,
    quant_weights16,
    scan_order,
    step16_table,
)
from runner.planners.offline.templates.bitstream import (
    BYTES_CODE,
    ENTROPY_CODERS,
    LAPLACE_PACKING_CODE,
    LAPLACE_RANGE_PACKING_CODE,
    PACKING_CODE,
    SIDE_CODE,
)
from runner.planners.offline.templates.colour import colour_code
from runner.planners.offline.templates.frame import CONFIG_CODE, frame_code
from runner.planners.offline.templates.intra import (
    INTRA_BLOCK_MODES_CODE,
    INTRA_BLOCKS_CODE,
    INTRA_CODE,
    INTRA_LAMBDA16,
    INTRA_MODE_COUNT,
    INTRA_MODE_NAMES,
    INTRA_MODES_CODE,
)
from runner.planners.offline.templates.modes import MODES_CODE, MODES_ENCODER_CODE, modes_constants, modes_on
from runner.planners.offline.templates.motion import (
    MOTION_SEARCH_CODE,
    MV_BYTES_CODE,
    MV_LAPLACE_CODE,
    MV_MEDIAN_CODE,
    MV_MODEL_CODE,
    SUBPEL_BILINEAR_CODE,
    SUBPEL_SIXTAP_CODE,
)
from runner.planners.offline.templates.transform import DEBLOCK_CODE, RDOQ_CODE, TRANSFORM_CODE

GENERATOR_VERSION = "codecgen-1"
# A documented module above this many bytes is rendered lean: the codec blocks without their functions'
# docstrings and comment lines (the module docstring still explains every gene; templates/ keeps the
# documentation). The sandbox refuses sources above runner.sandbox.validation.MAX_SOURCE_BYTES (64 KiB), and
# the big blocks (intra prediction, RD modes) together pass it; every genome rendered before they existed
# stays far below this (41 KB at most), so their text is unchanged.
LEAN_ABOVE_BYTES = 56 * 1024


def render(genome: Genome) -> str:
    """The whole candidate module for ``genome`` (deterministic: same genome, same text); lean (see
    LEAN_ABOVE_BYTES) where the documented module would be too large."""
    g = genome
    coder = ENTROPY_CODERS[g.entropy]
    head = [
        _docstring(g),
        _imports(g, coder.module),
        _genes_literal(g),
        _constants(g),
        _tables(g),
        'STATE = {"geometry": None, "ref": None}  # this process\'s last reconstructed planes\n\n\n',
    ]
    blocks = [coder.code + "\n\n", CONFIG_CODE, BYTES_CODE, TRANSFORM_CODE]
    if g.deblock:
        blocks.append(DEBLOCK_CODE)
    if g.rdoq:
        blocks.append(RDOQ_CODE)
    blocks.append(colour_code(g))
    if g.entropy == "laplace" and (g.mv_laplace or g.side == "range"):
        blocks.append(SIDE_CODE[g.side])
    if g.entropy == "laplace":
        blocks.append(LAPLACE_RANGE_PACKING_CODE if g.side == "range" else LAPLACE_PACKING_CODE)
    else:
        blocks.append(PACKING_CODE[g.packing])
    if g.intra_pred != "off":
        coded_by = "range" if g.entropy == "laplace" else "bytes"
        blocks += [INTRA_CODE, INTRA_MODES_CODE[coded_by]]
        if g.intra_in_p:
            blocks += [INTRA_BLOCKS_CODE, INTRA_BLOCK_MODES_CODE[coded_by]]
    if g.motion:
        sixtap = g.interp == "sixtap" and g.subpel > 1
        blocks += [SUBPEL_SIXTAP_CODE if sixtap else SUBPEL_BILINEAR_CODE, MOTION_SEARCH_CODE]
        if modes_on(g):  # the modes code their vectors their own way, with the median and the models
            blocks += [MV_MEDIAN_CODE, MV_MODEL_CODE, MODES_CODE, MODES_ENCODER_CODE]
        else:
            blocks.append(MV_LAPLACE_CODE if g.mv_laplace else MV_BYTES_CODE)
    blocks.append(frame_code(g))
    text = "".join(head + blocks).rstrip() + "\n"
    if len(text.encode()) <= LEAN_ABOVE_BYTES:
        return text
    return "".join(head + [_lean(block) for block in blocks]).rstrip() + "\n"


def _lean(code: str) -> str:
    """A block's code without its functions' docstrings and its comment lines (same statements, same order)."""
    tree = ast.parse(code)
    dropped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and len(node.body) > 1 and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str):
            dropped.update(range(node.body[0].lineno, (node.body[0].end_lineno or node.body[0].lineno) + 1))
    kept = [line for number, line in enumerate(code.splitlines(keepends=True), 1)
            if number not in dropped and not line.lstrip().startswith("#")]
    return "".join(kept)


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


def _shown_genes(genome: Genome) -> list[str]:
    """The genes written into the module: a later gene only away from its default (so older genomes
    render exactly as they did before it existed)."""
    defaults = Genome().to_dict()
    return [name for name in GENES if name not in LATER_GENES or getattr(genome, name) != defaults[name]]


def _docstring(genome: Genome) -> str:
    title = f"Offline-planner codec: {genome.summary()}."
    lines = [title, "", f"Written by codec-ledger's offline planner ({GENERATOR_VERSION}) from these genes:"]
    active = set(active_genes(genome))
    for name in _shown_genes(genome):
        value = getattr(genome, name)
        mark = "" if name in active else "  (inactive)"
        lines.append(f"  {name:15s}= {value!s:8s} {GENE_HELP[name]}{mark}")
    lines += [
        "",
        "The inverse transform, dequantisation and prediction are integer-exact, so the encoder's",
        "reconstruction (its reference for the next frame) equals the decoder's bit for bit.",
    ]
    return '"""' + "\n".join(lines) + '\n"""\n'


def _imports(g: Genome, entropy_module: str) -> str:
    stdlib = "".join(f"import {m}\n" for m in sorted({entropy_module, "struct"}))
    need_cv2 = g.scaled or g.motion or (g.chroma_420 and g.chroma_up == "linear")
    third_party = ("import constriction\n" if g.entropy == "laplace" else "") + ("import cv2\n" if need_cv2 else "")
    return stdlib + "\n" + third_party + "import numpy as np\n\n"


def _genes_literal(g: Genome) -> str:
    """The ``GENES = {...}`` assignment that genome_from_source reads back."""
    shown = set(_shown_genes(g))
    items = [f"{k!r}: {v!r}" for k, v in sorted(g.to_dict().items()) if k in shown]
    rows = [", ".join(items[i:i + 5]) for i in range(0, len(items), 5)]
    return "GENES = {\n" + "".join(f"    {row},\n" for row in rows) + "}\n\n"


def _constants(g: Genome) -> str:
    """The named constants that the templates' code reads."""
    align = max(g.block, g.mb if g.motion else 1) * (2 if g.chroma_420 else 1)
    level = LZMA_PRESETS[g.level][0] if g.entropy == "lzma" else g.level
    consts = [
        f"BLOCK = {g.block}",
        f"ALIGN = {align}  # luma planes are padded to a multiple of this",
        f"SCALE = {g.scale!r}",
        f"CHROMA_420 = {g.chroma_420}",
        f"CHROMA_Q16 = {int(round(g.chroma_q * 16)) if g.ycbcr else 16}  # chroma step factor in 1/16",
        f"IPRATIO16 = {int(round(g.ipratio * 16)) if g.inter else 16}  # intra step divisor in 1/16",
        f"DEADZONE_INTRA = {g.deadzone_intra!r}",
        f"DEADZONE_INTER = {g.deadzone_inter!r}",
        f"DC_PRED = {g.dc_pred and g.intra_pred == 'off'}",  # intra prediction leaves no DC trend (intra.py)
        f"SKIP = {g.skip}",
        f"DECIMATE = {g.decimate if g.inter else 0}",
        f"KEYINT = {g.keyint if g.inter else 1}",
        f"LEVEL = {level}",
    ]
    if g.rdoq:
        consts.append(f"RDOQ_LAMBDA = {g.rdoq!r}  # lambda of the RD-optimised quantisation, per step^2")
    if g.intra_pred != "off":
        modes = INTRA_MODE_COUNT[g.intra_pred]
        consts += [
            f"INTRA_MODES = {modes}  # {', '.join(INTRA_MODE_NAMES[:modes])}",
            f"INTRA_LAMBDA16 = {INTRA_LAMBDA16}  # intra mode decision: D + lambda R, lambda = step^2 * this / 16",
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
    if g.motion:
        consts += [
            f"MB = {g.mb}",
            f"SEARCH = {g.search}",
            f"SUBPEL = {g.subpel}",
            f"SUBPEL_BITS = {2 * (g.subpel.bit_length() - 1)}  # log2(SUBPEL * SUBPEL)",
            f"PAD = {g.search + 2}",
            f"MV_LAMBDA = {g.mv_lambda!r}",
            f"MV_PRED = {g.mv_pred}",
        ]
    return "\n".join(consts) + "\n" + modes_constants(g) + "\n"


def _tables(g: Genome) -> str:
    """The transform, scan, step and weight tables as array literals."""
    n = g.block
    out = [
        "# Integer inverse DCT basis, round(4096 * C) with C the orthonormal DCT-II (rows = frequency).\n"
        "IDCT = np.array([\n" + _fmt_ints(idct_int(n), n) + "\n], dtype=np.float64).reshape(BLOCK, BLOCK)\n"
        "FDCT_T = (IDCT / 4096.0).T\n"
        f"ROUND = float(1 << {2 * IDCT_SHIFT + 3})"
        f"  # inverse: (C^T (levels * step16) C) / 2**{2 * IDCT_SHIFT + 4}, rounded\n"
        f"DIVISOR = float(1 << {2 * IDCT_SHIFT + 4})\n"
        "LIMIT = 1 << 17  # |level * step16| stays below this, so the float64 products are exact\n\n",
        "SCAN = np.array([\n" + _fmt_ints(scan_order(n, g.scan), 16) + "\n], dtype=np.intp)\n"
        "UNSCAN = np.argsort(SCAN)\n\n",
        "# Quantiser step per quality 0..100 in 1/16 units (log-linear, finer as quality rises).\n"
        "STEP16 = (\n" + _fmt_ints(step16_table(), 12) + "\n)\n\n",
        "# Quantisation weights in 1/16 units (16 = the bare step).\n",
    ]
    w_luma = quant_weights16(n, g.qmatrix, False, g.ramp)
    w_chroma = quant_weights16(n, g.qmatrix, True, g.ramp) if g.ycbcr else w_luma
    w_luma_inter = quant_weights16(n, g.qmatrix_inter, False, g.ramp) if g.inter else w_luma
    if not g.inter:
        w_chroma_inter = w_chroma
    else:
        w_chroma_inter = quant_weights16(n, g.qmatrix_inter, True, g.ramp) if g.ycbcr else w_luma_inter
    tables = [("W_LUMA", w_luma), ("W_CHROMA", w_chroma), ("W_LUMA_INTER", w_luma_inter),
              ("W_CHROMA_INTER", w_chroma_inter)]
    for i, (name, values) in enumerate(tables):
        same = next((other for other, v in tables[:i] if v == values), None)
        if same:  # an alias, not a second copy
            out.append(f"{name} = {same}\n")
        else:
            out.append(f"{name} = np.array([\n" + _fmt_ints(values, min(n, 16))
                       + "\n], dtype=np.int64).reshape(BLOCK, BLOCK)\n")
    out.append("\n")
    return "".join(out)


def _fmt_ints(values: list[int], per_line: int) -> str:
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(str(v) for v in values[i:i + per_line]) + ",")
    return "\n".join(lines)
