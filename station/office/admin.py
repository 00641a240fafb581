"""The admin's changes to how the office serves: services open or closed, what each counter
serves. Audited; a counter's services may change while it is open (cover mode is the
operator's own switch, see ``queue_counters.open_counter``).

Core module: no Textual import (DESIGN §2).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from station.office.services import (
    counter_service_ids,
    counters,
    service_by_prefix,
    services,
    set_counter_services,
)
from station.store import audit
from station.store.errors import StationError
from station.store.models import Counter, Service


class AdminError(StationError):
    """A refused change, worded for the admin (Bahasa Indonesia)."""


@dataclass(frozen=True)
class CounterSetup:
    number: int
    name: str
    is_open: bool
    services: tuple[str, ...]


def service_rows(session: Session, office_id: int) -> list[Service]:
    return services(session, office_id)


def counter_setups(session: Session, office_id: int) -> list[CounterSetup]:
    by_id = {s.id: s.prefix for s in services(session, office_id)}
    return [
        CounterSetup(
            c.number,
            c.name,
            c.is_open,
            tuple(sorted(by_id[i] for i in counter_service_ids(session, c) if i in by_id)),
        )
        for c in counters(session, office_id)
    ]


def set_service_active(
    session: Session, office_id: int, prefix: str, active: bool, *, by: str
) -> None:
    service = service_by_prefix(session, office_id, prefix)
    if service is None:
        raise AdminError(f"Layanan '{prefix}' tidak ada.")
    if not active and sum(s.active for s in services(session, office_id)) <= 1:
        raise AdminError("Minimal satu layanan harus tetap dibuka.")
    if service.active == active:
        return
    service.active = active
    audit.record(
        session,
        office_id=office_id,
        action="service.open" if active else "service.close",
        subject=service.prefix,
        operator=by,
    )


def toggle_counter_service(
    session: Session, office_id: int, number: int, prefix: str, *, by: str
) -> tuple[str, ...]:
    """Add or remove one service from a counter; returns what it serves afterwards."""
    counter = _counter(session, office_id, number)
    service = service_by_prefix(session, office_id, prefix)
    if counter is None or service is None:
        raise AdminError(f"Loket {number} atau layanan '{prefix}' tidak ada.")
    current = set(counter_service_ids(session, counter))
    wanted = current ^ {service.id}
    if not wanted:
        raise AdminError(f"Loket {number} harus melayani minimal satu layanan.")
    set_counter_services(session, counter, sorted(wanted))
    by_id = {s.id: s.prefix for s in services(session, office_id)}
    after = tuple(sorted(by_id[i] for i in wanted))
    audit.record(
        session,
        office_id=office_id,
        action="counter.services",
        subject=f"loket {number}",
        details={"services": list(after)},
        operator=by,
    )
    return after


def _counter(session: Session, office_id: int, number: int) -> Counter | None:
    return next((c for c in counters(session, office_id) if c.number == number), None)
