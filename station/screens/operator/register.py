"""Registering a resident the register does not know: a form checked by the import's rules.

Thin: saving is ``station.register.desk.register_new`` in a thread worker; its refusal lists
every problem in Indonesian and the form keeps what was typed. Enter moves to the next
field; F2 (or Enter on the last field) saves. Dismisses with the new NIK, or None.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Select, Static

from station.register import desk as register_desk
from station.register.codes import labels
from station.register.registration import RegistrationRefused
from station.screens.base import StationScreen, plain
from station.screens.operator.host import OperatorHost

# (key, label, placeholder); keys are the import's canonical field names.
TEXT_FIELDS = (
    ("nik", "NIK *", "16 digit"),
    ("kk_number", "No. KK *", "16 digit"),
    ("name", "Nama lengkap *", "sesuai KK"),
    ("birth_place", "Tempat lahir", "mis. KUPANG"),
    ("birth_date", "Tanggal lahir *", "HH-BB-TTTT, mis. 17-08-1990"),
)
CHOICE_FIELDS = (
    ("sex", "Jenis kelamin *"),
    ("religion", "Agama"),
    ("marital_status", "Status perkawinan"),
    ("family_relationship", "Hubungan keluarga"),
    ("education", "Pendidikan"),
)
MORE_TEXT_FIELDS = (
    ("occupation", "Pekerjaan", "mis. WIRASWASTA"),
    ("address", "Alamat", "jalan dan nomor rumah"),
    ("rt", "RT", "mis. 3"),
    ("rw", "RW", "mis. 2"),
)


class RegisterScreen(StationScreen[OperatorHost], Screen[str | None]):
    CSS_PATH = "register.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Simpan"),
        Binding("escape", "cancel", "Batal"),
    ]

    def __init__(self, nik: str = "") -> None:
        super().__init__()
        self.nik = nik

    def compose(self) -> ComposeResult:
        yield Static("Daftarkan penduduk baru  (* wajib)", classes="box-title")
        with VerticalScroll(id="register-form"):
            for key, label, hint in TEXT_FIELDS:
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield Input(placeholder=hint, id=key)
            for key, label in CHOICE_FIELDS:
                with Horizontal(classes="row"):
                    yield Label(label)
                    options = [(text.title(), text) for text in labels(key)]
                    yield Select(options, id=key, prompt="(pilih)")
            for key, label, hint in MORE_TEXT_FIELDS:
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield Input(placeholder=hint, id=key)
        yield Static("", id="register-message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#nik", Input).value = self.nik
        first = "#kk_number" if self.nik else "#nik"
        self.query_one(first, Input).focus()

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, *_ in TEXT_FIELDS + MORE_TEXT_FIELDS:
            out[key] = self.query_one(f"#{key}", Input).value
        for key, _ in CHOICE_FIELDS:
            value = self.query_one(f"#{key}", Select).value
            out[key] = value if isinstance(value, str) else ""
        out["kelurahan"] = self.station_app.station.config.office.name.upper()
        return out

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == MORE_TEXT_FIELDS[-1][0]:
            self.action_save()
        else:
            self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        self._message("Menyimpan…", error=False)
        self.save(self.values())

    def _message(self, text: str, *, error: bool = True) -> None:
        message = self.query_one("#register-message", Static)
        message.update(plain(text))
        message.set_class(error, "error")

    def _saved(self, nik: str, name: str, warnings: tuple[str, ...]) -> None:
        note = f"{name} terdaftar."
        if warnings:
            note += " Perhatian: " + "; ".join(warnings)
        self.app.notify(note, severity="warning" if warnings else "information")
        self.dismiss(nik)

    @work(thread=True, exclusive=True, group="register", exit_on_error=False)
    def save(self, fields: dict[str, str]) -> None:
        app = self.station_app
        try:
            done = register_desk.register_new(
                app.station,
                fields,
                operator=app.user.username if app.user else "",
                today=app.today(),
            )
        except RegistrationRefused as exc:
            self._to_ui(self._message, f"Belum dapat disimpan: {exc}")
            return
        except Exception as exc:
            self._to_ui(self._message, f"Gagal menyimpan: {exc}")
            return
        self._to_ui(self._saved, done.nik, done.name, done.warnings)
