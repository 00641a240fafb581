"""What the operator's letter screens need from the register, in plain functions.

The screens stay thin: which letter types to offer a resident (most used first, each with its
eligibility), the form check, a draft of the letter for the preview, issuing in one write
transaction, recording a print, reprint and revoke, and the day's letters and served tickets.
No Textual and no printer here: the screens run these in thread workers and hand Documents to
``station.printing``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from station.letters import (
    Document,
    LetterError,
    LetterType,
    OfficeInfo,
    ResidentSnapshot,
    check_eligibility,
    format_number,
    render_letter,
    sequence_scope,
)
from station.letters.seal import SealError, qr_text
from station.letters.store import (
    PURPOSE_KEY,
    IssuedLetter,
    IssueRequest,
    LetterRefusal,
    LetterSettings,
    check_request,
    family_snapshots,
    issue_letter,
    record_print,
    reprint_letter,
    revoke_letter,
    split_purpose,
)
from station.queue.rules import DONE, NO_SHOW, OUTCOMES, STATUS_LABELS
from station.register.nik import mask_nik, normalize_nik
from station.register.residents import get_by_nik
from station.store.models import Letter, Office, Operator, Sequence, Service, Ticket
from station.store.models import LetterType as LetterTypeRow

if TYPE_CHECKING:
    from station.home.context import Station

USAGE_WINDOW_DAYS = 90
DRAFT_TOKEN = "DRAFT"  # stands in for the seal in the preview; the printer shows a QR there
PURPOSE_LABEL = "Keperluan"
SERVED_STATUSES = (DONE, NO_SHOW)  # the Today table: finished and no-show tickets


# ------------------------------------------------------------------------------------------
# Which letters to offer


@dataclass(frozen=True)
class LetterOffer:
    """One letter type as offered to one resident."""

    letter_type: LetterType
    used: int  # letters of this type issued by the office in the usage window
    allowed: bool
    reason: str = ""  # the Indonesian refusal when not allowed

    @property
    def code(self) -> str:
        return self.letter_type.code

    @property
    def name(self) -> str:
        return self.letter_type.title_case


@dataclass(frozen=True)
class DeskStart:
    """What the letter screen opens with: the resident (for the form's checks) and offers."""

    resident: ResidentSnapshot
    offers: tuple[LetterOffer, ...]


def usage_counts(session: Session, office_id: int, *, since: dt.datetime) -> dict[str, int]:
    """Letters issued per type code since ``since`` (revoked ones count: they were asked for)."""
    rows = session.execute(
        select(LetterTypeRow.code, func.count(Letter.id))
        .join(Letter, Letter.letter_type_id == LetterTypeRow.id)
        .where(Letter.office_id == office_id, Letter.issued_at >= since)
        .group_by(LetterTypeRow.code)
    )
    return {code: int(count) for code, count in rows}


def rank_types(types: Iterable[LetterType], counts: Mapping[str, int]) -> list[LetterType]:
    """Most used first; ties (and unused types) in the catalogue's ``order``, then code."""
    return sorted(types, key=lambda t: (-counts.get(t.code, 0), t.order, t.code))


def letter_offers(
    session: Session,
    office_id: int,
    settings: LetterSettings,
    nik: str,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    window_days: int = USAGE_WINDOW_DAYS,
) -> DeskStart:
    """The active types for this resident, ranked, each with its eligibility.

    Reads the resident without another audited lookup: the resident card that opens the
    letter screen has logged it, and issuing logs it again with the letter's purpose.
    """
    today = today or settings.today()
    now = now or dt.datetime.now(dt.UTC)
    resident = get_by_nik(session, normalize_nik(nik))
    if resident is None:
        raise LetterRefusal("NIK tidak terdaftar di register kelurahan.")
    snapshot = ResidentSnapshot.from_object(resident)
    family = family_snapshots(session, resident)  # a head who died: his spouse acts (SKTM)
    counts = usage_counts(session, office_id, since=now - dt.timedelta(days=window_days))
    offers = []
    for lt in rank_types(settings.catalogue.active_types(), counts):
        verdict = check_eligibility(lt, snapshot, today=today, family=family)
        offers.append(LetterOffer(lt, counts.get(lt.code, 0), verdict.allowed, verdict.message))
    return DeskStart(snapshot, tuple(offers))


def start_letter(station: Station, settings: LetterSettings, nik: str) -> DeskStart:
    """:func:`letter_offers` in its own read, on the station's clock (the letter screen)."""
    with station.db.read() as session:
        return letter_offers(
            session,
            station.office_id,
            settings,
            nik,
            today=station.clock.today(),
            now=station.clock.now(),
        )


def letter_paper(settings: LetterSettings, type_code: str) -> str:
    """Where a letter of this type prints unless someone chooses otherwise: ``receipt``,
    ``f4`` or ``a4`` (the type's ``paper``, docs/letters.md). For the counter's letter
    screen and the self-service box alike."""
    return settings.catalogue.default_paper(type_code)


def pdf_paper(settings: LetterSettings, type_code: str) -> str:
    """The paper of a PDF of this type: its own F4/A4, else F4 (the kelurahan's paper)."""
    paper = letter_paper(settings, type_code)
    return paper if paper in ("f4", "a4") else "f4"


def filter_offers(offers: Iterable[LetterOffer], text: str) -> list[LetterOffer]:
    """Offers whose code or name contains every word typed (case-insensitive), in order."""
    words = text.casefold().split()
    return [
        o
        for o in offers
        if all(w in f"{o.code} {o.name} {o.letter_type.title}".casefold() for w in words)
    ]


# ------------------------------------------------------------------------------------------
# The form and the draft


def purpose_error(lt: LetterType, purpose: str) -> str | None:
    """The purpose rule of ``render_letter``, as a message for the purpose field."""
    if lt.purpose == "required" and not purpose.strip() and not lt.default_purpose:
        return "Keperluan surat wajib diisi."
    return None


def check_form(
    lt: LetterType,
    values: Mapping[str, str],
    purpose: str,
    *,
    today: dt.date,
    resident: ResidentSnapshot | None,
    family: Iterable[ResidentSnapshot] | None = None,
) -> dict[str, str]:
    """One Indonesian message per wrong field (the purpose under ``keperluan``); empty: ok.

    Without ``family`` (the KK) the checks of a child on the KK wait for the preview."""
    fields, purpose = split_purpose(lt, values, purpose)
    errors = dict(lt.validate(fields, today=today, resident=resident, family=family).errors)
    message = purpose_error(lt, purpose)
    if message and lt.field(PURPOSE_KEY) is None:
        errors[PURPOSE_KEY] = message
    return errors


@dataclass(frozen=True)
class Draft:
    """The letter as it will print, before it has a number of its own or a seal."""

    document: Document
    expected_number: str  # the next number now; issuing takes the number it then gets


def _expected_number(
    session: Session, office: Office, settings: LetterSettings, lt: LetterType, today: dt.date
) -> str:
    scope = sequence_scope(
        settings.numbering.scope,
        year=today.year,
        type_code=lt.code,
        classification=lt.classification,
    )
    last = session.scalar(
        select(Sequence.last_value).where(Sequence.office_id == office.id, Sequence.scope == scope)
    )
    return format_number(
        settings.numbering.pattern,
        kode=lt.classification,
        nomor=(last or 0) + 1,
        unit=office.unit_code,
        month=today.month,
        year=today.year,
        type_code=lt.code,
    )


def draft_letter(
    session: Session,
    office_id: int,
    settings: LetterSettings,
    request: IssueRequest,
    *,
    today: dt.date | None = None,
) -> Draft:
    """The checks of ``issue_letter`` and its rendering, without a number taken or a seal.

    The resident lookup is audited (the preview shows the resident's full data), so call it
    in a write transaction. Refusals are the same :class:`LetterRefusal` as issuing's, with
    ``field_errors`` for the form.
    """
    today = today or settings.today()
    checked = check_request(
        session,
        office_id,
        settings,
        request,
        today=today,
        looked_up_for="pratinjau surat",
        validate_fields=False,
    )
    lt, office, snapshot = checked.letter_type, checked.office, checked.snapshot
    family, purpose = checked.family, checked.purpose
    errors = check_form(
        lt, request.fields, request.purpose, today=today, resident=snapshot, family=family
    )
    if errors:
        raise LetterRefusal(" ".join(errors.values()), field_errors=errors)
    values = lt.validate(checked.values, today=today, resident=snapshot, family=family).values
    number = _expected_number(session, office, settings, lt, today)
    info = OfficeInfo.from_object(office, verify_base_url=settings.verify_base_url)
    try:
        doc = render_letter(
            lt,
            info,
            snapshot,
            values,
            purpose,
            number,
            today,
            lt.valid_until(today),
            checked.signer,
            family=family,
        )
        doc = doc.with_qr(qr_text(settings.verify_base_url, DRAFT_TOKEN))
    except (LetterError, SealError) as exc:
        raise LetterRefusal(str(exc)) from exc
    return Draft(doc, number)


def draft(
    station: Station, settings: LetterSettings, request: IssueRequest, *, today: dt.date
) -> Draft:
    """:func:`draft_letter` in a write transaction of its own (the lookup is audited)."""
    with station.db.write() as session:
        return draft_letter(session, station.office_id, settings, request, today=today)


# ------------------------------------------------------------------------------------------
# Acts, each one write transaction with its audit record


def issue(station: Station, settings: LetterSettings, request: IssueRequest) -> IssuedLetter:
    """Issue one letter: number, seal, store and audit in one write transaction, dated by the
    station's clock (its day, Roman month and ``issued_at``)."""
    with station.db.write() as session:
        return issue_letter(session, station.office_id, settings, request, now=station.clock.now())


def record_letter_print(station: Station, number: str, *, operator: str) -> int:
    """A print reached the printer: count it (audited). Returns the new print count."""
    with station.db.write() as session:
        return record_print(session, station.office_id, number, operator=operator).print_count


def reprint_document(station: Station, number: str, *, operator: str) -> tuple[str, Document]:
    """The stored letter for printing again (same number and seal): the original while no
    print of it has reached paper, then ``SALINAN n`` (``reprint_letter``). The print itself
    is counted by :func:`record_letter_print` once it reached paper."""
    with station.db.write() as session:
        letter, doc = reprint_letter(
            session, station.office_id, number, operator=operator, printed=False
        )
        return letter.number, doc


def revoke(station: Station, number: str, *, reason: str, operator: str) -> str:
    """Revoke a letter (audited, dated by the station's clock); returns its status."""
    with station.db.write() as session:
        found = revoke_letter(
            session,
            station.office_id,
            number,
            reason=reason,
            operator=operator,
            now=station.clock.now(),
        )
        return found.status


# ------------------------------------------------------------------------------------------
# Today


@dataclass(frozen=True)
class TodayLetter:
    number: str
    type_code: str
    name: str
    nik_masked: str
    operator: str
    issued_at: dt.datetime  # in the office's time zone
    status: str
    print_count: int


@dataclass(frozen=True)
class ServedTicket:
    number: str
    service: str
    operator: str
    outcome: str  # the outcome's label, or the status's (tidak hadir)
    letters: tuple[str, ...]
    finished_at: dt.datetime | None  # in the office's time zone
    status: str = DONE  # done or no_show (station.queue.rules)

    @property
    def served(self) -> bool:
        """Served means finished at a counter; a resident who did not come was not served."""
        return self.status == DONE


def served_count(tickets: Iterable[ServedTicket]) -> int:
    """The Today screen's "tiket terlayani": finished tickets, not the no-shows beside them."""
    return sum(1 for t in tickets if t.served)


def day_bounds(day: dt.date, tz: Any) -> tuple[dt.datetime, dt.datetime]:
    """The office's local day as a UTC half-open interval."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def todays_letters(session: Session, office_id: int, day: dt.date, tz: Any) -> list[TodayLetter]:
    """The office's letters issued on ``day`` (local), newest first."""
    start, end = day_bounds(day, tz)
    rows = session.execute(
        select(Letter, LetterTypeRow.code, Operator.display_name, Operator.username)
        .join(LetterTypeRow, Letter.letter_type_id == LetterTypeRow.id)
        .outerjoin(Operator, Letter.operator_id == Operator.id)
        .where(Letter.office_id == office_id, Letter.issued_at >= start, Letter.issued_at < end)
        .order_by(Letter.issued_at.desc(), Letter.id.desc())
    )
    found = []
    for letter, code, display_name, username in rows:
        data = dict(letter.resident_data or {})
        found.append(
            TodayLetter(
                number=letter.number,
                type_code=code,
                name=str(data.get("name", "")),
                nik_masked=mask_nik(str(data.get("nik", ""))),
                operator=(
                    "Layanan Mandiri"
                    if letter.channel == "box"
                    else display_name or username or "-"
                ),
                issued_at=letter.issued_at.astimezone(tz),
                status=letter.status,
                print_count=letter.print_count,
            )
        )
    return found


def todays_tickets(session: Session, office_id: int, day: dt.date, tz: Any) -> list[ServedTicket]:
    """Tickets served (or not shown up) on ``day``, latest issued first, with their letters."""
    queue_service = aliased(Service)
    rows = session.execute(
        select(Ticket, queue_service.name, Operator.display_name, Operator.username)
        .join(queue_service, Ticket.queue_service_id == queue_service.id)
        .outerjoin(Operator, Ticket.operator_id == Operator.id)
        .where(
            Ticket.office_id == office_id,
            Ticket.day == day,
            Ticket.status.in_(SERVED_STATUSES),
        )
        .order_by(Ticket.id.desc())
    ).all()
    ids = [ticket.id for ticket, *_ in rows]
    letters: dict[int, list[str]] = {}
    if ids:
        for ticket_id, number in session.execute(
            select(Letter.ticket_id, Letter.number)
            .where(Letter.office_id == office_id, Letter.ticket_id.in_(ids))
            .order_by(Letter.id)
        ):
            if ticket_id is not None:
                letters.setdefault(ticket_id, []).append(number)
    served = []
    for ticket, service_name, display_name, username in rows:
        if ticket.status == DONE:
            outcome = OUTCOMES.get(ticket.outcome or "", ticket.outcome or "-")
        else:
            outcome = STATUS_LABELS.get(ticket.status, ticket.status)
        finished = ticket.finished_at.astimezone(tz) if ticket.finished_at else None
        served.append(
            ServedTicket(
                number=ticket.number,
                service=service_name,
                operator=display_name or username or "-",
                outcome=outcome,
                letters=tuple(letters.get(ticket.id, ())),
                finished_at=finished,
                status=ticket.status,
            )
        )
    return served


def today_view(
    station: Station, *, day: dt.date | None = None
) -> tuple[list[TodayLetter], list[ServedTicket]]:
    """Both tables of the Today screen in one read (``day``: the station's today)."""
    tz = station.config.tz
    day = day or station.clock.today()
    with station.db.read() as session:
        return todays_letters(session, station.office_id, day, tz), todays_tickets(
            session, station.office_id, day, tz
        )
