"""The Service Box's screen: one screen that walks through the steps of a visit.

The keypad contract (so a metal PIN pad works, issue "Service Box"): digits type; Enter
confirms; Esc goes back one step; Backspace deletes; every choice on screen has a digit. A
touch screen does the same with the buttons and the on-screen numeric pad, which post the same
actions (the buttons never take focus, so every key reaches the screen).

Steps: start → NIK → PIN → letter → each choice field → purpose → confirm → done; from start,
when the office is open, also the queue's services → done. After the PIN step the NIK is
shown only masked; ``idle_seconds`` without input (and every finished visit) clears it all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from station.letters.formats import format_date_id
from station.office.opening_hours import DAY_LABELS
from station.screens.base import StationScreen, plain
from station.screens.box.host import BoxHost

if TYPE_CHECKING:
    from station.letters.box import BoxOffer, BoxVisitor

NIK_LENGTH = 16
PIN_LENGTH = 6
MAX_CHOICES = 9
ROOMY_CHOICES = 6  # up to this many choices keep a blank row between them
BUSY_AFTER = 0.25  # seconds a job runs before "Mohon tunggu" is drawn
NUDGE = (
    "Belum punya PIN mandiri? Datang ke loket pada jam layanan dengan KTP-el.\n"
    "Belum merekam KTP-el? Silakan rekam KTP-el di kantor Dukcapil atau kecamatan dahulu."
)


@dataclass
class Visit:
    """Everything one resident's visit holds; replaced whole on reset (nothing lingers)."""

    step: str = "start"
    typed: str = ""
    nik: str = ""
    visitor: BoxVisitor | None = None
    offer: BoxOffer | None = None
    field_index: int = 0
    values: dict[str, str] = field(default_factory=dict)
    purpose: str = ""
    services: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    result: str = ""


