"""Building blocks shared by the queue's write transactions: finding and locking the acting
operator, counter and ticket, and recording a transition (queue event and audit event
together). Ticket numbers come from ``station.store.sequence``. Lock order everywhere: counter,
tickets, sequence, audit chain head.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.queue.rules import (
    ACTIVE,
    STATUS_LABELS,
    WAITING,
    OfficeQueue,
    QueueError,
    is_live,
    ticket_subject,
)
from station.register.nik import normalize_nik, parse_nik
from station.store import audit
from station.store.models import Counter, Operator, QueueEvent, Ticket


def get_operator(session: Session, q: OfficeQueue, username: str) -> Operator:
    operator = session.scalars(
        select(Operator).where(Operator.office_id == q.office_id, Operator.username == username)
    ).one_or_none()
    if operator is None or not operator.active:
        raise QueueError(
            f"Petugas '{username}' tidak dikenal atau tidak aktif.", "unknown_operator"
        )
    return operator


def get_counter(session: Session, q: OfficeQueue, number: int, *, lock: bool = True) -> Counter:
    stmt = select(Counter).where(Counter.office_id == q.office_id, Counter.number == number)
    if lock:
        stmt = stmt.with_for_update()
    counter = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if counter is None:
        known = session.scalars(
            select(Counter.number).where(Counter.office_id == q.office_id).order_by(Counter.number)
        ).all()
        listed = ", ".join(str(n) for n in known) or "belum ada"
        raise QueueError(f"Loket {number} tidak ada (loket yang ada: {listed}).", "unknown_counter")
    return counter


def my_counter(
    session: Session, q: OfficeQueue, number: int, username: str, now: dt.datetime
) -> tuple[Counter, Operator]:
    """The acting counter, locked, open and opened by this operator; its heartbeat renewed."""
    operator = get_operator(session, q, username)
    counter = get_counter(session, q, number)
    if not counter.is_open:
        raise QueueError(
            f"Loket {number} belum dibuka. Buka dulu: station queue open --counter {number} "
            f"--operator {username}",
            "counter_closed",
        )
    if counter.operator_id != operator.id:
        holder = session.get(Operator, counter.operator_id) if counter.operator_id else None
        raise QueueError(
            f"Loket {number} dibuka oleh {holder.username if holder else 'petugas lain'}, "
            f"bukan {username}.",
            "wrong_operator",
        )
    counter.heartbeat_at = now
    return counter, operator


def held_ticket(session: Session, counter: Counter) -> Ticket | None:
    """The ticket the counter holds (called or serving), locked."""
    return session.scalars(
        select(Ticket)
        .where(Ticket.counter_id == counter.id, Ticket.status.in_(ACTIVE))
        .order_by(Ticket.id)
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def require_held(
    session: Session, counter: Counter, number: str | None, statuses: tuple[str, ...]
) -> Ticket:
    ticket = held_ticket(session, counter)
    if ticket is None:
        raise QueueError(f"Loket {counter.number} tidak sedang memegang tiket.", "no_ticket")
    if number is not None and ticket.number != number.upper():
        raise QueueError(
            f"Loket {counter.number} memegang {ticket.number}, bukan {number.upper()}.",
            "wrong_ticket",
        )
    if ticket.status not in statuses:
        wanted = " atau ".join(STATUS_LABELS[s] for s in statuses)
        raise QueueError(
            f"Tiket {ticket.number} sedang {STATUS_LABELS[ticket.status]}, bukan {wanted}.",
            "wrong_status",
        )
    return ticket


def find_ticket(session: Session, q: OfficeQueue, number: str, day: dt.date) -> Ticket:
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.office_id == q.office_id, Ticket.day == day, Ticket.number == number.upper())
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if ticket is None:
        raise QueueError(f"Tiket {number.upper()} tidak ada pada hari ini ({day}).", "not_found")
    return ticket


def record(
    session: Session,
    q: OfficeQueue,
    action: str,
    now: dt.datetime,
    *,
    operator: str | None,
    ticket: Ticket | None = None,
    counter: Counter | None = None,
    details: dict[str, Any] | None = None,
    subject: str | None = None,
) -> None:
    """The queue event and the audit event of one transition, in the caller's transaction."""
    info = dict(details or {})
    if counter is not None:
        info.setdefault("counter", counter.number)
    if ticket is not None:
        info.setdefault("status", ticket.status)
    session.add(
        QueueEvent(
            office_id=q.office_id,
            at=now,
            day=ticket.day if ticket is not None else q.day(now),
            action=action,
            ticket_id=ticket.id if ticket is not None else None,
            service_id=ticket.queue_service_id if ticket is not None else None,
            counter_id=counter.id if counter is not None else None,
            operator=operator,
            details=info,
        )
    )
    if subject is None:
        if ticket is not None:
            subject = ticket_subject(ticket.day, ticket.number)
        elif counter is not None:
            subject = f"counter:{counter.number}"
    audit.record(
        session,
        office_id=q.office_id,
        action=f"queue.{action}",
        subject=subject,
        details=info,
        operator=operator,
    )


def back_to_waiting(ticket: Ticket) -> None:
    """Into a queue again, keeping ``issued_at``: its place in time (fairness)."""
    ticket.status = WAITING
    ticket.counter_id = None
    ticket.operator_id = None
    ticket.called_at = None
    ticket.started_at = None
    ticket.call_count = 0


def dead_counter_ids(session: Session, q: OfficeQueue, now: dt.datetime) -> list[int]:
    rows = session.scalars(select(Counter).where(Counter.office_id == q.office_id)).all()
    return [c.id for c in rows if not is_live(c, now, q.policy)]


def checked_nik(nik: str, day: dt.date) -> str:
    info = parse_nik(nik, today=day)
    if not info.valid:
        reasons = "; ".join(e.message for e in info.errors)
        raise QueueError(f"NIK tidak sah: {reasons}", "bad_nik")
    return normalize_nik(nik)
