"""ClaudePlanner: one call of a Claude model per proposal, through the anthropic SDK.

Per call it picks the model (domain/bandit.py, from what the ledger recorded), the inspirations
(inspirations.py), builds the cached prompt (prompt.py), and reads the propose_codec call (reply.py):
edits are applied to the parent (edits.py), and a program equal to one already tested is a duplicate.
What was shown and chosen goes into the proposal's details, recorded with its analysis. A reply that
is malformed, cut off or unusable becomes a Proposal with an error, never an exception; API errors are
retried by the SDK itself and then reported the same way. `propose` may run in several threads at once:
the budget is kept under a lock, each call reserving its worst case until its cost is known. The API key
is read by the SDK from ANTHROPIC_API_KEY (and the address from ANTHROPIC_BASE_URL) and never passes here.
"""

from __future__ import annotations

import threading
from typing import Any

import anthropic
from anthropic.types import MessageParam, TextBlockParam

from domain.bandit import Arm, choose, scores
from domain.ids import sha256_of
from domain.normalised import normal_sha256
from domain.text import plain_text
from runner.planners.base import PlannerContext, PlannerFailed, PlannerStopped, Proposal
from runner.planners.claude import inspirations as inspiration_choice
from runner.planners.claude.edits import EditFailed, apply_edits
from runner.planners.claude.pricing import Usage, cost_usd, tokens_in_text, worst_case_usd
from runner.planners.claude.prompt import CACHED, message_blocks, system_prompt
from runner.planners.claude.reply import TOOL, tool_call
from runner.sandbox.validation import MAX_SOURCE_BYTES

DEFAULT_MODEL = "claude-sonnet-5-5"
MAX_TOKENS = 16000
NOTES_EVERY = 10  # candidates between two requests for notes


