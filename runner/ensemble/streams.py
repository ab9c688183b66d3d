"""Where an ensemble's frames went, read from its compressed stream rather than from anything it says.

An ensemble's every compressed frame starts with the index of the member that coded it, and its decoder
dispatches on that byte (compose.py). So the routing of a clip is counted from the bytes of a run whose
decoder reproduced every frame: the same bytes the decoder read, not a claim of the candidate's.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TypedDict

from runner.ensemble.compose import MEMBERS_CONSTANT, router_functions
from runner.evaluation.clips import Suite
from runner.evaluation.evaluator import clip_config
from runner.evaluation.material import materialise
from runner.sandbox.codec_runner import CodecRunner


class ClipRouting(TypedDict):
    """One clip's run: how many frames each member coded, or why there is no count."""

    frames_per_member: list[int] | None  # in the order of `members`; None where the run did not round-trip
    # (or its frames name a member the list lacks)
    verdict: str


class RoutingReport(TypedDict):
    """`evaluate --json`'s `routing` of an ensemble."""

    members: list[str]  # the members' sha256, as the source lists them
    quality: int
    clips: dict[str, ClipRouting]


def ensemble_members(source: str) -> list[str] | None:
    """The members' sha256 where the source is an ensemble composed by codec-ledger: its encoder and decoder
    are compose.py's router (so the decoder dispatches on each frame's first byte) and it lists its members
    in ENSEMBLE_MEMBERS. None for any other source, whatever it declares."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    functions = {node.name: ast.dump(node) for node in tree.body if isinstance(node, ast.FunctionDef)}
    if any(functions.get(name) != dump for name, dump in router_functions().items()):
        return None
    for statement in tree.body:
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id == MEMBERS_CONSTANT):
            try:
                value = ast.literal_eval(statement.value)
            except ValueError:
                return None
            if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
                return value
    return None


def frames_per_member(payload: Sequence[bytes], members: int) -> list[int]:
    """How many compressed frames name each member in their first byte."""
    counts = [0] * members
    for frame in payload:
        if not frame or frame[0] >= members:
            raise ValueError("a frame of the stream names no member")
        counts[frame[0]] += 1
    return counts


def measure_routing(runner: CodecRunner, source: str, suite: Suite, nonce: str, quality: int) -> RoutingReport | None:
    """Run an ensemble once on every clip of the suite's material for `nonce`, counting its routing;
    None where the source is not an ensemble."""
    members = ensemble_members(source)
    if members is None:
        return None
    clips: dict[str, ClipRouting] = {}
    for clip in materialise(suite, nonce).clips:
        result = runner.run(source, clip.frames, clip_config(clip, quality), keep_payload=True)
        counts = None
        if result.verdict.ok:
            try:
                counts = frames_per_member(result.payload, len(members))
            except ValueError:  # its decoder dispatched to a member its list does not name
                counts = None
        clips[clip.name] = ClipRouting(frames_per_member=counts, verdict=result.verdict.category)
    return RoutingReport(members=members, quality=quality, clips=clips)


def ensemble_routing(source: str, suite: Suite, nonce: str, quality: int) -> RoutingReport | None:
    """measure_routing in a sandbox of its own; None, without starting one, where the source is no ensemble."""
    if ensemble_members(source) is None:
        return None
    from runner.sandbox.pipeline import Sandbox

    with Sandbox() as sandbox:
        return measure_routing(sandbox, source, suite, nonce, quality)
