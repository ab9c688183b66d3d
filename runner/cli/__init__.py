"""The `codec-ledger` command line: the typer app (app.py) and one module per group of commands."""
