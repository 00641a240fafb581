"""Issuing a letter for one resident: choose the type, fill the form, preview, issue and print.

Pushed by the resident card with ``push_screen(LetterScreen(nik, ticket), callback)``; it
dismisses with the :class:`IssuedLetter` (printed or kept unprinted after a printer fault) or
with None when the operator backs out before issuing. Thin: the register's side is
``station.letters.desk`` (thread workers), printing goes through the app's one print spooler.
A letter is issued once: a retry after a printer fault prints the same number and seal.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from station.letters import desk as letter_desk
from station.letters.fields import FIELD_KINDS
from station.letters.resident import resident_values
from station.letters.signers import LURAH_KEY, signer_choices
from station.letters.store import (
    PURPOSE_KEY,
    IssuedLetter,
    IssueRequest,
    LetterRefusal,
    LetterSettings,
)
from station.printing import (
    PrinterFault,
    PrintSettings,
    letter_ops,
    print_and_record,
    print_pdf_and_record,
)
from station.printing.preview import preview_text
from station.printing.spooler import PrintSpooler, app_spooler
from station.register.nik import mask_nik
from station.screens.base import StationScreen
from station.screens.choice import ChoiceDialog
from station.screens.dialogs import RETRY, PrinterFaultDialog
from station.screens.on_top import WaitsOnTop
from station.screens.operator.host import OperatorHost
from station.store.errors import StationError

if TYPE_CHECKING:
    from station.letters import FieldSpec, LetterType
    from station.letters.desk import DeskStart, Draft, LetterOffer
    from station.letters.requests import RequestView

STEP_TYPE, STEP_FORM, STEP_PREVIEW = "step-type", "step-form", "step-preview"
#: The papers the operator steps through with F (the type's own paper first).
PAPERS = ("receipt", "f4", "a4")
PAPER_NAMES = {"receipt": "struk", "f4": "F4 (PDF)", "a4": "A4 (PDF)"}


def _field_help(spec: FieldSpec) -> str:
    parts = [spec.help] if spec.help else []
    if spec.choices:
        parts.append("Pilihan: " + ", ".join(spec.choices))
    elif not spec.help and spec.kind != "text":
        parts.append(FIELD_KINDS[spec.kind].capitalize())
    return ". ".join(parts)


def _offer_prompt(offer: LetterOffer) -> Text:
    line = Text(f"{offer.code:<6} {offer.name}")
    if offer.allowed:
        return line
    line.stylize("dim")
    line.append(f"\n       Tidak dapat: {offer.reason}", style="dim italic")
    return line


class LetterScreen(StationScreen[OperatorHost], WaitsOnTop["IssuedLetter | None"]):
    CSS_PATH = "letter.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Kembali"),
        Binding("f9", "issue", "Terbitkan & cetak"),
        Binding("f4", "signer", "Penanda tangan"),
        Binding("enter", "issue", "Terbitkan & cetak", show=False),
        Binding("f", "paper", "Cetak F4/A4"),
        Binding("up", "move(-1)", "Naik", show=False),
        Binding("down", "move(1)", "Turun", show=False),
    ]

    def __init__(
        self,
        nik: str,
        ticket: str | None = None,
        *,
        type_code: str = "",
        request: RequestView | None = None,
    ) -> None:
        super().__init__()
        self.nik = nik
        self.ticket = ticket
        # A letter request behind the ticket (station.letters.requests): its type, fields and
        # purpose are filled in and the preview opens at once, so serving it is a check and
        # Enter (issue 16: at most 3 keys after the call).
        self.request = request
        self.type_code = request.type_code if request is not None else type_code
        self.start: DeskStart | None = None
        self.settings: LetterSettings | None = None
        self.offers: list[LetterOffer] = []  # as listed now (filtered)
        self.letter_type: LetterType | None = None
        self.inputs: list[Input] = []
        self.draft: Draft | None = None
        self.issued: IssuedLetter | None = None
        self.busy = False
        self.spooler: PrintSpooler | None = None
        self.signer_key = LURAH_KEY  # F4: an official of [signers.KEY] signs a.n. the lurah
        self.paper = "receipt"  # the type's paper once chosen; F steps through PAPERS

    def compose(self) -> ComposeResult:
        yield Static(f"Surat untuk NIK {mask_nik(self.nik)}", id="letter-header")
        with ContentSwitcher(initial=STEP_TYPE, id="steps"):
            with Vertical(id=STEP_TYPE):
                yield Label("Jenis surat (ketik kode atau nama, ↑↓ pilih, Enter)")
                yield Input(placeholder="mis. SKD atau domisili", id="type-filter")
                yield OptionList(id="types")
                yield Static("Memuat jenis surat…", id="type-message")
            with VerticalScroll(id=STEP_FORM):
                yield Static("", id="form-title")
                yield Vertical(id="form-fields")
                yield Static("", id="form-message")
            with Vertical(id=STEP_PREVIEW):
                yield Static("", id="preview-note")
                with VerticalScroll(id="preview-scroll"):
                    yield Static("", id="preview-text")
                yield Static("", id="preview-message")
        yield Footer()

    def on_mount(self) -> None:
        self.spooler = app_spooler(self.app)
        type_filter = self.query_one("#type-filter", Input)
        type_filter.value = self.type_code
        type_filter.focus()
        self.load_offers()

    # --- helpers --------------------------------------------------------------------------

    @property
    def step(self) -> str:
        return self.query_one("#steps", ContentSwitcher).current or STEP_TYPE

    def _show_step(self, step: str) -> None:
        self.query_one("#steps", ContentSwitcher).current = step
        self.refresh_bindings()

    def _today(self) -> dt.date:
        """The office's day from the station's one clock (fixed in snapshots)."""
        return self.station_app.today()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("issue", "paper"):
            return self.step == STEP_PREVIEW  # shown in the footer on the preview only
        if action == "signer":  # only when station.toml names officials besides the lurah
            return (
                self.settings is not None
                and bool(self.settings.signers)
                and self.step != STEP_TYPE
                and self.issued is None
            )
        return True

    # --- step 1: the type -----------------------------------------------------------------

    @work(thread=True, group="letter-load", exit_on_error=False)
    def load_offers(self) -> None:
        station = self.station_app.station
        try:
            settings = LetterSettings.from_config(station.config)
            start = letter_desk.start_letter(station, settings, self.nik)
            if self.request is None and not self.type_code:
                # a request from the box, the resident without its ticket (after its day)
                from station.letters.requests import waiting_request_for

                found = waiting_request_for(station, start.resident.nik)
                if found is not None:
                    self._to_ui(self._use_request, found)
        except LetterRefusal as exc:
            self._to_ui(self._type_message, str(exc), True)
            return
        except Exception as exc:  # shown; Escape still leaves
            self._to_ui(self._type_message, f"Gagal memuat jenis surat: {exc}", True)
            return
        self._to_ui(self.show_offers, settings, start)

    def _use_request(self, request: RequestView) -> None:
        self.request = request
        self.type_code = request.type_code
        self.query_one("#type-filter", Input).value = request.type_code
        self._notify(
            f"Permohonan {request.type_code} (kode {request.pickup_code}) dari "
            f"{request.ready_on:%d-%m-%Y} diisi otomatis. Esc: kembali ke jenis surat lain."
        )

    def show_offers(self, settings: LetterSettings, start: DeskStart) -> None:
        self.settings = settings
        self.start = start
        header = f"Surat untuk {start.resident.name} ({mask_nik(start.resident.nik)})"
        if self.ticket:
            header += f" — tiket {self.ticket}"
        self.query_one("#letter-header", Static).update(Text(header))
        self._type_message("")
        self._filter(self.query_one("#type-filter", Input).value)
        if self.request is not None:
            offer = next((o for o in start.offers if o.code == self.request.type_code), None)
            if offer is None:
                self._type_message(f"Jenis surat {self.request.type_code} tidak ada lagi.", True)
            else:
                self.pick(offer)

    def _type_message(self, message: str, error: bool = False) -> None:
        box = self.query_one("#type-message", Static)
        box.update(Text(message))
        box.set_class(error, "error")

    def _filter(self, text: str) -> None:
        if self.start is None:
            return
        self.offers = letter_desk.filter_offers(self.start.offers, text)
        types = self.query_one("#types", OptionList)
        types.set_options(Option(_offer_prompt(o), id=o.code) for o in self.offers)
        if self.offers:
            types.highlighted = 0
        elif text.strip():
            self._type_message(f"Tidak ada jenis surat yang cocok dengan '{text.strip()}'.")

    @on(Input.Changed, "#type-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._type_message("")
        self._filter(event.value)

    @on(Input.Submitted, "#type-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.query_one("#types", OptionList).highlighted
        if index is not None and 0 <= index < len(self.offers):
            self.pick(self.offers[index])

    @on(OptionList.OptionSelected, "#types")
    def _type_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.offers):
            self.pick(self.offers[event.option_index])

    def action_move(self, delta: int) -> None:
        if self.step == STEP_TYPE:
            types = self.query_one("#types", OptionList)
            if delta < 0:
                types.action_cursor_up()
            else:
                types.action_cursor_down()
        elif self.step == STEP_FORM:
            if delta < 0:
                self.focus_previous(".field")
            else:
                self.focus_next(".field")

    def pick(self, offer: LetterOffer) -> None:
        if not offer.allowed:
            self._type_message(offer.reason, True)
            return
        if self.letter_type is None or self.letter_type.code != offer.code:
            self.letter_type = offer.letter_type
            self.paper = offer.letter_type.paper  # the counter follows the type's paper
            self.draft = None
            self.run_worker(self._build_form(offer.letter_type), exclusive=True, group="form")
        else:
            self._show_step(STEP_FORM)
            self._focus_first_input()

    # --- step 2: the form -----------------------------------------------------------------

    async def _build_form(self, lt: LetterType) -> None:
        box = self.query_one("#form-fields", Vertical)
        await box.remove_children()
        prefill = (
            resident_values(self.start.resident, on=self._today()) if self.start is not None else {}
        )
        asked = (
            self.request if self.request is not None and self.request.type_code == lt.code else None
        )
        widgets: list[Widget] = []
        self.inputs = []
        for spec in lt.fields:
            value = spec.default or (prefill.get(spec.prefill, "") if spec.prefill else "")
            if asked is not None and spec.key in asked.fields:
                value = asked.fields[spec.key]
            widgets.append(Label(spec.label + (" *" if spec.required else ""), classes="label"))
            field = Input(
                value=value,
                id=f"field-{spec.key}",
                max_length=spec.max_length if spec.kind == "text" else 0,
                classes="field",
            )
            self.inputs.append(field)
            widgets.append(field)
            if help_text := _field_help(spec):
                widgets.append(Static(Text(help_text), classes="help"))
            widgets.append(Static("", id=f"error-{spec.key}", classes="field-error"))
        if lt.purpose != "none" and lt.field(PURPOSE_KEY) is None:
            required = letter_desk.purpose_error(lt, "") is not None
            widgets.append(Label(letter_desk.PURPOSE_LABEL + (" *" if required else "")))
            field = Input(
                value=asked.purpose if asked is not None else "",
                id=f"field-{PURPOSE_KEY}",
                placeholder="mis. melamar pekerjaan",
                classes="field",
            )
            self.inputs.append(field)
            widgets.append(field)
            if lt.default_purpose:
                widgets.append(
                    Static(Text(f"Kosongkan untuk: {lt.default_purpose}"), classes="help")
                )
            widgets.append(Static("", id=f"error-{PURPOSE_KEY}", classes="field-error"))
        await box.mount_all(widgets)
        title = f"{lt.title_case} ({lt.code})"
        if lt.description:
            title += f"\n{lt.description}"
        self.query_one("#form-title", Static).update(Text(title))
        self._form_message("")
        self._show_signer()
        self._show_step(STEP_FORM)
        if asked is None:
            self._focus_first_input()
            return
        missing = self._missing()
        if not missing:  # filled from the request: straight to the preview to check
            self._focus_first_input()
            self.go_preview()
            return
        # the box left typed fields to the counter: the cursor on the first empty one, so
        # the operator types only what is missing (docs/box.md)
        labels = [spec.label for spec in lt.fields if spec.key in missing]
        if PURPOSE_KEY in missing and lt.field(PURPOSE_KEY) is None:
            labels.append(letter_desk.PURPOSE_LABEL)
        self._form_message(
            f"Permohonan {asked.pickup_code} dari Layanan Mandiri: isi {', '.join(labels)}, "
            "lalu Enter."
        )
        self._input(missing[0]).focus()

    def _focus_first_input(self) -> None:
        if self.inputs:
            self.inputs[0].focus()
        else:  # a type without inputs: straight on to the preview
            self.go_preview()

    def _input(self, key: str) -> Input:
        return next(f for f in self.inputs if f.id == f"field-{key}")

    def _missing(self) -> list[str]:
        """Keys of the required fields still empty (after defaults and prefills)."""
        lt = self.letter_type
        if lt is None:
            return []
        missing = [
            spec.key
            for spec in lt.fields
            if spec.required and not self._input(spec.key).value.strip()
        ]
        purpose = next((f for f in self.inputs if f.id == f"field-{PURPOSE_KEY}"), None)
        if (
            purpose is not None
            and lt.field(PURPOSE_KEY) is None
            and letter_desk.purpose_error(lt, purpose.value) is not None
        ):
            missing.append(PURPOSE_KEY)  # a purpose the box had no list for
        return missing

    def _form_message(self, message: str) -> None:
        self.query_one("#form-message", Static).update(Text(message))

    def _values(self) -> tuple[dict[str, str], str]:
        fields: dict[str, str] = {}
        purpose = ""
        for field in self.inputs:
            key = (field.id or "").removeprefix("field-")
            if self.letter_type is not None and self.letter_type.field(key) is not None:
                fields[key] = field.value
            else:
                purpose = field.value
        return fields, purpose

    def _errors(self) -> dict[str, str]:
        assert self.letter_type is not None
        fields, purpose = self._values()
        resident = self.start.resident if self.start is not None else None
        return letter_desk.check_form(
            self.letter_type, fields, purpose, today=self._today(), resident=resident
        )

    def show_errors(self, errors: dict[str, str], message: str = "") -> None:
        """Per-field messages under their inputs; focus the first wrong one."""
        first: Input | None = None
        for field in self.inputs:
            key = (field.id or "").removeprefix("field-")
            text = errors.get(key, "")
            self.query_one(f"#error-{key}", Static).update(Text(text))
            field.set_class(bool(text), "invalid")
            if text and first is None:
                first = field
        self._form_message(message)
        if first is not None:
            first.focus()

    @on(Input.Submitted, ".field")
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        key = (event.input.id or "").removeprefix("field-")
        message = self._errors().get(key, "")
        self.query_one(f"#error-{key}", Static).update(Text(message))
        event.input.set_class(bool(message), "invalid")
        if message:
            return
        request, lt = self.request, self.letter_type
        if request is not None and lt is not None and request.type_code == lt.code:
            # a request: on to the next field still empty, then the preview
            missing = self._missing()
            if missing:
                self._input(missing[0]).focus()
            else:
                self.go_preview()
        elif event.input is self.inputs[-1]:
            self.go_preview()
        else:
            self.focus_next(".field")

    def go_preview(self) -> None:
        if self.busy or self.letter_type is None:
            return
        errors = self._errors()
        if errors:
            self.show_errors(errors, "Periksa isian yang ditandai.")
            return
        self.show_errors({})
        self.busy = True
        self._form_message("Menyiapkan pratinjau…")
        fields, purpose = self._values()
        self.make_draft(self._request(fields, purpose))

    def _request(self, fields: dict[str, str], purpose: str) -> IssueRequest:
        user = self.station_app.user
        assert self.letter_type is not None and user is not None
        return IssueRequest(
            type_code=self.letter_type.code,
            nik=self.nik,
            operator=user.username,
            fields=fields,
            purpose=purpose,
            ticket=self.ticket,
            signer_key=self.signer_key,
        )

    def _signer_label(self) -> str:
        signers = self.settings.signers if self.settings is not None else {}
        return dict(signer_choices(signers)).get(self.signer_key, "Lurah")

    def action_signer(self) -> None:
        """F4: who signs, the lurah or an official a.n. the lurah; the preview follows."""
        if self.settings is None or not self.settings.signers or self.busy:
            return
        if self.issued is not None:
            return

        def chosen(key: str | None) -> None:
            if key is None or key == self.signer_key:
                return
            self.signer_key = key
            self._notify(f"Penanda tangan: {self._signer_label()}")
            self._show_signer()
            if self.step == STEP_PREVIEW:
                self.go_preview()

        options = signer_choices(self.settings.signers)
        dialog = ChoiceDialog("Ditandatangani oleh", options, selected=self.signer_key)
        self.app.push_screen(dialog, chosen)

    def _show_signer(self) -> None:
        if self.settings is None or not self.settings.signers:
            return
        self._form_message(f"Penanda tangan: {self._signer_label()} (F4 ganti)")

    @work(thread=True, group="letter-draft", exit_on_error=False)
    def make_draft(self, request: IssueRequest) -> None:
        station = self.station_app.station
        assert self.settings is not None
        try:
            draft = letter_desk.draft(station, self.settings, request, today=self._today())
            settings = PrintSettings.from_config(station.config.printer)
            text = preview_text(letter_ops(draft.document, settings), settings)
        except StationError as exc:
            self._to_ui(self.refused, exc)
            return
        except Exception as exc:
            self._to_ui(self.refused, LetterRefusal(f"Gagal menyiapkan pratinjau: {exc}"))
            return
        self._to_ui(self.show_preview, draft, text)

    def refused(self, exc: StationError) -> None:
        """A refusal from the register: back on the form with nothing typed lost."""
        self.busy = False
        self._show_step(STEP_FORM)
        self.show_errors(dict(exc.extra.get("field_errors") or {}), str(exc))
        if not exc.extra.get("field_errors"):
            self._notify(str(exc), "warning")

    # --- step 3: the preview --------------------------------------------------------------

    def show_preview(self, draft: Draft, text: str) -> None:
        self.busy = False
        self.draft = draft
        self._form_message("")
        self._preview_note()
        self.query_one("#preview-text", Static).update(Text(text))
        self.query_one("#preview-message", Static).update("")
        self._show_step(STEP_PREVIEW)
        scroll = self.query_one("#preview-scroll", VerticalScroll)
        scroll.scroll_home(animate=False)
        scroll.focus()

    def _preview_note(self) -> None:
        if self.draft is None:
            return
        self.query_one("#preview-note", Static).update(
            Text(
                f"Pratinjau cetak. Nomor pasti diberikan saat diterbitkan "
                f"(kini berikutnya: {self.draft.expected_number}).\n"
                + (
                    f"Penanda tangan: {self._signer_label()} (F4 ganti)\n"
                    if self.settings is not None and self.settings.signers
                    else ""
                )
                + f"Kertas: {PAPER_NAMES[self.paper]} · F: ganti kertas · "
                "Enter/F9: terbitkan dan cetak · Esc: kembali ke isian"
            )
        )

    def action_paper(self) -> None:
        """Step the paper: struk → F4 → A4 (the PDF for the office printer) → struk."""
        if self.step != STEP_PREVIEW or self.busy:
            return
        self.paper = PAPERS[(PAPERS.index(self.paper) + 1) % len(PAPERS)]
        self._preview_note()

    # --- step 4: issue and print ----------------------------------------------------------

    def action_issue(self) -> None:
        if self.step != STEP_PREVIEW or self.busy or self.draft is None:
            return
        self.busy = True
        self.query_one("#preview-message", Static).update("Menerbitkan dan mencetak…")
        if self.issued is not None:  # never twice: only print again
            self.print_issued(self.issued)
            return
        fields, purpose = self._values()
        self.issue_and_print(self._request(fields, purpose))

    @work(thread=True, group="letter-issue", exit_on_error=False)
    def issue_and_print(self, request: IssueRequest) -> None:
        station = self.station_app.station
        assert self.settings is not None
        try:
            issued = letter_desk.issue(station, self.settings, request)
        except StationError as exc:
            self._to_ui(self.refused, exc)
            return
        except Exception as exc:
            self._to_ui(self.refused, LetterRefusal(f"Gagal menerbitkan surat: {exc}"))
            return
        self._to_ui(self._set_issued, issued)
        self._print(issued)

    def _set_issued(self, issued: IssuedLetter) -> None:
        self.issued = issued

    @work(thread=True, group="letter-print", exit_on_error=False)
    def print_issued(self, issued: IssuedLetter) -> None:
        self._print(issued)

    def _print(self, issued: IssuedLetter) -> None:  # worker thread
        app = self.station_app
        station = app.station
        operator = app.user.username if app.user else "-"

        def record() -> int:
            return letter_desk.record_letter_print(station, issued.number, operator=operator)

        if self.paper == "receipt":
            outcome = print_and_record(
                issued.document, station.config.printer, record, spooler=self.spooler
            )
        else:
            outcome = print_pdf_and_record(
                issued.document, station.config, record, paper=self.paper
            )
        if outcome.fault is not None:
            self._to_ui(self.print_failed, issued, outcome.fault)
            return
        if outcome.not_recorded is not None:  # the paper is out; only the count is missing
            message = f"Surat tercetak, tetapi gagal dicatat: {outcome.not_recorded}"
            self._to_ui(self._notify, message, "warning")
        where = f" (PDF {outcome.delivery.message})" if outcome.delivery is not None else ""
        self._to_ui(self.printed, issued, where)

    def printed(self, issued: IssuedLetter, where: str = "") -> None:
        self.busy = False
        self._notify(f"Surat {issued.number} diterbitkan dan dicetak{where}.")
        self.when_on_top(lambda: self.dismiss(issued))

    def print_failed(self, issued: IssuedLetter, fault: PrinterFault) -> None:
        self.when_on_top(lambda: self._ask_after_fault(issued, fault))

    def _ask_after_fault(self, issued: IssuedLetter, fault: PrinterFault) -> None:
        self.query_one("#preview-message", Static).update(Text(fault.message))

        def chosen(choice: str | None) -> None:
            if choice == RETRY:
                self.query_one("#preview-message", Static).update("Mencetak ulang…")
                self.print_issued(issued)
                return
            self.busy = False
            self._notify(
                f"Surat {issued.number} diterbitkan, belum dicetak. "
                "Cetak ulang dari layar Hari ini.",
                "warning",
            )
            self.dismiss(issued)

        self.app.push_screen(PrinterFaultDialog(fault.message, number=issued.number), chosen)

    # --- leaving --------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.busy:
            return
        if self.issued is not None:  # issued: leave with it, never as if nothing happened
            self.dismiss(self.issued)
        elif self.step == STEP_PREVIEW:
            self._show_step(STEP_FORM)
            self._focus_first_input()
        elif self.step == STEP_FORM:
            self._show_step(STEP_TYPE)
            self.query_one("#type-filter", Input).focus()
        else:
            self.dismiss(None)
