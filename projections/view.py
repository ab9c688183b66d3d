"""The read models' tables, and the tracking recorders that write them with their tracking record.

One materialised view (an eventsourcing TrackingRecorder) holds every read model's table.
A batch of row changes and the tracking record of the last event it covers are written in
one transaction, so each event is applied exactly once, and a view that crashed half-way
simply resumes after its tracking position. SQLite and PostgreSQL share the SQL; only the
placeholder style, the table prefix (schema) and the recorder base class differ.

A view whose tables lack a column this version writes (one made by an earlier version) is
replaced by empty current tables and built again from the events: the view is a cache of the log.

The tables are temporal enough to answer "as of notification position P" by filtering:
each row carries the position of the event that created it, and the position of the later
event that completed it (decided_position).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

TEXT, INT, FLOAT = "TEXT", "BIGINT", "DOUBLE PRECISION"

# table -> (primary key columns, [(column, type)])
TABLES: dict[str, tuple[tuple[str, ...], list[tuple[str, str]]]] = {
    "cl_lineages": (
        ("lineage",),
        [("lineage", TEXT), ("lineage_id", TEXT), ("position", INT), ("started_at", TEXT), ("suite", TEXT),
         ("policy", TEXT)],
    ),
    "cl_candidates": (
        ("candidate_id",),
        [
            ("candidate_id", TEXT), ("lineage", TEXT), ("position", INT), ("proposed_at", TEXT), ("planner", TEXT),
            ("model", TEXT), ("analysis_id", TEXT), ("sha256", TEXT), ("parent_version", INT), ("rationale", TEXT),
            ("verdict", TEXT), ("verdict_message", TEXT), ("quality", INT), ("kbps", FLOAT), ("mbps_30fps", FLOAT),
            ("ratio", FLOAT), ("bpp", FLOAT), ("bytes", INT),
            ("psnr_y", FLOAT), ("psnr_bgr", FLOAT), ("ssim_y", FLOAT), ("encode_fps", FLOAT), ("decode_fps", FLOAT),
            ("success", INT),
            ("decided_position", INT), ("decided_at", TEXT), ("decision", TEXT), ("outcome", TEXT), ("version", INT),
            ("tested_against", INT), ("rule", TEXT), ("reason", TEXT),
        ],
    ),
    "cl_versions": (
        ("lineage", "version"),
        [
            ("lineage", TEXT), ("version", INT), ("position", INT), ("adopted_at", TEXT), ("candidate_id", TEXT),
            ("sha256", TEXT), ("incumbent_version", INT), ("rule", TEXT), ("reason", TEXT), ("metrics", TEXT),
            ("incumbent_metrics", TEXT), ("policy", TEXT),
        ],
    ),
    "cl_best": (
        ("lineage", "position"),
        [("lineage", TEXT), ("position", INT), ("at", TEXT), ("version", INT), ("sha256", TEXT), ("cause", TEXT),
         ("reason", TEXT)],
    ),
    "cl_analyses": (
        ("analysis_id",),
        [
            ("analysis_id", TEXT), ("lineage", TEXT), ("position", INT), ("recorded_at", TEXT), ("planner", TEXT),
            ("model", TEXT), ("tokens_in", INT), ("tokens_out", INT), ("cost_usd", FLOAT),
        ],
    ),
    "cl_rescores": (
        ("candidate_id", "position"),
        [
            ("candidate_id", TEXT), ("lineage", TEXT), ("position", INT), ("at", TEXT), ("evaluator", TEXT),
            ("reproduced", INT), ("verdict", TEXT), ("quality", INT), ("kbps", FLOAT), ("psnr_y", FLOAT),
        ],
    ),
    "cl_stalls": (
        ("lineage", "position"),
        [("lineage", TEXT), ("position", INT), ("at", TEXT), ("kind", TEXT), ("message", TEXT),
         ("since_position", INT), ("candidates", TEXT)],
    ),
}
INDEXES = {
    "cl_candidates_by_lineage": ("cl_candidates", ("lineage", "position")),
    "cl_analyses_by_lineage": ("cl_analyses", ("lineage", "position")),
}
COLUMNS = {table: [c for c, _ in cols] for table, (_, cols) in TABLES.items()}
JSON_COLUMNS = {"suite", "policy", "metrics", "incumbent_metrics", "candidates"}

Changes = dict[str, dict[tuple, dict[str, Any]]]  # table -> primary key -> full row


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def ddl(prefix: str) -> list[str]:
    statements = []
    for table, (pk, cols) in TABLES.items():
        body = ", ".join(f"{c} {t}" for c, t in cols)
        statements.append(f"CREATE TABLE IF NOT EXISTS {prefix}{table} ({body}, PRIMARY KEY ({', '.join(pk)}))")
    for name, (table, indexed) in INDEXES.items():
        statements.append(f"CREATE INDEX IF NOT EXISTS {name} ON {prefix}{table} ({', '.join(indexed)})")
    return statements


def upsert_sql(prefix: str, table: str, mark: str) -> str:
    pk, _ = TABLES[table]
    cols = COLUMNS[table]
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in pk)
    return (
        f"INSERT INTO {prefix}{table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))}) "
        f"ON CONFLICT ({', '.join(pk)}) DO UPDATE SET {updates}"
    )


class LedgerView(TrackingRecorder, ABC):
    """The interface the projection writes through and the queries read through.

    SQL given to fetch() is written with `?` placeholders and `{p}` before each table name.
    """

    prefix: str = ""
    mark: str = "?"

    def sql(self, text: str) -> str:
        text = text.replace("{p}", self.prefix)
        return text if self.mark == "?" else text.replace("?", self.mark)

    def _upserts(self) -> dict[str, str]:
        return {table: upsert_sql(self.prefix, table, self.mark) for table in TABLES}

    @abstractmethod
    def create_table(self) -> None:
        """Create the tracking table and the read models' tables where they do not exist yet."""

    @abstractmethod
    def write(self, changes: Changes, tracking: Tracking | None) -> None:
        """Upsert the rows and record the tracking, in one transaction."""

    @abstractmethod
    def fetch(self, sql: str, params: tuple | list = ()) -> list[dict]:
        """Rows of a read query as dicts."""

    @abstractmethod
    def reset(self, application_name: str) -> None:
        """Empty every table and forget the tracking position: the start of a rebuild."""

    @abstractmethod
    def replace_tables(self, application_name: str) -> None:
        """Drop the read models' tables, create them as this version defines them, and forget the tracking."""

    @abstractmethod
    def columns_of(self, table: str) -> set[str]:
        """The columns a table has in the database; none where it does not exist."""

    @property
    @abstractmethod
    def tracking_table(self) -> str:
        """The name of the table that holds the tracking records."""

    def is_current(self) -> bool:
        """Whether the tracking table and every read model's table exist, with every column this version writes.

        Read from the database's catalogue, so that an error reading it is raised, never taken for an old view.
        """
        return bool(self.columns_of(self.tracking_table)) and all(
            set(COLUMNS[table]) <= self.columns_of(table) for table in TABLES
        )

    def row(self, table: str, key: tuple) -> dict | None:
        pk, _ = TABLES[table]
        where = " AND ".join(f"{c} = ?" for c in pk)
        rows = self.fetch(f"SELECT * FROM {{p}}{table} WHERE {where}", key)
        return rows[0] if rows else None

    def dump(self) -> dict[str, list[dict]]:
        """Every row of every table, in key order: what two views are compared by."""
        out = {}
        for table, (pk, _) in TABLES.items():
            out[table] = self.fetch(f"SELECT * FROM {{p}}{table} ORDER BY {', '.join(pk)}")
        return out


