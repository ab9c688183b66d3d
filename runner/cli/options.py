"""The options several `codec-ledger` commands share, each defined once: its flag, default and help.

A command takes one as a parameter's default, e.g. `frames: Optional[int] = FramesOption`. Where
commands describe an option in words of their own, each wording is defined here, next to the others.
Every option that takes a value names it in a plain word (metavar), never a Python type. The short flags,
one meaning each everywhere: -i --input, -l --lineage, -j --json, -n --iterations, -o --out, -q --quality,
-y --yes, -V --version.
"""

from __future__ import annotations

import typer

# Which ledger and lineage a command works on, and how it answers.
LedgerOption = typer.Option(
    None, "--ledger", metavar="LEDGER",
    help="PATH or postgresql://user@host:port/db (default: $CODEC_LEDGER_URL or ./codec-ledger.db)."
)
LineageOption = typer.Option("default", "--lineage", "-l", metavar="NAME",
                             help="Which lineage (several can share one ledger).")
JSON_FLAGS = ("--json", "-j")  # also read from a command line that click could not parse (runner/cli/usage_errors.py)
JsonOption = typer.Option(False, *JSON_FLAGS, help="Print one JSON document on stdout.")

# The clips to work on: --input, and how much of each input to use.
InputOption = typer.Option(None, "--input", "-i", metavar="PATH",
                           help="A video file or a folder of PNG frames (repeatable).")
LineageInputOption = typer.Option(None, "--input", "-i", metavar="PATH", help="Clips for a new lineage (repeatable).")
SubmitInputOption = typer.Option(
    None, "--input", "-i", metavar="PATH",
    help="Clips for a new lineage (repeatable); must match an existing lineage's."
)
FramesOption = typer.Option(None, "--frames", min=1, metavar="N", help="Use at most N frames of each input.")
MaxSizeOption = typer.Option(None, "--max-size", metavar="WxH", help="Scale inputs down to fit WxH, e.g. 352x288.")
FpsOption = typer.Option(None, "--fps", min=0.001, metavar="FPS", help="Frame rate of PNG folders without fps.txt.")

# `compress` reads one input.
OneClipFramesOption = typer.Option(None, "--frames", min=1, metavar="N", help="Use at most N frames.")
OneClipMaxSizeOption = typer.Option(None, "--max-size", metavar="WxH", help="Scale down to fit WxH.")
OneClipFpsOption = typer.Option(None, "--fps", min=0.001, metavar="FPS",
                                help="Frame rate of a PNG folder without fps.txt.")

# Writing files.
PolicyOption = typer.Option(None, "--policy", metavar="POLICY", help="A new lineage's adoption policy: bd-rate "
                            "(default) or matched-quality. An existing lineage keeps its own.")
YesOption = typer.Option(False, "--yes", "-y", help="Overwrite the output if it exists.")
