"""Reading the application's notification log in pages of plain rows, for the projection.

A row is (position, originator_id, originator_version, topic, state), with the originator id
as the text of its UUID. On SQLite a page is one query on the events table returning plain
tuples: the library's select_notifications builds a sqlite3.Row, a UUID and a Notification
for every event, which nearly doubled the time to read a page. Other recorders
(PostgreSQL) are read through select_notifications. A page is read whole, in its own read
transaction, so the caller can write while it works through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from eventsourcing.sqlite import SQLiteApplicationRecorder

Row = tuple[int, str, int, str, bytes]


def read_page(app: Application, start: int, limit: int, stop: int | None, topics: Sequence[str]) -> list[Row]:
    """Up to `limit` rows of these topics from position `start` (up to `stop`), in order."""
    recorder = app.recorder
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite_page(recorder, start, limit, stop, topics)
    notifications = recorder.select_notifications(start=start, limit=limit, stop=stop, topics=topics)
    return [(n.id, str(n.originator_id), n.originator_version, n.topic, n.state) for n in notifications]


def notification(row: Row) -> Notification:
    """The library's notification of a row, for its mapper."""
    position, originator_id, version, topic, state = row
    return Notification(
        id=position, originator_id=UUID(originator_id), originator_version=version, topic=topic, state=state
    )


def _sqlite_page(
    recorder: SQLiteApplicationRecorder, start: int, limit: int, stop: int | None, topics: Sequence[str]
) -> list[Row]:
    table = recorder.events_table_name
    sql = f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} WHERE rowid >= ?"
    params: list = [start]
    if stop is not None:
        sql += " AND rowid <= ?"
        params.append(stop)
    if topics:
        sql += f" AND topic IN ({', '.join('?' * len(topics))})"
        params += topics
    sql += " ORDER BY rowid LIMIT ?"
    params.append(limit)
    with recorder.datastore.transaction(commit=False) as curs:
        cursor = curs.sqlite_cursor
        cursor.row_factory = None  # plain tuples
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if recorder.datastore.originator_id_type != "uuid":
        return rows
    return [(position, _dashed(hex_id), version, topic, state) for position, hex_id, version, topic, state in rows]


def _dashed(hex_id: str) -> str:
    """str(UUID(hex_id)) for the 32 lowercase hex digits the library stores, without building a UUID."""
    if len(hex_id) != 32:
        return str(UUID(hex_id))
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"
