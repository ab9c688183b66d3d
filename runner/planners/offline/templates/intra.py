"""Source snippets of intra prediction: each transform block of an intra frame predicted from its
reconstructed neighbours (the row above, the column left and the corner between them), with the
mode chosen per block by rate and distortion and coded by the modes of the blocks left and above.

A block's prediction needs its neighbours' reconstruction, so blocks are coded along anti-diagonal
wavefronts: every block with row + column = k uses only blocks of earlier diagonals, and numpy works
on one whole diagonal at a time (rows + columns - 1 Python steps a plane, not one per block).
Module-level text for a rendered candidate; the names it uses (BLOCK, FDCT_T, _right, _blocks,
_idct_exact, _quantise, INTRA_MODES, INTRA_LAMBDA16) are constants and helpers render.py writes
above it. Prediction and reconstruction are integer-exact, so the decoder rebuilds the encoder's
picture bit for bit.

Decoder-side cost, per intra frame and plane: one inverse transform of all blocks (as without the
block), then rows + columns - 1 steps that predict one diagonal's blocks in every mode and add their
residual; the modes cost one range-coder call per diagonal (or one byte section, without the range
coder). P frames are untouched unless the intra_blocks gene is on (INTRA_BLOCKS_CODE says its cost).

With intra prediction the intra levels' DC DPCM (dc_pred) is off: the predicted blocks' DCs are
residuals with no trend left to take out (measured: 2-3% fewer bytes on first frames without it).
"""

from __future__ import annotations

# Mode names by index; INTRA_MODES (a constant render.py writes) says how many of them a codec has.
INTRA_MODE_NAMES = ("DC", "vertical", "horizontal", "planar")
INTRA_MODE_COUNT = {"dc_hv": 3, "planar": 4}  # per intra_pred gene
# The mode decision's lambda in 1/16 of the squared DC step: of 1, 2, 3, 4, 5, 6, 8 and 12, 2 to 5 coded the
# training clips' first frames within 1% of each other at equal PSNR-Y, 3 among the best with either matrix.
INTRA_LAMBDA16 = 3

