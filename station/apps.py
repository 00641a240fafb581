"""The Textual applications. ``OperatorApp``: the counter operator's keyboard-first station.

The app only holds who is signed in at which counter; every rule lives in the core
(``station.operator_session``, ``station.queue``), called from thread workers in the screens.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from station.context import Station
from station.operator_session import SignedIn, record_logout
from station.queue import Queue
from station.screens.login import LoginScreen
from station.screens.main import MainScreen


class OperatorApp(App[None]):
    TITLE = "Station — Loket"
    ENABLE_COMMAND_PALETTE = False  # issue 6: the palette comes with actions and residents

    def __init__(
        self,
        station: Station,
        *,
        counter: int | None = None,
        refresh_seconds: float = 0.5,
        heartbeat_seconds: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.station = station
        self.queue = Queue.for_station(station)
        self.preset_counter = counter
        self.refresh_seconds = refresh_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.user: SignedIn | None = None
        self.counter: int | None = None

    def on_mount(self) -> None:
        self.sub_title = f"Kelurahan {self.station.config.office.name}"
        self.push_screen(LoginScreen(counter=self.preset_counter))

    def signed_in(self, user: SignedIn, counter: int) -> None:
        """Called on the UI thread once the PIN matched and the counter is open."""
        self.user = user
        self.counter = counter
        self.push_screen(MainScreen())

    def signed_out(self) -> None:
        """Called on the UI thread once the counter is closed."""
        self.user = None
        self.counter = None
        if isinstance(self.screen, MainScreen):
            self.pop_screen()
        if isinstance(self.screen, LoginScreen):
            self.screen.reset()

    def close_counter_quietly(self) -> None:
        """On leaving the app without F10 (Ctrl+Q): close the counter, log the logout."""
        if self.user is None or self.counter is None:
            return
        try:
            self.queue.close_counter(self.counter, self.user.username)
            record_logout(
                self.station.db, self.station.office_id, self.user.username, counter=self.counter
            )
        except Exception:  # leaving anyway; the counter goes stale on its own
            pass
        self.user = None
        self.counter = None
