"""The `claude` planner: asks Claude models, through the anthropic SDK, for the next candidate.

planner.py holds ClaudePlanner; prompt.py the prompt, reply.py the propose_codec tool, edits.py how
edits apply, inspirations.py what is shown beside the parent, pricing.py what calls cost.
"""

from runner.planners.claude.planner import DEFAULT_MODEL, MAX_TOKENS, NOTES_EVERY, ClaudePlanner
from runner.planners.claude.pricing import price_for
from runner.planners.claude.prompt import build_prompt, quoted, system_prompt
from runner.planners.claude.reply import TOOL

__all__ = ["DEFAULT_MODEL", "MAX_TOKENS", "NOTES_EVERY", "TOOL", "ClaudePlanner", "build_prompt", "price_for",
           "quoted", "system_prompt"]
