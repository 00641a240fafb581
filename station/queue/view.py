"""Read side of the queue: plain views of tickets and counters, wait estimates, the queue's
status for the board and the CLI, and a consistency check used after crashes.

Everything here only reads, so the board can poll it twice a second without taking the write
lock. Queries are bounded to one day or one service's recent history (indexes in models.py), so
months of history do not slow them.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Date, bindparam, func, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from station.office.services import counter_service_ids, served_service_ids
from station.queue.rules import (
    ACTIVE,
    DONE,
    EVENT_STATUS,
    LETTER_ISSUED,
    STATUSES,
    WAITING,
    OfficeQueue,
    is_live,
)
from station.register.nik import mask_nik
from station.store.models import (
    Counter,
    CounterService,
    Letter,
    Operator,
    QueueEvent,
    Sequence,
    Service,
    Ticket,
)


@dataclass(frozen=True)
class TicketView:
    number: str
    service: str  # prefix of the queue it is in now
    service_name: str
    issued_service: str  # prefix that issued the number (differs after a transfer)
    status: str
    priority: bool
    priority_reason: str | None
    day: dt.date
    issued_at: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    counter: int | None
    operator: str | None
    call_count: int
    outcome: str | None
    target_counter: int | None
    close_reason: str | None
    nik_masked: str | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("day", "issued_at", "called_at", "started_at", "finished_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data


@dataclass(frozen=True)
class CounterView:
    number: int
    name: str
    open: bool
    live: bool
    operator: str | None
    cover: bool
    services: list[str]  # what it calls now (all active services in cover mode)
    configured_services: list[str]
    heartbeat_at: dt.datetime | None
    opened_at: dt.datetime | None
    ticket: str | None = None  # the ticket it holds (called or serving)
    ticket_status: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("heartbeat_at", "opened_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data


# The statements of the twice-a-second poll, built once: composing a SQLAlchemy statement
# costs more Python time than running it (parameters: ``office_id``, ``day``).
_OFFICE: BindParameter[int] = bindparam("office_id")
_SERVICES = select(Service).where(Service.office_id == _OFFICE)
_COUNTERS = select(Counter).where(Counter.office_id == _OFFICE)
_OPERATORS = select(Operator.id, Operator.username).where(Operator.office_id == _OFFICE)
_LINKS = (
    select(CounterService.counter_id, CounterService.service_id)
    .join(Counter, Counter.id == CounterService.counter_id)
    .where(Counter.office_id == _OFFICE)
)


@dataclass
class Names:
    """Id -> display value maps for one office, loaded once per operation (small tables)."""

    services: dict[int, Service]
    counters: dict[int, Counter]
    operators: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, office_id: int) -> Names:
        office = {"office_id": office_id}
        services = {s.id: s for s in session.scalars(_SERVICES, office)}
        counters = {c.id: c for c in session.scalars(_COUNTERS, office)}
        operators = dict(session.execute(_OPERATORS, office).all())
        return cls(services, counters, operators)

    def counter_number(self, counter_id: int | None) -> int | None:
        return self.counters[counter_id].number if counter_id is not None else None


def ticket_view(ticket: Ticket, names: Names) -> TicketView:
    queue_service = names.services[ticket.queue_service_id]
    return TicketView(
        number=ticket.number,
        service=queue_service.prefix,
        service_name=queue_service.name,
        issued_service=names.services[ticket.service_id].prefix,
        status=ticket.status,
        priority=ticket.priority,
        priority_reason=ticket.priority_reason,
        day=ticket.day,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
        started_at=ticket.started_at,
        finished_at=ticket.finished_at,
        counter=names.counter_number(ticket.counter_id),
        operator=names.operators.get(ticket.operator_id) if ticket.operator_id else None,
        call_count=ticket.call_count,
        outcome=ticket.outcome,
        target_counter=names.counter_number(ticket.target_counter_id),
        close_reason=ticket.close_reason,
        nik_masked=mask_nik(ticket.resident_nik) if ticket.resident_nik else None,
    )


@dataclass(frozen=True)
class Links:
    """Which services each counter of an office is set up for, and which services are active:
    loaded in one query, so a poll costs the same with 2 counters or 20."""

    own: dict[int, set[int]]  # counter id -> service ids it is set up for
    active: set[int]

    @classmethod
    def load(cls, session: Session, office_id: int, names: Names) -> Links:
        own: dict[int, set[int]] = defaultdict(set)
        for counter_id, service_id in session.execute(_LINKS, {"office_id": office_id}):
            own[counter_id].add(service_id)
        return cls(dict(own), {sid for sid, s in names.services.items() if s.active})

    def configured(self, counter: Counter) -> list[int]:
        return sorted(self.own.get(counter.id, ()))

    def served(self, counter: Counter) -> list[int]:
        """What the counter calls now: every active service in cover mode, else its own."""
        if counter.cover_mode:
            return sorted(self.active)
        return sorted(self.own.get(counter.id, set()) & self.active)


def counter_view(
    session: Session,
    q: OfficeQueue,
    counter: Counter,
    names: Names,
    now: dt.datetime,
    held: Ticket | None = None,
    links: Links | None = None,
) -> CounterView:
    """``links``: preloaded by a caller viewing many counters (else two queries)."""

    def prefixes(ids: list[int]) -> list[str]:
        chosen = [names.services[i] for i in ids]
        return [s.prefix for s in sorted(chosen, key=lambda s: (s.sort_order, s.prefix))]

    if links is not None:
        served, configured = links.served(counter), links.configured(counter)
    else:
        served = served_service_ids(session, counter) if counter.is_open else []
        configured = counter_service_ids(session, counter)
    return CounterView(
        number=counter.number,
        name=counter.name,
        open=counter.is_open,
        live=is_live(counter, now, q.policy),
        operator=names.operators.get(counter.operator_id) if counter.operator_id else None,
        cover=counter.cover_mode,
        services=prefixes(served) if counter.is_open else [],
        configured_services=prefixes(configured),
        heartbeat_at=counter.heartbeat_at,
        opened_at=counter.opened_at,
        ticket=held.number if held is not None else None,
        ticket_status=held.status if held is not None else None,
    )


# --- estimates -------------------------------------------------------------------------------


def recent_service_minutes(
    session: Session, q: OfficeQueue, service: Service, now: dt.datetime
) -> float:
    """Median minutes of the service's last finished tickets; its typical minutes until then."""
    since = now - dt.timedelta(days=q.policy.history_days)
    rows = session.execute(
        select(Ticket.started_at, Ticket.finished_at)
        .where(
            Ticket.office_id == q.office_id,
            Ticket.queue_service_id == service.id,
            Ticket.status == DONE,
            Ticket.finished_at >= since,
        )
        .order_by(Ticket.finished_at.desc())
        .limit(q.policy.history_size)
    ).all()
    durations = [
        (finished - started).total_seconds() / 60
        for started, finished in rows
        if started is not None and finished is not None
    ]
    if not durations:
        return float(service.typical_minutes)
    return float(statistics.median(durations))


