"""Counters and the day: open (or change services and cover mode), close, heartbeat, day end.

A counter belongs to one operator while open; its heartbeat (``touch``) tells the others it is
alive. Closing never strands a resident: a ticket it holds waits there to be taken over, and
tickets transferred to it go back to their service's queue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.office.services import service_by_prefix, set_counter_services
from station.queue.rules import (
    CALLED,
    DEFAULT_DAY_END_REASON,
    NOT_SERVED,
    SERVING,
    WAITING,
    OfficeQueue,
    QueueError,
    is_live,
    resolve_now,
)
from station.queue.transactions import (
    get_counter,
    get_operator,
    held_ticket,
    my_counter,
    record,
)
from station.queue.view import (
    CounterView,
    Names,
    counter_view,
)
from station.store import audit
from station.store.models import Counter, Operator, QueueEvent, Ticket


@dataclass(frozen=True)
class DayEnd:
    day: dt.date
    closed: list[str]  # numbers closed as not served
    by_service: dict[str, int]
    still_serving: list[str]  # in service at a counter: left for the operator to finish

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "closed": len(self.closed),
            "numbers": self.closed,
            "by_service": self.by_service,
            "still_serving": self.still_serving,
        }


def close_day(
    session: Session,
    q: OfficeQueue,
    operator: str,
    *,
    day: dt.date | None = None,
    reason: str = DEFAULT_DAY_END_REASON,
    now: dt.datetime | None = None,
) -> DayEnd:
    """Close the day's waiting and called tickets as not served, with the reason, and count
    them. Tickets in service are left for their operator to finish. Numbering restarts by
    itself: the next day has its own sequence scope."""
    now = resolve_now(now)
    today = q.day(now)
    day = day or today
    if day > today:
        raise QueueError(f"Hari {day} belum tiba.", "future_day")
    tickets = session.scalars(
        select(Ticket)
        .where(
            Ticket.office_id == q.office_id,
            Ticket.day == day,
            Ticket.status.in_((WAITING, CALLED)),
        )
        .order_by(Ticket.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    names = Names.load(session, q.office_id)
    by_service: dict[str, int] = {}
    for ticket in tickets:
        previous = ticket.status
        ticket.status = NOT_SERVED
        ticket.finished_at = now
        ticket.close_reason = reason[:200]
        prefix = names.services[ticket.queue_service_id].prefix
        by_service[prefix] = by_service.get(prefix, 0) + 1
        session.add(
            QueueEvent(
                office_id=q.office_id,
                at=now,
                day=ticket.day,
                action="not_served",
                ticket_id=ticket.id,
                service_id=ticket.queue_service_id,
                counter_id=ticket.counter_id,
                operator=operator,
                details={"reason": reason, "previous": previous},
            )
        )
    still_serving = session.scalars(
        select(Ticket.number).where(
            Ticket.office_id == q.office_id, Ticket.day == day, Ticket.status == SERVING
        )
    ).all()
    result = DayEnd(
        day=day,
        closed=[t.number for t in tickets],
        by_service=by_service,
        still_serving=list(still_serving),
    )
    session.flush()
    # One audit event names every ticket closed: a day end is one act of the operator.
    audit.record(
        session,
        office_id=q.office_id,
        action="queue.close_day",
        subject=f"day:{day.isoformat()}",
        details={**result.to_dict(), "reason": reason},
        operator=operator,
    )
    return result


# --- counters --------------------------------------------------------------------------------


def _close_earlier_days(session: Session, q: OfficeQueue, operator: str, now: dt.datetime) -> None:
    """The first counter opened on a new day ends any earlier day left open."""
    today = q.day(now)
    days = session.scalars(
        select(Ticket.day)
        .where(
            Ticket.office_id == q.office_id,
            Ticket.status.in_((WAITING, CALLED)),
            Ticket.day < today,
        )
        .distinct()
    ).all()
    for day in sorted(days):
        close_day(session, q, operator, day=day, reason="Hari layanan sudah berakhir", now=now)


def open_counter(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    services: list[str] | None = None,
    cover: bool | None = None,
    now: dt.datetime | None = None,
) -> CounterView:
    """Open a counter for an operator, or change what an open counter serves (services, cover
    mode). A stale counter may be opened by another operator (its PC died)."""
    now = resolve_now(now)
    op = get_operator(session, q, operator)
    counter = get_counter(session, q, counter_number)
    changes: dict[str, Any] = {}
    action = "counter_opened"
    if counter.is_open and counter.operator_id == op.id:
        action = "counter_changed"
    elif counter.is_open and is_live(counter, now, q.policy):
        holder = session.get(Operator, counter.operator_id) if counter.operator_id else None
        raise QueueError(
            f"Loket {counter.number} sedang dibuka oleh "
            f"{holder.username if holder else 'petugas lain'}.",
            "counter_taken",
        )
    else:
        other = session.scalars(
            select(Counter).where(
                Counter.office_id == q.office_id,
                Counter.operator_id == op.id,
                Counter.is_open.is_(True),
                Counter.id != counter.id,
            )
        ).first()
        if other is not None:
            raise QueueError(
                f"{operator} masih membuka Loket {other.number}; tutup dulu loket itu.",
                "operator_elsewhere",
            )
        if counter.is_open:
            changes["replaced_operator_id"] = counter.operator_id
        counter.is_open = True
        counter.operator_id = op.id
        counter.opened_at = now
        counter.cover_mode = False
    if services is not None:
        wanted = []
        for prefix in services:
            service = service_by_prefix(session, q.office_id, prefix)
            if service is None:
                raise QueueError(f"Layanan '{prefix}' tidak ada.", "unknown_service")
            wanted.append(service.id)
        set_counter_services(session, counter, wanted)
        changes["services"] = sorted(p.upper() for p in services)
    if cover is not None and cover != counter.cover_mode:
        counter.cover_mode = cover
        changes["cover"] = cover
    counter.heartbeat_at = now
    session.flush()
    _close_earlier_days(session, q, operator, now)  # locks tickets: before the audit head
    if action == "counter_opened" or changes:
        record(session, q, action, now, operator=operator, counter=counter, details=changes)
    return counter_view(session, q, counter, Names.load(session, q.office_id), now)


def close_counter(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    now: dt.datetime | None = None,
) -> CounterView:
    """Close a counter: by its operator, by an admin, or by anyone once it is stale. A ticket it
    still holds stays there for another counter to take over (or return to the queue); tickets
    transferred to it go back to their service's queue."""
    now = resolve_now(now)
    op = get_operator(session, q, operator)
    counter = get_counter(session, q, counter_number)
    if not counter.is_open:
        raise QueueError(f"Loket {counter.number} sudah tutup.", "counter_closed")
    own = counter.operator_id == op.id
    if not own and op.role != "admin" and is_live(counter, now, q.policy):
        raise QueueError(
            f"Loket {counter.number} dibuka petugas lain dan masih aktif.", "wrong_operator"
        )
    held = held_ticket(session, counter)
    reserved = session.scalars(
        select(Ticket)
        .where(Ticket.target_counter_id == counter.id, Ticket.status == WAITING)
        .order_by(Ticket.id)
        .with_for_update()
    ).all()
    counter.is_open = False
    counter.cover_mode = False
    counter.operator_id = None
    session.flush()
    record(
        session,
        q,
        "counter_closed",
        now,
        operator=operator,
        counter=counter,
        details={"left_ticket": held.number if held else None, "own": own},
    )
    for ticket in reserved:
        ticket.target_counter_id = None
        session.flush()
        record(session, q, "released", now, operator=operator, ticket=ticket, counter=counter)
    return counter_view(session, q, counter, Names.load(session, q.office_id), now, held)


def touch(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Heartbeat of an operator app. Not an event: it changes no ticket, and one a few
    seconds per counter would drown the audit trail."""
    my_counter(session, q, counter_number, operator, resolve_now(now))
