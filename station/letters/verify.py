"""Verifying a letter's QR: the offline signature check, then the register's word.

Shared by ``station letter verify`` and the web page. The seal alone says whether the office
signed this token (``valid``, ``expired``, ``invalid``, ``unknown_key``); only the register
knows ``revoked``, and only the register holds the letter text (with the digest salt) that
shows the QR belongs to *this* letter. Nothing is looked up without a token whose signature
checks: the number used for the lookup comes from the signed payload.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.home.keys import office_keys
from station.letters import Document, document_digest, document_from_dict
from station.letters.fields import display_value
from station.letters.formats import clean_text, mask_digit_runs, mask_name
from station.letters.seal import (
    DIGEST_BYTES,
    STATUS_EXPIRED,
    STATUS_INVALID,
    STATUS_VALID,
    KeyStanding,
    Verification,
    Verifier,
    parse_qr,
)
from station.store.models import Letter, Office, SigningKey
from station.store.models import LetterType as LetterTypeRow

STATUS_REVOKED = "revoked"
# Green needs the seal and the register to agree. A good seal the register does not hold
# means the key signed outside Station; a register out of reach means nothing is confirmed.
STATUS_UNRECORDED = "unrecorded"
STATUS_UNCONFIRMED = "unconfirmed"

REGISTER_FOUND = "found"  # the letter is in the register and the token is its seal
REGISTER_MISSING = "missing"  # signed by the office, but not (or not this token) in the register
REGISTER_UNREACHABLE = "unreachable"  # checked offline only
REGISTER_NOT_ASKED = "not_asked"  # the seal failed: nothing to look up

VERDICTS = {
    "valid": "ASLI",
    "expired": "KEDALUWARSA",
    "revoked": "DICABUT",
    "unknown_key": "TIDAK VALID",
    "invalid": "TIDAK VALID",
    "compromised": "TIDAK DAPAT DIPERCAYA",
    "unrecorded": "TIDAK TERCATAT",
    "unconfirmed": "BELUM DAPAT DIPASTIKAN",
}


@dataclass(frozen=True)
class LetterCheck:
    """The verdict on one QR text: the seal's, then the register's."""

    status: str
    message: str
    seal: Verification
    register: str
    document: Document | None = None
    revoked_at: dt.datetime | None = None
    revoke_reason: str | None = None
    text_matches: bool | None = None  # the stored letter's digest equals the token's
    # The letter type's public fields (label, value), 16-digit runs masked: all the page
    # shows of the letter's content (docs/seal.md, "What the page shows").
    public_fields: tuple[tuple[str, str], ...] = ()

    @property
    def verdict(self) -> str:
        return VERDICTS[self.status]

    @property
    def shows_letter(self) -> bool:
        """Only an authentic token reveals anything about a letter."""
        return self.seal.authentic

    @property
    def signer(self) -> tuple[str, str] | None:
        """(name, position) of who signed, as printed on the letter."""
        if self.document is None:
            return None
        return self.document.signer.name, self.document.signer.position

    def to_dict(self) -> dict[str, Any]:
        letter = self.seal.payload.to_dict() if self.shows_letter and self.seal.payload else None
        data: dict[str, Any] = {
            "status": self.status,
            "verdict": self.verdict,
            "authentic": self.seal.authentic,
            "expired": self.seal.expired,
            "message": self.message,
            "register": self.register,
            "key_id": self.seal.key_id,
            "letter": letter,
        }
        if self.shows_letter:
            data["text_matches"] = self.text_matches
            data["revoked_at"] = self.revoked_at.isoformat() if self.revoked_at else None
            data["revoke_reason"] = self.revoke_reason
            if self.document is not None:
                data["title"] = self.document.title
                data["signer"] = self.document.signer.name
                data["signer_position"] = self.document.signer.position
                data["signer_on_behalf"] = self.document.signer.on_behalf
            data["fields"] = [{"label": k, "value": v} for k, v in self.public_fields]
            if letter is not None:
                letter["holder_name"] = mask_name(letter["holder_name"])
        return data


def key_standings(session: Session, office_id: int, tz: Any) -> dict[str, KeyStanding]:
    """Each key's retirement day (office time) and whether it was declared compromised."""
    return {
        key.key_id: KeyStanding(
            retired_on=key.retired_at.astimezone(tz).date() if key.retired_at else None,
            compromised=key.compromised_at is not None,
        )
        for key in office_keys(session, office_id)
    }


