"""One print worker per app: a single thread that sends jobs one after another.

Why: two screens (a letter and a reprint, or a retry pressed twice) must never interleave
bytes on one receipt printer, and the UI thread must never wait on a printer that hangs for
its timeout. Jobs are callables run in order on the spooler's thread; each ``submit`` returns
a ``concurrent.futures.Future``. A printer fault comes back as :class:`PrinterFault`; any
other exception from a job is turned into one too (``classify``), so a caller has one thing
to handle and the spooler thread never dies.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from station.printing.faults import PrinterFault, classify

T = TypeVar("T")
APP_ATTRIBUTE = "spooler"
_create_lock = threading.Lock()

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class SpoolerClosed(RuntimeError):
    """``submit`` after ``close``: the app is shutting down."""


class PrintSpooler:
    """A queue of print jobs and the one thread that runs them."""

    def __init__(self, name: str = "station-print") -> None:
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        # A daemon thread: a printer stuck in its timeout must not keep the process alive;
        # close() still drains the queue when the app exits normally.
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, job: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Queue ``job(*args, **kwargs)``; the future holds its result or a PrinterFault."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise SpoolerClosed("Antrean cetak sudah ditutup.")
            self._jobs.put((future, job, args, kwargs))
        return future

    def print_letter(self, document: Any, printer: Any) -> Future[bytes]:
        """Queue one letter (``station.printing.print_letter``) for ``PrinterConfig``."""
        from station.printing import print_letter

        return self.submit(print_letter, document, printer)

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            future, job, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = job(*args, **kwargs)
            except PrinterFault as fault:
                future.set_exception(fault)
            except Exception as exc:  # a job never kills the spooler
                future.set_exception(classify(exc))
            else:
                future.set_result(result)

    def close(self, timeout: float | None = 10.0) -> None:
        """Accept no more jobs, run those already queued, stop the thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._jobs.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)


def app_spooler(app: Any) -> PrintSpooler:
    """The app's spooler (``app.spooler``), created on first use when the app has none.

    A spooler created here is closed when the app object goes away (and its thread is a
    daemon), so screens can rely on it before the app builds one itself.
    """
    with _create_lock:
        found = getattr(app, APP_ATTRIBUTE, None)
        if isinstance(found, PrintSpooler):
            return found  # even closed: a job submitted while the app exits is refused
        spooler = PrintSpooler()
        setattr(app, APP_ATTRIBUTE, spooler)
    with contextlib.suppress(TypeError):  # objects without weak references: daemon only
        weakref.finalize(app, spooler.close, 0)
    return spooler
