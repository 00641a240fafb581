"""The Service Box's side of the letter core (issue "Service Box"; docs/box.md).

A resident with a PIN mandiri (``station.register.pins``) serves themself at any hour: the box
signs them in with NIK and PIN, offers the letter types the lurah allowed
(``self_service = "issue" | "request" | "no"``, the type's TOML value unless the admin screen
overrode it), and issues an "issue" letter through the same ``issue_letter`` as the counter,
recorded with channel ``box``. There is no operator: the actor of everything the box does is
the system actor :data:`BOX_ACTOR`, and the audit names the channel and the box's terminal.

No free text at the box: a purpose comes from the type's ``box_purposes`` list and a field
value from its ``choices`` (or its default); a type that needs typed text is not offered for
"issue". Eligibility is checked exactly as at the counter; a per-NIK daily limit
(``[box] daily_limit``) stops misuse, and :class:`GuessGuard` pauses a box after too many
refused PINs in a minute (NIK guessing), kept in the database across restarts.

No Textual and no printer here: the box app runs these in thread workers and hands the
Document to ``station.printing``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.letters import Document, LetterType, ResidentSnapshot, check_eligibility
from station.letters.catalogue import SELF_SERVICE_MODES, Catalogue
from station.letters.fields import CHILD_RELATIONSHIP, PARENT_RELATIONSHIPS, FieldSpec
from station.letters.formats import clean_text, day_name_id, format_date_id, mask_name
from station.letters.resident import STATUS_ACTIVE, resident_values
from station.letters.store import (
    CHANNEL_BOX,
    PURPOSE_KEY,
    STATUS_ISSUED,
    IssuedLetter,
    IssueRequest,
    LetterRefusal,
    LetterSettings,
    family_snapshots,
    issue_letter,
    record_print,
    reprint_letter,
)
from station.register.nik import mask_nik, normalize_nik
from station.register.pins import check_pin
from station.store import audit
from station.store.errors import StationError
from station.store.models import BoxGuard, Letter, LetterSelfService, utcnow

if TYPE_CHECKING:
    from station.home.context import Station

BOX_ACTOR = "layanan-mandiri"  # the audit's actor for the box: no operator is signed in
DEFAULT_DAILY_LIMIT = 3
PENDING_DAYS = 7  # an unprinted box letter is printed at the next sign-in within this time
MAX_CHOICES = 9  # each choice has a digit, 1-9
DATE_CHOICES = 7  # a date field offers a week of dates
AT_COUNTER = ""  # a picked field's value left to the counter (or empty)
LEFT_TO_COUNTER = "Lainnya — diisi petugas di loket"
LEFT_EMPTY = "Tidak diisi"
# One answer for an unknown NIK, a NIK without a PIN, a wrong PIN and a locked NIK: the box
# never tells whether a NIK exists (docs/security.md §2.13, docs/box.md).
REFUSED = "NIK atau PIN salah. Setelah 5 kali salah, penggunaan NIK dikunci 30 menit."
PAUSED = (
    "Terlalu banyak percobaan yang salah. Mesin berhenti sebentar; coba lagi {seconds} detik lagi."
)


class BoxRefusal(StationError):
    """Something the box will not do, in Indonesian for the resident."""


# ------------------------------------------------------------------------------------------
# What the lurah allows


def self_service_modes(session: Session, office_id: int, catalogue: Catalogue) -> dict[str, str]:
    """Each active type's mode: the admin's override where there is one, else the TOML's."""
    overrides = {
        code: mode
        for code, mode in session.execute(
            select(LetterSelfService.type_code, LetterSelfService.mode).where(
                LetterSelfService.office_id == office_id
            )
        )
    }
    return {
        lt.code: overrides.get(lt.code, lt.self_service)
        for lt in catalogue.active_types()
        if overrides.get(lt.code, lt.self_service) in SELF_SERVICE_MODES
    }


