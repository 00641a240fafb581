"""Letter requests: a letter asked for ahead of the visit, ready before the office opens
(issue 16, the Service Box's "request" types; docs/domain.md "Letter requests").

A request stores what the resident chose (type, field values, purpose), who (the resident),
through which channel (``box``), and prints a queue ticket with a **pickup code**. The ticket
belongs to the office's next opening day (``ready_on``): taken at 23:30 it is numbered in
tomorrow's sequence and becomes callable when the office opens (``take_ticket(day=...)``);
taken while the office is open it is today's. Eligibility and the type's field rules apply at
request time, exactly as at issue, so the counter only checks and presses Enter.

When a counter issues a letter of the same type for the same resident (normally the ticket's
own call, see ``station.letters.store.issue_letter``), the request becomes ``served`` with its
letter, in the issuing transaction. A request still waiting after its ``ready_on`` day is
*overdue*: listed for the lurah (``station requests list --overdue``, the reports screen).

Status: ``waiting`` → ``served`` (letter issued) or ``cancelled`` (by the office, with a reason).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.letters.desk import purpose_error
from station.letters.store import (
    PURPOSE_KEY,
    IssueRequest,
    LetterRefusal,
    LetterSettings,
    check_request,
)
from station.letters.store import (
    REQUEST_CANCELLED as CANCELLED,
)
from station.letters.store import (
    REQUEST_SERVED as SERVED,
)
from station.letters.store import (
    REQUEST_WAITING as WAITING,
)
from station.queue.facade import IssuedTicket, take_ticket
from station.queue.rules import OfficeQueue, QueueError, policy_from_config
from station.register.nik import mask_nik
from station.store import audit
from station.store.models import Letter, LetterRequest, Resident, Service, Ticket

if TYPE_CHECKING:
    from station.home.context import Station

STATUSES = (WAITING, SERVED, CANCELLED)
STATUS_LABELS = {WAITING: "menunggu", SERVED: "terlayani", CANCELLED: "dibatalkan"}

CHANNELS = ("box", "counter", "kiosk")
# Who the audit names for a request from the box: station.letters.box.BOX_ACTOR (not imported:
# the box imports this module).
BOX_ACTOR = "layanan-mandiri"

# Which queue serves a requested letter: civil-registration events go to the Kependudukan
# service (B), every other letter to Surat Keterangan (A); an office without the prefix falls
# back to its first active service (docs/domain.md "Letter requests").
CIVIL_REGISTRATION_TYPES = frozenset({"SKK", "SKL", "SKP"})
LETTER_SERVICE = "A"
CIVIL_SERVICE = "B"

# Pickup codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B: read aloud and typed from paper without doubt.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


class RequestRefusal(LetterRefusal):
    """A request refused, with an Indonesian message; ``code`` for programs
    (``not_eligible``, ``fields``, ``duplicate``, ``queue``, ``not_found``, ``closed``)."""


@dataclass(frozen=True)
class RequestReceipt:
    """What the box prints and shows: the ticket (``IssuedTicket``'s attributes, so the ticket
    layout prints it) and the request's pickup code and day."""

    request_id: int
    pickup_code: str
    ready_on: dt.date  # office-local: the day the ticket is called
    type_code: str
    type_name: str
    issued: IssuedTicket
    channel: str = "box"

    # the attributes ``station.printing.layout.ticket_ops`` reads from an IssuedTicket
    @property
    def ticket(self) -> Any:
        return self.issued.ticket

    @property
    def ticket_number(self) -> str:
        return str(self.issued.ticket.number)

    @property
    def ahead(self) -> int:
        return self.issued.ahead

    @property
    def estimated_wait_min(self) -> int:
        return self.issued.estimated_wait_min

    @property
    def documents(self) -> list[str]:
        return self.issued.documents

    def to_dict(self) -> dict[str, Any]:
        data = self.issued.to_dict()
        data.update(
            request_id=self.request_id,
            pickup_code=self.pickup_code,
            ready_on=self.ready_on.isoformat(),
            letter_type=self.type_code,
            channel=self.channel,
        )
        return data


@dataclass(frozen=True)
class RequestView:
    """One request as a list or the counter shows it (NIK masked, names for the lurah)."""

    id: int
    pickup_code: str
    type_code: str
    type_name: str
    nik: str
    nik_masked: str
    name: str
    fields: dict[str, str]
    purpose: str
    channel: str
    created_at: dt.datetime  # aware UTC
    ready_on: dt.date
    ticket_number: str | None
    status: str
    letter_number: str | None
    overdue: bool

    def to_dict(self, tz: Any = None) -> dict[str, Any]:
        created = self.created_at.astimezone(tz) if tz is not None else self.created_at
        return {
            "id": self.id,
            "pickup_code": self.pickup_code,
            "type": self.type_code,
            "type_name": self.type_name,
            "nik_masked": self.nik_masked,
            "name": self.name,
            "purpose": self.purpose,
            "channel": self.channel,
            "created_at": created.isoformat(timespec="minutes"),
            "ready_on": self.ready_on.isoformat(),
            "ticket": self.ticket_number,
            "status": self.status,
            "letter": self.letter_number,
            "overdue": self.overdue,
        }


