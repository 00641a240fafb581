"""Database trouble reaches people as an Indonesian refusal, never a driver traceback.

It is raised at the one transaction boundary, ``Database.read()`` / ``Database.write()``, as
``DatabaseBusy`` or ``DatabaseUnavailable`` (both StationError); the CLI's common wrapper
shows it as exit 1, the letter desk and the queue let it through to the screens, and the
queue still retries a lock that goes away.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from station.cli.common import command_output
from station.home.context import Station, open_station
from station.letters.desk import issue, revoke
from station.letters.store import IssueRequest, LetterSettings
from station.queue.facade import Queue
from station.store.db import Database
from station.store.errors import DatabaseBusy, DatabaseUnavailable, StationError
from station.store.models import Sequence
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, add_residents


@pytest.fixture
def short_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATION_SQLITE_BUSY_TIMEOUT_MS", "200")


def _hold_lock(path: Path) -> sqlite3.Connection:
    """Another connection holding SQLite's write lock (``BEGIN IMMEDIATE``)."""
    holder = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def _release(holder: sqlite3.Connection) -> None:
    holder.execute("ROLLBACK")
    holder.close()


def _db(tmp_path: Path) -> tuple[Database, Path]:
    path = tmp_path / "station.db"
    return Database(f"sqlite:///{path}"), path


def test_a_locked_database_leaves_the_boundary_as_database_busy(
    tmp_path: Path, short_busy: None
) -> None:
    db, path = _db(tmp_path)
    holder = _hold_lock(path)
    try:
        with pytest.raises(DatabaseBusy) as busy, db.write() as session:
            session.execute(text("SELECT 1"))
    finally:
        _release(holder)
        db.dispose()
    refusal = busy.value
    assert isinstance(refusal, StationError) and refusal.code == "db_busy"
    assert str(refusal) == refusal.message and "Basis data sedang dipakai" in refusal.message
    assert isinstance(refusal.__cause__, OperationalError)  # the driver error stays attached


def test_the_cli_wrapper_turns_a_locked_database_into_exit_1(
    tmp_path: Path, short_busy: None
) -> None:
    db, path = _db(tmp_path)

    @click.command()
    @command_output
    def busy() -> tuple[dict[str, str], str]:
        with db.write() as session:
            session.execute(text("SELECT 1"))
        return {}, "selesai"

    holder = _hold_lock(path)
    try:
        result = CliRunner().invoke(busy, ["--json"])
        plain = CliRunner().invoke(busy, [])
    finally:
        _release(holder)
        db.dispose()
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["code"] == "db_busy" and "coba lagi" in data["error"]
    assert plain.exit_code == 1 and "Traceback" not in plain.output
    assert plain.stderr.startswith("Gagal: Basis data sedang dipakai")


def test_an_unknown_database_error_is_not_disguised(tmp_path: Path) -> None:
    db, _ = _db(tmp_path)

    @click.command()
    @command_output
    def broken() -> tuple[dict[str, str], str]:
        with db.read() as session:
            session.execute(text("SELECT * FROM no_such_table"))
        return {}, ""

    result = CliRunner().invoke(broken, ["--json"])
    db.dispose()
    assert isinstance(result.exception, OperationalError)
    assert "no such table" in str(result.exception)


