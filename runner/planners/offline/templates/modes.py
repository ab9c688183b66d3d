"""Source snippets of the per-macroblock mode decision of predicted frames (the modes gene).

A predicted frame's macroblocks each take one mode of a table (``MODES``; a mode's index is its
code): SKIP (the median-predicted vector, no vector difference and no residual of its own),
INTER (its own vector and a residual) and, with "split", INTER with four MB/2 x MB/2 vectors.
The encoder chooses by D + lambda * R with lambda = MODE_LAMBDA * step^2 (SSD per bit, the
luma step of predicted frames; R estimated from Laplace models of the levels and Exp-Golomb
lengths of the vector differences), after a motion search whose cost holds the bits of the
vector's difference to its median predictor (SAD + MOTION_SCALE * sqrt(lambda) per bit; H.264
has a scale of 1). Vectors live on a grid of cells (MB // CELLS samples); their predictor is
_mv_median's rule on the cells decoded before (macroblocks in raster order, partitions in raster
order within one), so a SKIP macroblock's vector is what the decoder derives. The modes are
range-coded row by row with counts that adapt row by row and carry from one predicted frame to
the next (never across a key frame), by context: how many of the three macroblocks above were
skipped, and the macroblock's mode in the frame before. The coded partitions' differences go
with the Laplace models of MV_LAPLACE_CODE (which render.py puts first, with the range coder's
side information). Needs the laplace entropy coder and range-coded vectors (``Genome.mv_laplace``).
A further mode (say, intra) is one more name in MODE_TABLES and MODE_PARTS (with no partitions,
its cells read as zero vectors) and one more branch of the encoder's decision.

Decoder-side cost per predicted frame: one range-coder call per macroblock row for the modes and
two for the vector differences, one Python step per partition for the median predictors (as
_mv_unmedian), and the motion prediction at cell size; nothing per sample beyond what motion
compensation already does.
"""

from __future__ import annotations

from runner.planners.offline.genome import Genome

# gene value -> the modes a predicted macroblock may take (their order is their code)
MODE_TABLES = {"skip": ("skip", "inter"), "split": ("skip", "inter", "split")}

# lambda of the mode decision per step^2 (SSD per bit); measured on the training clips (see
# tests/runner/test_codecgen_modes.py and the integrator's note for the sweep)
MODE_LAMBDA = 0.1
# the motion search's lambda (SAD per bit) per sqrt(lambda); H.264's is 1, 0.35 measured best here
MOTION_SCALE = 0.35


def modes_on(g: Genome) -> bool:
    """Whether the genome's candidates decide a mode per macroblock (the gene needs the range coder's vectors)."""
    return g.modes != "off" and g.mv_laplace


def modes_constants(g: Genome) -> str:
    """The named constants MODES_CODE reads (empty when the block is off)."""
    if not modes_on(g):
        return ""
    modes = MODE_TABLES[g.modes]
    return (f"MODES = {modes!r}  # a predicted macroblock's modes; the index is the code\n"
            f"CELLS = {2 if 'split' in modes else 1}  # vector cells per macroblock side\n"
            f"MODE_LAMBDA = {MODE_LAMBDA!r}  # lambda of the mode decision per step^2 (SSD per bit)\n"
            f"MOTION_SCALE = {MOTION_SCALE!r}  # the motion search's lambda (SAD per bit): this times sqrt(lambda)\n"
            "REACH = (SEARCH + 1) * SUBPEL - 1  # the largest vector component the padding allows\n"
            "SPLIT_RADIUS = 2  # whole samples searched around a split macroblock's vector for its partitions\n")


