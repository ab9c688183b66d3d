"""The offline planner: a genome of real codec building blocks, rendered to candidate source."""