INTRA_CODE = '''\
WAVES = {}  # (block rows, block columns) -> what _waves says of each anti-diagonal
SPAN = np.arange(BLOCK)
SHIFT = BLOCK.bit_length() - 1  # log2(BLOCK)
FROM_LEFT, FROM_ABOVE = (BLOCK - 1 - SPAN)[None, None, :], (BLOCK - 1 - SPAN)[None, :, None]  # planar weights
TO_RIGHT, TO_BOTTOM = (SPAN + 1)[None, None, :], (SPAN + 1)[None, :, None]


def _waves(rows, columns):
    """Per anti-diagonal of a rows x columns grid of blocks, in coding order: (the blocks' indices; where
    in the flat picture each block's row above and column left are read; the weights of the row's and the
    column's sums in DC; where each block's samples go). The picture is flat with one extra sample, 128,
    at its end. A missing row above reads the left column's top sample, a missing column left the row
    above's first sample, and with neither both read the 128 (as HEVC substitutes reference samples)."""
    if (rows, columns) not in WAVES:
        width, outside = columns * BLOCK, rows * columns * BLOCK * BLOCK
        waves = []
        r, c = np.divmod(np.arange(rows * columns), columns)
        for k in range(rows + columns - 1):
            index = np.flatnonzero(r + c == k)
            y, x = r[index, None] * BLOCK, c[index, None] * BLOCK
            has_above, has_left = y > 0, x > 0
            above = np.where(has_above, (y - 1) * width + x + SPAN, np.where(has_left, y * width + x - 1, outside))
            left = np.where(has_left, (y + SPAN) * width + x - 1, np.where(has_above, (y - 1) * width + x, outside))
            above_weight = np.where(has_above, np.where(has_left, 1, 2), 0)[:, 0]
            left_weight = 2 - above_weight
            samples = (y + SPAN)[:, :, None] * width + (x + SPAN)[:, None, :]
            waves.append((index, above, left, above_weight, left_weight, samples))
        WAVES[(rows, columns)] = waves
    return WAVES[(rows, columns)]


def _intra_predictions(flat, wave):
    """Every mode's prediction (modes x blocks x BLOCK x BLOCK, integers) of one diagonal's blocks from
    ``flat``, the picture as reconstructed so far. The samples above-right and below-left (on the same
    diagonal, not yet coded) are taken to be the last of the row above and of the column left."""
    index, above_at, left_at, above_weight, left_weight, _ = wave
    above, left = flat[above_at], flat[left_at]
    out = np.empty((INTRA_MODES, len(index), BLOCK, BLOCK), dtype=np.int32)
    out[0] = ((above.sum(axis=1) * above_weight + left.sum(axis=1) * left_weight + BLOCK) >> (SHIFT + 1))[:, None, None]
    out[1] = above[:, None, :]
    out[2] = left[:, :, None]
    if INTRA_MODES > 3:  # planar (HEVC's): the mean of a horizontal and a vertical linear ramp
        out[3] = (FROM_LEFT * left[:, :, None] + TO_RIGHT * above[:, -1:, None] + FROM_ABOVE * above[:, None, :]
                  + TO_BOTTOM * left[:, None, -1:] + BLOCK) >> (SHIFT + 1)
    return out


def _new_picture(h, w):
    """A flat picture to reconstruct into, with the sample that stands for what lies outside it."""
    flat = np.zeros(h * w + 1, dtype=np.int32)
    flat[-1] = 128
    return flat


def _mode_contexts(modes, index, columns):
    """Each block's context: the modes of the blocks left and above (INTRA_MODES where missing)."""
    r, c = np.divmod(index, columns)
    left = np.where(c > 0, modes[np.maximum(index - 1, 0)], INTRA_MODES)
    above = np.where(r > 0, modes[np.maximum(index - columns, 0)], INTRA_MODES)
    return left * (INTRA_MODES + 1) + above


def _mode_probabilities(counts, contexts):
    """Adaptive: how often each mode followed this context so far in the plane, plus a half."""
    seen = counts[contexts] + 0.5
    return seen / seen.sum(axis=1, keepdims=True)


def _level_bits(levels):
    """Encoder only: a rough rate of blocks' levels in bits (the coder's exact cost is not known yet):
    a non-zero level about 3 bits and 2 more per doubling of its size, a coded block 2 bits."""
    a = np.abs(levels).reshape(levels.shape[:-2] + (-1,))
    nonzero = a > 0
    bits = np.where(nonzero, 3.0 + 2.0 * np.log2(np.maximum(a, 1)), 0.0).sum(axis=-1)
    return bits + 2.0 * nonzero.any(axis=-1)


def _intra_candidates(flat, wave, target, m, lam, mode_bits):
    """Encoder: each block of one diagonal in its best intra mode, with its quantised residual or with none,
    by D + lam R (R: ``mode_bits``, modes x blocks, plus _level_bits): (cost, mode, levels, picture)."""
    n = len(target)
    preds = _intra_predictions(flat, wave)
    coef = _right(_right((target[None] - preds).reshape(-1, BLOCK, BLOCK), FDCT_T).swapaxes(1, 2), FDCT_T)
    trial = _quantise(coef.swapaxes(1, 2), m, DEADZONE_INTRA).reshape(INTRA_MODES, n, BLOCK, BLOCK)
    residual = _idct_exact((trial * m).astype(np.float64).reshape(-1, BLOCK, BLOCK))  # blocks x BLOCK x BLOCK
    pictures = np.clip(preds + residual.reshape(preds.shape), 0, 255)
    coded = ((target[None] - pictures) ** 2).sum(axis=(2, 3)) + lam * (_level_bits(trial) + mode_bits)
    bare = ((target[None] - preds) ** 2).sum(axis=(2, 3)) + lam * mode_bits
    cost = np.minimum(coded, bare)
    best = np.argmin(cost, axis=0)
    chosen = (best, np.arange(n))
    drop = (bare < coded)[chosen][:, None, None]  # the prediction alone costs less than with its levels
    return cost[chosen], best, np.where(drop, 0, trial[chosen]), np.where(drop, preds[chosen], pictures[chosen])


def _intra_lambda(m):
    return INTRA_LAMBDA16 / 16.0 * (float(m[0, 0]) / 16.0) ** 2


def _intra_encode(plane, m, sections, encoder=None):
    """Encoder: the plane's levels and reconstruction with intra prediction, diagonal by diagonal. Each
    block takes the mode, with its quantised residual or with none, of least D + lambda R (lambda =
    INTRA_LAMBDA16 / 16 * step^2; R: the mode's bits under the adaptive model and _level_bits). The modes
    are coded before the levels. (RDOQ's per-plane statistics do not exist yet here: the choice of an
    empty residual stands in for it on intra frames.)"""
    h, w = plane.shape
    rows, columns = h // BLOCK, w // BLOCK
    blocks = _blocks(plane.astype(np.float64), BLOCK)
    flat = _new_picture(h, w)
    levels = np.zeros((rows * columns, BLOCK, BLOCK), dtype=np.int64)
    modes = np.zeros(rows * columns, dtype=np.int64)
    counts = np.zeros(((INTRA_MODES + 1) ** 2, INTRA_MODES))
    lam = _intra_lambda(m)
    steps = []
    for wave in _waves(rows, columns):
        index = wave[0]
        contexts = _mode_contexts(modes, index, columns)
        probabilities = _mode_probabilities(counts, contexts)
        _, best, levels[index], flat[wave[-1]] = _intra_candidates(flat, wave, blocks[index], m, lam,
                                                                   -np.log2(probabilities.T))
        modes[index] = best
        steps.append((best, probabilities))
        counts += np.bincount(contexts * INTRA_MODES + best, minlength=counts.size).reshape(counts.shape)
    _put_modes(modes, steps, sections, encoder)
    return levels, flat[:-1].reshape(h, w).astype(np.int16)


def _intra_decode(levels, modes, m, h, w):
    """Decoder: the plane from its levels and modes, diagonal by diagonal (the encoder's picture)."""
    residual = _idct_exact((levels * m).astype(np.float64)).astype(np.int32)
    flat = _new_picture(h, w)
    for wave in _waves(h // BLOCK, w // BLOCK):
        index = wave[0]
        picked = _intra_predictions(flat, wave)[modes[index], np.arange(len(index))]
        flat[wave[-1]] = np.clip(picked + residual[index], 0, 255)
    return flat[:-1].reshape(h, w).astype(np.int16)


'''

