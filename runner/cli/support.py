"""What the `codec-ledger` command modules share: how a command fails, opens the ledger and prints.

A command does its work inside `errors()`, so that every expected failure is one line on stderr (or, with
--json, a JSON error object on stdout) and exit code 1, never a traceback; a long one also inside
`stop_on_signals()`, so that SIGTERM and SIGINT unwind it (every `with` closes what it opened) and end it
with one line. Narrator prints what `submit` and `run` tell as candidates go through their lifecycle.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import typer
from eventsourcing.persistence import PersistenceError
from rich.console import Console

from domain.candidate import ADOPTED, Candidate
from domain.records import DecisionRecord, StallRecord
from domain.verdict import OK
from ledger.errors import USER_ERRORS, first_line
from ledger.store import parse_url, resolve_url
from projections.session import Session, open_session
from projections.state import NotInView
from runner.cli.formatting import metrics_line
from runner.evolution.narration import Narration
from runner.evolution.outcome import SubmitOutcome, bitrate_saving

Say = Callable[[str], None]

console = Console()
err_console = Console(stderr=True)  # errors and rejections


class CommandError(Exception):
    """A one-line failure raised inside a command."""


class UsageError(CommandError):
    """A command line that cannot mean anything (an unknown --format, a malformed value): exit code 2."""


# The exit codes every command keeps to (the README's table).
EXIT_OK = 0
EXIT_FAILED = 1  # the operation failed: bad input, an unreachable ledger, a codec that could not run
EXIT_USAGE = 2  # the command line itself is wrong (click's own code for usage errors)
EXIT_NOT_ADOPTED = 3  # `submit`: the candidate was recorded but not adopted (rejected, declined, a duplicate)


def fail(message: str, *, as_json: bool = False, code: int = EXIT_FAILED) -> NoReturn:
    """One line on stderr (with as_json, {"error": ..., "exit_code": ...} on stdout instead), exit code 1 or code."""
    if as_json:
        print_json({"error": message, "exit_code": code})
    else:
        print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


@contextlib.contextmanager
def errors(*, json_errors: bool = False) -> Iterator[None]:
    """Turn every expected failure into one line on stderr (or a JSON error object on stdout, for a command
    run with --json) and exit code 1."""
    from runner.evaluation.clips import InputError

    one_line: tuple[type[Exception], ...] = (CommandError, NotInView, InputError, *USER_ERRORS)
    try:
        yield
    except typer.Exit:
        raise
    except UsageError as exc:
        fail(first_line(exc), as_json=json_errors, code=EXIT_USAGE)
    except one_line as exc:
        fail(first_line(exc), as_json=json_errors)
    except PersistenceError as exc:
        fail(f"ledger store error: {first_line(exc)}", as_json=json_errors)
    except OSError as exc:
        fail(first_line(exc), as_json=json_errors)


class Stopped(BaseException):
    """SIGTERM or SIGINT arrived. A BaseException, like KeyboardInterrupt, so that no `except Exception`
    on the way takes it for a failure of the work it interrupted."""

    def __init__(self, signum: int):
        self.signal = signal.Signals(signum)
        super().__init__(self.signal.name)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def stop_on_signals(what: str, then: str) -> Iterator[None]:
    """SIGTERM and SIGINT raise Stopped in the main thread, wherever it is; once all has unwound, one line
    saying that `what` was stopped and what `then`, and the exit code a shell gives a process the signal
    ended (128 + it). A second signal, while it unwinds, ends the process at once."""

    def stop(signum: int, frame: object) -> None:
        for each in STOP_SIGNALS:
            signal.signal(each, signal.SIG_DFL)
        raise Stopped(signum)

    previous = {each: signal.signal(each, stop) for each in STOP_SIGNALS}
    try:
        yield
    except Stopped as stopped:
        print(f"error: {what} was stopped by {stopped.signal.name}; {then}", file=sys.stderr)
        raise typer.Exit(128 + stopped.signal.value) from None
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


def open_ledger(ledger: str | None, *, create: bool = False) -> Session:
    """The ledger that --ledger names (or $CODEC_LEDGER_URL, or ./codec-ledger.db) with its read models."""
    return open_session(parse_url(resolve_url(ledger)), create=create)


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, allow_nan=False, default=str) + "\n")


def narrator(quiet: bool = False, *, to: Console | None = None) -> Say:
    """`say(text)`: a line of progress on the console (or `to`), or nothing where the command prints JSON
    instead. Lines are printed as plain text: they quote reasons and messages that candidate code or a model
    wrote, whose brackets must never be read as markup."""
    if quiet:
        return lambda text: None
    out = to or console
    return lambda text: out.print(text, markup=False, highlight=False, soft_wrap=True)


def read_candidate(path: Path) -> str:
    """A candidate codec's source text."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read candidate '{path}': {getattr(exc, 'strerror', None) or exc}") from None


