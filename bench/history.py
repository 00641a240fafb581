"""City-scale history for the benchmarks: months of finished tickets and letters in bulk.

The API would take hours to produce 100 days x 300 tickets and 100,000 letters per office,
so rows are inserted in bulk, shaped exactly as the API leaves them (tickets with their queue
and audit events and a valid audit chain: ``queue_bench.add_done_tickets``; letters with a
frozen resident, a signature and a number outside the office's live numbering). Used by
``bench/all.py`` (one office on SQLite, several offices on one PostgreSQL) and
``bench/poll_bench.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from queue_bench import add_done_tickets  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from station.office.services import seed_queue_defaults  # noqa: E402
from station.store import audit  # noqa: E402
from station.store.db import Database  # noqa: E402
from station.store.models import Letter, LetterType, Office, Operator  # noqa: E402

HISTORY_DAYS = 100
TICKETS_PER_DAY = 300
LETTERS = 100_000
LETTER_TYPES = ("SKD", "SKTM", "SKU", "N1")


def history_days(today: dt.date, days: int = HISTORY_DAYS) -> list[dt.date]:
    """The ``days`` office days before ``today``, oldest first (weekends too: a busy city)."""
    return [today - dt.timedelta(days=d) for d in range(days, 0, -1)]


def add_offices(db: Database, count: int, operators: tuple[str, ...] = ("op1", "op2")) -> list[int]:
    """``count`` more kelurahan on the same database, each with services, counters and
    operators (no PIN hashing: nobody signs in to them)."""
    ids = []
    with db.write() as session:
        first = session.scalar(select(func.count(Office.id))) or 0
        for n in range(first, first + count):
            office = Office(
                code=f"53.71.99.{2000 + n:04d}",
                name=f"Kota {n + 1}",
                kecamatan="Kelapa Lima",
                kota="Kota Kupang",
                provinsi="Nusa Tenggara Timur",
                unit_code=f"KEL.K{n + 1}",
                timezone="Asia/Makassar",
            )
            session.add(office)
            session.flush()
            seed_queue_defaults(session, office.id)
            add_bench_operators(session, office.id, operators)
            audit.record(session, office_id=office.id, action="bench.start")  # the chain's head
            ids.append(office.id)
    return ids


def add_bench_operators(session: object, office_id: int, usernames: tuple[str, ...]) -> None:
    """Operators the queue bench's processes act as (the queue never checks a PIN)."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    existing = set(
        session.scalars(select(Operator.username).where(Operator.office_id == office_id))
    )
    for username in usernames:
        if username not in existing:
            session.add(
                Operator(
                    office_id=office_id,
                    username=username,
                    display_name=username.title(),
                    role="operator",
                    pin_hash="not-a-hash",
                )
            )


def add_ticket_history(
    db: Database, office_id: int, today: dt.date, days: int = HISTORY_DAYS
) -> float:
    """100 days x 300 finished tickets (and 4 queue + 4 audit events each); seconds taken."""
    began = time.perf_counter()
    add_done_tickets(db, office_id, history_days(today, days), TICKETS_PER_DAY)
    return time.perf_counter() - began


def ensure_letter_types(db: Database, office_id: int) -> dict[str, int]:
    """Code -> letter_type id; rows are created for an office that never issued a letter."""
    with db.write() as session:
        rows = dict(
            session.execute(
                select(LetterType.code, LetterType.id).where(LetterType.office_id == office_id)
            ).all()
        )
        for code in LETTER_TYPES:
            if code not in rows:
                row = LetterType(
                    office_id=office_id,
                    code=code,
                    title=f"Surat {code}",
                    classification="400.12.2.1",
                    fields=[],
                    body_template="",
                    validity_days=30,
                    active=True,
                )
                session.add(row)
                session.flush()
                rows[code] = row.id
    return rows


def add_letter_history(
    db: Database, office_id: int, today: dt.date, count: int = LETTERS, days: int = HISTORY_DAYS
) -> float:
    """``count`` issued letters spread over the ``days`` before today; seconds taken.

    Numbers use a unit code of their own (``HIST``), so they never collide with the numbers the
    office hands out today, and the office's numbering sequence is left alone."""
    began = time.perf_counter()
    types = ensure_letter_types(db, office_id)
    type_ids = [types[c] for c in LETTER_TYPES]
    per_day = max(1, count // days)
    signature = os.urandom(64)
    made = 0
    for index, day in enumerate(history_days(today, days)):
        batch = []
        opening = dt.datetime.combine(day, dt.time(0, 30), dt.UTC)  # 08:30 WITA
        todo = per_day if index < days - 1 else count - made
        for i in range(todo):
            made += 1
            nik = f"5371031708{made % 10**6:06d}"
            batch.append(
                {
                    "office_id": office_id,
                    "letter_type_id": type_ids[made % len(type_ids)],
                    "number": f"400.12.2.1/{made:06d}/HIST/{day.year}",
                    "year": day.year,
                    "sequence": made,
                    "resident_id": None,
                    "resident_data": {"nik": nik, "name": "PENDUDUK RIWAYAT", "sex": "L"},
                    "field_values": {},
                    "purpose": "Riwayat",
                    "issued_at": opening + dt.timedelta(seconds=i * 25),
                    "operator_id": None,
                    "ticket_id": None,
                    "valid_until": day + dt.timedelta(days=30),
                    "key_id": "HISTORYKEY000000",
                    "signature": signature,
                    "status": "issued",
                    "print_count": 1,
                    "document": None,
                    "token": None,
                    "copies": 0,
                }
            )
        with db.write() as session:
            session.execute(insert(Letter), batch)
    return time.perf_counter() - began


def settle(db: Database) -> None:
    """What the database does by itself long before the next office day: fold SQLite's
    write-ahead log into the file (no ANALYZE: the station never runs it, so plans are measured
    as deployed), or VACUUM ANALYZE on PostgreSQL (autovacuum's job)."""
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        raw = db.engine.raw_connection()
        try:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
