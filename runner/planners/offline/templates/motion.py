"""Source snippets of motion compensation: sub-sample reference planes, block search, vector coding.

Module-level text for a rendered candidate with motion prediction; the names it uses (MB, SEARCH,
SUBPEL, SUBPEL_BITS, PAD, MV_LAMBDA, MV_PRED, CHROMA_420) are constants that render.py writes
above it. The search runs in the encoder only; the prediction is integer-exact on both sides.
``MOTION_CODE`` is codecgen-1's text (bilinear sub-samples); render.py puts the 6-tap phases
(interp gene) in front of the search instead, and the vectors' coding (mv_code gene) after it.
"""

# Sub-sample phases of a reference, per interp gene (bilinear: codecgen-1's).
SUBPEL_BILINEAR_CODE = '''\
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


'''

SUBPEL_SIXTAP_CODE = '''\
def _taps(q, axis, count):
    """H.264's half-sample filter (1, -5, 20, 20, -5, 1) along axis, unscaled (x 32): sample i lies
    between q[i + 3] and q[i + 4], that is between samples i and i + 1 of the plane that q pads by 3."""
    def at(k):
        return q[k + 1:k + 1 + count] if axis == 0 else q[:, k + 1:k + 1 + count]
    return at(0) - 5 * at(1) + 20 * (at(2) + at(3)) - 5 * at(4) + at(5)


def _subpel_planes(ref):
    """The reference padded by PAD, at its SUBPEL x SUBPEL sub-sample phases: half samples by the
    6-tap filter (in integers, rounded once), quarter samples the rounded mean of the two half-grid
    samples around them. Decoder-side cost: three 6-tap passes and SUBPEL^2 - 4 means per plane."""
    p = np.pad(ref.astype(np.int32), PAD, mode="edge")
    if SUBPEL == 1:
        return p.astype(np.int16)[None]
    h, w = p.shape
    q = np.pad(p, 3, mode="edge")
    across = _taps(q, 1, w)  # (h + 6, w): half samples between columns, x 32
    half = [
        [p, np.clip((across[3:3 + h] + 16) >> 5, 0, 255)],
        [np.clip((_taps(q, 0, h)[:, 3:3 + w] + 16) >> 5, 0, 255), np.clip((_taps(across, 0, h) + 512) >> 10, 0, 255)],
    ]

    def grid(y, x):  # the half-grid sample at (y, x) half samples from each position
        return half[y % 2][x % 2][y // 2:y // 2 + h - 1, x // 2:x // 2 + w - 1]

    n = SUBPEL
    phases = np.empty((n * n, h - 1, w - 1), dtype=np.int16)
    for fy in range(n):
        for fx in range(n):
            qy, qx = fy * 4 // n, fx * 4 // n  # quarter samples
            a, b = grid(qy // 2, qx // 2), grid((qy + 1) // 2, (qx + 1) // 2)
            phases[fy * n + fx] = a if qy % 2 == 0 and qx % 2 == 0 else (a + b + 1) >> 1
    return phases


'''

MOTION_SEARCH_CODE = '''\
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


'''

MOTION_CODE = SUBPEL_BILINEAR_CODE + MOTION_SEARCH_CODE

# The vectors as bytes (deflated with the other sections): mv_code "bytes".
MV_BYTES_CODE = '''\
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

# mv_code "laplace" (needs the laplace entropy coder's range coder and models). Decoder-side cost:
# one range-coder call per row and component, and a Python loop over the blocks for the medians.
# Its parts: the median predictor and the models' helpers, which the RD modes (templates/modes.py) use too,
# and the decoding of medians and the coding of one vector per macroblock, which they do their own way.
MV_MEDIAN_CODE = '''\
MV_CONTEXT_CAP = 48  # neighbour activity (sum of |difference| nearby, 1/SUBPEL units) beyond this shares a model


def _median3(a, b, c):
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def _mv_median(v):
    """Each block's predicted component: the left one in the first row, else the median of left
    (above in the first column), above and above-right (above-left in the last column)."""
    rows, cols = v.shape
    pred = np.zeros_like(v)
    pred[0, 1:] = v[0, :-1]
    if rows > 1:
        up = v[:-1]
        left = np.concatenate([up[:, :1], v[1:, :-1]], axis=1)
        right = np.concatenate([up[:, 1:], up[:, -2:-1] if cols > 1 else up[:, :1]], axis=1)
        pred[1:] = _median3(left, up, right)
    return pred


'''

MV_UNMEDIAN_CODE = '''\
def _mv_unmedian(d):
    """The decoder's inverse of v - _mv_median(v), block by block (each needs its left neighbour)."""
    rows, cols = d.shape
    v = np.zeros_like(d)
    v[0] = np.cumsum(d[0])
    for r in range(1, rows):
        up = v[r - 1].tolist()
        right = up[1:] + [up[-2] if cols > 1 else up[0]]
        row = d[r].tolist()
        left = up[0]
        for c in range(cols):
            a, b = left, up[c]
            left = row[c] + max(min(a, b), min(max(a, b), right[c]))
            row[c] = left
        v[r] = row
    return v


