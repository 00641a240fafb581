"""Engine and sessions for SQLite and PostgreSQL, and migration to head on start.

SQLite needs care to be safe with several processes (docs/architecture.md §The database): WAL
so readers never block the writer, ``synchronous=FULL`` so an issued letter survives a power
cut, a busy timeout, and
``BEGIN IMMEDIATE`` for every transaction that writes, so that two "call next" presses never
read the same row and then both upgrade to a write.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from station.store.errors import (
    DISK_FULL,
    DISK_FULL_MESSAGE,
    READ_ONLY,
    READ_ONLY_MESSAGE,
    DatabaseBusy,
    DatabaseUnavailable,
    StationError,
)
from station.store.write_lock import WriteLock

if TYPE_CHECKING:  # alembic is imported where it is used: opening a home needs none of it
    from alembic.config import Config as AlembicConfig

BUSY_TIMEOUT_MS = 10_000
BUSY_TIMEOUT_ENV = "STATION_SQLITE_BUSY_TIMEOUT_MS"  # tests (and odd sites) may shorten it
SQLITE_CACHE_KIB = 65_536  # 64 MiB per connection: the register's indexes stay in memory
_MIGRATION_LOCK_KEY = 5371031010  # PostgreSQL advisory lock id for migrations


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def busy_timeout_ms() -> int:
    """How long a SQLite writer waits for another's lock before giving up (milliseconds):
    ``$STATION_SQLITE_BUSY_TIMEOUT_MS`` when set to a positive number, else 10 s."""
    value = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else BUSY_TIMEOUT_MS


_LOCK_SQLSTATES = {"40P01", "40001", "55P03"}  # deadlock, serialization, lock not available
_DISK_FULL_SQLSTATES = {"53100"}  # disk_full
_READ_ONLY_SQLSTATES = {"25006"}  # read_only_sql_transaction (a standby, a read-only server)


def database_trouble(exc: BaseException) -> StationError | None:
    """The refusal for ``exc`` when it is the database being busy (locked past the busy
    timeout, deadlock, serialization failure: :class:`DatabaseBusy`), or unable to do the
    work (server down or restarting, connection lost, disk full, read-only file:
    :class:`DatabaseUnavailable`); else None: any other database error is a bug to show as
    it is, not to disguise.

    ``Database.read()`` / ``.write()`` apply it, so every face (CLI, operator app, kiosk,
    verification page) says something a person can act on instead of a driver traceback.
    """
    if not isinstance(exc, DBAPIError):
        return None
    text_ = str(exc.orig).lower()
    sqlstate = getattr(exc.orig, "sqlstate", None)
    sqlite_name = getattr(exc.orig, "sqlite_errorname", "")
    if (
        sqlstate in _LOCK_SQLSTATES
        or "database is locked" in text_
        or "database table is locked" in text_
    ):
        return DatabaseBusy()
    if sqlstate in _DISK_FULL_SQLSTATES or sqlite_name == "SQLITE_FULL" or _disk_full(text_):
        return DatabaseUnavailable(DISK_FULL_MESSAGE, DISK_FULL)
    if (
        sqlstate in _READ_ONLY_SQLSTATES
        or sqlite_name.startswith("SQLITE_READONLY")
        or "readonly database" in text_
    ):
        return DatabaseUnavailable(READ_ONLY_MESSAGE, READ_ONLY)
    if exc.connection_invalidated or _connection_error(text_):
        return DatabaseUnavailable()
    return None


@contextmanager
def translated() -> Iterator[None]:
    """Turn database trouble (:func:`database_trouble`) into its StationError; any other
    error passes unchanged."""
    try:
        yield
    except DBAPIError as exc:
        trouble = database_trouble(exc)
        if trouble is None:
            raise
        raise trouble from exc


def _disk_full(text_: str) -> bool:
    return "database or disk is full" in text_ or "no space left on device" in text_


def _connection_error(text_: str) -> bool:
    return any(
        part in text_
        for part in (
            "connection refused",
            "server closed the connection",
            "terminating connection",
            "connection is closed",
            "the database system is starting up",
            "the database system is shutting down",
            "connection to server",  # psycopg: "connection to server on socket ... failed"
            "could not connect",
        )
    )


def _install_sqlite_behaviour(engine: Engine) -> None:
    """Pragmas on every connection; our own BEGIN so writers can ask for IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms() / 1000}, **kwargs)
        _install_sqlite_behaviour(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """One database of the station: read sessions and write sessions over one pool."""

    def __init__(self, url: str, *, migrate: bool = True, channel: str | None = None) -> None:
        self.url = url
        # the face that opened this database (``station.store.audit.CHANNELS``); every write
        # session carries it to the audit trail
        self.channel = channel
        if is_sqlite(url):
            _ensure_sqlite_dir(url)
        self.engine = make_engine(url)
        # SQLite: writers queue on an OS file lock instead of SQLite's polling busy handler
        # (station.store.write_lock, docs/architecture.md §The database).
        self.write_lock = WriteLock.for_url(url) if is_sqlite(url) else None
        self.write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False)
        if migrate:
            with translated():
                migrate_to_head(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # The one transaction boundary: database trouble leaves read() and write() as
    # DatabaseBusy / DatabaseUnavailable (station.store.errors), never as a driver error.

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; on SQLite it never takes the write lock."""
        with translated(), self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that writes: committed on success, rolled back on any error.
        Database trouble ends as DatabaseBusy (nothing written; may be retried) or
        DatabaseUnavailable."""
        if self.write_lock is None:
            with translated(), self._writer() as session, session.begin():
                self._name_channel(session)
                yield session
            return
        with self._fair_turn(), translated(), self._writer() as session, session.begin():
            self._name_channel(session)
            yield session

    def _name_channel(self, session: Session) -> None:
        """The audit names the face that wrote (station.store.audit.record reads it)."""
        if self.channel is not None:
            session.info["channel"] = self.channel

    @contextmanager
    def _fair_turn(self) -> Iterator[None]:
        """This writer's turn on the file lock, waiting at most the busy timeout."""
        assert self.write_lock is not None
        with self.write_lock.held(busy_timeout_ms() / 1000):  # WriteLockTimeout: DatabaseBusy
            yield

    def dispose(self) -> None:
        self.engine.dispose()


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if path.startswith("file:"):  # a URI filename (``sqlite:///file:/path?mode=ro&uri=true``)
        path = path.removeprefix("file:")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


NAME_SEARCH_OBJECTS = ("resident_fts", "ix_resident_search_text")
# PostgreSQL-only objects of the city's row security (migration 0011, station.store.rowsecurity).
CITY_SECURITY_OBJECTS = ("office_role", "ix_city_")  # ix_city_: the city report's (0012)


def include_in_autogenerate(name: str | None, type_: str, parent_names: Any) -> bool:
    """Leave the database-specific full-text index (migration 0001) and the city's role map
    (migration 0011) out of model comparison."""
    return not (name or "").startswith(NAME_SEARCH_OBJECTS + CITY_SECURITY_OBJECTS)


def migrations_dir() -> Path:
    """The Alembic folder: the ``station.migrations`` package of an installed wheel or an
    editable install (pyproject.toml's ``package-dir``), else, in a checkout imported as is
    (the tests import the package from the repository), ``migrations/`` beside ``station/``."""
    spec = importlib.util.find_spec("station.migrations")
    candidates = list(spec.submodule_search_locations or []) if spec is not None else []
    candidates.append(str(Path(__file__).resolve().parents[2] / "migrations"))
    for candidate in map(Path, candidates):
        if (candidate / "env.py").exists():
            return candidate
    raise RuntimeError("migrations folder not found; the installation is incomplete")


def alembic_config(url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def declared_head() -> str | None:
    """The head revision read from the migration files' own ``revision``/``down_revision``
    lines, without importing Alembic (~0.1 s of every start; see
    docs/architecture.md §The database); None whenever that is not plain (a file without
    them, several heads), and then :func:`head_revision` decides."""
    folder = migrations_dir() / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        if path.name == "__init__.py":
            continue
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found:
            return None
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found["down_revision"])
        except (ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, (tuple, list)):
            parents.update(str(d) for d in down)
        elif down is not None:
            return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


def _stored_revisions(engine: Engine) -> list[str] | None:
    """The ``alembic_version`` rows, read plainly; None when there is no such table."""
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:
        return None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate_to_head(url: str) -> bool:
    """Bring the schema to head; returns True when something was applied.

    Uses its own engine without our pragmas: SQLite batch migrations need foreign keys off,
    which cannot change inside a transaction. Concurrent starters are serialised by
    ``BEGIN IMMEDIATE`` (SQLite) or an advisory lock (PostgreSQL); the second finds head.
    The first look at the revision is a plain read: every start of every process makes it,
    and it must not queue behind (or fail on) another process's write lock.
    """
    engine = create_engine(url, poolclass=NullPool)
    if is_sqlite(url):

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
            dbapi_connection.execute("PRAGMA journal_mode = WAL")

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

    try:
        # The common case, at every start: the database is at the head the files declare,
        # checked without Alembic. Anything else goes the whole way below.
        declared = declared_head()
        if declared is not None and _stored_revisions(engine) == [declared]:
            return False
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        head = head_revision()
        if current_revision(engine) == head:
            return False
        with engine.connect() as conn, conn.execution_options(sqlite_begin="IMMEDIATE").begin():
            if not is_sqlite(url):
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            if MigrationContext.configure(conn).get_current_revision() == head:
                return False
            config = alembic_config(url)
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        return True
    finally:
        engine.dispose()


def bulk_insert(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    constants: dict[str, Any] | None = None,
) -> None:
    """Insert many rows through the driver's executemany, with SQLAlchemy's own type processors.

    Stores exactly what a Core insert stores, without Core's per-row bookkeeping, which is
    over half the cost of a million-row register import. All rows must have the same keys;
    ``constants`` are values shared by every row, converted once.
    """
    if not rows:
        return
    dialect = connection.dialect

    def processor(key: str) -> Any:
        return table.c[key].type.dialect_impl(dialect).bind_processor(dialect)

    fixed: dict[str, Any] = {}
    for key, value in (constants or {}).items():
        convert = processor(key)
        fixed[key] = convert(value) if convert else value
    keys = [*rows[0], *fixed]
    processors = {key: None if key in fixed else processor(key) for key in keys}
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    params: list[Any] = []
    if compiled.positional:
        order = list(compiled.positiontup or ())
        getter = itemgetter(*order)
        active: list[tuple[int, Callable[[Any], Any]]] = [
            (i, p) for i, key in enumerate(order) if (p := processors[key]) is not None
        ]
        for row in rows:
            if fixed:
                row.update(fixed)
            values = getter(row)
            if len(order) == 1:
                values = (values,)
            if active:
                converted = list(values)
                for index, convert in active:
                    converted[index] = convert(converted[index])
                values = tuple(converted)
            params.append(values)
    else:
        active_named = [(key, p) for key, p in processors.items() if p is not None]
        for row in rows:
            item = {**row, **fixed}
            for key, convert in active_named:
                item[key] = convert(item[key])
            params.append(item)
    connection.exec_driver_sql(compiled.string, params)
