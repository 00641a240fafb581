"""The admin reports screen, pushed on a minimal App, on a real station with a short day."""

from __future__ import annotations

import asyncio
import datetime as dt

from textual.app import App
from textual.widgets import DataTable, Input, Sparkline, Static

from station.home.context import Station
from station.queue.facade import Queue
from station.screens.operator.reports import ReportsScreen, bar
from station.store.models import Resident
from tests.helpers.operator_pilot import settle as _settle


class Host(App[None]):
    def __init__(self, station: Station) -> None:
        super().__init__()
        self.station = station

    def on_mount(self) -> None:
        self.push_screen(ReportsScreen(self.station))


def _day(station: Station) -> None:
    tz = station.config.tz
    today = dt.datetime.now(tz).date()

    def at(hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(today, dt.time(hour, minute), tzinfo=tz)

    q = Queue.for_station(station)
    q.open_counter(1, "sari", services=["A", "B"], now=at(7, 50))
    for prefix, when in (("A", at(8)), ("A", at(8, 5)), ("B", at(8, 10)), ("A", at(9))):
        q.take_ticket(prefix, now=when)
    q.call_next(1, "sari", now=at(8, 10))
    q.finish(1, "sari", outcome="information_given", now=at(8, 20))
    with station.db.write() as session:
        session.add(
            Resident(
                office_id=station.office_id,
                nik="5371031708900001",
                kk_number="5371030101150003",
                name="UJI",
                birth_date=dt.date(1990, 8, 17),
                sex="L",
            )
        )


def test_reports_screen_shows_the_day(station: Station) -> None:
    _day(station)

    async def scenario() -> None:
        app = Host(station)
        async with app.run_test(size=(120, 40)) as pilot:
            await _settle(app, pilot)
            headline = str(app.screen.query_one("#headline", Static).render())
            assert "Tiket 4" in headline and "dilayani 1" in headline
            assert "25.00%" in headline  # one of four finished with the matter done
            assert "belum rekam KTP-el: 1" in headline
            table = app.screen.query_one("#services", DataTable)
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            assert [r[1] for r in rows] == ["3", "1"]
            assert rows[0][5] == "10.0 mnt"  # A-001 waited 08:00 -> 08:10
            bars = str(app.screen.query_one("#bars", Static).render())
            assert bars.splitlines()[0].count("█") == 30  # A is the longest bar
            assert app.screen.query_one("#sparkline", Sparkline).data == [3, 1]
            for field in ("#from", "#to"):  # the period is visible and editable on screen
                region = app.screen.query_one(field, Input).region
                assert region.width >= 12 and region.right <= 120
            # another period: nothing
            app.screen.query_one("#from", Input).value = "2020-01-01"
            app.screen.query_one("#to", Input).value = "2020-01-02"
            app.screen.query_one("#to", Input).focus()
            await pilot.press("enter")
            await _settle(app, pilot)
            assert "Tiket 0" in str(app.screen.query_one("#headline", Static).render())
            app.screen.query_one("#to", Input).value = "salah"
            await pilot.press("enter")
            await _settle(app, pilot)
            assert "YYYY-MM-DD" in str(app.screen.query_one("#headline", Static).render())

    asyncio.run(scenario())


def test_bar() -> None:
    assert bar(0, 10) == "" and bar(5, 0) == ""
    assert bar(10, 10, 4) == "████"
    assert bar(1, 16, 4) == "▎"  # a quarter of one cell: 2 eighths
    assert len(bar(7, 10, 10)) == 7


def test_reports_screen_shows_channels_and_overdue_requests(station: Station) -> None:
    """The Service Box in the lurah's view (issue 16): channels, requests waiting and late."""
    from station.letters.requests import create_request
    from station.office.clock import OfficeClock
    from tests.helpers.letter_helpers import add_residents

    add_residents(station.db, station.office_id)
    tz = station.config.tz
    today = dt.datetime.now(tz).date()
    two_days_ago = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(23, 30), tzinfo=tz)
    real_clock = station.clock
    station.clock = OfficeClock(tz, lambda: two_days_ago)
    station.config.kiosk.opening_hours = []  # always open: the ticket is for that day
    receipt = create_request(
        station, nik="5371031708900001", type_code="SKTM", fields={}, purpose="Beasiswa"
    )
    station.clock = real_clock

    async def scenario() -> None:
        app = Host(station)
        async with app.run_test(size=(120, 40)) as pilot:
            await _settle(app, pilot)
            shown = str(app.screen.query_one("#channels", Static).render())
            assert "Permohonan menunggu 1 · terlambat 1" in shown
            assert f"{receipt.pickup_code} SKTM" in shown
            assert "Ditolak di mesin:" in shown and "5371031708900001" not in shown

    asyncio.run(scenario())