'''

MV_MODEL_CODE = '''\
def _mv_near(previous):
    """Per block of a row: the activity |dy| + |dx| of the three blocks above it (integers)."""
    near = previous.copy()
    near[1:] += previous[:-1]
    near[:-1] += previous[1:]
    return near


def _mv_fit(d, context):
    """The model of one component: mean |difference| m0 where nothing nearby moved, and its growth
    per unit of context, as two mean codes."""
    a = np.abs(d).astype(np.float64).ravel()
    context = context.ravel()
    calm = context == 0
    m0 = a[calm].mean() if calm.any() else a.mean()
    slope = (a[~calm].mean() - m0) / context[~calm].mean() if (~calm).any() else 0.0
    return _mean_code(np.array([m0, max(slope, 1.0 / 256)]))


def _mv_scale_table(codes):
    """Laplace scale per context 0..MV_CONTEXT_CAP (identical on both sides: same codes, same shapes)."""
    m0, slope = _mean_of(codes)
    m = np.maximum(m0 + slope * np.arange(MV_CONTEXT_CAP + 1), LAPLACE_MIN_MEAN)
    r = (np.sqrt(1.0 + m * m) - 1.0) / m
    return -1.0 / np.log(r)


'''

MV_VECTORS_CODE = '''\
def _mv_contexts(dy, dx):
    """Every block's context, row by row as the decoder knows it: the rows above, and for x its y."""
    cy, cx = np.zeros_like(dy), np.zeros_like(dx)
    previous = np.zeros(dy.shape[1], dtype=np.int64)
    for r in range(len(dy)):
        near = _mv_near(previous)
        cy[r] = np.minimum(near, MV_CONTEXT_CAP)
        cx[r] = np.minimum(near + 2 * np.abs(dy[r]), MV_CONTEXT_CAP)
        previous = np.abs(dy[r]) + np.abs(dx[r])
    return cy, cx


def _favour_predicted(cur, phases, vy, vx, lam):
    """Encoder only: a block takes its predicted vector (whose difference costs almost nothing to
    code) where that costs less than its own vector's SAD plus lam * the difference, twice over."""
    h, w = cur.shape
    lam = lam / (MB * MB)
    cur = np.ascontiguousarray(cur, dtype=np.float32)
    own_y, own_x = vy, vx
    own = _block_cost(cur, _predict(phases, vy, vx, MB, h, w).astype(np.float32), MB)
    for _ in range(2):
        py, px = _mv_median(vy), _mv_median(vx)
        keep = own + lam * (2 * (np.abs(own_y - py) + np.abs(own_x - px)) / SUBPEL + 1)
        take = _block_cost(cur, _predict(phases, py, px, MB, h, w).astype(np.float32), MB)
        use = take <= keep
        vy, vx = np.where(use, py, own_y), np.where(use, px, own_x)
    return vy, vx


def _put_vectors(vy, vx, sections, encoder):
    """Median-predicted differences, range-coded row by row with Laplace models whose scale grows
    with the differences above (and, for x, with this block's y difference)."""
    dy, dx = vy - _mv_median(vy), vx - _mv_median(vx)
    limit = int(max(np.abs(dy).max(initial=0), np.abs(dx).max(initial=0)))
    cy, cx = _mv_contexts(dy, dx)
    codes = np.concatenate([_mv_fit(dy, cy), _mv_fit(dx, cx)])
    _put_side(struct.pack("<H", limit) + codes.tobytes(), sections, encoder)
    if not limit:
        return
    model = constriction.stream.model.QuantizedLaplace(-limit, limit)
    ty, tx = _mv_scale_table(codes[:2]), _mv_scale_table(codes[2:])
    zero = np.zeros(dy.shape[1])
    for r in range(len(dy)):
        encoder.encode(dy[r].astype(np.int32), model, zero, ty[cy[r]])
        encoder.encode(dx[r].astype(np.int32), model, zero, tx[cx[r]])


def _get_vectors(sections, shape, decoder):
    data = _get_side(sections, decoder, 6)
    (limit,) = struct.unpack_from("<H", data)
    dy, dx = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
    if limit:
        codes = np.frombuffer(data, dtype=np.uint8, count=4, offset=2)
        model = constriction.stream.model.QuantizedLaplace(-limit, limit)
        ty, tx = _mv_scale_table(codes[:2]), _mv_scale_table(codes[2:])
        zero = np.zeros(shape[1])
        previous = np.zeros(shape[1], dtype=np.int64)
        for r in range(shape[0]):
            near = _mv_near(previous)
            dy[r] = decoder.decode(model, zero, ty[np.minimum(near, MV_CONTEXT_CAP)])
            dx[r] = decoder.decode(model, zero, tx[np.minimum(near + 2 * np.abs(dy[r]), MV_CONTEXT_CAP)])
            previous = np.abs(dy[r]) + np.abs(dx[r])
    return [_mv_unmedian(dy), _mv_unmedian(dx)]


'''

MV_LAPLACE_CODE = MV_MEDIAN_CODE + MV_UNMEDIAN_CODE + MV_MODEL_CODE + MV_VECTORS_CODE
