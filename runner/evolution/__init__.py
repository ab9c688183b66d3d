"""Evolution: the loop, opening a lineage, and the lifecycle every candidate goes through."""
