"""Composing an ensemble from members' sources: names kept apart, state kept private, validation kept,
the stream's member byte, the routing rule from recorded measurements, and routing read from a stream."""

from __future__ import annotations

import numpy as np
import pytest

from domain.ids import sha256_of
from runner.ensemble.compose import CompositionError, TooLarge, compose
from runner.ensemble.features import content_features
from runner.ensemble.routing import Member, RoutingError, RoutingRule, clip_cost, routing_rule
from runner.ensemble.streams import ensemble_members, frames_per_member
from runner.evaluation.clips import Clip, Suite
from runner.sandbox.inprocess import InProcessRunner
from runner.sandbox.validation import MAX_SOURCE_BYTES, validate
from tests.ledger.support import EXAMPLES

# Two members that define the same top-level names with different meanings, one of them stateful.
SHIFTING = '''"""Each frame XOR a running key; the key changes per frame (state in a global)."""
import numpy as np

KEY = 7
seen = 0


def helper(frame):
    return frame ^ np.uint8(KEY + seen)


def compress_video_frame(frame, frame_index, config):
    global seen
    out = helper(frame).tobytes()
    seen += 1
    return out


def decompress_video_frame(data, frame_index, config):
    global seen
    frame = np.frombuffer(data, dtype=np.uint8).reshape(config["height"], config["width"], 3)
    out = helper(frame)
    seen += 1
    return out
'''

HALVING = '''"""Every other row, quality-scaled: the quality it is given shows in its first byte."""
import numpy as np

KEY = 200


def helper(frame):
    return frame[::2]


def compress_video_frame(frame, frame_index, config):
    return bytes([int(config["quality"]), KEY]) + helper(frame).tobytes()


def decompress_video_frame(data, frame_index, config):
    h, w = config["height"], config["width"]
    half = np.frombuffer(data[2:], dtype=np.uint8).reshape((h + 1) // 2, w, 3)
    return np.repeat(half, 2, axis=0)[:h].copy()
'''


# A function may make a module global that no module-level statement binds.
GLOBAL_ONLY_IN_FUNCTIONS = '''import numpy as np


def compress_video_frame(frame, frame_index, config):
    global last
    last = frame_index
    return frame.tobytes()


def decompress_video_frame(data, frame_index, config):
    global last
    last = frame_index
    return np.frombuffer(data, dtype=np.uint8).reshape(config["height"], config["width"], 3).copy()
'''


def member(source: str, quality: int, version: int | None = None) -> Member:
    return Member(sha256=sha256_of(source), candidate_id="c-" + sha256_of(source)[:8], version=version,
                  quality=quality)


def rule_for(routes: list[tuple[list[float], int]]) -> RoutingRule:
    return RoutingRule(rule="test", features=["a", "b", "c", "d"], target_psnr_y=35.0,
                       routes=[{"clip": f"c{i}", "features": f, "member": m, "costs": []}
                               for i, (f, m) in enumerate(routes)])


