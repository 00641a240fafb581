"""A small modal list: pick one option with Up/Down and Enter, Escape to cancel.

Used for the finish outcome, the transfer target and the ticket to take over: every such
choice is a short list, so one widget keeps them alike and keyboard-first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from station.screens.base import plain


class ChoiceDialog(ModalScreen[str | None]):
    """Dismisses with the chosen option's key, or None."""

    DEFAULT_CSS = """
    ChoiceDialog {
        align: center middle;
    }
    ChoiceDialog > Vertical {
        width: 60;
        max-width: 95%;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    ChoiceDialog .dialog-title {
        text-style: bold;
        padding-bottom: 1;
    }
    ChoiceDialog OptionList {
        height: auto;
        max-height: 14;
    }
    ChoiceDialog .dialog-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Batal")]

    def __init__(
        self, title: str, options: Sequence[tuple[str, str]], *, selected: str | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.selected = selected

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.title_text), classes="dialog-title")
            yield OptionList(
                *(Option(plain(label), id=key) for key, label in self.options), id="choices"
            )
            yield Static("↑↓ pilih · Enter setuju · Esc batal", classes="dialog-hint")

    def on_mount(self) -> None:
        choices = self.query_one("#choices", OptionList)
        keys = [key for key, _ in self.options]
        choices.highlighted = keys.index(self.selected) if self.selected in keys else 0
        choices.focus()

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
