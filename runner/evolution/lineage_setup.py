"""Opening a lineage for work: the one that exists (checked against the clips and policy asked
for), or a new one started on them with version 0, the seed, measured for real."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

from domain.lineage import Lineage
from domain.policy import NEW_LINEAGE_POLICY, POLICY_NAMES, Policy
from domain.seed import SEED_SOURCE
from ledger.application import CodecLedger
from ledger.errors import LedgerError, SuiteMismatch
from runner.evaluation.clips import Suite, default_suite, load_suite, named_suite, parse_size
from runner.evaluation.evaluator import adoption_test, sandbox_for


class OptionError(LedgerError):
    """A command-line option that cannot be used as given; the message is one line."""


@dataclass(frozen=True)
class PolicyOptions:
    """Policy flags as given; None means "the lineage's own", or the default for a new lineage."""

    target_psnr_y: float | None = None
    bitrate_factor: float | None = None
    ratio_factor: float | None = None
    test_seconds: float | None = None
    run_seconds: float | None = None
    name: str | None = None  # --policy: bd-rate or matched-quality

    def __post_init__(self) -> None:
        if self.name is not None and self.name not in POLICY_NAMES:
            raise OptionError(f"--policy must be one of {', '.join(POLICY_NAMES)}, not {self.name!r}")

    def policy(self) -> Policy:
        """The policy for a new lineage: the flags given, Policy's defaults for the others, and the BD-rate rule
        unless another is named."""
        given = {name: value for name, value in asdict(self).items() if value is not None}
        try:
            return Policy(**{"name": NEW_LINEAGE_POLICY, **given})
        except ValueError as exc:
            raise OptionError(f"policy: {exc}") from None

    def check_against(self, policy: Policy) -> None:
        """A lineage keeps its policy: a flag that says otherwise is an error, not a change."""
        if self.name is not None and self.name != policy.name:
            raise OptionError(f"--policy {self.name} differs from this lineage's policy ({policy.name}); "
                              "use --lineage NAME for another lineage")
        for given, have, flag in (
            (self.target_psnr_y, policy.target_psnr_y, "--target-psnr"),
            (self.bitrate_factor, policy.bitrate_factor, "--bitrate-factor"),
            (self.ratio_factor, policy.ratio_factor, "--ratio-factor"),
            (self.test_seconds, policy.test_seconds, "--test-seconds"),
            (self.run_seconds, policy.run_seconds, "--run-seconds"),
        ):
            if given is not None and abs(given - have) > 1e-12:
                raise OptionError(f"{flag} {given:g} differs from this lineage's policy ({have:g}); "
                                  "use --lineage NAME for another lineage")


def max_size_option(max_size: str | None) -> tuple[int, int] | None:
    """--max-size WxH as a (width, height), or None where it was not given."""
    try:
        return parse_size(max_size) if max_size else None
    except ValueError as exc:
        raise OptionError(f"--max-size: {exc}") from None


def suite_from_options(inputs: list[str], frames: int | None, max_size: str | None, fps: float | None) -> Suite:
    """The default suite, or exactly the clips given with --input."""
    size = max_size_option(max_size)
    if not inputs:
        return default_suite()
    return load_suite(list(inputs), frames=frames, max_size=size, fps=fps)


def suite_record(suite: Suite, inputs: list[str], frames: int | None, max_size: str | None,
                 fps: float | None) -> dict:
    """What a lineage records of its suite: enough to load the same clips again and check them."""
    return {
        "name": suite.name,
        "hash": suite.content_hash,
        "description": suite.describe(),
        "inputs": [os.path.abspath(p) for p in inputs],
        "options": {"frames": frames, "max_size": max_size, "fps": fps},
    }


def lineage_suite(recorded: dict) -> Suite:
    """The clips a lineage was started with, loaded again and checked against the recorded hash (a lineage
    started on a built-in suite gets that one back, even where today's default is another)."""
    options = recorded.get("options") or {}
    inputs = recorded.get("inputs") or []
    suite = suite_from_options(inputs, options.get("frames"), options.get("max_size"), options.get("fps")) \
        if inputs else named_suite(recorded.get("name"))
    if suite.content_hash != recorded.get("hash"):
        raise SuiteMismatch(
            f"the clips of this lineage changed since it started (suite {recorded.get('name')!r}, "
            f"hash {str(recorded.get('hash'))[:12]} recorded, {suite.content_hash[:12]} now)")
    return suite


def open_lineage(app: CodecLedger, lineage: str, inputs: list[str], frames: int | None, max_size: str | None,
                 fps: float | None, options: PolicyOptions, say: Callable[[str], None],
                 seed_nonce: str | None = None) -> tuple[Lineage, Suite, bool]:
    """(lineage state, suite, started) for `lineage`, starting it when the ledger has none of that name.

    seed_nonce: the material to measure the seed on, where a replay reproduces a recorded lineage."""
    given = suite_from_options(inputs, frames, max_size, fps) if inputs else None
    if app.has_lineage(lineage):
        state = app.lineage(lineage)
        if given is not None and given.content_hash != state.suite.get("hash"):
            raise SuiteMismatch(
                f"lineage {lineage!r} was started on suite {state.suite.get('name')!r} "
                f"(hash {str(state.suite.get('hash'))[:12]}); --input gives {given.name!r} "
                f"(hash {given.content_hash[:12]}); use --lineage NAME for another lineage")
        options.check_against(state.policy_object)
        return state, given or lineage_suite(state.suite), False
    suite = given or default_suite()
    policy = options.policy()
    say(f"🌱 Starting lineage '{lineage}' on suite '{suite.name}' ({suite.content_hash[:12]}): "
        "measuring version 0, the seed...")
    with sandbox_for(policy) as sandbox:
        seed_test = adoption_test(SEED_SOURCE, suite, policy, sandbox=sandbox, nonce=seed_nonce)
    state = app.start_lineage(lineage, suite_record(suite, inputs, frames, max_size, fps), policy, seed_test)
    return state, suite, True