# Both sides: the modes' and the partitions' coding, the vectors' prediction, the cells' motion compensation.
MODES_CODE = '''\
ABOVE_CONTEXTS = 5  # how many of the three macroblocks above were skipped (0..3), or the first row
# each mode's partitions: (row, column, width) in cells of the macroblock, in decoding order
MODE_PARTS = {
    "skip": ((0, 0, CELLS),),
    "inter": ((0, 0, CELLS),),
    "split": ((0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1)),
}
SKIP_MODE = MODES.index("skip")
# vector differences coded per macroblock of each mode (a skipped one's is its predictor's)
CODED_PARTS = np.array([0 if name == "skip" else len(MODE_PARTS[name]) for name in MODES], dtype=np.int64)


def _mode_history(frame_index, shape):
    """The modes' counts per context and the modes of the frame before, when that one was a
    predicted frame of this size (both sides clear them at a key frame and see the same frames in
    order after it): the counts halved; else one each, and no modes (len(MODES) stands for none)."""
    held = STATE.get("modes")
    if held is not None and held[0] == frame_index - 1 and held[2].shape == shape:
        return (held[1] + 1) // 2, held[2]
    return np.ones((ABOVE_CONTEXTS * (len(MODES) + 1), len(MODES)), dtype=np.int64), np.full(shape, len(MODES))


def _row_contexts(modes, before, r):
    """Per macroblock of row r: how many of the three above it were skipped, and its mode in the frame before."""
    above = _mv_near((modes[r - 1] == SKIP_MODE).astype(np.int64)) if r else np.full(modes.shape[1], ABOVE_CONTEXTS - 1)
    return above + ABOVE_CONTEXTS * before[r]


def _count_row(counts, context, modes_row):
    return counts + np.bincount(context * len(MODES) + modes_row, minlength=counts.size).reshape(counts.shape)


def _put_mb_modes(modes, frame_index, encoder):
    counts, before = _mode_history(frame_index, modes.shape)
    model = constriction.stream.model.Categorical(perfect=False)
    for r in range(len(modes)):
        context = _row_contexts(modes, before, r)
        encoder.encode(modes[r].astype(np.int32), model, counts[context].astype(np.float64))
        counts = _count_row(counts, context, modes[r])
    STATE["modes"] = (frame_index, counts, modes)


def _get_mb_modes(shape, frame_index, decoder):
    counts, before = _mode_history(frame_index, shape)
    model = constriction.stream.model.Categorical(perfect=False)
    modes = np.zeros(shape, dtype=np.int64)
    for r in range(shape[0]):
        context = _row_contexts(modes, before, r)
        modes[r] = decoder.decode(model, counts[context].astype(np.float64))
        counts = _count_row(counts, context, modes[r])
    STATE["modes"] = (frame_index, counts, modes)
    return modes


def _part_predictor(vy, vx, y, x, wide, c):
    """The predicted vector of the partition whose top-left cell is (y, x), ``wide`` cells wide, in
    macroblock column c: _mv_median's rule on the cells decoded before it - the left one in the
    first row, else the median of left (above in the first column), above, and above-right
    (above-left where that lies off the frame or in a macroblock not decoded yet)."""
    if y == 0:
        return (vy[0][x - 1], vx[0][x - 1]) if x else (0, 0)
    up, right = y - 1, x + wide
    if right < len(vy[0]) and (y % CELLS == 0 or right // CELLS == c):
        cy, cx = vy[up][right], vx[up][right]
    else:
        cy, cx = (vy[up][x - 1], vx[up][x - 1]) if x else (vy[up][x], vx[up][x])
    ly, lx = (vy[y][x - 1], vx[y][x - 1]) if x else (vy[up][x], vx[up][x])
    by, bx = vy[up][x], vx[up][x]
    return (max(min(ly, by), min(max(ly, by), cy)), max(min(lx, bx), min(max(lx, bx), cx)))


def _fill(vy, vx, y, x, wide, v):
    for row in range(y, y + wide):
        for col in range(x, x + wide):
            vy[row][col], vx[row][col] = v


def _part_vectors(modes, dys, dxs):
    """The decoder's cell vectors: each partition's predictor plus its coded difference (none for skip)."""
    rows, cols = modes.shape
    vy = [[0] * (cols * CELLS) for _ in range(rows * CELLS)]
    vx = [[0] * (cols * CELLS) for _ in range(rows * CELLS)]
    for r in range(rows):
        ey, ex = iter(dys[r].tolist()), iter(dxs[r].tolist())
        for c, mode in enumerate(modes[r].tolist()):
            name = MODES[mode]
            for oy, ox, wide in MODE_PARTS[name]:
                y, x = r * CELLS + oy, c * CELLS + ox
                py, px = _part_predictor(vy, vx, y, x, wide, c)
                _fill(vy, vx, y, x, wide, (py, px) if name == "skip" else (py + next(ey), px + next(ex)))
    return np.array(vy, dtype=np.int64), np.array(vx, dtype=np.int64)


def _part_activity(counts, dy, dx):
    """Per macroblock of a row: the mean |dy| + |dx| of its coded differences (0 where none)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    total = np.bincount(owner, np.abs(dy) + np.abs(dx), minlength=len(counts)).astype(np.int64)
    return total // np.maximum(counts, 1)


def _put_part_vectors(modes, dys, dxs, sections, encoder):
    """The coded partitions' differences, row by row, with _put_vectors' Laplace models (scale by
    the activity of the macroblocks above, and for x by the partition's own |dy|)."""
    counts = CODED_PARTS[modes]
    cy, cx, previous = [], [], np.zeros(modes.shape[1], dtype=np.int64)
    for r in range(len(modes)):
        near = np.repeat(_mv_near(previous), counts[r])
        cy.append(np.minimum(near, MV_CONTEXT_CAP))
        cx.append(np.minimum(near + 2 * np.abs(dys[r]), MV_CONTEXT_CAP))
        previous = _part_activity(counts[r], dys[r], dxs[r])
    dy, dx = np.concatenate(dys), np.concatenate(dxs)
    limit = int(max(np.abs(dy).max(initial=0), np.abs(dx).max(initial=0)))
    codes = np.zeros(4, dtype=np.uint8)
    if limit:
        codes = np.concatenate([_mv_fit(dy, np.concatenate(cy)), _mv_fit(dx, np.concatenate(cx))])
    _put_side(struct.pack("<H", limit) + codes.tobytes(), sections, encoder)
    if not limit:
        return
    model = constriction.stream.model.QuantizedLaplace(-limit, limit)
    ty, tx = _mv_scale_table(codes[:2]), _mv_scale_table(codes[2:])
    for r in range(len(modes)):
        if len(dys[r]):
            encoder.encode(dys[r].astype(np.int32), model, np.zeros(len(dys[r])), ty[cy[r]])
            encoder.encode(dxs[r].astype(np.int32), model, np.zeros(len(dxs[r])), tx[cx[r]])


def _get_part_vectors(modes, sections, decoder):
    data = _get_side(sections, decoder, 6)
    (limit,) = struct.unpack_from("<H", data)
    if limit:
        codes = np.frombuffer(data, dtype=np.uint8, count=4, offset=2)
        model = constriction.stream.model.QuantizedLaplace(-limit, limit)
        ty, tx = _mv_scale_table(codes[:2]), _mv_scale_table(codes[2:])
    counts = CODED_PARTS[modes]
    dys, dxs, previous = [], [], np.zeros(modes.shape[1], dtype=np.int64)
    for r in range(len(modes)):
        n = int(counts[r].sum())
        dy, dx = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        if limit and n:
            near = np.repeat(_mv_near(previous), counts[r])
            dy = decoder.decode(model, np.zeros(n), ty[np.minimum(near, MV_CONTEXT_CAP)]).astype(np.int64)
            dx = decoder.decode(model, np.zeros(n), tx[np.minimum(near + 2 * np.abs(dy), MV_CONTEXT_CAP)])
            dx = dx.astype(np.int64)
        dys.append(dy)
        dxs.append(dx)
        previous = _part_activity(counts[r], dy, dx)
    return _part_vectors(modes, dys, dxs)


def _cell_predictions(phases, shapes, vy, vx):
    """Motion-compensated planes from cell vectors (chroma at half size and half vectors in 4:2:0)."""
    out = []
    for i, (plane_phases, (h, w)) in enumerate(zip(phases, shapes)):
        if CHROMA_420 and i:
            out.append(_predict(plane_phases, _halve(vy), _halve(vx), MB // CELLS // 2, h, w))
        else:
            out.append(_predict(plane_phases, vy, vx, MB // CELLS, h, w))
    return out


def _read_modes(ref, frame_index, sections, decoder):
    """Decoder: the modes, the vectors and the motion-compensated planes of a predicted frame."""
    h, w = ref[0].shape
    modes = _get_mb_modes((h // MB, w // MB), frame_index, decoder)
    vy, vx = _get_part_vectors(modes, sections, decoder)
    return _cell_predictions([_subpel_planes(p) for p in ref], [p.shape for p in ref], vy, vx)


'''