class ClaudePlanner:
    name = "claude"

    def __init__(self, model: str | list[str] = DEFAULT_MODEL, client: anthropic.Anthropic | None = None,
                 max_tokens: int = MAX_TOKENS, budget_usd: float | None = None,
                 inspirations: int = inspiration_choice.DEFAULT_INSPIRATIONS, notes_every: int = NOTES_EVERY):
        self.models = [model] if isinstance(model, str) else list(dict.fromkeys(model))
        if not self.models:
            raise PlannerFailed("the claude planner needs at least one --model")
        self.model = self.models[0]
        self.max_tokens, self.budget_usd = max_tokens, budget_usd
        self.inspirations, self.notes_every = inspirations, notes_every
        self.spent_usd = 0.0
        self._reserved_usd = 0.0
        self._lock = threading.Lock()
        self._normal: dict[str, str | None] = {}  # sha256 -> normal form's sha256, computed once per source
        if client is None:
            try:
                client = anthropic.Anthropic(max_retries=4, timeout=300.0)
            except anthropic.AnthropicError as error:
                raise PlannerFailed(f"the claude planner needs ANTHROPIC_API_KEY: {error}") from None
            # The SDK only notices a missing key at the first request, deep in a traceback.
            if client.api_key is None and client.auth_token is None and client.credentials is None:
                raise PlannerFailed("the claude planner needs ANTHROPIC_API_KEY, which is not set")
        self.client = client

    def propose(self, context: PlannerContext) -> Proposal:
        model, bandit = self._choose_model(context)
        shown = inspiration_choice.choose(context, self.inspirations)
        notes_due = self.notes_every > 0 and context.iteration > 0 and context.iteration % self.notes_every == 0
        system = system_prompt(context.policy)
        blocks = message_blocks(context, shown, notes_due)
        details: dict[str, Any] = {
            "arm": model, "bandit": bandit,
            "parent": {"version": context.best_version, "sha256": context.best_sha256},
            "inspirations": [dict(item) for item in shown],
        }
        reserved = self._reserve(model, system, blocks)
        messages: list[MessageParam] = [{"role": "user", "content": blocks}]
        try:
            response = self.client.messages.create(
                model=model, max_tokens=self.max_tokens,
                system=[TextBlockParam(type="text", text=system, cache_control=CACHED)], tools=[TOOL],
                tool_choice={"type": "tool", "name": TOOL["name"]},
                messages=messages,
            )
        except anthropic.AuthenticationError as error:
            raise PlannerFailed(f"the API refused the key ({error.status_code}); check ANTHROPIC_API_KEY") from None
        except anthropic.APIStatusError as error:
            return self._failed(model, details, f"API error {error.status_code} after retries: {_message(error)}")
        except anthropic.APIConnectionError as error:  # includes timeouts
            return self._failed(model, details, f"API unreachable after retries: {type(error).__name__}")
        finally:
            with self._lock:
                self._reserved_usd -= reserved
        return self._read(response, model, context, details)

    # --- cost

    def _choose_model(self, context: PlannerContext) -> tuple[str, dict[str, float]]:
        if len(self.models) == 1:
            return self.model, {}
        arms = {model: {"proposals": 0, "cost": 0.0, "gain": 0.0} for model in self.models}
        for record in context.analyses:
            arm = arms.get(str(record["details"].get("arm")))
            if record["planner"] != self.name or arm is None:
                continue
            arm["proposals"] += 1
            arm["cost"] += record["cost_usd"]
            entry = context.feedback.get(record["details"].get("sha256") or "")
            if entry is not None and entry["version"] is not None and entry["saved_percent"] is not None:
                arm["gain"] += max(entry["saved_percent"], 0.0)
        bandit = [Arm(model, int(a["proposals"]), a["cost"], a["gain"]) for model, a in arms.items()]
        return choose(bandit), scores(bandit)

    def _reserve(self, model: str, system: str, blocks: list[TextBlockParam]) -> float:
        """Reserve this call's worst case against the budget, or stop the run before making it."""
        worst = worst_case_usd(model, tokens_in_text(system, *(block["text"] for block in blocks)), self.max_tokens)
        with self._lock:
            if self.budget_usd is not None:
                committed = self.spent_usd + self._reserved_usd
                if committed + worst > self.budget_usd:
                    raise PlannerStopped(
                        f"budget: ${self.spent_usd:.4f} spent (${self._reserved_usd:.4f} more in flight) of "
                        f"${self.budget_usd:.2f}; the next call could cost up to ${worst:.4f}, so the run stops here")
            self._reserved_usd += worst
        return worst

    def _failed(self, model: str, details: dict, error: str) -> Proposal:
        return Proposal(planner=self.name, analysis="", source=None, rationale="", model=model, error=error,
                        details=details | {"error": error})

    # --- the reply

    def _read(self, response: Any, model: str, context: PlannerContext, details: dict) -> Proposal:
        usage = Usage.of(response.usage)
        cost = cost_usd(model, usage)
        with self._lock:
            self.spent_usd += cost
        details |= {"cache_write_tokens": usage.cache_write, "cache_read_tokens": usage.cache_read}
        accounting: dict[str, Any] = dict(planner=self.name, model=response.model or model, tokens_in=usage.all_input,
                          tokens_out=usage.output, cost_usd=round(cost, 6))
        call, text = tool_call(response)
        if call is None:
            error: str | None = "the reply held no propose_codec call"
            return Proposal(analysis=plain_text(text, one_line=False, limit=20000), source=None, rationale="",
                            error=error, details=details | {"error": error}, **accounting)
        if call.notes:
            details["notes"] = plain_text(call.notes, one_line=False, limit=4000)
        source, error = self._source(call, response.stop_reason, usage, context, details)
        if error is not None:
            details["error"] = error
        return Proposal(analysis=plain_text(call.analysis, one_line=False, limit=20000),
                        source=None if error else source, rationale=plain_text(call.rationale, limit=2000),
                        error=error, details=details, **accounting)

    def _source(self, call: Any, stop_reason: str | None, usage: Usage, context: PlannerContext,
                details: dict) -> tuple[str | None, str | None]:
        """The candidate's full source, or why there is none (details gain the edits and any duplicate)."""
        if stop_reason == "max_tokens":
            return None, f"the reply was cut off at {usage.output} tokens"
        has_code = isinstance(call.code, str) and bool(call.code.strip())
        if has_code and call.edits:
            return None, "the reply gave both code and edits; give one"
        if call.edits is not None and not has_code:
            details["mode"] = "edits"
            details["edits"] = call.edits if isinstance(call.edits, list) else None
            try:
                source = apply_edits(context.best_source, call.edits)
            except EditFailed as failed:
                return None, f"the edits do not apply to version {context.best_version}: {failed}"
        elif has_code:
            details["mode"] = "code"
            source = call.code
        else:
            return None, "the reply held no code (neither `code` nor `edits`)"
        size = len(source.encode("utf-8", "replace"))
        if size > MAX_SOURCE_BYTES:
            return None, f"the code is {size} bytes; the limit is {MAX_SOURCE_BYTES}"
        details["sha256"] = sha256_of(source)
        duplicate = self._duplicate_of(source, context)
        if duplicate is not None:
            details["duplicate_of"] = duplicate
            return None, (f"a duplicate of {duplicate[:10]}, already proposed (the same program up to comments, "
                          "docstrings and layout): not tested")
        return source, None

    def _duplicate_of(self, source: str, context: PlannerContext) -> str | None:
        mine = normal_sha256(source)
        if mine is None:  # does not parse: validation will say why
            return None
        for sha, known in context.sources.items():
            if sha not in self._normal:
                self._normal[sha] = normal_sha256(known)
            if self._normal[sha] == mine:
                return sha
        return None


def _message(error: anthropic.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    detail = body.get("error", {}).get("message") if isinstance(body.get("error"), dict) else None
    return (detail or str(error))[:300]
