"""Source snippet of motion compensation: sub-sample reference planes, block search, vector coding.

Module-level text for a rendered candidate with motion prediction; the names it uses (MB, SEARCH,
SUBPEL, SUBPEL_BITS, PAD, MV_LAMBDA, MV_PRED, CHROMA_420) are constants that render.py writes
above it. The search runs in the encoder only; the prediction is integer-exact on both sides.
"""

MOTION_CODE = '''\
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
