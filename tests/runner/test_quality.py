"""Per-frame quality: PSNR-Y, PSNR-BGR and SSIM-Y on real frames."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from runner.evaluation.clips import default_suite
from runner.evaluation.quality import frame_metrics, luma, psnr_bgr, psnr_y, ssim_y


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    return default_suite().clip("bikes").frames[0]


def jpeg(frame: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def reference_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Wang et al. 2004 written out independently: scipy's Gaussian (radius 5, sigma 1.5), valid region."""
    weights = np.array([0.114, 0.587, 0.299])  # B, G, R
    x, y = a.astype(np.float64) @ weights, b.astype(np.float64) @ weights

    def g(img):
        return gaussian_filter(img, 1.5, truncate=3.5)

    mx, my = g(x), g(y)
    sxx, syy, sxy = g(x * x) - mx * mx, g(y * y) - my * my, g(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ssim_map = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(ssim_map[5:-5, 5:-5].mean())


def test_identical_frames_score_the_cap(frame):
    assert psnr_y(frame, frame) == 100.0
    assert psnr_bgr(frame, frame.copy()) == 100.0
    assert ssim_y(frame, frame) == 1.0
    assert frame_metrics(frame, frame) == (100.0, 100.0, 1.0)


def test_luma_weights():
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 2] = 255  # BGR order: channel 2 is red
    assert np.allclose(luma(red), 0.299 * 255)
    bgr = np.array([[[10, 20, 30]]], np.uint8)
    assert luma(bgr)[0, 0] == pytest.approx(0.299 * 30 + 0.587 * 20 + 0.114 * 10, abs=1e-12)


def test_psnr_of_a_known_perturbation(frame):
    source = np.minimum(frame, 250)  # room to add 4 without clipping
    decoded = source.copy()
    decoded[..., 1] += 4  # green up by 4 everywhere
    # By hand: Y moves by 0.587 * 4 = 2.348 at every pixel, so MSE_Y = 2.348^2 = 5.513104;
    # over B, G, R one sample in three is off by 4, so MSE_BGR = 16 / 3.
    assert psnr_y(source, decoded) == pytest.approx(10 * math.log10(255**2 / 5.513104), abs=1e-9)
    assert psnr_y(source, decoded) == pytest.approx(40.7168, abs=1e-4)
    assert psnr_bgr(source, decoded) == pytest.approx(10 * math.log10(255**2 * 3 / 16), abs=1e-9)
    # A blue-only change moves Y by 0.114 per step: the same error costs far fewer dB in Y.
    blue = source.copy()
    blue[..., 0] += 4
    assert psnr_y(source, blue) == pytest.approx(10 * math.log10(255**2 / (0.114 * 4) ** 2), abs=1e-9)


def test_ssim_matches_an_independent_implementation(frame):
    for quality in (10, 50, 90):
        decoded = jpeg(frame, quality)
        assert ssim_y(frame, decoded) == pytest.approx(reference_ssim(frame, decoded), abs=2e-5)


def test_more_noise_means_lower_scores(frame):
    rng = np.random.default_rng(3)
    scores = []
    for sigma in (2, 8, 24):
        noisy = np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)
        scores.append((psnr_y(frame, noisy), psnr_bgr(frame, noisy), ssim_y(frame, noisy)))
    for (p1, b1, s1), (p2, b2, s2) in zip(scores, scores[1:], strict=False):
        assert p1 > p2 and b1 > b2 and s1 > s2
    assert all(s < 1.0 for _, _, s in scores)
    assert scores[-1][2] < 0.8
    # Independent channel noise of sigma 2 averages down in Y: PSNR-Y well above PSNR-BGR.
    assert scores[0][0] > scores[0][1] + 2


def test_frame_metrics_agree_with_the_single_metrics(frame):
    decoded = jpeg(frame, 30)
    assert frame_metrics(frame, decoded) == (psnr_y(frame, decoded), psnr_bgr(frame, decoded), ssim_y(frame, decoded))


def test_mismatched_frames_are_refused(frame):
    with pytest.raises(ValueError):
        psnr_y(frame, frame[:-2])
    with pytest.raises(ValueError):
        ssim_y(frame[..., 0], frame[..., 0])
