"""The kiosk's screens: the idle/choice screen, the priority chooser, and the issued number.

Plain and big for residents who read little: one button per active service with its digit.
A digit issues the ticket at once (one key); a touch or click on a button does too, and Enter
presses the focused button (arrow keys move between them). P (or its button) first asks the
priority reason; S (or its button) opens the satisfaction survey. Every screen works by touch
alone and by keys, at 80x24 and larger: on a short terminal the app takes the ``compact``
class (smaller buttons, a one-line help), and when the services do not all fit, they scroll
with a visible line saying how many more are below.

Thin: issuing and printing are ``KioskApp`` calls run in a thread worker.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Digits, Static

from station.letters.formats import format_date_id
from station.office.opening_hours import DAY_LABELS
from station.screens.base import StationScreen, plain
from station.screens.kiosk.host import KioskHost

if TYPE_CHECKING:
    from station.printing import PrinterFault
    from station.queue.facade import IssuedTicket

# The kiosk offers the three reasons the issue names; "lainnya" stays for the counter staff.
KIOSK_PRIORITY = (
    ("lansia", "Lansia (60 tahun ke atas)"),
    ("disabilitas", "Penyandang disabilitas"),
    ("ibu_hamil", "Ibu hamil"),
)
PRIORITY_LABELS = dict(KIOSK_PRIORITY)
MAX_SERVICES = 9
HOW_TO = (
    "Tekan angka layanan, atau sentuh tombolnya, untuk mengambil nomor antrean.\n"
    "Lansia, penyandang disabilitas, ibu hamil: sentuh Antrean prioritas (P) dahulu.\n"
    "Sudah dilayani? Sentuh Survei kepuasan (S) untuk menilai layanan kami."
)
HOW_TO_SHORT = "Sentuh layanan atau tekan angkanya untuk mengambil nomor antrean."
PRIORITY_BUTTON = "P   Antrean prioritas"
PRIORITY_CANCEL_BUTTON = "P   Batalkan prioritas"
SURVEY_BUTTON = "S   Survei kepuasan"
# Below this many rows the kiosk's screens take the compact layout (docs/architecture.md:
# every public screen is usable at 80x24).
COMPACT_BELOW_ROWS = 32


def set_compact(app: Any, rows: int) -> None:
    """The ``compact`` class on the app for a short terminal; the kiosk's CSS reads it."""
    app.set_class(rows < COMPACT_BELOW_ROWS, "compact")


