"""The Textual applications. ``OperatorApp``: the counter operator's keyboard-first station.

The app holds who is signed in at which counter, the idle lock and the one print worker;
every rule lives in the core (``station.office.sign_in``, ``station.queue.facade``, letters),
called from thread workers in the screens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App
from textual.theme import Theme

from station.home.context import Station
from station.office.clock import OfficeClock
from station.office.sign_in import SignedIn, record_logout
from station.printing.spooler import PrintSpooler
from station.queue.facade import Queue
from station.screens.base import to_ui
from station.screens.operator.lock import LockScreen
from station.screens.operator.login import LoginScreen
from station.screens.operator.main import MainScreen
from station.screens.operator.palette import StationCommands
from station.store.errors import StationError

if TYPE_CHECKING:
    from station.letters.catalogue import Catalogue


def __getattr__(name: str) -> Any:
    """``KioskApp`` and ``BoardApp`` live in their own modules; imported here only on demand,
    so the operator app does not load the kiosk's and the board's code."""
    if name == "KioskApp":
        from station.screens.kiosk.app import KioskApp

        return KioskApp
    if name == "BoardApp":
        from station.screens.board.app import BoardApp

        return BoardApp
    raise AttributeError(name)


HIGH_CONTRAST_THEME = "station-kontras"
IDLE_CHECK_SECONDS = 0.5  # a clock comparison: cheap enough to run twice a second

# Black and white with yellow accents: readable on an old, washed-out office monitor.
HIGH_CONTRAST = Theme(
    name=HIGH_CONTRAST_THEME,
    primary="#ffffff",
    secondary="#ffff00",
    accent="#ffff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#202020",
    warning="#ffff00",
    error="#ff5555",
    success="#55ff55",
    dark=True,
)


class OperatorApp(App[None]):
    """The host of the operator's screens: they use it through ``OperatorHost``
    (``station.screens.operator.host``), never by importing this module."""

    TITLE = "Station — Loket"
    COMMANDS = App.COMMANDS | {StationCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"

    def __init__(
        self,
        station: Station,
        *,
        counter: int | None = None,
        refresh_seconds: float = 0.5,
        heartbeat_seconds: float = 30.0,
        idle_lock_seconds: float | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        high_contrast: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.station = station
        self.queue = Queue.for_station(station)
        self.preset_counter = counter
        self.refresh_seconds = refresh_seconds
        self.heartbeat_seconds = heartbeat_seconds
        minutes = station.config.idle_lock_minutes
        self.idle_lock_seconds = idle_lock_seconds if idle_lock_seconds else minutes * 60.0
        if clock is not None:  # a fixed clock (snapshots, demos) reaches every core call
            station.clock = OfficeClock(station.config.tz, clock)
        self.high_contrast = high_contrast
        self.user: SignedIn | None = None
        self.counter: int | None = None
        self.spooler = PrintSpooler()
        self.last_input = time.monotonic()
        self.locked = False
        self._catalogue: Catalogue | None = None

    def letter_catalogue(self) -> Catalogue:
        """The letter types (built-in plus the home's own), loaded once per app."""
        if self._catalogue is None:
            from station.letters.store import LetterSettings

            self._catalogue = LetterSettings.from_config(self.station.config).catalogue
        return self._catalogue

    # --- time -------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The office's local time, from the station's one clock."""
        return self.station.clock.local()

    def today(self) -> dt.date:
        return self.now().date()

    def at_now(self) -> dict[str, Any]:
        """``now=`` for core calls: the station's clock, so a fixed clock reaches the core."""
        return {"now": self.station.clock.now()}

    # --- lifecycle --------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.sub_title = f"Kelurahan {self.station.config.office.name}"
        self.register_theme(HIGH_CONTRAST)
        if self.high_contrast:
            self.theme = HIGH_CONTRAST_THEME
        self.push_screen(LoginScreen(counter=self.preset_counter))
        self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_lock)

    def on_unmount(self) -> None:
        self.spooler.close(timeout=5.0)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def signed_in(self, user: SignedIn, counter: int) -> None:
        """Called on the UI thread once the PIN matched and the counter is open."""
        self.user = user
        self.counter = counter
        self.last_input = time.monotonic()
        self.push_screen(MainScreen())

    # --- idle lock --------------------------------------------------------------------------

    def check_idle_lock(self) -> None:
        if self.user is None:
            return
        if self.locked:
            self._keep_lock_on_top()
            return
        if time.monotonic() - self.last_input >= self.idle_lock_seconds:
            self.lock()

    def _keep_lock_on_top(self) -> None:
        """While locked, the lock is the top screen: anything that got above it (a screen
        opened by a worker finishing, a dialog) is taken off, so nothing but the PIN and
        sign-out is ever reachable behind a locked counter."""
        if isinstance(self.screen, LockScreen):
            return
        if any(isinstance(screen, LockScreen) for screen in self.screen_stack):
            while not isinstance(self.screen, LockScreen):
                self.pop_screen()
        else:
            self.push_screen(LockScreen())

    def action_command_palette(self) -> None:
        """No palette over the lock: a NIK typed there would show a resident."""
        if self.locked:
            return
        super().action_command_palette()

    async def action_quit(self) -> None:
        """Ctrl+Q is not a way around the lock (sign out with F10 from the lock instead), and
        while the counter holds a ticket it asks first, naming the ticket left behind."""
        from station.screens.dialogs import ConfirmDialog
        from station.screens.operator.main import leaving_question

        if self.locked:
            self.bell()
            return
        if isinstance(self.screen, ConfirmDialog):
            return
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        held = main.current if main is not None and self.user is not None else None
        if held is None:
            await super().action_quit()
            return
        title, message = leaving_question(held, self.counter)
        title = f"Tutup aplikasi Loket {self.counter}?"

        def answered(leave: bool | None) -> None:
            if leave:
                self.exit()

        self.push_screen(ConfirmDialog(title, message, yes="Tetap tutup"), answered)

    def lock(self) -> None:
        """Hide the work behind a PIN prompt; the screens underneath keep their state."""
        if self.user is None or self.locked:
            return
        self.locked = True
        self.push_screen(LockScreen())

    def unlocked(self) -> None:
        self.locked = False
        self.last_input = time.monotonic()
        if isinstance(self.screen, LockScreen):
            self.pop_screen()

    # --- signing out ------------------------------------------------------------------------

    def sign_out(self, message: str | None = None) -> None:
        """Close the counter and go back to the login screen (F10, or from the lock)."""
        self._sign_out(message)

    @work(thread=True, exclusive=True, group="sign-out", exit_on_error=False)
    def _sign_out(self, message: str | None) -> None:
        user, counter = self.user, self.counter
        if user is None or counter is None:
            return
        try:
            self.queue.close_counter(counter, user.username)
        except StationError as exc:  # e.g. already closed by an admin: leave anyway
            to_ui(self, self.notify, str(exc), severity="warning")
        except Exception as exc:  # stay signed in; the operator may retry
            to_ui(self, self.notify, f"Gagal menutup loket: {exc}", severity="error")
            return
        with contextlib.suppress(Exception):  # the counter is closed; the audit is secondary
            record_logout(self.station, user.username, counter=counter)
        to_ui(self, self.signed_out, message)

    def signed_out(self, message: str | None = None) -> None:
        """Called on the UI thread once the counter is closed: back to the login screen."""
        self.user = None
        self.counter = None
        self.locked = False
        while len(self.screen_stack) > 1 and not isinstance(self.screen, LoginScreen):
            self.pop_screen()
        if isinstance(self.screen, LoginScreen):
            self.screen.reset(message)

    def close_counter_quietly(self) -> None:
        """On leaving the app without F10 (Ctrl+Q): close the counter, log the logout."""
        if self.user is None or self.counter is None:
            return
        try:
            self.queue.close_counter(self.counter, self.user.username)
            record_logout(self.station, self.user.username, counter=self.counter)
        except Exception:  # leaving anyway; the counter goes stale on its own
            pass
        self.user = None
        self.counter = None
