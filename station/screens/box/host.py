"""``BoxHost``: what the box's screen uses of ``BoxApp`` (typed without importing it)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from station.home.context import Station
    from station.letters.box import BoxVisitor, SignIn
    from station.letters.store import IssuedLetter
    from station.office.opening_hours import OpeningHours
    from station.printing import LetterPrint, PrinterFault
    from station.queue.facade import IssuedTicket, Queue


class BoxHost(Protocol):
    station: Station
    queue: Queue
    hours: OpeningHours
    idle_seconds: float

    def now(self) -> dt.datetime:
        """The office's local time now."""
        ...

    def is_open(self) -> bool: ...

    def help_line(self) -> str: ...

    def warm_up(self) -> None:
        """Load the printer driver in a thread (once the first screen is up)."""
        ...

    def say(self, text: str) -> None:
        """Speak a step's guidance when the box has a voice; else nothing."""
        ...

    def sign_in(self, nik: str, pin: str) -> SignIn:
        """The PIN check (worker thread)."""
        ...

    def issue_letter(
        self, visitor: BoxVisitor, code: str, fields: dict[str, str], purpose: str
    ) -> IssuedLetter:
        """Issue an "issue" letter (worker thread); raises a StationError when refused."""
        ...

    def request_letter(
        self, visitor: BoxVisitor, code: str, fields: dict[str, str], purpose: str
    ) -> Any:
        """Store a request for the counter (worker thread); has ``pickup_code``."""
        ...

    def print_letter(self, document: Any, number: str) -> LetterPrint:
        """Print a letter and count the print; a fault is returned (worker thread)."""
        ...

    def pending_document(self, visitor: BoxVisitor, number: str) -> Any:
        """The original of the visitor's unprinted letter (worker thread)."""
        ...

    def take_ticket(self, prefix: str) -> IssuedTicket: ...

    def print_ticket(self, issued: Any) -> PrinterFault | None:
        """A queue ticket or a request's pickup ticket (``RequestReceipt``)."""
        ...
