"""The event-sourced ledger: the CodecLedger application and where it is stored.

- application.py: CodecLedger (eventsourcing Application), its commands: start_lineage,
  record_analysis, record_proposal, propose, reject, record_test, decide, rollback.
- queries.py: its queries: lineage (at any version), candidate, earlier_test, source, show, why,
  stored_events. event_log.py: reading the raw log (EVENT_TYPES, events as JSON-safe dicts).
- store.py: --ledger / CODEC_LEDGER_URL -> persistence settings (SQLite file or PostgreSQL),
  reachability checks. opening.py: the application on a store, tables created once.
- outcomes.py: what rollback reports. errors.py: one-line user errors.
"""
