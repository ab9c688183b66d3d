"""The `codec-ledger` typer app: every command, in the order `--help` lists them."""

from __future__ import annotations

import typer

from runner.cli import (
    compare_commands,
    dashboard,
    ensemble_commands,
    measure_commands,
    pareto_command,
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
from runner.cli.plain_help import PlainHelpCommand
from runner.cli.usage_errors import JsonUsageErrors

# Plain click help: options with plain-word metavars (runner/cli/options.py), no Python type names
# (runner/cli/plain_help.py); click's usage errors as JSON under --json (runner/cli/usage_errors.py).
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, cls=JsonUsageErrors,
                  help="A self-improving video codec whose whole history is an event-sourced ledger.")
app.callback()(version.main)

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
    app.command(cls=PlainHelpCommand)(command)
app.command(name="import", cls=PlainHelpCommand)(ensemble_commands.import_)
