"""The satisfaction survey (SKM) at the kiosk: ticket number, nine questions, thank you.

Big and plain, by touch alone or by keys. The ticket number is offered: today's finished,
not yet rated tickets, the most recently finished first, as buttons (typing it stays
possible). One question at a time, its four answers as buttons in the question's own words
(PermenPAN-RB 14/2017, ``station.reports.skm.ANSWER_LABELS``), or the keys 1-4; Esc leaves.
The ticket is checked before the questions (so nobody answers nine questions to be refused),
and the answers are stored in one transaction by ``station.reports.skm.save_response`` in a
thread worker. Needs only a ``Station``; the kiosk app pushes it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, ProgressBar, Static

from station.reports.skm import (
    ELEMENTS,
    QUESTIONS,
    SurveyError,
    answer_labels,
    rateable_number,
    recent_unrated,
    save_response,
)
from station.screens.base import StationScreen, markup, plain
from station.screens.kiosk.host import KioskHost

if TYPE_CHECKING:
    from station.home.context import Station

THANKS = "Terima kasih atas penilaian Anda.\nMasukan Anda membantu kami melayani lebih baik."
OFFERED = 8  # ticket numbers offered as buttons
PICK = "Sentuh nomor antrean Anda (lihat karcis):"
NOTHING_TO_PICK = "Belum ada layanan yang selesai hari ini tanpa survei."
TYPE_IT = "Nomor Anda tidak ada? Ketik nomornya lalu tekan Enter:"


class SurveyScreen(StationScreen[KioskHost], Screen[None]):
    """Push it; it dismisses itself after the thank-you (or on Esc)."""

    DEFAULT_CSS = """
    SurveyScreen { align: center middle; }
    SurveyScreen #survey { width: 90%; max-width: 100; height: auto; padding: 0 1;
        border: heavy $accent; }
    SurveyScreen .title { text-style: bold; content-align: center middle; width: 100%; }
    SurveyScreen #question { text-style: bold; margin: 1 0 0 0; width: 100%; }
    SurveyScreen #numbers { grid-size: 4; grid-gutter: 0 1; height: auto; margin: 1 0 0 0; }
    SurveyScreen #numbers Button { width: 100%; height: 3; }
    SurveyScreen #answers { grid-size: 2; grid-gutter: 0 1; height: auto; margin: 1 0 0 0; }
    SurveyScreen #answers Button { width: 100%; height: 3; text-style: bold; }
    SurveyScreen #type-hint { margin: 1 0 0 0; width: 100%; }
    SurveyScreen #message { color: $warning; width: 100%; height: auto; }
    SurveyScreen #number { width: 30; }
    SurveyScreen #leave { width: 100%; height: 3; margin: 1 0 0 0; }
    SurveyScreen ProgressBar { margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(i), f"answer({i})", show=False) for i in range(1, 5)),
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
            yield Static(PICK, id="question")
            yield Grid(id="numbers")
            yield Static(TYPE_IT, id="type-hint")
            yield Input(placeholder="mis. A-012", id="number", max_length=8)
            with Grid(id="answers"):
                for score in range(1, 5):
                    yield Button("", id=f"answer-{score}", classes="answer")
            yield ProgressBar(total=len(QUESTIONS), show_eta=False, id="progress")
            yield Static("", id="message")
            yield Button("Esc   Keluar dari survei", id="leave")

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#answers", Grid).display = False
        self.query_one("#number", Input).focus()
        self.load_offered()

    @work(thread=True, exclusive=True, group="survey-offered", exit_on_error=False)
    def load_offered(self) -> None:
        try:
            numbers = recent_unrated(self.station, today=self._today(), limit=OFFERED)
        except Exception:  # typing the number still works
            numbers = []
        self._to_ui(self._show_offered, numbers)

    def _show_offered(self, numbers: list[str]) -> None:
        if self.phase != "number":
            return
        grid = self.query_one("#numbers", Grid)
        grid.remove_children()
        grid.mount_all(
            Button(n, id=f"ticket-{n}", classes="ticket", variant="primary") for n in numbers
        )
        grid.display = bool(numbers)
        self.query_one("#question", Static).update(PICK if numbers else NOTHING_TO_PICK)

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

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button_id = event.button.id or ""
        if button_id.startswith("ticket-") and self.phase == "number":
            self._message("Memeriksa…")
            self.check_number(button_id.removeprefix("ticket-"))
        elif button_id.startswith("answer-"):
            self.action_answer(int(button_id.removeprefix("answer-")))
        elif button_id == "leave":
            self.action_leave()

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
        self.query_one("#numbers", Grid).display = False
        self.query_one("#type-hint", Static).display = False
        self.query_one("#answers", Grid).display = True
        self.query_one("#progress", ProgressBar).display = True
        self.set_focus(None)
        self._message("")
        self._show_question()

    def _show_question(self) -> None:
        index = len(self.scores)
        self.query_one("#question", Static).update(
            markup(
                "Nomor $number - pertanyaan $n dari $total · [dim]$element[/]\n$question",
                number=self.number,
                n=index + 1,
                total=len(QUESTIONS),
                element=ELEMENTS[index],
                question=QUESTIONS[index],
            )
        )
        for score, label in answer_labels(index).items():
            self.query_one(f"#answer-{score}", Button).label = f"{score}   {label}"
        self._message("Sentuh jawaban Anda, atau tekan angka 1, 2, 3 atau 4.")
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
        self.query_one("#answers", Grid).display = False
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
        self.query_one("#answers", Grid).display = False
        self.query_one("#leave", Button).display = False
        self._message("")
        self.set_timer(self.thanks_seconds, self._close)

    def _close(self) -> None:
        if self.is_current:
            self.dismiss(None)

    def action_leave(self) -> None:
        if self.phase != "saving":
            self.dismiss(None)
