"""Resident lookup: a NIK field checked as it is typed, the resident card, name search.

Thin: decoding is ``station.register.nik.parse_nik``; the audited lookup with its card, the
name search and the e-KTP record are ``station.register.desk`` calls, run in thread workers.
The screen dismisses with the letter issued from it (or None), so the main screen can offer
"Surat diterbitkan" as the ticket's outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from station.queue.rules import CALLED
from station.register import desk as register_desk
from station.register.codes import SEX_LABELS
from station.register.ektp import EktpError
from station.register.nik import normalize_nik, parse_nik
from station.register.regions import BuiltinRegions, to_dotted
from station.register.residents import RegisterError
from station.screens.base import StationScreen, joined, markup, plain
from station.screens.choice import ChoiceDialog
from station.screens.operator.host import OperatorHost
from station.store.errors import StationError

if TYPE_CHECKING:
    from station.letters.store import IssuedLetter
    from station.register.card import ResidentCard

_REGIONS = BuiltinRegions()
EKTP_LETTER = "EKTP"
KK_LETTER = "SPKK"  # station.register.household.KK_RENEWAL_TYPE


def live_nik_text(text: str, today: Any) -> tuple[str, bool]:
    """The line under the NIK field while typing: what the digits say so far, or the error."""
    digits = normalize_nik(text)
    if not digits:
        return "Ketik 16 digit NIK, lalu Enter. F3: cari dengan nama.", False
    if not digits.isdigit():
        return "NIK hanya berisi angka.", True
    if len(digits) < 16:
        return _partial_nik_text(digits), False
    info = parse_nik(digits, today=today)
    if len(digits) > 16:
        return f"NIK terlalu panjang ({len(digits)} digit, harus 16).", True
    if not info.valid:
        return "; ".join(issue.message for issue in info.errors), True
    parts = [p for p in (info.province, info.regency) if p]
    born = info.birth_date.strftime("%d-%m-%Y") if info.birth_date else "?"
    sex = SEX_LABELS.get(info.sex or "", "?").title()
    line = f"{' · '.join(parts)} · lahir {born} · {sex}"
    if info.warnings:
        line += " · " + "; ".join(w.message for w in info.warnings)
    return line, False


def _partial_nik_text(digits: str) -> str:
    """Province and regency as soon as their digits are typed (the region part of a NIK)."""
    parts = []
    if len(digits) >= 2:
        province = _REGIONS.name(to_dotted(digits[:2]) or "")
        parts.append(f"Provinsi {province}" if province else f"kode provinsi {digits[:2]} ?")
    if len(digits) >= 4 and (regency := _REGIONS.name(to_dotted(digits[:4]) or "")):
        parts.append(regency)
    parts.append(f"{len(digits)}/16 digit")
    return " · ".join(parts)


def card_markup(card: ResidentCard) -> Content:
    width = max(len(label) for label, _ in card.rows)
    # Warnings first: on a small screen they must not sit below the fold.
    lines = [markup("[b $warning]⚠ $warning[/]", warning=warning) for warning in card.warnings]
    lines += [
        markup("[b]$label[/b]  $value", label=label.ljust(width), value=value)
        for label, value in card.rows
    ]
    return joined(lines)


class LookupScreen(StationScreen[OperatorHost], Screen["IssuedLetter | None"]):
    CSS_PATH = "lookup.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Kembali"),
        Binding("f3", "name_search", "Cari nama"),
        Binding("f2", "register", "Daftar baru"),
        Binding("f8", "letter", "Buat surat"),
        Binding("f9", "ektp_letter", "Pengantar e-KTP"),
        Binding("f6", "ektp_recorded", "Sudah rekam e-KTP"),
        Binding("f4", "edit", "Ubah data"),
        Binding("f7", "kk_letter", "Pengantar KK"),
        Binding("ctrl+n", "new_head", "Kepala keluarga baru"),
        Binding("f5", "pin", "PIN mandiri"),
    ]

    def __init__(
        self, ticket: str | None = None, *, nik: str = "", name: str = "", type_code: str = ""
    ) -> None:
        super().__init__()
        self.type_code = type_code  # a letter type chosen before the resident (palette)
        self.ticket = ticket
        self.initial_nik = nik
        self.initial_name = name
        self.card: ResidentCard | None = None
        self.not_found_nik: str | None = None
        self.pin: tuple[bool, str | None] = (False, "")  # (holds one, why not allowed)

    def compose(self) -> ComposeResult:
        held = f" · tiket {self.ticket}" if self.ticket else ""
        with Vertical(id="lookup-box"):
            yield Static(f"Cari penduduk{held}", classes="box-title")
            yield Input(
                placeholder="NIK 16 digit",
                restrict=r"[0-9 .\-]*",
                max_length=24,
                id="nik",
            )
            yield Static("", id="nik-live")
            yield Input(placeholder="Nama (sebagian), lalu Enter", id="name", classes="hidden")
            yield OptionList(id="results", classes="hidden")
        with VerticalScroll(id="card-box"):
            yield Static("", id="card")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        nik_input = self.query_one("#nik", Input)
        nik_input.value = self.initial_nik
        self._update_live(self.initial_nik)
        nik_input.focus()
        if self.initial_nik:
            self.look_up(normalize_nik(self.initial_nik))
        elif self.initial_name:
            self.action_name_search()
            self.query_one("#name", Input).value = self.initial_name
            self.search_names(self.initial_name)

    def _today(self) -> Any:
        return self.station_app.today()

    # --- typing ---------------------------------------------------------------------------

    @on(Input.Changed, "#nik")
    def _nik_changed(self, event: Input.Changed) -> None:
        self._update_live(event.value)

    def _update_live(self, value: str) -> None:
        text, error = live_nik_text(value, self._today())
        live = self.query_one("#nik-live", Static)
        live.update(plain(text))
        live.set_class(error, "error")

    @on(Input.Submitted, "#nik")
    def _nik_submitted(self, event: Input.Submitted) -> None:
        if self.card is not None and normalize_nik(event.value) == self.card.nik:
            self.action_letter()  # Enter again on the found resident: on to the letter
            return
        digits = normalize_nik(event.value)
        info = parse_nik(digits, today=self._today())
        if len(digits) != 16 or not info.valid:
            self._update_live(event.value)
            self.app.bell()
            return
        self._show_message("Mencari…")
        self.look_up(digits)

    @on(Input.Submitted, "#name")
    def _name_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._show_message("Mencari nama…")
            self.search_names(event.value)

    @on(OptionList.OptionSelected, "#results")
    def _result_chosen(self, event: OptionList.OptionSelected) -> None:
        nik = event.option.id
        if nik:
            nik_input = self.query_one("#nik", Input)
            nik_input.value = nik
            self._hide_search()
            nik_input.focus()
            self.look_up(nik)

    # --- actions --------------------------------------------------------------------------

    def action_back(self) -> None:
        if not self.query_one("#name", Input).has_class("hidden"):
            self._hide_search()
            self.query_one("#nik", Input).focus()
            return
        self.dismiss(None)

    def action_name_search(self) -> None:
        name = self.query_one("#name", Input)
        name.remove_class("hidden")
        name.focus()

    def _hide_search(self) -> None:
        self.query_one("#name", Input).add_class("hidden")
        self.query_one("#results", OptionList).add_class("hidden")

    def action_register(self) -> None:
        from station.screens.operator.register import RegisterScreen

        nik = self.not_found_nik or normalize_nik(self.query_one("#nik", Input).value)
        self.app.push_screen(RegisterScreen(nik), self._registered)

    def _registered(self, nik: str | None) -> None:
        if nik:
            self.query_one("#nik", Input).value = nik
            self.look_up(nik)

    def action_letter(self, type_code: str = "") -> None:
        if self.card is None:
            self._show_message("Cari penduduk dulu (NIK atau nama).")
            self.app.bell()
            return
        from station.screens.operator.letter import LetterScreen

        screen = LetterScreen(self.card.nik, self.ticket, type_code=type_code or self.type_code)
        self.app.push_screen(screen, self._letter_done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("ektp_letter", "ektp_recorded"):  # an adult without a recorded e-KTP
            return self.card is not None and self.card.ektp_missing
        if action == "edit":  # a correction starts from a resident's card
            return self.card is not None
        if action in ("kk_letter", "new_head"):  # the KK's head died or moved
            return self.card is not None and self.card.kk_renewal
        if action == "pin":  # only for a resident who may hold a PIN mandiri
            return self.card is not None and self.pin[1] is None
        return True

    def action_edit(self) -> None:
        """F4: correct the resident on the card (the registration form, filled in)."""
        if self.card is not None:
            self.open_edit(self.card.nik)

    @work(thread=True, exclusive=True, group="lookup-edit", exit_on_error=False)
    def open_edit(self, nik: str) -> None:
        try:
            current = register_desk.editable_fields(self.station_app.station, nik)
        except Exception as exc:
            self._to_ui(self.show_error, f"Gagal membuka data: {exc}")
            return
        self._to_ui(self._push_edit, nik, current)

    def _push_edit(self, nik: str, current: dict[str, str]) -> None:
        from station.screens.operator.register import RegisterScreen

        self.app.push_screen(RegisterScreen(nik, current=current), self._registered)

    def action_pin(self) -> None:
        """F5: set or reset the resident's PIN mandiri (after seeing the KTP)."""
        card = self.card
        if card is None or self.pin[1] is not None:
            return
        from station.screens.operator.pin import PinScreen

        def done(saved: bool | None) -> None:
            if saved:
                self.pin = (True, None)
                self.show_card(card)

        self.app.push_screen(PinScreen(card.nik, card.name, replace=self.pin[0]), done)

    def action_ektp_recorded(self) -> None:
        """F6: the resident shows the Dukcapil receipt of today's e-KTP recording."""
        card = self.card
        if card is None or not card.ektp_missing:
            return

        def chosen(answer: str | None) -> None:
            if answer == "yes":
                self.mark_ektp(card.nik)

        options = [("yes", "Ya, sudah rekam hari ini"), ("no", "Batal")]
        title = f"Catat {card.name} sudah merekam KTP-el?"
        self.app.push_screen(ChoiceDialog(title, options, selected="no"), chosen)

    def action_ektp_letter(self) -> None:
        self.action_letter(EKTP_LETTER)

    def action_kk_letter(self) -> None:
        """F7: the pengantar to Dukcapil for the renewed KK."""
        self.action_letter(KK_LETTER)

    def action_new_head(self) -> None:
        """Ctrl+N: the renewed KK names this resident its head (audited)."""
        card = self.card
        if card is None or not card.kk_renewal:
            return

        def chosen(answer: str | None) -> None:
            if answer == "yes":
                self.record_head(card.nik)

        options = [("yes", "Ya, sesuai KK baru dari Dukcapil"), ("no", "Batal")]
        title = f"Catat {card.name} sebagai kepala keluarga KK ini?"
        self.app.push_screen(ChoiceDialog(title, options, selected="no"), chosen)

    def _letter_done(self, letter: IssuedLetter | None) -> None:
        if letter is not None:
            if self.card is not None and self.pin == (False, None):  # offer it at each visit
                self.app.notify(
                    f"{self.card.name} belum punya PIN mandiri: tawarkan Layanan Mandiri "
                    "(F7 cari NIK, lalu F5 di kartu penduduk).",
                    timeout=10,
                )
            self.dismiss(letter)

    # --- display --------------------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        self.query_one("#card", Static).update(plain(text))

    def show_card(self, card: ResidentCard) -> None:
        self.card = card
        self.not_found_nik = None
        self.refresh_bindings()
        hint = "\n\n[b]Enter[/b] atau [b]F8[/b]: buat surat untuk penduduk ini."
        if card.ektp_missing:
            hint += "\n[b]F9[/b]: Surat Pengantar Perekaman KTP-el."
            hint += "  [b]F6[/b]: catat sudah rekam (bukti dari Dukcapil)."
        if card.kk_renewal:
            hint += "\n[b]F7[/b]: Surat Pengantar Perubahan KK."
            hint += "  [b]Ctrl+N[/b]: catat sebagai kepala keluarga baru."
        held, problem = self.pin
        if problem is None:
            hint += (
                "\n[b]F5[/b]: ganti PIN mandiri (Layanan Mandiri)."
                if held
                else "\n[b]F5[/b]: pasang PIN mandiri — tawarkan Layanan Mandiri 24 jam."
            )
        self.query_one("#card", Static).update(card_markup(card) + markup(hint))

    def show_not_found(self, nik: str) -> None:
        self.card = None
        self.refresh_bindings()
        self.not_found_nik = nik
        self._show_message(
            f"NIK {nik} tidak terdaftar di register kelurahan.\n\n"
            "F2: daftarkan penduduk baru dengan NIK ini.\n"
            "F3: cari dengan nama (mungkin NIK salah ketik)."
        )

    def show_results(self, residents: list[tuple[str, str]], truncated: bool) -> None:
        results = self.query_one("#results", OptionList)
        results.clear_options()
        if not residents:
            self._show_message("Tidak ada penduduk dengan nama itu.")
            return
        results.add_options([Option(plain(label), id=nik) for nik, label in residents])
        results.remove_class("hidden")
        results.highlighted = 0
        results.focus()
        more = " (ditampilkan sebagian; perjelas nama)" if truncated else ""
        self._show_message(f"{len(residents)} penduduk ditemukan{more}. Pilih dengan Enter.")

    def _warn(self, text: str) -> None:
        self.app.notify(text, severity="warning")

    def show_error(self, text: str) -> None:
        self.card = None
        self._show_message(text)
        self.app.bell()

    # --- workers --------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def look_up(self, nik: str) -> None:
        app = self.station_app
        try:
            card = register_desk.resident_card(
                app.station,
                nik,
                operator=app.user.username if app.user else None,
                today=app.today(),
                purpose="layanan loket",
                terminal=f"loket {app.counter}",
            )
        except RegisterError as exc:
            self._to_ui(self.show_error, str(exc))
            return
        except Exception as exc:
            self._to_ui(self.show_error, f"Gagal mencari: {exc}")
            return
        if card is None:
            self._to_ui(self.show_not_found, nik)
            return
        self._attach_to_ticket(nik)
        self.pin = self._pin_state(nik)
        self._to_ui(self.show_card, card)

    def _pin_state(self, nik: str) -> tuple[bool, str | None]:  # worker thread
        from station.register.pins import counter_pin_state

        try:
            return counter_pin_state(self.station_app.station, nik)
        except Exception:  # the card still shows; only the PIN offer is missing
            return (False, "")

    def _attach_to_ticket(self, nik: str) -> None:  # worker thread
        """The ticket remembers whose it is; a called ticket is now being served."""
        app = self.station_app
        if not self.ticket or app.user is None or app.counter is None:
            return
        try:
            ticket = app.queue.attach_nik(self.ticket, nik, app.user.username, **app.at_now())
            if ticket.status == CALLED:
                app.queue.start(app.counter, app.user.username, **app.at_now())
        except StationError as exc:
            self._to_ui(self._warn, str(exc))

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def mark_ektp(self, nik: str) -> None:
        app = self.station_app
        try:
            register_desk.record_ektp(
                app.station,
                nik,
                operator=app.user.username if app.user else "",
                today=app.today(),
            )
        except EktpError as exc:
            self._to_ui(self._warn, str(exc))
            return
        except Exception as exc:
            self._to_ui(self.show_error, f"Gagal mencatat: {exc}")
            return
        self._to_ui(self.app.notify, "Perekaman KTP-el dicatat.")
        self.look_up(nik)

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def record_head(self, nik: str) -> None:
        app = self.station_app
        try:
            change = register_desk.record_household_head(
                app.station, nik, operator=app.user.username if app.user else ""
            )
        except RegisterError as exc:
            self._to_ui(self._warn, str(exc))
            return
        except Exception as exc:
            self._to_ui(self.show_error, f"Gagal mencatat: {exc}")
            return
        self._to_ui(self.app.notify, f"{change.new_head_name} dicatat sebagai kepala keluarga.")
        self.look_up(nik)

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def search_names(self, query: str) -> None:
        app = self.station_app
        try:
            result = register_desk.search_residents(  # audited
                app.station,
                query,
                operator=app.user.username if app.user else None,
                terminal=f"loket {app.counter}",
            )
        except RegisterError as exc:
            self._to_ui(self.show_error, str(exc))
            return
        except Exception as exc:
            self._to_ui(self.show_error, f"Gagal mencari: {exc}")
            return
        rows = [
            (
                r.nik,
                f"{r.name} · {r.birth_date:%d-%m-%Y} · RT {r.rt or '-'}/RW {r.rw or '-'}"
                f" · {r.address or '-'}"
                + ("" if r.status == "active" else f" · {r.status.upper()}"),
            )
            for r in result.residents
        ]
        self._to_ui(self.show_results, rows, result.truncated)