def test_issuing_under_a_held_lock_is_a_refusal_that_uses_no_number(
    station: Station, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    add_residents(station.db, station.office_id)
    add_operators(station, "kepala", role="admin")
    monkeypatch.setenv("STATION_SQLITE_BUSY_TIMEOUT_MS", "200")
    busy_station = open_station(home)  # a new engine picks up the short timeout
    settings = LetterSettings.from_config(busy_station.config)
    request = IssueRequest(type_code="SKD", nik=HEAD, operator="sari", purpose="Melamar kerja")
    holder = _hold_lock(home / "station.db")
    try:
        with pytest.raises(DatabaseBusy) as refused:
            issue(busy_station, settings, request)
        assert refused.value.code == "db_busy"
    finally:
        _release(holder)
    issued = issue(busy_station, settings, request)
    assert "/001/" in issued.number  # the refused attempt took no number
    status = revoke(
        busy_station,
        issued.number,
        reason="salah\x1b[31m ketik\u202e\nnama",
        operator="kepala",  # revoking is an admin's
    )
    busy_station.close()
    assert status == "revoked"
    with station.db.read() as session:
        from station.store.models import Letter

        letter = session.query(Letter).one()
        assert letter.revoke_reason == "salah[31m ketik nama"


def test_the_queue_retries_a_lock_that_goes_away_and_gives_up_on_one_that_stays(
    station: Station, home: Path, short_busy: None
) -> None:
    """The bounded retry now rests on DatabaseBusy from the boundary: a lock released during
    the retries is waited out; one held throughout ends as DatabaseBusy after ATTEMPTS."""
    db = Database(station.db.url, migrate=False)  # picks up the short busy timeout
    attempts = 0
    real_write = db.write

    def counting_write() -> Any:
        nonlocal attempts
        attempts += 1
        return real_write()

    db.write = counting_write  # type: ignore[method-assign]
    q = Queue(db, station.office_id, station.config.tz)
    holder = _hold_lock(home / "station.db")

    def release_later() -> None:
        time.sleep(0.3)  # after the first attempt gave up; a sleep, not a Timer: a timed
        _release(holder)  # Event.wait never ends under faketime (README "Time")

    release = threading.Thread(target=release_later)
    release.start()
    try:
        issued = q.take_ticket("A")
    finally:
        release.join()
    assert issued.ticket.number == "A-001" and attempts >= 2

    attempts = 0
    holder = _hold_lock(home / "station.db")
    try:
        with pytest.raises(DatabaseBusy):
            q.take_ticket("A")
    finally:
        _release(holder)
        db.dispose()
    assert attempts == Queue.ATTEMPTS


def _capped(url: str) -> Database:
    """A Database whose every connection may not grow the file: SQLite answers a write that
    needs a new page with SQLITE_FULL, exactly as on a full disk."""
    db = Database(url, migrate=False)

    @event.listens_for(db.engine, "connect")
    def _cap(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    return db


def test_a_full_disk_is_a_refusal_and_nothing_is_written(station: Station) -> None:
    full = _capped(station.db.url)
    scope = "x" * 200_000  # needs new pages

    def grow() -> None:
        with full.write() as session:
            session.add(Sequence(office_id=station.office_id, scope=scope, last_value=1))

    with pytest.raises(DatabaseUnavailable) as refused:
        grow()
    assert refused.value.code == "disk_full"
    assert "Penyimpanan penuh" in str(refused.value)

    @click.command()
    @command_output
    def write() -> tuple[dict[str, str], str]:
        grow()
        return {}, ""

    result = CliRunner().invoke(write, ["--json"])
    plain = CliRunner().invoke(write, [])
    full.dispose()
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["code"] == "disk_full"
    assert plain.exit_code == 1 and plain.stderr.startswith("Gagal: Penyimpanan penuh")
    with station.db.read() as session:
        assert session.scalars(select(Sequence).where(Sequence.scope == scope)).first() is None


def _station_cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real ``python -m station ARGS`` in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "station", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "STATION_HOME": str(home), **env},
    )


@pytest.mark.parametrize("how", ["file_mode", "read_only_open"])
def test_a_read_only_database_is_a_refusal(station: Station, home: Path, how: str) -> None:
    """A database file that cannot be written: reading still works, writing is an Indonesian
    refusal with exit 1, never a traceback. ``file_mode`` is the admin's chmod (root writes
    through it, so it needs an ordinary user); ``read_only_open`` is SQLite's read-only open
    (``mode=ro``), the same SQLITE_READONLY answer, which works under root too."""
    path = home / "station.db"
    env: dict[str, str] = {}
    if how == "file_mode":
        if os.geteuid() == 0:
            pytest.skip("root writes through file modes")
        path.chmod(0o444)
    else:
        env["STATION_DATABASE_URL"] = f"sqlite:///file:{path}?mode=ro&uri=true"
    try:
        looked = _station_cli(home, "queue", "status", "--json", **env)
        taken = _station_cli(home, "ticket", "take", "A", "--json", **env)
        plain = _station_cli(home, "ticket", "take", "A", **env)
    finally:
        path.chmod(0o644)
    assert looked.returncode == 0, looked.stderr
    assert taken.returncode == 1, (taken.stdout, taken.stderr)
    data = json.loads(taken.stdout)
    assert data["code"] == "read_only" and "hanya dapat dibaca" in data["error"]
    assert "Traceback" not in taken.stderr
    assert plain.returncode == 1 and plain.stderr.startswith("Gagal: Basis data hanya dapat")
    assert "Traceback" not in plain.stderr
    with station.db.read() as session:
        tickets = select(Sequence).where(Sequence.scope.like("ticket:%"))
        assert session.scalars(tickets).all() == []  # no ticket number was used


def test_an_unreachable_server_is_database_unavailable() -> None:
    """PostgreSQL out of reach (nothing listens on the port): DatabaseUnavailable, also when
    the Database is opened (the migration check is the first to connect)."""
    dead = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=5"
    with pytest.raises(DatabaseUnavailable) as refused:
        Database(dead)
    assert refused.value.code == "db_unavailable"
    assert "Basis data tidak dapat dihubungi" in str(refused.value)
    db = Database(dead, migrate=False)
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable), db.read() as session:
        session.execute(text("SELECT 1"))
    db.dispose()
    assert time.monotonic() - started < 30
