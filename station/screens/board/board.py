"""The waiting-room board: who is called to which counter, in digits big enough for a TV.

Thin: a thread worker reads the queue's status and today's calls (``station.queue.announce``) twice
a second; the UI thread only draws. Each call or recall seen for the first time flashes the
"now calling" panel and is handed to the announcer, whose own thread speaks it.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Digits, Static

from station.letters.formats import format_date_id
from station.office.opening_hours import DAY_LABELS
from station.queue.announce import Call, CallTracker, last_distinct
from station.screens.base import StationScreen, plain
from station.screens.board.big_number import BigNumber
from station.screens.board.host import BoardHost

if TYPE_CHECKING:
    from station.queue.view import QueueStatus

HISTORY_SIZE = 6
FLASHES = 8  # half-second toggles of the "now calling" panel after a call
NO_NUMBER = "---"


def digits_text(number: str | None) -> str:
    """What a ``Digits`` can draw: ``A-012`` as is; letters it lacks fall back to plain."""
    return number or NO_NUMBER


class CounterCard(Vertical):
    """One open counter: its name and the number it holds (or its last call), in big digits."""

    def __init__(self, number: int, shown: str | None = None, held: bool = False) -> None:
        """``shown``/``held``: what the card shows from its first frame (a card mounted by a
        poll must not show ``---`` until the next one)."""
        super().__init__(id=f"counter-{number}", classes="counter-card")
        self.number = number
        self.shown = shown
        self.set_class(not held, "idle")

    def compose(self) -> ComposeResult:
        yield Static(f"LOKET {self.number}", classes="counter-title")
        yield Digits(digits_text(self.shown), classes="counter-number")

    def show(self, number: str | None, held: bool) -> None:
        self.query_one(Digits).update(digits_text(number))
        self.set_class(not held, "idle")


class BoardScreen(StationScreen[BoardHost], Screen[None]):
    CSS_PATH = "board.tcss"
    AUTO_FOCUS = ""

    def __init__(self) -> None:
        super().__init__()
        self.tracker = CallTracker()
        self.calling: Call | None = None
        self.shown_counters: list[int] | None = None  # None: not drawn yet
        self.ticker_offset = 0
        self._flash_timer: Timer | None = None
        self._flashes_left = 0
        self._last_board: object = None  # the last poll's result, drawn

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static("", id="office")
            yield Static("", id="date")
            yield Static("", id="clock")
        with Horizontal(id="middle"):
            with Vertical(id="calling"):
                yield Static("SEDANG DIPANGGIL", id="calling-title")
                yield BigNumber(NO_NUMBER, id="calling-number")
                yield Static("", id="calling-counter")
            with Vertical(id="history"):
                yield Static("Panggilan terakhir", classes="box-title")
                yield Static("Belum ada panggilan.", id="history-list")
        yield Horizontal(id="counters")
        yield Static("", id="waiting")
        yield Static("", id="ticker")

    def on_mount(self) -> None:
        app = self.station_app
        office = app.station.config.office.name
        self.query_one("#office", Static).update(plain(f"KANTOR KELURAHAN {office.upper()}"))
        self.tick_clock()
        self.set_interval(1.0, self.tick_clock)
        self.set_interval(0.2, self.tick_ticker)
        self.set_interval(app.refresh_seconds, self.refresh_board)
        self.refresh_board()

    # --- clock and running text (UI thread) ----------------------------------------------

    def tick_clock(self) -> None:
        now = self.station_app.station.clock.local()
        self.query_one("#date", Static).update(
            f"{DAY_LABELS[now.weekday()]}, {format_date_id(now.date())}"
        )
        self.query_one("#clock", Static).update(now.strftime("%H:%M:%S"))

    def tick_ticker(self) -> None:
        text = self.station_app.station.config.board.running_text.strip()
        ticker = self.query_one("#ticker", Static)
        width = max(1, ticker.size.width)
        if not text:
            ticker.update("")
            return
        loop = text + " " * 8
        if len(text) <= width:  # fits: no need to move
            ticker.update(text)
            return
        self.ticker_offset = (self.ticker_offset + 1) % len(loop)
        shifted = (loop * (width // len(loop) + 2))[self.ticker_offset :]
        ticker.update(shifted[:width])

    # --- the queue (worker thread reads, UI thread draws) --------------------------------

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def refresh_board(self) -> None:
        app = self.station_app
        try:
            board = app.read_board()
        except Exception as exc:  # the next refresh tries again
            self._last_board = None
            self._to_ui(self.show_error, f"Gagal membaca antrean: {exc}")
            return
        if board is self._last_board:
            return  # nothing changed since the last poll: nothing to draw
        self._last_board = board
        self._to_ui(self.show_board, *board)

    def show_error(self, message: str) -> None:
        self.query_one("#waiting", Static).update(message)

    async def show_board(self, status: QueueStatus, calls: list[Call]) -> None:
        """Counter cards first (awaited when they change), so every panel the board shows
        from one poll appears together."""
        if not self.is_attached:
            return
        await self.show_counters(status, calls)
        fresh = self.tracker.new_calls(calls)
        # Only a ticket still held by a counter is "being called": a finished or no-show
        # ticket leaves the panel, and a takeover moves it to the new counter.
        held = {ticket.number for ticket in status.called}
        for call in fresh:
            self.station_app.announce(call)
        if fresh:
            self.show_calling(fresh[-1], flash=True)
        elif self.calling is None:
            latest = next((c for c in calls if c.number in held), None)
            if latest is not None:
                self.show_calling(latest, flash=False)  # started mid-day: quietly
        if self.calling is not None and self.calling.number not in held:
            self.clear_calling()
        self.show_history(last_distinct(calls, HISTORY_SIZE))
        self.show_waiting(status)

    def show_calling(self, call: Call, *, flash: bool) -> None:
        self.calling = call
        self.query_one("#calling-number", BigNumber).update(call.number)
        again = " (panggilan ulang)" if call.recall else " (pindah loket)" if call.moved else ""
        self.query_one("#calling-counter", Static).update(f"silakan ke LOKET {call.counter}{again}")
        if flash:
            self.start_flash()

    def clear_calling(self) -> None:
        self.calling = None
        self.query_one("#calling-number", BigNumber).update(NO_NUMBER)
        self.query_one("#calling-counter", Static).update("")

    def start_flash(self) -> None:
        panel = self.query_one("#calling", Vertical)
        panel.add_class("flash")
        self._flashes_left = FLASHES
        if self._flash_timer is None:
            self._flash_timer = self.set_interval(0.5, self._flash_step)

    def _flash_step(self) -> None:
        panel = self.query_one("#calling", Vertical)
        self._flashes_left -= 1
        if self._flashes_left <= 0:
            panel.remove_class("flash")
            if self._flash_timer is not None:
                self._flash_timer.stop()
                self._flash_timer = None
            return
        panel.toggle_class("flash")

    async def show_counters(self, status: QueueStatus, calls: list[Call]) -> None:
        last_by_counter: dict[int, str] = {}
        for call in reversed(calls):  # oldest first: the newest wins
            last_by_counter[call.counter] = call.number
        open_counters = [c for c in status.counters if c.open]
        numbers = [c.number for c in open_counters]
        box = self.query_one("#counters", Horizontal)
        if numbers != self.shown_counters:
            self.shown_counters = numbers
            await box.remove_children()
            await box.mount_all(
                [
                    CounterCard(
                        c.number, c.ticket or last_by_counter.get(c.number), c.ticket is not None
                    )
                    for c in open_counters
                ]
            )
            if not numbers:
                await box.mount(Static("Belum ada loket yang buka.", id="no-counters"))
            return
        for counter in open_counters:
            held = counter.ticket is not None
            number = counter.ticket or last_by_counter.get(counter.number)
            with contextlib.suppress(Exception):  # a card mounting right now
                box.query_one(f"#counter-{counter.number}", CounterCard).show(number, held)

    def show_history(self, calls: list[Call]) -> None:
        if not calls:
            text = "Belum ada panggilan."
        else:
            text = "\n".join(
                f"{call.number:<7} → Loket {call.counter}"
                + ("  (ulang)" if call.recall else "  (pindah)" if call.moved else "")
                for call in calls
            )
        self.query_one("#history-list", Static).update(text)

    def show_waiting(self, status: QueueStatus) -> None:
        parts = [
            f"{s['prefix']} {s['name']}: [b]{s['waiting']}[/b]"
            for s in status.services
            if s["active"]
        ]
        self.query_one("#waiting", Static).update("Menunggu — " + "   ·   ".join(parts))
