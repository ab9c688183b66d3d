"""Source snippets of the bitstream: the entropy coders, byte sections and small integers, level packing.

Every snippet is module-level text for a rendered candidate; the names it uses (LEVEL,
MATCH_FINDER, SCAN, UNSCAN, DC_PRED, SKIP, BLOCK) are constants that render.py writes above it.
"""

from __future__ import annotations

from typing import NamedTuple


class EntropyCoder(NamedTuple):
    """The final coder of one ``entropy`` gene: the module it imports, and its _squeeze/_unsqueeze."""

    module: str
    code: str


_DEFLATE_CODE = '''\
def _squeeze(raw):
    # deflate's level 9 walks very long hash chains on big inputs: cap its effort there
    # (the stream format, and so the decoder, does not depend on the level)
    packer = zlib.compressobj(LEVEL if len(raw) < 65536 else min(LEVEL, 6), zlib.DEFLATED, -15, 9)
    return packer.compress(raw) + packer.flush()


def _unsqueeze(data):
    return zlib.decompress(data, -15)
'''

# The quantised Laplace models of the "laplace" coder (its level packing is LAPLACE_PACKING_CODE).
_LAPLACE_MODEL_CODE = '''

LAPLACE_CONTEXTS = 16  # context classes of a level: twice log2(1 + its activity), capped
LAPLACE_MIN_MEAN = 1e-3  # the smallest mean |level| a model assumes


def _mean_code(mean):
    """A mean |level| as one byte: 16 * log2(mean) + 128, clipped."""
    return np.clip(np.round(16.0 * np.log2(np.maximum(mean, 1e-6))) + 128, 0, 255).astype(np.uint8)


def _mean_of(codes):
    return np.exp2((np.asarray(codes, dtype=np.float64) - 128.0) / 16.0)


def _activity(before, rows, count, columns):
    """Per coded block: the sum of |level| before this position in the block, plus half the same
    sums of the blocks to its left and above (``rows``: the coded blocks' indices among ``count``)."""
    grid = np.zeros(count)
    grid[rows] = before
    grid = grid.reshape(-1, columns)
    near = np.zeros_like(grid)
    near[:, 1:] += grid[:, :-1]
    near[1:, :] += grid[:-1, :]
    return before + 0.5 * near.ravel()[rows]


def _contexts(activity):
    return np.minimum((2.0 * np.log2(1.0 + activity)).astype(np.int64), LAPLACE_CONTEXTS - 1)


def _laplace_scales(position, position_means, gains, activity):
    """Scale b of each level's quantised Laplace whose mean |level| m is its position's, times its
    context's gain past the DC position: the levels fall off by r = exp(-1 / b) per step, so m = 2r / (1 - r^2)."""
    gain = gains[_contexts(activity)] if position else np.ones(len(activity))
    m = np.maximum(position_means[position] * gain, LAPLACE_MIN_MEAN)
    r = (np.sqrt(1.0 + m * m) - 1.0) / m
    return -1.0 / np.log(r)
'''


