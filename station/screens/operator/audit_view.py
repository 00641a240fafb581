"""The admin's audit viewer: the trail in a table, filtered, and a chain check on demand.

Filters: operator, action (whole, or a group such as ``queue.``), NIK or other subject (whole,
never a prefix: docs/domain.md §5), office-local date. Enter in any filter applies them; F6
verifies the whole hash chain. Reads are ``station.office.admin`` calls (``audit_trail``,
``audit_chain``) run in thread workers. Actions read in Indonesian
(``station.office.audit_labels``); Enter on a row shows the event whole (code and every detail).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static

from station.office.admin import audit_chain, audit_trail
from station.office.audit_labels import action_label, details_lines, details_summary
from station.screens.base import StationScreen, markup, plain
from station.screens.operator.host import OperatorHost

if TYPE_CHECKING:
    from textual.content import Content

    from station.home.context import Station

LIMIT = 500
# "Saluran": where the act came from (app, cli, kiosk, board, box, web) and the OS user of that
# process; "-" on events older than migration 0008 (station.store.audit)
COLUMNS = ("#", "Waktu", "Petugas", "Aksi", "Subjek", "Saluran", "Rincian")


def channel_text(channel: str | None, os_user: str | None) -> str:
    """``cli (root)``; ``-`` when the event names neither (written before migration 0008)."""
    if channel is None and os_user is None:
        return "-"
    return f"{channel or '?'} ({os_user or '?'})"


@dataclass(frozen=True)
class AuditRow:
    """One event as the viewer shows it (read in the worker, shown on the UI thread)."""

    id: str
    at: str
    operator: str
    action: str
    label: str
    subject: str
    channel: str
    summary: str
    lines: tuple[str, ...]

    def cells(self) -> tuple[str, ...]:
        return (
            self.id,
            self.at,
            self.operator,
            self.label,
            self.subject,
            self.channel,
            self.summary,
        )


class AuditDetail(ModalScreen[None]):
    """Every field of one audit event, the details uncut; Escape or Enter closes."""

    DEFAULT_CSS = """
    AuditDetail { align: center middle; }
    AuditDetail #detail-box {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: round $primary; padding: 0 1; background: $surface;
    }
    AuditDetail #detail { height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Tutup"),
        Binding("enter", "close", "Tutup", show=False),
    ]

    def __init__(self, row: AuditRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        lines = [
            f"Peristiwa #{row.id}",
            f"Waktu   : {row.at}",
            f"Petugas : {row.operator}",
            f"Aksi    : {row.label} ({row.action})",
            f"Subjek  : {row.subject}",
            f"Saluran : {row.channel}",
            "Rincian :",
            *("  " + line for line in row.lines),
        ]
        with VerticalScroll(id="detail-box"):
            yield Static(plain("\n".join(lines)), id="detail")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)


class AuditScreen(StationScreen[OperatorHost], Screen[None]):
    DEFAULT_CSS = """
    AuditScreen #filters { height: auto; }
    AuditScreen #filters Input { width: 1fr; }
    AuditScreen #result { height: auto; padding: 0 1; }
    AuditScreen #chain { height: auto; padding: 0 1; text-style: bold; }
    AuditScreen DataTable { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f6", "verify", "Periksa rantai"),
        Binding("v", "verify", "Periksa rantai", show=False),  # when the table has focus
        Binding("f5", "apply", "Muat ulang"),
        Binding("escape", "leave", "Kembali"),
    ]

    def __init__(self, station: Station) -> None:
        super().__init__()
        self.station = station
        self.rows: list[AuditRow] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]Jejak audit[/b]", id="title")
            with Horizontal(id="filters"):
                yield Input(placeholder="Petugas", id="operator")
                yield Input(placeholder="Aksi (mis. queue.)", id="action")
                yield Input(placeholder="NIK / subjek", id="subject")
                yield Input(placeholder="Tanggal YYYY-MM-DD", id="date")
            yield Static("", id="result")
            yield Static("Tekan F6 (atau V di tabel) untuk memeriksa rantai audit.", id="chain")
            yield DataTable(id="events", zebra_stripes=True, cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#events", DataTable).add_columns(*COLUMNS)
        self.action_apply()

    def _filters(self) -> dict[str, Any] | None:
        def value(name: str) -> str | None:
            return self.query_one(f"#{name}", Input).value.strip() or None

        filters: dict[str, Any] = {
            "operator": value("operator"),
            "action": value("action"),
            "subject": value("subject"),
            "day": None,
        }
        date_text = value("date")
        if date_text:
            try:
                filters["day"] = dt.date.fromisoformat(date_text)
            except ValueError:
                self.query_one("#result", Static).update(
                    "Tanggal harus berbentuk YYYY-MM-DD, mis. 2026-11-29."
                )
                return None
        return filters

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    def action_apply(self) -> None:
        filters = self._filters()
        if filters is not None:
            self.load(filters)

    @work(thread=True, exclusive=True, group="audit-load")
    def load(self, filters: dict[str, Any]) -> None:
        tz = self.station.config.tz
        rows = [
            AuditRow(
                id=str(e.id),
                at=e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                operator=e.operator or "-",
                action=e.action,
                label=action_label(e.action),
                subject=e.subject or "-",
                channel=channel_text(e.channel, e.os_user),
                summary=details_summary(e.details, 60),
                lines=tuple(details_lines(e.details)),
            )
            for e in audit_trail(self.station, limit=LIMIT, **filters)
        ]
        self._to_ui(self._show, rows)

    def _show(self, rows: list[AuditRow]) -> None:
        self.rows = rows
        table = self.query_one("#events", DataTable)
        table.clear()
        for row in rows:
            table.add_row(*(Text(cell) for cell in row.cells()), key=row.id)
        more = " (dibatasi; persempit saringan)" if len(rows) >= LIMIT else ""
        self.query_one("#result", Static).update(f"{len(rows)} peristiwa{more}")

    @on(DataTable.RowSelected, "#events")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self.app.push_screen(AuditDetail(self.rows[event.cursor_row]))

    def action_verify(self) -> None:
        self.query_one("#chain", Static).update("Memeriksa rantai audit…")
        self.verify()

    @work(thread=True, exclusive=True, group="audit-verify")
    def verify(self) -> None:
        report = audit_chain(self.station)
        text: Content | str
        if report.ok:
            text = f"[green]Rantai audit utuh: {report.events} peristiwa.[/green]"
        else:
            text = markup("[red]Rantai audit RUSAK: $problem[/red]", problem=report.problem or "")
        self._to_ui(self.query_one("#chain", Static).update, text)

    def action_leave(self) -> None:
        self.dismiss(None)
