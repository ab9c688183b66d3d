"""Clips and suites: the default suite built from real frames, and loading user inputs."""

from __future__ import annotations

import json
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from runner.evaluation.clips import (
    Clip,
    InputError,
    Suite,
    bikes_path,
    default_suite,
    fit_size,
    held_out_suite,
    load_suite,
    named_suite,
    parse_size,
    scene_cut,
    single_clip_suite,
)
from runner.evaluation.quality import psnr_y
from runner.evaluation.scenes import scene_starts


@pytest.fixture(scope="module")
def suite() -> Suite:
    return default_suite()


@pytest.fixture(scope="module")
def small_frames(suite) -> np.ndarray:
    """8 real bikes frames scaled to 64x48, the material for the files written below."""
    frames = suite.clip("bikes").frames[:8]
    return np.stack([cv2.resize(f, (64, 48), interpolation=cv2.INTER_AREA) for f in frames])


def write_video(path, frames: np.ndarray, fps: float, codec: str, pix_fmt: str = "yuv420p") -> str:
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], pix_fmt
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return str(path)


def mean_psnr_y(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean([psnr_y(x, y) for x, y in zip(a, b, strict=True)]))


def assert_one_line_naming(exc: pytest.ExceptionInfo, name: str) -> None:
    text = str(exc.value)
    assert "\n" not in text and "\r" not in text
    assert name in text


# ---------------------------------------------------------------- the default suite


def test_default_suite_contents(suite):
    kinds = {c.name: c.kind for c in suite.clips}
    assert kinds == {
        "bikes": "real", "bikes_scene2": "real", "bikes_scene4": "real", "hopper_pan": "real", "hopper_zoom": "real",
        "noise": "stress", "black": "stress", "gray": "stress", "moving_pattern": "synthetic"
    }
    for clip in suite.clips:
        assert clip.frames.dtype == np.uint8 and clip.frames.ndim == 4 and clip.frames.shape[3] == 3
        assert clip.width <= 352 and clip.height <= 288
        assert clip.width % 2 == 0 and clip.height % 2 == 0
        assert clip.count <= 30
        assert clip.raw_bytes == clip.count * clip.width * clip.height * 3
    bikes = suite.clip("bikes")
    assert bikes.count == 10 and bikes.fps == 25.0
    assert bikes.width == 352  # 640x272 scaled to fit 352x288: width is the limit
    assert abs(bikes.width / bikes.height - 640 / 272) < 0.03
    assert len(suite.real_clips()) == 5 and suite.real_clips()[0] is bikes
    assert suite.clip("black").frames.max() == 0
    assert np.all(suite.clip("gray").frames == 128)
    noise = suite.clip("noise").frames
    assert noise.std() > 70 and not np.array_equal(noise[0], noise[1])
    pattern = suite.clip("moving_pattern").frames
    assert pattern.shape[0] >= 8
    assert all(not np.array_equal(a, b) for a, b in zip(pattern[:-1], pattern[1:], strict=True))


def test_default_suite_is_deterministic(suite):
    from runner.evaluation import scenes

    scenes._bikes_frames.cache_clear()
    fresh = default_suite.__wrapped__()  # built again from the video and the photograph, bypassing the caches
    assert fresh is not suite
    assert fresh.content_hash == suite.content_hash
    assert len(suite.content_hash) == 64
    for a, b in zip(suite.clips, fresh.clips, strict=True):
        assert np.array_equal(a.frames, b.frames)


def test_bikes_starts_at_the_scene_cut():
    bikes = single_clip_suite().clip("bikes").frames
    whole = load_suite([bikes_path()], max_size=(352, 288)).clips[0].frames  # every frame, same scaling
    starts = [i for i in range(len(whole)) if np.array_equal(whole[i], bikes[0])]
    assert len(starts) == 1
    start = starts[0]
    assert start == 30  # checked by eye: frame 29 is a bus from above, frame 30 a cyclist in traffic
    assert np.array_equal(whole[start : start + 30], bikes)

    def change(a, b):
        return float(np.abs(a.astype(np.float64) - b).mean())

    across = change(whole[start - 1], whole[start])
    within = max(change(a, b) for a, b in zip(bikes[:-1], bikes[1:], strict=True))
    assert across > 40 and across > 5 * within
    assert scene_cut(whole, min_after=30) == start


def test_clips_are_read_only_and_suites_describe_themselves(suite):
    bikes = suite.clip("bikes")
    with pytest.raises(ValueError):
        bikes.frames[0, 0, 0, 0] = 1
    described = json.loads(json.dumps(suite.describe()))
    assert described["name"] == "default-v2" and described["content_hash"] == suite.content_hash
    assert described["clips"][0] == {"name": "bikes", "kind": "real", "frames": 10, "width": 352,
                                     "height": bikes.height, "fps": 25.0}
    with pytest.raises(KeyError):
        suite.clip("nope")


