"""Small modal dialogs of the operator app: a printer fault, a reason to revoke a letter, a
yes/no confirmation.

Keyboard-first: each has one-letter keys as well as buttons, and Escape takes the choice
that changes nothing more.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

RETRY = "retry"
KEEP = "keep"

DIALOG_CSS = """
.dialog {
    width: 64;
    max-width: 90%;
    height: auto;
    border: thick $error;
    background: $surface;
    padding: 1 2;
}
.dialog-title { text-style: bold; }
.dialog-buttons { height: auto; margin-top: 1; }
.dialog-buttons Button { margin-right: 2; }
#revoke-error { color: $error; height: auto; }
PrinterFaultDialog, RevokeReasonDialog { align: center middle; }
"""


class PrinterFaultDialog(ModalScreen[str]):
    """The printer failed: "Coba lagi" (same letter again) or keep it unprinted.

    Dismisses with :data:`RETRY` or :data:`KEEP`; the letter is already issued either way.
    """

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "choose('retry')", "Coba lagi"),
        Binding("s", "choose('keep')", "Simpan"),
        Binding("escape", "choose('keep')", "Tutup", show=False),
    ]

    def __init__(
        self, message: str, *, number: str = "", keep_label: str = "Simpan tanpa cetak"
    ) -> None:
        super().__init__()
        self.message = message
        self.number = number
        self.keep_label = keep_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="fault-dialog"):
            yield Static("Printer bermasalah", classes="dialog-title")
            yield Static(Text(self.message), id="fault-message")  # a device's words, never markup
            if self.number:
                yield Static(
                    f"Surat nomor {self.number} sudah diterbitkan dan tersimpan; "
                    "mencetak ulang memakai nomor yang sama.",
                    id="fault-kept",
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Coba lagi [C]"), variant="primary", id="retry")
                yield Button(Text(f"{self.keep_label} [S]"), id="keep")

    def on_mount(self) -> None:
        self.query_one("#retry", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(RETRY if event.button.id == "retry" else KEEP)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class RevokeReasonDialog(ModalScreen[str | None]):
    """Ask why a letter is revoked; dismisses with the reason, or None on Escape."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Batal")]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="revoke-dialog"):
            yield Static(Text(f"Cabut surat nomor {self.number}"), classes="dialog-title")
            yield Label("Alasan pencabutan")
            yield Input(placeholder="mis. salah data, diganti surat baru", id="reason")
            yield Static("", id="revoke-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cabut", variant="error", id="revoke")
                yield Button(Text("Batal [Esc]"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "revoke":
            self._submit()
        else:
            self.action_cancel()

    def _submit(self) -> None:
        reason = " ".join(self.query_one("#reason", Input).value.split())
        if not reason:
            self.query_one("#revoke-error", Static).update("Alasan pencabutan wajib diisi.")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question before an act that leaves something behind (signing out while a
    ticket is held). Dismisses with True for Y or the first button; N, Escape or the second
    button keep things as they are (False). The safe button has the focus."""

    DEFAULT_CSS = (
        DIALOG_CSS
        + """
    ConfirmDialog { align: center middle; }
    #confirm-dialog { border: thick $warning; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "choose(True)", "Ya", show=False),
        Binding("n", "choose(False)", "Tidak", show=False),
        Binding("escape", "choose(False)", "Batal", show=False),
    ]

    def __init__(self, title: str, message: str, *, yes: str, no: str = "Batal") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.message, id="confirm-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                # Text, not markup: "[Y]" is the key to press, not a style
                yield Button(Text(f"{self.yes} [Y]"), variant="warning", id="confirm-yes")
                yield Button(Text(f"{self.no} [Esc]"), variant="primary", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(event.button.id == "confirm-yes")

    def action_choose(self, choice: bool) -> None:
        self.dismiss(choice)
