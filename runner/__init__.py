"""Everything that touches processes, files and video, one job per subpackage.

- cli/: the `codec-ledger` typer app, one module per group of commands.
- sandbox/: static validation, the OS-isolated encoder/decoder pipeline, the program inside it.
- evaluation/: clips, quality metrics, measurement, BD-rate, reference codecs, the evaluator.
- planners/: what proposes the next candidate (offline genome, Claude, replay).
- evolution/: the loop, opening a lineage, the candidate lifecycle.
"""