# How the modes are coded, per entropy gene family: by the range coder (laplace), diagonal by diagonal
# with the adaptive model, or as one byte each in a section that the final coder packs.
INTRA_MODES_CODE: dict[str, str] = {
    "range": '''\
MODE_MODEL = constriction.stream.model.Categorical(perfect=False)


def _put_modes(modes, steps, sections, encoder):
    for best, probabilities in steps:
        encoder.encode(best.astype(np.int32), MODE_MODEL, probabilities)


def _intra_modes(sections, rows, columns, decoder):
    """Decoder: the modes of a plane's blocks, diagonal by diagonal as the encoder coded them."""
    modes = np.zeros(rows * columns, dtype=np.int64)
    counts = np.zeros(((INTRA_MODES + 1) ** 2, INTRA_MODES))
    for index, *_ in _waves(rows, columns):
        contexts = _mode_contexts(modes, index, columns)
        modes[index] = decoder.decode(MODE_MODEL, _mode_probabilities(counts, contexts))
        counts += np.bincount(contexts * INTRA_MODES + modes[index], minlength=counts.size).reshape(counts.shape)
    return modes


''',
    "bytes": '''\
def _put_modes(modes, steps, sections, encoder=None):
    sections.append(modes.astype(np.uint8).tobytes())


def _intra_modes(sections, rows, columns):
    return np.frombuffer(next(sections), dtype=np.uint8).astype(np.int64)


''',
}