def test_clip_copies_its_frames_and_the_hash_sees_every_pixel():
    frames = np.zeros((2, 4, 6, 3), np.uint8)
    clip = Clip("c", frames, 30, "synthetic")
    frames[0, 0, 0, 0] = 9  # the caller's array is not the clip's
    assert clip.frames.max() == 0
    changed = frames.copy()
    h1 = Suite("s", (clip,)).content_hash
    h2 = Suite("s", (Clip("c", changed, 30, "synthetic"),)).content_hash
    h3 = Suite("s", (Clip("c", np.zeros((2, 4, 6, 3), np.uint8), 25, "synthetic"),)).content_hash
    assert len({h1, h2, h3}) == 3
    with pytest.raises(ValueError):
        Clip("f", np.zeros((2, 4, 6, 3), np.float32), 30, "real")
    with pytest.raises(ValueError):
        Clip("g", np.zeros((4, 6, 3), np.uint8), 30, "real")
    with pytest.raises(ValueError):
        Clip("k", np.zeros((1, 4, 6, 3), np.uint8), 30, "documentary")


def test_parse_and_fit_size():
    assert parse_size("352x288") == (352, 288)
    assert parse_size(" 640X480 ") == (640, 480)
    for bad in ("352", "x288", "352x", "axb", "-2x4", "352x288x3", ""):
        with pytest.raises(ValueError):
            parse_size(bad)
    assert fit_size(640, 272, (352, 288)) == (352, 150)
    assert fit_size(100, 50, (352, 288)) == (100, 50)  # already fits: untouched
    w, h = fit_size(1920, 1080, (351, 287))
    assert w <= 351 and h <= 287 and w % 2 == 0 and h % 2 == 0


# ---------------------------------------------------------------- loading inputs


@pytest.mark.parametrize(
    "filename, codec, fps, pix_fmt, min_psnr",
    [
        ("street.mp4", "libx264", 10, "yuv420p", 30.0),
        ("street.avi", "mpeg4", 15, "yuv420p", 26.0),
        ("street.y4m", "rawvideo", 12.5, "yuv420p", 38.0),
        ("street.mkv", "ffv1", 24, "bgr0", 99.0),
    ],
)
def test_load_video_files(tmp_path, small_frames, filename, codec, fps, pix_fmt, min_psnr):
    path = write_video(tmp_path / filename, small_frames, fps, codec, pix_fmt)
    suite = load_suite([path])
    assert suite.name == "inputs:street"
    (clip,) = suite.clips
    assert (clip.name, clip.kind, clip.count, clip.width, clip.height) == ("street", "real", 8, 64, 48)
    assert clip.fps == pytest.approx(fps)
    assert mean_psnr_y(small_frames, clip.frames) >= min_psnr  # the frames are the ones written


def test_load_caps_frames_and_size(tmp_path, small_frames):
    path = write_video(tmp_path / "cap.mp4", small_frames, 10, "libx264")
    (clip,) = load_suite([path], frames=3, max_size=(32, 32)).clips
    assert clip.frames.shape == (3, 24, 32, 3)
    full = load_suite([path]).clips[0].frames[:3]
    shrunk = np.stack([cv2.resize(f, (32, 24), interpolation=cv2.INTER_AREA) for f in full])
    assert np.array_equal(clip.frames, shrunk)


def test_load_png_folder(tmp_path, small_frames):
    folder = tmp_path / "walk"
    folder.mkdir()
    for i, frame in enumerate(small_frames[:5]):
        cv2.imwrite(str(folder / f"frame_{i:03d}.png"), frame)
    (folder / "notes.txt").write_text("ignored")
    (folder / "fps.txt").write_text("12.5\n")
    (clip,) = load_suite([str(folder)]).clips
    assert clip.name == "walk" and clip.fps == 12.5 and clip.kind == "real"
    assert np.array_equal(clip.frames, small_frames[:5])  # PNG is lossless, order by name

    (folder / "fps.txt").unlink()
    assert load_suite([str(folder)], fps=8).clips[0].fps == 8.0
    capped = load_suite([str(folder)], frames=2, max_size=(32, 32)).clips[0]
    assert capped.fps == 30.0 and capped.frames.shape == (2, 24, 32, 3)


def test_duplicate_names_are_told_apart(tmp_path, small_frames):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_video(tmp_path / "a" / "clip.mp4", small_frames[:2], 10, "libx264")
    second = write_video(tmp_path / "b" / "clip.avi", small_frames[:2], 10, "mpeg4")
    suite = load_suite([first, second])
    assert [c.name for c in suite.clips] == ["clip", "clip_2"]
    assert suite.name == "inputs:clip,clip_2"


