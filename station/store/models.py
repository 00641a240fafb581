"""SQLAlchemy 2.0 typed models for the whole data model (docs/architecture.md §Data model).

Every table that belongs to one office carries ``office_id`` so that one city PostgreSQL can hold
many kelurahan. Times are stored as UTC; the office's time zone is applied only for display and
for deciding what "today" is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The default opening hours (station.office.opening_hours.DEFAULT_OPENING_HOURS) as stored in
# ``office.opening_hours``: weekdays 0 = Senin ... 6 = Minggu (tests/unit checks they agree).
DEFAULT_OPENING_HOURS_STORED = (
    '[{"days": [0, 1, 2, 3], "open": "08:00", "close": "15:00"}, '
    '{"days": [4], "open": "08:00", "close": "11:00"}]'
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes as naive UTC and gives them back aware.

    SQLite has no time zone type; normalising to UTC keeps ordering and arithmetic identical on
    SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime (UTC)")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Office(Base):
    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)  # Kemendagri, e.g. 53.71.03.1010
    name: Mapped[str] = mapped_column(String(100))
    kecamatan: Mapped[str] = mapped_column(String(100))
    kota: Mapped[str] = mapped_column(String(100))
    provinsi: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(5), default="")
    lurah_name: Mapped[str] = mapped_column(String(100), default="")
    lurah_nip: Mapped[str] = mapped_column(String(18), default="")
    lurah_rank: Mapped[str] = mapped_column(String(100), default="")
    unit_code: Mapped[str] = mapped_column(String(30))  # used in letter numbers, e.g. KEL.OSP
    verify_base_url: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Makassar")
    # ``[kiosk] opening_hours`` of the office's station.toml, kept in step like the columns
    # above (station.office.opening_hours.to_stored), so the city counts letters from the
    # Service Box outside each office's own hours (migration 0014).
    opening_hours: Mapped[str] = mapped_column(
        Text, default=DEFAULT_OPENING_HOURS_STORED, server_default=DEFAULT_OPENING_HOURS_STORED
    )


class Operator(Base):
    __tablename__ = "operator"
    __table_args__ = (UniqueConstraint("office_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    username: Mapped[str] = mapped_column(String(50))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # operator | admin
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Service(Base):
    """A layanan residents queue for; its prefix starts the ticket number (``A-012``)."""

    __tablename__ = "service"
    __table_args__ = (UniqueConstraint("office_id", "prefix"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    prefix: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    typical_minutes: Mapped[int] = mapped_column(Integer, default=10)
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Counter(Base):
    """A loket; which services it serves can change while it is open (cover mode)."""

    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("office_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    cover_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    services: Mapped[list[Service]] = relationship(secondary="counter_service")


class CounterService(Base):
    __tablename__ = "counter_service"

    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)


class Ticket(Base):
    """One resident's place in the queue.

    ``service_id`` is the service that issued the number and never changes (so the number stays
    unique); ``queue_service_id`` is the queue the ticket waits in now, which a transfer changes.
    ``issued_at`` is never changed either: it is the ticket's place in time, kept on transfer.
    """

    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("office_id", "service_id", "day", "sequence"),
        Index("ix_ticket_queue", "office_id", "status", "day"),
        # call next: today's waiting tickets in call order, without touching history
        Index("ix_ticket_callable", "office_id", "day", "status", "priority", "issued_at"),
        # recent median service time per service
        Index("ix_ticket_service_done", "office_id", "queue_service_id", "status", "finished_at"),
        Index("ix_ticket_counter", "counter_id", "status"),
        Index("ix_ticket_number", "office_id", "day", "number"),
        # today's counts per service and status (every poll): today's rows only, in group order
        Index("ix_ticket_day_counts", "office_id", "day", "queue_service_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(10))  # display number, e.g. A-012
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_reason: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(30))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    resident_nik: Mapped[str | None] = mapped_column(String(16))
    queue_service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    target_counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    close_reason: Mapped[str | None] = mapped_column(String(200))  # cancelled / not served


class QueueEvent(Base):
    """One transition of a ticket or a counter, for statistics; written in the same transaction
    as the change and its audit event. ``day`` is the office's local day."""

    __tablename__ = "queue_event"
    __table_args__ = (Index("ix_queue_event_day", "office_id", "day", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    day: Mapped[dt.date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(30))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    operator: Mapped[str | None] = mapped_column(String(50))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Resident(Base):
    """One person of the register (penduduk); coded values are kept as their canonical labels."""

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    kk_number: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(150))
    # The name's normalised words ("yohanes e keban"): what the full-text index covers.
    search_text: Mapped[str] = mapped_column(String(200), default="")
    birth_place: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))  # L | P
    blood_type: Mapped[str] = mapped_column(String(10), default="TIDAK TAHU")
    address: Mapped[str] = mapped_column(String(200), default="")
    rt: Mapped[str] = mapped_column(String(3), default="")
    rw: Mapped[str] = mapped_column(String(3), default="")
    kelurahan: Mapped[str] = mapped_column(String(100), default="")
    kecamatan: Mapped[str] = mapped_column(String(100), default="")
    religion: Mapped[str] = mapped_column(String(60), default="")
    marital_status: Mapped[str] = mapped_column(String(40), default="")
    occupation: Mapped[str] = mapped_column(String(60), default="")
    nationality: Mapped[str] = mapped_column(String(30), default="WNI")
    education: Mapped[str] = mapped_column(String(60), default="")
    family_relationship: Mapped[str] = mapped_column(String(30), default="")
    father_name: Mapped[str] = mapped_column(String(150), default="")
    mother_name: Mapped[str] = mapped_column(String(150), default="")
    ektp_recorded: Mapped[bool] = mapped_column(Boolean, default=False)
    ektp_recorded_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|moved|deceased
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Region(Base):
    """Kemendagri region names (dotted codes), imported with ``station regions import``."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class LetterType(Base):
    __tablename__ = "letter_type"
    __table_args__ = (UniqueConstraint("office_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(150))
    classification: Mapped[str] = mapped_column(String(30))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    body_template: Mapped[str] = mapped_column(Text, default="")
    validity_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Letter(Base):
    __tablename__ = "letter"
    __table_args__ = (UniqueConstraint("office_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    letter_type_id: Mapped[int] = mapped_column(ForeignKey("letter_type.id"))
    number: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    resident_data: Mapped[dict[str, Any]] = mapped_column(JSON)  # frozen at issue
    field_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    purpose: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="issued")  # issued | revoked
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    # The rendered letter (station.letters.Document.to_dict, with the digest salt), so a
    # reprint and the verification page show exactly what was sealed and printed.
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    token: Mapped[str | None] = mapped_column(String(300))  # the seal, base32 (docs/seal.md)
    copies: Mapped[int] = mapped_column(Integer, default=0)  # reprints, "SALINAN n"
    # Where it was issued: "counter" (an operator) or "box" (the Service Box, no operator).
    channel: Mapped[str] = mapped_column(String(10), default="counter", server_default="counter")


class ResidentPin(Base):
    """A resident's PIN mandiri for the Service Box (argon2 hash), set at a counter."""

    __tablename__ = "resident_pin"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    set_by: Mapped[str] = mapped_column(String(50), default="")


