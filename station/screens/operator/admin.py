"""Admin (role admin only): operators, services and counters (list, add, edit, remove), office
settings, signing keys, and the doors to reports and the audit trail.

Thin: every change is one audited core call (``station.office.admin``,
``station.home.config_edit``) in a thread worker; the tables are re-read after each change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    DataTable,
    Footer,
    Input,
    Label,
    Static,
    Switch,
    TabbedContent,
    TabPane,
)

from station.home.config import ConfigError
from station.home.config_edit import EDITABLE, current_values, save_settings
from station.office import admin as office_admin
from station.office.admin import AdminError, AdminOverview, CounterSetup, KeyState
from station.office.operators import OperatorError
from station.screens.base import StationScreen, joined, markup, plain
from station.screens.operator.box_admin import SelfServicePanel
from station.screens.operator.host import OperatorHost

ROLE_LABELS = {"operator": "Petugas", "admin": "Admin"}


def key_line(key: KeyState, tz: Any) -> str:
    """One signing key for the keys tab: state, date (office time), and whether its file is
    kept private."""
    state = "aktif" if key.active else "pensiun"
    if key.file_mode is None:
        file_note = "berkas kunci privat TIDAK ADA"
    elif key.file_mode == 0o600:
        file_note = "berkas 0600"
    else:
        file_note = f"izin berkas {key.file_mode:o} (harus 600)"
    made = key.created_at.astimezone(tz)
    return f"{key.key_id}  {state}  dibuat {made:%d-%m-%Y}  {file_note}"


class OperatorForm(ModalScreen[dict[str, str] | None]):
    """New operator (all fields) or a PIN reset (PIN fields only)."""

    DEFAULT_CSS = """
    OperatorForm { align: center middle; }
    OperatorForm > Vertical {
        width: 60; max-width: 95%; height: auto;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    OperatorForm #form-message.error { color: $error; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Batal")]

    def __init__(self, username: str | None = None) -> None:
        super().__init__()
        self.reset_for = username  # None: a new operator

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.reset_for is None:
                yield Static("[b]Tambah petugas[/b]")
                yield Label("Nama pengguna (huruf kecil)")
                yield Input(id="username")
                yield Label("Nama lengkap")
                yield Input(id="display_name")
                yield Label("Peran admin (Spasi: ya/tidak)")
                yield Switch(value=False, id="role")
            else:
                yield Static(markup("[b]PIN baru untuk $who[/b]", who=self.reset_for))
            yield Label("PIN (4–12 angka)")
            yield Input(password=True, id="pin")
            yield Label("Ulangi PIN")
            yield Input(password=True, id="pin2")
            yield Static("Enter: lanjut/simpan · Esc: batal", id="form-message")

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id != "pin2":
            self.focus_next()
            return
        pin = self.query_one("#pin", Input).value
        if pin != event.value:
            message = self.query_one("#form-message", Static)
            message.update("PIN dan ulangan PIN tidak sama.")
            message.add_class("error")
            return
        values = {"pin": pin}
        if self.reset_for is None:
            values["username"] = self.query_one("#username", Input).value.strip().lower()
            values["display_name"] = self.query_one("#display_name", Input).value
            values["role"] = "admin" if self.query_one("#role", Switch).value else "operator"
        self.dismiss(values)

    def on_key(self, event: events.Key) -> None:
        """Enter on the role switch moves on, as it does in the text fields."""
        if event.key == "enter" and isinstance(self.focused, Switch):
            event.stop()
            self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)


