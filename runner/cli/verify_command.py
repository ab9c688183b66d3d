"""`codec-ledger verify`: is the ledger as it was written? The chain, the sources, the snapshots (ledger/verify.py)."""

from __future__ import annotations

from typing import Optional

import typer

from ledger.opening import open_application
from ledger.store import parse_url, resolve_url
from ledger.verify import Finding, check_ledger
from runner.cli.options import JsonOption, LedgerOption
from runner.cli.support import EXIT_FAILED, errors, narrator, print_json


def verify(as_json: bool = JsonOption, ledger: Optional[str] = LedgerOption) -> None:
    """Check every event's chain link, every source's sha256 and every snapshot; exit 1 naming the first
    event that does not match."""
    say = narrator(quiet=as_json)
    with errors(json_errors=as_json):
        store = parse_url(resolve_url(ledger))
        app = open_application(store, create=False)  # the raw log only: the read models may be what was changed
        try:
            report = check_ledger(app)
        finally:
            app.close()
    if as_json:
        print_json(report)
    else:
        say(f"🔎 {store.display}: {report['events']} events of {report['aggregates']} aggregates, "
            f"{report['sources']} sources, {report['snapshots']} snapshots checked")
        if report["unchained"]:
            start = report["chain_starts_at"]
            since = f"the chain starts at position {start}" if start else "none is chained"
            say(f"   {report['unchained']} events were stored before the chain existed ({since}): not verifiable")
        if report["ok"]:
            say(f"✅ intact; digest {report['digest']} (keep it elsewhere to compare later)")
        else:
            first = report["first"]
            assert first is not None
            say(f"💥 tampered: {describe(first)}")
            for other in report["findings"][1:]:
                say(f"   also: {describe(other)}")
    if not report["ok"]:
        raise typer.Exit(EXIT_FAILED)


def describe(finding: Finding) -> str:
    where = [] if finding["position"] is None else [f"position {finding['position']}"]
    if finding["type"]:
        where.append(finding["type"])
    if finding["originator_id"]:
        where.append(f"{finding['originator_id']} v{finding['originator_version']}")
    return (f"{', '.join(where)}: " if where else "") + finding["problem"]
