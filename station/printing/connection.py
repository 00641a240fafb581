"""Printer URIs (docs/printers.md) → connections that send one job in one write, with timeouts.

``dummy`` keeps bytes in memory; ``file:PATH`` appends raw bytes to PATH (also a device such
as ``/dev/usb/lp0``); ``usb:VID:PID``, ``tcp:HOST[:PORT]``, ``serial:DEVICE[:BAUD]`` and
``cups:NAME`` use python-escpos printers.  python-escpos is imported lazily, after its
capabilities pickle directory and logging are set (docs/architecture.md §Printing).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from station.printing.faults import (
    DLE_EOT,
    STATUS_ERROR,
    STATUS_OFFLINE,
    STATUS_PAPER,
    PrinterFault,
    classify,
    is_status_byte,
    status_fault,
)
from station.store.files import open_private_append

TIMEOUT_S = 5.0
# How long one real-time status question may wait for its answer. A printer answers DLE EOT
# at once (even with a full buffer); one that never answers must not delay every print by the
# whole send timeout.
STATUS_TIMEOUT_S = 1.0
# A printer that gave no status answer is not asked again for a while: each unanswered
# question costs STATUS_TIMEOUT_S before the first byte of the job.
SILENT_RETRY_S = 600.0
_SILENT: dict[str, float] = {}


def _known_silent(uri: str) -> bool:
    since = _SILENT.get(uri)
    return since is not None and time.monotonic() - since < SILENT_RETRY_S


# A fault after the job outranks the offline state it causes (docs/printers.md).
_FAULT_RANK = ("cover_open", "paper_out", "printer_error", "offline")
_modules: tuple[ModuleType, ModuleType] | None = None
_modules_lock = threading.Lock()  # a warm-up thread and the first print may both ask


def escpos_modules() -> tuple[ModuleType, ModuleType]:
    """``(escpos.printer, escpos.constants)``, imported once with a fixed pickle dir."""
    if _modules is None:
        with _modules_lock:
            return _import_escpos()
    return _modules


def _import_escpos() -> tuple[ModuleType, ModuleType]:
    global _modules
    if _modules is None:
        if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
            os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(
                Path(tempfile.gettempdir()) / "station-escpos"
            )
        cache_dir = Path(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"])
        cache_dir.mkdir(parents=True, exist_ok=True)
        _prepare_capabilities_cache(cache_dir)
        root = logging.getLogger()
        if not root.handlers:  # escpos calls basicConfig(): give it a handler that is silent
            root.addHandler(logging.NullHandler())
        import escpos.constants
        import escpos.printer

        _modules = (escpos.printer, escpos.constants)
    return _modules


def _prepare_capabilities_cache(cache_dir: Path) -> None:
    """Leave a whole, fresh capabilities pickle where python-escpos will look for it.

    python-escpos writes that pickle in place on its first import. A process killed during
    that write (a power cut during the first print), or a second process starting at the same
    moment (kiosk and operator app), leaves a truncated file, and from then on every import
    fails with ``EOFError`` and nothing prints. So a damaged pickle is removed, and a missing
    or stale one is written here first, atomically (temporary file, then rename).
    """
    import importlib.resources
    import pickle
    import platform

    target = cache_dir / f"{platform.python_version()}.capabilities.pickle"
    source = importlib.resources.files("escpos") / "capabilities.json"
    with importlib.resources.as_file(source) as source_path:
        if target.exists():
            try:
                fresh = target.stat().st_mtime >= source_path.stat().st_mtime
                with target.open("rb") as handle:
                    pickle.load(handle)
            except Exception:  # truncated or foreign: rebuild it
                fresh = False
            if fresh:
                return
        import yaml  # python-escpos's own dependency; the file is JSON, read as it reads it

        data = yaml.safe_load(source_path.read_text(encoding="utf-8"))
    handle_fd, tmp_name = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
    try:
        with os.fdopen(handle_fd, "wb") as handle:
            pickle.dump(data, handle)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


class Connection(Protocol):
    uri: str

    def send(self, job: bytes) -> None: ...

    def status(self) -> dict[str, Any]: ...


UNKNOWN_STATUS = {
    "online": None,
    "paper": None,
    "message": "Sambungan ini tidak dapat membaca status printer.",
}


@dataclass
class DummyConnection:
    """Keeps every job in memory (``jobs``); for tests and machines without a printer."""

    uri: str = "dummy"
    jobs: list[bytes] = field(default_factory=list)

    def send(self, job: bytes) -> None:
        self.jobs.append(job)

    def status(self) -> dict[str, Any]:
        return {"online": True, "paper": None, "message": "Printer dummy (tanpa kertas)."}


@dataclass
class FileConnection:
    """Appends each job to a file or device in one write (a missing device = unplugged)."""

    path: str
    uri: str = ""

    def send(self, job: bytes) -> None:
        try:
            # A file printer's output holds every letter printed: created 0600.
            with open_private_append(self.path) as fh:
                written = fh.write(job)
                if written is not None and written != len(job):
                    raise PrinterFault("timeout", f"{written} dari {len(job)} byte terkirim")
        except PrinterFault:
            raise
        except Exception as exc:
            raise classify(exc) from exc

    def status(self) -> dict[str, Any]:
        parent = Path(self.path).parent
        if self.path.startswith("/dev/") and not Path(self.path).exists():
            return {"online": False, "paper": None, "message": PrinterFault("unplugged").message}
        if not parent.is_dir():
            return {"online": False, "paper": None, "message": PrinterFault("unplugged").message}
        return dict(UNKNOWN_STATUS)


@dataclass
class EscposConnection:
    """A python-escpos device printer (Usb, Network, Serial, CupsPrinter)."""

    uri: str
    kind: str
    args: dict[str, Any]
    profile: str = ""
    can_read_status: bool = True

    def _open(self) -> Any:
        printer_mod, _ = escpos_modules()
        cls = {
            "usb": "Usb",
            "tcp": "Network",
            "serial": "Serial",
            "cups": "CupsPrinter",
        }[self.kind]
        kwargs = dict(self.args)
        if self.profile:
            kwargs["profile"] = self.profile
        printer = getattr(printer_mod, cls)(**kwargs)
        printer.open(raise_not_found=True)
        return printer

    def send(self, job: bytes) -> None:
        """Send the job; where the printer answers status (USB, serial, TCP), ask again
        after the job and raise when it did not finish: out of paper, cover open, an error,
        or no answer any more (a network printer that died after accepting the bytes). The
        caller then counts the job as not printed."""
        printer = None
        try:
            printer = self._open()
            ask = self.can_read_status and not _known_silent(self.uri)
            answers = self._check_ready(printer) if ask else False
            if ask and not answers:
                _SILENT[self.uri] = time.monotonic()
            printer._raw(job)
            if answers:
                self._check_finished(printer)
            if self.kind == "cups":
                printer.close()
                printer = None
        except PrinterFault:
            raise
        except Exception as exc:
            raise classify(exc) from exc
        finally:
            if printer is not None:
                with contextlib.suppress(Exception):
                    printer.close()

    def _query(self, printer: Any, n: int) -> int | None:
        """One ``DLE EOT n`` answer byte; None when the printer gave none (silent, timed
        out, or the connection closed)."""
        with _status_timeout(printer, STATUS_TIMEOUT_S):
            answer = printer.query_status(DLE_EOT + bytes([n]))
        for value in answer or b"":
            if is_status_byte(value):
                return value
        return None

    def _check_ready(self, printer: Any) -> bool:
        """Refuse before sending when the printer *says* it is out of paper or open; True
        when it answers status questions at all (then it is asked again after the job)."""
        try:
            offline = self._query(printer, STATUS_OFFLINE)
        except Exception:
            return False  # no answer: status is only a hint
        if offline is None:
            return False
        if offline & 0x04:
            raise PrinterFault("cover_open")
        if offline & 0x20:
            raise PrinterFault("paper_out")
        try:
            paper = self._query(printer, STATUS_PAPER)
        except Exception:
            return True
        if paper is not None and paper & 0x60:
            raise PrinterFault("paper_out")
        return True

    def _check_finished(self, printer: Any) -> None:
        """After the job: the questions it answered before (DLE EOT 2, offline cause, and 4,
        paper sensor), and DLE EOT 3 (error cause) when 2 reports an error. A printer that
        answered before the job and answers nothing now did not finish it."""
        faults: list[PrinterFault] = []
        for n in (STATUS_OFFLINE, STATUS_PAPER):
            value = self._answer_after_job(printer, n)
            fault = status_fault(n, value)
            if fault is not None:
                faults.append(fault)
            if n == STATUS_OFFLINE and value & 0x40:
                with contextlib.suppress(PrinterFault):  # the cause is a detail only
                    cause = status_fault(STATUS_ERROR, self._answer_after_job(printer, 3))
                    if cause is not None:
                        faults.append(cause)
        if faults:
            raise min(faults, key=lambda f: _FAULT_RANK.index(f.kind))

    def _answer_after_job(self, printer: Any, n: int) -> int:
        try:
            value = self._query(printer, n)
        except Exception as exc:
            raise PrinterFault("unfinished", f"DLE EOT {n}: {classify(exc).detail}") from exc
        if value is None:
            raise PrinterFault("unfinished", f"DLE EOT {n}: tidak ada jawaban")
        return value

    def status(self) -> dict[str, Any]:
        if not self.can_read_status:
            return dict(UNKNOWN_STATUS)
        try:
            printer = self._open()
        except Exception as exc:
            fault = classify(exc)
            return {"online": False, "paper": None, "message": fault.message}
        try:
            online = printer.is_online()
            paper = printer.paper_status()
        except Exception as exc:
            return {"online": None, "paper": None, "message": classify(exc).message}
        finally:
            with contextlib.suppress(Exception):
                printer.close()
        label = {0: "habis", 1: "hampir habis", 2: "cukup"}.get(paper)
        return {
            "online": bool(online),
            "paper": label,
            "message": "Status dari printer (hanya petunjuk: printer yang diam tampak 'cukup').",
        }


@contextlib.contextmanager
def _status_timeout(printer: Any, seconds: float) -> Any:
    """A shorter read timeout for one status question, on the python-escpos device that
    allows it (a socket's ``settimeout``, pyserial's ``timeout``); the send timeout is put
    back afterwards. USB reads use the printer's own timeout."""
    device: Any = getattr(printer, "device", None)
    restore: Any = None
    try:
        if hasattr(device, "settimeout") and hasattr(device, "gettimeout"):
            previous = device.gettimeout()
            device.settimeout(seconds)
            restore = lambda: device.settimeout(previous)  # noqa: E731
        elif device is not None and hasattr(device, "timeout") and not callable(device.timeout):
            previous = device.timeout
            device.timeout = seconds
            restore = lambda: setattr(device, "timeout", previous)  # noqa: E731
    except Exception:
        restore = None
    try:
        yield
    finally:
        if restore is not None:
            with contextlib.suppress(Exception):
                restore()


