"""The PIN mandiri: a resident's own 6-digit PIN for the Service Box (issue "Service Box").

Set only in person at a counter, after the operator has seen the KTP: the PIN then stands for
that visit's identity check when the resident serves themself at any hour. Only an active
resident with a recorded e-KTP may hold one (the box nudges the rest to record it). PINs are
argon2id-hashed (cheaper parameters than the operators', see ``_hasher``); five wrong PINs
lock that NIK's box use for 30 minutes, counted in the database so restarting the box resets
nothing. A check answers the same, in the same time, for an unknown NIK, a NIK without a PIN
and a wrong PIN, so the box never tells whether a NIK exists (docs/security.md §2.13).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from station.register.nik import normalize_nik, parse_nik
from station.store import audit
from station.store.errors import StationError
from station.store.models import Resident, ResidentPin

if TYPE_CHECKING:
    from station.home.context import Station

PIN_LENGTH = 6
MAX_FAILED = 5
LOCK_MINUTES = 30
_PIN = re.compile(rf"\d{{{PIN_LENGTH}}}")
# argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane): one check costs ~20 ms instead of
# the library default's ~170 ms (64 MiB, 3 passes, 4 lanes), which alone took most of the
# box's 300 ms from PIN to letter choice. A 6-digit PIN has 10^6 values, so no argon2 cost
# protects it offline; the lock after MAX_FAILED wrong PINs, kept in the database, protects it
# (docs/box.md §5). Hashes made with other parameters still verify and are re-hashed with
# these on the next right PIN (check_needs_rehash).
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


class PinError(StationError):
    """A PIN that may not be set (wrong form, too easy, resident not eligible)."""


@dataclass(frozen=True)
class PinCheck:
    """The box's answer: the resident when the PIN is right, else one refusal for all cases
    (``locked_until`` is set only when this NIK is locked, which the box may say, since the
    person typing already knows the NIK and a PIN for it)."""

    resident: Resident | None
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.resident is not None


def hash_pin(pin: str) -> str:
    """The stored form of a PIN mandiri (argon2id, random salt)."""
    return _hasher.hash(pin)


@functools.cache
def decoy_hash() -> str:
    """A hash no PIN matches, with the same parameters as a real one, checked when there is
    none (an unknown NIK, a NIK without a PIN, a locked NIK): every refusal costs one argon2
    verification, so its time does not tell whether the NIK exists."""
    return _hasher.hash(secrets.token_hex(16))


def pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(pin_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(pin_hash)
    except (InvalidHashError, ValueError):
        return True


def _resident(session: Session, office_id: int, nik: str) -> Resident | None:
    return session.scalars(
        select(Resident).where(Resident.office_id == office_id, Resident.nik == nik)
    ).one_or_none()


def pin_problem(pin: str, resident: Resident) -> str | None:
    """Why this PIN is refused, in Indonesian, or None."""
    if not _PIN.fullmatch(pin):
        return f"PIN mandiri harus tepat {PIN_LENGTH} angka."
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return "PIN terlalu mudah ditebak (angka sama atau berurutan)."
    birth = resident.birth_date
    if birth is not None and pin in (birth.strftime("%d%m%y"), birth.strftime("%y%m%d")):
        return "PIN tidak boleh tanggal lahir."
    if pin in (resident.nik[:6], resident.nik[-6:]):
        return "PIN tidak boleh bagian dari NIK."
    return None


def eligibility_problem(resident: Resident | None) -> str | None:
    """Why this resident may not hold a PIN mandiri, or None."""
    if resident is None:
        return "NIK tidak terdaftar di register kelurahan ini."
    if resident.status != "active":
        return "Penduduk tidak berstatus aktif; PIN mandiri hanya untuk penduduk aktif."
    if not resident.ektp_recorded:
        return (
            "Penduduk belum merekam KTP-el; PIN mandiri hanya untuk yang sudah merekam. "
            "Rekam KTP-el dahulu."
        )
    return None


def set_pin(
    session: Session,
    office_id: int,
    nik: str,
    pin: str,
    *,
    operator: str,
    now: dt.datetime,
    replace: bool | None = None,
) -> str:
    """Set (or replace) a resident's PIN mandiri after the operator saw the KTP. Returns
    ``"resident.pin_set"`` or ``"resident.pin_reset"`` (the audit action). ``replace``: True
    requires an existing PIN (a reset), False refuses one (a first PIN), None takes either.
    The PIN never reaches the audit."""
    number = normalize_nik(nik)
    if not parse_nik(number).valid:
        raise PinError("NIK tidak sah.")
    resident = _resident(session, office_id, number)
    problem = eligibility_problem(resident)
    if problem:
        raise PinError(problem)
    assert resident is not None
    problem = pin_problem(pin, resident)
    if problem:
        raise PinError(problem)
    row = session.scalars(
        select(ResidentPin).where(ResidentPin.resident_id == resident.id).with_for_update()
    ).one_or_none()
    if replace is True and row is None:
        raise PinError("Penduduk ini belum punya PIN mandiri; pasang dengan 'pin set'.")
    if replace is False and row is not None:
        raise PinError("Penduduk ini sudah punya PIN mandiri; ganti dengan 'pin reset'.")
    action = "resident.pin_reset" if row is not None else "resident.pin_set"
    if row is None:
        row = ResidentPin(office_id=office_id, resident_id=resident.id)
        session.add(row)
    row.pin_hash = hash_pin(pin)
    row.failed_attempts = 0
    row.locked_until = None
    row.set_at = now
    row.set_by = operator
    session.flush()
    audit.record(
        session, office_id=office_id, action=action, subject=number, operator=operator,
        details={"channel": "counter"},
    )  # fmt: skip
    return action


def clear_pin(session: Session, office_id: int, nik: str, *, operator: str) -> bool:
    """Remove a resident's PIN (lost, or the resident asked); True if there was one."""
    number = normalize_nik(nik)
    resident = _resident(session, office_id, number)
    row = None
    if resident is not None:
        row = session.scalars(
            select(ResidentPin).where(ResidentPin.resident_id == resident.id)
        ).one_or_none()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit.record(
        session, office_id=office_id, action="resident.pin_clear", subject=number,
        operator=operator,
    )  # fmt: skip
    return True


