"""`run --estimate`: the claude planner's cost for this many proposals, printed before anything is spent."""

from __future__ import annotations

from domain.policy import Policy
from domain.seed import SEED_SOURCE
from ledger.errors import USER_ERRORS
from runner.cli.support import console, open_ledger, print_json
from runner.planners.claude import DEFAULT_MODEL, MAX_TOKENS
from runner.planners.claude.estimate import estimate
from runner.planners.claude.inspirations import DEFAULT_INSPIRATIONS


def print_estimate(models: list[str], iterations: int, ledger: str | None, lineage: str, as_json: bool) -> None:
    """From the lineage's current best where the ledger has one, else from the seed; no key, no call."""
    parent, policy, where = SEED_SOURCE, Policy(), "the seed (no such lineage yet)"
    try:
        with open_ledger(ledger) as session:
            shown = session.app.show(lineage, "best")
            parent, policy = shown["source"], session.app.lineage(lineage).policy_object
            where = f"version {shown['version']} of lineage {lineage!r}"
    except USER_ERRORS:
        pass
    figures = estimate(parent, policy, iterations, models or [DEFAULT_MODEL], MAX_TOKENS, DEFAULT_INSPIRATIONS)
    if as_json:
        print_json(dict(figures) | {"parent": where, "estimate": True})
        return
    console.print(
        f"Estimate for {iterations} claude proposals from {where} with {', '.join(figures['models'])}: "
        f"about ${figures['typical_usd']:.2f} (prompts of ~{figures['prompt_tokens']} tokens, "
        f"{figures['cached_tokens']} of them cached; edits replies of ~3000 tokens), at most "
        f"${figures['worst_usd']:.2f} (every call writing the cache and filling {MAX_TOKENS} output tokens). "
        "Counted from characters, not by the API: an estimate.", markup=False, highlight=False, soft_wrap=True)
