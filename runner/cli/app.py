"""The `codec-ledger` typer app: every command, in the order `--help` lists them."""

from __future__ import annotations

import typer

from runner.cli import (
    compare_commands,
    dashboard,
    ensemble_commands,
    measure_commands,
    pareto_command,
    plain_help,
    read_commands,
    report_command,
    rescore_command,
    run_commands,
    submit_command,
    time_travel,
    verify_command,
    version,
    worker_command,
)

# Plain click help: options with plain-word metavars (runner/cli/options.py), no Python type names.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="A self-improving video codec whose whole history is an event-sourced ledger.")
app.callback()(version.main)
plain_help.install()

COMMANDS = (
    measure_commands.evaluate, measure_commands.baselines,
    submit_command.submit, dashboard.status, read_commands.history, read_commands.why, read_commands.show,
    compare_commands.diff, compare_commands.compare,
    time_travel.rollback, time_travel.replay, time_travel.export, read_commands.events, pareto_command.pareto,
    ensemble_commands.ensemble,
    report_command.report, rescore_command.rescore, verify_command.verify,
    run_commands.run, run_commands.compress, run_commands.decompress, worker_command.worker,
)
for command in COMMANDS:
    app.command()(command)
app.command(name="import")(ensemble_commands.import_)
