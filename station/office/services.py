"""Services (layanan) and counters (loket): the default set, lookups, and what a counter serves.

Kept apart from the ticket transitions in ``station.queue.facade`` because the kiosk, the board and
the
admin need these without the queue's locking rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.store.models import Counter, CounterService, Service


@dataclass(frozen=True)
class ServiceSpec:
    prefix: str
    name: str
    typical_minutes: int
    documents: tuple[str, ...]


DEFAULT_SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "A",
        "Surat Keterangan",
        10,
        (
            "KTP-el asli",
            "Kartu Keluarga (KK) asli",
            "Surat pengantar RT/RW",
        ),
    ),
    ServiceSpec(
        "B",
        "Kependudukan (pindah, lahir, mati)",
        15,
        (
            "KTP-el dan Kartu Keluarga (KK) asli",
            "Surat pengantar RT/RW",
            "Kelahiran: surat keterangan lahir dari bidan, puskesmas atau rumah sakit",
            "Kematian: surat keterangan kematian dari rumah sakit atau dua orang saksi",
            "Pindah: alamat tujuan lengkap dan KK semua anggota yang pindah",
        ),
    ),
    ServiceSpec(
        "C",
        "Informasi & Pengaduan",
        5,
        (
            "KTP-el (bila ada)",
            "Dokumen pendukung pengaduan (bila ada)",
        ),
    ),
)

# (number, name, service prefixes): two counters that between them serve everything; C at both.
DEFAULT_COUNTERS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "Loket 1", ("A", "C")),
    (2, "Loket 2", ("B", "C")),
)


def seed_queue_defaults(session: Session, office_id: int) -> bool:
    """Create the default services and counters that are missing; returns True if it added any.

    Idempotent: existing services are never changed (the admin may have edited them), and
    counters are added only to an office that has none.
    """
    created = False
    existing = {
        s.prefix: s for s in session.scalars(select(Service).where(Service.office_id == office_id))
    }
    for order, spec in enumerate(DEFAULT_SERVICES):
        if spec.prefix not in existing:
            service = Service(
                office_id=office_id,
                prefix=spec.prefix,
                name=spec.name,
                active=True,
                typical_minutes=spec.typical_minutes,
                documents=list(spec.documents),
                sort_order=order,
            )
            session.add(service)
            existing[spec.prefix] = service
            created = True
    session.flush()
    has_counters = session.scalar(select(Counter.id).where(Counter.office_id == office_id).limit(1))
    if has_counters is None:
        for number, name, prefixes in DEFAULT_COUNTERS:
            add_counter(session, office_id, number, name, [existing[p].id for p in prefixes])
        created = True
    return created


def add_counter(
    session: Session, office_id: int, number: int, name: str, service_ids: list[int]
) -> Counter:
    counter = Counter(office_id=office_id, number=number, name=name, is_open=False)
    session.add(counter)
    session.flush()
    for service_id in service_ids:
        session.add(CounterService(counter_id=counter.id, service_id=service_id))
    session.flush()
    return counter


def services(session: Session, office_id: int, *, active_only: bool = False) -> list[Service]:
    stmt = select(Service).where(Service.office_id == office_id)
    if active_only:
        stmt = stmt.where(Service.active.is_(True))
    return list(session.scalars(stmt.order_by(Service.sort_order, Service.prefix)))


def service_by_prefix(session: Session, office_id: int, prefix: str) -> Service | None:
    return session.scalars(
        select(Service).where(Service.office_id == office_id, Service.prefix == prefix.upper())
    ).one_or_none()


def counters(session: Session, office_id: int) -> list[Counter]:
    return list(
        session.scalars(
            select(Counter).where(Counter.office_id == office_id).order_by(Counter.number)
        )
    )


def counter_service_ids(session: Session, counter: Counter) -> list[int]:
    """The services this counter is set up for (cover mode aside)."""
    return list(
        session.scalars(
            select(CounterService.service_id).where(CounterService.counter_id == counter.id)
        )
    )


def set_counter_services(session: Session, counter: Counter, service_ids: list[int]) -> None:
    """Replace what the counter serves; allowed while it is open (cover mode,
    docs/architecture.md §Data model)."""
    current = set(counter_service_ids(session, counter))
    wanted = set(service_ids)
    for service_id in current - wanted:
        session.delete(session.get(CounterService, (counter.id, service_id)))
    for service_id in wanted - current:
        session.add(CounterService(counter_id=counter.id, service_id=service_id))
    session.flush()
    session.expire(counter, ["services"])


def active_service_ids(session: Session, office_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Service.id).where(Service.office_id == office_id, Service.active.is_(True))
        )
    )


def served_service_ids(session: Session, counter: Counter) -> list[int]:
    """What the counter calls now: every active service in cover mode, else its own."""
    if counter.cover_mode:
        return active_service_ids(session, counter.office_id)
    return list(
        session.scalars(
            select(CounterService.service_id)
            .join(Service, Service.id == CounterService.service_id)
            .where(CounterService.counter_id == counter.id, Service.active.is_(True))
        )
    )
