"""The fair writer (issue 16, station/store/write_lock.py): every SQLite write transaction
holds an OS file lock beside the database, so writers queue in the kernel instead of polling
SQLite's busy handler. Correctness, not timing: the lock is held exactly during a write,
writers of several processes never overlap and lose nothing, a lock held too long ends as
DatabaseBusy (and is handed on afterwards), and it can be turned off. The wait times are
measured by bench/fair_writes.py."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from station.store.db import Database
from station.store.errors import DatabaseBusy
from station.store.models import Office, Sequence
from station.store.sequence import next_value
from station.store.write_lock import SUFFIX, WriteLock


def _lock_is_free(path: Path) -> bool:
    if not path.exists():
        return True
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops a lock we may have taken
    return True


def _office(db: Database) -> int:
    with db.write() as session:
        office = Office(
            code="53.71.03.1010",
            name="Oesapa",
            kecamatan="Kelapa Lima",
            kota="Kupang",
            provinsi="NTT",
            unit_code="KEL.OSP",
        )
        session.add(office)
        session.flush()
        return office.id


def test_the_file_lock_is_held_during_a_write_only(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'station.db'}")
    try:
        lock = tmp_path / f"station.db{SUFFIX}"
        assert db.write_lock is not None and db.write_lock.path == lock
        with db.read() as session:
            session.execute(text("SELECT 1"))
            assert _lock_is_free(lock)  # readers never queue
        with db.write() as session:
            session.execute(text("SELECT 1"))
            assert not _lock_is_free(lock)
            with db.write_lock.held(0.1):  # re-entrant in one thread: no wait on itself
                assert not _lock_is_free(lock)
            assert not _lock_is_free(lock)
        assert _lock_is_free(lock)
        with pytest.raises(RuntimeError), db.write():
            raise RuntimeError("rolled back")
        assert _lock_is_free(lock)  # released on rollback too
        database = tmp_path / "station.db"
        assert lock.stat().st_mode & 0o777 == database.stat().st_mode & 0o666  # as the database
    finally:
        db.dispose()


def test_a_lock_held_too_long_is_busy_and_then_handed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATION_SQLITE_BUSY_TIMEOUT_MS", "300")
    db = Database(f"sqlite:///{tmp_path / 'station.db'}")
    office_id = _office(db)
    lock = tmp_path / f"station.db{SUFFIX}"
    holder = os.open(lock, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process's writer, stuck
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusy), db.write() as session:
            next_value(session, office_id, "never")
        assert time.monotonic() - started < 5
        # a writer that is waiting gets the lock the moment it is released
        done = threading.Event()

        def writer() -> None:
            with db.write() as session:
                next_value(session, office_id, "after")
            done.set()

        monkeypatch.setenv("STATION_SQLITE_BUSY_TIMEOUT_MS", "10000")
        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(0.2)
        assert not done.is_set()  # queued behind the holder
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    deadline = time.monotonic() + 10  # polled: a timed join never ends under faketime
    while not done.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert done.is_set()
    thread.join()
    deadline = time.monotonic() + 5  # the abandoned waiter takes it and lets it go at once
    while not _lock_is_free(lock) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _lock_is_free(lock)
    with db.read() as session:
        scopes = set(session.scalars(select(Sequence.scope)))
    assert scopes == {"after"}
    db.dispose()


WORKER = textwrap.dedent(
    """
    import fcntl, os, sys, time
    from station.store.db import Database
    from station.store.sequence import next_value
    url, office_id, lock, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    db = Database(url, migrate=False)
    overlaps = 0
    for _ in range(rounds):
        with db.write() as session:
            value = next_value(session, office_id, "shared")
            # while we write, nobody else may hold the file lock
            fd = os.open(lock, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                overlaps += 1
            except BlockingIOError:
                pass
            finally:
                os.close(fd)
            time.sleep(0.002)
    db.dispose()
    print(overlaps)
    """
)


def test_writers_of_several_processes_never_overlap_and_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'station.db'}"
    db = Database(url)
    office_id = _office(db)
    lock = str(tmp_path / f"station.db{SUFFIX}")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(office_id), lock, "25"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    assert [int(out.strip()) for out, _ in outputs] == [0, 0, 0, 0]
    with db.read() as session:
        last = session.scalar(select(Sequence.last_value).where(Sequence.scope == "shared"))
    assert last == 100
    db.dispose()


def test_it_can_be_turned_off_and_is_sqlite_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert WriteLock.for_url("sqlite://") is None  # memory
    assert WriteLock.for_url("postgresql://x@localhost/station") is None
    monkeypatch.setenv("STATION_SQLITE_FAIR_WRITES", "0")
    db = Database(f"sqlite:///{tmp_path / 'station.db'}")
    try:
        assert db.write_lock is None
        with db.write() as session:
            session.execute(text("SELECT 1"))
        assert not (tmp_path / f"station.db{SUFFIX}").exists()
    finally:
        db.dispose()