def set_self_service(
    session: Session,
    office_id: int,
    catalogue: Catalogue,
    code: str,
    mode: str,
    *,
    operator: str,
    now: dt.datetime | None = None,
) -> str:
    """The lurah's choice for one type (audited; an admin's act, checked here whatever face
    asks); returns the previous mode. Setting the TOML's own value removes the override."""
    from station.office.operators import require_admin

    require_admin(session, office_id, operator, act="mengubah pilihan Layanan Mandiri")
    if mode not in SELF_SERVICE_MODES:
        raise BoxRefusal(
            f"Pilihan layanan mandiri harus salah satu dari: {', '.join(SELF_SERVICE_MODES)}."
        )
    lt = catalogue.get(code)
    if lt is None:
        raise BoxRefusal(f"Jenis surat {code!r} tidak dikenal.")
    row = session.scalars(
        select(LetterSelfService).where(
            LetterSelfService.office_id == office_id, LetterSelfService.type_code == lt.code
        )
    ).one_or_none()
    before = row.mode if row is not None else lt.self_service
    if mode == lt.self_service:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = LetterSelfService(office_id=office_id, type_code=lt.code)
            session.add(row)
        row.mode = mode
        row.changed_at = now or utcnow()
        row.changed_by = operator
    session.flush()
    offered = [c for c, m in self_service_modes(session, office_id, catalogue).items() if m != "no"]
    if len(offered) > MAX_CHOICES:  # rolled back whole: the box would drop one unseen
        raise BoxRefusal(
            f"Mesin Layanan Mandiri hanya dapat menawarkan {MAX_CHOICES} jenis surat (satu "
            f"angka untuk tiap jenis) dan sudah menawarkan {MAX_CHOICES}. Ubah dulu satu "
            "jenis lain menjadi 'no'.",
            "box_full",
        )
    if before != mode:
        audit.record(
            session, office_id=office_id, action="letter.self_service", subject=lt.code,
            details={"from": before, "to": mode}, operator=operator,
        )  # fmt: skip
    return before


def box_modes(station: Station, settings: LetterSettings) -> dict[str, str]:
    """:func:`self_service_modes` in its own read (the admin screen, ``station box --json``)."""
    with station.db.read() as session:
        return self_service_modes(session, station.office_id, settings.catalogue)


def change_self_service(
    station: Station, settings: LetterSettings, code: str, mode: str, *, operator: str
) -> str:
    """:func:`set_self_service` in its own write transaction (the admin screen)."""
    with station.db.write() as session:
        return set_self_service(
            session, station.office_id, settings.catalogue, code, mode,
            operator=operator, now=station.clock.now(),
        )  # fmt: skip


# ------------------------------------------------------------------------------------------
# NIK guessing


class GuessGuard:
    """A per-box limit on refused PINs: ``max_failures`` within ``window`` seconds pause the
    box for ``pause`` seconds, whatever NIKs were typed (someone trying many NIKs with one
    PIN never reaches a NIK's own lock). Kept in the database (``box_guard``, one row per
    office and box name), in the caller's write transaction, so restarting the box process
    does not clear it (docs/box.md §6)."""

    def __init__(self, max_failures: int = 5, window: float = 60.0, pause: float = 60.0) -> None:
        self.max_failures = max_failures
        self.window = dt.timedelta(seconds=window)
        self.pause = dt.timedelta(seconds=pause)

    @staticmethod
    def _row(session: Session, office_id: int, terminal: str) -> BoxGuard | None:
        return session.scalars(
            select(BoxGuard).where(BoxGuard.office_id == office_id, BoxGuard.terminal == terminal)
        ).one_or_none()

    def paused_for(self, session: Session, office_id: int, terminal: str, now: dt.datetime) -> int:
        """Whole seconds until the box takes PINs again (0: now)."""
        row = self._row(session, office_id, terminal)
        if row is None or row.paused_until is None or row.paused_until <= now:
            return 0
        return max(1, math.ceil((row.paused_until - now).total_seconds()))

    def failed(self, session: Session, office_id: int, terminal: str, now: dt.datetime) -> bool:
        """Count one refused PIN; True when it pauses the box."""
        row = self._row(session, office_id, terminal)
        if row is None:
            row = BoxGuard(office_id=office_id, terminal=terminal, failures=0)
            session.add(row)
        if row.window_start is None or row.window_start <= now - self.window:
            row.window_start, row.failures = now, 0
        row.failures += 1
        paused = row.failures >= self.max_failures
        if paused:
            row.paused_until = now + self.pause
            row.window_start, row.failures = None, 0
        session.flush()
        return paused


# ------------------------------------------------------------------------------------------
# Signing in, what is offered