class KioskScreen(StationScreen[KioskHost], Screen[None]):
    """The idle screen is also the choice screen: taking a ticket never needs a key to wake."""

    CSS_PATH = "kiosk.tcss"
    AUTO_FOCUS = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(i), f"choose({i})", show=False) for i in range(1, MAX_SERVICES + 1)),
        Binding("p,P", "priority", show=False),
        Binding("s,S", "survey", show=False),
        Binding("escape", "clear_priority", show=False),
        Binding("up", "app.focus_previous", show=False),
        Binding("down", "app.focus_next", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.services: list[dict[str, Any]] = []
        self.priority: str | None = None
        self.busy = False  # a ticket is being issued or shown: further keys are ignored
        self.open_now: bool | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="kiosk-head"):
            yield Static("", id="kiosk-office")
            yield Static("", id="kiosk-clock")
        yield Static("", id="kiosk-hours")
        yield Static(HOW_TO, id="kiosk-help")
        yield Static(HOW_TO_SHORT, id="kiosk-help-short")
        yield Static("", id="kiosk-priority")
        yield Static("", id="kiosk-closed")
        with Horizontal(id="kiosk-actions"):
            yield Button(PRIORITY_BUTTON, id="priority-button", classes="action")
            yield Button(SURVEY_BUTTON, id="survey-button", classes="action")
        yield VerticalScroll(id="services")
        yield Static("", id="services-more")

    def on_mount(self) -> None:
        app = self.station_app
        self.query_one("#kiosk-office", Static).update(
            plain(f"KANTOR KELURAHAN {app.station.config.office.name.upper()}")
        )
        hours = " · ".join(app.hours.describe())
        self.query_one("#kiosk-hours", Static).update(f"Jam layanan: {hours}")
        set_compact(self.app, self.size.height or self.app.size.height)
        self.show_priority()
        self.tick()
        self.set_interval(1.0, self.tick)
        self.set_interval(app.refresh_seconds, self.load_services)
        self.watch(self.query_one("#services", VerticalScroll), "scroll_y", self._show_more)
        self.load_services()

    def on_resize(self, event: events.Resize) -> None:
        set_compact(self.app, event.size.height)
        self.call_after_refresh(self._show_more)

    def _show_more(self, _: object = None) -> None:
        """A visible line when services are below the fold: how many, and how to reach them."""
        if not self.is_attached:
            return
        box = self.query_one("#services", VerticalScroll)
        more = self.query_one("#services-more", Static)
        top = box.scroll_y
        bottom = top + box.scrollable_content_region.height
        regions = [b.virtual_region for b in box.query(Button)]
        below = sum(1 for r in regions if r.bottom > bottom)
        above = sum(1 for r in regions if r.y < top)
        notes = []
        if below:
            notes.append(f"▼ Masih ada {below} layanan lagi di bawah — geser daftar atau tekan ↓")
        if above:
            notes.append(f"▲ {above} layanan di atas")
        more.update("   ".join(notes))
        more.display = bool(notes)

    def action_survey(self) -> None:
        """S: a resident already served rates the service (SKM) with their ticket number."""
        if self.busy:
            return
        from station.screens.kiosk.survey import SurveyScreen

        self.app.push_screen(SurveyScreen(self.station_app.station))

    # --- display (UI thread) -------------------------------------------------------------

    def tick(self) -> None:
        app = self.station_app
        now = app.now()
        self.query_one("#kiosk-clock", Static).update(
            f"{DAY_LABELS[now.weekday()]}, {format_date_id(now.date())}  {now:%H.%M}"
        )
        is_open = app.is_open()
        if is_open == self.open_now:
            return
        self.open_now = is_open
        self.set_class(not is_open, "closed")
        closed = self.query_one("#kiosk-closed", Static)
        if is_open:
            closed.update("")
            return
        following = app.hours.next_opening(now)
        when = (
            f" Buka kembali {DAY_LABELS[following.weekday()]} pukul {following:%H.%M}."
            if following
            else ""
        )
        closed.update(f"LAYANAN SEDANG TUTUP.{when}\nNomor antrean tidak dapat diambil sekarang.")

    def show_priority(self) -> None:
        label = self.query_one("#kiosk-priority", Static)
        button = self.query_one("#priority-button", Button)
        if self.priority is None:
            label.update("")
            button.label = PRIORITY_BUTTON
            self.remove_class("priority")
            return
        button.label = PRIORITY_CANCEL_BUTTON
        label.update(
            f"ANTREAN PRIORITAS: {PRIORITY_LABELS[self.priority]}. "
            "Sekarang pilih layanan (Esc: batal)."
        )
        self.add_class("priority")

    def show_services(self, services: list[dict[str, Any]]) -> None:
        if not self.is_attached:
            return
        active = [s for s in services if s["active"]][:MAX_SERVICES]
        box = self.query_one("#services", VerticalScroll)
        prefixes = [s["prefix"] for s in active]
        if prefixes != [s["prefix"] for s in self.services]:
            box.remove_children()
            box.mount_all(
                Button(self._label(i, s), id=f"service-{s['prefix']}", classes="service")
                for i, s in enumerate(active, start=1)
            )
        else:
            for i, s in enumerate(active, start=1):
                with contextlib.suppress(Exception):
                    box.query_one(f"#service-{s['prefix']}", Button).label = self._label(i, s)
        self.services = active
        self.call_after_refresh(self._show_more)

    @staticmethod
    def _label(index: int, service: dict[str, Any]) -> str:
        return (
            f"{index}   {service['prefix']} · {service['name']}   ({service['waiting']} menunggu)"
        )

    # --- actions (UI thread) -------------------------------------------------------------

    def action_choose(self, index: int) -> None:
        if 1 <= index <= len(self.services):
            self.take(self.services[index - 1]["prefix"])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("service-"):
            self.take(button_id.removeprefix("service-"))
        elif button_id == "priority-button":
            if self.priority is None:
                self.action_priority()
            else:  # a second touch takes the priority back, as Esc does
                self.action_clear_priority()
        elif button_id == "survey-button":
            self.action_survey()

    def action_priority(self) -> None:
        if self.busy or not self.station_app.is_open():
            return
        self.app.push_screen(PriorityScreen(), self._priority_chosen)

    def _priority_chosen(self, reason: str | None) -> None:
        self.priority = reason
        self.show_priority()

    def action_clear_priority(self) -> None:
        self.priority = None
        self.show_priority()

    def take(self, prefix: str) -> None:
        if self.busy:
            return
        if not self.station_app.is_open():
            self.app.notify("Layanan sedang tutup; nomor antrean tidak dapat diambil.")
            return
        self.busy = True
        self.issue_ticket(prefix, self.priority)

    def ticket_shown(self, _: None = None) -> None:
        """The number screen has closed: ready for the next resident."""
        self.busy = False
        self.priority = None
        self.show_priority()
        self.load_services()

    def issue_failed(self, message: str) -> None:
        self.busy = False
        self.app.notify(message, severity="error", timeout=8)

    # --- workers (threads: database, printer) --------------------------------------------

    @work(thread=True, exclusive=True, group="services", exit_on_error=False)
    def load_services(self) -> None:
        try:
            services = self.station_app.queue.status(now=self.station_app.now()).services
        except Exception:  # shown as it was; the next refresh tries again
            return
        self._to_ui(self.show_services, services)

    @work(thread=True, group="issue", exit_on_error=False)
    def issue_ticket(self, prefix: str, priority: str | None) -> None:
        from station.store.errors import StationError

        app = self.station_app
        try:
            issued = app.issue(prefix, priority)
        except StationError as exc:
            self._to_ui(self.issue_failed, str(exc))
            return
        except Exception as exc:
            self._to_ui(self.issue_failed, f"Nomor antrean gagal diambil: {exc}")
            return
        screen = TicketScreen(issued)
        self._to_ui(self.app.push_screen, screen, self.ticket_shown)
        fault = app.print_issued(issued)
        self._to_ui(screen.printed, fault)


