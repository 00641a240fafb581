"""Signing an operator in at a counter: PIN check with a lockout counted in the database.

Five wrong PINs in a row lock the account for five minutes (``MAX_FAILED_PINS``,
``LOCK_MINUTES``). The count lives in the ``operator`` row, so restarting the app or moving to
the other PC does not reset it. Every attempt is audited. A failed attempt must be committed,
so ``authenticate`` returns a result instead of raising inside the transaction; ``sign_in``
runs it in its own write transaction and raises ``LoginError`` after the commit.

Core module: no Textual import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.office.operators import decoy_hash, pin_matches
from station.queue.rules import resolve_now
from station.store import audit
from station.store.errors import StationError
from station.store.models import Operator

if TYPE_CHECKING:
    from station.home.context import Station

MAX_FAILED_PINS = 5
LOCK_MINUTES = 5

WRONG = "Nama pengguna atau PIN salah."


class LoginError(StationError):
    """A refused sign-in, worded for the operator; ``code``: bad_pin, locked, missing."""

    code: str

    def __init__(self, message: str, code: str, *, attempts_left: int | None = None) -> None:
        super().__init__(message, code)
        self.attempts_left = attempts_left


@dataclass(frozen=True)
class SignedIn:
    username: str
    display_name: str
    role: str


@dataclass(frozen=True)
class LoginResult:
    user: SignedIn | None = None
    error: LoginError | None = None


def _locked_message(until: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return f"Akun terkunci karena PIN salah berulang kali. Coba lagi dalam {minutes} menit."


def authenticate(
    session: Session,
    office_id: int,
    username: str,
    pin: str,
    *,
    now: dt.datetime | None = None,
    max_failed: int = MAX_FAILED_PINS,
    lock_minutes: int = LOCK_MINUTES,
) -> LoginResult:
    """Check a PIN in the caller's write transaction; the caller must commit either way."""
    now = resolve_now(now)
    username = username.strip().lower()
    if not username or not pin:
        return LoginResult(error=LoginError("Isi nama pengguna dan PIN.", "missing"))
    operator = session.scalars(
        select(Operator)
        .where(Operator.office_id == office_id, Operator.username == username)
        .with_for_update()
    ).one_or_none()
    if operator is None or not operator.active:
        # the same words and the same cost as a wrong PIN: neither the screen nor the time
        # it takes reveals which usernames exist (docs/security.md §2.2)
        pin_matches(decoy_hash(), pin)
        audit.record(
            session,
            office_id=office_id,
            action="operator.login_failed",
            subject=username,
            details={"reason": "unknown" if operator is None else "inactive"},
        )
        return LoginResult(error=LoginError(WRONG, "bad_pin"))
    if operator.locked_until is not None and operator.locked_until > now:
        audit.record(
            session,
            office_id=office_id,
            action="operator.login_failed",
            subject=username,
            details={"reason": "locked"},
        )
        return LoginResult(error=LoginError(_locked_message(operator.locked_until, now), "locked"))
    if not pin_matches(operator.pin_hash, pin):
        operator.failed_attempts = (operator.failed_attempts or 0) + 1
        if operator.failed_attempts >= max_failed:
            operator.failed_attempts = 0
            operator.locked_until = now + dt.timedelta(minutes=lock_minutes)
            audit.record(
                session,
                office_id=office_id,
                action="operator.locked",
                subject=username,
                details={"minutes": lock_minutes, "failed": max_failed},
            )
            error = LoginError(_locked_message(operator.locked_until, now), "locked")
            return LoginResult(error=error)
        left = max_failed - operator.failed_attempts
        audit.record(
            session,
            office_id=office_id,
            action="operator.login_failed",
            subject=username,
            details={"reason": "bad_pin", "failed": operator.failed_attempts},
        )
        # The screen shows WRONG only, the words an unknown user gets; the count of attempts
        # left stays in the exception (and the audit) for the lock screen of a signed-in user.
        return LoginResult(error=LoginError(WRONG, "bad_pin", attempts_left=left))
    operator.failed_attempts = 0
    operator.locked_until = None
    audit.record(session, office_id=office_id, action="operator.login", subject=username)
    return LoginResult(user=SignedIn(operator.username, operator.display_name, operator.role))


def sign_in(
    station: Station,
    username: str,
    pin: str,
    *,
    now: dt.datetime | None = None,
    max_failed: int = MAX_FAILED_PINS,
    lock_minutes: int = LOCK_MINUTES,
) -> SignedIn:
    """Authenticate in its own transaction (committed even when refused); raise LoginError.
    ``now`` defaults to the station's clock."""
    with station.db.write() as session:
        result = authenticate(
            session,
            station.office_id,
            username,
            pin,
            now=now if now is not None else station.clock.now(),
            max_failed=max_failed,
            lock_minutes=lock_minutes,
        )
    if result.error is not None:
        raise result.error
    assert result.user is not None
    return result.user


def admin_exit(station: Station, username: str, pin: str, *, channel: str) -> SignedIn:
    """Let an admin close a public app (kiosk, board): the PIN is checked like a sign-in
    (lockout included) and the exit is audited with the app's name. Anyone else is refused."""
    user = sign_in(station, username, pin)
    with station.db.write() as session:
        if user.role != "admin":
            audit.record(
                session, office_id=station.office_id, action="app.exit_refused",
                subject=user.username, details={"channel": channel}, operator=user.username,
            )  # fmt: skip
        else:
            audit.record(
                session, office_id=station.office_id, action="app.exit",
                subject=channel, operator=user.username,
            )  # fmt: skip
    if user.role != "admin":
        raise LoginError("Hanya admin yang dapat menutup aplikasi ini.", "not_admin")
    return user


def record_logout(station: Station, username: str, *, counter: int | None) -> None:
    with station.db.write() as session:
        audit.record(
            session,
            office_id=station.office_id,
            action="operator.logout",
            subject=username,
            details={"counter": counter},
            operator=username,
        )
