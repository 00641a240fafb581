"""Today at this office: the letters issued (reprint; revoke for admins) and tickets served.

Thin: the tables come from ``station.letters.desk.today_view`` in a thread worker (on open,
after each act, on F5 and every few seconds); a reprint is the same number and seal through
the app's print spooler (``station.printing.print_and_record``), counted once it reached the
printer: the original while no print of it ever reached paper (a printer fault when it was
issued), ``SALINAN n`` after that. Revoking asks for a reason and is audited by
``station.letters.store.revoke_letter``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Label, Static

from station.letters import desk as letter_desk
from station.letters.store import STATUS_REVOKED, LetterSettings
from station.printing import PrinterFault, print_and_record, print_pdf_and_record
from station.printing.spooler import PrintSpooler, app_spooler
from station.screens.base import StationScreen
from station.screens.dialogs import RETRY, PrinterFaultDialog, RevokeReasonDialog
from station.screens.on_top import WaitsOnTop
from station.screens.operator.host import OperatorHost
from station.store.errors import StationError

if TYPE_CHECKING:
    import datetime as dt

    from textual.notifications import SeverityLevel

    from station.letters import Document
    from station.letters.desk import ServedTicket, TodayLetter

STATUS_TEXT = {"issued": "terbit", STATUS_REVOKED: "DICABUT"}
AUTO_REFRESH_SECONDS = 5.0


class TodayScreen(StationScreen[OperatorHost], WaitsOnTop[None]):
    CSS_PATH = "today.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Tutup"),
        Binding("p", "reprint", "Cetak ulang"),
        Binding("f", "reprint_pdf", "Cetak F4/A4"),
        Binding("c", "revoke", "Cabut"),
        Binding("f5", "reload", "Segarkan"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.letters: list[TodayLetter] = []
        self.tickets: list[ServedTicket] = []
        self.busy = False
        self.spooler: PrintSpooler | None = None

    @property
    def is_admin(self) -> bool:
        user = self.station_app.user
        return user is not None and user.role == "admin"

    def compose(self) -> ComposeResult:
        yield Static("Hari ini", id="today-header")
        yield Label("Surat hari ini", classes="table-title")
        yield DataTable(id="letters", cursor_type="row", zebra_stripes=True)
        yield Label("Tiket terlayani hari ini", classes="table-title")
        yield DataTable(id="tickets", cursor_type="row", zebra_stripes=True)
        yield Static("", id="today-message")
        yield Footer()

    def on_mount(self) -> None:
        self.spooler = app_spooler(self.app)
        letters = self.query_one("#letters", DataTable)
        # Status next to the number: a revoked letter must read as such on any terminal width
        # (the long number and name pushed it off the right edge below 110 columns).
        letters.add_columns("Nomor", "Status", "Jenis", "Nama", "NIK", "Petugas", "Jam", "Cetak")
        tickets = self.query_one("#tickets", DataTable)
        tickets.add_columns("Tiket", "Layanan", "Petugas", "Hasil", "Surat")
        letters.focus()
        self.set_interval(AUTO_REFRESH_SECONDS, self.action_reload)
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "revoke":
            return self.is_admin  # not offered to operators at all
        return True

    # --- reading ----------------------------------------------------------------------------

    def _message(self, text: str) -> None:
        self.query_one("#today-message", Static).update(Text(text))

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="today-load", exit_on_error=False)
    def load(self) -> None:
        try:
            letters, tickets = letter_desk.today_view(self.station_app.station, day=self._today())
        except Exception as exc:  # the next refresh tries again
            self._to_ui(self._message, f"Gagal membaca data hari ini: {exc}")
            return
        self._to_ui(self.show, letters, tickets)

    def _today(self) -> dt.date:
        return self.station_app.today()

    def show(self, letters: list[TodayLetter], tickets: list[ServedTicket]) -> None:
        if not self.is_attached:
            return
        self.letters, self.tickets = letters, tickets
        day = self._today()
        header = f"Hari ini, {day:%d-%m-%Y}: {len(letters)} surat, "
        served_count = letter_desk.served_count(tickets)
        header += f"{served_count} tiket terlayani"
        if len(tickets) > served_count:
            header += f", {len(tickets) - served_count} tidak hadir"
        self.query_one("#today-header", Static).update(header)
        table = self.query_one("#letters", DataTable)
        keep = table.cursor_row
        table.clear()
        for item in letters:
            status = STATUS_TEXT.get(item.status, item.status)
            table.add_row(
                item.number,
                Text(status, style="bold red" if item.status == STATUS_REVOKED else ""),
                item.type_code,
                Text(item.name),
                item.nik_masked,
                Text(item.operator),
                f"{item.issued_at:%H:%M}",
                str(item.print_count),
                key=item.number,
            )
        if letters:
            table.move_cursor(row=min(keep, len(letters) - 1))
        served = self.query_one("#tickets", DataTable)
        keep_ticket = served.cursor_row
        served.clear()
        for ticket in tickets:
            served.add_row(
                ticket.number,
                Text(ticket.service),
                Text(ticket.operator),
                Text(ticket.outcome),
                ", ".join(ticket.letters) or "-",
            )
        if tickets:
            served.move_cursor(row=min(keep_ticket, len(tickets) - 1))

    def selected(self) -> TodayLetter | None:
        table = self.query_one("#letters", DataTable)
        if not self.letters or not 0 <= table.cursor_row < len(self.letters):
            self._notify("Belum ada surat hari ini.", "warning")
            return None
        return self.letters[table.cursor_row]

    # --- reprint ----------------------------------------------------------------------------

    def action_reprint(self, paper: str = "receipt") -> None:
        letter = self.selected()
        if letter is None or self.busy:
            return
        if letter.status == STATUS_REVOKED:
            self._notify(f"Surat {letter.number} sudah dicabut; tidak dapat dicetak ulang.")
            return
        self.busy = True
        what = "Mencetak ulang" if paper == "receipt" else "Membuat PDF"
        self._message(f"{what} {letter.number}…")
        self.reprint(letter.number, paper)

    def action_reprint_pdf(self) -> None:
        """The selected letter on F4/A4 (the type's paper, F4 otherwise) as a PDF for the
        office printer: same number and seal, SALINAN n once a print of it reached paper."""
        self.action_reprint("pdf")

    @work(thread=True, group="today-print", exit_on_error=False)
    def reprint(self, number: str, paper: str = "receipt") -> None:
        app = self.station_app
        station = app.station
        operator = app.user.username if app.user else "-"
        try:
            number, doc = letter_desk.reprint_document(station, number, operator=operator)
            if paper == "pdf":
                settings = LetterSettings.from_config(station.config)
                paper = letter_desk.pdf_paper(settings, doc.type_code)
        except StationError as exc:
            self._to_ui(self._done, str(exc), "warning")
            return
        except Exception as exc:
            self._to_ui(self._done, f"Gagal: {exc}", "error")
            return
        self._print(number, doc, paper)

    @work(thread=True, group="today-print", exit_on_error=False)
    def print_again(self, number: str, doc: Document, paper: str = "receipt") -> None:
        self._print(number, doc, paper)

    def _print(self, number: str, doc: Document, paper: str = "receipt") -> None:  # worker
        app = self.station_app
        station = app.station
        operator = app.user.username if app.user else "-"

        def record() -> int:
            return letter_desk.record_letter_print(station, number, operator=operator)

        if paper == "receipt":
            outcome = print_and_record(doc, station.config.printer, record, spooler=self.spooler)
        else:
            outcome = print_pdf_and_record(doc, station.config, record, paper=paper)
        where = f" PDF {outcome.delivery.message}" if outcome.delivery is not None else ""
        if outcome.fault is not None:
            self._to_ui(self.print_failed, number, doc, outcome.fault, paper)
        elif outcome.not_recorded is not None:
            message = f"Tercetak, tetapi gagal dicatat: {outcome.not_recorded}"
            self._to_ui(self._done, message, "warning")
        elif doc.copy_marker:
            self._to_ui(self._done, f"Surat {number} dicetak ulang ({doc.copy_marker}).{where}")
        else:  # no print of it had reached paper: this one is the original
            self._to_ui(self._done, f"Surat {number} dicetak (asli).{where}")

    def print_failed(
        self, number: str, doc: Document, fault: PrinterFault, paper: str = "receipt"
    ) -> None:
        if not self.on_top:  # behind the idle lock: ask once the screen is back
            self.when_on_top(lambda: self.print_failed(number, doc, fault, paper))
            return

        def chosen(choice: str | None) -> None:
            if choice == RETRY:
                self.print_again(number, doc, paper)
            else:
                self._done(f"Surat {number} belum dicetak ulang.", "warning")

        self.app.push_screen(PrinterFaultDialog(fault.message, keep_label="Batal"), chosen)

    def _done(self, message: str, severity: SeverityLevel = "information") -> None:
        self.busy = False
        self._message("")
        self._notify(message, severity)
        self.load()

    # --- revoke -----------------------------------------------------------------------------

    def action_revoke(self) -> None:
        if not self.is_admin:
            self._notify("Hanya admin yang dapat mencabut surat.", "warning")
            return
        letter = self.selected()
        if letter is None or self.busy:
            return
        if letter.status == STATUS_REVOKED:
            self._notify(f"Surat {letter.number} sudah dicabut.")
            return

        def chosen(reason: str | None) -> None:
            if reason:
                self.busy = True
                self.revoke(letter.number, reason)

        self.app.push_screen(RevokeReasonDialog(letter.number), chosen)

    @work(thread=True, group="today-revoke", exit_on_error=False)
    def revoke(self, number: str, reason: str) -> None:
        app = self.station_app
        station = app.station
        operator = app.user.username if app.user else "-"
        try:
            letter_desk.revoke(station, number, reason=reason, operator=operator)
        except StationError as exc:
            self._to_ui(self._done, str(exc), "warning")
            return
        except Exception as exc:
            self._to_ui(self._done, f"Gagal mencabut: {exc}", "error")
            return
        self._to_ui(self._done, f"Surat {number} dicabut: {reason}")

    def action_close(self) -> None:
        self.dismiss(None)