@dataclass(frozen=True)
class BoxField:
    """One field the resident picks at the box by digit: a ``choice`` field's list, a date
    among a few offered, a small number, a child from the KK. ``choices`` are the values
    stored, ``labels`` what the screen shows for each (default: the values); the value
    :data:`AT_COUNTER` ("") leaves the field to the officer at the counter (a request) or
    empty (an optional field)."""

    key: str
    label: str
    choices: tuple[str, ...]
    labels: tuple[str, ...] = ()

    @property
    def shown(self) -> tuple[str, ...]:
        return self.labels or self.choices

    def label_of(self, value: str) -> str:
        try:
            return self.shown[self.choices.index(value)]
        except ValueError:
            return value


@dataclass(frozen=True)
class BoxOffer:
    """One letter type offered at the box to one resident."""

    code: str
    name: str
    mode: str  # "issue" | "request"
    allowed: bool
    reason: str = ""  # why not, in Indonesian
    purposes: tuple[str, ...] = ()  # empty: no purpose step (default or none)
    fields: tuple[BoxField, ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)  # defaults, not asked
    # (key, label) of the required fields that need typing: a request leaves them to the
    # counter, and the box says so (no free text at the box)
    at_counter: tuple[tuple[str, str], ...] = ()

    def counter_note(self, values: Mapping[str, str] | None = None) -> str:
        """ "Nama Usaha dan Jenis Usaha diisi petugas di loket." for the typed fields and the
        picked fields the resident left to the counter; "" when there are none."""
        labels = [label for _, label in self.at_counter]
        for spec in self.fields:
            if values is not None and values.get(spec.key) == AT_COUNTER:
                labels.append(spec.label)
        if not labels:
            return ""
        listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " dan " + labels[-1]
        return f"{listed} diisi petugas di loket."


@dataclass(frozen=True)
class BoxVisitor:
    """The resident signed in at the box. ``nik`` stays in memory for issuing and is never
    shown: screens show ``nik_masked`` and ``name_masked``."""

    nik: str
    nik_masked: str
    name_masked: str
    resident_id: int
    offers: tuple[BoxOffer, ...]
    letters_today: int
    daily_limit: int
    pending: tuple[str, ...] = ()  # box letters issued but never printed: print them now


@dataclass(frozen=True)
class SignIn:
    visitor: BoxVisitor | None
    message: str = ""


def _date_choices(spec: FieldSpec, today: dt.date) -> tuple[list[str], list[str]]:
    """A week of dates: back from today for a past date (a birth, a death), on from today
    otherwise (a planned move)."""
    step = -1 if spec.past_only else 1
    days = [today + dt.timedelta(days=step * i) for i in range(DATE_CHOICES)]
    near = {0: "Hari ini", -1: "Kemarin", 1: "Besok"}
    labels = [
        f"{near[(d - today).days]}, {format_date_id(d)}"
        if (d - today).days in near
        else f"{day_name_id(d)}, {format_date_id(d)}"
        for d in days
    ]
    return [d.isoformat() for d in days], labels


def _children(
    resident: ResidentSnapshot, family: Sequence[ResidentSnapshot]
) -> tuple[list[str], list[str]]:
    """The holder's children in the KK (as the ``anak_dalam_kk`` rule accepts them): NIKs to
    store and first names to show (the rest of the name masked, never a NIK on screen)."""
    relation = clean_text(resident.family_relationship).upper()
    if not resident.kk_number or relation not in PARENT_RELATIONSHIPS:
        return [], []
    children = [
        m
        for m in family
        if m.nik != resident.nik
        and m.kk_number == resident.kk_number
        and clean_text(m.family_relationship).upper() == CHILD_RELATIONSHIP
        and m.status == STATUS_ACTIVE
    ]
    labels = []
    for child in children:
        first, *rest = clean_text(child.name).split() or ["-"]
        masked = mask_name(" ".join(rest))
        labels.append(f"{first} {masked} (lahir {child.birth_date.year})".replace("  ", " "))
    return [c.nik for c in children], labels


def _size(spec: FieldSpec) -> int | None:
    """How many values the field may take, when it is a closed list."""
    if spec.kind == "choice":
        return len(spec.choices)
    if spec.kind == "number" and spec.minimum is not None and spec.maximum is not None:
        return spec.maximum - spec.minimum + 1
    return None


