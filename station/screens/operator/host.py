"""``OperatorHost``: what the operator's screens use of ``OperatorApp``.

The screens type ``self.station_app`` as this Protocol (``station.screens.base``) and never
import the app module, so the app imports its screens and nothing imports it back.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from station.home.context import Station
    from station.letters.catalogue import Catalogue
    from station.office.sign_in import SignedIn
    from station.printing.spooler import PrintSpooler
    from station.queue.facade import Queue


class OperatorHost(Protocol):
    station: Station
    queue: Queue
    user: SignedIn | None  # who is signed in (None on the login screen)
    counter: int | None
    spooler: PrintSpooler  # the one print worker
    refresh_seconds: float
    heartbeat_seconds: float
    idle_lock_seconds: float

    def now(self) -> dt.datetime:
        """The office's local time, from the station's one clock."""
        ...

    def today(self) -> dt.date: ...

    def at_now(self) -> dict[str, Any]:
        """``now=`` for core calls: the station's clock."""
        ...

    def letter_catalogue(self) -> Catalogue: ...

    def signed_in(self, user: SignedIn, counter: int) -> None: ...

    def sign_out(self, message: str | None = None) -> None: ...

    def lock(self) -> None: ...

    def unlocked(self) -> None: ...