class BoxScreen(StationScreen[BoxHost], Screen[None]):
    CSS_PATH = "box.tcss"
    AUTO_FOCUS = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(i), f"digit('{i}')", show=False, priority=True) for i in range(10)),
        Binding("enter", "confirm", show=False, priority=True),
        Binding("escape", "back", show=False, priority=True),
        Binding("backspace", "delete", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.visit = Visit()
        self.busy = False
        self.last_input = time.monotonic()
        self.clock_shown = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="box-head"):
            yield Static("", id="box-office")
            yield Static("", id="box-clock")
        yield Static("", id="box-title")
        yield Static("", id="box-entry")
        yield Static("", id="box-message")
        with Horizontal(id="box-body"):
            with VerticalScroll(id="box-choices"):
                for digit in range(1, MAX_CHOICES + 1):
                    yield self._button("", f"choice-{digit}", "choice")
            with Grid(id="box-pad"):
                for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9"):
                    yield self._button(key, f"pad-{key}", "pad")
                yield self._button("⌫", "pad-delete", "pad")
                yield self._button("0", "pad-0", "pad")
                yield self._button("OK", "pad-enter", "pad ok")
        yield self._button("Esc  Kembali", "pad-back", "back")
        yield Static("", id="box-help")

    @staticmethod
    def _button(label: str, ident: str, classes: str) -> Button:
        button = Button(label, id=ident, classes=classes)
        button.can_focus = False
        return button

    def on_mount(self) -> None:
        app = self.station_app
        self.query_one("#box-office", Static).update(
            plain(f"LAYANAN MANDIRI · KELURAHAN {app.station.config.office.name.upper()}")
        )
        self.query_one("#box-help", Static).update(plain(app.help_line()))
        self.tick()
        self.set_interval(0.5, self.tick)
        self.show()
        self.call_after_refresh(app.warm_up)  # the first screen first, then the driver

    # --- the clock and the idle reset -----------------------------------------------------

    def tick(self) -> None:
        now = self.station_app.now()
        clock = f"{DAY_LABELS[now.weekday()]}, {format_date_id(now.date())}  {now:%H.%M}"
        if clock != self.clock_shown:  # a redraw (and a layout) only when the minute changes
            self.clock_shown = clock
            self.query_one("#box-clock", Static).update(clock)
        idle = time.monotonic() - self.last_input
        if self.visit.step != "start" and not self.busy and idle >= self.station_app.idle_seconds:
            self.reset()
        elif self.visit.step == "start" and self.visit.message and idle >= 15:
            self.visit.message = ""
            self.show()

    def reset(self) -> None:
        """Back to the start; the visit (NIK, visitor, choices) is dropped whole."""
        self.visit = Visit()
        self.busy = False
        self.show()

    # --- what the screen shows ------------------------------------------------------------

    def choices(self) -> list[tuple[str, str]]:
        """(digit, label) of the step's choices; the digit is the key that picks it."""
        v = self.visit
        app = self.station_app
        if v.step == "start":
            items = [("1", "Surat keterangan dengan NIK dan PIN mandiri")]
            if app.is_open():
                items.append(("2", "Ambil nomor antrean loket"))
            return items
        if v.step == "letters" and v.visitor is not None:
            out = []
            for i, offer in enumerate(v.visitor.offers[:MAX_CHOICES], start=1):
                how = "dicetak sekarang" if offer.mode == "issue" else "diajukan, diambil di loket"
                label = f"{offer.name} ({how})"
                if not offer.allowed:  # the reason shows when it is picked
                    label = f"{offer.name} — tidak dapat di mesin ini"
                out.append((str(i), label))
            return out
        if v.step == "field" and v.offer is not None:
            spec = v.offer.fields[v.field_index]
            return [(str(i), c) for i, c in enumerate(spec.shown[:MAX_CHOICES], start=1)]
        if v.step == "purpose" and v.offer is not None:
            return [(str(i), p) for i, p in enumerate(v.offer.purposes[:MAX_CHOICES], start=1)]
        if v.step == "confirm" and v.offer is not None:
            what = "Terbitkan dan cetak surat" if v.offer.mode == "issue" else "Ajukan permohonan"
            return [("1", f"{what} (Enter)")]
        if v.step == "pending" and v.visitor is not None:
            return [("1", "Cetak sekarang (Enter)")]
        if v.step == "services":
            return [
                (str(i), f"{s['prefix']} · {s['name']}  ({s['waiting']} menunggu)")
                for i, s in enumerate(v.services[:MAX_CHOICES], start=1)
            ]
        return []

    def texts(self) -> tuple[str, str]:
        """The step's title and what is typed (the PIN as dots; the NIK masked after it)."""
        v = self.visit
        who = ""
        if v.visitor is not None:
            who = f"{v.visitor.name_masked} · NIK {v.visitor.nik_masked}"
        if v.step == "start":
            title = "Selamat datang. Pilih layanan dengan menekan angkanya."
            if not self.station_app.is_open():
                title += "\nKantor sedang tutup: nomor antrean loket tersedia pada jam layanan."
            return title, ""
        if v.step == "nik":
            return f"Ketik NIK Anda (16 angka), lalu tekan Enter.\n{NUDGE}", v.typed or "_"
        if v.step == "pin":
            return "Ketik PIN mandiri Anda (6 angka), lalu tekan Enter.", "● " * len(v.typed) or "_"
        if v.step == "letters":
            left = ""
            if v.visitor is not None:
                left = f"\nSurat hari ini: {v.visitor.letters_today} dari {v.visitor.daily_limit}."
            return "Pilih surat yang Anda perlukan." + left, who
        if v.step == "field" and v.offer is not None:
            return f"Pilih {v.offer.fields[v.field_index].label}.", who
        if v.step == "purpose" and v.offer is not None:
            return f"Pilih keperluan {v.offer.name}.", who
        if v.step == "confirm" and v.offer is not None:
            lines = [v.offer.name]
            lines += [
                f"{f.label}: {f.label_of(v.values.get(f.key, ''))}"
                for f in v.offer.fields
                if v.values.get(f.key)
            ]
            if v.purpose:
                lines.append(f"Keperluan: {v.purpose}")
            if note := v.offer.counter_note(v.values):
                lines.append(note)
            return "Periksa, lalu tekan Enter.\n" + "\n".join(lines), who
        if v.step == "pending" and v.visitor is not None:
            numbers = ", ".join(v.visitor.pending)
            return f"Surat Anda yang belum tercetak: {numbers}. Tekan Enter untuk mencetak.", who
        if v.step == "services":
            return "Pilih layanan loket untuk mengambil nomor antrean.", ""
        if v.step == "busy":
            return "Mohon tunggu…", who
        if v.step == "done":
            return v.result, ""
        return "", ""

    def show(self) -> None:
        if not self.is_attached:
            return
        v = self.visit
        title, entry = self.texts()
        self.query_one("#box-title", Static).update(plain(title))
        entry_line = self.query_one("#box-entry", Static)
        entry_line.update(plain(entry))
        entry_line.display = bool(entry)
        message = self.query_one("#box-message", Static)
        message.update(plain(v.message))
        message.display = bool(v.message)  # an empty yellow row is a row lost to the choices
        self.set_class(v.step in ("nik", "pin"), "typing")
        self.set_class(v.step == "done", "done")
        shown = dict(self.choices())
        # Nine choices with a row between them need 36 rows: closer together, all nine fit
        # on a 40-row screen, so the resident sees every digit (none below the fold).
        self.set_class(len(shown) > ROOMY_CHOICES, "dense")
        for digit in range(1, MAX_CHOICES + 1):  # the same nine buttons, relabelled
            button = self.query_one(f"#choice-{digit}", Button)
            label = shown.get(str(digit))
            button.display = label is not None
            if label is not None:
                button.label = plain(f"{digit}   {label}")

    def guide(self) -> None:
        """Speak the step's title (the voice is optional; nothing when it is off)."""
        title, _ = self.texts()
        if title:
            self.station_app.say(title.split("\n")[0])

    def go(self, step: str, message: str = "") -> None:
        self.visit.step = step
        self.visit.typed = ""
        self.visit.message = message
        self.show()
        self.guide()

    # --- input ----------------------------------------------------------------------------

    def touched(self) -> bool:
        """Every input counts against the idle reset; none while a job runs."""
        self.last_input = time.monotonic()
        return not self.busy

    def on_button_pressed(self, event: Button.Pressed) -> None:
        ident = event.button.id or ""
        if ident.startswith("choice-"):
            self.action_digit(ident.removeprefix("choice-"))
        elif ident == "pad-delete":
            self.action_delete()
        elif ident == "pad-enter":
            self.action_confirm()
        elif ident == "pad-back":
            self.action_back()
        elif ident.startswith("pad-"):
            self.action_digit(ident.removeprefix("pad-"))

    def action_digit(self, digit: str) -> None:
        if not self.touched():
            return
        v = self.visit
        if v.step in ("nik", "pin"):
            limit = NIK_LENGTH if v.step == "nik" else PIN_LENGTH
            if len(v.typed) < limit:
                v.typed += digit
                v.message = ""
                self.show()
            return
        if digit == "0":
            return
        index = int(digit)
        if v.step == "start":
            self.start_choice(index)
        elif v.step == "letters":
            self.pick_letter(index)
        elif v.step == "field":
            self.pick_field(index)
        elif v.step == "purpose":
            self.pick_purpose(index)
        elif v.step in ("confirm", "pending") and index == 1:
            self.action_confirm()
        elif v.step == "services":
            self.pick_service(index)

    def action_delete(self) -> None:
        if not self.touched():
            return
        if self.visit.step in ("nik", "pin") and self.visit.typed:
            self.visit.typed = self.visit.typed[:-1]
            self.show()

    def action_back(self) -> None:
        """Esc: one step back (from the letter list on, back means leaving: a new start)."""
        if not self.touched():
            return
        v = self.visit
        if v.step in ("nik", "services", "done", "start"):
            self.reset()
        elif v.step == "pin":
            v.nik = ""
            self.go("nik")
        elif v.step == "pending" and v.visitor is not None and v.visitor.offers:
            self.go("letters")  # not now: on to the letters (the next sign-in offers it again)
        elif v.step in ("letters", "pending"):
            self.reset()
        elif v.step == "field":
            if v.field_index > 0:
                v.field_index -= 1
                self.go("field")
            else:
                self.go("letters")
        elif v.step == "purpose":
            self.back_from_purpose()
        elif v.step == "confirm":
            if v.offer is not None and v.offer.purposes:
                self.go("purpose")
            else:
                self.back_from_purpose()

    def back_from_purpose(self) -> None:
        v = self.visit
        if v.offer is not None and v.offer.fields:
            v.field_index = len(v.offer.fields) - 1
            self.go("field")
        else:
            self.go("letters")

    def action_confirm(self) -> None:
        if not self.touched():
            return
        v = self.visit
        if v.step == "nik":
            if len(v.typed) != NIK_LENGTH:
                v.message = "NIK harus 16 angka."
                self.show()
                return
            v.nik = v.typed
            self.go("pin")
        elif v.step == "pin":
            if len(v.typed) != PIN_LENGTH:
                v.message = "PIN mandiri harus 6 angka."
                self.show()
                return
            pin, nik = v.typed, v.nik
            v.typed = ""
            self.begin()
            self.do_sign_in(nik, pin)
        elif v.step == "confirm" and v.visitor is not None and v.offer is not None:
            self.begin()
            if v.offer.mode == "issue":
                self.do_issue(v.visitor, v.offer.code, dict(v.values), v.purpose)
            else:
                self.do_request(v.visitor, v.offer.code, dict(v.values), v.purpose)
        elif v.step == "pending" and v.visitor is not None:
            self.begin()
            self.do_print_pending(v.visitor)
        elif v.step == "done":
            self.reset()

    def begin(self) -> None:
        """A job starts in a worker; input is ignored until it ends. "Mohon tunggu" is drawn
        only when the job is still running after BUSY_AFTER seconds: drawing it for a job that
        ends at once costs a whole restyle and layout of the screen, as much as the PIN check
        itself (issue "Service Box": NIK + PIN -> letter choice <= 300 ms)."""
        self.busy = True
        self.visit.step = "busy"
        self.visit.message = ""
        self.set_timer(BUSY_AFTER, self._show_busy)

    def _show_busy(self) -> None:
        if self.busy and self.visit.step == "busy":
            self.show()

    # --- choices --------------------------------------------------------------------------

    def start_choice(self, index: int) -> None:
        if index == 1:
            self.go("nik")
        elif index == 2 and self.station_app.is_open():
            self.begin()
            self.do_load_services()

    def pick_letter(self, index: int) -> None:
        v = self.visit
        if v.visitor is None or not 1 <= index <= len(v.visitor.offers):
            return
        offer = v.visitor.offers[index - 1]
        if not offer.allowed:
            v.message = f"{offer.name} tidak dapat diberikan: {offer.reason}"
            self.show()
            self.do_refused("not_eligible", offer.code)
            return
        v.offer = offer
        v.values = {}
        v.purpose = ""
        v.field_index = 0
        self.after_field()

    def after_field(self) -> None:
        v = self.visit
        assert v.offer is not None
        if v.field_index < len(v.offer.fields):
            self.go("field")
        elif v.offer.purposes:
            self.go("purpose")
        else:
            self.go("confirm")

    def pick_field(self, index: int) -> None:
        v = self.visit
        assert v.offer is not None
        spec = v.offer.fields[v.field_index]
        if 1 <= index <= min(len(spec.choices), MAX_CHOICES):
            v.values[spec.key] = spec.choices[index - 1]  # the value; the screen shows its label
            v.field_index += 1
            self.after_field()

    def pick_purpose(self, index: int) -> None:
        v = self.visit
        assert v.offer is not None
        if 1 <= index <= min(len(v.offer.purposes), MAX_CHOICES):
            v.purpose = v.offer.purposes[index - 1]
            self.go("confirm")

    def pick_service(self, index: int) -> None:
        v = self.visit
        if 1 <= index <= len(v.services) and self.station_app.is_open():
            prefix = v.services[index - 1]["prefix"]
            self.begin()
            self.do_take_ticket(prefix)

    # --- results (UI thread) --------------------------------------------------------------

    def signed_in(self, visitor: BoxVisitor | None, message: str) -> None:
        self.busy = False
        if visitor is None:
            self.visit = Visit(step="nik", message=message)
            self.show()
            self.guide()
            return
        self.visit.nik = ""  # from here on only the masked NIK is shown; the visitor keeps it
        self.visit.visitor = visitor
        if visitor.pending:
            self.go("pending")
        elif not visitor.offers:
            self.finish("Tidak ada surat yang dapat diberikan di mesin ini. Silakan ke loket.")
        else:
            self.go("letters")

    def finish(self, result: str, *, fault: bool = False) -> None:
        """The visit is over: the result stays until Enter, Esc or the idle time; the visitor
        (and the NIK it holds) is dropped now."""
        self.busy = False
        self.visit = Visit(step="done", result=result)
        self.set_class(fault, "fault")
        self.last_input = time.monotonic()
        self.show()
        self.guide()

    def failed(self, message: str) -> None:
        """A refusal with the visitor still signed in: back to the letter list."""
        self.busy = False
        if self.visit.visitor is None:
            self.finish(message, fault=True)
            return
        self.visit.offer = None
        self.go("letters", message)

    def services_loaded(self, services: list[dict[str, Any]]) -> None:
        self.busy = False
        self.visit.services = [s for s in services if s["active"]][:MAX_CHOICES]
        self.go("services")

    # --- workers --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="box", exit_on_error=False)
    def do_sign_in(self, nik: str, pin: str) -> None:
        try:
            result = self.station_app.sign_in(nik, pin)
        except Exception as exc:  # the database in trouble: say so, never crash the box
            self._to_ui(self.signed_in, None, f"Layanan sedang terganggu: {exc}")
            return
        self._to_ui(self.signed_in, result.visitor, result.message)

    def _print_result(self, number: str, outcome: Any, what: str) -> None:  # worker thread
        if outcome.fault is not None:
            self._to_ui(
                self.finish,
                f"{what} nomor {number} sudah tersimpan, tetapi printer bermasalah: "
                f"{outcome.fault.message}\nSurat tidak hilang: ketik NIK dan PIN lagi di mesin "
                "ini untuk mencetaknya, atau minta dicetak di loket pada jam layanan.",
                fault=True,
            )
            return
        self._to_ui(
            self.finish,
            f"{what} nomor {number} sudah dicetak. Silakan ambil di bawah layar.\n"
            "Surat ini sah tanpa tanda tangan basah; keasliannya diperiksa dengan memindai "
            "kode QR-nya.",
        )

    @work(thread=True, exclusive=True, group="box", exit_on_error=False)
    def do_issue(
        self, visitor: BoxVisitor, code: str, values: dict[str, str], purpose: str
    ) -> None:
        from station.store.errors import StationError

        app = self.station_app
        try:
            issued = app.issue_letter(visitor, code, values, purpose)
        except StationError as exc:
            self._to_ui(self.failed, str(exc))
            return
        except Exception as exc:
            self._to_ui(self.failed, f"Surat gagal diterbitkan: {exc}")
            return
        outcome = app.print_letter(issued.document, issued.number)
        self._print_result(issued.number, outcome, "Surat")

    @work(thread=True, exclusive=True, group="box", exit_on_error=False)
    def do_print_pending(self, visitor: BoxVisitor) -> None:
        app = self.station_app
        number = visitor.pending[0]
        try:
            document = app.pending_document(visitor, number)
        except Exception as exc:
            self._to_ui(self.failed, f"Surat gagal dicetak: {exc}")
            return
        outcome = app.print_letter(document, number)
        self._print_result(number, outcome, "Surat")

    @work(thread=True, exclusive=True, group="box", exit_on_error=False)
    def do_request(
        self, visitor: BoxVisitor, code: str, values: dict[str, str], purpose: str
    ) -> None:
        from station.store.errors import StationError

        app = self.station_app
        try:
            made = app.request_letter(visitor, code, values, purpose)
        except StationError as exc:
            self._to_ui(self.failed, str(exc))
            return
        except Exception as exc:
            self._to_ui(self.failed, f"Permohonan gagal disimpan: {exc}")
            return
        fault = app.print_ticket(made)
        when = format_date_id(made.ready_on)
        lines = [
            f"Permohonan {made.type_name} tersimpan.",
            f"KODE AMBIL: {made.pickup_code} · Nomor antrean: {made.ticket_number}",
            f"Datang ke loket pada {when}, pada jam layanan, dengan KTP-el.",
        ]
        offer = next((o for o in visitor.offers if o.code == code), None)
        if offer is not None and (note := offer.counter_note(values)):
            lines.append(note)
        if fault is not None:
            lines.append(f"Tiket tidak dapat dicetak ({fault.message}): catat kode ini.")
        else:
            lines.append("Silakan ambil tiket Anda di bawah layar.")
        self._to_ui(self.finish, "\n".join(lines), fault=fault is not None)

    @work(thread=True, exclusive=True, group="box", exit_on_error=False)
    def do_load_services(self) -> None:
        app = self.station_app
        try:
            services = app.queue.status(now=app.station.clock.now()).services
        except Exception as exc:
            self._to_ui(self.finish, f"Layanan antrean sedang terganggu: {exc}", fault=True)
            return
        self._to_ui(self.services_loaded, services)

    @work(thread=True, exclusive=True, group="box", exit_on_error=False)
    def do_take_ticket(self, prefix: str) -> None:
        app = self.station_app
        try:
            issued = app.take_ticket(prefix)
        except Exception as exc:
            self._to_ui(self.finish, f"Nomor antrean gagal diambil: {exc}", fault=True)
            return
        fault = app.print_ticket(issued)
        number = issued.ticket.number
        if fault is not None:
            self._to_ui(
                self.finish,
                f"Nomor antrean Anda: {number}\nTiket tidak dapat dicetak: {fault.message}. "
                "Catat nomor ini dan tunjukkan di loket.",
                fault=True,
            )
            return
        self._to_ui(
            self.finish,
            f"Nomor antrean Anda: {number}\nDi depan Anda: {issued.ahead} orang. "
            "Silakan ambil tiket di bawah layar.",
        )

    @work(thread=True, group="box-audit", exit_on_error=False)
    def do_refused(self, reason: str, code: str) -> None:
        from station.letters.box import refuse

        app: Any = self.station_app
        try:
            refuse(app.station, reason, terminal=app.terminal, type_code=code)
        except Exception:  # the refusal is shown; its count is best effort
            return
