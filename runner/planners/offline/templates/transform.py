"""Source snippets of the picture coding: block DCT, quantisation, reconstruction, in-loop deblocking.

Module-level text for a rendered candidate; the names it uses (BLOCK, FDCT_T, IDCT, ROUND,
DIVISOR, LIMIT, STEP16, W_*, CHROMA_Q16, IPRATIO16, DECIMATE, DEBLOCK_*16) are constants that
render.py writes above it. The inverse transform and dequantisation are integer-exact, so the
encoder's reconstruction equals the decoder's bit for bit.
"""

TRANSFORM_CODE = '''\
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


# Only in candidates whose deblock gene is on.
DEBLOCK_CODE = '''\
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


# Only in candidates whose rdoq gene is on. Encoder only: the decoder does nothing more.
RDOQ_CODE = '''\
def _rdoq(levels, coef, m):
    """Zero the +-1 levels, then whole blocks, whose rate costs more than the distortion they save
    (D + RDOQ_LAMBDA * step^2 * R, the rate of a level estimated from how often its position is
    non-zero in this plane)."""
    step = m / 16.0
    lam = RDOQ_LAMBDA * float(step.min()) ** 2
    c = np.abs(coef)
    p = np.clip((levels != 0).mean(axis=0), 1.0 / (len(levels) + 1), 0.5)
    bits = np.log2((1.0 - p) / p) + 2.0  # a +-1 level instead of a zero: significance, sign, size
    drop = (np.abs(levels) == 1) & (step * (2.0 * c - step) < lam * bits)
    levels = np.where(drop, 0, levels)
    a = np.abs(levels)
    saved = np.where(a > 0, c * c - (c - a * step) ** 2, 0.0).reshape(len(levels), -1).sum(axis=1)
    cost = np.where(a > 0, bits + 2.0 * np.log2(np.maximum(a, 1)), 0.0).reshape(len(levels), -1).sum(axis=1)
    levels[saved < lam * (cost + 2.0)] = 0  # the block's own flag or end costs a little too
    return levels


'''