def recent_minutes_by_service(
    session: Session, q: OfficeQueue, services: list[Service], now: dt.datetime
) -> dict[int, float]:
    """``recent_service_minutes`` for several services in one statement (a poll estimates
    every service with people waiting): each part reads at most ``history_size`` rows from
    the end of the service's ``ix_ticket_service_done`` range."""
    if not services:
        return {}
    since = now - dt.timedelta(days=q.policy.history_days)
    parts = [
        select(Ticket.queue_service_id, Ticket.started_at, Ticket.finished_at)
        .where(
            Ticket.office_id == q.office_id,
            Ticket.queue_service_id == service.id,
            Ticket.status == DONE,
            Ticket.finished_at >= since,
        )
        .order_by(Ticket.finished_at.desc())
        .limit(q.policy.history_size)
        .subquery()
        for service in services
    ]
    selects = [
        select(part.c.queue_service_id, part.c.started_at, part.c.finished_at) for part in parts
    ]
    stmt = selects[0] if len(selects) == 1 else union_all(*selects)
    durations: dict[int, list[float]] = defaultdict(list)
    for service_id, started, finished in session.execute(stmt):
        if started is not None and finished is not None:
            durations[service_id].append((finished - started).total_seconds() / 60)
    return {
        s.id: float(statistics.median(durations[s.id]))
        if durations[s.id]
        else float(s.typical_minutes)
        for s in services
    }


