"""Which candidate a user names on the command line: a version number, 'best', a sha256 prefix or a candidate id.

A plain number shorter than MIN_PREFIX digits is a version; anything else is matched as a prefix of the
lineage's candidates' sha256 and ids (dashes in an id optional). A prefix that names several sources is an
error listing them; one source tested against several versions names its adopted candidate, else its latest.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.candidate import ADOPTED
from projections.session import Session
from runner.cli.support import CommandError, UsageError

MIN_PREFIX = 4  # shorter hex strings read as version numbers, and match too many candidates to be useful
VERSION_WORDS = ("best", "head", "current")
_HEX = set("0123456789abcdef")


@dataclass(frozen=True)
class Named:
    """A candidate as a command found it."""

    candidate_id: str
    sha256: str
    version: int | None  # the version it became, when adopted
    outcome: str

    @property
    def label(self) -> str:
        return f"v{self.version}" if self.version is not None else f"candidate {self.sha256[:12]}"


def is_version(text: str) -> bool:
    """Whether `text` names a version ('best' or a short number) rather than a candidate."""
    word = text.strip().lower()
    return word in VERSION_WORDS or (word.isdigit() and len(word) < MIN_PREFIX)


def resolve(session: Session, lineage: str, text: str) -> Named:
    """The candidate `text` names in `lineage`; a CommandError (one line) when it names none or several."""
    if is_version(text):
        shown = session.app.show(lineage, text)
        rows = _rows(session, "candidate_id = ?", (shown["candidate_id"],), lineage)
        outcome = rows[0]["outcome"] if rows else ADOPTED  # the seed's row is not always in the view
        return Named(shown["candidate_id"], shown["sha256"], shown["version"], outcome or ADOPTED)
    prefix = text.strip().lower()
    compact = prefix.replace("-", "")
    if len(compact) < MIN_PREFIX or not set(compact) <= _HEX:
        raise UsageError(f"{text!r} is not a version number, 'best', a sha256 prefix or a candidate id "
                           f"(at least {MIN_PREFIX} hex digits)")
    rows = _rows(session, "(sha256 LIKE ? OR REPLACE(candidate_id, '-', '') LIKE ?)",
                 (compact + "%", compact + "%"), lineage)
    if not rows:
        raise CommandError(f"no candidate of lineage '{lineage}' has a sha256 or id starting with {text!r}")
    sources = sorted({row["sha256"] for row in rows})
    if len(sources) > 1:
        listed = ", ".join(f"{sha[:12]} ({_outcome_of(rows, sha)})" for sha in sources[:8])
        more = f" and {len(sources) - 8} more" if len(sources) > 8 else ""
        raise CommandError(f"{text!r} is ambiguous: it matches {listed}{more}; give more digits")
    row = next((r for r in rows if r["outcome"] == ADOPTED), rows[-1])
    return Named(row["candidate_id"], row["sha256"], row["version"], row["outcome"] or "pending")


def _rows(session: Session, where: str, params: tuple, lineage: str) -> list[dict]:
    return session.view.fetch(
        "SELECT candidate_id, sha256, version, outcome FROM {p}cl_candidates WHERE lineage = ? AND " + where
        + " ORDER BY position", (lineage, *params))


def _outcome_of(rows: list[dict], sha256: str) -> str:
    return next(r["outcome"] or "pending" for r in reversed(rows) if r["sha256"] == sha256)
