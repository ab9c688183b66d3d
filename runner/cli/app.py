"""The `codec-ledger` typer app: every command, in the order `--help` lists them."""

from __future__ import annotations

import typer

from runner.cli import (
    dashboard,
    measure_commands,
    read_commands,
    report_command,
    rescore_command,
    run_commands,
    submit_command,
    time_travel,
)

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="A self-improving video codec whose whole history is an event-sourced ledger.")

COMMANDS = (
    measure_commands.evaluate, measure_commands.baselines,
    submit_command.submit, dashboard.status, read_commands.history, read_commands.why, read_commands.show,
    time_travel.rollback, time_travel.replay, time_travel.export, read_commands.events,
    report_command.report, rescore_command.rescore,
    run_commands.run, run_commands.compress, run_commands.decompress,
)
for command in COMMANDS:
    app.command()(command)
