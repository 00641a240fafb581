"""The demo office: Kelurahan Oesapa with two operators, an admin and synthetic residents.

Runs in ``STATION_HOME`` when set, else in its own ``station-demo`` home so a demo never
mixes with a real office's data. Seeding twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy import select

from station.home.config import StationConfig
from station.home.context import Station, init_station, open_station
from station.home.demo_data import write_csv
from station.office.operators import add_operator
from station.queue.facade import Queue
from station.register.importing.bulk import import_file
from station.store.models import Operator, Resident

DEMO_OPERATORS = (
    {"username": "yohana", "display_name": "Yohana Ndoen", "role": "operator", "pin": "1357"},
    {"username": "petrus", "display_name": "Petrus Tefa", "role": "operator", "pin": "2468"},
    {"username": "admin", "display_name": "Admin Kelurahan", "role": "admin", "pin": "9753"},
)
DEMO_TODAY = dt.date(2026, 1, 1)  # fixed, so the synthetic register is the same everywhere


@dataclass(frozen=True)
class DemoResult:
    home: Path
    operators: tuple[dict[str, str], ...]
    residents: int
    printer: str
    created: bool
    sample_nik: str  # an adult, active resident: the NIK to try at the counter
    previews: Path = Path()
    waiting: tuple[str, ...] = ()  # tickets waiting today, so F2 has someone to call
    verify_base_url: str = ""  # where the demo letters' QR codes point (station serve)
    sample_pin: str = ""  # the sample resident's PIN mandiri, to try the Service Box


DEMO_VERIFY_URL = "http://127.0.0.1:8080/"


def demo_home() -> Path:
    env = os.environ.get("STATION_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir("station-demo", appauthor=False))


def seed_demo(resident_count: int = 2000, *, channel: str | None = None) -> DemoResult:
    home = demo_home()
    template = StationConfig(home=home)
    template.office.lurah_name = "Drs. Contoh Lurah (DEMO)"
    template.office.lurah_nip = "196804111993031009"
    template.office.lurah_rank = "Penata Tk. I (III/d)"
    template.printer.uri = f"file:{home / 'printer-output.bin'}"
    template.printer.preview_dir = str(home / "cetakan")
    template.kiosk.opening_hours = []  # a demo takes tickets at any hour, weekends too
    # `station serve` listens on 127.0.0.1:8080 by default: the demo's QR codes open there.
    template.verify_base_url = DEMO_VERIFY_URL
    init_station(home, template=template, channel=channel)
    station = open_station(home, channel=channel)
    created = False
    try:
        with station.db.write() as session:
            existing = set(
                session.scalars(
                    select(Operator.username).where(Operator.office_id == station.office_id)
                )
            )
            for spec in DEMO_OPERATORS:
                if spec["username"] not in existing:
                    add_operator(session, station.office_id, by="demo", **spec)
                    created = True
        csv_path = home / "demo-residents.csv"
        write_csv(csv_path, resident_count, today=DEMO_TODAY)
        try:
            result = import_file(
                station.db, station.office_id, csv_path, operator="demo", today=DEMO_TODAY
            )
        finally:
            csv_path.unlink(missing_ok=True)
        created = created or result.imported > 0
        with station.db.read() as session:
            total = session.query(Resident).count()
            adult_born_before = DEMO_TODAY.replace(year=DEMO_TODAY.year - 25)
            sample = (
                session.scalar(
                    select(Resident.nik)
                    .where(Resident.status == "active", Resident.birth_date < adult_born_before)
                    .order_by(Resident.id)
                    .limit(1)
                )
                or ""
            )
        waiting = _some_waiting_tickets(station)
        sample_pin = _sample_pin(station, sample) if sample else ""
    finally:
        station.close()
    return DemoResult(
        home=home,
        operators=DEMO_OPERATORS,
        residents=total,
        printer=station.config.printer.uri,
        created=created,
        sample_nik=sample,
        previews=Path(station.config.printer.preview_dir),
        waiting=waiting,
        verify_base_url=station.config.verify_base_url,
        sample_pin=sample_pin,
    )


DEMO_PINS = ("482913", "715938", "603827")  # the first one the PIN rules accept is used


def _sample_pin(station: Station, nik: str) -> str:
    """The sample resident, marked as having recorded the e-KTP, gets a PIN mandiri for the
    Service Box (``station box``), as a counter would set it after seeing the KTP. A PIN
    already set (a second ``station demo``) is kept: the demo's PIN is the first that fits."""
    from station.register.pins import has_pin, pin_problem, set_pin

    with station.db.write() as session:
        resident = session.scalars(select(Resident).where(Resident.nik == nik)).one()
        resident.ektp_recorded = True
        pin = next(p for p in DEMO_PINS if pin_problem(p, resident) is None)
        if not has_pin(session, station.office_id, nik):
            set_pin(session, station.office_id, nik, pin, operator="demo", now=station.clock.now())
    return pin


def _some_waiting_tickets(station: Station) -> tuple[str, ...]:
    """Three residents waiting (as if they took tickets at the kiosk) unless some already are."""
    queue = Queue.for_station(station)
    waiting = [t.number for t in queue.status().waiting]
    if not waiting:
        waiting = [queue.take_ticket(prefix).ticket.number for prefix in ("A", "A", "B")]
    return tuple(waiting)
