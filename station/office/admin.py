"""The admin's changes to how the office serves: services open or closed, what each counter
serves. Audited; a counter's services may change while it is open (cover mode is the
operator's own switch, see ``queue_counters.open_counter``).

Core module: no Textual import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from station.office.services import (
    add_counter,
    counter_service_ids,
    counters,
    service_by_prefix,
    services,
    set_counter_services,
)
from station.store import audit
from station.store.models import Counter, QueueEvent, Service, Ticket


class AdminError(Exception):
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
    return [_setup(session, office_id, c) for c in counters(session, office_id)]


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


MAX_COUNTER = 99  # a loket number the board and the spoken call can say


def _service_ids(session: Session, office_id: int, prefixes: list[str]) -> list[int]:
    wanted = [p.strip().upper() for p in prefixes if p.strip()]
    if not wanted:
        raise AdminError("Loket harus melayani minimal satu layanan (mis. A,B,C).")
    found = []
    for prefix in dict.fromkeys(wanted):
        service = service_by_prefix(session, office_id, prefix)
        if service is None:
            known = ", ".join(s.prefix for s in services(session, office_id))
            raise AdminError(f"Layanan '{prefix}' tidak ada (yang ada: {known}).")
        found.append(service.id)
    return found


def _name(name: str, number: int) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        return f"Loket {number}"
    if len(cleaned) > 50:
        raise AdminError("Nama loket paling panjang 50 huruf.")
    return cleaned


def create_counter(
    session: Session, office_id: int, number: int, name: str, prefixes: list[str], *, by: str
) -> CounterSetup:
    """A new counter (loket) serving ``prefixes``; closed until an operator opens it."""
    if not 1 <= number <= MAX_COUNTER:
        raise AdminError(f"Nomor loket harus 1 sampai {MAX_COUNTER}.")
    if _counter(session, office_id, number) is not None:
        raise AdminError(f"Loket {number} sudah ada.")
    service_ids = _service_ids(session, office_id, prefixes)
    counter = add_counter(session, office_id, number, _name(name, number), service_ids)
    setup = _setup(session, office_id, counter)
    audit.record(
        session,
        office_id=office_id,
        action="counter.add",
        subject=f"loket {number}",
        details={"name": setup.name, "services": list(setup.services)},
        operator=by,
    )
    return setup


def edit_counter(
    session: Session,
    office_id: int,
    number: int,
    *,
    name: str | None = None,
    prefixes: list[str] | None = None,
    by: str,
) -> CounterSetup:
    """Rename a counter or change what it serves (allowed while open, like cover mode)."""
    counter = _counter(session, office_id, number)
    if counter is None:
        raise AdminError(f"Loket {number} tidak ada.")
    before = _setup(session, office_id, counter)
    if name is not None:
        counter.name = _name(name, number)
    if prefixes is not None:
        set_counter_services(session, counter, _service_ids(session, office_id, prefixes))
    session.flush()
    after = _setup(session, office_id, counter)
    if after != before:
        audit.record(
            session,
            office_id=office_id,
            action="counter.edit",
            subject=f"loket {number}",
            details={
                "before": {"name": before.name, "services": list(before.services)},
                "after": {"name": after.name, "services": list(after.services)},
            },
            operator=by,
        )
    return after


def remove_counter(session: Session, office_id: int, number: int, *, by: str) -> None:
    """Remove a counter that is closed and has never served: its tickets and calls are the
    office's history (the board, reports and the audit name it), so a counter that served
    stays; rename it or change its services instead."""
    counter = _counter(session, office_id, number)
    if counter is None:
        raise AdminError(f"Loket {number} tidak ada.")
    if counter.is_open:
        raise AdminError(f"Loket {number} sedang dibuka; tutup dulu sebelum dihapus.")
    used = session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(or_(Ticket.counter_id == counter.id, Ticket.target_counter_id == counter.id))
    ) or session.scalar(
        select(func.count()).select_from(QueueEvent).where(QueueEvent.counter_id == counter.id)
    )
    if used:
        raise AdminError(
            f"Loket {number} sudah punya riwayat layanan dan tidak dapat dihapus; ubah nama "
            "atau layanannya saja."
        )
    if len(counters(session, office_id)) <= 1:
        raise AdminError("Kantor harus punya minimal satu loket.")
    set_counter_services(session, counter, [])
    session.delete(counter)
    session.flush()
    audit.record(
        session, office_id=office_id, action="counter.remove", subject=f"loket {number}",
        operator=by,
    )  # fmt: skip


def _setup(session: Session, office_id: int, counter: Counter) -> CounterSetup:
    by_id = {s.id: s.prefix for s in services(session, office_id)}
    return CounterSetup(
        counter.number,
        counter.name,
        counter.is_open,
        tuple(sorted(by_id[i] for i in counter_service_ids(session, counter) if i in by_id)),
    )


def _counter(session: Session, office_id: int, number: int) -> Counter | None:
    return next((c for c in counters(session, office_id) if c.number == number), None)
