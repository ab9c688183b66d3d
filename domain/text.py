"""Text that came from outside (a candidate's exception, a model's reply) made safe to keep and show.

Candidate code controls its exception messages, and a model controls its reply: either could carry
terminal escape sequences, bidirectional overrides or other invisible characters meant to mislead
whoever reads the record. They are replaced on the way in, so the ledger never stores them; markup is
never interpreted on the way out (the command line prints such text as plain text).
"""

from __future__ import annotations

import unicodedata

REPLACEMENT = "\ufffd"
# Control, format (bidi overrides, zero-width), private-use, surrogate and unassigned characters,
# and the line and paragraph separators.
_HIDDEN = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


def plain_text(text: object, *, one_line: bool = True, limit: int | None = None) -> str:
    """str(text) with every hidden character replaced; tabs and newlines become spaces when one_line,
    and stay otherwise. Cut to `limit` characters (with an ellipsis) where one is given."""
    kept = []
    for char in str(text):
        if char in "\n\t":
            kept.append(" " if one_line else char)
        elif unicodedata.category(char) in _HIDDEN:
            kept.append(REPLACEMENT)
        else:
            kept.append(char)
    out = "".join(kept)
    if limit is not None and len(out) > limit:
        out = out[: max(limit - 1, 0)] + "…"
    return out
