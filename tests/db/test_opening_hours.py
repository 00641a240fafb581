"""Opening hours: parsing the structured ``[kiosk] opening_hours``, the open/closed rule, the
idle screen's wording, and config errors that name the file and the exact key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.home.config import ConfigError, load_config, write_default_config
from station.office.opening_hours import (
    DEFAULT_OPENING_HOURS,
    OpeningHoursError,
    parse_opening_hours,
)

WITA = ZoneInfo("Asia/Makassar")
MONDAY = dt.date(2026, 11, 30)  # a Monday


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(MONDAY + dt.timedelta(days=day_offset), dt.time(hour, minute), WITA)


def test_default_hours() -> None:
    hours = parse_opening_hours(DEFAULT_OPENING_HOURS)
    assert hours.is_open(at(0, 8, 0))  # Monday at opening
    assert hours.is_open(at(3, 14, 59))  # Thursday
    assert not hours.is_open(at(3, 15, 0))  # closing time is closed
    assert not hours.is_open(at(0, 7, 59))
    assert hours.is_open(at(4, 10, 30))  # Friday morning
    assert not hours.is_open(at(4, 11, 0))
    assert not hours.is_open(at(5, 10, 0))  # Saturday
    assert not hours.is_open(at(6, 10, 0))  # Sunday
    assert hours.describe() == ["Senin–Kamis 08.00–15.00", "Jumat 08.00–11.00"]
    assert hours.next_opening(at(4, 12, 0)) == at(7, 8, 0)  # Friday noon: next Monday
    assert hours.next_opening(at(0, 7, 0)) == at(0, 8, 0)


def test_day_forms_and_dotted_times() -> None:
    hours = parse_opening_hours(
        [
            {"days": "senin, rabu", "open": "07.30", "close": "12:00"},
            {"days": ["Jum'at", "sabtu"], "open": "8:00", "close": "10.00"},
        ]
    )
    assert hours.is_open(at(2, 7, 30)) and not hours.is_open(at(1, 9, 0))
    assert hours.is_open(at(5, 9, 59))
    assert hours.describe() == ["Senin, Rabu 07.30–12.00", "Jumat, Sabtu 08.00–10.00"]


def test_empty_list_means_always_open() -> None:
    hours = parse_opening_hours([])
    assert hours.always_open and hours.is_open(at(6, 3, 0))
    assert hours.next_opening(at(6, 3, 0)) is None


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("senin-jumat 08-15", "kiosk.opening_hours"),
        ([{"days": "senin-kamis", "open": "08:00"}], "kiosk.opening_hours[1].close"),
        ([{"days": "sen", "open": "08:00", "close": "15:00"}], "kiosk.opening_hours[1].days"),
        ([{"days": "jumat-senin", "open": "08:00", "close": "15:00"}], "[1].days"),
        ([{"days": "senin", "open": "8", "close": "15:00"}], "kiosk.opening_hours[1].open"),
        ([{"days": "senin", "open": "08:00", "close": "25:00"}], "[1].close"),
        ([{"days": "senin", "open": "15:00", "close": "08:00"}], "[1].close"),
        (
            [DEFAULT_OPENING_HOURS[0], {"days": "jumat", "open": "8:00", "close": "9:00", "x": 1}],
            "kiosk.opening_hours[2]",
        ),
        ([{"days": 5, "open": "08:00", "close": "15:00"}], "[1].days"),
    ],
)
def test_bad_entries_name_the_key(raw: object, key: str) -> None:
    with pytest.raises(OpeningHoursError) as error:
        parse_opening_hours(raw)
    assert key in error.value.key


_times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(
    days=st.sets(st.integers(0, 6), min_size=1),
    opens=_times,
    closes=_times,
    moment=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
        lambda d: d.replace(tzinfo=WITA)
    ),
)
def test_open_exactly_inside_the_period(
    days: set[int], opens: dt.time, closes: dt.time, moment: dt.datetime
) -> None:
    from station.office.opening_hours import DAY_NAMES

    entry = {
        "days": [DAY_NAMES[d] for d in sorted(days)],
        "open": opens.strftime("%H:%M"),
        "close": closes.strftime("%H:%M"),
    }
    if closes <= opens:
        with pytest.raises(OpeningHoursError):
            parse_opening_hours([entry])
        return
    hours = parse_opening_hours([entry])
    expected = moment.weekday() in days and opens <= moment.time() < closes
    assert hours.is_open(moment) == expected
    following = hours.next_opening(moment)
    assert following is not None and following > moment
    assert following.weekday() in days and following.time() == opens
    assert following - moment <= dt.timedelta(days=7)
    # the described form parses back to the same schedule
    label = hours.describe()[0]
    day_part, _, time_part = label.rpartition(" ")
    start, _, end = time_part.partition("–")
    again = parse_opening_hours(
        [{"days": day_part.replace("–", "-").lower(), "open": start, "close": end}]
    )
    assert again == hours


def test_config_round_trip_and_errors(home: Path) -> None:
    write_default_config(home)
    config = load_config()
    assert config.kiosk.hours() == parse_opening_hours(DEFAULT_OPENING_HOURS)
    assert config.voice.enabled is True
    assert config.voice.phrase == "Nomor antrian {nomor}, silakan menuju loket {loket}"
    assert "biaya" in config.board.running_text


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[kiosk]\nopening_hours = "senin-jumat"\n', "kiosk.opening_hours"),
        (
            '[kiosk]\nopening_hours = [{days = "senin", open = "08:00", close = "7:00"}]\n',
            "kiosk.opening_hours[1].close",
        ),
        ("[kiosk]\nshow_seconds = 0\n", "kiosk.show_seconds"),
        ('[voice]\nenabled = "ya"\n', "voice.enabled"),
        ('[voice]\nphrase = "Nomor {tiket} ke loket {loket}"\n', "voice.phrase"),
        ("[voice]\nspeed = 5\n", "voice.speed"),
        ("[board]\nrunning_text = 3\n", "board.running_text"),
        ("[board]\nticker = 'x'\n", "board.ticker"),
    ],
)
def test_display_config_errors_name_file_and_key(home: Path, text: str, key: str) -> None:
    home.mkdir(parents=True)
    (home / "station.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config()
    assert str(home / "station.toml") in str(error.value)
    assert f"'{key}'" in str(error.value)


def test_custom_display_config_is_read(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "station.toml").write_text(
        "[kiosk]\nopening_hours = []\nshow_seconds = 4\n"
        '[board]\nrunning_text = "Halo"\n'
        '[voice]\nenabled = false\nphrase = "{nomor} ke loket {loket}"\n',
        encoding="utf-8",
    )
    config = load_config()
    assert config.kiosk.hours().always_open and config.kiosk.show_seconds == 4
    assert config.board.running_text == "Halo"
    assert config.voice.enabled is False and config.voice.phrase.startswith("{nomor}")
