"""The satisfaction survey (SKM) at the kiosk: ticket number, nine questions, thank you.

Big and plain: one question at a time, answered with the keys 1-4 (or the number keys of a
keypad); Esc leaves. The ticket is checked before the questions (so nobody answers nine
questions to be refused), and the answers are stored in one transaction by
``station.reports.skm.save_response`` in a thread worker. Needs only a ``Station``; the kiosk
app pushes it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, ProgressBar, Static

from station.reports.skm import (
    ELEMENTS,
    QUESTIONS,
    SCORE_LABELS,
    SurveyError,
    rateable_number,
    save_response,
)
from station.screens.base import StationScreen, markup, plain
from station.screens.kiosk.host import KioskHost

if TYPE_CHECKING:
    from station.home.context import Station

THANKS = "Terima kasih atas penilaian Anda.\nMasukan Anda membantu kami melayani lebih baik."


class SurveyScreen(StationScreen[KioskHost], Screen[None]):
    """Push it; it dismisses itself after the thank-you (or on Esc)."""

    DEFAULT_CSS = """
    SurveyScreen { align: center middle; }
    SurveyScreen #survey { width: 90%; max-width: 100; height: auto; padding: 1 2;
        border: heavy $accent; }
    SurveyScreen .title { text-style: bold; content-align: center middle; width: 100%; }
    SurveyScreen #question { text-style: bold; margin: 1 0; width: 100%; }
    SurveyScreen #choices { margin: 1 0; width: 100%; }
    SurveyScreen #message { color: $warning; margin-top: 1; width: 100%; }
    SurveyScreen #number { width: 30; }
    SurveyScreen ProgressBar { margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "answer(1)", "Tidak baik", show=False),
        Binding("2", "answer(2)", "Kurang baik", show=False),
        Binding("3", "answer(3)", "Baik", show=False),
        Binding("4", "answer(4)", "Sangat baik", show=False),
        Binding("escape", "leave", "Keluar"),
    ]

    def __init__(self, station: Station, *, thanks_seconds: float = 6.0) -> None:
        super().__init__()
        self.station = station
        self.thanks_seconds = thanks_seconds
        self.number: str | None = None
        self.scores: list[int] = []
        self.phase = "number"  # number -> questions -> saving -> thanks

    def compose(self) -> ComposeResult:
        with Vertical(id="survey"):
            yield Static("SURVEI KEPUASAN MASYARAKAT", classes="title")
            yield Static(
                "Ketik nomor antrean Anda (lihat karcis), lalu tekan Enter.", id="question"
            )
            yield Input(placeholder="mis. A-012", id="number", max_length=8)
            yield Static("", id="choices")
            yield ProgressBar(total=len(QUESTIONS), show_eta=False, id="progress")
            yield Static("", id="message")

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#number", Input).focus()

    def _today(self) -> dt.date:
        return self.station.clock.today()

    def _message(self, text: str) -> None:
        self.query_one("#message", Static).update(plain(text))

    # --- ticket number -----------------------------------------------------------------

    @on(Input.Submitted, "#number")
    def submit_number(self, event: Input.Submitted) -> None:
        if self.phase == "number" and event.value.strip():
            self._message("Memeriksa…")
            self.check_number(event.value)

    @work(thread=True, exclusive=True, group="survey")
    def check_number(self, text: str) -> None:
        try:
            number = rateable_number(self.station, text, today=self._today())
        except SurveyError as exc:
            self._to_ui(self._message, str(exc))
            return
        self._to_ui(self._start_questions, number)

    def _start_questions(self, number: str) -> None:
        self.number = number
        self.scores = []
        self.phase = "questions"
        number_input = self.query_one("#number", Input)
        number_input.display = False
        number_input.disabled = True
        self.query_one("#progress", ProgressBar).display = True
        self.set_focus(None)
        self._message("")
        self._show_question()

    def _show_question(self) -> None:
        index = len(self.scores)
        self.query_one("#question", Static).update(
            markup(
                "Nomor $number - pertanyaan $n dari $total\n[dim]$element[/]\n\n$question",
                number=self.number,
                n=index + 1,
                total=len(QUESTIONS),
                element=ELEMENTS[index],
                question=QUESTIONS[index],
            )
        )
        choices = "\n".join(f"  [b]{k}[/b]  {label}" for k, label in SCORE_LABELS.items())
        self.query_one("#choices", Static).update(choices + "\n\nTekan angka 1, 2, 3 atau 4.")
        self.query_one("#progress", ProgressBar).update(progress=index)

    # --- answers -----------------------------------------------------------------------

    def action_answer(self, score: int) -> None:
        if self.phase != "questions":
            return
        self.scores.append(score)
        if len(self.scores) < len(QUESTIONS):
            self._show_question()
            return
        self.phase = "saving"
        self.query_one("#progress", ProgressBar).update(progress=len(QUESTIONS))
        self._message("Menyimpan…")
        self.save(self.number or "", list(self.scores))

    @work(thread=True, exclusive=True, group="survey")
    def save(self, number: str, scores: list[int]) -> None:
        try:
            save_response(self.station, number, scores, today=self._today())
        except SurveyError as exc:
            self._to_ui(self._message, str(exc))
            self._to_ui(self.set_timer, self.thanks_seconds, self._close)
            return
        self._to_ui(self._thanks)

    def _thanks(self) -> None:
        self.phase = "thanks"
        self.query_one("#question", Static).update(THANKS)
        self.query_one("#choices", Static).update("")
        self._message("")
        self.set_timer(self.thanks_seconds, self._close)

    def _close(self) -> None:
        if self.is_current:
            self.dismiss(None)

    def action_leave(self) -> None:
        if self.phase != "saving":
            self.dismiss(None)