class Narrator(Narration):
    """The lines `submit` and `run` print as candidates go through their lifecycle.

    `submit` takes one candidate, named by its file; `run` takes a round of several at once, so
    there the lines that could belong to any of them name the candidate by its short sha256.
    """

    def __init__(self, say: Say, *, file_name: str | None = None, complain: Say | None = None):
        """complain: where a rejection and a "not adopted" go (`submit`: stderr); say's stream by default."""
        self.say, self.file_name = say, file_name
        self.complain = complain or say

    def evaluating(self, candidate: Candidate) -> None:
        short = candidate.sha256[:12]
        against = f"against version {candidate.parent_version}"
        if self.file_name:
            self.say(f"🧬 Evaluating {self.file_name} (sha256 {short}) {against}...")
        else:  # a planner's candidate: what it says it changed
            why = f": {candidate.rationale}" if candidate.rationale else ""
            self.say(f"🧬 Evaluating candidate {short} from {candidate.planner} {against}{why}")

    def reused(self, candidate: Candidate, earlier: Candidate) -> None:
        name = self.file_name or f"candidate {candidate.sha256[:12]}"
        self.say(f"🧬 {name}: this source was tested before (candidate {str(earlier.id)[:8]}); reusing its result")

    def rejected(self, candidate: Candidate) -> None:
        self.complain(f"🚫 Rejected by validation{self._which(candidate)}: {'; '.join(candidate.reasons)}")
        self.complain("❌ Not adopted")

    def remeasuring(self, candidate: Candidate, version: int) -> None:
        self.say(f"⚖️  Close to version {version}{self._which(candidate)}: measuring version {version} again on "
                 "the same frames before deciding")

    def decided(self, candidate: Candidate) -> None:
        decision: DecisionRecord | dict[str, Any] = candidate.decision or {}
        metrics = decision.get("candidate_metrics")
        verdict = (metrics.get("verdict") if metrics else None) or {}
        if verdict.get("category") not in (None, OK):
            where = f" at frame {verdict['frame']}" if verdict.get("frame") is not None else ""
            self.say(f"💥 Test {verdict.get('category')}{where}{self._which(candidate)}: {verdict.get('message')}")
        self.say(f"📊 Metrics{self._which(candidate)}: {metrics_line(metrics)}")
        reason = decision.get("reason", "")
        if candidate.status != ADOPTED:
            self.complain(f"❌ Not adopted: {_without(reason, 'declined: ')}")
            return
        saving = bitrate_saving(decision)
        better = f"Better by {100 * saving:.1f}%" if saving is not None and saving > 0 else "Better"
        self.say(f"🎯 {better} than version {decision.get('against')} (rule: {decision.get('rule')})")
        self.say(f"💾 Saved version {decision.get('version')}")
        self.say(f"🎉 Adopted as the new best: {_without(reason, 'adopted: ')}")

    def duplicate(self, outcome: SubmitOutcome) -> None:
        self.say(f"♻️  Duplicate, not tested again: {outcome.reason}")
        earlier = outcome.duplicate_of or {}
        if earlier.get("reason") and earlier["reason"] not in outcome.reason:
            self.say(f"   {earlier['reason']}")

    def resuming(self, count: int) -> None:
        self.say(f"↩️  Resuming: {count} candidate(s) left unfinished by an interrupted run")

    def no_candidate(self, planner: str, iteration: int, error: str | None) -> None:
        self.say(f"💥 {planner} iteration {iteration}: no candidate ({error})")

    def already_decided(self, planner: str, candidate: Candidate) -> None:
        self.say(f"♻️  {planner} proposed a candidate already decided ({candidate.status}); skipped")

    def stalled(self, stall: StallRecord) -> None:
        self.say(f"⚠️  Stall ({stall['kind']}): {stall['message']}; recorded in the ledger")

    def _which(self, candidate: Candidate) -> str:
        return "" if self.file_name else f" ({candidate.sha256[:12]})"


def _without(text: str, prefix: str) -> str:
    return text[len(prefix):] if text.startswith(prefix) else text
