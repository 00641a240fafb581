"""Helpers for the fault-injection suite: a station home, worker processes killed at random
moments, and the checks every scenario ends with.

The checks (``check_station``), after any fault:
- the database is sound: SQLite ``PRAGMA integrity_check`` and ``foreign_key_check``; on
  PostgreSQL every table can be read;
- the office's audit chain verifies (``audit.verify_chain``);
- every sequence is **gap-free and unique**: per scope (letters: ``letter:YEAR``; tickets:
  ``ticket:PREFIX:DAY``) the numbers in use are exactly 1..N, each once, and the ``sequence``
  row says N. A number whose transaction was killed was never handed out: its bump of the
  ``sequence`` row and its letter or ticket row commit together or not at all, so the next
  issuer gets that same number and no hole appears;
- every letter whose bytes reached the printer verifies: its QR text is read back from the
  printed ESC/POS (native QR data, or a raster decoded with zxing-cpp), its seal checks
  against the office's keys and the register holds that very letter (same token, text
  matching, status valid); a number is never printed for two different letters.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select, text

from station.home.keys import public_keys
from station.letters.seal import verify_token
from station.letters.verify import REGISTER_FOUND, register_check
from station.store.audit import verify_chain
from station.store.db import Database
from station.store.models import AuditEvent, Letter, Sequence, Service, Ticket
from tests.helpers.escpos_reader import decode_qr, parse

REPO = Path(__file__).resolve().parents[2]


# --- worker processes ------------------------------------------------------------------------


def start_worker(kind: str, *args: str, env: dict[str, str], **popen: Any) -> subprocess.Popen:
    """A fresh interpreter running ``fault_workers.KIND(*args)``."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.fault_workers", kind, *args],
        env={**env, "PYTHONPATH": str(REPO)},
        stderr=popen.pop("stderr", subprocess.PIPE),
        **popen,
    )


def log_lines(path: Path) -> list[str]:
    """The complete lines of a worker's log (a line cut by a kill is dropped)."""
    if not path.exists():
        return []
    data = path.read_text("utf-8")
    return data.split("\n")[:-1]


def acknowledged(paths: list[Path], word: str) -> list[str]:
    """Every value logged as ``WORD VALUE`` across the logs."""
    return [
        line.split(" ", 1)[1]
        for path in paths
        for line in log_lines(path)
        if line.startswith(word + " ")
    ]


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@dataclass
class KillStats:
    kills: int = 0
    restarts: int = 0
    last_steps: list[str] = field(default_factory=list)  # each victim's last log word


def kill_loop(
    start: Callable[[int], subprocess.Popen],
    logs: list[Path],
    *,
    kills: int,
    seed: int,
    progress_word: str = "issued",
    warm: int = 2,
    max_delay: float = 0.06,
) -> KillStats:
    """Keep ``len(logs)`` workers running and SIGKILL one at a random moment, ``kills`` times
    (the workers in turn, so one restarts while the other works).

    Before each kill the victim must have logged ``warm`` new ``progress_word`` since it
    (re)started: it is in its steady loop (one step takes 10-30 ms); then a random delay
    lands the kill anywhere in a transaction, a print or between them. A killed worker is
    started again at once."""
    rng = random.Random(seed)
    stats = KillStats()
    procs = [start(slot) for slot in range(len(logs))]
    marks = [len(acknowledged([log], progress_word)) for log in logs]
    try:
        for round_ in range(kills):
            slot = round_ % len(logs)
            proc = procs[slot]

            def progressed(slot: int = slot, proc: subprocess.Popen = proc) -> bool:
                if proc.poll() is not None:
                    _, err = proc.communicate()
                    raise AssertionError(f"worker {slot} died by itself:\n{err.decode()}")
                return len(acknowledged([logs[slot]], progress_word)) >= marks[slot] + warm

            wait_for(progressed, f"worker {slot} to make progress")
            time.sleep(rng.uniform(0, max_delay))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL, proc.returncode
            stats.kills += 1
            lines = log_lines(logs[slot])
            stats.last_steps.append(lines[-1].split(" ", 1)[0] if lines else "")
            procs[slot] = start(slot)
            stats.restarts += 1
            marks[slot] = len(acknowledged([logs[slot]], progress_word))
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
    return stats


# --- the checks ------------------------------------------------------------------------------


def database_sound(db: Database) -> None:
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        else:
            for table in inspect(conn).get_table_names():
                conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()