def _pick_list(
    spec: FieldSpec,
    today: dt.date,
    resident: ResidentSnapshot,
    family: Sequence[ResidentSnapshot] | None,
) -> tuple[list[str], list[str]] | None:
    """The values a field may take by digit at the box, with their labels; None when the
    field needs typing (text, time, a NIK that is no child of the KK …)."""
    if spec.kind == "choice" and spec.choices:
        return list(spec.choices), list(spec.choices)
    if spec.kind == "date":
        return _date_choices(spec, today)
    if spec.kind == "number" and spec.minimum is not None and spec.maximum is not None:
        top = min(spec.maximum, spec.minimum + MAX_CHOICES)
        numbers = [str(n) for n in range(spec.minimum, top + 1)]
        return numbers, numbers
    if spec.kind == "nik" and spec.rule == "anak_dalam_kk" and family is not None:
        values, labels = _children(resident, family)
        return (values, labels) if values else None
    return None


def box_offer(
    lt: LetterType,
    mode: str,
    snapshot: ResidentSnapshot,
    today: dt.date,
    family: Sequence[ResidentSnapshot] | None = None,
) -> BoxOffer:
    """How the box offers ``lt``: what the resident picks by digit, what is fixed, what the
    counter fills in, and whether it may be had at all (eligibility; for "issue" no required
    field that needs typing). ``family``: the KK, for a field naming a child of it.

    A request may leave fields to the counter: a required field that needs typing is stored
    empty ("diisi petugas di loket"), and a picked field offers "Lainnya" for a value not
    in its list. An optional field offers "Tidak diisi". The counter opens the request with
    the cursor on the first empty field (docs/box.md)."""
    verdict = check_eligibility(lt, snapshot, today=today, family=family or ())
    register = resident_values(snapshot, on=today)  # what a field's prefill takes
    fields: list[BoxField] = []
    fixed: dict[str, str] = {}
    typed: list[tuple[str, str]] = []
    for spec in lt.fields:
        if spec.default is not None and not (spec.kind == "choice" and spec.choices):
            fixed[spec.key] = spec.default
            continue
        picked = _pick_list(spec, today, snapshot, family)
        if picked is None:
            if spec.prefill and register.get(spec.prefill):
                continue  # filled from the register, at the box as at the counter
            if spec.required:
                typed.append((spec.key, spec.label))
            continue  # an optional typed field: the counter may add it
        values, labels = picked
        complete = spec.kind != "date" and len(values) == _size(spec)
        extra = None
        if mode == "request" and not complete:
            extra = (AT_COUNTER, LEFT_TO_COUNTER)
        elif not spec.required:
            extra = (AT_COUNTER, LEFT_EMPTY)
        room = MAX_CHOICES - (1 if extra else 0)
        if len(values) > room:  # one digit each: the list is cut
            values, labels = values[:room], labels[:room]
            if mode == "request":
                extra = (AT_COUNTER, LEFT_TO_COUNTER)
        if extra is not None:
            values, labels = [*values, extra[0]], [*labels, extra[1]]
        fields.append(BoxField(spec.key, spec.label, tuple(values), tuple(labels)))
    purposes: tuple[str, ...] = ()
    reason = verdict.message if not verdict.allowed else ""
    if lt.purpose != "none":
        purposes = lt.box_purposes
        if not purposes and lt.purpose == "required" and not lt.default_purpose:
            if mode == "request":  # written at the counter, like a typed field
                typed.append((PURPOSE_KEY, "Keperluan"))
            else:
                reason = reason or "Surat ini memerlukan keperluan yang ditulis; ajukan di loket."
    if typed and mode != "request":  # no free text at the box; a request leaves it to the counter
        reason = reason or "Surat ini memerlukan isian yang ditulis petugas; ajukan di loket."
    return BoxOffer(
        lt.code, lt.title_case, mode, not reason, reason, purposes, tuple(fields), fixed,
        tuple(typed) if mode == "request" else (),
    )  # fmt: skip