def frames(seed: int, n: int = 3, flat: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if flat:
        return np.full((n, 16, 24, 3), 90, np.uint8)
    return rng.integers(0, 256, (n, 16, 24, 3), dtype=np.uint8)


def config(quality: int = 50) -> dict:
    return {"quality": quality, "width": 24, "height": 16, "fps": 30.0, "frames": 3}


def routed_to(index: int, sources: list[str], qualities: list[int]) -> str:
    """An ensemble whose only route sends everything to member `index`."""
    members = [member(s, q) for s, q in zip(sources, qualities, strict=True)]
    return compose(sources, members, rule_for([([0.0, 0.0, 0.0, 0.0], index)]))


def test_members_keep_their_own_names_and_state_and_code_the_same_bytes_as_alone():
    sources = [SHIFTING, HALVING]
    clip = frames(1)
    runner = InProcessRunner()
    for index, quality in ((0, 50), (1, 62)):
        ensemble = routed_to(index, sources, [50, 62])
        assert validate(ensemble) == []
        together = runner.run(ensemble, clip, config(50), keep_payload=True)
        alone = runner.run(sources[index], clip, config(quality), keep_payload=True)
        assert together.verdict.ok and alone.verdict.ok
        # one member byte in front of exactly the member's own bytes, at the member's own matched quality
        assert [frame[0] for frame in together.payload] == [index] * len(clip)
        assert [frame[1:] for frame in together.payload] == alone.payload
        assert all(np.array_equal(a, b) for a, b in zip(together.decoded, alone.decoded, strict=True))


def test_the_ensemble_quality_moves_every_member_from_its_matched_quality():
    ensemble = routed_to(1, [SHIFTING, HALVING], [50, 62])
    result = InProcessRunner().run(ensemble, frames(2), config(40), keep_payload=True)
    assert result.verdict.ok
    assert {frame[1] for frame in result.payload} == {52}  # 40 - 50 + 62


def test_a_run_is_routed_by_its_first_frame_to_the_nearest_recorded_clip():
    noisy, flat = frames(3), frames(4, flat=True)
    routes = [(content_features(noisy[0]), 0), (content_features(flat[0]), 1)]
    sources = [SHIFTING, HALVING]
    ensemble = compose(sources, [member(SHIFTING, 50), member(HALVING, 50)], rule_for(routes))
    runner = InProcessRunner()
    for clip, expected in ((noisy, 0), (flat, 1)):
        result = runner.run(ensemble, clip, config(), keep_payload=True)
        assert result.verdict.ok
        assert frames_per_member(result.payload, 2) == [len(clip) if i == expected else 0 for i in range(2)]


def test_examples_compose_and_validate_including_a_global_without_a_module_binding():
    declares = GLOBAL_ONLY_IN_FUNCTIONS
    sources = [(EXAMPLES / name).read_text() for name in ("zlib_lossless.py", "jpeg_imencode.py", "dct_codec.py")]
    sources.append(declares)
    text = compose(sources, [member(s, 50) for s in sources], rule_for([([0.0] * 4, 3)]))
    assert validate(text) == [] and "global " not in text and "nonlocal previous_encoded" in text
    assert ensemble_members(text) == [sha256_of(s) for s in sources]
    result = InProcessRunner().run(text, frames(5), config(), keep_payload=True)
    assert result.verdict.ok


def test_composition_refuses_what_could_not_be_one_candidate():
    with pytest.raises(CompositionError, match="2 to 255"):
        compose([SHIFTING], [member(SHIFTING, 50)], rule_for([([0.0] * 4, 0)]))
    with pytest.raises(CompositionError, match="another sha256"):
        compose([SHIFTING, HALVING], [member(SHIFTING, 50), member(SHIFTING, 50)], rule_for([([0.0] * 4, 0)]))
    evil = HALVING.replace("KEY = 200", "KEY = open('/etc/passwd')")
    with pytest.raises(CompositionError, match="fails validation"):
        compose([SHIFTING, evil], [member(SHIFTING, 50), member(evil, 50)], rule_for([([0.0] * 4, 0)]))
    big = HALVING + "\nPAD = " + repr("x" * (MAX_SOURCE_BYTES // 2)) + "\n"
    other = big.replace("xxx", "yyy")  # no definition in common to write once
    with pytest.raises(TooLarge, match="bytes; the sandbox takes"):
        compose([big, other], [member(big, 50), member(other, 50)], rule_for([([0.0] * 4, 0)]))


def test_only_a_source_with_the_composed_router_reports_routing():
    ensemble = routed_to(0, [SHIFTING, HALVING], [50, 50])
    assert ensemble_members(ensemble) == [sha256_of(SHIFTING), sha256_of(HALVING)]
    # a source that declares members but decodes without dispatching on the member byte is not an ensemble
    forged = ensemble.replace("return MEMBER_CODECS[member][1](", "return MEMBER_CODECS[0][1](")
    assert forged != ensemble and ensemble_members(forged) is None
    assert ensemble_members(HALVING) is None and ensemble_members("def (") is None
    with pytest.raises(ValueError):
        frames_per_member([b"\x00a", b"\x05b"], 2)


def point(bpp: float, psnr: float | None, success: bool = True) -> dict:
    return {"bpp": bpp, "psnr_y": psnr, "success": success}


def test_routing_gives_each_clip_to_the_member_cheapest_there_at_the_target():
    rng = np.random.default_rng(0)
    suite = Suite("s", (Clip("busy", rng.integers(0, 256, (2, 16, 24, 3), dtype=np.uint8), 30.0, "real"),
                        Clip("flat", np.full((2, 16, 24, 3), 60, np.uint8), 30.0, "stress"),
                        Clip("lost", np.zeros((2, 16, 24, 3), np.uint8), 30.0, "stress")))
    results = [
        {"clips": {"busy": point(1.0, 35.0), "flat": point(0.10, 40.0), "lost": point(0.1, None, success=False)}},
        {"clips": {"busy": point(0.9, 34.0), "flat": point(0.05, 60.0)}},
    ]
    rule = routing_rule(results, suite, 35.0)  # type: ignore[arg-type]
    by_clip = {route["clip"]: route for route in rule["routes"]}
    # busy: 0.9 bpp at 1 dB under the target costs 0.9 * 2^(1/6) = 1.01 > 1.0
    assert by_clip["busy"]["member"] == 0 and by_clip["busy"]["costs"][1] == pytest.approx(0.9 * 2 ** (1 / 6))
    # flat: surplus quality counts at most 6 dB, so 0.05 bpp at 60 dB beats 0.10 at 40 dB
    assert by_clip["flat"]["member"] == 1
    assert "lost" not in by_clip  # no member round-tripped it
    assert by_clip["busy"]["features"] == content_features(suite.clip("busy").frames[0])
    assert clip_cost(None, 35.0) is None and clip_cost(point(1.0, 20.0, success=False), 35.0) is None  # type: ignore[arg-type]
    with pytest.raises(RoutingError):
        routing_rule([{"clips": {}}], suite, 35.0)  # type: ignore[typeddict-item]


def test_definitions_members_hold_in_common_are_written_once_and_mean_the_same_in_each():
    dct = (EXAMPLES / "dct_codec.py").read_text()
    coarser = dct.replace("float(60.0 * ", "float(90.0 * ")
    assert coarser != dct
    sources = [dct, coarser, SHIFTING]  # SHIFTING shares nothing with them
    clip = frames(6)
    runner = InProcessRunner()
    for index in range(3):
        ensemble = routed_to(index, sources, [50, 50, 50])
        assert validate(ensemble) == []
        together = runner.run(ensemble, clip, config(), keep_payload=True)
        alone = runner.run(sources[index], clip, config(), keep_payload=True)
        assert together.verdict.ok and alone.verdict.ok
        assert [frame[1:] for frame in together.payload] == alone.payload
        assert all(np.array_equal(a, b) for a, b in zip(together.decoded, alone.decoded, strict=True))
    # what differs (and what reads it, or reads an array) stays each member's own; the rest is written once
    assert ensemble.count("def step_for(") == 2 and ensemble.count("def encode_plane(") == 2
    assert ensemble.count("def to_blocks(") == 1 and ensemble.count("def dct_matrix(") == 1
    assert ensemble.count("\nBLOCK = 8") == 1 and "import lzma" in ensemble.split("def member_0")[0]