# ------------------------------------------------------------------------------------------
# When and where


def ready_day(hours: Any, local: dt.datetime) -> dt.date:
    """The office day a request taken at ``local`` (office time) is served: today while the
    office is open, else the day of the next opening (today before opening time, tomorrow or
    after a weekend at night). Always-open hours: today."""
    if hours is None or hours.always_open or hours.is_open(local):
        return local.date()
    opening = hours.next_opening(local)
    return opening.date() if opening is not None else local.date()


def service_prefix(session: Session, office_id: int, type_code: str) -> str:
    """The queue a requested letter waits in (see ``CIVIL_REGISTRATION_TYPES``)."""
    wanted = CIVIL_SERVICE if type_code.upper() in CIVIL_REGISTRATION_TYPES else LETTER_SERVICE
    services = session.scalars(
        select(Service)
        .where(Service.office_id == office_id, Service.active.is_(True))
        .order_by(Service.sort_order, Service.prefix)
    ).all()
    if not services:
        raise RequestRefusal("Kantor belum punya layanan antrean yang aktif.", code="queue")
    for service in services:
        if service.prefix == wanted:
            return wanted
    return services[0].prefix


def _new_code(session: Session, office_id: int) -> str:
    for _ in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = session.scalar(
            select(LetterRequest.id).where(
                LetterRequest.office_id == office_id, LetterRequest.pickup_code == code
            )
        )
        if taken is None:
            return code
    raise RequestRefusal("Kode ambil tidak dapat dibuat; coba lagi.")  # 25^6: never in practice


def normalize_code(code: str) -> str:
    """A pickup code as typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


# ------------------------------------------------------------------------------------------
# Creating


def open_request(
    session: Session,
    office_id: int,
    settings: LetterSettings,
    q: OfficeQueue,
    hours: Any,
    *,
    nik: str,
    type_code: str,
    fields: Mapping[str, str],
    purpose: str,
    channel: str = "box",
    now: dt.datetime,
    at_counter: Collection[str] = (),
) -> RequestReceipt:
    """Check and store a request and take its ticket, in the caller's write transaction.

    Refusals (:class:`RequestRefusal`, a ``LetterRefusal``) roll everything back: the type's
    eligibility, its field rules and the purpose, a waiting request of the same type for the
    same resident (``duplicate``), and a queue that cannot take the ticket.

    ``at_counter``: required fields the officer fills in at the counter (the box has no free
    text): they may be missing here, and only here; every value given is checked as usual and
    the counter checks the whole letter again when it issues it."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    actor = BOX_ACTOR if channel == "box" else channel  # who the audit names
    local = now.astimezone(settings.tz)
    ready_on = ready_day(hours, local)
    try:
        checked = check_request(
            session,
            office_id,
            settings,
            IssueRequest(
                type_code=type_code,
                nik=nik,
                operator=actor,
                fields=dict(fields),
                purpose=purpose,
            ),
            today=ready_on,
            looked_up_for="permohonan surat",
            validate_fields=False,
        )
    except LetterRefusal as exc:
        code = "fields" if exc.extra.get("field_errors") else "not_eligible"
        raise RequestRefusal(str(exc), code, **exc.extra) from exc
    lt, resident = checked.letter_type, checked.resident
    result = lt.validate(
        checked.values, today=ready_on, resident=checked.snapshot, family=checked.family
    )
    left = {k for k in at_counter if not str(checked.values.get(k) or "").strip()}
    errors = {k: m for k, m in result.errors.items() if k not in left}
    if errors:
        raise RequestRefusal(" ".join(errors.values()), code="fields", field_errors=errors)
    message = purpose_error(lt, checked.purpose)
    if message and lt.field(PURPOSE_KEY) is None and PURPOSE_KEY not in at_counter:
        raise RequestRefusal(message, code="fields", field_errors={"keperluan": message})
    existing = session.scalars(
        select(LetterRequest).where(
            LetterRequest.office_id == office_id,
            LetterRequest.resident_id == resident.id,
            LetterRequest.type_code == lt.code,
            LetterRequest.status == WAITING,
        )
    ).first()
    if existing is not None:
        raise RequestRefusal(
            f"Permohonan {lt.title_case} untuk NIK ini sudah ada dan menunggu "
            f"(kode ambil {existing.pickup_code}, {existing.ready_on.isoformat()}).",
            code="duplicate",
            pickup_code=existing.pickup_code,
        )
    # what was given, in its canonical form (not the defaults and prefills the counter adds)
    given = {
        k: result.values.get(k, str(v))
        for k, v in checked.values.items()
        if k not in left and str(v).strip()
    }
    prefix = service_prefix(session, office_id, lt.code)
    try:
        issued = take_ticket(
            session,
            q,
            prefix,
            nik=resident.nik,
            operator=actor,
            now=now,
            day=ready_on,
            channel=channel,
        )
    except QueueError as exc:
        raise RequestRefusal(str(exc), code="queue") from exc
    ticket_id = session.scalar(
        select(Ticket.id).where(
            Ticket.office_id == office_id,
            Ticket.day == ready_on,
            Ticket.number == issued.ticket.number,
        )
    )
    code = _new_code(session, office_id)
    row = LetterRequest(
        office_id=office_id,
        resident_id=resident.id,
        type_code=lt.code,
        field_values={k: str(v) for k, v in given.items()},
        purpose=checked.purpose,
        channel=channel,
        created_at=now,
        ready_on=ready_on,
        ticket_id=ticket_id,
        pickup_code=code,
        status=WAITING,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        office_id=office_id,
        action="letter.request",
        subject=f"request:{code}",
        details={
            "type": lt.code,
            "nik_masked": mask_nik(resident.nik),
            "ticket": issued.ticket.number,
            "ready_on": ready_on.isoformat(),
            "channel": channel,
        },
        operator=actor,
    )
    return RequestReceipt(
        request_id=row.id,
        pickup_code=code,
        ready_on=ready_on,
        type_code=lt.code,
        type_name=lt.title_case,
        issued=issued,
        channel=channel,
    )