class PriorityScreen(ModalScreen[str | None]):
    """Which priority: a digit or a touch; Esc goes back without priority."""

    CSS_PATH = "kiosk.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(i), f"pick({i})", show=False) for i in range(1, len(KIOSK_PRIORITY) + 1)),
        Binding("escape", "cancel", show=False),
        Binding("p,P", "cancel", show=False),
        Binding("up", "app.focus_previous", show=False),
        Binding("down", "app.focus_next", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="priority-box"):
            yield Static("Antrean prioritas untuk:", id="priority-title")
            for i, (code, label) in enumerate(KIOSK_PRIORITY, start=1):
                yield Button(f"{i}   {label}", id=f"reason-{code}", classes="service")
            yield Button("Esc   Batal", id="reason-cancel", classes="cancel")

    def action_pick(self, index: int) -> None:
        self.dismiss(KIOSK_PRIORITY[index - 1][0])

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        code = (event.button.id or "").removeprefix("reason-")
        self.dismiss(code if code in PRIORITY_LABELS else None)


class TicketScreen(StationScreen[KioskHost], ModalScreen[None]):
    """The number, very large, while the ticket prints; then a few seconds to read it.
    After a printer fault it stays longer and asks the resident to show it at the counter."""

    CSS_PATH = "kiosk.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", show=False),
        Binding("escape", "done", show=False),
    ]

    def __init__(self, issued: IssuedTicket) -> None:
        super().__init__()
        self.issued = issued
        self.fault: PrinterFault | None = None
        self.print_done = False
        self._mounted = False

    def compose(self) -> ComposeResult:
        t = self.issued.ticket
        with Vertical(id="ticket-box"):
            yield Static("NOMOR ANTREAN ANDA", id="ticket-title")
            yield Digits(t.number, id="ticket-number")
            yield Static(f"{t.service} · {t.service_name}", id="ticket-service")
            if t.priority:
                label = PRIORITY_LABELS.get(t.priority_reason or "", t.priority_reason)
                yield Static(f"ANTREAN PRIORITAS: {label}", id="ticket-priority")
            yield Static(
                f"Di depan Anda: {self.issued.ahead} orang · perkiraan menunggu "
                f"{self.issued.estimated_wait_min} menit",
                id="ticket-wait",
            )
            if self.issued.documents:
                docs = "\n".join(f"• {d}" for d in self.issued.documents)
                yield Static(f"Siapkan:\n{docs}", id="ticket-documents")
            yield Static("Tiket sedang dicetak…", id="ticket-print")

    def on_mount(self) -> None:
        self._mounted = True
        if self.print_done:  # printing finished before the screen was up
            self._show_print_result()

    def printed(self, fault: PrinterFault | None) -> None:
        """Printing finished (UI thread): say so, then close after the configured time."""
        self.fault = fault
        self.print_done = True
        if self._mounted:
            self._show_print_result()

    def _show_print_result(self) -> None:
        config = self.station_app.station.config.kiosk
        status = self.query_one("#ticket-print", Static)
        if self.fault is None:
            status.update("Silakan ambil tiket Anda di bawah layar.")
            seconds = config.show_seconds
        else:
            self.add_class("fault")
            status.update(
                f"Tiket tidak dapat dicetak: {self.fault.message}\n"
                "TUNJUKKAN NOMOR INI DI LOKET. Catat atau foto nomor Anda."
            )
            seconds = config.fault_show_seconds
        self.set_timer(seconds, self.action_done)

    def action_done(self) -> None:
        if self.print_done and self.is_current:
            self.dismiss(None)
