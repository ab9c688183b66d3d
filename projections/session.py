"""Opening a ledger with its read models: the application, the view on the same database, kept caught up."""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.persistence import PersistenceError

from ledger.application import CodecLedger
from ledger.errors import StoreError, first_line
from ledger.opening import open_application
from ledger.store import Store, parse_url
from projections.projection import catch_up, rebuild
from projections.view import LedgerView, view_for


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
            view.create_table()  # a new store's
            if not view.is_current():  # tables an earlier version made: replaced, and built again from the events
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

