"""The propose_codec tool and what a reply's call of it holds: analysis, rationale, then code or edits, and notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anthropic.types import ToolParam

TOOL: ToolParam = {
    "name": "propose_codec",
    "description": "Propose the next candidate codec: your analysis of the results so far, the change you are "
                   "making and why, and either edits to the parent's source or the complete source of a new module.",
    "input_schema": {
        "type": "object",
        "properties": {
            "analysis": {"type": "string", "description": "What the results so far show."},
            "rationale": {"type": "string", "description": "The change this candidate makes, in one or two sentences."},
            "edits": {
                "type": "array",
                "description": "Search/replace edits applied in order to the parent's source; each search text must "
                               "match exactly once. Prefer edits to a whole module.",
                "items": {"type": "object", "properties": {"search": {"type": "string"},
                                                           "replace": {"type": "string"}},
                          "required": ["search", "replace"]},
            },
            "code": {"type": "string", "description": "The complete Python module source, only for a structural "
                                                      "change (give either edits or code, not both)."},
            "notes": {"type": "string", "description": "Only when asked: a short summary of what has helped and "
                                                       "what has not so far, for later prompts."},
        },
        "required": ["analysis", "rationale"],
    },
}


@dataclass(frozen=True)
class ToolCall:
    analysis: str
    rationale: str
    code: Any
    edits: Any
    notes: str | None


def tool_call(response: Any) -> tuple[ToolCall | None, str]:
    """The first propose_codec call of a reply (None if it has none) and the reply's text blocks."""
    calls = [block for block in response.content if getattr(block, "type", None) == "tool_use"]
    text = "\n".join(block.text for block in response.content if getattr(block, "type", None) == "text")
    if not calls:
        return None, text
    arguments = calls[0].input if isinstance(calls[0].input, dict) else {}

    def string(key: str) -> str | None:
        value = arguments.get(key)
        return value if isinstance(value, str) else None

    return ToolCall(analysis=string("analysis") or text, rationale=string("rationale") or "",
                    code=arguments.get("code"), edits=arguments.get("edits"), notes=string("notes")), text
