"""``BoxApp``: the Service Box (``station box``) on a touch screen or a numeric keypad with a
receipt printer, unattended, at any hour (issue "Service Box"; docs/box.md).

The app holds the office's clock, the printer, the per-box :class:`GuessGuard` (its state
in the database) and the optional voice; every act is a core call (``station.letters.box``,
the queue's ``take_ticket``) run in a thread worker by the screen. It needs no counter open and no
operator signed in: the box acts as the system actor ``layanan-mandiri``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from station.home.context import Station
from station.letters import box as box_core
from station.letters.desk import letter_paper
from station.letters.store import IssuedLetter, LetterSettings
from station.office.clock import OfficeClock
from station.office.opening_hours import OpeningHours
from station.printing import (
    LetterPrint,
    PrinterFault,
    print_and_record,
    print_pdf_and_record,
    print_ticket,
    warm_up,
)
from station.printing.faults import classify
from station.queue.facade import IssuedTicket, Queue
from station.screens.box.box import BoxScreen
from station.screens.public import PublicApp


class BoxApp(PublicApp):
    """The host of the box's screen, which uses it through ``BoxHost``."""

    TITLE = "Station — Layanan Mandiri"

    def __init__(
        self,
        station: Station,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        speak: Callable[[str], None] | None = None,
        settings: LetterSettings | None = None,
        **kwargs: Any,
    ) -> None:
        """``clock`` gives the current aware time (tests pin it, e.g. at 23.30); ``speak``
        replaces the sound output of the voice (tests); ``settings``: the letter settings
        when the caller has loaded them already (``station box`` does, to check them)."""
        super().__init__(**kwargs)
        self.station = station
        config = station.config
        self.settings = settings if settings is not None else LetterSettings.from_config(config)
        self.queue = Queue.for_station(station)
        self.hours: OpeningHours = config.kiosk.hours()
        self.idle_seconds = float(config.box.idle_seconds)
        self.terminal = config.box.terminal
        self.guard = box_core.GuessGuard(max_failures=config.box.guess_limit)
        if clock is not None:
            station.clock = OfficeClock(config.tz, clock)
        self.warmed = False  # the printer driver is loaded (see warm_up)
        self.announcer: Any = None
        if config.box.voice:
            from station.screens.speech import Announcer

            voice = dataclasses.replace(config.voice, chime=False)
            self.announcer = Announcer(voice, speak=speak)

    def now(self) -> dt.datetime:
        return self.station.clock.local()

    def is_open(self) -> bool:
        return self.hours.is_open(self.now())

    def help_line(self) -> str:
        phone = self.station.config.box.phone.strip()
        call = f"Bantuan: telepon {phone}" if phone else "Bantuan: tanyakan di kantor kelurahan"
        return f"{call} · Jam layanan kantor: {' · '.join(self.hours.describe())}"

    def say(self, text: str) -> None:
        if self.announcer is not None:
            self.announcer.say(text)

    def on_mount(self) -> None:
        self.sub_title = f"Kelurahan {self.station.config.office.name}"
        self.push_screen(BoxScreen())

    def warm_up(self) -> None:
        """Load the printer driver in a thread once the first screen is up (the screen calls
        this after its first refresh): importing python-escpos takes ~0.2-0.6 s, which the
        box's first print would else spend between the resident's Enter and the first byte
        (issue "Service Box": Enter -> first byte <= 200 ms)."""
        self.run_worker(self._warm_up, thread=True, group="warm-up", exit_on_error=False)

    def _warm_up(self) -> None:  # worker thread
        from station.register.pins import decoy_hash

        warm_up(self.station.config)
        decoy_hash()  # made once: the first refused NIK then costs what every refusal costs
        self.warmed = True

    def on_unmount(self) -> None:
        if self.announcer is not None:
            self.announcer.close(timeout=1.0)

    # --- acts, in worker threads ----------------------------------------------------------

    def sign_in(self, nik: str, pin: str) -> box_core.SignIn:
        return box_core.sign_in(
            self.station,
            self.settings,
            nik,
            pin,
            terminal=self.terminal,
            guard=self.guard,
            daily_limit=self.station.config.box.daily_limit,
        )

    def issue_letter(
        self, visitor: box_core.BoxVisitor, code: str, fields: dict[str, str], purpose: str
    ) -> IssuedLetter:
        return box_core.issue(
            self.station,
            self.settings,
            visitor,
            code,
            fields=fields,
            purpose=purpose,
            terminal=self.terminal,
        )

    def request_letter(
        self, visitor: box_core.BoxVisitor, code: str, fields: dict[str, str], purpose: str
    ) -> Any:
        return box_core.request(
            self.station,
            self.settings,
            visitor,
            code,
            fields=fields,
            purpose=purpose,
            terminal=self.terminal,
        )

    def print_letter(self, document: Any, number: str) -> LetterPrint:
        """On the type's paper (docs/letters.md): an F4/A4 type goes to the office printer
        when the box has one (``printer.office``); without one it prints on the box's receipt
        printer, since a PDF saved in the home is nothing a resident can take away."""
        config = self.station.config
        record = lambda: box_core.record_box_print(self.station, number)  # noqa: E731
        paper = letter_paper(self.settings, document.type_code)
        if paper in ("f4", "a4") and config.printer.office.strip():
            return print_pdf_and_record(document, config, record, paper=paper)
        return print_and_record(document, config.printer, record)

    def pending_document(self, visitor: box_core.BoxVisitor, number: str) -> Any:
        return box_core.pending_document(self.station, visitor, number)

    def take_ticket(self, prefix: str) -> IssuedTicket:
        return self.queue.take_ticket(prefix, now=self.station.clock.now(), channel="box")

    def print_ticket(self, issued: Any) -> PrinterFault | None:
        config = self.station.config
        try:
            print_ticket(issued, f"Kelurahan {config.office.name}", config.printer, tz=config.tz)
        except Exception as exc:  # any driver error is a fault to show, never a crash
            return classify(exc)
        return None
