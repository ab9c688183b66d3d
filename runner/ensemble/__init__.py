"""Ensembles of recorded codecs routed by content, and learning across lineages and ledgers.

`features.py` measures a frame's content (the same function runs on the host and, as source, inside
the ensemble); `routing.py` turns the ledger's per-clip measurements into a routing rule; `compose.py`
writes one candidate module from the members' sources and the rule, with `sharing.py` writing once what
members hold in common; `members.py` picks the members; `build.py` proposes the ensemble with its
members and rule on record and submits it; `streams.py` reads the routing back out of an ensemble's
compressed frames; `importing.py` brings candidates from another lineage or ledger; `warm_start.py`
learns the offline planner's gene weights from another lineage's history.
"""
