"""The numbers a rendered codec carries: quantiser steps and weights, scan orders, the integer inverse DCT.

Computed here once, in plain Python, and written into the candidate's source as literals (so the
candidate needs no floating-point maths to agree with itself), plus the per-gene presets that
render.py turns into constants (deblocking strengths, lzma settings).
"""

from __future__ import annotations

import math

_JPEG_LUMA = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]
_JPEG_CHROMA = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
]

# Deblocking (alpha, beta, tc) in 1/16 of the plane's DC step, per strength 1..3.
DEBLOCK_STRENGTH = {1: (24, 8, 4), 2: (40, 12, 8), 3: (64, 16, 16)}

# lzma presets per level gene (presets 6..9 differ only in dictionary size, which is fixed here).
LZMA_PRESETS = {1: (1, "MF_HC4"), 3: (3, "MF_HC4"), 6: (6, "MF_HC4"), 9: (6, "MF_BT4")}

# Quantiser step (orthonormal DCT units) at quality 0 and at quality 100; log-linear between.
STEP_AT_Q0 = 240.0
STEP_AT_Q100 = 2.0
IDCT_SHIFT = 12  # the integer inverse DCT matrix is round(2**12 * C)


def step16_table() -> list[int]:
    """The quantiser step per quality 0..100, in 1/16 units."""
    out = []
    for q in range(101):
        step = STEP_AT_Q0 * (STEP_AT_Q100 / STEP_AT_Q0) ** (q / 100.0)
        out.append(int(round(step * 16)))
    return out


def quant_weights16(n: int, kind: str, chroma: bool, ramp: float) -> list[int]:
    """Quantisation weights of an n x n matrix of this kind, in 1/16 units (16 = the bare step).

    ``kind`` is a qmatrix gene: flat, jpeg (the JPEG tables resampled to n x n) or ramp
    (``ramp`` more per unit of u + v at 8x8 scale)."""
    out = []
    for u in range(n):
        for v in range(n):
            if kind == "flat":
                w = 1.0
            elif kind == "jpeg":
                table = _JPEG_CHROMA if chroma else _JPEG_LUMA
                w = table[(u * 8 // n) * 8 + (v * 8 // n)] / table[0]
            else:
                w = 1.0 + ramp * (u + v) * 8.0 / n
            out.append(max(1, int(round(w * 16))))
    return out


def scan_order(n: int, kind: str) -> list[int]:
    """The coefficient order of an n x n block: raster, or JPEG's zig-zag."""
    if kind == "raster":
        return list(range(n * n))
    cells = [(u, v) for u in range(n) for v in range(n)]
    cells.sort(key=lambda c: (c[0] + c[1], c[0] if (c[0] + c[1]) % 2 else c[1]))
    return [u * n + v for u, v in cells]


def idct_int(n: int) -> list[int]:
    """The n x n orthonormal DCT-II basis (rows = frequency) times 2**IDCT_SHIFT, rounded."""
    out = []
    for k in range(n):
        a = math.sqrt((1.0 if k == 0 else 2.0) / n)
        for i in range(n):
            out.append(int(round((1 << IDCT_SHIFT) * a * math.cos(math.pi * (2 * i + 1) * k / (2 * n)))))
    return out
