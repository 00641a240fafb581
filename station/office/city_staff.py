"""City staff who may open the mayor's view (``/kota``): argon2id passwords (the operators'
hasher, station.office.operators) and a lockout counted in the ``city_user`` row, so a
restart does not reset it (docs/city.md)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.office.operators import decoy_hash, hash_pin, pin_matches
from station.store.errors import StationError
from station.store.models import CityUser

MAX_FAILED = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,49}$")


class CityStaffError(StationError):
    """A refused account change or sign-in (Indonesian); ``code``: bad_login, locked."""


@dataclass(frozen=True)
class StaffInfo:
    username: str
    display_name: str


def add_staff(session: Session, username: str, display_name: str, password: str) -> StaffInfo:
    if not _USERNAME.match(username):
        raise CityStaffError("Nama pengguna: huruf kecil, angka, titik, garis; 2-50 karakter.")
    if len(password) < MIN_PASSWORD:
        raise CityStaffError(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
    if session.scalars(select(CityUser).where(CityUser.username == username)).first():
        raise CityStaffError(f"Pengguna {username} sudah ada.")
    session.add(
        CityUser(username=username, display_name=display_name, password_hash=hash_pin(password))
    )
    session.flush()
    return StaffInfo(username, display_name)


@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt: ``staff`` when it succeeded, else ``error``. Returned,
    never raised, so the caller's transaction commits the failure count."""

    staff: StaffInfo | None
    error: CityStaffError | None = None


def sign_in(session: Session, username: str, password: str, now: dt.datetime) -> SignIn:
    """A wrong password counts; five in a row lock the account for 15 minutes; an unknown
    name costs the same argon2 check (no timing hint of who exists)."""
    bad = CityStaffError("Nama pengguna atau kata sandi salah.", "bad_login")
    locked = CityStaffError(
        "Akun terkunci karena terlalu banyak percobaan salah. Coba lagi nanti.", "locked"
    )
    user = session.scalars(
        select(CityUser).where(CityUser.username == username.strip().lower())
    ).first()
    if user is None or not user.active:
        pin_matches(decoy_hash(), password)
        return SignIn(None, bad)
    if user.locked_until is not None and user.locked_until > now:
        return SignIn(None, locked)
    if not pin_matches(user.password_hash, password):
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILED:
            user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            user.failed_attempts = 0
            session.flush()
            return SignIn(None, locked)
        session.flush()
        return SignIn(None, bad)
    user.failed_attempts = 0
    user.locked_until = None
    session.flush()
    return SignIn(StaffInfo(user.username, user.display_name))
