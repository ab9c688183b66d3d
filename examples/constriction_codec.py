"""The 8x8 DCT codec of dct_codec.py (YCrCb, 4:2:0 chroma, the same quantiser) with its levels
entropy coded by constriction instead of lzma: each level has a quantised Laplace model whose
scale is predicted from what the decoder already knows, and a range coder codes whole arrays.

The scale of a level is the typical size of its coefficient position in this plane, times a
gain for its context: how large the lower-frequency levels of its block and of the blocks to
its left and above were. The encoder measures both and sends them (one byte each); the
decoder rebuilds the same scales one coefficient position at a time, for every block at once.
DC levels are coded as differences from the block to the left (from above in the first column).
"""
import struct

import constriction
import cv2
import numpy as np

BLOCK = 8
# Order of the 64 coefficients of a block from low to high frequency (JPEG's zig-zag).
ZIGZAG = np.array(sorted(range(64), key=lambda k: (k // 8 + k % 8, k // 8 if (k // 8 + k % 8) % 2 else -(k // 8))))
RAMP = 1.0 + 0.35 * (np.add.outer(np.arange(BLOCK), np.arange(BLOCK))).astype(np.float32)
CONTEXTS = 16  # context classes: twice the base-2 logarithm of the neighbourhood's level sum
MIN_MEAN = 1e-3  # the smallest mean |level| a model assumes
HEADER = struct.Struct("<H")  # a plane's largest level magnitude, the models' range


def step_for(quality):
    """Quantiser step: about 0.6 at quality 100, about 60 at quality 0, geometric in between."""
    return float(60.0 * (0.01 ** (min(max(quality, 0), 100) / 100.0))) + 0.5


def dct_matrix(n):
    k = np.arange(n)[:, None]
    basis = np.cos(np.pi * (2 * np.arange(n)[None, :] + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    basis[0] /= np.sqrt(2.0)
    return basis.astype(np.float32)


DCT = dct_matrix(BLOCK)


def plane_shapes(h, w):
    """Each plane's size, and its size padded to whole blocks."""
    sizes = [(h, w), ((h + 1) // 2, (w + 1) // 2), ((h + 1) // 2, (w + 1) // 2)]
    return [(size, (size[0] + -size[0] % BLOCK, size[1] + -size[1] % BLOCK)) for size in sizes]


def to_levels(plane, step):
    """Quantised DCT levels of a plane, as (block rows, block columns, 64) in zig-zag order."""
    h, w = plane.shape
    padded = cv2.copyMakeBorder(plane.astype(np.float32) - 128.0, 0, -h % BLOCK, 0, -w % BLOCK, cv2.BORDER_REPLICATE)
    rows, cols = padded.shape[0] // BLOCK, padded.shape[1] // BLOCK
    blocks = padded.reshape(rows, BLOCK, cols, BLOCK).swapaxes(1, 2)
    levels = np.round((DCT @ blocks @ DCT.T) / (step * RAMP)).astype(np.int32)
    return levels.reshape(rows, cols, 64)[:, :, ZIGZAG]


def from_levels(levels, step, padded_shape):
    rows, cols = levels.shape[:2]
    coefficients = np.empty((rows, cols, 64), np.float32)
    coefficients[:, :, ZIGZAG] = levels
    blocks = DCT.T @ (coefficients.reshape(rows, cols, BLOCK, BLOCK) * (step * RAMP)) @ DCT
    return blocks.swapaxes(1, 2).reshape(padded_shape) + 128.0


def dc_differences(dc):
    differences = dc.copy()
    differences[:, 1:] -= dc[:, :-1]
    differences[1:, 0] -= dc[:-1, 0]
    return differences


def dc_from_differences(differences):
    first_column = np.cumsum(differences[:, 0])
    return np.cumsum(np.concatenate([first_column[:, None], differences[:, 1:]], axis=1), axis=1)


def context_of(lower_sums):
    """Context class of each block at one position, from the sums of |level| below that position
    in the block itself and in the blocks to its left and above."""
    neighbours = np.zeros_like(lower_sums)
    neighbours[:, 1:] += lower_sums[:, :-1]
    neighbours[1:, :] += lower_sums[:-1, :]
    activity = lower_sums + 0.5 * neighbours
    return np.minimum((2.0 * np.log2(1.0 + activity)).astype(np.int32), CONTEXTS - 1)


def to_code(scale):
    return np.clip(np.round(16.0 * np.log2(np.maximum(scale, 1e-6))) + 128, 0, 255).astype(np.uint8)


def from_code(code):
    return np.exp2((code.astype(np.float64) - 128.0) / 16.0)


def lower_sums_of(symbols):
    """For each symbol, the sum of |symbol| over the lower positions of its block."""
    return np.cumsum(np.abs(symbols), axis=2) - np.abs(symbols)


def measure_models(symbols):
    """The per-position scales and the per-context gains the encoder sends, as byte codes."""
    magnitudes = np.abs(symbols).astype(np.float64)
    position_codes = to_code(magnitudes.reshape(-1, 64).mean(axis=0))
    positions = from_code(position_codes)
    lower = lower_sums_of(symbols)
    contexts = np.stack([context_of(lower[:, :, k]) for k in range(64)], axis=2)[:, :, 1:].ravel()
    ratios = (magnitudes[:, :, 1:] / np.maximum(positions[1:], MIN_MEAN)).ravel()
    counts = np.bincount(contexts, minlength=CONTEXTS)
    gains = np.bincount(contexts, ratios, minlength=CONTEXTS) / np.maximum(counts, 1)
    return position_codes, to_code(np.where(counts > 0, gains, 1.0))


def scales_at(position, lower_sums, positions, gains):
    gain = gains[context_of(lower_sums)] if position else np.ones(lower_sums.shape)
    return laplace_scale(positions[position] * gain).ravel()


def laplace_scale(mean_magnitude):
    """The scale b of the quantised Laplace whose mean |level| is the one given: with
    s = exp(-1 / 2b), that mean is s / (1 - s^2)."""
    m = np.maximum(mean_magnitude, MIN_MEAN)
    s = (np.sqrt(1.0 + 4.0 * m * m) - 1.0) / (2.0 * m)
    return -0.5 / np.log(s)


def encode_plane(encoder, levels):
    """Codes a plane's levels; returns its header: range, position scales, context gains."""
    symbols = levels.copy()
    symbols[:, :, 0] = dc_differences(levels[:, :, 0])
    limit = int(np.abs(symbols).max(initial=0)) + 1
    position_codes, gain_codes = measure_models(symbols)
    positions, gains = from_code(position_codes), from_code(gain_codes)
    model = constriction.stream.model.QuantizedLaplace(-limit, limit)
    lower = lower_sums_of(symbols)
    scales = np.concatenate([scales_at(k, lower[:, :, k], positions, gains) for k in range(64)])
    ordered = np.moveaxis(symbols, 2, 0).ravel()  # position by position, as the decoder decodes
    encoder.encode(ordered, model, np.zeros(ordered.size), scales)
    return HEADER.pack(limit) + position_codes.tobytes() + gain_codes.tobytes()


def decode_plane(decoder, header, grid):
    (limit,) = HEADER.unpack_from(header)
    positions = from_code(np.frombuffer(header, np.uint8, 64, HEADER.size))
    gains = from_code(np.frombuffer(header, np.uint8, CONTEXTS, HEADER.size + 64))
    model = constriction.stream.model.QuantizedLaplace(-limit, limit)
    levels = np.zeros((*grid, 64), np.int32)
    lower = np.zeros(grid)
    for k in range(64):
        scales = scales_at(k, lower, positions, gains)
        levels[:, :, k] = decoder.decode(model, np.zeros(scales.size), scales).reshape(grid)
        lower += np.abs(levels[:, :, k])
    levels[:, :, 0] = dc_from_differences(levels[:, :, 0])
    return levels


HEADER_BYTES = HEADER.size + 64 + CONTEXTS


def compress_video_frame(frame, frame_index, config):
    step = step_for(config["quality"])
    ycc = cv2.cvtColor(frame, cv2.COLOR_BGR2YCrCb)
    h, w = frame.shape[:2]
    planes = [ycc[:, :, 0]] + [cv2.resize(ycc[:, :, c], ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
                               for c in (1, 2)]
    encoder = constriction.stream.queue.RangeEncoder()
    headers = [encode_plane(encoder, to_levels(plane, step * (1.5 if index else 1.0)))
               for index, plane in enumerate(planes)]
    return b"".join(headers) + encoder.get_compressed().tobytes()


def decompress_video_frame(data, frame_index, config):
    h, w = config["height"], config["width"]
    step = step_for(config["quality"])
    decoder = constriction.stream.queue.RangeDecoder(np.frombuffer(data, np.uint32, offset=3 * HEADER_BYTES).copy())
    planes = []
    for index, (size, padded_shape) in enumerate(plane_shapes(h, w)):
        header = data[index * HEADER_BYTES:(index + 1) * HEADER_BYTES]
        levels = decode_plane(decoder, header, (padded_shape[0] // BLOCK, padded_shape[1] // BLOCK))
        plane = from_levels(levels, step * (1.5 if index else 1.0), padded_shape)
        planes.append(plane[: size[0], : size[1]])
    chroma = [cv2.resize(p, (w, h), interpolation=cv2.INTER_LINEAR) for p in planes[1:]]
    ycc = np.clip(np.round(np.dstack([planes[0]] + chroma)), 0, 255).astype(np.uint8)
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2BGR)
