"""Fair queueing of SQLite writers: an OS file lock around every write transaction.

Why (issue 16, docs/architecture.md §The database): with the Service Box, the kiosk, two
counters and the board writing to one SQLite file, SQLite's own busy handler lets a writer
that finds the database locked sleep with a growing back-off (up to 100 ms a nap) and try
again; a writer that happens to wake just after another has taken the lock sleeps again, and
one process can be starved for 1-2 s while the others write. Here every writer first takes
an exclusive ``flock`` on a sidecar file (``<database>-writelock``): the kernel wakes a blocked
writer the moment the lock is released, so writers queue instead of polling, and the holder of
the file lock then finds SQLite's write lock free (``BEGIN IMMEDIATE`` succeeds at once).

- Uncontended: one non-blocking ``flock`` (microseconds). Contended: the blocking ``flock``
  runs in a helper thread so the wait keeps the busy timeout: past it the writer gives up with
  ``DatabaseBusy`` as before (a stopped process holding the lock cannot hang everyone).
- Re-entrant per thread: a write nested in a write of the same thread does not wait on itself.
- The kernel drops the lock of a process that dies; nothing is left to clean up.
- A read-only folder (the lock file cannot be created), ``:memory:`` and PostgreSQL: no file
  lock; SQLite's own locking still keeps the data correct.
- ``STATION_SQLITE_FAIR_WRITES=0`` turns it off (the bench compares both).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from station.store.errors import DatabaseBusy

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, SQLite's locking only
    fcntl = None  # type: ignore[assignment]

FAIR_WRITES_ENV = "STATION_SQLITE_FAIR_WRITES"
SUFFIX = "-writelock"


class WriteLockTimeout(DatabaseBusy):
    """The file lock was not free within the busy timeout: the database is busy (nothing was
    written; the queue retries it), the same refusal as SQLite's own lock timeout."""


def fair_writes_enabled() -> bool:
    return os.environ.get(FAIR_WRITES_ENV, "1").strip() not in ("0", "false", "no", "off")


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL, None for memory databases."""
    path = url.split(":///", 1)[-1].split("?", 1)[0]
    if path.startswith("file:"):
        path = path.removeprefix("file:")
    if not path or path == ":memory:" or url in ("sqlite://", "sqlite:///"):
        return None
    return Path(path)


class WriteLock:
    """The file lock every writer of one SQLite database takes around its transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self.disabled = fcntl is None

    @classmethod
    def for_url(cls, url: str) -> WriteLock | None:
        if not url.startswith("sqlite"):
            return None
        database = sqlite_file(url)
        if database is None or fcntl is None or not fair_writes_enabled():
            return None
        return cls(database.with_name(database.name + SUFFIX))

    def _open(self) -> int | None:
        """The lock file, created with the database file's permissions (a box running as
        another user of the database's group can take it too); None when it cannot be
        opened (a read-only folder, another user's 0600 file): SQLite's locking alone."""
        try:
            return os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            pass
        except OSError:
            return None
        database = self.path.with_name(self.path.name.removesuffix(SUFFIX))
        try:
            mode = database.stat().st_mode & 0o666
        except OSError:
            mode = 0o600
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        except FileExistsError:  # another writer created it just now
            return self._open()
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.fchmod(fd, mode)  # the umask must not take the group's write away
        return fd

    @contextlib.contextmanager
    def held(self, timeout_s: float) -> Iterator[None]:
        """Hold the lock for the block; raises WriteLockTimeout after ``timeout_s``."""
        depth = getattr(self._local, "depth", 0)
        if depth or self.disabled:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        fd = self._open()
        if fd is None:
            yield
            return
        try:
            self._acquire(fd, timeout_s)
        except WriteLockTimeout:
            raise  # the fd now belongs to the waiting thread, which closes it
        except BaseException:
            os.close(fd)
            raise
        self._local.depth = 1
        try:
            yield
        finally:
            self._local.depth = 0
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @staticmethod
    def _acquire(fd: int, timeout_s: float) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        # Contended: wait in the kernel's queue (woken at once on release), in a helper thread
        # so that the wait can end at the busy timeout. After a timeout the helper owns the
        # descriptor: it lets the lock go as soon as it gets it, and closes the descriptor.
        got = threading.Event()
        guard = threading.Lock()
        abandoned = [False]

        def wait() -> None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
            with guard:
                if not abandoned[0]:
                    got.set()
                    return
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(fd)

        waiter = threading.Thread(target=wait, name="station-write-lock", daemon=True)
        waiter.start()
        # Polled, not ``got.wait(timeout_s)``: a timed condition wait never ends when the
        # clock is shifted (faketime, how the suite proves it passes in any month), while a
        # short sleep does; 2 ms is nothing against a writer's turn.
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if got.is_set():
                return
            time.sleep(0.002)
        with guard:
            if got.is_set():
                return  # acquired just as the wait ended
            abandoned[0] = True
        raise WriteLockTimeout(waited_s=timeout_s)
