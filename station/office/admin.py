"""The admin's changes to how the office serves: services open or closed, what each counter
serves. Audited; a counter's services may change while it is open (cover mode is the
operator's own switch, see ``queue_counters.open_counter``).

At the end, what the admin screen asks, each one transaction of its own on an open station:
the overview (operators, services, counters, signing keys), the acts on operators, services,
counters and keys, and the audit trail. The screen never opens a database session
(docs/architecture.md).

Core module: no Textual import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from station.home.keys import office_keys, private_key_path, rotate_key
from station.office.operators import (
    OperatorInfo,
    enrol_operator,
    list_operators,
    require_admin,
    reset_pin,
    set_active,
)
from station.office.services import (
    add_counter,
    counter_service_ids,
    counters,
    service_by_prefix,
    services,
    set_counter_services,
)
from station.store import audit
from station.store.errors import StationError
from station.store.models import AuditEvent, Counter, QueueEvent, Service, Ticket

if TYPE_CHECKING:
    from station.home.context import Station


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
    return [_setup(session, office_id, c) for c in counters(session, office_id)]


def set_service_active(
    session: Session, office_id: int, prefix: str, active: bool, *, by: str
) -> None:
    require_admin(session, office_id, by, act="membuka atau menutup layanan")
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
    require_admin(session, office_id, by, act="mengubah layanan loket")
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
    require_admin(session, office_id, by, act="menambah loket")
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
    require_admin(session, office_id, by, act="mengubah loket")
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
    require_admin(session, office_id, by, act="menghapus loket")
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


# ------------------------------------------------------------------------------------------
# The admin screen's calls, each in its own transaction


@dataclass(frozen=True)
class KeyState:
    """One signing key of the office and its private key file on this PC."""

    key_id: str
    active: bool
    created_at: dt.datetime
    file_mode: int | None  # permission bits of the private key file; None: the file is missing


@dataclass(frozen=True)
class AdminOverview:
    operators: list[OperatorInfo]
    services: list[tuple[str, str, bool]]  # prefix, name, open
    counters: list[CounterSetup]
    keys: list[KeyState]


def admin_overview(station: Station) -> AdminOverview:
    """Operators, services, counters and signing keys, in one read."""
    office_id = station.office_id
    with station.db.read() as session:
        keys = []
        for key in office_keys(session, office_id):
            path = private_key_path(station.config.keys_dir, key.key_id)
            mode = os.stat(path).st_mode & 0o777 if path.exists() else None
            keys.append(KeyState(key.key_id, key.retired_at is None, key.created_at, mode))
        return AdminOverview(
            operators=list_operators(session, office_id),
            services=[(s.prefix, s.name, s.active) for s in service_rows(session, office_id)],
            counters=counter_setups(session, office_id),
            keys=keys,
        )


def create_operator(station: Station, values: Mapping[str, str], *, by: str) -> None:
    """A new operator (``username``, ``display_name``, ``role``, ``pin``); audited."""
    with station.db.write() as session:
        enrol_operator(
            session,
            station.office_id,
            username=values["username"],
            display_name=values["display_name"],
            role=values["role"],
            pin=values["pin"],
            by=by,
        )


def change_pin(station: Station, username: str, pin: str, *, by: str) -> None:
    with station.db.write() as session:
        reset_pin(session, station.office_id, username, pin, by=by)


def set_operator_active(station: Station, username: str, active: bool, *, by: str) -> None:
    with station.db.write() as session:
        set_active(session, station.office_id, username, active, by=by)


def open_service(station: Station, prefix: str, active: bool, *, by: str) -> None:
    """Open (``active``) or close a service (:func:`set_service_active`)."""
    with station.db.write() as session:
        set_service_active(session, station.office_id, prefix, active, by=by)


def switch_counter_service(
    station: Station, number: int, prefix: str, *, by: str
) -> tuple[str, ...]:
    """:func:`toggle_counter_service` in its own transaction."""
    with station.db.write() as session:
        return toggle_counter_service(session, station.office_id, number, prefix, by=by)


def add_counter_setup(
    station: Station, number: int, name: str, prefixes: list[str], *, by: str
) -> CounterSetup:
    """:func:`create_counter` in its own transaction (the admin screen's "Tambah loket")."""
    with station.db.write() as session:
        return create_counter(session, station.office_id, number, name, prefixes, by=by)


def change_counter(
    station: Station, number: int, name: str, prefixes: list[str], *, by: str
) -> CounterSetup:
    """:func:`edit_counter` in its own transaction (the admin screen's "Ubah loket")."""
    with station.db.write() as session:
        return edit_counter(session, station.office_id, number, name=name, prefixes=prefixes, by=by)


def delete_counter(station: Station, number: int, *, by: str) -> None:
    """:func:`remove_counter` in its own transaction: refused while open or once it served."""
    with station.db.write() as session:
        remove_counter(session, station.office_id, number, by=by)


def new_signing_key(station: Station, *, by: str) -> str:
    """Rotate the office's signing key (``rotate_key``, admins only), audited; returns the new
    key's id."""
    with station.db.write() as session:
        key_id, retired = rotate_key(session, station.office_id, station.config.keys_dir, by=by)
        audit.record(
            session, office_id=station.office_id, action="keys.rotate", subject=key_id,
            details={"retired": retired}, operator=by,
        )  # fmt: skip
    return key_id


def audit_trail(station: Station, *, limit: int, **filters: Any) -> list[AuditEvent]:
    """The office's audit events, newest first, filtered (``audit.query_events``)."""
    with station.db.read() as session:
        return audit.query_events(
            session, station.office_id, tz=station.config.tz, limit=limit, **filters
        )


def audit_chain(station: Station) -> audit.ChainReport:
    """Walk the office's audit chain (``audit.verify_chain``)."""
    with station.db.read() as session:
        return audit.verify_chain(session, station.office_id)
