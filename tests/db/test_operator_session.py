"""Signing in at a counter: wrong PINs, the five-minute lockout, audit records."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from station.home.context import Station
from station.office.sign_in import LOCK_MINUTES, MAX_FAILED_PINS, LoginError, sign_in
from station.store.models import AuditEvent, Operator

T0 = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)


def _actions(station: Station) -> list[str]:
    with station.db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _operator(station: Station) -> Operator:
    with station.db.read() as session:
        return session.scalars(select(Operator).where(Operator.username == "sari")).one()


def test_right_pin_signs_in_and_is_audited(station: Station) -> None:
    user = sign_in(station, "sari", "2468", now=T0)
    assert (user.username, user.display_name, user.role) == ("sari", "Sari Ndun", "operator")
    assert _actions(station)[-1] == "operator.login"


def test_wrong_pin_is_refused_in_indonesian_and_counted(station: Station) -> None:
    with pytest.raises(LoginError) as caught:
        sign_in(station, "sari", "1111", now=T0)
    assert caught.value.code == "bad_pin"
    assert "PIN salah" in str(caught.value)
    assert caught.value.attempts_left == MAX_FAILED_PINS - 1
    assert _operator(station).failed_attempts == 1  # committed although refused
    assert _actions(station)[-1] == "operator.login_failed"


def test_unknown_user_gets_the_same_words_at_the_same_cost(
    station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown user and a known user with a wrong PIN: the same message, and each pays
    one argon2 verification (counted; before, the unknown user was answered in 8 ms instead
    of 277 ms, which told who exists)."""
    from station.office import sign_in as module

    verified: list[str] = []
    real = module.pin_matches
    monkeypatch.setattr(
        module, "pin_matches", lambda h, pin: verified.append(h[:9]) or real(h, pin)
    )
    answers = []
    for username in ("budi", "sari"):
        with pytest.raises(LoginError) as caught:
            sign_in(station, username, "1357", now=T0)
        answers.append(str(caught.value))
    assert answers == ["Nama pengguna atau PIN salah."] * 2
    assert verified == ["$argon2id", "$argon2id"]


def test_five_wrong_pins_lock_for_five_minutes(station: Station) -> None:
    for i in range(MAX_FAILED_PINS):
        with pytest.raises(LoginError) as caught:
            sign_in(station, "sari", "0000", now=T0 + dt.timedelta(seconds=i))
    assert caught.value.code == "locked"
    assert "terkunci" in str(caught.value)
    assert "locked" not in str(caught.value)
    assert "operator.locked" in _actions(station)
    # even the right PIN is refused while locked
    with pytest.raises(LoginError) as caught:
        sign_in(station, "sari", "2468", now=T0 + dt.timedelta(minutes=4))
    assert caught.value.code == "locked"
    # after the lock the right PIN works and resets the count
    later = T0 + dt.timedelta(minutes=LOCK_MINUTES, seconds=5)
    assert sign_in(station, "sari", "2468", now=later).username == "sari"
    operator = _operator(station)
    assert operator.failed_attempts == 0
    assert operator.locked_until is None


def test_success_resets_the_count(station: Station) -> None:
    for _ in range(MAX_FAILED_PINS - 1):
        with pytest.raises(LoginError):
            sign_in(station, "sari", "0000", now=T0)
    sign_in(station, "sari", "2468", now=T0)
    with pytest.raises(LoginError) as caught:
        sign_in(station, "sari", "0000", now=T0)
    assert caught.value.code == "bad_pin"  # counting starts again