# Only with the intra_blocks gene (and inter frames): intra-coded blocks in predicted frames, luma only.
# Decoder-side cost, per P frame: nothing more than a flag byte unless a block is intra-coded; then one
# range-coder call for the modes and, on each diagonal that holds an intra block, the prediction of that
# diagonal's blocks (as in an intra frame).
INTRA_BLOCKS_CODE = '''\
INTRA_FLAG_BITS = 5.0  # encoder: the rate an intra block's flag and mode are taken to cost in a P frame


def _intra_blocks(plane, pred, levels, m, chroma, sections, encoder=None):
    """Encoder, P frames: the motion-compensated picture in which (luma only) every block whose best intra
    coding costs less (D + lambda R) than its motion-compensated residual is intra-coded instead,
    diagonal by diagonal from its reconstructed neighbours (with the P frame's steps and the intra dead
    zone). Returns the levels and the picture before deblocking; the blocks' modes (INTRA_MODES for a
    motion-compensated one) are coded before the levels. Chroma stays motion-compensated: it does not
    count in PSNR-Y, and its own flags would cost more than they save."""
    h, w = plane.shape
    picture = np.clip(pred + _unblocks(_idct_exact((levels * m).astype(np.float64)), h, w, BLOCK), 0, 255)
    if chroma:
        return levels, picture.astype(np.int16)
    blocks = _blocks(plane.astype(np.float64), BLOCK)
    lam = _intra_lambda(m)
    inter = ((blocks - _blocks(picture, BLOCK)) ** 2).sum(axis=(1, 2)) + lam * _level_bits(levels)
    flat = _new_picture(h, w)
    flat[:-1] = picture.ravel()
    modes = np.full(len(levels), INTRA_MODES)
    levels = levels.copy()
    for wave in _waves(h // BLOCK, w // BLOCK):
        index = wave[0]
        cost, best, coded, pictures = _intra_candidates(flat, wave, blocks[index], m, lam, INTRA_FLAG_BITS)
        use = np.flatnonzero(cost < inter[index])
        if len(use):
            flat[wave[-1][use]] = pictures[use]
            levels[index[use]] = coded[use]
            modes[index[use]] = best[use]
    _put_block_modes(modes, sections, encoder)
    return levels, flat[:-1].reshape(h, w).astype(np.int16)


def _intra_blocks_decode(levels, modes, m, pred, h, w):
    """Decoder, P frames: the motion-compensated picture, then the intra blocks diagonal by diagonal."""
    residual = _idct_exact((levels * m).astype(np.float64))
    picture = np.clip(pred + _unblocks(residual, h, w, BLOCK), 0, 255)
    if modes is None or (modes == INTRA_MODES).all():
        return picture.astype(np.int16)
    flat = _new_picture(h, w)
    flat[:-1] = picture.ravel()
    residual = residual.astype(np.int32)
    for wave in _waves(h // BLOCK, w // BLOCK):
        index = wave[0]
        use = np.flatnonzero(modes[index] < INTRA_MODES)
        if len(use):
            picked = _intra_predictions(flat, wave)[modes[index[use]], use]
            flat[wave[-1][use]] = np.clip(picked + residual[index[use]], 0, 255)
    return flat[:-1].reshape(h, w).astype(np.int16)


'''

# How a P frame's block modes are coded, per entropy gene family: by the range coder, a byte for the share
# of intra blocks (0: none, and nothing else) and then every block's mode in one call (the intra modes
# equally likely); or one byte a block in a section that the final coder packs.
INTRA_BLOCK_MODES_CODE: dict[str, str] = {
    "range": '''\
SHARE_MODEL = constriction.stream.model.Uniform(256)


def _block_mode_model(share):
    """Inter with probability 1 - share / 256, each intra mode with share / 256 / INTRA_MODES."""
    p = np.full(INTRA_MODES + 1, share / 256.0 / INTRA_MODES)
    p[INTRA_MODES] = 1.0 - share / 256.0
    return constriction.stream.model.Categorical(p, perfect=False)


def _put_block_modes(modes, sections, encoder):
    intra = float((modes < INTRA_MODES).mean())
    share = 0 if intra == 0 else int(np.clip(np.round(256.0 * intra), 1, 255))
    encoder.encode(np.array([share], dtype=np.int32), SHARE_MODEL)
    if share:
        encoder.encode(modes.astype(np.int32), _block_mode_model(share))


def _block_modes(sections, rows, columns, chroma, decoder):
    if chroma:
        return None
    share = int(decoder.decode(SHARE_MODEL, 1)[0])
    if not share:
        return np.full(rows * columns, INTRA_MODES)
    return decoder.decode(_block_mode_model(share), rows * columns).astype(np.int64)


''',
    "bytes": '''\
def _put_block_modes(modes, sections, encoder=None):
    sections.append(modes.astype(np.uint8).tobytes())


def _block_modes(sections, rows, columns, chroma):
    return None if chroma else np.frombuffer(next(sections), dtype=np.uint8).astype(np.int64)


''',
}
