"""``KioskApp``: the ticket dispenser (``station kiosk``) on a touch screen or keypad terminal
with a receipt printer.

The app holds only the office's clock and the printer path; issuing is the same core call as
``station ticket take`` (``Queue.take_ticket`` then ``print_ticket``), run in a thread worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from station.home.context import Station
from station.office.clock import OfficeClock
from station.office.opening_hours import OpeningHours
from station.printing import PrinterFault, print_ticket
from station.printing.faults import classify
from station.queue.facade import IssuedTicket, Queue
from station.screens.kiosk.kiosk import KioskScreen
from station.screens.public import PublicApp


class KioskApp(PublicApp):
    """The host of the kiosk's screens, which use it through ``KioskHost``."""

    TITLE = "Station — Ambil Nomor Antrean"

    def __init__(
        self,
        station: Station,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        refresh_seconds: float = 5.0,
        **kwargs: Any,
    ) -> None:
        """``clock`` gives the current aware time (tests pin it inside or outside hours)."""
        super().__init__(**kwargs)
        self.station = station
        self.queue = Queue.for_station(station)
        self.hours: OpeningHours = station.config.kiosk.hours()
        self.refresh_seconds = refresh_seconds
        if clock is not None:
            station.clock = OfficeClock(station.config.tz, clock)

    def now(self) -> dt.datetime:
        """The office's local time now."""
        return self.station.clock.local()

    def is_open(self) -> bool:
        return self.hours.is_open(self.now())

    def on_mount(self) -> None:
        self.sub_title = f"Kelurahan {self.station.config.office.name}"
        self.push_screen(KioskScreen())

    def issue(self, prefix: str, priority: str | None) -> IssuedTicket:
        """Take the ticket (one transaction with its audit record); worker thread."""
        return self.queue.take_ticket(prefix, priority=priority, now=self.station.clock.now())

    def print_issued(self, issued: IssuedTicket) -> PrinterFault | None:
        """Print the ticket; a fault is returned, not raised: the ticket is already queued."""
        config = self.station.config
        try:
            print_ticket(issued, f"Kelurahan {config.office.name}", config.printer, tz=config.tz)
        except Exception as exc:  # any driver error is a fault to show, never a crash
            return classify(exc)
        return None
