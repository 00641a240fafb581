"""Helpers for queue tests: a database with many independent offices, operators without the
cost of hashing a PIN, and a clock the test moves by hand."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from station.office.services import seed_queue_defaults
from station.queue.facade import Queue, QueuePolicy
from station.store.db import Database
from station.store.models import Office, Operator

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
