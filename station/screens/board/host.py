"""``BoardHost``: what the board's screen uses of ``BoardApp`` (typed without importing it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from station.home.context import Station
    from station.queue.announce import Call
    from station.queue.view import QueueStatus


class BoardHost(Protocol):
    station: Station
    refresh_seconds: float

    def read_board(self) -> tuple[QueueStatus, list[Call]]:
        """One consistent read for the board (worker thread)."""
        ...

    def announce(self, call: Call) -> None:
        """Queue the spoken call (UI thread)."""
        ...
