"""Where the ledger lives: a SQLite file (the default) or a PostgreSQL database, picked by URL.

Turns `--ledger PATH|postgresql://user[:password]@host[:port]/db[?schema=NAME]` (or
CODEC_LEDGER_URL, or ./codec-ledger.db) into eventsourcing's persistence environment, and
checks, before anything is written, that the store can be reached and whether its tables exist.
Opening the application on it is ledger/opening.py's job.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import StoreError, first_line

ENV_URL = "CODEC_LEDGER_URL"
DEFAULT_URL = "./codec-ledger.db"
APP_NAME = "CodecLedger"  # also the PostgreSQL table prefix: codecledger_events, codecledger_snapshots
SQLITE_TABLES = ("stored_events", "stored_snapshots")
POSTGRES_TABLES = tuple(f"{APP_NAME.lower()}_{table}" for table in ("events", "snapshots"))
DEFAULT_LOCK_TIMEOUT = 5  # seconds SQLite waits on a locked file before a write gives up
DEFAULT_LOCK_RETRIES = 3  # and how many times such a write is tried
_SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
CREATION_LOCK_WAIT = 120  # seconds an opener waits for another one creating the same store's tables


@dataclass(frozen=True)
class Store:
    """A parsed ledger URL: which persistence module, and the environment that configures it."""

    url: str
    kind: str  # "sqlite" | "postgres"
    env: dict = field(default_factory=dict)  # without CREATE_TABLE
    display: str = ""  # the URL without its password, for messages
    path: str = ""  # sqlite only
    schema: str = "public"  # postgres only
    lock_timeout: int = DEFAULT_LOCK_TIMEOUT
    lock_retries: int = DEFAULT_LOCK_RETRIES

    def app_env(self, create_table: bool = False) -> dict:
        return {**self.env, "CREATE_TABLE": "y" if create_table else "n"}

    # ---------------------------------------------------------------- reachability and tables

    def check_reachable(self) -> None:
        """Fail fast with one line when the store cannot be used at all."""
        if self.kind == "sqlite":
            folder = os.path.dirname(os.path.abspath(self.path))
            if self.path != ":memory:" and not os.path.isdir(folder):
                raise StoreError(f"cannot open ledger {self.display}: folder {folder} does not exist")
            if os.path.isdir(self.path):
                raise StoreError(f"cannot open ledger {self.display}: it is a folder")
            return
        import psycopg

        try:
            with psycopg.connect(connect_timeout=5, **self._pg_kwargs()):
                pass
        except psycopg.Error as exc:
            raise StoreError(f"cannot reach PostgreSQL at {self.display}: {first_line(exc)}") from None

    def tables_exist(self) -> bool:
        if self.kind == "sqlite":
            if self.path == ":memory:" or not os.path.exists(self.path):
                return False
            try:
                read_only = f"file:{os.path.abspath(self.path)}?mode=ro"
                with sqlite3.connect(read_only, uri=True, timeout=self.lock_timeout) as conn:
                    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"cannot open ledger {self.display}: {exc}") from None
            return all(t in names for t in SQLITE_TABLES)
        import psycopg

        try:
            with psycopg.connect(connect_timeout=5, **self._pg_kwargs()) as conn:
                rows = [
                    conn.execute("SELECT to_regclass(%s)", (f'"{self.schema}".{t}',)).fetchone()
                    for t in POSTGRES_TABLES
                ]
        except psycopg.Error as exc:
            raise StoreError(f"cannot use PostgreSQL at {self.display}: {first_line(exc)}") from None
        return all(row is not None and row[0] for row in rows)  # to_regclass: NULL for a missing table

    @contextlib.contextmanager
    def creation_lock(self) -> Iterator[None]:
        """One opener at a time creates this store's tables.

        PostgreSQL's CREATE TABLE/TYPE IF NOT EXISTS are not safe against each other: two processes
        creating the same tables at once make the second fail on pg_type_typname_nsp_index. A session
        advisory lock, keyed by the schema, serialises them; it goes with the connection, so a killed
        opener releases it. SQLite serialises DDL on its file lock already.
        """
        if self.kind != "postgres":
            yield
            return
        import psycopg

        key = int.from_bytes(hashlib.sha256(f"codec-ledger tables {self.schema}".encode()).digest()[:8], "big",
                             signed=True)
        try:
            conn = psycopg.connect(connect_timeout=5, autocommit=True, **self._pg_kwargs())
        except psycopg.Error as exc:
            raise StoreError(f"cannot reach PostgreSQL at {self.display}: {first_line(exc)}") from None
        with conn:
            try:
                conn.execute(f"SET lock_timeout = '{CREATION_LOCK_WAIT}s'")
                conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            except psycopg.Error as exc:
                raise StoreError(f"cannot create the ledger's tables at {self.display}: {first_line(exc)}") from None
            yield  # the lock is released when the connection closes

    def ensure_schema(self) -> None:
        if self.kind != "postgres" or self.schema == "public":
            return
        import psycopg

        try:
            with psycopg.connect(connect_timeout=5, autocommit=True, **self._pg_kwargs()) as conn:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        except psycopg.errors.UniqueViolation:
            pass  # created concurrently
        except psycopg.Error as exc:
            raise StoreError(f"cannot create schema {self.schema} at {self.display}: {exc}") from None

    def _pg_kwargs(self) -> dict:
        e = self.env
        return {
            "host": e["POSTGRES_HOST"],
            "port": e["POSTGRES_PORT"],
            "user": e["POSTGRES_USER"],
            "password": e["POSTGRES_PASSWORD"] or None,
            "dbname": e["POSTGRES_DBNAME"],
        }


def resolve_url(value: str | None = None) -> str:
    """--ledger if given, else CODEC_LEDGER_URL, else ./codec-ledger.db."""
    return value or os.environ.get(ENV_URL) or DEFAULT_URL


def parse_url(url: str, *, lock_timeout: int | None = None, lock_retries: int | None = None) -> Store:
    """A Store for a path or a postgresql:// URL; a one-line StoreError for anything else."""
    url = (url or "").strip()
    if not url:
        raise StoreError("empty ledger URL")
    if lock_timeout is None:
        lock_timeout = int(os.environ.get("CODEC_LEDGER_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT))
    if lock_retries is None:
        lock_retries = int(os.environ.get("CODEC_LEDGER_LOCK_RETRIES", DEFAULT_LOCK_RETRIES))
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("postgresql", "postgres"):
        return _parse_postgres(url, lock_timeout, lock_retries)
    if scheme == "sqlite":
        path = url.split("://", 1)[1]  # sqlite:///abs/path or sqlite://relative/path
    elif scheme:
        raise StoreError(f"unsupported ledger URL {url!r}: use a file path or postgresql://user@host:port/db")
    else:
        path = url
    if not path:
        raise StoreError(f"ledger URL {url!r} names no file")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": path,
        "SQLITE_LOCK_TIMEOUT": str(lock_timeout),
    }
    return Store(url=url, kind="sqlite", env=env, display=path, path=path, lock_timeout=lock_timeout,
                 lock_retries=lock_retries)


def _parse_postgres(url: str, lock_timeout: int, lock_retries: int) -> Store:
    try:
        parts = urlsplit(url)
        port = parts.port or 5432
    except ValueError as exc:
        raise StoreError(f"bad PostgreSQL URL {url!r}: {exc}") from None
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or "/" in dbname:
        raise StoreError(f"bad PostgreSQL URL {url!r}: expected postgresql://user@host:port/database")
    query = parse_qs(parts.query)
    unknown = set(query) - {"schema"}
    if unknown:
        raise StoreError(f"bad PostgreSQL URL {url!r}: unknown parameter {sorted(unknown)[0]!r} (only 'schema')")
    schema = (query.get("schema") or ["public"])[0]
    if not _SCHEMA_RE.match(schema):
        raise StoreError(f"bad PostgreSQL URL {url!r}: schema {schema!r} is not a plain identifier")
    user = unquote(parts.username) if parts.username else getpass.getuser()
    password = unquote(parts.password) if parts.password else ""
    host = parts.hostname or "localhost"
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": password,
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "4",
        "POSTGRES_LOCK_TIMEOUT": str(max(lock_timeout * lock_retries, 1)),
        "POSTGRES_SCHEMA": schema,
    }
    display = f"postgresql://{user}@{host}:{port}/{dbname}" + (f"?schema={schema}" if schema != "public" else "")
    return Store(url=url, kind="postgres", env=env, display=display, schema=schema, lock_timeout=lock_timeout,
                 lock_retries=lock_retries)