def create_request(
    station: Station,
    *,
    nik: str,
    type_code: str,
    fields: Mapping[str, str],
    purpose: str,
    channel: str = "box",
    settings: LetterSettings | None = None,
    at_counter: Collection[str] = (),
) -> RequestReceipt:
    """:func:`open_request` in its own write transaction on the station's clock and opening
    hours (``[kiosk] opening_hours``)."""
    settings = settings or LetterSettings.from_config(station.config)
    q = OfficeQueue(station.office_id, station.config.tz, policy_from_config(station.config))
    hours = station.config.kiosk.hours()
    with station.db.write() as session:
        return open_request(
            session,
            station.office_id,
            settings,
            q,
            hours,
            nik=nik,
            type_code=type_code,
            fields=fields,
            purpose=purpose,
            channel=channel,
            now=station.clock.now(),
            at_counter=at_counter,
        )


# ------------------------------------------------------------------------------------------
# Serving and closing


def cancel_request(station: Station, code: str, *, reason: str, operator: str) -> RequestView:
    """Close a waiting request without a letter (the resident withdrew, or the office cannot
    issue it), audited."""
    now = station.clock.now()
    with station.db.write() as session:
        row = _by_code(session, station.office_id, code)
        if row.status != WAITING:
            raise RequestRefusal(
                f"Permohonan {row.pickup_code} sudah {STATUS_LABELS[row.status]}.", code="closed"
            )
        row.status = CANCELLED
        row.closed_at = now
        row.close_reason = reason.strip()[:200] or "dibatalkan"
        audit.record(
            session,
            office_id=station.office_id,
            action="letter.request_cancel",
            subject=f"request:{row.pickup_code}",
            details={"type": row.type_code, "reason": row.close_reason},
            operator=operator,
        )
        session.flush()
        return _views(session, [row], station.clock.today(), _names(station))[0]


def _by_code(session: Session, office_id: int, code: str) -> LetterRequest:
    wanted = normalize_code(code)
    row = session.scalars(
        select(LetterRequest).where(
            LetterRequest.office_id == office_id, LetterRequest.pickup_code == wanted
        )
    ).one_or_none()
    if row is None:
        raise RequestRefusal(f"Permohonan dengan kode {wanted} tidak ada.", code="not_found")
    return row


# ------------------------------------------------------------------------------------------
# Reading


def is_overdue(status: str, ready_on: dt.date, today: dt.date) -> bool:
    """Still waiting after its day: the office did not serve it when it said it would."""
    return status == WAITING and ready_on < today


def _names(station: Station | None) -> dict[str, str]:
    if station is None:
        return {}
    try:
        catalogue = LetterSettings.from_config(station.config).catalogue
    except LetterRefusal:
        return {}
    return {lt.code: lt.title_case for lt in catalogue}


