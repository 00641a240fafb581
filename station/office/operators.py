"""Operators (petugas) and their PINs, stored as argon2id hashes with a per-user salt."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.store import audit
from station.store.errors import StationError
from station.store.models import Operator

ROLES = ("operator", "admin")
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,49}$")
_PIN = re.compile(r"^\d{4,12}$")
_hasher = PasswordHasher()  # argon2id, random 16-byte salt per hash


class OperatorError(StationError):
    """A refusal worded for the person at the keyboard (Bahasa Indonesia)."""


class NotAdmin(StationError):
    """An act only an admin may do, asked by someone else (``code``: ``not_admin``)."""


def require_admin(session: Session, office_id: int, username: str | None, *, act: str) -> None:
    """Refuse unless ``username`` is an active admin of the office (the role as the register
    holds it now, not as a face remembers it). ``act``: what was asked, e.g. "mencabut surat".

    The core's own check, whatever face asked: the screens hide admin acts from operators and
    the CLI checks the PIN, but the rule lives here (docs/security.md)."""
    operator = None
    if username:
        operator = session.scalars(
            select(Operator).where(
                Operator.office_id == office_id, Operator.username == username.strip().lower()
            )
        ).one_or_none()
    if operator is None or not operator.active or operator.role != "admin":
        who = f"'{username}'" if username else "tanpa nama petugas"
        raise NotAdmin(
            f"Hanya admin yang dapat {act}; permintaan {who} ditolak.",
            "not_admin",
            operator=username,
            act=act,
        )


def record_refused_admin(session: Session, office_id: int, refusal: NotAdmin) -> None:
    """The refused act on the record: who asked (as they named themselves), what, and (from
    the session) through which channel. Written by the face in a transaction of its own,
    because the refusal rolled back the one it was raised in (docs/security.md)."""
    audit.record(
        session, office_id=office_id, action="admin.refused", subject=None,
        details={"act": str(refusal.extra.get("act") or "")},
        operator=refusal.extra.get("operator") or None,
    )  # fmt: skip


@dataclass(frozen=True)
class OperatorInfo:
    username: str
    display_name: str
    role: str
    active: bool


def hash_pin(pin: str) -> str:
    return _hasher.hash(pin)


@functools.cache
def decoy_hash() -> str:
    """A hash no PIN matches, checked when there is no real one (an unknown user, a NIK
    without a PIN mandiri), so a refusal costs one argon2 verification either way and its
    time does not tell who exists. Made once per process, on first use."""
    return _hasher.hash(secrets.token_hex(16))


def pin_matches(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def check_new_pin(pin: str) -> None:
    if not _PIN.match(pin):
        raise OperatorError("PIN harus 4 sampai 12 angka.")
    if len(set(pin)) == 1:
        raise OperatorError("PIN terlalu mudah ditebak (semua angka sama).")


def add_operator(
    session: Session,
    office_id: int,
    *,
    username: str,
    display_name: str,
    role: str,
    pin: str,
    by: str | None = None,
) -> Operator:
    if not _USERNAME.match(username):
        raise OperatorError(
            "Nama pengguna harus diawali huruf kecil dan hanya berisi huruf kecil, angka, . _ -"
        )
    if role not in ROLES:
        raise OperatorError(f"Peran harus salah satu dari: {', '.join(ROLES)}.")
    if not display_name.strip():
        raise OperatorError("Nama lengkap petugas wajib diisi.")
    check_new_pin(pin)
    exists = session.scalar(
        select(Operator.id).where(Operator.office_id == office_id, Operator.username == username)
    )
    if exists is not None:
        raise OperatorError(f"Petugas '{username}' sudah ada.")
    operator = Operator(
        office_id=office_id,
        username=username,
        display_name=display_name.strip(),
        role=role,
        pin_hash=hash_pin(pin),
    )
    session.add(operator)
    session.flush()
    audit.record(
        session,
        office_id=office_id,
        action="operator.add",
        subject=username,
        details={"role": role, "display_name": operator.display_name},
        operator=by,
    )
    return operator


def has_active_admin(session: Session, office_id: int) -> bool:
    found = session.scalar(
        select(Operator.id)
        .where(
            Operator.office_id == office_id,
            Operator.role == "admin",
            Operator.active.is_(True),
        )
        .limit(1)
    )
    return found is not None


def enrol_operator(
    session: Session,
    office_id: int,
    *,
    username: str,
    display_name: str,
    role: str,
    pin: str,
    by: str | None,
) -> Operator:
    """``add_operator`` as a face asks it: an admin (``by``) adds; only an office without an
    active admin takes its first admin from nobody (setting up: ``station operators add``).
    ``add_operator`` itself stays the unchecked step that setup and the demo use."""
    if not (by is None and role == "admin" and not has_active_admin(session, office_id)):
        require_admin(session, office_id, by, act="menambah petugas")
    return add_operator(
        session,
        office_id,
        username=username,
        display_name=display_name,
        role=role,
        pin=pin,
        by=by,
    )


def list_operators(session: Session, office_id: int) -> list[OperatorInfo]:
    rows = session.scalars(
        select(Operator).where(Operator.office_id == office_id).order_by(Operator.username)
    )
    return [OperatorInfo(o.username, o.display_name, o.role, o.active) for o in rows]


def _find(session: Session, office_id: int, username: str) -> Operator:
    operator = session.scalars(
        select(Operator)
        .where(Operator.office_id == office_id, Operator.username == username)
        .with_for_update()
    ).one_or_none()
    if operator is None:
        raise OperatorError(f"Petugas '{username}' tidak ada.")
    return operator


def reset_pin(session: Session, office_id: int, username: str, pin: str, *, by: str) -> None:
    """An admin sets a new PIN; it also lifts a lockout (the owner proved who they are)."""
    require_admin(session, office_id, by, act="mengganti PIN petugas")
    check_new_pin(pin)
    operator = _find(session, office_id, username)
    operator.pin_hash = hash_pin(pin)
    operator.failed_attempts = 0
    operator.locked_until = None
    audit.record(
        session, office_id=office_id, action="operator.reset_pin", subject=username, operator=by
    )


def set_active(session: Session, office_id: int, username: str, active: bool, *, by: str) -> None:
    """Deactivate (never delete: the audit trail names them) or reactivate an operator."""
    require_admin(session, office_id, by, act="mengaktifkan atau menonaktifkan petugas")
    operator = _find(session, office_id, username)
    if operator.username == by and not active:
        raise OperatorError("Tidak dapat menonaktifkan akun sendiri.")
    if operator.role == "admin" and not active:
        admins = session.scalar(
            select(func.count())
            .select_from(Operator)
            .where(
                Operator.office_id == office_id,
                Operator.role == "admin",
                Operator.active.is_(True),
            )
        )
        if (admins or 0) <= 1:
            raise OperatorError("Admin aktif terakhir tidak dapat dinonaktifkan.")
    if operator.active == active:
        return
    operator.active = active
    audit.record(
        session,
        office_id=office_id,
        action="operator.activate" if active else "operator.deactivate",
        subject=username,
        operator=by,
    )
