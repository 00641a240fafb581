"""Office opening hours (jam layanan): parsed from ``[kiosk] opening_hours`` in station.toml,
checked at load, asked by the kiosk before it issues a ticket.

Why structured (a list of ``{days, open, close}``) rather than one free string: the admin edits
it by hand, and a typo must stop the start with the exact key at fault instead of a kiosk that
silently never (or always) issues. Day names are Indonesian, as the admin writes them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from station.store.errors import StationError

DAY_NAMES = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")  # date.weekday()
DAY_LABELS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_ALIASES = {"jum'at": "jumat", "ahad": "minggu"}

DEFAULT_OPENING_HOURS: list[dict[str, str]] = [
    {"days": "senin-kamis", "open": "08:00", "close": "15:00"},
    {"days": "jumat", "open": "08:00", "close": "11:00"},
]

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


class OpeningHoursError(StationError, ValueError):
    """A bad entry; ``key`` names it (``kiosk.opening_hours[2].close``) for the admin,
    ``reason`` says what is wrong; the message is ``key: reason``."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class Period:
    days: frozenset[int]  # 0 = Senin ... 6 = Minggu
    opens: dt.time
    closes: dt.time

    def covers(self, local: dt.datetime) -> bool:
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def describe(self) -> str:
        return f"{_days_label(self.days)} {_clock(self.opens)}–{_clock(self.closes)}"


@dataclass(frozen=True)
class OpeningHours:
    """The weekly hours; no periods at all means always open (documented for the admin)."""

    periods: tuple[Period, ...]

    @property
    def always_open(self) -> bool:
        return not self.periods

    def is_open(self, local: dt.datetime) -> bool:
        """``local`` is the office's local time."""
        return self.always_open or any(p.covers(local) for p in self.periods)

    def describe(self) -> list[str]:
        """Lines for the kiosk's idle screen, e.g. ``Senin–Kamis 08.00–15.00``."""
        if self.always_open:
            return ["Setiap hari, sepanjang hari"]
        return [p.describe() for p in self.periods]

    def next_opening(self, local: dt.datetime) -> dt.datetime | None:
        """When the office opens next after ``local`` (None when always open)."""
        if self.always_open:
            return None
        for offset in range(8):
            day = local.date() + dt.timedelta(days=offset)
            starts = sorted(
                dt.datetime.combine(day, p.opens, tzinfo=local.tzinfo)
                for p in self.periods
                if day.weekday() in p.days
            )
            for start in starts:
                if start > local:
                    return start
        return None


def _clock(t: dt.time) -> str:
    return f"{t.hour:02d}.{t.minute:02d}"


def _days_label(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_LABELS[ordered[0]]}–{DAY_LABELS[ordered[-1]]}"
    return ", ".join(DAY_LABELS[d] for d in ordered)


def _day(name: str, key: str) -> int:
    word = _ALIASES.get(name.strip().lower(), name.strip().lower())
    if word not in DAY_NAMES:
        raise OpeningHoursError(
            key, f"hari {name.strip()!r} tidak dikenal; gunakan {', '.join(DAY_NAMES)}"
        )
    return DAY_NAMES.index(word)


def parse_days(value: Any, key: str) -> frozenset[int]:
    """``"senin-kamis"``, ``"senin, rabu"``, ``"jumat"`` or a list of day names."""
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = value.split(",")
    else:
        raise OpeningHoursError(key, 'harus berupa teks seperti "senin-kamis" atau daftar hari')
    days: set[int] = set()
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise OpeningHoursError(key, f"nama hari kosong atau bukan teks: {item!r}")
        if "-" in item:
            first, _, last = item.partition("-")
            start, end = _day(first, key), _day(last, key)
            if end < start:
                raise OpeningHoursError(
                    key, f"rentang {item.strip()!r} terbalik; tulis dari Senin ke Minggu"
                )
            days.update(range(start, end + 1))
        else:
            days.add(_day(item, key))
    if not days:
        raise OpeningHoursError(key, "tidak ada hari")
    return frozenset(days)


def parse_time(value: Any, key: str) -> dt.time:
    """``"08:00"`` or ``"08.00"``."""
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise OpeningHoursError(key, f'jam harus ditulis seperti "08:00", bukan {value!r}')
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise OpeningHoursError(key, f"jam {value!r} tidak ada")
    return dt.time(hour, minute)


def parse_opening_hours(raw: Any, key: str = "kiosk.opening_hours") -> OpeningHours:
    """The list from station.toml; raises OpeningHoursError naming the entry and field."""
    if not isinstance(raw, list):
        raise OpeningHoursError(key, "harus berupa daftar {days, open, close}")
    periods = []
    for index, entry in enumerate(raw, start=1):
        where = f"{key}[{index}]"
        if not isinstance(entry, dict):
            raise OpeningHoursError(where, "harus berupa tabel {days, open, close}")
        unknown = set(entry) - {"days", "open", "close"}
        if unknown:
            raise OpeningHoursError(where, f"kunci tidak dikenal: {', '.join(sorted(unknown))}")
        for name in ("days", "open", "close"):
            if name not in entry:
                raise OpeningHoursError(f"{where}.{name}", "wajib diisi")
        days = parse_days(entry["days"], f"{where}.days")
        opens = parse_time(entry["open"], f"{where}.open")
        closes = parse_time(entry["close"], f"{where}.close")
        if closes <= opens:
            raise OpeningHoursError(
                f"{where}.close",
                f"jam tutup {_clock(closes)} harus sesudah jam buka {_clock(opens)}",
            )
        periods.append(Period(days, opens, closes))
    return OpeningHours(tuple(periods))


def to_stored(hours: OpeningHours) -> str:
    """The hours as kept in ``office.opening_hours`` (JSON; days 0 = Senin ... 6 = Minggu),
    so the city database can tell, per office, whether a moment was inside its hours (the
    city report's Service Box letters outside opening hours, station/store/rowsecurity.py).
    ``[]`` is always open."""
    import json

    return json.dumps(
        [
            {
                "days": sorted(p.days),
                "open": p.opens.isoformat(timespec="minutes"),
                "close": p.closes.isoformat(timespec="minutes"),
            }
            for p in hours.periods
        ]
    )


def from_stored(stored: str) -> OpeningHours:
    """The inverse of :func:`to_stored`."""
    import json

    return OpeningHours(
        tuple(
            Period(
                frozenset(int(d) for d in entry["days"]),
                dt.time.fromisoformat(entry["open"]),
                dt.time.fromisoformat(entry["close"]),
            )
            for entry in json.loads(stored or "[]")
        )
    )