def coverage(
    session: Session,
    q: OfficeQueue,
    now: dt.datetime,
    names: Names | None = None,
    links: Links | None = None,
) -> dict[int, tuple[int, int]]:
    """Service id -> (live counters calling it now, counters set up for it); from ``names``
    and ``links`` when the caller has them, else in three queries."""
    if names is None or links is None:
        names = Names.load(session, q.office_id)
        links = Links.load(session, q.office_id, names)
    counters = list(names.counters.values())
    own, active = links.own, links.active
    linked = {sid for ids in own.values() for sid in ids}
    result: dict[int, tuple[int, int]] = {}
    for service_id in active | linked:
        live = sum(
            1
            for c in counters
            if is_live(c, now, q.policy)
            and (service_id in own.get(c.id, ()) or c.cover_mode)
            and service_id in active
        )
        configured = sum(1 for c in counters if service_id in own.get(c.id, ()))
        result[service_id] = (live, configured)
    return result


def counters_serving(cover: dict[int, tuple[int, int]], service: Service) -> int:
    """Live counters that call this service now; else the counters set up for it (a ticket
    taken before opening time still gets an estimate); at least 1."""
    live, configured = cover.get(service.id, (0, 0))
    return live or max(1, configured)


def people_ahead(
    session: Session, q: OfficeQueue, service: Service, priority: bool, day: dt.date
) -> int:
    """Waiting tickets of this service that a new ticket of this class would queue behind."""
    stmt = select(func.count(Ticket.id)).where(
        Ticket.office_id == q.office_id,
        Ticket.day == day,
        Ticket.status == WAITING,
        Ticket.queue_service_id == service.id,
    )
    if priority:
        stmt = stmt.where(Ticket.priority.is_(True))
    return int(session.scalar(stmt) or 0)


def estimate_wait(
    session: Session,
    q: OfficeQueue,
    service: Service,
    ahead: int,
    now: dt.datetime,
    cover: dict[int, tuple[int, int]] | None = None,
) -> int:
    """Minutes, rounded up: people ahead ÷ counters serving the service × recent median
    service time."""
    if ahead <= 0:
        return 0
    minutes = recent_service_minutes(session, q, service, now)
    if cover is None:
        cover = coverage(session, q, now)
    return math.ceil(ahead / counters_serving(cover, service) * minutes)


# --- status ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueStatus:
    day: dt.date
    waiting: list[TicketView]  # in call order (priority first, then by issue time)
    called: list[TicketView]  # held by a counter: called or serving
    counters: list[CounterView]
    services: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "waiting": [t.to_dict() for t in self.waiting],
            "waiting_count": len(self.waiting),
            "called": [t.to_dict() for t in self.called],
            "counters": [c.to_dict() for c in self.counters],
            "services": self.services,
        }


_DAY = bindparam("day", type_=Date)
_WAITING = (
    select(Ticket)
    .where(Ticket.office_id == _OFFICE, Ticket.day == _DAY, Ticket.status == WAITING)
    .order_by(Ticket.priority.desc(), Ticket.issued_at, Ticket.id)
)
_HELD = (
    select(Ticket)
    .where(Ticket.office_id == _OFFICE, Ticket.status.in_(ACTIVE))
    .order_by(Ticket.called_at, Ticket.id)
)
_DAY_COUNTS = (
    select(Ticket.queue_service_id, Ticket.status, func.count(Ticket.id))
    .where(Ticket.office_id == _OFFICE, Ticket.day == _DAY)
    .group_by(Ticket.queue_service_id, Ticket.status)
)


