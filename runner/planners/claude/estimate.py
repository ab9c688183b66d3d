"""`run --estimate`: what a claude run of N proposals should cost, before any call is made.

Counted from the prompt this lineage would send now (the system prompt, the parent's source, and
`inspirations` programs as large as the parent, each cut where the prompt cuts them), at CHARS_PER_TOKEN.
Typical: the system prompt and the parent are written to the cache once and read afterwards, and a reply
is TYPICAL_OUTPUT_TOKENS (an edits reply; a whole module is ~6-8k); the models share the calls evenly.
Worst: every call writes its whole prompt to the cache and fills max_tokens, on the dearest model.
"""

from __future__ import annotations

from typing import TypedDict

from domain.policy import Policy
from runner.planners.claude.pricing import Usage, cost_usd, tokens_in_text, worst_case_usd
from runner.planners.claude.prompt import INSPIRATION_SOURCE_CHARS, system_prompt

TYPICAL_OUTPUT_TOKENS = 3000


class Estimate(TypedDict):
    proposals: int
    models: list[str]
    prompt_tokens: int  # one call's prompt, as counted here
    cached_tokens: int  # the part the cache keeps between calls (system prompt and parent)
    typical_usd: float
    worst_usd: float


def estimate(parent_source: str, policy: Policy, proposals: int, models: list[str], max_tokens: int,
             inspirations: int) -> Estimate:
    cached = tokens_in_text(system_prompt(policy), parent_source)
    shown = tokens_in_text(parent_source[:INSPIRATION_SOURCE_CHARS]) * inspirations
    variable = shown + 1500  # the record, failures and the ask: about 1500 tokens
    typical = 0.0
    for index in range(proposals):
        model = models[index % len(models)]
        cache = Usage(input=variable, output=TYPICAL_OUTPUT_TOKENS, cache_write=cached if index == 0 else 0,
                      cache_read=0 if index == 0 else cached)
        typical += cost_usd(model, cache)
    worst = max(worst_case_usd(model, cached + variable, max_tokens) for model in models) * proposals
    return Estimate(proposals=proposals, models=list(models), prompt_tokens=cached + variable, cached_tokens=cached,
                    typical_usd=round(typical, 4), worst_usd=round(worst, 4))
