"""The admin screen's "Layanan Mandiri" tab: which letters the Service Box may issue at once,
take as a request for the counter, or not offer (issue "Service Box"; docs/box.md).

A panel of its own, mounted in one tab of ``AdminScreen``: a table of the active letter
types with the mode in force (the type's TOML ``self_service`` unless the lurah overrode it
here); Enter on a row, or 1/2/3, sets the mode (``station.letters.box.set_self_service``,
audited as ``letter.self_service``).
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from station.screens.base import to_ui
from station.screens.operator.host import OperatorHost

MODES = ("issue", "request", "no")
MODE_LABELS = {
    "issue": "terbit langsung",
    "request": "permohonan (diambil di loket)",
    "no": "tidak di mesin",
}


class SelfServicePanel(Vertical):
    """The letter types and their Service Box mode, changed by the admin."""

    DEFAULT_CSS = """
    SelfServicePanel { height: 1fr; }
    SelfServicePanel DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "set_mode('issue')", "Terbit langsung", show=False),
        Binding("2", "set_mode('request')", "Permohonan", show=False),
        Binding("3", "set_mode('no')", "Tidak di mesin", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield DataTable(id="self-service", cursor_type="row")
        yield Static(
            "Enter: ganti pilihan · 1 terbit langsung · 2 permohonan · 3 tidak di mesin. "
            "Surat yang terbit langsung disegel elektronik dan sah tanpa tanda tangan basah.",
            classes="hint",
        )

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Kode", "Surat", "Layanan Mandiri", "Bawaan")
        self.load()

    @property
    def host(self) -> OperatorHost:
        return cast("OperatorHost", self.app)

    def _settings(self) -> Any:
        from station.letters.store import LetterSettings

        return LetterSettings.from_config(self.host.station.config)

    @work(thread=True, exclusive=True, group="self-service", exit_on_error=False)
    def load(self) -> None:
        from station.letters.box import box_modes

        try:
            settings = self._settings()
            modes = box_modes(self.host.station, settings)
        except Exception as exc:
            to_ui(self.app, self.app.notify, f"Gagal membaca: {exc}", severity="error")
            return
        rows = [
            (lt.code, lt.title_case, modes.get(lt.code, "no"), lt.self_service)
            for lt in settings.catalogue.active_types()
        ]
        to_ui(self.app, self.show, rows)

    def show(self, rows: list[tuple[str, str, str, str]]) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for code, name, mode, default in rows:
            table.add_row(code, name, MODE_LABELS[mode], MODE_LABELS[default], key=code)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    def _selected(self) -> tuple[str, str] | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        label = str(table.get_row_at(table.cursor_row)[2])
        mode = next(m for m, text in MODE_LABELS.items() if text == label)
        return (str(key), mode) if key is not None else None

    @on(DataTable.RowSelected, "#self-service")
    def _cycle(self) -> None:
        chosen = self._selected()
        if chosen is not None:
            code, mode = chosen
            self.change(code, MODES[(MODES.index(mode) + 1) % len(MODES)])

    def action_set_mode(self, mode: str) -> None:
        chosen = self._selected()
        if chosen is not None and chosen[1] != mode:
            self.change(chosen[0], mode)

    @work(thread=True, group="self-service-write", exit_on_error=False)
    def change(self, code: str, mode: str) -> None:
        from station.letters.box import BoxRefusal, change_self_service

        user = self.host.user
        try:
            change_self_service(
                self.host.station, self._settings(), code, mode,
                operator=user.username if user else "",
            )  # fmt: skip
        except BoxRefusal as exc:
            to_ui(self.app, self.app.notify, str(exc), severity="warning")
            return
        except Exception as exc:
            to_ui(self.app, self.app.notify, f"Gagal: {exc}", severity="error")
            return
        to_ui(self.app, self.app.notify, f"Layanan Mandiri {code}: {MODE_LABELS[mode]}.")
        self.load()