def has_pin(session: Session, office_id: int, nik: str) -> bool:
    resident = _resident(session, office_id, normalize_nik(nik))
    return resident is not None and (
        session.scalar(select(ResidentPin.id).where(ResidentPin.resident_id == resident.id))
        is not None
    )


def check_pin(
    session: Session, office_id: int, nik: str, pin: str, *, now: dt.datetime, terminal: str
) -> PinCheck:
    """The box's check, in the caller's write transaction (a failure must be counted and
    committed). Audited without the PIN; unknown NIKs are audited without the NIK."""
    number = normalize_nik(nik)
    resident = _resident(session, office_id, number) if parse_nik(number).valid else None
    row = None
    if resident is not None:
        row = session.scalars(
            select(ResidentPin).where(ResidentPin.resident_id == resident.id).with_for_update()
        ).one_or_none()
    if row is None or resident is None:
        pin_matches(decoy_hash(), pin)  # same cost as a real check
        audit.record(
            session, office_id=office_id, action="box.pin_refused", subject=None,
            details={"reason": "unknown", "terminal": terminal},
        )  # fmt: skip
        return PinCheck(None)
    if row.locked_until is not None and row.locked_until > now:
        pin_matches(decoy_hash(), pin)
        audit.record(
            session, office_id=office_id, action="box.pin_refused", subject=number,
            details={"reason": "locked", "terminal": terminal},
        )  # fmt: skip
        return PinCheck(None, row.locked_until)
    if pin_matches(row.pin_hash, pin) and eligibility_problem(resident) is None:
        row.failed_attempts = 0
        row.locked_until = None
        if needs_rehash(row.pin_hash):  # made with older parameters: today's, now
            row.pin_hash = hash_pin(pin)
        audit.record(
            session, office_id=office_id, action="box.pin_ok", subject=number,
            details={"terminal": terminal},
        )  # fmt: skip
        return PinCheck(resident)
    row.failed_attempts += 1
    locked = None
    if row.failed_attempts >= MAX_FAILED:
        locked = now + dt.timedelta(minutes=LOCK_MINUTES)
        row.locked_until = locked
        row.failed_attempts = 0
    audit.record(
        session, office_id=office_id, action="box.pin_refused", subject=number,
        details={"reason": "locked_now" if locked else "wrong_pin", "terminal": terminal},
    )  # fmt: skip
    return PinCheck(None, locked)


def pin_state(session: Session, office_id: int, nik: str) -> tuple[bool, str | None]:
    """For the counter (not the box): whether the resident holds a PIN mandiri, and why they
    may not hold one (None: they may), so the operator offers it after each visit."""
    resident = _resident(session, office_id, normalize_nik(nik))
    problem = eligibility_problem(resident)
    held = resident is not None and (
        session.scalar(select(ResidentPin.id).where(ResidentPin.resident_id == resident.id))
        is not None
    )
    return held, problem


def counter_pin_state(station: Station, nik: str) -> tuple[bool, str | None]:
    """:func:`pin_state` in its own read (the operator app's resident card)."""
    with station.db.read() as session:
        return pin_state(session, station.office_id, nik)


def set_pin_at_counter(
    station: Station, nik: str, pin: str, *, operator: str, replace: bool | None
) -> str:
    """:func:`set_pin` in its own write transaction, on the station's clock (operator app)."""
    with station.db.write() as session:
        return set_pin(
            session, station.office_id, nik, pin, operator=operator,
            now=station.clock.now(), replace=replace,
        )  # fmt: skip
