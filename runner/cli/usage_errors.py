"""click's own usage errors (an unknown option, a missing argument, a value of the wrong kind) in the project's
shape: with --json on the command line, the JSON error object on stdout that every command prints; without it,
click's usual message on stderr. Exit code 2 either way.

click raises these while it parses, before any command has read its --json, so the command line's own words
say whether JSON was asked for. The hook is typer's documented one: the app's group class (`Typer(cls=...)`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from runner.cli.options import JSON_FLAGS
from runner.cli.support import EXIT_USAGE, fail

_ASKED = "codec_ledger.json_errors"  # in ctx.meta, which every command's context shares with the group's


def asks_for_json(args: Sequence[str]) -> bool:
    """Whether a command line holds --json (or -j) among its options (not after `--`)."""
    for arg in args:
        if arg == "--":
            return False
        if arg in JSON_FLAGS:
            return True
    return False


@contextlib.contextmanager
def _usage_errors(as_json: bool) -> Iterator[None]:
    try:
        yield
    except typer.TyperException as error:  # click's exceptions; a usage error is one with click's exit code 2
        if not as_json or getattr(error, "exit_code", None) != EXIT_USAGE:
            raise
        ctx = getattr(error, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        fail(f"{error.format_message().rstrip('.')}{hint}", as_json=True, code=EXIT_USAGE)


class JsonUsageErrors(TyperGroup):
    """The app's group: its own parse, and every command's (they happen in its invoke), under _usage_errors."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        as_json = asks_for_json(args)
        with _usage_errors(as_json):
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        ctx.meta[_ASKED] = as_json
        return ctx

    def invoke(self, ctx: Any) -> Any:
        with _usage_errors(bool(ctx.meta.get(_ASKED))):
            return super().invoke(ctx)
