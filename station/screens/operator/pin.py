"""The PIN mandiri at the counter: set (or reset) from the resident card, after the operator
has seen the KTP (issue "Service Box"; ``station.register.pins``).

The resident types the PIN twice on the counter's keyboard (or tells it quietly); the screen
shows dots only. Setting it is ``set_pin`` in a write transaction, audited without the PIN.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from station.register.pins import PIN_LENGTH, PinError, set_pin_at_counter
from station.screens.base import StationScreen, plain
from station.screens.operator.host import OperatorHost


class PinScreen(StationScreen[OperatorHost], ModalScreen[bool]):
    """Two password fields; Enter moves on and then sets; Esc cancels. Dismisses True when
    the PIN was set."""

    DEFAULT_CSS = """
    PinScreen { align: center middle; }
    PinScreen > Vertical {
        width: 60; height: auto; padding: 1 2; border: heavy $accent; background: $surface;
    }
    PinScreen Input { width: 100%; }
    #pin-message { color: $warning; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Batal")]
    AUTO_FOCUS = "#pin-first"

    def __init__(self, nik: str, name: str, *, replace: bool) -> None:
        super().__init__()
        self.nik = nik
        self.name_shown = name
        self.replace = replace

    def compose(self) -> ComposeResult:
        what = "Ganti" if self.replace else "Pasang"
        with Vertical():
            yield Static(plain(f"{what} PIN mandiri untuk {self.name_shown}"))
            yield Static(
                "Pastikan KTP-el sudah dilihat. Penduduk mengetik 6 angka (bukan tanggal lahir, "
                "bukan angka berurutan). PIN ini untuk Layanan Mandiri (mesin surat 24 jam)."
            )
            yield Input(
                placeholder="PIN 6 angka", password=True, restrict=r"[0-9]*",
                max_length=PIN_LENGTH, id="pin-first",
            )  # fmt: skip
            yield Input(
                placeholder="Ulangi PIN", password=True, restrict=r"[0-9]*",
                max_length=PIN_LENGTH, id="pin-again",
            )  # fmt: skip
            yield Static("Enter: lanjut · Esc: batal", id="pin-message")

    @on(Input.Submitted, "#pin-first")
    def _first(self) -> None:
        self.query_one("#pin-again", Input).focus()

    @on(Input.Submitted, "#pin-again")
    def _again(self) -> None:
        first = self.query_one("#pin-first", Input)
        again = self.query_one("#pin-again", Input)
        pin, repeat = first.value, again.value
        if pin != repeat:
            first.value = again.value = ""
            first.focus()
            self._say("Kedua PIN tidak sama. Ketik lagi.")
            return
        self.save(pin)

    def _say(self, text: str) -> None:
        self.query_one("#pin-message", Static).update(plain(text))

    def _refused(self, text: str) -> None:
        first = self.query_one("#pin-first", Input)
        first.value = self.query_one("#pin-again", Input).value = ""
        first.focus()
        self._say(text)

    @work(thread=True, exclusive=True, group="pin", exit_on_error=False)
    def save(self, pin: str) -> None:
        app = self.station_app
        operator = app.user.username if app.user else "-"
        try:
            set_pin_at_counter(app.station, self.nik, pin, operator=operator, replace=self.replace)
        except PinError as exc:
            self._to_ui(self._refused, str(exc))
            return
        except Exception as exc:
            self._to_ui(self._refused, f"PIN gagal disimpan: {exc}")
            return
        self._to_ui(self.app.notify, "PIN mandiri tersimpan. Layanan Mandiri siap dipakai.")
        self._to_ui(self.dismiss, True)

    def action_cancel(self) -> None:
        self.dismiss(False)
