"""``KioskHost``: what the kiosk's screens use of ``KioskApp`` (typed without importing it)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from station.home.context import Station
    from station.office.opening_hours import OpeningHours
    from station.printing import PrinterFault
    from station.queue.facade import IssuedTicket, Queue


class KioskHost(Protocol):
    station: Station
    queue: Queue
    hours: OpeningHours
    refresh_seconds: float

    def now(self) -> dt.datetime:
        """The office's local time now."""
        ...

    def is_open(self) -> bool: ...

    def issue(self, prefix: str, priority: str | None) -> IssuedTicket:
        """Take the ticket (worker thread)."""
        ...

    def print_issued(self, issued: IssuedTicket) -> PrinterFault | None:
        """Print the ticket; a fault is returned, not raised (worker thread)."""
        ...
