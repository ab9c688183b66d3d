"""`codec-ledger --version`: the installed package's version, then exit."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

import typer

PACKAGE = "codec-ledger"


def show_version(asked: bool) -> None:
    if not asked:
        return
    try:
        number = package_version(PACKAGE)
    except PackageNotFoundError:  # run from a checkout that was never installed
        number = "unknown (not installed)"
    print(f"{PACKAGE} {number}")
    raise typer.Exit(0)


VersionOption = typer.Option(False, "--version", "-V", callback=show_version, is_eager=True,
                             help="Print the version and exit.")


def main(version: bool = VersionOption) -> None:
    """A self-improving video codec whose whole history is an event-sourced ledger."""
