"""A small intra codec in numpy and cv2: YCrCb, 4:2:0 chroma, 8x8 DCT, quantisation scaled by
quality, zig-zag coefficient planes, lzma. The decoder rebuilds each frame from the bytes alone."""
import lzma
import struct

import cv2
import numpy as np

BLOCK = 8
# Order of the 64 coefficients of a block from low to high frequency (JPEG's zig-zag).
ZIGZAG = np.array(sorted(range(64), key=lambda k: (k // 8 + k % 8, k // 8 if (k // 8 + k % 8) % 2 else -(k // 8))))
RAMP = 1.0 + 0.35 * (np.add.outer(np.arange(BLOCK), np.arange(BLOCK))).astype(np.float32)


def step_for(quality):
    """Quantiser step: about 0.6 at quality 100, about 60 at quality 0, geometric in between."""
    return float(60.0 * (0.01 ** (min(max(quality, 0), 100) / 100.0))) + 0.5


def to_blocks(plane):
    h, w = plane.shape
    return plane.reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).swapaxes(1, 2).reshape(-1, BLOCK, BLOCK)


def from_blocks(blocks, h, w):
    return blocks.reshape(h // BLOCK, w // BLOCK, BLOCK, BLOCK).swapaxes(1, 2).reshape(h, w)


def padded(plane):
    h, w = plane.shape
    return cv2.copyMakeBorder(plane, 0, -h % BLOCK, 0, -w % BLOCK, cv2.BORDER_REPLICATE)


def dct_matrix(n):
    k = np.arange(n)[:, None]
    basis = np.cos(np.pi * (2 * np.arange(n)[None, :] + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    basis[0] /= np.sqrt(2.0)
    return basis.astype(np.float32)


DCT = dct_matrix(BLOCK)


def dct_blocks(blocks, inverse=False):
    """Orthonormal 2-D DCT of every block at once (the same transform as cv2.dct)."""
    if inverse:
        return DCT.T @ blocks @ DCT
    return DCT @ blocks @ DCT.T


def encode_plane(plane, step):
    plane = padded(plane.astype(np.float32) - 128.0)
    blocks = dct_blocks(to_blocks(plane))
    q = np.round(blocks / (step * RAMP)).astype(np.int16)
    planes = q.reshape(-1, 64)[:, ZIGZAG].T  # coefficient-major: similar values sit together
    return plane.shape, planes.astype(np.int16).tobytes()


def decode_plane(payload, shape, step):
    h, w = shape
    count = (h // BLOCK) * (w // BLOCK)
    planes = np.frombuffer(payload, dtype=np.int16).reshape(64, count)
    q = np.empty((count, 64), np.float32)
    q[:, ZIGZAG] = planes.T
    blocks = dct_blocks(q.reshape(-1, BLOCK, BLOCK) * (step * RAMP), inverse=True)
    return from_blocks(blocks, h, w) + 128.0


def compress_video_frame(frame, frame_index, config):
    step = step_for(config["quality"])
    ycc = cv2.cvtColor(frame, cv2.COLOR_BGR2YCrCb)
    h, w = frame.shape[:2]
    luma = ycc[:, :, 0]
    chroma = [cv2.resize(ycc[:, :, c], ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA) for c in (1, 2)]
    parts = [encode_plane(luma, step)] + [encode_plane(c, step * 1.5) for c in chroma]
    body = b"".join(payload for _, payload in parts)
    header = struct.pack("<3I", *(len(payload) for _, payload in parts))
    return header + lzma.compress(body, preset=1)


def decompress_video_frame(data, frame_index, config):
    h, w = config["height"], config["width"]
    step = step_for(config["quality"])
    sizes = struct.unpack_from("<3I", data)
    body = lzma.decompress(data[12:])
    shapes = [(h, w), ((h + 1) // 2, (w + 1) // 2), ((h + 1) // 2, (w + 1) // 2)]
    planes, offset = [], 0
    for index, (size, shape) in enumerate(zip(sizes, shapes, strict=True)):
        padded_shape = (shape[0] + -shape[0] % BLOCK, shape[1] + -shape[1] % BLOCK)
        plane = decode_plane(body[offset:offset + size], padded_shape, step * (1.5 if index else 1.0))
        planes.append(plane[: shape[0], : shape[1]])
        offset += size
    luma = planes[0]
    chroma = [cv2.resize(p, (w, h), interpolation=cv2.INTER_LINEAR) for p in planes[1:]]
    ycc = np.clip(np.round(np.dstack([luma] + chroma)), 0, 255).astype(np.uint8)
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2BGR)
