"""Opening the CodecLedger application on a store, creating the store's tables the first time (one opener at a
time: see Store.creation_lock)."""

from __future__ import annotations

from eventsourcing.persistence import PersistenceError

from ledger.application import CodecLedger
from ledger.errors import NoLedger, StoreError, first_line
from ledger.store import Store


def open_application(store: Store, *, create: bool) -> CodecLedger:
    """The CodecLedger on this store, with CREATE_TABLE off.

    The tables are created once, here, when create is true and they do not exist yet;
    without create, a store that has no ledger yet is a NoLedger error (and stays untouched).
    """
    store.check_reachable()
    try:
        if not store.tables_exist():
            if not create:
                raise NoLedger(f"no ledger at {store.display} yet (submit a candidate to start one)")
            with store.creation_lock():
                if not store.tables_exist():  # another opener may have created them while this one waited
                    store.ensure_schema()
                    CodecLedger(store.app_env(create_table=True), lock_retries=store.lock_retries).close()
        return CodecLedger(store.app_env(create_table=False), lock_retries=store.lock_retries)
    except PersistenceError as exc:
        raise StoreError(f"cannot open ledger {store.display}: {first_line(exc)}") from None