def office_verifier(session: Session, office_id: int, tz: Any) -> Verifier:
    """A verifier that knows the office's keys and what became of each (retired, leaked)."""
    keys = office_keys(session, office_id)
    return Verifier(
        {k.key_id: bytes(k.public_key) for k in keys}, key_standings(session, office_id, tz)
    )


@dataclass(frozen=True)
class Issuer:
    """The office a signing key belongs to: what the city page names as the letter's issuer."""

    office_id: int
    code: str
    name: str
    kecamatan: str
    kota: str
    timezone: str

    @property
    def label(self) -> str:
        return f"Kelurahan {self.name}, Kecamatan {self.kecamatan}, {self.kota}"


def city_verifier(session: Session) -> tuple[Verifier, dict[str, Issuer]]:
    """A verifier over every key the database user may read (on the city server: every
    office's; with an office's own role, row security leaves that office's), and each key's
    office. A key id names its office through ``signing_key.office_id``."""
    from zoneinfo import ZoneInfo

    offices = {o.id: o for o in session.scalars(select(Office))}
    public: dict[str, bytes] = {}
    standings: dict[str, KeyStanding] = {}
    issuers: dict[str, Issuer] = {}
    for key in session.scalars(select(SigningKey)):
        office = offices.get(key.office_id)
        if office is None:
            continue
        tz = ZoneInfo(office.timezone)
        public[key.key_id] = bytes(key.public_key)
        standings[key.key_id] = KeyStanding(
            retired_on=key.retired_at.astimezone(tz).date() if key.retired_at else None,
            compromised=key.compromised_at is not None,
        )
        issuers[key.key_id] = Issuer(
            office.id, office.code, office.name, office.kecamatan, office.kota, office.timezone
        )
    return Verifier(public, standings), issuers


def issuer_mismatch(seal: Verification, issuer: Issuer | None) -> LetterCheck | None:
    """A good signature by one office's key on a letter that names another office is not that
    office's letter: refused as invalid (one office's key must never vouch for another)."""
    if not seal.authentic or seal.payload is None:
        return None
    if issuer is not None and issuer.code == seal.payload.office_code:
        return None
    bad = Verification(
        STATUS_INVALID,
        "TIDAK VALID: kode QR ini ditandatangani kunci kantor lain, bukan kantor yang "
        "tertulis pada surat.",
        key_id=seal.key_id,
        reason="office mismatch",
    )
    return LetterCheck(STATUS_INVALID, bad.message, bad, REGISTER_NOT_ASKED)


def offline_check(seal: Verification, *, reachable: bool) -> LetterCheck:
    """The seal's verdict alone (the register was not reachable, or the seal failed).

    A good seal checked while the register is out of reach is *unconfirmed*, never green:
    a revoked letter must not turn valid because the database is down."""
    if seal.authentic and not reachable:
        message = (
            "Tanda tangan digital pada kode QR ini sah, tetapi register kantor tidak dapat "
            "dihubungi: apakah surat ini tercatat dan belum dicabut BELUM DAPAT DIPASTIKAN. "
            "Coba periksa lagi nanti."
        )
        return LetterCheck(STATUS_UNCONFIRMED, message, seal, REGISTER_UNREACHABLE)
    return LetterCheck(seal.status, seal.message, seal, REGISTER_NOT_ASKED)


Stored = tuple[Document | None, bool | None, tuple[tuple[str, str], ...]]


