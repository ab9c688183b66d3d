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


# One per choice of the ``entropy`` gene.
ENTROPY_CODERS: dict[str, EntropyCoder] = {
    "zlib": EntropyCoder(
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

PACKING_CODE: dict[str, str] = {
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