def _params(table: str, rows: dict[tuple, dict]) -> list[tuple]:
    cols = COLUMNS[table]
    return [tuple(map(row.get, cols)) for row in rows.values()]


class SQLiteLedgerView(SQLiteTrackingRecorder, LedgerView):
    tracking_table = "tracking"

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        self.upserts = self._upserts()

    def columns_of(self, table: str) -> set[str]:
        return {row["name"] for row in self.fetch(f"PRAGMA table_info({table})")}

    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + ddl("")

    def write(self, changes: Changes, tracking: Tracking | None) -> None:
        with self.datastore.transaction(commit=True) as c:
            for table, rows in changes.items():
                if rows:
                    c.executemany(self.upserts[table], _params(table, rows))
            if tracking is not None:
                self._insert_tracking(c, tracking)

    def fetch(self, sql: str, params: tuple | list = ()) -> list[dict]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql(sql), tuple(params))
            return [dict(r) for r in c.fetchall()]

    def reset(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            for table in TABLES:
                c.execute(f"DELETE FROM {table}")
            c.execute(f"DELETE FROM {self.tracking_table} WHERE application_name = ?", (application_name,))

    def replace_tables(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            for table in TABLES:
                c.execute(f"DROP TABLE IF EXISTS {table}")
        self.create_table()
        self.reset(application_name)


class PostgresLedgerView(PostgresTrackingRecorder, LedgerView):
    mark = "%s"

    def __init__(self, datastore: PostgresDatastore, tracking_table_name: str = "ledger_view_tracking", **kwargs: Any):
        from psycopg.sql import SQL, Composed

        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        self.prefix = f'"{datastore.schema}".'
        self.sql_create_statements.extend(Composed([SQL(s)]) for s in ddl(self.prefix))
        self.upserts = self._upserts()

    @property
    def tracking_table(self) -> str:
        return self.tracking_table_name

    def columns_of(self, table: str) -> set[str]:
        rows = self.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            (self.datastore.schema, table),
        )
        return {row["column_name"] for row in rows}

    def write(self, changes: Changes, tracking: Tracking | None) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for table, rows in changes.items():
                if rows:
                    curs.executemany(self.upserts[table], _params(table, rows))
            if tracking is not None:
                self._insert_tracking(curs, tracking)

    def fetch(self, sql: str, params: tuple | list = ()) -> list[dict]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql(sql), tuple(params))
            return [dict(r) for r in curs.fetchall()]

    def reset(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for table in TABLES:
                curs.execute(f"DELETE FROM {self.prefix}{table}")
            curs.execute(
                f'DELETE FROM {self.prefix}"{self.tracking_table_name}" WHERE application_name = %s',
                (application_name,),
            )

    def replace_tables(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for table in TABLES:
                curs.execute(f"DROP TABLE IF EXISTS {self.prefix}{table}")
        self.create_table()
        self.reset(application_name)


def view_for(datastore: Any, *, create_table: bool) -> LedgerView:
    """The view on the same database (and connection pool) as an application's event store."""
    if isinstance(datastore, SQLiteDatastore):
        view: LedgerView = SQLiteLedgerView(datastore)
    elif isinstance(datastore, PostgresDatastore):
        view = PostgresLedgerView(datastore)
    else:
        raise TypeError(f"no ledger view for a {type(datastore).__name__}")
    if create_table:
        view.create_table()
    return view


def memory_view(name: str) -> SQLiteLedgerView:
    """A private in-memory view, for rebuilding from nothing and comparing."""
    view = SQLiteLedgerView(SQLiteDatastore(f"file:{name}?mode=memory&cache=shared"))
    view.create_table()
    return view
