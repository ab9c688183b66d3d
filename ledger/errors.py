"""What goes wrong in the ledger that a user can act on: each carries one line to print."""

from __future__ import annotations

from domain.candidate import CandidateError
from domain.jsonsafe import NotJSONSafe
from domain.lineage import LineageError


class LedgerError(Exception):
    """A failure with a one-line explanation; the ledger is unchanged when one is raised before a write."""


class StoreError(LedgerError):
    """The store cannot be used: a bad URL, PostgreSQL unreachable, a SQLite file locked or not a database."""


class NoLedger(LedgerError):
    """A read on a ledger that has never been written."""


class UnknownLineage(LedgerError):
    pass


class UnknownCandidate(LedgerError):
    pass


class SuiteMismatch(LedgerError):
    """--input describes other clips than the ones the lineage was started with."""


class Busy(LedgerError):
    """Too many concurrent decisions in a row beat this one to the lineage."""


# Everything a command line should turn into a one-line message and a non-zero exit.
USER_ERRORS: tuple[type[Exception], ...] = (LedgerError, LineageError, CandidateError, NotJSONSafe)


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (a driver's error can run to many), or its type's name when empty."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
