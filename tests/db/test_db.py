"""The database layer: migrations match the models, pragmas hold, writers serialise."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from station.store.db import (
    Database,
    current_revision,
    declared_head,
    head_revision,
    include_in_autogenerate,
    migrate_to_head,
)
from station.store.models import Base, Office


def test_migrations_match_models(db_url: str) -> None:
    """Autogenerate against a freshly migrated database finds nothing to do."""
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_in_autogenerate}
            )
            assert compare_metadata(context, Base.metadata) == []
        assert current_revision(db.engine) == head_revision()
    finally:
        db.dispose()


def test_migrate_is_idempotent(db_url: str) -> None:
    assert migrate_to_head(db_url) is True
    assert migrate_to_head(db_url) is False
    engine = create_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_a_start_on_a_database_at_head_imports_no_alembic(db_url: str) -> None:
    """Every start of every face checks the revision; at head it does so from the migration
    files' own lines, without importing Alembic (~0.1 s of the box's 1 s start)."""
    assert declared_head() == head_revision()
    Database(db_url).dispose()  # migrated here
    code = (
        "import sys\nfrom station.store.db import Database\n"
        "Database(sys.argv[1]).dispose()\nprint(sorted(m for m in sys.modules if 'alembic' in m))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, db_url], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_sqlite_pragmas(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        with db.read() as session:
            pragma = {
                name: session.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
    finally:
        db.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 2,  # FULL
        "busy_timeout": 10_000,
    }


def test_sqlite_write_takes_the_lock_at_begin(sqlite_url: str) -> None:
    """A write transaction holds the write lock from its first statement (BEGIN IMMEDIATE):
    a second writer cannot start, even though the first has only read so far."""
    first = Database(sqlite_url)
    second = Database(sqlite_url, migrate=False)
    second_engine = create_engine(sqlite_url, connect_args={"timeout": 0.2})
    try:
        with first.write() as session:
            session.execute(select(Office.id)).all()  # only a read so far
            with second_engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout = 200")
                with pytest.raises(Exception, match="locked"):
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
            # readers are not blocked by the writer (WAL)
            with second.read() as reader:
                assert reader.execute(select(Office.id)).all() == []
    finally:
        second_engine.dispose()
        first.dispose()
        second.dispose()


def test_write_rolls_back_on_error(db_url: str) -> None:
    db = Database(db_url)
    try:
        with pytest.raises(RuntimeError), db.write() as session:
            session.add(
                Office(
                    code="53.71.03.1010",
                    name="Oesapa",
                    kecamatan="Kelapa Lima",
                    kota="Kota Kupang",
                    provinsi="Nusa Tenggara Timur",
                    unit_code="KEL.OSP",
                )
            )
            session.flush()
            raise RuntimeError("crash mid-transaction")
        with db.read() as session:
            assert session.scalars(select(Office)).all() == []
    finally:
        db.dispose()


def test_times_round_trip_as_utc(db_url: str) -> None:
    from station.store.models import AuditEvent

    db = Database(db_url)
    makassar = dt.timezone(dt.timedelta(hours=8))
    local = dt.datetime(2026, 8, 17, 9, 30, 15, 123456, tzinfo=makassar)
    try:
        with db.write() as session:
            office = Office(
                code="53.71.03.1010",
                name="Oesapa",
                kecamatan="Kelapa Lima",
                kota="Kota Kupang",
                provinsi="Nusa Tenggara Timur",
                unit_code="KEL.OSP",
            )
            session.add(office)
            session.flush()
            session.add(
                AuditEvent(office_id=office.id, at=local, action="x", prev_hash="0", hash="1")
            )
        with db.read() as session:
            stored = session.scalars(select(AuditEvent.at)).one()
    finally:
        db.dispose()
    assert stored == local
    assert stored.tzinfo is not None and stored.utcoffset() == dt.timedelta(0)