def _split_port(rest: str, default: int) -> tuple[str, int]:
    host, sep, port = rest.rpartition(":")
    if sep and port.isdigit() and host:
        return host, int(port)
    return rest, default


def connect(uri: str, *, profile: str = "", timeout: float = TIMEOUT_S) -> Connection:
    """A connection for ``uri``; raises PrinterFault("config") on a URI it does not know."""
    uri = uri.strip()
    scheme, _, rest = uri.partition(":")
    args: dict[str, Any]
    scheme = scheme.lower()
    if uri == "dummy":
        return DummyConnection()
    if scheme == "file" and rest:
        return FileConnection(rest, uri=uri)
    if scheme == "usb":
        try:
            vid, pid = (int(p, 16) for p in rest.split(":"))
        except ValueError as exc:
            raise PrinterFault("config", uri) from exc
        args = {"idVendor": vid, "idProduct": pid, "timeout": int(timeout * 1000)}
        return EscposConnection(uri, "usb", args, profile)
    if scheme == "tcp" and rest:
        host, port = _split_port(rest, 9100)
        args = {"host": host, "port": port, "timeout": timeout}
        return EscposConnection(uri, "tcp", args, profile)
    if scheme == "serial" and rest:
        device, baud = _split_port(rest, 9600)
        args = {"devfile": device, "baudrate": baud, "timeout": timeout}
        return EscposConnection(uri, "serial", args, profile)
    if scheme == "cups" and rest:
        return EscposConnection(uri, "cups", {"printer_name": rest}, profile, can_read_status=False)
    raise PrinterFault("config", uri)