def _letters_today(
    session: Session, office_id: int, resident_id: int, tz: dt.tzinfo, now: dt.datetime
) -> int:
    local = now.astimezone(tz)
    start = dt.datetime.combine(local.date(), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return int(
        session.scalar(
            select(func.count(Letter.id)).where(
                Letter.office_id == office_id,
                Letter.resident_id == resident_id,
                Letter.channel == CHANNEL_BOX,
                Letter.issued_at >= start,
            )
        )
        or 0
    )


def _pending(
    session: Session, office_id: int, resident_id: int, now: dt.datetime
) -> tuple[str, ...]:
    rows = session.scalars(
        select(Letter.number)
        .where(
            Letter.office_id == office_id,
            Letter.resident_id == resident_id,
            Letter.channel == CHANNEL_BOX,
            Letter.status == STATUS_ISSUED,
            Letter.print_count == 0,
            Letter.issued_at >= now - dt.timedelta(days=PENDING_DAYS),
        )
        .order_by(Letter.id)
    )
    return tuple(rows)


def sign_in(
    station: Station,
    settings: LetterSettings,
    nik: str,
    pin: str,
    *,
    terminal: str,
    guard: GuessGuard,
    daily_limit: int = DEFAULT_DAILY_LIMIT,
) -> SignIn:
    """NIK and PIN at the box: the visitor with the offers, or one refusal for every failure
    (the PIN check and its counting are one write transaction, audited in ``check_pin``)."""
    now = station.clock.now()
    today = station.clock.today()
    with station.db.write() as session:
        paused = guard.paused_for(session, station.office_id, terminal, now)
        if paused:  # the PIN is not even checked; counted for the lurah, without the NIK
            _record_refusal(session, station.office_id, "paused", terminal=terminal)
            return SignIn(None, PAUSED.format(seconds=paused))
        checked = check_pin(session, station.office_id, nik, pin, now=now, terminal=terminal)
        if not checked.ok:
            failed = True
            if guard.failed(session, station.office_id, terminal, now):
                audit.record(
                    session, office_id=station.office_id, action="box.paused", subject=None,
                    details={"terminal": terminal, "seconds": int(guard.pause.total_seconds()),
                             "channel": CHANNEL_BOX},
                    operator=BOX_ACTOR,
                )  # fmt: skip
        else:
            failed = False
            resident = checked.resident
            assert resident is not None
            snapshot = ResidentSnapshot.from_object(resident)
            modes = self_service_modes(session, station.office_id, settings.catalogue)
            offered = [
                lt
                for lt in settings.catalogue.active_types()
                if modes.get(lt.code) in ("issue", "request")
            ][:MAX_CHOICES]
            # the KK, read once, for the types that read it as the counter does
            family = (
                family_snapshots(session, resident)
                if any(lt.reads_family for lt in offered)
                else []
            )
            offers = tuple(
                box_offer(lt, modes[lt.code], snapshot, today, family if lt.reads_family else None)
                for lt in offered
            )
            visitor = BoxVisitor(
                nik=resident.nik,
                nik_masked=mask_nik(resident.nik),
                name_masked=mask_name(resident.name),
                resident_id=resident.id,
                offers=offers,
                letters_today=_letters_today(
                    session, station.office_id, resident.id, settings.tz, now
                ),
                daily_limit=daily_limit,
                pending=_pending(session, station.office_id, resident.id, now),
            )
    if failed:
        return SignIn(None, REFUSED)
    return SignIn(visitor)


def _record_refusal(
    session: Session, office_id: int, reason: str, *, terminal: str, type_code: str = ""
) -> None:
    audit.record(
        session, office_id=office_id, action="box.refused", subject=None,
        details={"reason": reason, "type": type_code, "terminal": terminal,
                 "channel": CHANNEL_BOX},
        operator=BOX_ACTOR,
    )  # fmt: skip


def refuse(station: Station, reason: str, *, terminal: str, type_code: str = "") -> None:
    """A refused attempt at the box, audited without the NIK (for the lurah's report)."""
    with station.db.write() as session:
        _record_refusal(session, station.office_id, reason, terminal=terminal, type_code=type_code)


# ------------------------------------------------------------------------------------------
# Issuing and printing


def issue(
    station: Station,
    settings: LetterSettings,
    visitor: BoxVisitor,
    code: str,
    *,
    fields: Mapping[str, str],
    purpose: str,
    terminal: str,
) -> IssuedLetter:
    """Issue an "issue" letter for the signed-in visitor, channel ``box``, in one write
    transaction: the mode and the daily limit are checked again inside it, the values only
    from the type's own lists."""
    values, _ = _chosen(visitor, code, "issue", fields, purpose)
    now = station.clock.now()
    refusal, message = "", "Surat ini tidak dapat diterbitkan di mesin ini."
    try:
        with station.db.write() as session:
            modes = self_service_modes(session, station.office_id, settings.catalogue)
            if modes.get(code) != "issue":
                refusal = "not_offered"
            elif (
                _letters_today(session, station.office_id, visitor.resident_id, settings.tz, now)
                >= visitor.daily_limit
            ):
                refusal = "limit"
                message = (
                    f"Batas {visitor.daily_limit} surat per hari dari mesin ini sudah tercapai. "
                    "Silakan datang ke loket pada jam layanan."
                )
            else:
                request = IssueRequest(
                    type_code=code,
                    nik=normalize_nik(visitor.nik),
                    operator=BOX_ACTOR,
                    fields=values,
                    purpose=purpose,
                    channel=CHANNEL_BOX,
                )
                return issue_letter(session, station.office_id, settings, request, now=now)
    except LetterRefusal as exc:  # rolled back whole; eligibility, fields, no key
        refusal, message = "not_eligible", str(exc)
    refuse(station, refusal, terminal=terminal, type_code=code)
    raise BoxRefusal(message)


def _chosen(
    visitor: BoxVisitor, code: str, mode: str, fields: Mapping[str, str], purpose: str
) -> tuple[dict[str, str], list[str]]:
    """The field values of a box letter, only from the offer's lists and defaults, and the
    keys of the required fields left to the counter (a request's typed and "Lainnya" ones)."""
    offer = next((o for o in visitor.offers if o.code == code), None)
    if offer is None or offer.mode != mode or not offer.allowed:
        raise BoxRefusal("Surat ini tidak dapat diberikan di mesin ini.")
    if offer.purposes and purpose not in offer.purposes:
        raise BoxRefusal("Pilih keperluan dari daftar.")
    values = dict(offer.fixed)
    at_counter = [key for key, _ in offer.at_counter]
    for spec in offer.fields:
        value = fields.get(spec.key, "")
        if value not in spec.choices:
            raise BoxRefusal(f"Pilih {spec.label} dari daftar.")
        if value == AT_COUNTER:
            at_counter.append(spec.key)
        else:
            values[spec.key] = value
    return values, at_counter


def request(
    station: Station,
    settings: LetterSettings,
    visitor: BoxVisitor,
    code: str,
    *,
    fields: Mapping[str, str],
    purpose: str,
    terminal: str,
) -> Any:
    """Store a "request" letter for the counter (``station.letters.requests``): a queue
    ticket for the next opening with a pickup code. What the resident picked is stored; the
    fields left to the counter stay empty and are checked there. Returns the
    ``RequestReceipt``."""
    from station.letters.requests import create_request

    values, at_counter = _chosen(visitor, code, "request", fields, purpose)
    with station.db.read() as session:
        mode = self_service_modes(session, station.office_id, settings.catalogue).get(code)
    if mode != "request":
        refuse(station, "not_offered", terminal=terminal, type_code=code)
        raise BoxRefusal("Surat ini tidak dapat diberikan di mesin ini.")
    try:
        return create_request(
            station, nik=visitor.nik, type_code=code, fields=values, purpose=purpose,
            channel=CHANNEL_BOX, settings=settings, at_counter=at_counter,
        )  # fmt: skip
    except LetterRefusal as exc:
        refuse(station, "not_eligible", terminal=terminal, type_code=code)
        raise BoxRefusal(str(exc)) from exc


def pending_document(station: Station, visitor: BoxVisitor, number: str) -> Document:
    """The original of the visitor's own unprinted box letter (audited as a reprint)."""
    if number not in visitor.pending:
        raise BoxRefusal("Surat ini bukan surat Anda yang belum tercetak.")
    with station.db.write() as session:
        _, doc = reprint_letter(
            session, station.office_id, number, operator=BOX_ACTOR, printed=False
        )
        return doc


def record_box_print(station: Station, number: str) -> int:
    """A box letter reached the printer: count it (audited as the box's act)."""
    with station.db.write() as session:
        return record_print(session, station.office_id, number, operator=BOX_ACTOR).print_count