class CounterForm(ModalScreen[dict[str, str] | None]):
    """A new counter (number, name, services) or a change to one (name, services).

    Dismisses with ``number``, ``name`` and ``services`` (codes as typed, e.g. "A,C"); the
    core checks them (``station.office.admin.create_counter``/``edit_counter``).
    """

    DEFAULT_CSS = """
    CounterForm { align: center middle; }
    CounterForm > Vertical {
        width: 64; max-width: 95%; height: auto;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    CounterForm #counter-message.error { color: $error; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Batal")]

    def __init__(self, known: list[str], setup: CounterSetup | None = None) -> None:
        super().__init__()
        self.known = known  # the office's service codes, for the hint
        self.setup = setup  # None: a new counter

    def compose(self) -> ComposeResult:
        setup = self.setup
        with Vertical():
            if setup is None:
                yield Static("[b]Tambah loket[/b]")
                yield Label("Nomor loket (1–99)")
                yield Input(id="counter-number", restrict=r"[0-9]*", max_length=2)
            else:
                yield Static(markup("[b]Ubah Loket $n[/b]", n=setup.number))
            yield Label("Nama loket (kosong: Loket <nomor>)")
            yield Input(setup.name if setup else "", id="counter-name", max_length=50)
            yield Label(plain(f"Layanan, kode dipisah koma (ada: {', '.join(self.known)})"))
            yield Input(",".join(setup.services) if setup else "", id="counter-services")
            yield Static("Enter: lanjut/simpan · Esc: batal", id="counter-message")

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id != "counter-services":
            self.focus_next()
            return
        number = str(self.setup.number) if self.setup else self.query_one(
            "#counter-number", Input
        ).value.strip()  # fmt: skip
        if not number:
            message = self.query_one("#counter-message", Static)
            message.update("Nomor loket wajib diisi.")
            message.add_class("error")
            self.query_one("#counter-number", Input).focus()
            return
        self.dismiss(
            {
                "number": number,
                "name": self.query_one("#counter-name", Input).value,
                "services": event.value,
            }
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class AdminScreen(StationScreen[OperatorHost], Screen[None]):
    CSS_PATH = "admin.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Kembali"),
        Binding("n", "add_operator", "Tambah petugas"),
        Binding("p", "reset_pin", "Reset PIN"),
        Binding("d", "toggle_operator", "Aktif/nonaktif"),
        Binding("o", "toggle_service", "Buka/tutup layanan"),
        Binding("t", "add_counter", "Tambah loket"),
        Binding("e", "edit_counter", "Ubah loket"),
        Binding("h", "remove_counter", "Hapus loket"),
        Binding("k", "rotate_key", "Ganti kunci"),
        Binding("f2", "save_office", "Simpan"),
        Binding("l", "reports", "Laporan"),
        Binding("u", "audit", "Audit"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(plain("Admin — Kelurahan " + self.station_app.station.config.office.name))
        with TabbedContent(id="admin-tabs"):
            with TabPane("Petugas", id="tab-operators"):
                yield DataTable(id="operators", cursor_type="row")
                yield Static("N tambah · P reset PIN · D aktif/nonaktif", classes="hint")
            with TabPane("Layanan & loket", id="tab-services"):
                yield DataTable(id="services", cursor_type="row")
                yield Static("O buka/tutup layanan terpilih", classes="hint")
                yield DataTable(id="counters", cursor_type="cell")
                yield Static(
                    "Enter pada sel layanan: loket melayani ya/tidak · T tambah loket · "
                    "E ubah loket · H hapus loket",
                    classes="hint",
                )
            with TabPane("Kantor", id="tab-office"), VerticalScroll(id="office-form"):
                for (section, key), label in EDITABLE.items():
                    with Horizontal(classes="setting"):
                        yield Label(label)
                        yield Input(id=f"set-{section}-{key}")
                yield Static("F2: simpan perubahan di atas", classes="hint")
                yield Static("", id="office")
            with TabPane("Kunci tanda tangan", id="tab-keys"):
                yield Static("", id="keys")
                yield Static("K: buat kunci baru (yang lama tetap memverifikasi)", classes="hint")
            with TabPane("Layanan Mandiri", id="tab-box"):  # the Service Box: box_admin.py
                yield SelfServicePanel()
        yield Footer()

    def on_mount(self) -> None:
        self.setups: dict[str, CounterSetup] = {}  # loket number (text) -> its setup
        self.prefixes: list[str] = []  # the office's service codes
        self.query_one("#operators", DataTable).add_columns("Pengguna", "Nama", "Peran", "Status")
        self.query_one("#services", DataTable).add_columns("Kode", "Layanan", "Status")
        self.show_office()
        self.reload()

    # --- display ------------------------------------------------------------------------

    def show_office(self) -> None:
        config = self.station_app.station.config
        for (section, key), value in current_values(config).items():
            self.query_one(f"#set-{section}-{key}", Input).value = value
        office = config.office
        rows = [
            ("Berkas pengaturan", str(config.config_path)),
            *((name, str(value)) for name, value in vars(office).items()),
            ("Printer", config.printer.uri),
            ("Alamat verifikasi", config.verify_base_url),
            ("Zona waktu", config.timezone),
            ("Kunci layar setelah", f"{config.idle_lock_minutes} menit"),
        ]
        width = max(len(k) for k, _ in rows)
        text = joined(markup("[b]$k[/b]  $v", k=k.ljust(width), v=v) for k, v in rows)
        text += (
            "\n\nKode, nama kantor, printer, alamat verifikasi dan zona waktu diubah di berkas"
            " pengaturan di atas, lalu aplikasi dimulai ulang."
        )
        self.query_one("#office", Static).update(text)

    def show_data(self, data: AdminOverview) -> None:
        self.setups = {str(c.number): c for c in data.counters}
        self.prefixes = [prefix for prefix, _, _ in data.services]
        operators = self.query_one("#operators", DataTable)
        operators.clear()
        for o in data.operators:
            operators.add_row(
                Text(o.username),
                Text(o.display_name),
                ROLE_LABELS.get(o.role, o.role),
                "aktif" if o.active else "nonaktif",
                key=o.username,
            )
        services = self.query_one("#services", DataTable)
        services.clear()
        for prefix, name, active in data.services:
            services.add_row(prefix, Text(name), "dibuka" if active else "ditutup", key=prefix)
        counters = self.query_one("#counters", DataTable)
        counters.clear(columns=True)
        prefixes = [prefix for prefix, _, _ in data.services]
        counters.add_columns("Loket", *prefixes, "Status")
        for setup in data.counters:
            marks = ["ya" if p in setup.services else "-" for p in prefixes]
            state = "dibuka" if setup.is_open else "tutup"
            counters.add_row(
                Text(f"{setup.number} {setup.name}"), *marks, state, key=str(setup.number)
            )
        tz = self.station_app.station.config.tz
        keys = "\n".join(key_line(k, tz) for k in data.keys) or (
            "Belum ada kunci. Jalankan: station init"
        )
        self.query_one("#keys", Static).update(plain(keys))

    # --- workers ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="admin-read", exit_on_error=False)
    def reload(self) -> None:
        self._to_ui(self.show_data, office_admin.admin_overview(self.station_app.station))

    @work(thread=True, group="admin-write", exit_on_error=False)
    def change(self, done: str | Callable[[Any], str], act: Callable[[], Any]) -> None:
        """Run one audited core call, then say ``done`` (or ``done(result)``)."""
        try:
            result = act()
        except (OperatorError, AdminError) as exc:
            self._to_ui(self._notify, str(exc), "warning")
            return
        except Exception as exc:
            self._to_ui(self._notify, f"Gagal: {exc}", "error")
            return
        self._to_ui(self._notify, done(result) if callable(done) else done)
        self.reload()

    @property
    def _by(self) -> str:
        user = self.station_app.user
        return user.username if user else ""

    # --- actions ------------------------------------------------------------------------

    ACTION_TABS: ClassVar[dict[str, str]] = {
        "add_operator": "tab-operators",
        "reset_pin": "tab-operators",
        "toggle_operator": "tab-operators",
        "toggle_service": "tab-services",
        "add_counter": "tab-services",
        "edit_counter": "tab-services",
        "remove_counter": "tab-services",
        "rotate_key": "tab-keys",
        "save_office": "tab-office",
    }

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys belong to their tab: D on the services tab does not deactivate anyone."""
        needed = self.ACTION_TABS.get(action)
        return needed is None or self._tab() == needed

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    def _selected(self, table_id: str) -> str | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def _tab(self) -> str:
        return str(self.query_one("#admin-tabs", TabbedContent).active)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_add_operator(self) -> None:
        def added(values: dict[str, str] | None) -> None:
            if values:
                station, by = self.station_app.station, self._by
                self.change(
                    f"Petugas {values['username']} ditambahkan.",
                    lambda: office_admin.create_operator(station, values, by=by),
                )

        self.app.push_screen(OperatorForm(), added)

    def action_reset_pin(self) -> None:
        username = self._selected("operators")
        if username is None:
            return

        def chosen(values: dict[str, str] | None) -> None:
            if values:
                station, by, pin = self.station_app.station, self._by, values["pin"]
                self.change(
                    f"PIN {username} diganti.",
                    lambda: office_admin.change_pin(station, username, pin, by=by),
                )

        self.app.push_screen(OperatorForm(username), chosen)

    def action_toggle_operator(self) -> None:
        username = self._selected("operators")
        if username is None:
            return
        table = self.query_one("#operators", DataTable)
        active = table.get_row(username)[3] == "aktif"
        word = "dinonaktifkan" if active else "diaktifkan"
        station, by = self.station_app.station, self._by
        self.change(
            f"Petugas {username} {word}.",
            lambda: office_admin.set_operator_active(station, username, not active, by=by),
        )

    def action_toggle_service(self) -> None:
        prefix = self._selected("services")
        if prefix is None:
            return
        table = self.query_one("#services", DataTable)
        active = table.get_row(prefix)[2] == "dibuka"
        word = "ditutup" if active else "dibuka"
        station, by = self.station_app.station, self._by
        self.change(
            f"Layanan {prefix} {word}.",
            lambda: office_admin.open_service(station, prefix, not active, by=by),
        )

    @on(DataTable.CellSelected, "#counters")
    def _counter_cell(self, event: DataTable.CellSelected) -> None:
        column = event.coordinate.column
        if column == 0 or event.cell_key.row_key.value is None:
            return
        table = self.query_one("#counters", DataTable)
        prefix = str(table.ordered_columns[column].label)
        if prefix not in self.prefixes:  # the status column
            return
        number = int(event.cell_key.row_key.value)
        station, by = self.station_app.station, self._by
        self.change(
            f"Loket {number}: layanan {prefix} diubah.",
            lambda: office_admin.switch_counter_service(station, number, prefix, by=by),
        )

    def action_add_counter(self) -> None:
        def chosen(values: dict[str, str] | None) -> None:
            if not values:
                return
            station, by = self.station_app.station, self._by
            number, name = int(values["number"]), values["name"]
            prefixes = values["services"].split(",")
            self.change(
                lambda s: f"Loket {s.number} ({s.name}) ditambahkan: {','.join(s.services)}.",
                lambda: office_admin.add_counter_setup(station, number, name, prefixes, by=by),
            )

        self.app.push_screen(CounterForm(self.prefixes), chosen)

    def action_edit_counter(self) -> None:
        setup = self.setups.get(self._selected("counters") or "")
        if setup is None:
            return

        def chosen(values: dict[str, str] | None) -> None:
            if not values:
                return
            station, by = self.station_app.station, self._by
            name, prefixes = values["name"], values["services"].split(",")
            self.change(
                lambda s: f"Loket {s.number}: {s.name}, {','.join(s.services)}.",
                lambda: office_admin.change_counter(station, setup.number, name, prefixes, by=by),
            )

        self.app.push_screen(CounterForm(self.prefixes, setup), chosen)

    def action_remove_counter(self) -> None:
        """H: remove the selected counter, after a question; the core refuses an open counter
        or one that has served (its history stays), and the refusal is shown as it says."""
        from station.screens.dialogs import ConfirmDialog

        setup = self.setups.get(self._selected("counters") or "")
        if setup is None:
            return

        def answered(remove: bool | None) -> None:
            if not remove:
                return
            station, by, number = self.station_app.station, self._by, setup.number
            self.change(
                f"Loket {number} dihapus.",
                lambda: office_admin.delete_counter(station, number, by=by),
            )

        question = ConfirmDialog(
            f"Hapus Loket {setup.number}?",
            f"Loket {setup.number} ({setup.name}) dihapus dari daftar loket. Loket yang "
            "sedang dibuka atau sudah pernah melayani tidak dapat dihapus.",
            yes="Hapus",
        )
        self.app.push_screen(question, answered)

    def action_save_office(self) -> None:
        edits = {
            (section, key): self.query_one(f"#set-{section}-{key}", Input).value
            for section, key in EDITABLE
        }
        self.save_office(edits)

    @work(thread=True, group="admin-write", exit_on_error=False)
    def save_office(self, edits: dict[tuple[str, str], str]) -> None:
        try:
            config, changed = save_settings(self.station_app.station, edits, by=self._by)
        except ConfigError as exc:
            self._to_ui(self._notify, str(exc), "warning")
            return
        except Exception as exc:
            self._to_ui(self._notify, f"Gagal menyimpan: {exc}", "error")
            return
        self._to_ui(self._office_saved, config, changed)

    def _office_saved(self, config: Any, changed: list[str]) -> None:
        if not changed:
            self._notify("Tidak ada yang berubah.")
            return
        app = self.station_app
        app.station.config.office = config.office
        app.station.config.idle_lock_minutes = config.idle_lock_minutes
        app.idle_lock_seconds = config.idle_lock_minutes * 60.0
        self.show_office()
        self._notify("Pengaturan kantor disimpan: " + ", ".join(changed))

    def action_rotate_key(self) -> None:
        station = self.station_app.station
        self.change(
            lambda key_id: f"Kunci baru {key_id} aktif; kunci lama tetap memverifikasi.",
            lambda: office_admin.new_signing_key(station, by=self._by),
        )

    def action_reports(self) -> None:
        from station.screens.operator.reports import ReportsScreen

        self.app.push_screen(ReportsScreen(self.station_app.station))

    def action_audit(self) -> None:
        from station.screens.operator.audit_view import AuditScreen

        self.app.push_screen(AuditScreen(self.station_app.station))
