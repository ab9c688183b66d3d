"""What the `codec-ledger` command modules share: how a command fails, opens the ledger and prints.

A command does its work inside `errors()`, so that every expected failure is one line on stderr and
exit code 1, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn

import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console

from ledger.errors import USER_ERRORS
from ledger.store import parse_url, resolve_url
from projections.session import Session, open_session
from projections.state import NotInView

console = Console()


class CommandError(Exception):
    """A one-line failure raised inside a command."""


def fail(message: str) -> NoReturn:
    """One line on stderr, exit code 1."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(1)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextlib.contextmanager
def errors() -> Iterator[None]:
    """Turn every expected failure into one line on stderr and exit code 1."""
    from runner.evaluation.clips import InputError

    try:
        yield
    except typer.Exit:
        raise
    except (CommandError, NotInView, InputError, *USER_ERRORS) as exc:
        fail(first_line(exc))
    except PersistenceError as exc:
        fail(f"ledger store error: {first_line(exc)}")
    except OSError as exc:
        fail(first_line(exc))


def open_ledger(ledger: str | None, *, create: bool = False) -> Session:
    """The ledger that --ledger names (or $CODEC_LEDGER_URL, or ./codec-ledger.db) with its read models."""
    return open_session(parse_url(resolve_url(ledger)), create=create)


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, allow_nan=False, default=str) + "\n")


def narrator(quiet: bool = False, *, markup: bool | None = None) -> Callable[[str], None]:
    """`say(text)`: a line of progress on the console, or nothing where the command prints JSON instead."""
    if quiet:
        return lambda text: None
    return lambda text: console.print(text, markup=markup, highlight=False, soft_wrap=True)


def read_candidate(path: Path) -> str:
    """A candidate codec's source text."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read candidate '{path}': {getattr(exc, 'strerror', None) or exc}") from None
