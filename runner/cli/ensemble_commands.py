"""`codec-ledger ensemble` and `import`: candidates made of, or brought from, codecs already recorded."""

from __future__ import annotations

from typing import Optional

import typer

from domain.pareto import DEFAULT_OBJECTIVES, UnknownObjective
from ledger.store import parse_url, resolve_url
from projections.session import open_session
from runner.cli.options import JsonOption, LedgerOption, LineageOption
from runner.cli.support import CommandError, Narrator, errors, narrator, open_ledger, print_json
from runner.ensemble.build import build_ensemble, submit_ensemble
from runner.ensemble.importing import import_candidates, origins
from runner.ensemble.members import BY_VERSIONS, CHOICES
from runner.evaluation.evaluator import adoption_test, remeasure_incumbent, sandbox_for
from runner.evolution.lineage_setup import PolicyOptions, lineage_suite, open_lineage
from runner.sandbox.validation import validate

ByOption = typer.Option(BY_VERSIONS, "--by", metavar="WHICH",
                        help=f"Which codecs: {' or '.join(CHOICES)} (the latest versions, or "
                             "the Pareto front best on its first objective first).")
ObjectivesOption = typer.Option(",".join(DEFAULT_OBJECTIVES), "--objectives", metavar="NAMES",
                                help="With --by pareto: the front's objectives, comma-separated.")


def ensemble(
    top: int = typer.Option(3, "--top", min=2, max=255, metavar="K", help="How many recorded codecs to compose."),
    by: str = ByOption,
    objectives: str = ObjectivesOption,
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Compose one candidate from the lineage's best K codecs, routed by content, and submit it like any other."""
    say = narrator(quiet=as_json)
    with errors(json_errors=as_json), open_ledger(ledger) as session:
        app = session.app
        state = app.lineage(lineage)
        suite = lineage_suite(state.suite)
        try:
            made = build_ensemble(app, session.view, lineage, suite, top=top, by=by,
                                  objectives=_objectives(objectives))
        except UnknownObjective as exc:
            raise CommandError(f"--objectives: {exc}") from None
        say(f"🧩 {made.describe()}")
        if made.left_out:
            say(f"   left out, so that it fits one candidate's source: {', '.join(sha[:12] for sha in made.left_out)}")
        policy = state.policy_object
        with sandbox_for(policy) as sandbox:
            outcome = submit_ensemble(app, lineage, made, validate=validate,
                                      test=lambda src: adoption_test(src, suite, policy, sandbox=sandbox),
                                      remeasure=lambda src, nonce: remeasure_incumbent(src, suite, policy, nonce),
                                      narration=Narrator(say, file_name="ensemble"))
        session.refresh()
        if as_json:
            print_json(outcome.to_dict() | made.details() | {"left_out": list(made.left_out)})


def import_(
    from_url: str = typer.Option(..., "--from", metavar="LEDGER",
                                 help="The ledger to import from: PATH or postgresql://..."),
    from_lineage: Optional[str] = typer.Option(
        None, "--from-lineage", metavar="NAME",
            help="The lineage to import from (default: the same name as --lineage)."),
    top: int = typer.Option(3, "--top", min=1, metavar="K", help="How many codecs to bring in."),
    by: str = ByOption,
    objectives: str = ObjectivesOption,
    as_json: bool = JsonOption,
    ledger: Optional[str] = LedgerOption,
    lineage: str = LineageOption,
) -> None:
    """Bring another lineage's best (or Pareto) codecs into this lineage as proposals, and re-test them here."""
    say = narrator(quiet=as_json)
    with errors(json_errors=as_json):
        source_store = parse_url(resolve_url(from_url))
        source_lineage = from_lineage or lineage
        here = parse_url(resolve_url(ledger))
        if source_store.display == here.display and source_lineage == lineage:
            raise CommandError(f"lineage {lineage!r} cannot import from itself; give --from-lineage or another --from")
        with open_session(source_store) as source:
            try:
                found = origins(source, source_lineage, top, by, _objectives(objectives))
            except UnknownObjective as exc:
                raise CommandError(f"--objectives: {exc}") from None
            their_suite = source.app.lineage(source_lineage).suite
        if not found:
            raise CommandError(f"lineage {source_lineage!r} of {source_store.display} has no codec that met its target")
        with open_ledger(ledger, create=True) as session:
            app = session.app
            # A lineage new here starts on the clips the source lineage was started on.
            inputs = [] if app.has_lineage(lineage) else list(their_suite.get("inputs") or [])
            options = their_suite.get("options") or {}
            state, suite, _ = open_lineage(app, lineage, inputs, options.get("frames"), options.get("max_size"),
                                           options.get("fps"), PolicyOptions(), say)
            policy = state.policy_object
            say(f"📥 {len(found)} codec(s) from lineage {source_lineage!r} of {source_store.display}")
            with sandbox_for(policy) as sandbox:
                imported = import_candidates(
                    app, lineage, found, validate=validate,
                    test_all=lambda sources: [adoption_test(s, suite, policy, sandbox=sandbox) for s in sources],
                    remeasure=lambda src, nonce: remeasure_incumbent(src, suite, policy, nonce),
                    narration=Narrator(say, file_name="import"))
            session.refresh()
    if as_json:
        print_json({"lineage": lineage, "from": {"ledger": source_store.display, "lineage": source_lineage},
                    "imported": imported})
    else:
        for item in imported:
            origin = item["origin"]
            where = f"v{origin['version']}" if origin["version"] is not None else origin["candidate_id"][:8]
            state_word = "proposed and " + item["status"] if item["new"] else f"already here ({item['status']})"
            say(f"  {origin['sha256'][:12]} ({where} there): {state_word}")


def _objectives(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]