class LetterSelfService(Base):
    """The lurah's override of a letter type's ``self_service`` (issue | request | no) for
    the Service Box; without a row the type's TOML value holds (station.letters.box)."""

    __tablename__ = "letter_self_service"
    __table_args__ = (UniqueConstraint("office_id", "type_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    type_code: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(50), default="")


class BoxGuard(Base):
    """The Service Box's guard against NIK guessing, one row per box (``terminal``): refused
    PINs counted in a window and the pause they caused (station.letters.box.GuessGuard). In
    the database, so restarting the box does not clear it (docs/box.md)."""

    __tablename__ = "box_guard"
    __table_args__ = (UniqueConstraint("office_id", "terminal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    terminal: Mapped[str] = mapped_column(String(50))
    failures: Mapped[int] = mapped_column(Integer, default=0)  # refused PINs in the window
    window_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LetterRequest(Base):
    """A letter asked for ahead of the visit (the Service Box's "request" types, issue 16):
    type, field values and purpose as chosen, the resident, and the queue ticket printed with a
    pickup code for the office's next opening day (``ready_on``, office-local). The counter that
    calls the ticket opens the letter pre-filled; issuing it marks the request ``served`` with
    its letter (docs/domain.md, "Letter requests")."""

    __tablename__ = "letter_request"
    __table_args__ = (
        UniqueConstraint("office_id", "pickup_code"),
        Index("ix_letter_request_waiting", "office_id", "status", "ready_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    type_code: Mapped[str] = mapped_column(String(20))
    field_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    purpose: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20), default="box")  # box | counter | ...
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_on: Mapped[dt.date] = mapped_column(Date)  # the ticket's day: the next opening
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    pickup_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting|served|cancelled
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(200))


class SigningKey(Base):
    """The public half of an office key; the private key is a 0600 file in the station home."""

    __tablename__ = "signing_key"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    compromised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    compromise_reason: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only, one hash chain per office: ``hash`` covers the row and ``prev_hash``, and the
    office's ``audit`` sequence row points at the newest event, so an edit, an insertion or a
    deletion (even of the newest rows) breaks the chain."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    operator: Mapped[str | None] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(50), index=True)
    subject: Mapped[str | None] = mapped_column(String(100), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Where the act came from (``app``, ``cli``, ``kiosk``, ``board``, ``box``, ``web``) and the
    # OS account of the process (migration 0008); NULL on older events, whose hash covers
    # neither (station.store.audit).
    channel: Mapped[str | None] = mapped_column(String(10))
    os_user: Mapped[str | None] = mapped_column(String(64))


class Sequence(Base):
    """(office, scope) -> last value handed out; bumped in the transaction that uses it."""

    __tablename__ = "sequence"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


# --- satisfaction survey (SKM) and report indexes (issue 8) ---------------------------------

SKM_ELEMENTS = 9


class SurveyResponse(Base):
    """One resident's SKM answers (PermenPAN-RB 14/2017): nine elements scored 1-4, tied to a
    finished ticket so a ticket is rated at most once. No NIK or name: the survey is anonymous.
    ``day`` is the ticket's office-local day, for per-period reports over an index."""

    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("ticket_id"),
        Index("ix_survey_response_day", "office_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    ticket_number: Mapped[str] = mapped_column(String(10))
    day: Mapped[dt.date] = mapped_column(Date)
    q1: Mapped[int] = mapped_column(Integer)
    q2: Mapped[int] = mapped_column(Integer)
    q3: Mapped[int] = mapped_column(Integer)
    q4: Mapped[int] = mapped_column(Integer)
    q5: Mapped[int] = mapped_column(Integer)
    q6: Mapped[int] = mapped_column(Integer)
    q7: Mapped[int] = mapped_column(Integer)
    q8: Mapped[int] = mapped_column(Integer)
    q9: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def scores(self) -> tuple[int, ...]:
        return tuple(getattr(self, f"q{i}") for i in range(1, SKM_ELEMENTS + 1))


class CityUser(Base):
    """City staff who may open the mayor's view (``/kota``): argon2id password hash and a
    lockout counted here. Belongs to no office; office roles are granted nothing on it."""

    __tablename__ = "city_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# Letters per period (reports, end-of-day summary) without scanning the whole register.
Index("ix_letter_office_issued", Letter.office_id, Letter.issued_at)