def _views(
    session: Session, rows: list[LetterRequest], today: dt.date, names: Mapping[str, str]
) -> list[RequestView]:
    if not rows:
        return []
    residents = {
        r.id: r
        for r in session.scalars(
            select(Resident).where(Resident.id.in_({row.resident_id for row in rows}))
        )
    }
    ticket_ids = {row.ticket_id for row in rows if row.ticket_id is not None}
    tickets: dict[int, str] = {}
    if ticket_ids:
        rows_t = session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ticket_ids)))
        tickets = {int(i): str(n) for i, n in rows_t}
    letter_ids = {row.letter_id for row in rows if row.letter_id is not None}
    letters: dict[int, str] = {}
    if letter_ids:
        rows_l = session.execute(select(Letter.id, Letter.number).where(Letter.id.in_(letter_ids)))
        letters = {int(i): str(n) for i, n in rows_l}
    views = []
    for row in rows:
        resident = residents.get(row.resident_id)
        nik = resident.nik if resident is not None else ""
        views.append(
            RequestView(
                id=row.id,
                pickup_code=row.pickup_code,
                type_code=row.type_code,
                type_name=names.get(row.type_code, row.type_code),
                nik=nik,
                nik_masked=mask_nik(nik) if nik else "-",
                name=resident.name if resident is not None else "-",
                fields={str(k): str(v) for k, v in (row.field_values or {}).items()},
                purpose=row.purpose or "",
                channel=row.channel,
                created_at=row.created_at,
                ready_on=row.ready_on,
                ticket_number=tickets.get(row.ticket_id) if row.ticket_id else None,
                status=row.status,
                letter_number=letters.get(row.letter_id) if row.letter_id else None,
                overdue=is_overdue(row.status, row.ready_on, today),
            )
        )
    return views


def list_requests(
    session: Session,
    office_id: int,
    *,
    today: dt.date,
    status: str | None = WAITING,
    overdue: bool = False,
    names: Mapping[str, str] | None = None,
    limit: int = 500,
) -> list[RequestView]:
    """Requests, oldest first: waiting ones by default; ``overdue``: waiting past their day."""
    stmt = select(LetterRequest).where(LetterRequest.office_id == office_id)
    if overdue:
        stmt = stmt.where(LetterRequest.status == WAITING, LetterRequest.ready_on < today)
    elif status is not None:
        stmt = stmt.where(LetterRequest.status == status)
    stmt = stmt.order_by(LetterRequest.ready_on, LetterRequest.created_at, LetterRequest.id)
    rows = list(session.scalars(stmt.limit(limit)))
    return _views(session, rows, today, names or {})


def requests_for_station(
    station: Station, *, status: str | None = WAITING, overdue: bool = False
) -> list[RequestView]:
    """:func:`list_requests` in one read, on the station's clock, with the types' names."""
    names = _names(station)
    with station.db.read() as session:
        return list_requests(
            session,
            station.office_id,
            today=station.clock.today(),
            status=status,
            overdue=overdue,
            names=names,
        )


def request_for_ticket(
    session: Session, office_id: int, ticket_id: int, *, today: dt.date
) -> RequestView | None:
    """The waiting request a ticket was printed for (the counter opens it pre-filled)."""
    row = session.scalars(
        select(LetterRequest).where(
            LetterRequest.office_id == office_id,
            LetterRequest.ticket_id == ticket_id,
            LetterRequest.status == WAITING,
        )
    ).first()
    if row is None:
        return None
    return _views(session, [row], today, {})[0]


def held_request(station: Station, ticket_number: str) -> RequestView | None:
    """The waiting request behind today's ticket ``ticket_number`` (the operator app's held
    ticket), with the NIK unmasked for the resident card; None for an ordinary ticket."""
    today = station.clock.today()
    with station.db.read() as session:
        ticket_id = session.scalar(
            select(Ticket.id).where(
                Ticket.office_id == station.office_id,
                Ticket.day == today,
                Ticket.number == ticket_number.upper(),
            )
        )
        if ticket_id is None:
            return None
        return request_for_ticket(session, station.office_id, ticket_id, today=today)


def waiting_request_for(station: Station, nik: str) -> RequestView | None:
    """The oldest waiting request of a resident (the letter screen offers it filled in when
    the resident comes without the ticket, e.g. after its day)."""
    today = station.clock.today()
    with station.db.read() as session:
        row = session.scalars(
            select(LetterRequest)
            .join(Resident, Resident.id == LetterRequest.resident_id)
            .where(
                LetterRequest.office_id == station.office_id,
                LetterRequest.status == WAITING,
                Resident.nik == nik,
            )
            .order_by(LetterRequest.created_at, LetterRequest.id)
            .limit(1)
        ).first()
        return _views(session, [row], today, {})[0] if row is not None else None


def request_by_code(station: Station, code: str) -> RequestView:
    """A request by its pickup code (the resident shows the ticket)."""
    with station.db.read() as session:
        row = _by_code(session, station.office_id, code)
        return _views(session, [row], station.clock.today(), _names(station))[0]
