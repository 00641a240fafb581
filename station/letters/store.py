"""Issuing, revoking and reprinting letters: the database side of ``station.letters``.

Issuing is one write transaction: check the request, the resident's eligibility and the
fields; take the next number from the ``sequence`` row (``station.store.sequence``: one
upsert bumps it and keeps it locked until the transaction ends); render; seal with the active
key; store the Document (with its digest salt) on the letter; apply the type's effects
(a death letter marks the resident deceased); write the audit event. Any refusal rolls all of
it back, so a number is never skipped and never handed out twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.home.keys import KeyFileError, active_key, load_signing_key
from station.letters import (
    Catalogue,
    Document,
    LetterError,
    LetterType,
    NumberingConfig,
    OfficeInfo,
    ResidentSnapshot,
    Signer,
    check_eligibility,
    check_numbering,
    document_from_dict,
    format_number,
    letter_effects,
    load_catalogue,
    render_letter,
    sequence_scope,
)
from station.letters.formats import clean_text
from station.letters.seal import (
    SealError,
    check_verify_base_url,
    decode_token,
    payload_for_document,
    qr_text,
    seal_letter,
    verify_url,
)
from station.letters.signers import require_lurah, resolve_signer
from station.office.clock import OfficeClock
from station.register.nik import mask_nik
from station.register.residents import RegisterError, lookup_nik
from station.store import audit
from station.store.errors import StationError
from station.store.models import Letter, LetterRequest, Office, Operator, Resident, Ticket, utcnow
from station.store.models import LetterType as LetterTypeRow
from station.store.sequence import next_value

STATUS_ISSUED = "issued"
STATUS_REVOKED = "revoked"
PURPOSE_KEY = "keperluan"
CHANNEL_COUNTER = "counter"
CHANNEL_BOX = "box"
CHANNELS = (CHANNEL_COUNTER, CHANNEL_BOX)
# What a person reads for the stored codes (station letter show, the operator's screens).
LETTER_STATUS_LABELS = {STATUS_ISSUED: "terbit", STATUS_REVOKED: "dicabut"}
CHANNEL_LABELS = {CHANNEL_COUNTER: "di loket", CHANNEL_BOX: "melalui Layanan Mandiri"}
# LetterRequest.status (station.letters.requests): issuing answers a waiting request
REQUEST_WAITING = "waiting"
REQUEST_SERVED = "served"
REQUEST_CANCELLED = "cancelled"


class LetterRefusal(StationError):
    """Issuing, revoking or reprinting refused, with an Indonesian message and details
    (``extra``)."""


@dataclass(frozen=True)
class IssueRequest:
    type_code: str
    nik: str
    operator: str
    fields: Mapping[str, str] = field(default_factory=dict)
    purpose: str = ""
    ticket: str | None = None
    signer: Signer | None = None
    # A ``[signers.KEY]`` of station.toml signing a.n. the lurah; None or "lurah": the lurah.
    signer_key: str | None = None
    channel: str = CHANNEL_COUNTER  # or CHANNEL_BOX: the Service Box, no operator


@dataclass(frozen=True)
class IssuedLetter:
    id: int
    number: str
    type_code: str
    nik_masked: str
    token: str
    qr: str
    verify_url: str
    issued_on: dt.date
    valid_until: dt.date | None
    key_id: str
    document: Document
    effects: tuple[str, ...] = ()
    ticket: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "type": self.type_code,
            "nik_masked": self.nik_masked,
            "qr": self.qr,
            "verify_url": self.verify_url,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "key_id": self.key_id,
            "effects": list(self.effects),
            "ticket": self.ticket,
        }


# ------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class LetterSettings:
    """What issuing needs from the station: catalogue, numbering, verification address."""

    catalogue: Catalogue
    numbering: NumberingConfig
    verify_base_url: str
    keys_dir: Path
    tz: Any
    signers: Mapping[str, Any] = field(default_factory=dict)  # [signers.KEY] of station.toml

    @classmethod
    def from_config(cls, config: Any) -> LetterSettings:
        """From ``StationConfig``: built-in types plus ``$STATION_HOME/letters/*.toml``,
        the ``[letters]`` numbering, ``station.verify_base_url`` (checked: it must keep the
        QR within version 10)."""
        try:
            catalogue = load_catalogue([Path(config.home) / "letters"])
            letters = getattr(config, "letters", None)
            numbering = check_numbering(
                getattr(letters, "number_pattern", None) or _default_pattern(),
                getattr(letters, "number_scope", None) or "office",
                classifications={t.code: t.classification for t in catalogue},
                source=str(config.config_path),
            )
            base = check_verify_base_url(config.verify_base_url)
        except (LetterError, SealError) as exc:
            raise LetterRefusal(str(exc)) from exc
        return cls(
            catalogue,
            numbering,
            base,
            Path(config.keys_dir),
            config.tz,
            dict(getattr(config, "signers", {}) or {}),
        )

    def today(self) -> dt.date:
        """The office's day on a real office clock (faces pass ``today=`` from station.clock)."""
        return OfficeClock(self.tz).today()


def _default_pattern() -> str:
    from station.letters import DEFAULT_PATTERN

    return DEFAULT_PATTERN


# ------------------------------------------------------------------------------------------
# Issuing


def _letter_type_row(session: Session, office_id: int, lt: LetterType) -> LetterTypeRow:
    """The type's row, kept in step with the catalogue (the TOML files are the source of
    truth; the row exists so letters can refer to their type)."""
    row = session.scalars(
        select(LetterTypeRow).where(
            LetterTypeRow.office_id == office_id, LetterTypeRow.code == lt.code
        )
    ).one_or_none()
    if row is None:
        row = LetterTypeRow(office_id=office_id, code=lt.code)
        session.add(row)
    wanted = {
        "title": lt.title,
        "classification": lt.classification,
        "fields": [f.to_dict() for f in lt.fields],
        "validity_days": lt.validity_days,
        "active": lt.active,
    }
    for key, value in wanted.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
    session.flush()
    return row


def family_snapshots(session: Session, resident: Resident) -> list[ResidentSnapshot]:
    """Everyone on the resident's KK (the resident included), as snapshots."""
    if not resident.kk_number:
        return []
    rows = session.scalars(select(Resident).where(Resident.kk_number == resident.kk_number))
    return [ResidentSnapshot.from_object(r) for r in rows]


def _ticket_id(session: Session, office_id: int, number: str, today: dt.date) -> int:
    wanted = number.strip().upper()
    found = session.scalars(
        select(Ticket.id).where(
            Ticket.office_id == office_id, Ticket.day == today, Ticket.number == wanted
        )
    ).first()
    if found is None:
        raise LetterRefusal(f"Tiket {wanted} tidak ditemukan hari ini.", ticket=wanted)
    return found


def _operator_id(session: Session, office_id: int, username: str) -> int | None:
    """The operator's row when the name is an operator's username (the audit keeps the name
    either way: from the shell it may be ``shell:USER``)."""
    return session.scalar(
        select(Operator.id).where(Operator.office_id == office_id, Operator.username == username)
    )


def serve_request(
    session: Session,
    office_id: int,
    *,
    resident_id: int,
    type_code: str,
    letter: Letter,
    ticket_id: int | None,
    now: dt.datetime,
) -> LetterRequest | None:
    """The waiting letter request this letter answers, marked served (issuing calls it in its
    transaction; station.letters.requests): the one printed with the letter's ticket, else the
    oldest waiting request of that type for that resident (served at another visit)."""
    rows = session.scalars(
        select(LetterRequest)
        .where(
            LetterRequest.office_id == office_id,
            LetterRequest.resident_id == resident_id,
            LetterRequest.type_code == type_code,
            LetterRequest.status == REQUEST_WAITING,
        )
        .order_by(LetterRequest.created_at, LetterRequest.id)
    ).all()
    if not rows:
        return None
    chosen = next((r for r in rows if ticket_id is not None and r.ticket_id == ticket_id), rows[0])
    chosen.status = REQUEST_SERVED
    chosen.letter_id = letter.id
    chosen.closed_at = now
    return chosen


def split_purpose(lt: LetterType, values: Mapping[str, str], purpose: str) -> tuple[dict, str]:
    """``--field keperluan=…`` is the purpose unless the type has a field of that name."""
    fields = dict(values)
    if PURPOSE_KEY in fields and lt.field(PURPOSE_KEY) is None:
        given = fields.pop(PURPOSE_KEY)
        purpose = purpose or given
    return fields, purpose


@dataclass(frozen=True)
class CheckedRequest:
    """A request that passed every check that does not need a number or a seal."""

    letter_type: LetterType
    office: Office
    resident: Resident
    snapshot: ResidentSnapshot
    family: list[ResidentSnapshot]
    values: dict[str, Any]  # the type's own fields, validated and typed
    purpose: str
    signer: Signer  # the lurah, or the delegate signing a.n. the lurah


def check_request(
    session: Session,
    office_id: int,
    settings: LetterSettings,
    request: IssueRequest,
    *,
    today: dt.date,
    looked_up_for: str = "surat",
    validate_fields: bool = True,
) -> CheckedRequest:
    """Type, office, resident (an audited lookup: ``looked_up_for`` + type code says why),
    eligibility and field values: the checks issuing and the preview share.

    ``validate_fields=False`` leaves the values as given, for a caller that reports every
    form error at once (the letter screen adds the purpose to the type's own checks)."""
    try:
        lt = settings.catalogue.require(request.type_code)
    except LetterError as exc:
        raise LetterRefusal(str(exc), type=request.type_code) from exc
    office = session.get(Office, office_id)
    if office is None:
        raise LetterRefusal("Kantor tidak ditemukan di basis data.")
    try:
        # Never a letter numbered and sealed under "(isi nama lurah)" (docs/domain.md).
        require_lurah(office)
        signer = request.signer or resolve_signer(settings.signers, request.signer_key)
    except LetterError as exc:
        raise LetterRefusal(str(exc)) from exc
    signer = signer or Signer.lurah(office)
    try:
        resident = lookup_nik(
            session,
            office_id,
            request.nik,
            operator=request.operator,
            purpose=f"{looked_up_for} {lt.code}",
            today=today,
        )
    except RegisterError as exc:
        raise LetterRefusal(f"NIK tidak sah: {exc}") from exc
    if resident is None:
        raise LetterRefusal("NIK tidak terdaftar di register kelurahan.")
    snapshot = ResidentSnapshot.from_object(resident)
    family = family_snapshots(session, resident) if lt.reads_family else []
    eligibility = check_eligibility(lt, snapshot, today=today, family=family)
    if not eligibility.allowed:
        raise LetterRefusal(eligibility.message, refusals=[r.message for r in eligibility.refusals])
    values, purpose = split_purpose(lt, request.fields, request.purpose)
    if not validate_fields:
        return CheckedRequest(lt, office, resident, snapshot, family, values, purpose, signer)
    checked = lt.validate(values, today=today, resident=snapshot, family=family)
    if not checked.ok:
        raise LetterRefusal(" ".join(checked.errors.values()), field_errors=dict(checked.errors))
    return CheckedRequest(
        lt, office, resident, snapshot, family, dict(checked.values), purpose, signer
    )


def issue_letter(
    session: Session,
    office_id: int,
    settings: LetterSettings,
    request: IssueRequest,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> IssuedLetter:
    """Issue one letter in the caller's write transaction (see the module docstring).

    ``now``: the station clock's moment, stored as ``issued_at``; ``today`` defaults to its
    office day, so a fixed clock dates the letter and its register row alike."""
    if now is not None and today is None:
        today = now.astimezone(settings.tz).date()
    today = today or settings.today()
    checked = check_request(session, office_id, settings, request, today=today)
    lt, office, resident = checked.letter_type, checked.office, checked.resident
    snapshot, family, purpose = checked.snapshot, checked.family, checked.purpose
    if request.channel not in CHANNELS:
        raise LetterRefusal(f"Saluran {request.channel!r} tidak dikenal.")
    key = active_key(session, office_id)
    if key is None:
        raise LetterRefusal("Kantor belum punya kunci tanda tangan. Jalankan: station init")
    try:
        private_key = load_signing_key(settings.keys_dir, key.key_id)
    except KeyFileError as exc:
        raise LetterRefusal(str(exc), key_id=key.key_id) from exc
    ticket_id = _ticket_id(session, office_id, request.ticket, today) if request.ticket else None
    scope = sequence_scope(
        settings.numbering.scope,
        year=today.year,
        type_code=lt.code,
        classification=lt.classification,
    )
    sequence = next_value(session, office_id, scope)
    number = format_number(
        settings.numbering.pattern,
        kode=lt.classification,
        nomor=sequence,
        unit=office.unit_code,
        month=today.month,
        year=today.year,
        type_code=lt.code,
    )
    valid_until = lt.valid_until(today)
    signer = checked.signer
    info = OfficeInfo.from_object(office, verify_base_url=settings.verify_base_url)
    try:
        doc = render_letter(
            lt,
            info,
            snapshot,
            checked.values,
            purpose,
            number,
            today,
            valid_until,
            signer,
            family=family,
            channel=request.channel,
        )
        payload = payload_for_document(
            doc, office_code=office.code, holder_name=snapshot.name, nik=snapshot.nik
        )
        token = seal_letter(private_key, key.key_id, payload)
        qr = qr_text(settings.verify_base_url, token)
    except (LetterError, SealError) as exc:
        raise LetterRefusal(str(exc)) from exc
    doc = doc.with_qr(qr)
    type_row = _letter_type_row(session, office_id, lt)
    letter = Letter(
        office_id=office_id,
        letter_type_id=type_row.id,
        number=number,
        year=today.year,
        sequence=sequence,
        resident_id=resident.id,
        resident_data=snapshot.to_dict(),
        field_values=dict(checked.values),
        purpose=purpose,
        issued_at=now or utcnow(),
        operator_id=_operator_id(session, office_id, request.operator),
        ticket_id=ticket_id,
        valid_until=valid_until,
        key_id=key.key_id,
        signature=decode_token(token).signature,
        status=STATUS_ISSUED,
        print_count=0,
        document=doc.to_dict(),
        token=token,
        channel=request.channel,
    )
    session.add(letter)
    session.flush()
    served = serve_request(
        session,
        office_id,
        resident_id=resident.id,
        type_code=lt.code,
        letter=letter,
        ticket_id=ticket_id,
        now=letter.issued_at,
    )
    done = []
    for effect in letter_effects(lt, snapshot, checked.values):
        if effect.kind == "mark_deceased":
            resident.status = effect.status
            resident.updated_at = utcnow()
            done.append(effect.description)
    nik_masked = mask_nik(snapshot.nik)
    audit.record(
        session,
        office_id=office_id,
        action="letter.issue",
        subject=number,
        details={
            "type": lt.code,
            "nik_masked": nik_masked,
            "key_id": key.key_id,
            "ticket": request.ticket,
            "effects": done,
            "signer": (request.signer_key or "delegate") if signer.delegated else "lurah",
            "signer_name": clean_text(signer.name),
            "channel": request.channel,
            **({"request": served.pickup_code} if served is not None else {}),
        },
        operator=request.operator,
    )
    return IssuedLetter(
        id=letter.id,
        number=number,
        type_code=lt.code,
        nik_masked=nik_masked,
        token=token,
        qr=qr,
        verify_url=verify_url(settings.verify_base_url, token),
        issued_on=today,
        valid_until=valid_until,
        key_id=key.key_id,
        document=doc,
        effects=tuple(done),
        ticket=request.ticket.strip().upper() if request.ticket else None,
    )


# ------------------------------------------------------------------------------------------
# Looking up, revoking, reprinting


def find_letter(session: Session, office_id: int, number: str, *, lock: bool = False) -> Letter:
    stmt = select(Letter).where(Letter.office_id == office_id, Letter.number == number.strip())
    if lock:
        stmt = stmt.with_for_update()
    letter = session.scalars(stmt).one_or_none()
    if letter is None:
        raise LetterRefusal(f"Surat nomor {number.strip()} tidak ada di register.", number=number)
    return letter


def stored_document(letter: Letter) -> Document:
    return document_from_dict(dict(letter.document or {}))


def letter_summary(letter: Letter) -> dict[str, Any]:
    """The register's view of one letter, for ``letter show`` (operator side: full data is
    on the paper; here the NIK is masked all the same)."""
    data = dict(letter.resident_data or {})
    doc = letter.document or {}
    return {
        "number": letter.number,
        "type": doc.get("type_code"),
        "title": doc.get("title"),
        "status": letter.status,
        "issued_at": letter.issued_at.isoformat(),
        "issued_on": doc.get("issued_on"),
        "valid_until": letter.valid_until.isoformat() if letter.valid_until else None,
        "name": data.get("name"),
        "nik_masked": mask_nik(str(data.get("nik", ""))) if data.get("nik") else None,
        "key_id": letter.key_id,
        "print_count": letter.print_count,
        "copies": letter.copies,
        "revoked_at": letter.revoked_at.isoformat() if letter.revoked_at else None,
        "revoke_reason": letter.revoke_reason,
        "qr": doc.get("qr_text"),
        "channel": letter.channel,
    }


def revoke_letter(
    session: Session,
    office_id: int,
    number: str,
    *,
    reason: str,
    operator: str,
    now: dt.datetime | None = None,
) -> Letter:
    """Withdraw a letter: it keeps its number (never reused) and its seal now verifies as
    ``revoked`` against the register. ``now``: the station clock's moment (default: real).
    Only an admin (``operator``) may revoke; anyone else is refused (``NotAdmin``)."""
    from station.office.operators import require_admin

    require_admin(session, office_id, operator, act="mencabut surat")
    reason = clean_text(reason)[:500]  # shown on the public page: one plain line
    if not reason:
        raise LetterRefusal("Alasan pencabutan wajib diisi.")
    letter = find_letter(session, office_id, number, lock=True)
    if letter.status == STATUS_REVOKED:
        raise LetterRefusal(f"Surat nomor {letter.number} sudah dicabut.", number=letter.number)
    letter.status = STATUS_REVOKED
    letter.revoked_at = now or utcnow()
    letter.revoke_reason = reason
    audit.record(
        session,
        office_id=office_id,
        action="letter.revoke",
        subject=letter.number,
        details={"reason": reason},
        operator=operator,
    )
    session.flush()
    return letter


def reprint_letter(
    session: Session, office_id: int, number: str, *, operator: str, printed: bool
) -> tuple[Letter, Document]:
    """The stored letter again, same number and seal, for printing.

    The first print that reaches paper is the original: while ``print_count`` is 0 (a
    printer fault, "Simpan tanpa cetak", ``--no-print``) the document comes unmarked. Every
    print after that is a copy marked ``SALINAN n``, ``n`` counting the prints that reached
    paper before it; ``copies`` keeps the highest ``n`` handed out. ``printed`` says whether
    this print reached paper; only then does ``print_count`` grow.
    """
    letter = find_letter(session, office_id, number, lock=True)
    if letter.status == STATUS_REVOKED:
        raise LetterRefusal(
            f"Surat nomor {letter.number} sudah dicabut dan tidak boleh dicetak ulang.",
            number=letter.number,
        )
    copy_no = letter.print_count or 0  # 0: no print reached paper yet, this is the original
    doc = stored_document(letter)
    if copy_no:
        doc = doc.as_copy(copy_no)
        letter.copies = max(letter.copies or 0, copy_no)
    if printed:
        letter.print_count = copy_no + 1
    audit.record(
        session,
        office_id=office_id,
        action="letter.reprint",
        subject=letter.number,
        details={"copy": copy_no, "printed": printed},
        operator=operator,
    )
    session.flush()
    return letter, doc


def record_print(session: Session, office_id: int, number: str, *, operator: str) -> Letter:
    """A print of the letter reached the printer: ``print_count`` grows by one (audited).

    Called in its own transaction after the job was sent, so a printer fault never undoes
    the letter: it stays issued with its number and seal, and can be reprinted.
    """
    letter = find_letter(session, office_id, number, lock=True)
    letter.print_count += 1
    audit.record(
        session,
        office_id=office_id,
        action="letter.print",
        subject=letter.number,
        details={"print_count": letter.print_count},
        operator=operator,
    )
    session.flush()
    return letter
