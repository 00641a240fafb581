"""Printer status after each job (issue 16, point 5): a fake network printer on a real TCP
socket accepts the job and then answers ``DLE EOT`` with "paper end", or closes the
connection; the job is then not counted as printed. A printer that never answers status
still prints (status is only asked where the connection allows)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from station.home.config import PrinterConfig
from station.printing import connection as connection_module
from station.printing import print_and_record
from station.printing.connection import connect
from station.printing.faults import PrinterFault, status_fault
from tests.helpers.printing_samples import sample_document

DLE_EOT = b"\x10\x04"
OK = 0x12
PAPER_END = {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72}  # offline, stopped at paper end, sensor
COVER_OPEN = {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12}
CUTTER_JAM = {1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}  # error; its cause: the auto-cutter


@dataclass
class FakePrinter:
    """A network printer on 127.0.0.1: collects the job's bytes; answers each ``DLE EOT n``
    before the job with "all well" and after it as ``after`` says: a status table, ``close``
    (it died after accepting the job) or ``silent`` (it never answers status at all)."""

    after: str | dict[int, int]
    silent: bool = False
    received: bytearray = field(default_factory=bytearray)
    queries: list[tuple[int, bool]] = field(default_factory=list)  # (n, after the job)

    def __post_init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def uri(self) -> str:
        return f"tcp:127.0.0.1:{self.port}"

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            job_seen = False
            buffer = b""
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buffer += data
                while buffer:
                    at = buffer.find(DLE_EOT)
                    if at == -1 or len(buffer) < at + 3:
                        if at == -1:
                            self.received += buffer
                            job_seen = job_seen or bool(buffer)
                            buffer = b""
                        break
                    if at > 0:
                        self.received += buffer[:at]
                        job_seen = True
                    n = buffer[at + 2]
                    buffer = buffer[at + 3 :]
                    self.queries.append((n, job_seen))
                    if self.silent:
                        continue
                    if not job_seen:
                        conn.sendall(bytes([OK]))
                    elif self.after == "close":
                        return  # the printer died after accepting the job
                    else:
                        assert isinstance(self.after, dict)
                        conn.sendall(bytes([self.after[n]]))

    def close(self) -> None:
        self.server.close()
        self.thread.join(2)


@pytest.fixture
def printers() -> Iterator[list[FakePrinter]]:
    connection_module._SILENT.clear()  # printers this process found silent before
    made: list[FakePrinter] = []
    yield made
    for printer in made:
        printer.close()


def _printer(printers: list[FakePrinter], after: str | dict[int, int], **kw: bool) -> FakePrinter:
    printer = FakePrinter(after, **kw)
    printers.append(printer)
    return printer


def _print(printer: FakePrinter) -> tuple[object, list[int]]:
    recorded: list[int] = []

    def record() -> int:
        recorded.append(1)
        return len(recorded)

    outcome = print_and_record(sample_document(), PrinterConfig(uri=printer.uri), record)
    printer.thread.join(3)
    return outcome, recorded


def test_a_finished_job_is_recorded(printers: list[FakePrinter]) -> None:
    printer = _printer(printers, {1: OK, 2: OK, 3: OK, 4: OK})
    outcome, recorded = _print(printer)
    assert outcome.printed and outcome.fault is None and recorded == [1]  # type: ignore[attr-defined]
    assert bytes(printer.received).startswith(b"\x1b@")
    assert [n for n, after in printer.queries if after] == [2, 4]


@pytest.mark.parametrize(
    ("after", "kind"),
    [
        (PAPER_END, "paper_out"),
        (COVER_OPEN, "cover_open"),
        (CUTTER_JAM, "printer_error"),
        ("close", "unfinished"),
    ],
)
def test_a_job_the_printer_did_not_finish_is_not_recorded(
    printers: list[FakePrinter], after: str | dict[int, int], kind: str
) -> None:
    printer = _printer(printers, after)
    outcome, recorded = _print(printer)
    assert bytes(printer.received).startswith(b"\x1b@")  # it accepted the whole job ...
    assert not outcome.printed and recorded == []  # type: ignore[attr-defined]
    assert outcome.fault is not None and outcome.fault.kind == kind  # type: ignore[attr-defined]
    assert outcome.fault.message  # type: ignore[attr-defined]


def test_a_printer_that_never_answers_status_still_prints(printers: list[FakePrinter]) -> None:
    printer = _printer(printers, "close", silent=True)
    conn = connect(printer.uri, timeout=2.0)
    conn.send(b"\x1b@hello\n")
    printer.thread.join(3)
    assert bytes(printer.received) == b"\x1b@hello\n"
    assert [after for _, after in printer.queries] == [False]  # asked once, then never again
    # the next job is not delayed by a question it will not answer
    second = _printer(printers, "close", silent=True)
    connection_module._SILENT[second.uri] = connection_module._SILENT[printer.uri]
    began = time.monotonic()
    connect(second.uri, timeout=2.0).send(b"\x1b@again\n")
    second.thread.join(3)
    assert time.monotonic() - began < connection_module.STATUS_TIMEOUT_S
    assert bytes(second.received) == b"\x1b@again\n" and second.queries == []


def test_status_bytes() -> None:
    assert status_fault(2, 0x12) is None and status_fault(4, 0x1E) is None  # near end: a hint
    faults = {n: status_fault(n, v) for n, v in PAPER_END.items()}
    assert isinstance(faults[2], PrinterFault) and faults[2].kind == "paper_out"
    assert faults[1] is not None and faults[1].kind == "offline"
    fault = status_fault(3, 0x1A)
    assert fault is not None and fault.kind == "printer_error"  # auto-cutter error
    assert status_fault(2, 0x93) is None  # not a status byte
