"""Admin (role admin only): operators, services and counters, office settings, signing keys,
and the doors to reports and the audit trail.

Thin: every change is one audited core call (``operators``, ``office_admin``, ``keys``) in
a thread worker; the tables are re-read after each change.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.markup import escape
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
from station.home.config_edit import EDITABLE, current_values, update_settings
from station.home.keys import office_keys, private_key_path, rotate_key
from station.office.admin import (
    AdminError,
    counter_setups,
    service_rows,
    set_service_active,
    toggle_counter_service,
)
from station.office.operators import (
    OperatorError,
    add_operator,
    list_operators,
    reset_pin,
    set_active,
)

if TYPE_CHECKING:
    from station.screens.operator.app import OperatorApp

ROLE_LABELS = {"operator": "Petugas", "admin": "Admin"}


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
                yield Static(f"[b]PIN baru untuk {escape(self.reset_for)}[/b]")
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


class AdminScreen(Screen[None]):
    CSS_PATH = "admin.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Kembali"),
        Binding("n", "add_operator", "Tambah petugas"),
        Binding("p", "reset_pin", "Reset PIN"),
        Binding("d", "toggle_operator", "Aktif/nonaktif"),
        Binding("o", "toggle_service", "Buka/tutup layanan"),
        Binding("k", "rotate_key", "Ganti kunci"),
        Binding("f2", "save_office", "Simpan"),
        Binding("l", "reports", "Laporan"),
        Binding("u", "audit", "Audit"),
    ]

    @property
    def station_app(self) -> OperatorApp:
        return cast("OperatorApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static("Admin — Kelurahan " + escape(self.station_app.station.config.office.name))
        with TabbedContent(id="admin-tabs"):
            with TabPane("Petugas", id="tab-operators"):
                yield DataTable(id="operators", cursor_type="row")
                yield Static("N tambah · P reset PIN · D aktif/nonaktif", classes="hint")
            with TabPane("Layanan & loket", id="tab-services"):
                yield DataTable(id="services", cursor_type="row")
                yield Static("O buka/tutup layanan terpilih", classes="hint")
                yield DataTable(id="counters", cursor_type="cell")
                yield Static("Enter pada sel layanan: loket melayani ya/tidak", classes="hint")
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
        yield Footer()

    def on_mount(self) -> None:
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
        text = "\n".join(f"[b]{escape(k):<{width}}[/b]  {escape(v)}" for k, v in rows)
        text += (
            "\n\nKode, nama kantor, printer, alamat verifikasi dan zona waktu diubah di berkas"
            " pengaturan di atas, lalu aplikasi dimulai ulang."
        )
        self.query_one("#office", Static).update(text)

    def show_data(self, data: dict[str, Any]) -> None:
        operators = self.query_one("#operators", DataTable)
        operators.clear()
        for o in data["operators"]:
            operators.add_row(
                o.username,
                o.display_name,
                ROLE_LABELS.get(o.role, o.role),
                "aktif" if o.active else "nonaktif",
                key=o.username,
            )
        services = self.query_one("#services", DataTable)
        services.clear()
        for prefix, name, active in data["services"]:
            services.add_row(prefix, name, "dibuka" if active else "ditutup", key=prefix)
        counters = self.query_one("#counters", DataTable)
        counters.clear(columns=True)
        prefixes = [prefix for prefix, _, _ in data["services"]]
        counters.add_columns("Loket", *prefixes)
        for setup in data["counters"]:
            marks = ["ya" if p in setup.services else "-" for p in prefixes]
            counters.add_row(f"{setup.number} {setup.name}", *marks, key=str(setup.number))
        self.query_one("#keys", Static).update(escape(data["keys"]))

    def _notify(self, message: str, severity: str = "information") -> None:
        self.app.notify(message, severity=severity)  # type: ignore[arg-type]

    def _to_ui(self, callback: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(callback, *args)

    # --- workers ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="admin-read", exit_on_error=False)
    def reload(self) -> None:
        station = self.station_app.station
        keys_dir = station.config.keys_dir
        with station.db.read() as session:
            operators = list_operators(session, station.office_id)
            services = [
                (s.prefix, s.name, s.active) for s in service_rows(session, station.office_id)
            ]
            counters = counter_setups(session, station.office_id)
            key_lines = []
            for key in office_keys(session, station.office_id):
                path = private_key_path(keys_dir, key.key_id)
                state = "aktif" if key.retired_at is None else "pensiun"
                if not path.exists():
                    file_note = "berkas kunci privat TIDAK ADA"
                else:
                    mode = os.stat(path).st_mode & 0o777
                    file_note = (
                        "berkas 0600" if mode == 0o600 else f"izin berkas {mode:o} (harus 600)"
                    )
                key_lines.append(
                    f"{key.key_id}  {state}  "
                    f"dibuat {station.clock.local(key.created_at):%d-%m-%Y}  {file_note}"
                )
        keys = "\n".join(key_lines) or "Belum ada kunci. Jalankan: station init"
        data = {"operators": operators, "services": services, "counters": counters, "keys": keys}
        self._to_ui(self.show_data, data)

    @work(thread=True, group="admin-write", exit_on_error=False)
    def change(self, action: str, done: str, *args: Any) -> None:
        app = self.station_app
        station = app.station
        by = app.user.username if app.user else ""
        try:
            with station.db.write() as session:
                if action == "add":
                    (values,) = args
                    add_operator(session, station.office_id, by=by, **values)
                elif action == "pin":
                    username, pin = args
                    reset_pin(session, station.office_id, username, pin, by=by)
                elif action == "active":
                    username, active = args
                    set_active(session, station.office_id, username, active, by=by)
                elif action == "service":
                    prefix, active = args
                    set_service_active(session, station.office_id, prefix, active, by=by)
                elif action == "counter":
                    number, prefix = args
                    toggle_counter_service(session, station.office_id, number, prefix, by=by)
                elif action == "rotate":
                    new_id, _ = rotate_key(session, station.office_id, station.config.keys_dir)
                    done = done.format(key_id=new_id)
        except (OperatorError, AdminError) as exc:
            self._to_ui(self._notify, str(exc), "warning")
            return
        except Exception as exc:
            self._to_ui(self._notify, f"Gagal: {exc}", "error")
            return
        self._to_ui(self._notify, done)
        self.reload()

    # --- actions ------------------------------------------------------------------------

    ACTION_TABS: ClassVar[dict[str, str]] = {
        "add_operator": "tab-operators",
        "reset_pin": "tab-operators",
        "toggle_operator": "tab-operators",
        "toggle_service": "tab-services",
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
                self.change("add", f"Petugas {values['username']} ditambahkan.", values)

        self.app.push_screen(OperatorForm(), added)

    def action_reset_pin(self) -> None:
        username = self._selected("operators")
        if username is None:
            return

        def chosen(values: dict[str, str] | None) -> None:
            if values:
                self.change("pin", f"PIN {username} diganti.", username, values["pin"])

        self.app.push_screen(OperatorForm(username), chosen)

    def action_toggle_operator(self) -> None:
        username = self._selected("operators")
        if username is None:
            return
        table = self.query_one("#operators", DataTable)
        active = table.get_row(username)[3] == "aktif"
        word = "dinonaktifkan" if active else "diaktifkan"
        self.change("active", f"Petugas {username} {word}.", username, not active)

    def action_toggle_service(self) -> None:
        prefix = self._selected("services")
        if prefix is None:
            return
        table = self.query_one("#services", DataTable)
        active = table.get_row(prefix)[2] == "dibuka"
        word = "ditutup" if active else "dibuka"
        self.change("service", f"Layanan {prefix} {word}.", prefix, not active)

    @on(DataTable.CellSelected, "#counters")
    def _counter_cell(self, event: DataTable.CellSelected) -> None:
        column = event.coordinate.column
        if column == 0 or event.cell_key.row_key.value is None:
            return
        table = self.query_one("#counters", DataTable)
        prefix = str(table.ordered_columns[column].label)
        number = int(event.cell_key.row_key.value)
        self.change("counter", f"Loket {number}: layanan {prefix} diubah.", number, prefix)

    def action_save_office(self) -> None:
        edits = {
            (section, key): self.query_one(f"#set-{section}-{key}", Input).value
            for section, key in EDITABLE
        }
        self.save_office(edits)

    @work(thread=True, group="admin-write", exit_on_error=False)
    def save_office(self, edits: dict[tuple[str, str], str]) -> None:
        app = self.station_app
        station = app.station
        try:
            with station.db.write() as session:
                config, changed = update_settings(
                    station.config.home,
                    session,
                    station.office_id,
                    edits,
                    by=app.user.username if app.user else "",
                )
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
        self.change("rotate", "Kunci baru {key_id} aktif; kunci lama tetap memverifikasi.")

    def action_reports(self) -> None:
        from station.screens.operator.reports import ReportsScreen

        self.app.push_screen(ReportsScreen(self.station_app.station))

    def action_audit(self) -> None:
        from station.screens.operator.audit_view import AuditScreen

        self.app.push_screen(AuditScreen(self.station_app.station))
