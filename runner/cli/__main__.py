"""`python -m runner.cli`: the same as the `codec-ledger` console script."""

from runner.cli.app import app

app(prog_name="codec-ledger")
