"""The one clock of a station: every moment stored, and every date or time a person reads.

Why one object: a ticket's time, a letter's Roman month and the day a report covers must all
come from the same "now", in the office's time zone (WITA for Kupang), whatever the machine's
own zone is. Processes build it from ``station.toml``'s time zone; tests and snapshots give it
a fixed source so nothing they print depends on the real date (docs/architecture.md §Time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def real_now() -> dt.datetime:
    """The machine's clock as an aware UTC moment."""
    return dt.datetime.now(dt.UTC)


@dataclass
class OfficeClock:
    """``now()`` is aware UTC (for storing); ``local()``/``today()`` are the office's."""

    tz: Any
    # Looked up at each call, so a test can move every real clock of a process at once
    # (``monkeypatch.setattr(station.office.clock, "real_now", ...)``), the CLI's included.
    source: Callable[[], dt.datetime] = field(default=lambda: real_now())

    def now(self) -> dt.datetime:
        moment = self.source()
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("a clock source must give aware datetimes")
        return moment.astimezone(dt.UTC)

    def local(self, moment: dt.datetime | None = None) -> dt.datetime:
        """``moment`` (default: now) in the office's time zone."""
        return (moment or self.now()).astimezone(self.tz)

    def today(self) -> dt.date:
        return self.local().date()

    def fixed_at(self, moment: dt.datetime) -> OfficeClock:
        """The same office's clock stopped at ``moment`` (tests, snapshots, replays)."""
        return OfficeClock(self.tz, lambda: moment)
