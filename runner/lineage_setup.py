"""Opening a lineage for work: the one that exists (checked against the clips and policy asked
for), or a new one started on them with version 0, the seed, measured for real."""

from __future__ import annotations

from dataclasses import dataclass

from domain.policy import Policy
from domain.seed import SEED_SOURCE
from ledger.errors import SuiteMismatch
from runner.evaluator import test_candidate
from runner.ledger_commands import _check_policy, _lineage_suite, _load_suite, _suite_record
from runner.sandbox import Sandbox


@dataclass(frozen=True)
class PolicyOptions:
    """Policy flags as given; None means "the lineage's own", or the default for a new lineage."""

    target_psnr_y: float | None = None
    bitrate_factor: float | None = None
    ratio_factor: float | None = None

    def policy(self) -> Policy:
        return Policy(
            target_psnr_y=35.0 if self.target_psnr_y is None else self.target_psnr_y,
            bitrate_factor=0.9 if self.bitrate_factor is None else self.bitrate_factor,
            ratio_factor=1.2 if self.ratio_factor is None else self.ratio_factor,
        )


def open_lineage(app, lineage: str, inputs: list[str], frames, max_size, fps, options: PolicyOptions, say):
    """(lineage state, suite) for `lineage`, starting it when the ledger has none of that name."""
    given = _load_suite(inputs, frames, max_size, fps) if inputs else None
    if app.has_lineage(lineage):
        state = app.lineage(lineage)
        if given is not None and given.content_hash != state.suite.get("hash"):
            raise SuiteMismatch(
                f"lineage {lineage!r} was started on suite {state.suite.get('name')!r} "
                f"(hash {str(state.suite.get('hash'))[:12]}); --input gives {given.name!r} "
                f"(hash {given.content_hash[:12]}); use --lineage NAME for another lineage")
        _check_policy(state.policy_object, options.target_psnr_y, options.bitrate_factor, options.ratio_factor)
        return state, given or _lineage_suite(state.suite)
    suite = given or _load_suite([], None, None, None)
    policy = options.policy()
    say(f"🌱 Starting lineage '{lineage}' on suite '{suite.name}' ({suite.content_hash[:12]}): measuring version 0, the seed...")
    with Sandbox() as sandbox:
        seed_test = test_candidate(SEED_SOURCE, suite, target_psnr_y=policy.target_psnr_y, sandbox=sandbox)
    state = app.start_lineage(lineage, _suite_record(suite, inputs, frames, max_size, fps), policy, seed_test)
    return state, suite
