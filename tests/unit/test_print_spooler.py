"""The print spooler: one job at a time in submit order, faults as PrinterFault, a clean close."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from station.home.config import PrinterConfig
from station.printing import PrinterFault
from station.printing.spooler import PrintSpooler, SpoolerClosed, app_spooler
from tests.helpers.printing_samples import sample_document


def test_jobs_from_many_threads_never_overlap_and_keep_their_order() -> None:
    spooler = PrintSpooler()
    active = 0
    overlaps = 0
    done: list[tuple[int, int]] = []
    lock = threading.Lock()

    def job(thread: int, n: int) -> tuple[int, int]:
        nonlocal active, overlaps
        with lock:
            active += 1
            overlaps += active > 1
        time.sleep(0.0005)  # room for another thread to barge in, were it allowed to
        with lock:
            active -= 1
            done.append((thread, n))
        return thread, n

    futures: dict[int, list] = {}

    def submitter(thread: int) -> None:
        futures[thread] = [spooler.submit(job, thread, n) for n in range(20)]

    threads = [threading.Thread(target=submitter, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for thread, items in futures.items():
        assert [f.result(timeout=30) for f in items] == [(thread, n) for n in range(20)]
    spooler.close()
    assert overlaps == 0 and len(done) == 80
    for thread in range(4):  # each submitter's jobs ran in the order it queued them
        assert [n for t, n in done if t == thread] == list(range(20))


def test_faults_come_back_as_printer_faults_and_the_worker_survives(tmp_path: Path) -> None:
    spooler = PrintSpooler()
    missing = PrinterConfig(uri=f"file:{tmp_path / 'gone' / 'lp0'}")
    with pytest.raises(PrinterFault) as info:
        spooler.print_letter(sample_document(), missing).result(timeout=30)
    assert info.value.kind == "unplugged"

    def broken() -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(PrinterFault) as info:
        spooler.submit(broken).result(timeout=30)
    assert info.value.kind == "offline"
    target = tmp_path / "lp0"
    job = spooler.print_letter(sample_document(), PrinterConfig(uri=f"file:{target}")).result(30)
    assert target.read_bytes() == job and job.startswith(b"\x1b@")
    spooler.close()


def test_close_runs_what_is_queued_then_refuses() -> None:
    spooler = PrintSpooler()
    gate = threading.Event()
    first = spooler.submit(gate.wait, 30)
    second = spooler.submit(lambda: "second")
    closer = threading.Thread(target=spooler.close)
    closer.start()
    gate.set()
    closer.join(30)
    assert first.result(0) is True and second.result(0) == "second"
    with pytest.raises(SpoolerClosed):
        spooler.submit(lambda: None)
    spooler.close()  # idempotent


def test_app_spooler_uses_the_apps_own_or_makes_one() -> None:
    own = PrintSpooler()
    app = SimpleNamespace(spooler=own)
    assert app_spooler(app) is own
    bare = SimpleNamespace()
    made = app_spooler(bare)
    assert isinstance(made, PrintSpooler) and app_spooler(bare) is made
    assert made.submit(lambda: 7).result(timeout=30) == 7
    own.close()
    made.close()
