"""The shared queue: tickets, counters, call next, recall, start, finish, no-show, transfer,
takeover, cancel, day end (issue 3).

Why it is built this way:
- Every transition is one write transaction holding the change, its queue event (statistics)
  and its audit event, so a crash leaves either all three or none.
- Ticket numbers come from the ``sequence`` row of (office, ``ticket:A:2026-11-29``), bumped by
  one upsert in the issuing transaction: unique and gap-free across processes, and a rolled
  back issue rolls the number back too.
- Call next must never give one ticket to two counters. SQLite: the write transaction starts
  with ``BEGIN IMMEDIATE`` (db.py), so select-then-update is serialised. PostgreSQL:
  ``FOR UPDATE SKIP LOCKED``; an empty answer may only mean "all candidates are locked by
  other counters right now", so we look again briefly before saying the queue is empty.
- Lock order is always: the acting counter, then tickets, then sequence rows, then the audit
  chain head (audit.record) — no two transitions can wait on each other in a cycle.
- "Today" is the office's local day; every function takes ``now`` so tests control the clock.

Counters and the day end live in ``station.queue.counters``, shared transaction helpers in
``station.queue.transactions``, reading (status, estimates, checks) in ``station.queue.view``. The
session-level functions take an open write session (so a letter can finish its ticket in its
own transaction); the ``Queue`` facade runs each in its own transaction with a bounded retry.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from station.office.services import served_service_ids, service_by_prefix
from station.queue.counters import DayEnd, close_counter, close_day, open_counter, touch
from station.queue.rules import (
    ACTIVE,
    CALLED,
    CANCELLED,
    DONE,
    LETTER_ISSUED,
    LETTER_REVOKED,
    NO_SHOW,
    OUTCOMES,
    PRIORITY_REASONS,
    SERVING,
    STATUS_LABELS,
    WAITING,
    OfficeQueue,
    QueueError,
    QueuePolicy,
    is_live,
    policy_from_config,
    resolve_now,
)
from station.queue.transactions import (
    back_to_waiting,
    checked_nik,
    dead_counter_ids,
    find_ticket,
    get_counter,
    get_operator,
    held_ticket,
    my_counter,
    record,
    require_held,
)
from station.queue.view import (
    CounterView,
    Names,
    QueueStatus,
    TicketView,
    check_consistency,
    estimate_wait,
    people_ahead,
    queue_status,
    ticket_view,
)
from station.register.nik import mask_nik
from station.store.db import Database
from station.store.errors import DatabaseBusy
from station.store.models import Counter, Letter, Ticket
from station.store.sequence import next_value

__all__ = [
    "OUTCOMES",
    "PRIORITY_REASONS",
    "CounterView",
    "DayEnd",
    "IssuedTicket",
    "OfficeQueue",
    "Queue",
    "QueueError",
    "QueuePolicy",
    "QueueStatus",
    "TicketView",
    "policy_from_config",
]

T = TypeVar("T")


@dataclass(frozen=True)
class IssuedTicket:
    ticket: TicketView
    ahead: int
    estimated_wait_min: int
    documents: list[str]

    def to_dict(self) -> dict[str, Any]:
        data = self.ticket.to_dict()
        data.update(
            ahead=self.ahead, estimated_wait_min=self.estimated_wait_min, documents=self.documents
        )
        return data


# --- tickets ---------------------------------------------------------------------------------


def take_ticket(
    session: Session,
    q: OfficeQueue,
    prefix: str,
    *,
    priority: str | None = None,
    nik: str | None = None,
    operator: str | None = None,
    now: dt.datetime | None = None,
    day: dt.date | None = None,
    channel: str | None = None,
) -> IssuedTicket:
    """Issue the next number of the service for today, or for a later ``day``: a ticket taken
    outside opening hours for the next opening day (a letter request from the Service Box,
    docs/domain.md "Letter requests"). Such a ticket is numbered in that day's sequence and
    is callable only on that day; its ``issued_at`` (when it was taken) puts it ahead of the
    walk-ins of that day, who came later. ``channel`` (``box``) is kept on the ``issued``
    event for the reports (station.reports.box); the kiosk and counters leave it out."""
    now = resolve_now(now)
    service = service_by_prefix(session, q.office_id, prefix)
    if service is None:
        raise QueueError(f"Layanan '{prefix}' tidak ada.", "unknown_service")
    if not service.active:
        raise QueueError(f"Layanan {service.prefix} ({service.name}) sedang tidak dibuka.")
    if priority is not None and priority not in PRIORITY_REASONS:
        reasons = ", ".join(PRIORITY_REASONS)
        raise QueueError(f"Alasan prioritas harus salah satu dari: {reasons}.", "bad_priority")
    today = q.day(now)
    if day is None:
        day = today
    elif day < today:
        raise QueueError(f"Hari {day} sudah lewat.", "past_day")
    clean_nik = checked_nik(nik, day) if nik else None
    sequence = next_value(session, q.office_id, f"ticket:{service.prefix}:{day.isoformat()}")
    # counted after the sequence row is ours: a kiosk issuing the same service just before us
    # has committed by now (PostgreSQL), so it is counted
    ahead = people_ahead(session, q, service, priority is not None, day)
    ticket = Ticket(
        office_id=q.office_id,
        service_id=service.id,
        queue_service_id=service.id,
        day=day,
        sequence=sequence,
        number=f"{service.prefix}-{sequence:03d}",
        priority=priority is not None,
        priority_reason=priority,
        status=WAITING,
        issued_at=now,
        call_count=0,
        resident_nik=clean_nik,
    )
    session.add(ticket)
    session.flush()
    record(
        session,
        q,
        "issued",
        now,
        operator=operator,
        ticket=ticket,
        details={
            "service": service.prefix,
            "priority": priority,
            "ahead": ahead,
            **({"channel": channel} if channel else {}),
        },
    )
    names = Names.load(session, q.office_id)
    return IssuedTicket(
        ticket=ticket_view(ticket, names),
        ahead=ahead,
        estimated_wait_min=estimate_wait(session, q, service, ahead, now),
        documents=list(service.documents or []),
    )


def _claim(
    session: Session,
    q: OfficeQueue,
    counter: Counter,
    day: dt.date,
    service_ids: list[int],
    dead_counters: list[int],
) -> Ticket | None:
    """Lock and return the next ticket this counter may call, or None when there is none.

    Eligible: today's waiting tickets transferred to this counter, or of a service it calls and
    not reserved for another live counter. Order: priority first, then issue time.
    """
    eligible = or_(
        Ticket.target_counter_id == counter.id,
        and_(
            Ticket.queue_service_id.in_(service_ids),
            or_(Ticket.target_counter_id.is_(None), Ticket.target_counter_id.in_(dead_counters)),
        ),
    )
    where = and_(
        Ticket.office_id == q.office_id, Ticket.day == day, Ticket.status == WAITING, eligible
    )
    stmt = (
        select(Ticket)
        .where(where)
        .order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name != "postgresql":
        return session.scalars(stmt).one_or_none()  # BEGIN IMMEDIATE: nobody else is writing
    deadline = time.monotonic() + q.policy.claim_wait_seconds
    delay = 0.002
    while True:
        ticket = session.scalars(stmt).one_or_none()
        if ticket is not None:
            return ticket
        # Nothing unlocked. Are candidates merely locked by other counters' transactions?
        if not session.scalar(select(exists().where(where))) or time.monotonic() > deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def call_next(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    now: dt.datetime | None = None,
) -> TicketView:
    """Give the counter the next ticket it serves; QueueError(code="empty") when none waits."""
    now = resolve_now(now)
    counter, op = my_counter(session, q, counter_number, operator, now)
    held = held_ticket(session, counter)
    if held is not None:
        raise QueueError(
            f"Loket {counter.number} masih memegang {held.number} "
            f"({STATUS_LABELS[held.status]}). Selesaikan, alihkan atau tandai tidak hadir dulu.",
            "counter_busy",
            ticket=held.number,
        )
    day = q.day(now)
    service_ids = served_service_ids(session, counter)
    ticket = _claim(session, q, counter, day, service_ids, dead_counter_ids(session, q, now))
    names = Names.load(session, q.office_id)
    if ticket is None:
        served = ", ".join(sorted(names.services[i].prefix for i in service_ids)) or "-"
        raise QueueError(
            f"Antrean kosong: tidak ada tiket menunggu untuk Loket {counter.number} "
            f"(layanan {served}).",
            "empty",
            counter=counter.number,
        )
    ticket.status = CALLED
    ticket.counter_id = counter.id
    ticket.operator_id = op.id
    ticket.called_at = now
    ticket.call_count = 1
    ticket.target_counter_id = None
    session.flush()
    record(
        session,
        q,
        "called",
        now,
        operator=operator,
        ticket=ticket,
        counter=counter,
        details={"wait_seconds": round((now - ticket.issued_at).total_seconds())},
    )
    return ticket_view(ticket, names)


def recall(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    ticket: str | None = None,
    now: dt.datetime | None = None,
) -> TicketView:
    """Call the held ticket again; counts the calls (no-show needs enough of them)."""
    now = resolve_now(now)
    counter, _ = my_counter(session, q, counter_number, operator, now)
    held = require_held(session, counter, ticket, (CALLED,))
    held.call_count += 1
    session.flush()
    record(
        session,
        q,
        "recalled",
        now,
        operator=operator,
        ticket=held,
        counter=counter,
        details={"calls": held.call_count},
    )
    return ticket_view(held, Names.load(session, q.office_id))


def start(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    ticket: str | None = None,
    now: dt.datetime | None = None,
) -> TicketView:
    """The resident has arrived at the counter: service begins."""
    now = resolve_now(now)
    counter, _ = my_counter(session, q, counter_number, operator, now)
    held = require_held(session, counter, ticket, (CALLED,))
    held.status = SERVING
    held.started_at = now
    session.flush()
    record(session, q, "started", now, operator=operator, ticket=held, counter=counter)
    return ticket_view(held, Names.load(session, q.office_id))


def finish(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    outcome: str,
    ticket: str | None = None,
    now: dt.datetime | None = None,
) -> TicketView:
    """Service ended with an outcome; a called ticket finished directly starts and ends now."""
    now = resolve_now(now)
    if outcome not in OUTCOMES:
        raise QueueError(
            f"Hasil layanan harus salah satu dari: {', '.join(OUTCOMES)}.", "bad_outcome"
        )
    counter, _ = my_counter(session, q, counter_number, operator, now)
    held = require_held(session, counter, ticket, ACTIVE)
    if outcome == LETTER_ISSUED and not _has_issued_letter(session, held):
        raise QueueError(
            f"Tiket {held.number} belum punya surat yang diterbitkan; hasil "
            f"'{OUTCOMES[LETTER_ISSUED]}' hanya setelah surat untuk tiket ini terbit. "
            "Terbitkan suratnya dulu, atau pilih hasil lain.",
            "no_letter",
            ticket=held.number,
        )
    if held.started_at is None:
        held.started_at = now
    held.status = DONE
    held.finished_at = now
    held.outcome = outcome
    session.flush()
    record(
        session,
        q,
        "finished",
        now,
        operator=operator,
        ticket=held,
        counter=counter,
        details={
            "outcome": outcome,
            "service_seconds": round((now - held.started_at).total_seconds()),
        },
    )
    return ticket_view(held, Names.load(session, q.office_id))


def _has_issued_letter(session: Session, ticket: Ticket) -> bool:
    """A letter issued for this ticket and not revoked: outcomes are facts
    (docs/architecture.md), so "Surat diterbitkan" needs one in the letter register."""
    return bool(
        session.scalar(
            select(exists().where(Letter.ticket_id == ticket.id, Letter.status != LETTER_REVOKED))
        )
    )


def no_show(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    ticket: str | None = None,
    now: dt.datetime | None = None,
) -> TicketView:
    """The resident did not come after the configured number of calls."""
    now = resolve_now(now)
    counter, _ = my_counter(session, q, counter_number, operator, now)
    held = require_held(session, counter, ticket, (CALLED,))
    needed = q.policy.no_show_calls
    if held.call_count < needed:
        raise QueueError(
            f"Tiket {held.number} baru dipanggil {held.call_count} kali; tandai tidak hadir "
            f"setelah {needed} kali panggilan (panggil ulang dulu).",
            "too_few_calls",
        )
    held.status = NO_SHOW
    held.finished_at = now
    session.flush()
    record(
        session,
        q,
        "no_show",
        now,
        operator=operator,
        ticket=held,
        counter=counter,
        details={"calls": held.call_count},
    )
    return ticket_view(held, Names.load(session, q.office_id))


def reactivate(
    session: Session,
    q: OfficeQueue,
    number: str,
    operator: str,
    *,
    now: dt.datetime | None = None,
) -> TicketView:
    """A no-show resident came back the same day: back to waiting at their original place."""
    now = resolve_now(now)
    get_operator(session, q, operator)
    ticket = find_ticket(session, q, number, q.day(now))
    if ticket.status != NO_SHOW:
        raise QueueError(
            f"Tiket {ticket.number} sedang {STATUS_LABELS[ticket.status]}; hanya tiket tidak "
            "hadir yang dapat diaktifkan kembali.",
            "wrong_status",
        )
    previous_counter = ticket.counter_id
    back_to_waiting(ticket)
    ticket.finished_at = None
    session.flush()
    record(
        session,
        q,
        "reactivated",
        now,
        operator=operator,
        ticket=ticket,
        details={"previous_counter_id": previous_counter},
    )
    return ticket_view(ticket, Names.load(session, q.office_id))


def transfer(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    ticket: str | None = None,
    to_service: str | None = None,
    to_counter: int | None = None,
    now: dt.datetime | None = None,
) -> TicketView:
    """Send a ticket (the held one by default) to another service's queue or to one counter.

    It keeps its number and its issue time, so it is called in its original place in time.
    """
    now = resolve_now(now)
    if (to_service is None) == (to_counter is None):
        raise QueueError("Pilih tepat satu tujuan: layanan atau loket.", "bad_target")
    counter, _ = my_counter(session, q, counter_number, operator, now)
    if ticket is None:
        moving = require_held(session, counter, None, ACTIVE)
    else:
        moving = find_ticket(session, q, ticket, q.day(now))
        if moving.status in ACTIVE and moving.counter_id != counter.id:
            raise QueueError(
                f"Tiket {moving.number} dipegang loket lain; ambil alih dulu.", "held_elsewhere"
            )
        if moving.status not in (WAITING, *ACTIVE):
            raise QueueError(
                f"Tiket {moving.number} sudah {STATUS_LABELS[moving.status]}.", "wrong_status"
            )
    names = Names.load(session, q.office_id)
    before = {
        "from_service": names.services[moving.queue_service_id].prefix,
        "from_counter": names.counter_number(moving.counter_id or moving.target_counter_id),
    }
    if to_service is not None:
        service = service_by_prefix(session, q.office_id, to_service)
        if service is None or not service.active:
            raise QueueError(
                f"Layanan '{to_service}' tidak ada atau tidak dibuka.", "unknown_service"
            )
        same_queue = service.id == moving.queue_service_id and moving.target_counter_id is None
        if same_queue and moving.status == WAITING:
            raise QueueError(f"Tiket {moving.number} sudah di antrean {service.prefix}.")
        moving.queue_service_id = service.id
        moving.target_counter_id = None
        target: dict[str, Any] = {"to_service": service.prefix}
    else:
        assert to_counter is not None
        if to_counter == counter.number:
            raise QueueError("Tidak dapat mengalihkan ke loket sendiri.", "bad_target")
        destination = get_counter(session, q, to_counter, lock=False)
        if not destination.is_open:
            # Nobody would call it: the resident would wait for a counter that is closed.
            raise QueueError(
                f"Loket {destination.number} sedang tutup; alihkan ke loket yang buka atau ke "
                "antrean layanan.",
                "counter_closed",
            )
        moving.target_counter_id = destination.id
        target = {"to_counter": destination.number}
    back_to_waiting(moving)
    session.flush()
    record(
        session,
        q,
        "transferred",
        now,
        operator=operator,
        ticket=moving,
        counter=counter,
        details={**before, **target},
    )
    return ticket_view(moving, names)


def takeover(
    session: Session,
    q: OfficeQueue,
    counter_number: int,
    operator: str,
    *,
    ticket: str,
    return_to_queue: bool = False,
    now: dt.datetime | None = None,
) -> TicketView:
    """Take a ticket held by a counter that was closed or went stale; or return it to waiting,
    where its original issue time puts it back at the head of its queue."""
    now = resolve_now(now)
    counter, op = my_counter(session, q, counter_number, operator, now)
    held = find_ticket(session, q, ticket, q.day(now))
    if held.status not in ACTIVE:
        raise QueueError(
            f"Tiket {held.number} sedang {STATUS_LABELS[held.status]}; hanya tiket yang dipanggil "
            "atau dilayani yang dapat diambil alih.",
            "wrong_status",
        )
    assert held.counter_id is not None
    source = session.get(Counter, held.counter_id, populate_existing=True)
    assert source is not None
    if source.id == counter.id:
        raise QueueError(f"Tiket {held.number} sudah di Loket {counter.number}.", "same_counter")
    if is_live(source, now, q.policy):
        raise QueueError(
            f"Loket {source.number} masih aktif; ambil alih hanya untuk loket yang ditutup atau "
            f"tanpa tanda aktif lebih dari {q.policy.stale_minutes} menit.",
            "counter_live",
        )
    details = {
        "from_counter": source.number,
        "from_operator_id": held.operator_id,
        "source_state": "stale" if source.is_open else "closed",
    }
    if return_to_queue:
        back_to_waiting(held)
        session.flush()
        record(
            session,
            q,
            "returned",
            now,
            operator=operator,
            ticket=held,
            counter=counter,
            details=details,
        )
        return ticket_view(held, Names.load(session, q.office_id))
    mine = held_ticket(session, counter)
    if mine is not None:
        raise QueueError(
            f"Loket {counter.number} masih memegang {mine.number}; selesaikan dulu.",
            "counter_busy",
        )
    held.counter_id = counter.id
    held.operator_id = op.id
    session.flush()
    record(
        session,
        q,
        "taken_over",
        now,
        operator=operator,
        ticket=held,
        counter=counter,
        details=details,
    )
    return ticket_view(held, Names.load(session, q.office_id))


def cancel(
    session: Session,
    q: OfficeQueue,
    number: str,
    operator: str,
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> TicketView:
    """Cancel a ticket (the resident left or asked to); a ticket held by another live counter
    is that counter's to cancel."""
    now = resolve_now(now)
    op = get_operator(session, q, operator)
    if not reason.strip():
        raise QueueError("Alasan pembatalan wajib diisi.", "no_reason")
    ticket = find_ticket(session, q, number, q.day(now))
    if ticket.status not in (WAITING, *ACTIVE):
        raise QueueError(
            f"Tiket {ticket.number} sudah {STATUS_LABELS[ticket.status]}.", "wrong_status"
        )
    holder = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    if holder is not None and is_live(holder, now, q.policy) and holder.operator_id != op.id:
        raise QueueError(
            f"Tiket {ticket.number} sedang di Loket {holder.number}; petugas loket itu yang "
            "membatalkan.",
            "held_elsewhere",
        )
    ticket.status = CANCELLED
    ticket.finished_at = now
    ticket.close_reason = reason.strip()[:200]
    session.flush()
    record(
        session,
        q,
        "cancelled",
        now,
        operator=operator,
        ticket=ticket,
        counter=holder,
        details={"reason": ticket.close_reason},
    )
    return ticket_view(ticket, Names.load(session, q.office_id))