def test_bad_inputs_are_one_line_errors_naming_the_file(tmp_path, small_frames):
    good = write_video(tmp_path / "good.mp4", small_frames, 10, "libx264")
    data = open(good, "rb").read()
    (tmp_path / "half.mp4").write_bytes(data[: len(data) // 2])
    (tmp_path / "noise.mp4").write_bytes(np.random.default_rng(7).bytes(20000))
    avi = open(write_video(tmp_path / "whole.avi", small_frames, 10, "mpeg4"), "rb").read()
    (tmp_path / "cut.avi").write_bytes(avi[: len(avi) - 300])  # loses its last frames
    (tmp_path / "empty").mkdir()
    broken = tmp_path / "broken"
    broken.mkdir()
    cv2.imwrite(str(broken / "0001.png"), small_frames[0])
    (broken / "0002.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    cv2.imwrite(str(mixed / "0001.png"), small_frames[0])
    cv2.imwrite(str(mixed / "0002.png"), small_frames[1][:40])
    with av.open(str(tmp_path / "tone.wav"), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)

    cases = {
        "half.mp4": "half.mp4",
        "noise.mp4": "noise.mp4",
        "cut.avi": "cut.avi",
        "missing.mp4": "missing.mp4",
        "empty": "empty",
        "broken": "0002.png",
        "mixed": "0002.png",
        "tone.wav": "tone.wav",
    }
    for name, named in cases.items():
        with pytest.raises(InputError) as exc:
            load_suite([str(tmp_path / name)])
        assert_one_line_naming(exc, named)
    with pytest.raises(InputError) as exc:  # a good input does not hide a bad one after it
        load_suite([good, str(tmp_path / "noise.mp4")])
    assert_one_line_naming(exc, "noise.mp4")


# ---------------------------------------------------------------- several real clips, and the suites lineages recorded


def test_the_bikes_clips_are_distinct_scenes_of_the_video(suite):
    whole = load_suite([bikes_path()], max_size=(352, 288)).clips[0].frames
    starts = scene_starts(whole)
    assert starts[:5] == [0, 30, 76, 137, 187]  # checked by eye against the video's cuts
    for name, scene in (("bikes", 1), ("bikes_scene2", 2), ("bikes_scene4", 4)):
        clip = suite.clip(name)
        assert np.array_equal(clip.frames, whole[starts[scene]:starts[scene] + clip.count])
    held_out = held_out_suite()
    for name, scene in (("bikes_scene0", 0), ("bikes_scene3", 3)):
        assert np.array_equal(held_out.clip(name).frames[0], whole[starts[scene]])
    # Different content: no two clips' first frames are alike.
    firsts = [c.frames[0].astype(np.float64) for c in (*suite.real_clips(), *held_out.clips) if c.width == 352]
    assert min(np.abs(a - b).mean() for i, a in enumerate(firsts) for b in firsts[i + 1:]) > 20


def test_the_photograph_moves_as_a_camera_would(suite):
    from runner.evaluation.camera import read_photo

    photo = read_photo("grace_hopper.jpg")
    pan = suite.clip("hopper_pan").frames
    # The first frame is the photograph itself at the pan's start; each next one moves by a sub-pixel step.
    assert np.abs(pan[0].astype(int) - photo[90:90 + 192, 120:120 + 256]).max() <= 1
    for a, b in zip(pan[:-1], pan[1:], strict=True):
        assert not np.array_equal(a, b)
        assert mean_psnr_y(a[None, 1:, 1:], b[None, :-1, :-1]) > mean_psnr_y(a[None, 1:, 1:], b[None, 1:, 1:])
    zoom = suite.clip("hopper_zoom").frames
    assert all(not np.array_equal(a, b) for a, b in zip(zoom[:-1], zoom[1:], strict=True))
    assert {c.kind for c in held_out_suite().clips} == {"real"}
    training = {c.name for c in suite.clips}
    assert training.isdisjoint(c.name for c in held_out_suite().clips)


def test_a_lineage_keeps_the_built_in_suite_it_recorded(suite):
    from ledger.errors import SuiteMismatch
    from runner.evolution.lineage_setup import lineage_suite, suite_record

    old = single_clip_suite()
    assert old.name == "default" and [c.name for c in old.real_clips()] == ["bikes"]
    assert old.clip("bikes").count == 30 and old.content_hash != suite.content_hash
    assert named_suite("default") is old and named_suite("default-v2") is suite
    assert lineage_suite(suite_record(old, [], None, None, None)) is old  # started before several clips
    assert lineage_suite(suite_record(suite, [], None, None, None)) is suite
    changed = suite_record(old, [], None, None, None) | {"hash": "0" * 64}
    with pytest.raises(SuiteMismatch, match="changed since it started"):
        lineage_suite(changed)