def queue_status(session: Session, q: OfficeQueue, now: dt.datetime) -> QueueStatus:
    day = q.day(now)
    params = {"office_id": q.office_id, "day": day}
    names = Names.load(session, q.office_id)
    waiting_rows = session.scalars(_WAITING, params).all()
    held_rows = session.scalars(_HELD, params).all()
    held_by_counter = {t.counter_id: t for t in held_rows}
    links = Links.load(session, q.office_id, names)
    counters = [
        counter_view(session, q, c, names, now, held_by_counter.get(c.id), links)
        for c in sorted(names.counters.values(), key=lambda c: c.number)
    ]
    day_counts = {
        (service_id, status): count
        for service_id, status, count in session.execute(_DAY_COUNTS, params).all()
    }
    live_prefixes = {p for c in counters if c.live for p in c.services}
    cover = coverage(session, q, now, names, links)
    ordered = sorted(names.services.values(), key=lambda s: (s.sort_order, s.prefix))
    waiting_by_service = Tally(t.queue_service_id for t in waiting_rows)
    minutes = recent_minutes_by_service(
        session, q, [s for s in ordered if waiting_by_service[s.id]], now
    )
    services = []
    for service in ordered:
        waiting = waiting_by_service[service.id]
        counts = {status: day_counts.get((service.id, status), 0) for status in STATUSES}
        services.append(
            {
                "prefix": service.prefix,
                "name": service.name,
                "active": service.active,
                "typical_minutes": service.typical_minutes,
                "documents": list(service.documents or []),
                "waiting": waiting,
                "estimated_wait_min": math.ceil(
                    waiting / counters_serving(cover, service) * minutes[service.id]
                )
                if waiting
                else 0,
                "counts": counts,
                "uncovered": service.active and service.prefix not in live_prefixes,
            }
        )
    return QueueStatus(
        day=day,
        waiting=[ticket_view(t, names) for t in waiting_rows],
        called=[ticket_view(t, names) for t in held_rows],
        counters=counters,
        services=services,
    )


# --- cheap polling ---------------------------------------------------------------------------

AUDIT_SCOPE = "audit"  # the office's audit chain head (station.store.audit), a row of ``sequence``


_CHANGE_MARK = select(
    select(Sequence.last_value)
    .where(Sequence.office_id == _OFFICE, Sequence.scope == AUDIT_SCOPE)
    .scalar_subquery(),
    select(func.max(Counter.heartbeat_at)).where(Counter.office_id == _OFFICE).scalar_subquery(),
)


def change_mark(session: Session, office_id: int) -> tuple[Any, ...]:
    """One statement of two primary-key/office lookups whose answer changes whenever anything
    a status poll shows may have changed.

    Every change of a ticket, a counter, a service or an operator is audited in its own
    transaction, and the audit chain's head row moves with each (letters move it too: a
    harmless extra read). Heartbeats are not audited, so the counters' newest one is read
    beside it. On PostgreSQL the head row commits atomically with the change, so a reader
    never sees the change without the new mark."""
    return tuple(session.execute(_CHANGE_MARK, {"office_id": office_id}).one())


class PollCache:
    """Keeps the last result of a poll and rebuilds it only when the office's change mark or
    the day moved, or after ``max_age`` seconds (what only time changes: a counter going
    stale, wait estimates). The board and each operator app poll twice a second; most polls
    then cost one indexed statement instead of a dozen. One cache per poller: not shared
    between threads (the apps' refresh workers are exclusive)."""

    def __init__(self, office_id: int, *, max_age: float = 10.0) -> None:
        self.office_id = office_id
        self.max_age = max_age
        self._mark: tuple[Any, ...] | None = None
        self._value: Any = None
        self._at = 0.0

    def read(self, session: Session, day: dt.date, build: Any) -> Any:
        """``build(session)``'s result, reused while nothing changed (the same object: a
        caller may skip redrawing when ``result is previous``)."""
        mark = (day, *change_mark(session, self.office_id))
        now = time.monotonic()
        if mark == self._mark and now - self._at < self.max_age:
            return self._value
        self._value = build(session)
        self._mark, self._at = mark, now
        return self._value

    def clear(self) -> None:
        """Forget the last result: the next read rebuilds."""
        self._mark = None


class StatusPoller:
    """``queue_status`` for an app that polls: ``StatusPoller(queue).status(now=...)``, where
    ``queue`` is a ``station.queue.facade.Queue`` (anything with ``read(fn)`` and ``office``)."""

    def __init__(self, queue: Any, *, max_age: float = 10.0) -> None:
        self.queue = queue
        self.cache = PollCache(queue.office.office_id, max_age=max_age)

    def status(self, *, now: dt.datetime | None = None) -> QueueStatus:
        moment = now or dt.datetime.now(dt.UTC)
        office: OfficeQueue = self.queue.office

        def read(session: Session) -> QueueStatus:
            return self.cache.read(
                session, office.day(moment), lambda s: queue_status(s, office, moment)
            )

        return self.queue.read(read)  # type: ignore[no-any-return]


# --- consistency -----------------------------------------------------------------------------


