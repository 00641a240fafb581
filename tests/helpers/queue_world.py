"""Helpers for queue tests: a database with many independent offices, operators without the
cost of hashing a PIN, and a clock the test moves by hand."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from station.office.services import seed_queue_defaults
from station.queue.facade import Queue, QueuePolicy
from station.store.db import Database
from station.store.models import Letter, LetterType, Office, Operator, Ticket

WITA = ZoneInfo("Asia/Makassar")
T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=WITA)  # a Monday morning in Kupang
_codes = itertools.count(1)


def at(minutes: float, base: dt.datetime = T0) -> dt.datetime:
    return base + dt.timedelta(minutes=minutes)


def _office_code(n: int) -> str:
    return f"99.99.{n // 10000:02d}.{n % 10000:04d}"


def new_office(db: Database, operators: tuple[str, ...] = ("yohana", "petrus", "admin")) -> int:
    """A fresh office with the default services and counters: tests share one database and
    stay independent because every queue row belongs to one office."""
    with db.write() as session:
        office = Office(
            code=_office_code(next(_codes)),
            name="Uji",
            kecamatan="Kelapa Lima",
            kota="Kota Kupang",
            provinsi="Nusa Tenggara Timur",
            unit_code="KEL.UJI",
            timezone="Asia/Makassar",
        )
        session.add(office)
        session.flush()
        seed_queue_defaults(session, office.id)
        for username in operators:
            session.add(
                Operator(
                    office_id=office.id,
                    username=username,
                    display_name=username.title(),
                    role="admin" if username == "admin" else "operator",
                    pin_hash="not-a-hash",  # PINs play no part in the queue
                )
            )
        return office.id


def new_queue(db: Database, policy: QueuePolicy | None = None) -> Queue:
    return Queue(db, new_office(db), WITA, policy)


def add_letter(q: Queue, ticket: str, day: dt.date, *, status: str = "issued") -> None:
    """A letter row for ``ticket`` as the letter module leaves it (number, type, ticket,
    status), without rendering or sealing: the queue only reads that it exists."""
    from sqlalchemy import select

    office_id = q.office.office_id
    with q.db.write() as session:
        ticket_id = session.scalars(
            select(Ticket.id).where(
                Ticket.office_id == office_id, Ticket.day == day, Ticket.number == ticket
            )
        ).one()
        letter_type = LetterType(
            office_id=office_id, code=f"T{ticket_id}", title="UJI", classification="400"
        )
        session.add(letter_type)
        session.flush()
        session.add(
            Letter(
                office_id=office_id,
                letter_type_id=letter_type.id,
                number=f"400/{ticket_id:03d}/KEL.UJI/{day.year}",
                year=day.year,
                sequence=ticket_id,
                resident_data={},
                ticket_id=ticket_id,
                key_id="0" * 16,
                signature=b"-",
                status=status,
            )
        )
