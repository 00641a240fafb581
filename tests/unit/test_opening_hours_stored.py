"""``office.opening_hours``: the office's hours as the city database keeps them (migration
0014), read back exactly, and the model's default is the default hours."""

from __future__ import annotations

import datetime as dt

from station.office.opening_hours import (
    DEFAULT_OPENING_HOURS,
    from_stored,
    parse_opening_hours,
    to_stored,
)
from station.store.models import DEFAULT_OPENING_HOURS_STORED


def test_the_default_hours_are_the_models_default() -> None:
    hours = parse_opening_hours(DEFAULT_OPENING_HOURS)
    assert to_stored(hours) == DEFAULT_OPENING_HOURS_STORED
    assert from_stored(DEFAULT_OPENING_HOURS_STORED) == hours


def test_stored_hours_answer_as_the_config_does() -> None:
    hours = parse_opening_hours(
        [
            {"days": "senin, rabu", "open": "07.30", "close": "12:00"},
            {"days": "sabtu-minggu", "open": "09:00", "close": "23:59"},
        ]
    )
    back = from_stored(to_stored(hours))
    assert back == hours
    start = dt.datetime(2026, 11, 23)  # a Monday
    for minutes in range(0, 7 * 24 * 60, 17):
        moment = start + dt.timedelta(minutes=minutes)
        assert back.is_open(moment) == hours.is_open(moment), moment
    assert from_stored("[]").always_open and to_stored(parse_opening_hours([])) == "[]"