def check_consistency(session: Session, office_id: int, day: dt.date | None = None) -> list[str]:
    """Problems that must never exist (empty list: consistent). Used after a crash and by tests.

    Checks: numbers unique and gap-free per service and day and matching their sequence row;
    each ticket's status equals the replay of its queue events; a held ticket names its counter
    and a counter holds at most one ticket; waiting tickets name no counter; a ticket finished
    "surat diterbitkan" has a letter (an outcome is a fact: docs/domain.md, older data may
    predate the rule).
    """
    problems: list[str] = []
    stmt = select(Ticket).where(Ticket.office_id == office_id)
    if day is not None:
        stmt = stmt.where(Ticket.day == day)
    tickets = session.scalars(stmt.order_by(Ticket.id)).all()
    services = {
        s.id: s.prefix
        for s in session.scalars(select(Service).where(Service.office_id == office_id))
    }
    by_scope: dict[str, list[int]] = defaultdict(list)
    numbers: Tally[tuple[dt.date, str]] = Tally()
    for ticket in tickets:
        prefix = services[ticket.service_id]
        by_scope[f"ticket:{prefix}:{ticket.day.isoformat()}"].append(ticket.sequence)
        numbers[(ticket.day, ticket.number)] += 1
        if ticket.number != f"{prefix}-{ticket.sequence:03d}":
            problems.append(f"{ticket.number}: nomor tidak sesuai urutan {ticket.sequence}")
        if ticket.status not in STATUSES:
            problems.append(f"{ticket.number}: status tidak dikenal {ticket.status}")
        if ticket.status in ACTIVE and ticket.counter_id is None:
            problems.append(f"{ticket.number} ({ticket.day}): {ticket.status} tanpa loket")
        if ticket.status == WAITING and ticket.counter_id is not None:
            problems.append(f"{ticket.number} ({ticket.day}): menunggu tetapi tercatat di loket")
    claimed = [t for t in tickets if t.outcome == LETTER_ISSUED]
    with_letter: set[int] = set()
    for chunk_start in range(0, len(claimed), 500):
        chunk = [t.id for t in claimed[chunk_start : chunk_start + 500]]
        with_letter.update(
            session.scalars(select(Letter.ticket_id).where(Letter.ticket_id.in_(chunk)))
        )
    for ticket in claimed:
        if ticket.id not in with_letter:
            problems.append(
                f"{ticket.number} ({ticket.day}): selesai 'surat diterbitkan' tanpa surat"
            )
    for (ticket_day, number), count in numbers.items():
        if count > 1:
            problems.append(f"{number} ({ticket_day}): nomor dipakai {count} kali")
    sequences = dict(
        session.execute(
            select(Sequence.scope, Sequence.last_value).where(
                Sequence.office_id == office_id, Sequence.scope.like("ticket:%")
            )
        ).all()
    )
    for scope, values in by_scope.items():
        if sorted(values) != list(range(1, len(values) + 1)):
            problems.append(f"{scope}: nomor tidak berurutan tanpa celah")
        if sequences.get(scope) != len(values):
            problems.append(f"{scope}: urutan tercatat {sequences.get(scope)}, tiket {len(values)}")
    held = Tally(t.counter_id for t in tickets if t.status in ACTIVE)
    if day is not None:  # a counter may hold a ticket from another day
        held = Tally(
            session.scalars(
                select(Ticket.counter_id).where(
                    Ticket.office_id == office_id, Ticket.status.in_(ACTIVE)
                )
            )
        )
    for counter_id, count in held.items():
        if count > 1:
            problems.append(f"loket id {counter_id} memegang {count} tiket sekaligus")
    ids = [t.id for t in tickets]
    replayed: dict[int, str | None] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for ticket_id, action in session.execute(
            select(QueueEvent.ticket_id, QueueEvent.action)
            .where(QueueEvent.ticket_id.in_(chunk))
            .order_by(QueueEvent.id)
        ):
            if ticket_id is None:
                continue
            after = EVENT_STATUS.get(action)
            if after is not None:
                replayed[ticket_id] = after
    for ticket in tickets:
        if replayed.get(ticket.id) != ticket.status:
            problems.append(
                f"{ticket.number} ({ticket.day}): status {ticket.status}, "
                f"peristiwa antrean menyatakan {replayed.get(ticket.id)}"
            )
    return problems