def attach_nik(
    session: Session,
    q: OfficeQueue,
    number: str,
    nik: str,
    operator: str,
    *,
    now: dt.datetime | None = None,
) -> TicketView:
    """Remember whose ticket it is once the resident has been looked up (for the letter)."""
    now = resolve_now(now)
    get_operator(session, q, operator)
    day = q.day(now)
    clean = checked_nik(nik, day)
    ticket = find_ticket(session, q, number, day)
    ticket.resident_nik = clean
    session.flush()
    record(
        session,
        q,
        "nik_attached",
        now,
        operator=operator,
        ticket=ticket,
        details={"nik": mask_nik(clean)},
    )
    return ticket_view(ticket, Names.load(session, q.office_id))


# --- the facade ------------------------------------------------------------------------------


class Queue:
    """One office's queue over a Database: each call is its own transaction, retried a few
    times when the database reports a lock timeout or a deadlock (then nothing was written)."""

    ATTEMPTS = 4

    def __init__(
        self, db: Database, office_id: int, tz: Any, policy: QueuePolicy | None = None
    ) -> None:
        self.db = db
        self.office = OfficeQueue(office_id, tz, policy or QueuePolicy())

    @classmethod
    def for_station(cls, station: Any) -> Queue:
        return cls(
            station.db, station.office_id, station.config.tz, policy_from_config(station.config)
        )

    def write(self, action: Callable[[Session], T]) -> T:
        """Run ``action`` in one write transaction, retried when the database reports a lock
        timeout, a deadlock or a serialization failure (``DatabaseBusy``: nothing was
        written). A database that stays locked ends as DatabaseBusy, one that cannot be
        reached as DatabaseUnavailable: refusals every front end shows, never a traceback."""
        for attempt in range(self.ATTEMPTS):
            try:
                with self.db.write() as session:
                    return action(session)
            except DatabaseBusy:
                if attempt == self.ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def read(self, action: Callable[[Session], T]) -> T:
        with self.db.read() as session:
            return action(session)

    def take_ticket(self, prefix: str, **kw: Any) -> IssuedTicket:
        return self.write(lambda s: take_ticket(s, self.office, prefix, **kw))

    def open_counter(self, counter: int, operator: str, **kw: Any) -> CounterView:
        return self.write(lambda s: open_counter(s, self.office, counter, operator, **kw))

    def close_counter(self, counter: int, operator: str, **kw: Any) -> CounterView:
        return self.write(lambda s: close_counter(s, self.office, counter, operator, **kw))

    def touch(self, counter: int, operator: str, **kw: Any) -> None:
        self.write(lambda s: touch(s, self.office, counter, operator, **kw))

    def call_next(self, counter: int, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: call_next(s, self.office, counter, operator, **kw))

    def recall(self, counter: int, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: recall(s, self.office, counter, operator, **kw))

    def start(self, counter: int, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: start(s, self.office, counter, operator, **kw))

    def finish(self, counter: int, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: finish(s, self.office, counter, operator, **kw))

    def no_show(self, counter: int, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: no_show(s, self.office, counter, operator, **kw))

    def reactivate(self, number: str, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: reactivate(s, self.office, number, operator, **kw))

    def transfer(self, counter: int, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: transfer(s, self.office, counter, operator, **kw))

    def takeover(self, counter: int, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: takeover(s, self.office, counter, operator, **kw))

    def cancel(self, number: str, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: cancel(s, self.office, number, operator, **kw))

    def attach_nik(self, number: str, nik: str, operator: str, **kw: Any) -> TicketView:
        return self.write(lambda s: attach_nik(s, self.office, number, nik, operator, **kw))

    def close_day(self, operator: str, **kw: Any) -> DayEnd:
        return self.write(lambda s: close_day(s, self.office, operator, **kw))

    def status(self, *, now: dt.datetime | None = None) -> QueueStatus:
        moment = resolve_now(now)
        return self.read(lambda s: queue_status(s, self.office, moment))

    def check(self, day: dt.date | None = None) -> list[str]:
        return self.read(lambda s: check_consistency(s, self.office.office_id, day))