# One per choice of the ``entropy`` gene.
ENTROPY_CODERS: dict[str, EntropyCoder] = {
    "zlib": EntropyCoder("zlib", _DEFLATE_CODE),
    # the level planes range-coded with Laplace models (constriction), the other sections deflated
    "laplace": EntropyCoder("zlib", _DEFLATE_CODE + _LAPLACE_MODEL_CODE),
    "zlib_rle": EntropyCoder(
        "zlib",
        '''\
def _squeeze(raw):
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    return packer.compress(raw) + packer.flush()


def _unsqueeze(data):
    return zlib.decompress(data, -15)
''',
    ),
    "bz2": EntropyCoder(
        "bz2",
        '''\
def _squeeze(raw):
    return bz2.compress(raw, LEVEL)


def _unsqueeze(data):
    return bz2.decompress(data)
''',
    ),
    "lzma": EntropyCoder(
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


# Length-prefixed sections, and non-negative integers as bytes (zig-zag signs, DPCM).
BYTES_CODE = '''\
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


'''


# Level packing per ``packing`` gene: _pack and its inverse _unpack, around a shared head and tail.
_PACK_DEF = 'def _pack(levels, intra, columns, sections):\n'
_PACK_HEAD = '''\
    """Levels of one plane (blocks x BLOCK x BLOCK) -> byte sections."""
    z = levels.reshape(len(levels), -1)[:, SCAN]
    if DC_PRED and intra:
        z[:, 0] = _dpcm(z[:, 0], columns)
    if SKIP:
        coded = np.any(z != 0, axis=1)
        sections.append(np.packbits(coded).tobytes())
        z = z[coded]
'''

_UNPACK_DEF = 'def _unpack(sections, count, intra, columns):\n'
_UNPACK_HEAD = '''\
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

PACKING_CODE: dict[str, str] = {
    "planes": _PACK_DEF + _PACK_HEAD + '''\
    # coefficient planes: every block's coefficient 0, then every block's coefficient 1, ...
    # up to the last plane that holds a non-zero level
    used = np.flatnonzero(np.any(z != 0, axis=0))
    planes = int(used[-1]) + 1 if len(used) else 0
    sections.append(struct.pack("<H", planes) + _bytes_of(_zz(z[:, :planes].T)))


''' + _UNPACK_DEF + _UNPACK_HEAD + '''\
    data = next(sections)
    (planes,) = struct.unpack_from("<H", data)
    z = np.zeros((k, BLOCK * BLOCK), dtype=np.int64)
    z[:, :planes] = _unzz(_ints_from(data[2:], k * planes)).reshape(planes, k).T
''' + _UNPACK_TAIL,
    "rle": _PACK_DEF + _PACK_HEAD + '''\
    # run-length pairs: per block the number of non-zero levels, then (zero run, level) pairs
    rows, cols = np.nonzero(z)
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    previous = np.concatenate([[-1], cols[:-1]])
    previous[first] = -1
    sections.append(_bytes_of(np.bincount(rows, minlength=len(z))))
    sections.append(_bytes_of(cols - previous - 1))
    sections.append(_bytes_of(_zz(z[rows, cols])))


''' + _UNPACK_DEF + _UNPACK_HEAD + '''\
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
    "sigmap": _PACK_DEF + _PACK_HEAD + '''\
    # significance map (one bit per coefficient, plane by plane, up to the last plane in use),
    # then the non-zero levels
    used = np.flatnonzero(np.any(z != 0, axis=0))
    planes = int(used[-1]) + 1 if len(used) else 0
    flat = z[:, :planes].T.ravel()
    significant = flat != 0
    sections.append(struct.pack("<H", planes) + np.packbits(significant).tobytes())
    sections.append(_bytes_of(_zz(flat[significant]) - 1))


''' + _UNPACK_DEF + _UNPACK_HEAD + '''\
    data = next(sections)
    (planes,) = struct.unpack_from("<H", data)
    significant = np.unpackbits(np.frombuffer(data, dtype=np.uint8, offset=2), count=k * planes).astype(bool)
    flat = np.zeros(k * planes, dtype=np.int64)
    flat[significant] = _unzz(_ints_from(next(sections), int(significant.sum())) + 1)
    z = np.zeros((k, BLOCK * BLOCK), dtype=np.int64)
    z[:, :planes] = flat.reshape(planes, k).T
''' + _UNPACK_TAIL,
}

# Level packing of the "laplace" entropy coder: the skip flags and the models' parameters go to the
# byte sections; the levels, position by position up to the last one in use, go to the range coder.
# Encoder and decoder compute each position's scales with the same code on same-shaped arrays, so
# the floating-point models agree bit for bit.
LAPLACE_PACKING_CODE = 'def _pack(levels, intra, columns, sections, encoder):\n' + _PACK_HEAD + '''\
    used = np.flatnonzero(np.any(z != 0, axis=0))
    planes = int(used[-1]) + 1 if len(used) else 0
    magnitude = np.abs(z[:, :planes]).astype(np.float64)
    limit = int(magnitude.max(initial=0))
    if not planes:
        sections.append(struct.pack("<HI", 0, 0))
        return
    # each level's activity, position by position, as the decoder will know it
    rows = np.flatnonzero(coded) if SKIP else np.arange(len(levels))
    activities, before = [], np.zeros(len(z))
    for j in range(planes):
        activities.append(_activity(before, rows, len(levels), columns))
        before += magnitude[:, j]
    # the model's parameters: each position's mean |level|, and per context (past the DC position)
    # how much larger than its position's mean a level is on average
    position_codes = _mean_code(magnitude.mean(axis=0))
    position_means = _mean_of(position_codes)
    contexts = _contexts(np.array(activities[1:]).T).ravel()
    ratios = (magnitude[:, 1:] / np.maximum(position_means[1:], LAPLACE_MIN_MEAN)).ravel()
    counts = np.bincount(contexts, minlength=LAPLACE_CONTEXTS)
    gains = np.bincount(contexts, ratios, minlength=LAPLACE_CONTEXTS) / np.maximum(counts, 1)
    gain_codes = _mean_code(np.where(counts > 0, gains, 1.0))
    sections.append(struct.pack("<HI", planes, limit) + position_codes.tobytes() + gain_codes.tobytes())
    gains = _mean_of(gain_codes)
    model = constriction.stream.model.QuantizedLaplace(-limit, limit)
    for j in range(planes):
        scales = _laplace_scales(j, position_means, gains, activities[j])
        encoder.encode(z[:, j].astype(np.int32), model, np.zeros(len(z)), scales)


''' + 'def _unpack(sections, count, intra, columns, decoder):\n' + _UNPACK_HEAD + '''\
    data = next(sections)
    planes, limit = struct.unpack_from("<HI", data)
    z = np.zeros((k, BLOCK * BLOCK), dtype=np.int64)
    if planes:
        position_means = _mean_of(np.frombuffer(data, dtype=np.uint8, count=planes, offset=6))
        gains = _mean_of(np.frombuffer(data, dtype=np.uint8, count=LAPLACE_CONTEXTS, offset=6 + planes))
        model = constriction.stream.model.QuantizedLaplace(-limit, limit)
        rows, before = np.flatnonzero(coded), np.zeros(k)
        for j in range(planes):
            scales = _laplace_scales(j, position_means, gains, _activity(before, rows, count, columns))
            z[:, j] = decoder.decode(model, np.zeros(k), scales)
            before += np.abs(z[:, j])
''' + _UNPACK_TAIL

# Where the laplace coder's few bytes of side information go (flag probabilities, model codes,
# plane and vector headers), per side gene: to the deflated byte sections, or into the range coder
# (eight bits a byte, without the sections' length prefixes).
SIDE_CODE: dict[str, str] = {
    "deflate": '''\
def _put_side(data, sections, encoder):
    sections.append(data)


def _get_side(sections, decoder, size):
    return next(sections)


''',
    "range": '''\
BYTE_MODEL = constriction.stream.model.Uniform(256)


def _put_side(data, sections, encoder):
    encoder.encode(np.frombuffer(data, dtype=np.uint8).astype(np.int32), BYTE_MODEL)


def _get_side(sections, decoder, size):
    return decoder.decode(BYTE_MODEL, size).astype(np.uint8).tobytes()


''',
}

# The "laplace" coder's packing with side "range": the coded-block flags range-coded with Bernoulli
# models by how many of the three blocks above are coded, and the level models as lines in log2
# units (a position's mean |level| by its frequency u + v; a context's gain by its index): five
# bytes a plane instead of one per position and sixteen gains. Decoder-side cost: one range-coder
# call per block row for the flags, the rest as the plain laplace packing.
LAPLACE_RANGE_PACKING_CODE = '''\
DISTANCE = (SCAN // BLOCK + SCAN % BLOCK).astype(np.float64)  # u + v of each scan position
FLAG_CONTEXTS = 5  # 0..3 coded blocks above, or the first row


def _fit_line(x, y, weight):
    """Encoder only: the weighted least-squares line y = a + b x."""
    total = float(weight.sum())
    if total <= 0:
        return 0.0, 0.0
    mx, my = float((weight * x).sum()) / total, float((weight * y).sum()) / total
    spread = float((weight * (x - mx) ** 2).sum())
    b = float((weight * (x - mx) * (y - my)).sum()) / spread if spread > 0 else 0.0
    return my - b * mx, b


def _line_codes(a, b):
    """A line in log2 units as two bytes: 16 a + 128 and 32 b + 128, clipped."""
    return np.clip(np.round(np.array([16.0 * a + 128.0, 32.0 * b + 128.0])), 0, 255).astype(np.uint8)


def _line_of(codes, x):
    a, b = (float(codes[0]) - 128.0) / 16.0, (float(codes[1]) - 128.0) / 32.0
    return np.exp2(a + b * x)


def _flag_context(above):
    """Per block of a row: how many of the three blocks above it are coded."""
    near = above.astype(np.int64)
    near[1:] += above[:-1]
    near[:-1] += above[1:]
    return near


def _put_flags(coded, columns, sections, encoder):
    grid = coded.reshape(-1, columns)
    contexts = np.full(grid.shape, FLAG_CONTEXTS - 1, dtype=np.int64)
    for r in range(1, len(grid)):
        contexts[r] = _flag_context(grid[r - 1])
    ones = np.bincount(contexts.ravel(), grid.ravel().astype(np.float64), minlength=FLAG_CONTEXTS)
    counts = np.bincount(contexts.ravel(), minlength=FLAG_CONTEXTS)
    codes = np.clip(np.round(256.0 * (ones + 0.5) / (counts + 1.0)), 1, 255).astype(np.uint8)
    _put_side(codes.tobytes(), sections, encoder)
    model, p = constriction.stream.model.Bernoulli(perfect=False), codes / 256.0
    for r in range(len(grid)):
        encoder.encode(grid[r].astype(np.int32), model, p[contexts[r]])


def _get_flags(sections, count, columns, decoder):
    p = np.frombuffer(_get_side(sections, decoder, FLAG_CONTEXTS), dtype=np.uint8) / 256.0
    model = constriction.stream.model.Bernoulli(perfect=False)
    grid = np.zeros((count // columns, columns), dtype=bool)
    for r in range(len(grid)):
        context = _flag_context(grid[r - 1]) if r else np.full(columns, FLAG_CONTEXTS - 1, dtype=np.int64)
        grid[r] = decoder.decode(model, p[context]) != 0
    return grid.ravel()


def _models_of(codes, planes):
    """Each position's mean |level| and each context's gain, from the five model bytes."""
    position_means = np.concatenate([_mean_of(codes[:1]), _line_of(codes[1:3], DISTANCE[1:planes])])
    return position_means, _line_of(codes[3:5], np.arange(LAPLACE_CONTEXTS, dtype=np.float64))


def _pack(levels, intra, columns, sections, encoder):
    """Levels of one plane (blocks x BLOCK x BLOCK) -> the range coder (and a few bytes of sections)."""
    z = levels.reshape(len(levels), -1)[:, SCAN]
    if DC_PRED and intra:
        z[:, 0] = _dpcm(z[:, 0], columns)
    coded = np.any(z != 0, axis=1) if SKIP else np.ones(len(z), dtype=bool)
    used = np.flatnonzero(np.any(z != 0, axis=0))
    planes = int(used[-1]) + 1 if len(used) else 0
    limit = int(np.abs(z).max(initial=0))
    _put_side(struct.pack("<HH", planes, limit), sections, encoder)
    if not planes:
        return
    if SKIP:
        _put_flags(coded, columns, sections, encoder)
        z = z[coded]
    magnitude = np.abs(z[:, :planes]).astype(np.float64)
    rows = np.flatnonzero(coded)
    activities, before = [], np.zeros(len(z))
    for j in range(planes):
        activities.append(_activity(before, rows, len(levels), columns))
        before += magnitude[:, j]
    means = magnitude.mean(axis=0)
    a, b = _fit_line(DISTANCE[1:planes], np.log2(means[1:] + 1.0 / 64), np.ones(planes - 1))
    position_line = _line_codes(a, b)
    position_means = np.concatenate([_mean_of(_mean_code(means[:1])), _line_of(position_line, DISTANCE[1:planes])])
    contexts = _contexts(np.array(activities[1:]).T).ravel()
    ratios = (magnitude[:, 1:] / np.maximum(position_means[1:], LAPLACE_MIN_MEAN)).ravel()
    counts = np.bincount(contexts, minlength=LAPLACE_CONTEXTS)
    gains = np.bincount(contexts, ratios, minlength=LAPLACE_CONTEXTS) / np.maximum(counts, 1)
    a, b = _fit_line(np.arange(LAPLACE_CONTEXTS, dtype=np.float64), np.log2(gains + 1.0 / 64), counts)
    codes = np.concatenate([_mean_code(means[:1]), position_line, _line_codes(a, b)])
    _put_side(codes.tobytes(), sections, encoder)
    position_means, gains = _models_of(codes, planes)
    model = constriction.stream.model.QuantizedLaplace(-limit, limit)
    for j in range(planes):
        scales = _laplace_scales(j, position_means, gains, activities[j])
        encoder.encode(z[:, j].astype(np.int32), model, np.zeros(len(z)), scales)


def _unpack(sections, count, intra, columns, decoder):
    """The inverse of _pack: the range coder (and the sections) -> levels (blocks x BLOCK x BLOCK)."""
    planes, limit = struct.unpack("<HH", _get_side(sections, decoder, 4))
    coded = _get_flags(sections, count, columns, decoder) if SKIP and planes else np.ones(count, dtype=bool)
    k = int(coded.sum())
    z = np.zeros((k, BLOCK * BLOCK), dtype=np.int64)
    if planes:
        position_means, gains = _models_of(np.frombuffer(_get_side(sections, decoder, 5), dtype=np.uint8), planes)
        model = constriction.stream.model.QuantizedLaplace(-limit, limit)
        rows, before = np.flatnonzero(coded), np.zeros(k)
        for j in range(planes):
            scales = _laplace_scales(j, position_means, gains, _activity(before, rows, count, columns))
            z[:, j] = decoder.decode(model, np.zeros(k), scales)
            before += np.abs(z[:, j])
''' + _UNPACK_TAIL
