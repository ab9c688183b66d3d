"""The options several `codec-ledger` commands share, each defined once: its flag, default and help.

A command takes one as a parameter's default, e.g. `frames: Optional[int] = FramesOption`. Where
commands describe an option in words of their own, each wording is defined here, next to the others.
"""

from __future__ import annotations

import typer

# Which ledger and lineage a command works on, and how it answers.
LedgerOption = typer.Option(
    None, "--ledger", help="PATH or postgresql://user@host:port/db (default: $CODEC_LEDGER_URL or ./codec-ledger.db)."
)
LineageOption = typer.Option("default", "--lineage", help="Which lineage (several can share one ledger).")
JsonOption = typer.Option(False, "--json", help="Print one JSON document on stdout.")

# The clips to work on: --input, and how much of each input to use.
InputOption = typer.Option(None, "--input", help="A video file or a folder of PNG frames (repeatable).")
LineageInputOption = typer.Option(None, "--input", help="Clips for a new lineage (repeatable).")
SubmitInputOption = typer.Option(
    None, "--input", help="Clips for a new lineage (repeatable); must match an existing lineage's."
)
FramesOption = typer.Option(None, "--frames", min=1, help="Use at most N frames of each input.")
MaxSizeOption = typer.Option(None, "--max-size", help="Scale inputs down to fit WxH, e.g. 352x288.")
FpsOption = typer.Option(None, "--fps", min=0.001, help="Frame rate of PNG folders without fps.txt.")

# `compress` reads one input.
OneClipFramesOption = typer.Option(None, "--frames", min=1, help="Use at most N frames.")
OneClipMaxSizeOption = typer.Option(None, "--max-size", help="Scale down to fit WxH.")
OneClipFpsOption = typer.Option(None, "--fps", min=0.001, help="Frame rate of a PNG folder without fps.txt.")