def sequences_gap_free(db: Database, office_id: int) -> dict[str, int]:
    """Per scope: the numbers in use are exactly 1..N and the sequence row says N."""
    used: dict[str, list[int]] = defaultdict(list)
    with db.read() as session:
        for year, sequence in session.execute(
            select(Letter.year, Letter.sequence).where(Letter.office_id == office_id)
        ):
            used[f"letter:{year}"].append(sequence)
        for prefix, day, sequence in session.execute(
            select(Service.prefix, Ticket.day, Ticket.sequence)
            .join(Service, Service.id == Ticket.service_id)
            .where(Ticket.office_id == office_id)
        ):
            used[f"ticket:{prefix}:{day.isoformat()}"].append(sequence)
        last = dict(
            session.execute(
                select(Sequence.scope, Sequence.last_value).where(Sequence.office_id == office_id)
            ).all()
        )
    for scope, numbers in used.items():
        doubled = [n for n, c in Tally(numbers).items() if c > 1]
        assert not doubled, f"{scope}: numbers handed out twice: {doubled}"
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), f"{scope}: gap in {numbers}"
        assert last.get(scope) == len(numbers), f"{scope}: sequence row {last.get(scope)}"
    for scope, value in last.items():  # a bump never survives without its row
        if not scope.startswith(("letter:", "ticket:")):
            continue  # the audit chain's own counter: verify_chain checks it
        assert scope in used or value == 0, f"{scope}: sequence at {value} with nothing issued"
    return {scope: len(numbers) for scope, numbers in used.items()}


def printed_qr_texts(data: bytes) -> list[str]:
    """The QR texts of the letters in a printer's byte stream, in order; every job must be
    whole (the reader fails on a cut command) and carry exactly one QR."""
    parsed = parse(data)
    texts = [raw.decode("ascii") for raw in parsed.native_qr]
    for image in parsed.rasters:
        found = decode_qr(image)
        assert len(found) == 1, "a printed QR raster does not decode"
        texts += found
    assert len(texts) == parsed.cuts, (len(texts), parsed.cuts)
    return texts


@dataclass
class PrintedCheck:
    jobs: int
    letters: dict[str, int]  # number -> jobs printed for it


def printed_letters_verify(
    db: Database, office_id: int, printer_files: list[Path], today: dt.date
) -> PrintedCheck:
    """Every letter on paper is in the register, the very same letter, and valid."""
    texts = [
        t for path in printer_files if path.exists() for t in printed_qr_texts(path.read_bytes())
    ]
    per_number: Tally[str] = Tally()
    tokens: dict[str, str] = {}
    with db.read() as session:
        keys = public_keys(session, office_id)
        for qr in texts:
            seal = verify_token(qr, keys, today=today)
            check = register_check(session, office_id, qr, seal)
            assert check.status == "valid" and check.register == REGISTER_FOUND, check.message
            assert check.text_matches is True, check.message
            assert seal.payload is not None
            number = seal.payload.number
            assert tokens.setdefault(number, qr) == qr, f"{number} printed for two letters"
            per_number[number] += 1
        counts = dict(
            session.execute(
                select(Letter.number, Letter.print_count).where(Letter.office_id == office_id)
            ).all()
        )
    for number, printed in per_number.items():
        # a kill between the print and its record leaves print_count one short, never over
        assert counts[number] in (printed, printed - 1), (number, counts[number], printed)
    for number, count in counts.items():
        assert count <= per_number.get(number, 0), f"{number}: counted {count}, not on paper"
    return PrintedCheck(len(texts), dict(per_number))


def check_station(
    db: Database,
    office_id: int,
    *,
    printer_files: Iterable[Path] = (),
    today: dt.date | None = None,
) -> tuple[dict[str, int], PrintedCheck]:
    """All the checks of the module docstring; returns the count per scope and the prints."""
    database_sound(db)
    with db.read() as session:
        chain = verify_chain(session, office_id)
        assert chain.ok, chain
    scopes = sequences_gap_free(db, office_id)
    issue_events_match_letters(db, office_id)
    printed = printed_letters_verify(db, office_id, list(printer_files), today or dt.date.today())
    return scopes, printed


def issue_events_match_letters(db: Database, office_id: int) -> None:
    """Each letter in the register has exactly one ``letter.issue`` event, and no event names
    a letter that is not there (they commit in one transaction)."""
    with db.read() as session:
        numbers = set(session.scalars(select(Letter.number).where(Letter.office_id == office_id)))
        events = Tally(
            session.scalars(
                select(AuditEvent.subject).where(
                    AuditEvent.office_id == office_id, AuditEvent.action == "letter.issue"
                )
            )
        )
    assert set(events) == numbers and set(events.values()) <= {1}


def letter_count(db: Database, office_id: int) -> int:
    with db.read() as session:
        return int(
            session.scalar(select(func.count(Letter.id)).where(Letter.office_id == office_id)) or 0
        )
