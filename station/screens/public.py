"""Apps the public uses (the kiosk, the board): nothing a resident presses leaves them.

Textual binds Ctrl+Q to quit and Ctrl+C to a quit hint; on a kiosk that is a shell running as
the owner of the station home, where ``station residents show`` prints anyone. Here every quit
key does nothing, and the one way out is a hidden key (Ctrl+X) that asks an admin's username
and PIN, checked like a sign-in (lockout included, audited). Run the apps as a user without a
shell, restarted by systemd (docs/deploy.md §10), so even a crash leaves no prompt.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from station.office.sign_in import admin_exit
from station.screens.base import to_ui
from station.store.errors import StationError

EXIT_KEY = "ctrl+x"


class PublicApp(App[None]):
    """The base of the kiosk and the board (``class KioskApp(PublicApp)``); a subclass sets
    ``station`` (the open Station)."""

    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "stay", show=False, priority=True),
        Binding("ctrl+c", "stay", show=False, priority=True),
        Binding("ctrl+p", "stay", show=False, priority=True),
        Binding(EXIT_KEY, "admin_exit", show=False, priority=True),
    ]

    def action_stay(self) -> None:
        """A quit key on a public screen: nothing happens."""

    async def action_quit(self) -> None:
        """Textual's own quit (any binding that reaches it) is refused too."""

    def action_admin_exit(self) -> None:
        if isinstance(self.screen, AdminExitScreen):
            return
        self.push_screen(AdminExitScreen())


class AdminExitScreen(ModalScreen[None]):
    """Username and PIN of an admin; anything else goes back to the public screen."""

    DEFAULT_CSS = """
    AdminExitScreen { align: center middle; }
    AdminExitScreen > Vertical {
        width: 48; height: auto; padding: 1 2; border: heavy $error; background: $surface;
    }
    AdminExitScreen Input { width: 100%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", show=False)]
    AUTO_FOCUS = "#exit-user"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Keluar dari aplikasi (khusus admin)")
            yield Input(placeholder="Nama pengguna admin", id="exit-user")
            yield Input(placeholder="PIN", password=True, id="exit-pin")
            yield Static("Esc: kembali", id="exit-message")

    @on(Input.Submitted, "#exit-user")
    def _to_pin(self) -> None:
        self.query_one("#exit-pin", Input).focus()

    @on(Input.Submitted, "#exit-pin")
    def _submitted(self) -> None:
        user = self.query_one("#exit-user", Input).value
        pin = self.query_one("#exit-pin", Input).value
        self.query_one("#exit-pin", Input).value = ""
        self._check(user, pin)

    @work(thread=True, exclusive=True, group="admin-exit", exit_on_error=False)
    def _check(self, user: str, pin: str) -> None:
        app: Any = self.app
        try:
            admin_exit(app.station, user, pin, channel=type(app).__name__)
        except StationError as exc:
            to_ui(self.app, self._refused, str(exc))
            return
        to_ui(self.app, self.app.exit)

    def _refused(self, message: str) -> None:
        self.query_one("#exit-message", Static).update(Text(message))  # text, never markup
        self.query_one("#exit-user", Input).focus()

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
