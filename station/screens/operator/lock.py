"""The idle lock: after the configured idle minutes the station hides behind a PIN prompt.

The screens underneath stay as they were (a half-filled letter form is not lost). Only the
signed-in operator's PIN unlocks; wrong PINs count towards the same lockout as the login
(``operator_session.sign_in``). F10 signs out instead, closing the counter, so the colleague
can sign in at this PC.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from station.office.sign_in import LoginError, sign_in
from station.screens.base import StationScreen, markup, plain
from station.screens.operator.host import OperatorHost


class LockScreen(StationScreen[OperatorHost], ModalScreen[None]):
    DEFAULT_CSS = """
    LockScreen {
        align: center middle;
        background: $background 90%;
    }
    LockScreen > Vertical {
        width: 56;
        max-width: 95%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    LockScreen #lock-message.error {
        color: $error;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f10", "sign_out", "Keluar")]

    def compose(self) -> ComposeResult:
        user = self.station_app.user
        name = user.display_name if user else ""
        with Vertical():
            yield Static(f"[b]Layar terkunci[/b] — Loket {self.station_app.counter}")
            yield Static(markup("$name, masukkan PIN untuk melanjutkan.", name=name))
            yield Input(placeholder="PIN", password=True, id="lock-pin")
            yield Static("F10: keluar dan tutup loket", id="lock-message")

    def on_mount(self) -> None:
        self.query_one("#lock-pin", Input).focus()

    @on(Input.Submitted, "#lock-pin")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value:
            self.check(event.value)

    def action_sign_out(self) -> None:
        self.station_app.sign_out()

    def _failed(self, text: str) -> None:
        message = self.query_one("#lock-message", Static)
        message.update(plain(text))
        message.add_class("error")
        pin = self.query_one("#lock-pin", Input)
        pin.value = ""
        pin.focus()

    def _unlocked(self) -> None:
        self.station_app.unlocked()

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def check(self, pin: str) -> None:
        app = self.station_app
        user = app.user
        if user is None:
            return
        try:
            sign_in(app.station, user.username, pin)
        except LoginError as exc:
            if exc.code == "locked":  # the account is now locked: nobody unlocks this screen
                self._to_ui(app.sign_out, str(exc))
                return
            self._to_ui(self._failed, str(exc))
            return
        except Exception as exc:
            self._to_ui(self._failed, f"Gagal memeriksa PIN: {exc}")
            return
        self._to_ui(self._unlocked)
