"""Help in plain words: typer prints an argument's Python type (`<str>`, `<path>`) beside its name even where the
argument names its value in words (metavar); this makes an argument with a metavar show the metavar alone.

Options need nothing: with a metavar typer shows it instead of the type (runner/cli/options.py sets them).
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument

_typed = TyperArgument.display_type_rich


def _in_words(self: TyperArgument, ctx: Any) -> str | None:
    return None if self.metavar else _typed(self, ctx)


def install() -> None:
    TyperArgument.display_type_rich = _in_words  # type: ignore[method-assign, assignment]
