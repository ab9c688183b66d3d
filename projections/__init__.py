"""Read models rebuilt from the ledger's events, and their exporters.

- view.py: the tables and the tracking recorders (SQLite, PostgreSQL) that write them.
- projection.py: LedgerProjection (how events change the tables), catch_up, rebuild, build_as_of.
- current_best.py, history.py, adoption_rate.py, cost.py: one read model each, as of any position.
- asof.py: positions of versions. state.py: status / replay (all read models together).
- export.py: JSON and CSV. session.py: a ledger opened with its read models caught up.
"""
