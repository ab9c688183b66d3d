"""Objective quality of one decoded frame against its source: PSNR-Y, PSNR-BGR and SSIM-Y."""

from __future__ import annotations

import math

import cv2
import numpy as np

PSNR_CAP = 100.0  # dB; identical frames score exactly this
PEAK = 255.0

# Y = 0.299R + 0.587G + 0.114B, as a 1 x 3 matrix over BGR channels for cv2.transform.
_LUMA_BGR = np.array([[0.114, 0.587, 0.299]], dtype=np.float64)

# SSIM constants of Wang et al. 2004.
_C1 = (0.01 * PEAK) ** 2
_C2 = (0.03 * PEAK) ** 2
_WINDOW = 11
_SIGMA = 1.5


def _check_pair(source: np.ndarray, decoded: np.ndarray) -> None:
    if source.shape != decoded.shape:
        raise ValueError(f"frame shapes differ: source {source.shape}, decoded {decoded.shape}")
    if source.ndim != 3 or source.shape[2] != 3:
        raise ValueError(f"frames must be H x W x 3 BGR, got {source.shape}")


def luma(frame: np.ndarray) -> np.ndarray:
    """Y = 0.299R + 0.587G + 0.114B of an H x W x 3 BGR frame, float64."""
    return cv2.transform(np.ascontiguousarray(frame, dtype=np.float64), _LUMA_BGR)


def psnr_from_mse(mse: float) -> float:
    if mse <= 0.0:
        return PSNR_CAP
    return min(PSNR_CAP, 10.0 * math.log10(PEAK * PEAK / mse))


def _mse(a: np.ndarray, b: np.ndarray) -> float:
    # cv2.norm sums squared differences in double straight from uint8 or float64, with no
    # multi-megabyte temporaries (whose page faults cost more than the arithmetic).
    return cv2.norm(a, b, cv2.NORM_L2SQR) / a.size


def psnr_y(source: np.ndarray, decoded: np.ndarray) -> float:
    _check_pair(source, decoded)
    return psnr_from_mse(_mse(luma(source), luma(decoded)))


def psnr_bgr(source: np.ndarray, decoded: np.ndarray) -> float:
    """PSNR over all three channels together (one MSE over every sample)."""
    _check_pair(source, decoded)
    return psnr_from_mse(_mse(source, decoded))


def _blur(img: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(img, (_WINDOW, _WINDOW), _SIGMA, borderType=cv2.BORDER_REFLECT)


def _ssim(x: np.ndarray, y: np.ndarray) -> float:
    # float32 maps: within ~1e-5 of float64 on real frames and 2-3x faster; the mean is float64.
    x = x.astype(np.float32)
    y = y.astype(np.float32)
    mu_x, mu_y = _blur(x), _blur(y)
    var_x, var_y, cov = _blur(x * x), _blur(y * y), _blur(x * y)
    mu_xy = mu_x * mu_y
    mu_x *= mu_x  # from here on: mu_x^2 and mu_y^2, in place to spare allocations
    mu_y *= mu_y
    var_x -= mu_x
    var_y -= mu_y
    cov -= mu_xy
    num = (2.0 * mu_xy + _C1) * (2.0 * cov + _C2)
    den = (mu_x + mu_y + _C1) * (var_x + var_y + _C2)
    ssim_map = num / den
    pad = _WINDOW // 2
    if ssim_map.shape[0] > 2 * pad and ssim_map.shape[1] > 2 * pad:
        ssim_map = ssim_map[pad:-pad, pad:-pad]
    return float(ssim_map.mean(dtype=np.float64))


def ssim_y(source: np.ndarray, decoded: np.ndarray) -> float:
    """Mean SSIM of the luma planes: 11x11 Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255.

    As in Wang et al.'s reference code, the mean is taken over the positions where the whole
    window lies inside the frame (frames too small for that use every position)."""
    _check_pair(source, decoded)
    return _ssim(luma(source), luma(decoded))


def frame_metrics(source: np.ndarray, decoded: np.ndarray) -> tuple[float, float, float]:
    """(psnr_y, psnr_bgr, ssim_y) of one pair, computing each luma plane once."""
    _check_pair(source, decoded)
    ys, yd = luma(source), luma(decoded)
    return (
        psnr_from_mse(_mse(ys, yd)),
        psnr_from_mse(_mse(source, decoded)),
        _ssim(ys, yd),
    )
