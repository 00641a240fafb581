"""The lurah's view for admins: a period's tickets per service, bars, the completion rate,
the e-KTP backlog and satisfaction (IKM). Everything comes from the core
(``station.reports.overview.period_overview``) read in a thread worker; this screen only draws.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Sparkline, Static

from station.reports.box import summary_lines
from station.reports.overview import period_overview
from station.screens.base import StationScreen
from station.screens.operator.host import OperatorHost

if TYPE_CHECKING:
    from station.home.context import Station

BAR_WIDTH = 30
COLUMNS = ("Layanan", "Diambil", "Dilayani", "Tdk hadir", "Batal", "Tunggu (median)", "Layanan")


def bar(value: int, highest: int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of block characters, in eighths, scaled to ``highest``."""
    if highest <= 0 or value <= 0:
        return ""
    eighths = round(value / highest * width * 8)
    full, rest = divmod(max(eighths, 1), 8)
    return "█" * full + ("" if rest == 0 else " ▏▎▍▌▋▊▉"[rest])


def minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} mnt"


class ReportsScreen(StationScreen[OperatorHost], Screen[None]):
    DEFAULT_CSS = """
    ReportsScreen #period { height: auto; }
    ReportsScreen #period Input { width: 24; }
    ReportsScreen #period Static { width: auto; padding: 1 0 0 1; }
    ReportsScreen #headline { height: auto; padding: 0 1; text-style: bold; }
    ReportsScreen #services { height: auto; max-height: 12; }
    ReportsScreen #bars, ReportsScreen #hours { height: auto; padding: 0 1; }
    ReportsScreen Sparkline { height: 3; margin: 0 1; }
    ReportsScreen #channels { height: auto; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "load", "Muat ulang"),
        Binding("escape", "leave", "Kembali"),
    ]

    def __init__(self, station: Station) -> None:
        super().__init__()
        self.station = station

    def compose(self) -> ComposeResult:
        today = self.station.clock.today().isoformat()
        with Vertical():
            yield Static("[b]Laporan layanan[/b]")
            with Horizontal(id="period"):
                yield Static("Dari ")
                yield Input(value=today, placeholder="YYYY-MM-DD", id="from")
                yield Static(" s.d. ")
                yield Input(value=today, placeholder="YYYY-MM-DD", id="to")
            yield Static("Memuat…", id="headline")
            yield DataTable(id="services", cursor_type="none")
            yield Static("", id="bars")
            yield Static("Tiket per jam", id="hours")
            yield Sparkline([], id="sparkline")
            yield Static("", id="channels")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#services", DataTable).add_columns(*COLUMNS)
        self.action_load()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_load()

    def action_load(self) -> None:
        try:
            start = dt.date.fromisoformat(self.query_one("#from", Input).value.strip())
            end = dt.date.fromisoformat(self.query_one("#to", Input).value.strip())
        except ValueError:
            self.query_one("#headline", Static).update("Tanggal harus berbentuk YYYY-MM-DD.")
            return
        if end < start:
            self.query_one("#headline", Static).update("Tanggal akhir sebelum tanggal awal.")
            return
        self.query_one("#headline", Static).update("Memuat…")
        self.load(start, end)

    @work(thread=True, exclusive=True, group="reports")
    def load(self, start: dt.date, end: dt.date) -> None:
        found = period_overview(self.station, start, end)
        self._to_ui(self._show, found.report, found.ektp_unrecorded, found.skm)

    def _show(self, report: dict[str, Any], ektp: int, skm: dict[str, Any]) -> None:
        total = report["tickets"]["total"]
        rate = report["completion_rate"]
        ikm = "-" if skm["ikm"] is None else f"{skm['ikm']} ({skm['grade']}, {skm['label']})"
        self.query_one("#headline", Static).update(
            f"Tiket {total['taken']} · dilayani {total['served']} · selesai satu kunjungan "
            f"{'-' if rate is None else f'{rate:.2f}%'} · surat {report['letters']['total']}\n"
            f"Wajib KTP belum rekam KTP-el: {ektp} · IKM {ikm} dari {skm['respondents']} "
            "responden"
        )
        table = self.query_one("#services", DataTable)
        table.clear()
        waiting = report["waiting_time"]["by_service"]
        serving = report["service_time"]["by_service"]
        services = report["tickets"]["by_service"]
        for prefix, counts in services.items():
            table.add_row(
                Text(f"{prefix} {counts['name']}"),
                counts["taken"],
                counts["served"],
                counts["no_show"],
                counts["cancelled"],
                minutes(waiting.get(prefix, {}).get("median")),
                minutes(serving.get(prefix, {}).get("median")),
            )
        highest = max((c["taken"] for c in services.values()), default=0)
        lines = [
            f"{prefix:<4}{bar(c['taken'], highest)} {c['taken']}" for prefix, c in services.items()
        ]
        self.query_one("#bars", Static).update("\n".join(lines) or "Belum ada tiket.")
        per_hour = report["tickets_per_hour"]
        hours = range(min(map(int, per_hour), default=8), max(map(int, per_hour), default=15) + 1)
        counts = [per_hour.get(f"{h:02d}", 0) for h in hours]
        peak = ", ".join(f"{h}.00" for h in report["peak_hours"]) or "-"
        self.query_one("#hours", Static).update(
            f"Tiket per jam {hours.start:02d}.00-{hours.stop:02d}.00 · jam tersibuk: {peak}"
        )
        self.query_one("#sparkline", Sparkline).data = counts
        if "channels" in report:  # counter, kiosk and Service Box (station.reports.box)
            lines = summary_lines(report["channels"])
            self.query_one("#channels", Static).update(Text("\n".join(lines)))

    def action_leave(self) -> None:
        self.dismiss(None)
