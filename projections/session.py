"""Opening a ledger with its read models: the application, the view on the same database, kept caught up.

`Session.follow` keeps them caught up while other processes record: on PostgreSQL it wakes on the
NOTIFY the library's insert sends on every write (LISTEN on the events table's channel), on SQLite
it polls; either way it refreshes in batches and yields each new position.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresApplicationRecorder

from ledger.application import CodecLedger
from ledger.errors import StoreError, first_line
from ledger.opening import open_application
from ledger.store import Store, parse_url
from projections.projection import catch_up, rebuild
from projections.view import LedgerView, view_for

FOLLOW_POLL_SECONDS = 1.0
STOP_CHECK_SECONDS = 0.25  # how often a follower woken by notifications looks at its stop


@dataclass
class Session:
    store: Store
    app: CodecLedger
    view: LedgerView

    def refresh(self) -> int:
        """Bring the read models up to the end of the log; returns the position they now stand at."""
        try:
            return catch_up(self.app, self.view)
        except PersistenceError as exc:
            raise StoreError(f"cannot update the read models in {self.store.display}: {first_line(exc)}") from None

    def rebuild(self) -> int:
        return rebuild(self.app, self.view)

    def follow(self, stop: threading.Event, *, poll: float = FOLLOW_POLL_SECONDS) -> Iterator[int]:
        """The read models' position once caught up, then each time new events have been applied, until stop.

        PostgreSQL wakes it as soon as an event is recorded; SQLite has no notification, so it looks every
        poll seconds (on PostgreSQL poll is only a fallback). Setting stop ends it within a fraction of a second.
        """
        with self._wake_ups(stop) as wait:
            position = self.refresh()  # after LISTEN: nothing recorded from here on is missed
            yield position
            while not stop.is_set():
                wait(poll)
                if stop.is_set():
                    return
                now = self.refresh()
                if now > position:
                    position = now
                    yield position

    @contextlib.contextmanager
    def _wake_ups(self, stop: threading.Event) -> Iterator[Callable[[float], None]]:
        """wait(seconds): returns when an event may have been recorded, when stop is set, or after seconds."""
        recorder = self.app.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):

            def look_again(seconds: float) -> None:
                stop.wait(seconds)

            yield look_again
            return
        from psycopg.sql import SQL, Identifier

        with recorder.datastore.get_connection() as conn:
            conn.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))

            def wait(seconds: float) -> None:
                until = time.monotonic() + seconds
                while not stop.is_set() and time.monotonic() < until:
                    for _ in conn.notifies(timeout=min(STOP_CHECK_SECONDS, seconds), stop_after=1):
                        return

            try:
                yield wait
            finally:
                conn.execute("UNLISTEN *")  # the connection goes back to the pool

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_session(url: str | Store, *, create: bool = False, refresh: bool = True) -> Session:
    store = url if isinstance(url, Store) else parse_url(url)
    app = open_application(store, create=create)
    try:
        datastore = app.factory.datastore  # type: ignore[attr-defined]
        view = view_for(datastore, create_table=False)
        if not view.is_current():
            with store.creation_lock():  # rechecked: another opener may have made them while this one waited
                if not view.is_current():
                    view.create_table()  # a new store's
                if not view.is_current():  # tables an earlier version made: replaced, built again from the events
                    view.replace_tables(app.name)
        session = Session(store, app, view)
        if refresh:
            session.refresh()
        return session
    except PersistenceError as exc:
        app.close()
        raise StoreError(f"cannot open ledger {store.display}: {first_line(exc)}") from None
    except BaseException:
        app.close()
        raise

