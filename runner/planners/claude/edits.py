"""A reply's edits applied to its parent's source: each search text must match exactly once, in order."""

from __future__ import annotations

from domain.text import plain_text


class EditFailed(ValueError):
    """An edit that cannot be applied; its message is shown to the model in the next prompt."""


def apply_edits(source: str, edits: object) -> str:
    """source with each {"search", "replace"} applied in turn; EditFailed naming the first edit that cannot be."""
    if not isinstance(edits, list) or not edits:
        raise EditFailed("`edits` must be a non-empty list of {search, replace} objects")
    for number, edit in enumerate(edits, 1):
        where = f"edit {number} of {len(edits)}"
        if not isinstance(edit, dict) or not isinstance(edit.get("search"), str) or \
                not isinstance(edit.get("replace"), str):
            raise EditFailed(f"{where} is not a {{search, replace}} object of two strings")
        search, replace = edit["search"], edit["replace"]
        if not search:
            raise EditFailed(f"{where} has an empty search text")
        first = source.find(search)
        if first < 0:
            raise EditFailed(f"{where}: its search text is not in the source ({_shown(search)})")
        if source.find(search, first + 1) >= 0:
            raise EditFailed(f"{where}: its search text matches more than once ({_shown(search)}); "
                             "include more context so that it matches exactly once")
        source = source[:first] + replace + source[first + len(search):]
    return source


def _shown(search: str) -> str:
    return f"it begins {plain_text(search, limit=60)!r}"