class DocumentCache:
    """A small LRU of token -> (document, digest matches, public fields). A letter's text never
    changes after issue, so the verification page need not rebuild it for every scan; its
    status (revoked or not) is still read from the register every time."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[str, Stored] = OrderedDict()

    def get(self, token: str) -> Stored | None:
        found = self._items.get(token)
        if found is not None:
            self._items.move_to_end(token)
        return found

    def put(self, token: str, value: Stored) -> None:
        self._items[token] = value
        if len(self._items) > self.size:
            self._items.popitem(last=False)


def public_fields(letter_type: Any, values: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The values of the fields the letter type marks ``public = true``, as displayed on the
    letter, with every 16-digit run masked. Nothing else of the letter's content is public."""
    if letter_type is None:
        return ()
    shown = []
    for spec in letter_type.fields:
        raw = values.get(spec.key)
        if not spec.public or raw in (None, ""):
            continue
        shown.append((spec.label, mask_digit_runs(clean_text(display_value(spec, str(raw))))))
    return tuple(shown)


def _stored_document(
    session: Session, letter_id: int, seal: Verification, catalogue: Any
) -> Stored:
    row = session.execute(
        select(Letter.document, Letter.field_values, LetterTypeRow.code)
        .join(LetterTypeRow, LetterTypeRow.id == Letter.letter_type_id)
        .where(Letter.id == letter_id)
    ).one()
    try:
        document = document_from_dict(dict(row.document or {}))
    except (KeyError, ValueError, TypeError):
        return None, None, ()
    assert seal.payload is not None
    matches = document_digest(document)[:DIGEST_BYTES] == seal.payload.digest
    letter_type = catalogue.get(row.code) if catalogue is not None else None
    return document, matches, public_fields(letter_type, dict(row.field_values or {}))


def register_check(
    session: Session,
    office_id: int,
    text: str,
    seal: Verification,
    *,
    cache: DocumentCache | None = None,
    catalogue: Any = None,
) -> LetterCheck:
    """Add the register's word to an authentic seal: revoked, the stored letter, and the
    public fields of its type (``catalogue``: the letter types; without it, none shown)."""
    if not seal.authentic or seal.payload is None:
        return offline_check(seal, reachable=True)
    token = parse_qr(text)
    row = session.execute(
        select(
            Letter.id, Letter.token, Letter.status, Letter.revoked_at, Letter.revoke_reason
        ).where(Letter.office_id == office_id, Letter.number == seal.payload.number)
    ).one_or_none()
    if row is None or (row.token or "") != token:
        return LetterCheck(
            STATUS_UNRECORDED,
            "PERINGATAN: tanda tangan digital cocok dengan kunci kantor, tetapi surat ini TIDAK "
            "TERCATAT di register kantor. Jangan terima surat ini; tanyakan ke kelurahan.",
            seal,
            REGISTER_MISSING,
        )
    stored = cache.get(token) if cache is not None else None
    if stored is None:
        stored = _stored_document(session, row.id, seal, catalogue)
        if cache is not None:
            cache.put(token, stored)
    document, matches, public = stored
    if row.status == STATUS_REVOKED:
        # The reason is free text typed by an admin: shown publicly, so one printable line
        # (no control or bidi characters reach a phone's screen or a terminal).
        reason = clean_text(row.revoke_reason or "")
        message = "DICABUT: surat ini asli tetapi telah dicabut oleh kantor"
        message += f" ({reason})." if reason else "."
        return LetterCheck(
            STATUS_REVOKED,
            message,
            seal,
            REGISTER_FOUND,
            document,
            row.revoked_at,
            reason or None,
            matches,
            public,
        )
    status = seal.status if seal.status in (STATUS_VALID, STATUS_EXPIRED) else STATUS_VALID
    return LetterCheck(
        status, seal.message, seal, REGISTER_FOUND, document, None, None, matches, public
    )
