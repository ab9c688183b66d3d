"""Measuring a recorded version again: does its recorded test reproduce, and what does today's evaluator say?

First the version's own adoption test is run again on its own material (the recorded nonce, at the
recorded quality): a codec that is a function of its input writes the very same bytes, frame for frame,
whatever the clock or the machine's entropy say today, so any difference is recorded (a determinism check
at another moment than the test's). Then a full adoption test under the evaluator running now, on fresh
material. Both are recorded as one CandidateRescored event beside the test the version was adopted on.
"""

from __future__ import annotations

from domain.records import AdoptionTestResult, FrameDifference, Reproduction
from ledger.application import CodecLedger
from runner.evaluation.clips import Suite
from runner.evaluation.evaluator import adoption_test, measure_point, sandbox_for
from runner.evaluation.material import materialise
from runner.sandbox.codec_runner import CodecRunner


def reproduce(source: str, suite: Suite, recorded: AdoptionTestResult, runner: CodecRunner) -> Reproduction:
    """The recorded test's decision quality run again on its own material, its frames' bytes compared."""
    provenance = recorded.get("provenance")
    nonce = provenance["nonce"] if provenance else None
    quality = recorded.get("quality")
    out = Reproduction(nonce=nonce, quality=quality, reproduced=None, checked_clips=[], differences=[])
    if nonce is None or quality is None:
        return out  # recorded before nonces, or never measured at a quality: nothing to compare with
    for clip in materialise(suite, nonce).clips:
        point = recorded["clips"].get(clip.name)
        want = point.get("frame_sha256") if point else None
        if not want:
            continue
        got = measure_point(runner, source, clip, quality, twice=True).get("frame_sha256") or []
        out["checked_clips"].append(clip.name)
        if got != want:
            first = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
            out["differences"].append(FrameDifference(clip=clip.name, frame=first))
    if out["checked_clips"]:
        out["reproduced"] = not out["differences"]
    return out


def rescore(app: CodecLedger, lineage: str, version: int, suite: Suite) -> tuple[Reproduction, AdoptionTestResult]:
    """Reproduce a version's recorded test, test it under today's evaluator, and record both."""
    state = app.lineage(lineage)
    record = state.version_record(version)
    candidate = app.candidate(record["candidate_id"])
    source = app.source(record["sha256"])
    policy = state.policy_object
    with sandbox_for(policy) as sandbox:
        reproduction = reproduce(source, suite, candidate.test_result, sandbox)
        result = adoption_test(source, suite, policy, sandbox=sandbox)
    app.record_rescore(record["candidate_id"], result, reproduction)
    return reproduction, result
