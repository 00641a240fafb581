"""Login: counter number, username, PIN (hidden). Thin: sign-in and opening the counter are
``station.office.sign_in.sign_in`` and ``Queue.open_counter``, run in a thread worker."""

from __future__ import annotations

from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from station.office.sign_in import sign_in
from station.screens.base import StationScreen, plain
from station.screens.operator.host import OperatorHost
from station.store.errors import StationError

# Enter in a field moves on to the next one (the PIN's Enter signs in).
_FOLLOWING = {"counter": "#username", "username": "#pin"}


class LoginScreen(StationScreen[OperatorHost], Screen[None]):
    """Keys typed faster than the screen handles them stay in order: Enter is a priority
    binding, so the focus moves when the app reads the Enter, before it hands the next keys
    to a field (typed ``sari⏎2468⏎`` is user ``sari``, not ``sari2468``); keys that arrive
    before a field has the focus go to the first empty field."""

    CSS_PATH = "login.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next_field", "Lanjut", show=False, priority=True),
    ]

    def __init__(self, counter: int | None = None) -> None:
        super().__init__()
        self.preset_counter = counter

    def compose(self) -> ComposeResult:
        office = self.station_app.station.config.office
        with Vertical(id="login-box"):
            yield Static(plain(f"Kelurahan {office.name} — Masuk Loket"), id="login-title")
            yield Label("Nomor loket")
            yield Input(
                value=str(self.preset_counter or ""),
                placeholder="1",
                type="integer",
                id="counter",
            )
            yield Label("Nama pengguna")
            yield Input(placeholder="mis. sari", id="username")
            yield Label("PIN")
            yield Input(placeholder="PIN", password=True, id="pin")
            yield Button("Masuk", variant="primary", id="login")
            yield Static("", id="login-message")
        yield Footer()

    def on_mount(self) -> None:
        target = "#username" if self.preset_counter else "#counter"
        self.query_one(target, Input).focus()

    def reset(self, message: str | None = None) -> None:
        self.query_one("#pin", Input).value = ""
        self.query_one("#username", Input).value = ""
        if message:
            self.show_message(message)
        else:
            self.show_message("Anda sudah keluar dan loket ditutup.", error=False)
        self.query_one("#username", Input).focus()

    def action_next_field(self) -> None:
        focused = self.focused
        if focused is None:
            return
        if focused.id in _FOLLOWING and not self.query_one("#pin", Input).value:
            self.set_focus(self.query_one(_FOLLOWING[focused.id], Input))
        elif isinstance(focused, Button):
            focused.call_later(focused.press)
        else:
            # After the keys already queued for this field: the PIN may still be arriving.
            focused.call_later(self.submit)

    def on_key(self, event: events.Key) -> None:
        """A key that reached the screen itself: typed before any field had the focus."""
        if self.focused is not None or not event.is_printable:
            return
        event.stop()
        first = next(
            (f for f in self.query(Input) if not f.value),
            self.query_one("#username", Input),
        )
        self.set_focus(first)
        first.post_message(events.Key(event.key, event.character))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "login":
            self.submit()

    def submit(self) -> None:
        counter_text = self.query_one("#counter", Input).value.strip()
        username = self.query_one("#username", Input).value
        pin = self.query_one("#pin", Input).value
        if not counter_text.isdigit() or int(counter_text) < 1:
            self.show_message("Isi nomor loket (angka, mis. 1).")
            self.query_one("#counter", Input).focus()
            return
        self.show_message("Memeriksa…", error=False)
        self.sign_in(int(counter_text), username, pin)

    def show_message(self, text: str, *, error: bool = True) -> None:
        message = self.query_one("#login-message", Static)
        message.update(text)
        message.set_class(error, "error")

    def _failed(self, text: str) -> None:
        self.show_message(text)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def sign_in(self, counter: int, username: str, pin: str) -> None:
        app = self.station_app
        try:
            user = sign_in(app.station, username, pin)
            app.queue.open_counter(counter, user.username, **app.at_now())
        except StationError as exc:  # a refused PIN or counter, database trouble
            self._to_ui(self._failed, str(exc))
            return
        except Exception as exc:  # shown to the operator, the app stays up
            self._to_ui(self._failed, f"Gagal masuk: {exc}")
            return
        self._to_ui(app.signed_in, user, counter)
