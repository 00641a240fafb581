"""Registering a resident the register does not know, or correcting a known one: a form
checked by the import's rules.

Thin: saving is ``station.register.desk.register_new`` (or ``update_existing`` for a
correction, audited with old and new values) in a thread worker; its refusal lists every
problem in Indonesian and the form keeps what was typed. Enter moves to the next field; F2 (or
Enter on the last field) saves. The birth date and sex the NIK already gives are filled in
from it (``station.register.nik.parse_nik``) until the operator changes them. Dismisses with
the NIK, or None.
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
from station.register.codes import SEX_LABELS, labels
from station.register.nik import normalize_nik, parse_nik
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


def choice_label(key: str, value: str) -> str:
    """How a coded value reads in the form: ``L`` is "Laki-laki", ``KAWIN`` "Kawin"."""
    if key == "sex":
        return SEX_LABELS.get(value, value).capitalize()
    return value.title()


class RegisterScreen(StationScreen[OperatorHost], Screen[str | None]):
    CSS_PATH = "register.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Simpan"),
        Binding("escape", "cancel", "Batal"),
    ]

    def __init__(self, nik: str = "", *, current: dict[str, str] | None = None) -> None:
        """``current``: a known resident's columns as text (``desk.editable_fields``): the
        form corrects that resident instead of registering a new one."""
        super().__init__()
        self.nik = nik
        self.current = current
        self._prefilled: dict[str, str] = {}  # field -> the value the NIK gave it

    @property
    def editing(self) -> bool:
        return self.current is not None

    def compose(self) -> ComposeResult:
        title = (
            f"Perbaiki data penduduk {self.nik}  (* wajib)"
            if self.editing
            else "Daftarkan penduduk baru  (* wajib)"
        )
        yield Static(title, classes="box-title")
        with VerticalScroll(id="register-form"):
            for key, label, hint in TEXT_FIELDS:
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield Input(placeholder=hint, id=key)
            for key, label in CHOICE_FIELDS:
                with Horizontal(classes="row"):
                    yield Label(label)
                    options = [(choice_label(key, text), text) for text in labels(key)]
                    yield Select(options, id=key, prompt="(pilih)")
            for key, label, hint in MORE_TEXT_FIELDS:
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield Input(placeholder=hint, id=key)
        yield Static("", id="register-message")
        yield Footer()

    def on_mount(self) -> None:
        nik = self.query_one("#nik", Input)
        nik.value = self.nik
        if self.current is not None:
            nik.disabled = True  # the identity; a wrong NIK is a new registration
            self._fill(self.current)
        else:
            self._prefill_from_nik(self.nik)
        first = "#kk_number" if self.nik else "#nik"
        self.query_one(first, Input).focus()

    def _fill(self, fields: dict[str, str]) -> None:
        for key, *_ in TEXT_FIELDS + MORE_TEXT_FIELDS:
            if key != "nik":
                self.query_one(f"#{key}", Input).value = fields.get(key, "")
        for key, _ in CHOICE_FIELDS:
            self._choose(key, fields.get(key, ""))

    def _choose(self, key: str, value: str) -> None:
        select = self.query_one(f"#{key}", Select)
        if value in labels(key):
            select.value = value
        elif not value:
            select.clear()

    @on(Input.Changed, "#nik")
    def _nik_changed(self, event: Input.Changed) -> None:
        if not self.editing:
            self._prefill_from_nik(event.value)

    def _prefill_from_nik(self, text: str) -> None:
        """Birth date and sex from a valid NIK, into fields still empty or still holding
        what an earlier NIK gave them (never over what the operator typed)."""
        digits = normalize_nik(text)
        if len(digits) != 16:
            return
        info = parse_nik(digits, today=self.station_app.today())
        if not info.valid or info.birth_date is None or info.sex is None:
            return
        birth = self.query_one("#birth_date", Input)
        if birth.value in ("", self._prefilled.get("birth_date")):
            birth.value = f"{info.birth_date:%d-%m-%Y}"
            self._prefilled["birth_date"] = birth.value
        sex = self.query_one("#sex", Select)
        current = sex.value if isinstance(sex.value, str) else ""
        if current in ("", self._prefilled.get("sex")):
            sex.value = info.sex
            self._prefilled["sex"] = info.sex

    def changed_values(self) -> dict[str, str]:
        """What the correction changes: the fields whose text differs from the register's."""
        current = self.current or {}
        values = self.values()
        values.pop("kelurahan", None)
        values.pop("nik", None)
        return {key: value for key, value in values.items() if value != current.get(key, "")}

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
        if self.current is not None:
            changes = self.changed_values()
            if not changes:
                self._message("Tidak ada yang berubah.")
                return
            self._message("Menyimpan perbaikan…", error=False)
            self.save_changes(changes)
            return
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

    def _corrected(
        self, nik: str, name: str, changed: list[str], warnings: tuple[str, ...]
    ) -> None:
        note = f"Data {name} diperbarui: {', '.join(changed)}."
        if warnings:
            note += " Perhatian: " + "; ".join(warnings)
        self.app.notify(note, severity="warning" if warnings else "information")
        self.dismiss(nik)

    @work(thread=True, exclusive=True, group="register", exit_on_error=False)
    def save_changes(self, changes: dict[str, str]) -> None:
        from station.register.importing.schema import FIELD_LABELS

        app = self.station_app
        try:
            done = register_desk.update_existing(
                app.station,
                self.nik,
                changes,
                operator=app.user.username if app.user else "",
                today=app.today(),
            )
        except RegistrationRefused as exc:
            self._to_ui(self._message, f"Belum dapat disimpan: {exc}")
            return
        except Exception as exc:
            self._to_ui(self._message, f"Gagal menyimpan: {exc}")
            return
        changed = [FIELD_LABELS.get(key, key) for key in done.changes]
        self._to_ui(self._corrected, done.nik, done.name, changed, done.warnings)

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
