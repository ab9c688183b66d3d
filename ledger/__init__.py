"""The event-sourced ledger: the CodecLedger application and where it is stored.

- application.py: CodecLedger (eventsourcing Application). Commands: start_lineage,
  record_analysis, propose, reject, record_test, decide, submit (all of them in one call),
  rollback. Queries: lineage (at any version), candidate, source, show, why, stored_events.
- store.py: --ledger / CODEC_LEDGER_URL -> persistence settings (SQLite file or PostgreSQL),
  reachability checks, tables created once (open_application).
- outcomes.py: what submit and rollback report. errors.py: one-line user errors.
"""