# Encoder only: the rate-aware motion search and the mode decision.
MODES_ENCODER_CODE = '''\
def _vector_bits(dy, dx):
    """Encoder only: the bits of a vector difference (1/SUBPEL units) as two signed Exp-Golomb
    codes, a stand-in for the range coder's cost."""
    return 2.0 * (np.floor(np.log2(2.0 * np.abs(dy) + 1.0)) + np.floor(np.log2(2.0 * np.abs(dx) + 1.0))) + 2.0


def _sad(cur, phases, vy, vx, size):
    h, w = cur.shape
    return _block_cost(cur, _predict(phases, vy, vx, size, h, w).astype(np.float32), size) * float(size * size)


NEIGHBOURS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def _better(cur, phases, size, lam, predictor, field, candidates):
    """Encoder only: each block's vector and cost in ``field`` (vy, vx, cost), replaced by a
    candidate field's where that costs less: SAD + lam * the bits of the difference to ``predictor``."""
    (py, px), (vy, vx, best) = predictor, field
    for ty, tx in candidates:
        ty, tx = np.clip(ty, -REACH, REACH), np.clip(tx, -REACH, REACH)
        cost = _sad(cur, phases, ty, tx, size) + lam * _vector_bits(ty - py, tx - px)
        better = cost < best
        best = np.where(better, cost, best)
        vy, vx = np.where(better, ty, vy), np.where(better, tx, vx)
    return vy, vx, best


def _refine(cur, phases, vy, vx, size, lam, radius=0):
    """Encoder only: vectors of size x size blocks minimising SAD + lam * the bits of their difference
    to the median predictor (of the field as it stands), twice: the predictor and zero as
    candidates, the first time whole samples up to ``radius`` away, then the eight neighbours at
    whole, half and quarter samples."""
    cur = np.ascontiguousarray(cur, dtype=np.float32)
    for rounds in range(2):
        predictor = py, px = _mv_median(vy), _mv_median(vx)
        field = vy, vx, _sad(cur, phases, vy, vx, size) + lam * _vector_bits(vy - py, vx - px)
        field = _better(cur, phases, size, lam, predictor, field, [predictor, (0 * vy, 0 * vx)])
        reach = 0 if rounds else radius
        vy, vx = field[:2]
        field = _better(cur, phases, size, lam, predictor, field,
                        [(vy + oy * SUBPEL, vx + ox * SUBPEL) for oy in range(-reach, reach + 1)
                         for ox in range(-reach, reach + 1) if oy or ox])
        step = SUBPEL
        while step:
            vy, vx = field[:2]
            field = _better(cur, phases, size, lam, predictor, field,
                            [(vy + oy * step, vx + ox * step) for oy, ox in NEIGHBOURS])
            step //= 2
        vy, vx = field[:2]
    return vy, vx


def _cells(v):
    return np.repeat(np.repeat(v, CELLS, axis=0), CELLS, axis=1)


def _per_mb(values, grid, shape):
    """Per-block values of a plane (``grid``: its block rows and columns) summed per macroblock;
    a block larger than a macroblock shares its value out evenly."""
    (bh, bw), (rows, cols) = grid, shape
    v = values.reshape(bh, bw)
    if bh >= rows:
        return v.reshape(rows, bh // rows, cols, bw // cols).sum(axis=(1, 3))
    return np.repeat(np.repeat(v, rows // bh, axis=0), cols // bw, axis=1) / float((rows // bh) * (cols // bw))


def _residual_costs(plane, pred, m, model):
    """Encoder only: per block, the squared error left once its residual is coded, and the bits of
    its levels and flag under Laplace models (each position's mean |level| and the share of coded
    blocks: ``model``, or this residual's own when None, which is returned)."""
    coef = _fdct(plane - pred)
    levels = _quantise(coef, m, DEADZONE_INTER)
    if DECIMATE:
        levels = _decimate(levels)
    err = ((coef - levels * (m / 16.0)) ** 2).reshape(len(levels), -1).sum(axis=1)
    a = np.abs(levels.reshape(len(levels), -1)).astype(np.float64)
    coded = a.max(axis=1) > 0
    if model is None:
        means = a[coded].mean(axis=0) if coded.any() else np.zeros(a.shape[1])
        share = min(max(float(coded.mean()), 1.0 / (len(a) + 1)), 1.0 - 1.0 / (len(a) + 1))
        model = (means, share)
    means, share = model
    mean = np.maximum(means, LAPLACE_MIN_MEAN)
    r = (np.sqrt(1.0 + mean * mean) - 1.0) / mean
    level_bits = (np.log2((1.0 + r) / (1.0 - r)) - a * np.log2(r)).sum(axis=1)
    bits = np.where(coded, level_bits - np.log2(share), -np.log2(1.0 - share))
    return err, bits, model


def _mb_costs(planes, preds, quality, chroma_flags, shape, models):
    """Encoder only: per macroblock, the error and bits with the residual coded, and the error of
    the prediction alone (all planes)."""
    rows, cols = shape
    err, bits, alone, zero_bits, out_models = 0.0, 0.0, 0.0, 0.0, []
    for i, (plane, pred, chroma) in enumerate(zip(planes, preds, chroma_flags)):
        h, w = plane.shape
        m = _qmatrix(quality, chroma, False)
        e, b, model = _residual_costs(plane, pred, m, models[i] if models else None)
        grid = (h // BLOCK, w // BLOCK)
        err, bits = err + _per_mb(e, grid, shape), bits + _per_mb(b, grid, shape)
        zero_bits = zero_bits - np.log2(1.0 - model[1]) * _per_mb(np.ones(len(e)), grid, shape)
        d = (plane - pred).astype(np.float64)
        alone = alone + (d * d).reshape(rows, h // rows, cols, w // cols).sum(axis=(1, 3))
        out_models.append(model)
    return err, bits, alone, zero_bits, out_models


def _skip_error(planes, phases, r, c, vy, vx):
    """Encoder only: the squared error of macroblock (r, c) predicted at (vy, vx), with no residual."""
    total = 0.0
    for i, (plane, plane_phases) in enumerate(zip(planes, phases)):
        size, y, x = MB, vy, vx
        if CHROMA_420 and i:
            size, y, x = MB // 2, int(_halve(vy)), int(_halve(vx))
        top, left = r * size + PAD + y // SUBPEL, c * size + PAD + x // SUBPEL
        block = plane_phases[(y % SUBPEL) * SUBPEL + x % SUBPEL, top:top + size, left:left + size]
        d = plane[r * size:(r + 1) * size, c * size:(c + 1) * size].astype(np.float64) - block
        total += float((d * d).sum())
    return total


def _bits_of(d):
    """_vector_bits of one component, in integers."""
    return 2 * ((2 * abs(d) + 1).bit_length() - 1) + 1


def _code_modes(planes, ref, quality, frame_index, chroma_flags, sections, encoder):
    """Encoder: the vectors and every macroblock's mode by D + lambda * R (lambda = MODE_LAMBDA *
    step^2), then their coding. Returns the planes to code, a skipped macroblock's samples replaced
    by its prediction so that its residual quantises to nothing, and the predictions."""
    m = _qmatrix(quality, False, False)
    step = float(m.min()) / 16.0
    lam = MODE_LAMBDA * step * step
    vy, vx, luma_phases = _search(planes[0], ref[0], MV_LAMBDA * float(m[0, 0]) / 16.0)
    phases = [luma_phases] + [_subpel_planes(p) for p in ref[1:]]
    vy, vx = _refine(planes[0], luma_phases, vy, vx, MB, MOTION_SCALE * float(np.sqrt(lam)))
    costs = _candidate_costs(planes, phases, [p.shape for p in ref], vy, vx, quality, chroma_flags, lam)
    modes, fy, fx = _decide(planes, phases, costs, lam, frame_index)
    _put_mb_modes(modes, frame_index, encoder)
    _put_part_vectors(modes, *_part_differences(modes, fy, fx), sections, encoder)
    preds = _cell_predictions(phases, [p.shape for p in ref], np.array(fy, dtype=np.int64),
                              np.array(fx, dtype=np.int64))
    skipped, out = modes == SKIP_MODE, []
    for plane, pred in zip(planes, preds):
        k = plane.shape[0] // len(modes)
        out.append(np.where(np.repeat(np.repeat(skipped, k, axis=0), k, axis=1), pred, plane))
    return out, preds


def _candidate_costs(planes, phases, shapes, vy, vx, quality, chroma_flags, lam):
    """Encoder only: per macroblock (as lists), its own vector and the error and bits of coding it
    with that vector, with the median predictor of the field, and (with split) with four vectors;
    the error of the prediction alone (a skip) at the first two; the bits of its flags when skipped."""
    shape = vy.shape

    def at(cy, cx, models):
        return _mb_costs(planes, _cell_predictions(phases, shapes, cy, cx), quality, chroma_flags, shape, models)

    own = at(_cells(vy), _cells(vx), None)
    py, px = _mv_median(vy), _mv_median(vx)
    near = at(_cells(py), _cells(px), own[4])
    costs = {"own": (vy.tolist(), vx.tolist()), "own_err": own[0], "own_bits": own[1], "own_alone": own[2],
             "zero_bits": own[3], "predictor": (py.tolist(), px.tolist()), "pred_err": near[0],
             "pred_bits": near[1], "pred_alone": near[2]}
    if "split" in MODES:
        sy, sx = _refine(planes[0], phases[0], _cells(vy), _cells(vx), MB // 2, MOTION_SCALE * float(np.sqrt(lam)),
                         SPLIT_RADIUS)
        split = at(sy, sx, own[4])
        costs.update({"split": (sy.tolist(), sx.tolist()), "split_err": split[0], "split_bits": split[1]})
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in costs.items()}


def _decide(planes, phases, costs, lam, frame_index):
    """Encoder only: each macroblock's mode, in the decoder's order so that a skipped macroblock's
    vector is the predictor the decoder derives; returns the modes and the cell vectors (lists)."""
    (oy, ox), (py, px) = costs["own"], costs["predictor"]
    rows, cols = len(oy), len(oy[0])
    fy = [[0] * (cols * CELLS) for _ in range(rows * CELLS)]
    fx = [[0] * (cols * CELLS) for _ in range(rows * CELLS)]
    counts, before = _mode_history(frame_index, (rows, cols))
    mode_bits = (-np.log2(counts / counts.sum(axis=1, keepdims=True).astype(np.float64))).tolist()
    modes = np.zeros((rows, cols), dtype=np.int64)
    for r in range(rows):
        context = _row_contexts(modes, before, r).tolist()
        for c in range(cols):
            y, x = r * CELLS, c * CELLS
            p = _part_predictor(fy, fx, y, x, CELLS, c)
            best, choice, vectors = None, 0, ()
            for mode, name in enumerate(MODES):
                rate = mode_bits[context[c]][mode]
                if name == "skip":
                    if p == (oy[r][c], ox[r][c]):
                        err = costs["own_alone"][r][c]
                    elif p == (py[r][c], px[r][c]):
                        err = costs["pred_alone"][r][c]
                    else:
                        err = _skip_error(planes, phases, r, c, p[0], p[1])
                    cost, parts = err + lam * (rate + costs["zero_bits"][r][c]), [(y, x, CELLS, p)]
                elif name == "inter":  # its own vector, or the predictor where that costs less
                    v = (oy[r][c], ox[r][c])
                    bits = rate + costs["own_bits"][r][c] + _bits_of(v[0] - p[0]) + _bits_of(v[1] - p[1])
                    cost, parts = costs["own_err"][r][c] + lam * bits, [(y, x, CELLS, v)]
                    if p == (py[r][c], px[r][c]):
                        at_p = costs["pred_err"][r][c] + lam * (rate + costs["pred_bits"][r][c] + 2 * _bits_of(0))
                        if at_p < cost:
                            cost, parts = at_p, [(y, x, CELLS, p)]
                elif name == "split":
                    (sy, sx), parts, bits = costs["split"], [], rate + costs["split_bits"][r][c]
                    for oy_, ox_, wide in MODE_PARTS["split"]:
                        q = _part_predictor(fy, fx, y + oy_, x + ox_, wide, c)
                        v = (sy[y + oy_][x + ox_], sx[y + oy_][x + ox_])
                        bits += _bits_of(v[0] - q[0]) + _bits_of(v[1] - q[1])
                        _fill(fy, fx, y + oy_, x + ox_, wide, v)  # the next partition predicts from it
                        parts.append((y + oy_, x + ox_, wide, v))
                    cost = costs["split_err"][r][c] + lam * bits
                else:  # a mode this encoder does not weigh
                    continue
                if best is None or cost < best:
                    best, choice, vectors = cost, mode, parts
            modes[r, c] = choice
            _fill(fy, fx, y, x, CELLS, (0, 0))  # a mode without vectors leaves zeros, as in the decoder
            for part in vectors:
                _fill(fy, fx, *part)
    return modes, fy, fx


def _part_differences(modes, vy, vx):
    """Encoder: each coded partition's difference to its predictor, per macroblock row, in the
    decoder's order (the inverse of _part_vectors)."""
    dys, dxs = [], []
    for r in range(len(modes)):
        dy, dx = [], []
        for c, mode in enumerate(modes[r].tolist()):
            name = MODES[mode]
            if name == "skip":
                continue
            for oy, ox, wide in MODE_PARTS[name]:
                y, x = r * CELLS + oy, c * CELLS + ox
                py, px = _part_predictor(vy, vx, y, x, wide, c)
                dy.append(vy[y][x] - py)
                dx.append(vx[y][x] - px)
        dys.append(np.array(dy, dtype=np.int64))
        dxs.append(np.array(dx, dtype=np.int64))
    return dys, dxs


'''
