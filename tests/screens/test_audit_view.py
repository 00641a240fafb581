"""The audit viewer: filters by operator, action, NIK and date; V finds a tampered chain."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import update
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from station.home.context import Station
from station.screens.operator.audit_view import AuditDetail, AuditScreen
from station.store import audit
from station.store.models import AuditEvent
from tests.helpers.operator_pilot import settle as _settle

NIK = "5371031708900001"


class Host(App[None]):
    def __init__(self, station: Station) -> None:
        super().__init__()
        self.station = station

    def on_mount(self) -> None:
        self.push_screen(AuditScreen(self.station))


def _events(station: Station) -> None:
    station.db.channel = "app"  # as the operator app's station (station.cli.apps)
    with station.db.write() as session:
        for operator, action, subject in (
            ("sari", "resident.lookup", NIK),
            ("sari", "resident.lookup", "5371035505920002"),
            ("budi", "queue.called", "ticket:2026-11-29:A-001"),
            ("budi", "resident.lookup", NIK),
        ):
            audit.record(
                session,
                office_id=station.office_id,
                action=action,
                subject=subject,
                operator=operator,
            )


def _rows(app: App[None]) -> list[list[str]]:
    table = app.screen.query_one("#events", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def _filter(app: App[None], pilot: Pilot[None], **values: str) -> list[list[str]]:
    for name in ("operator", "action", "subject", "date"):
        app.screen.query_one(f"#{name}", Input).value = values.get(name, "")
    app.screen.query_one("#operator", Input).focus()
    await pilot.press("enter")
    await _settle(app, pilot)
    return _rows(app)


def test_filters_and_chain_check(station: Station) -> None:
    _events(station)

    async def scenario() -> None:
        app = Host(station)
        async with app.run_test(size=(140, 40)) as pilot:
            await _settle(app, pilot)
            everything = _rows(app)
            assert len(everything) >= 5  # init, operator added, and the four above
            assert int(everything[0][0]) > int(everything[-1][0])  # newest first
            rows = await _filter(app, pilot, subject=NIK)
            assert len(rows) == 2 and {r[2] for r in rows} == {"sari", "budi"}
            assert await _filter(app, pilot, subject=NIK[:10]) == []  # never by prefix
            rows = await _filter(app, pilot, operator="budi", action="queue.")
            assert [r[3] for r in rows] == ["Tiket dipanggil"]
            # where it came from: the channel of the station that wrote it, and the OS user
            assert rows[0][5] == f"app ({audit.os_user()})"
            rows = await _filter(app, pilot, operator="sari", action="resident.lookup")
            assert len(rows) == 2
            today = dt.datetime.now(station.config.tz).date()
            assert len(await _filter(app, pilot, date=today.isoformat())) == len(everything)
            assert await _filter(app, pilot, date=(today - dt.timedelta(1)).isoformat()) == []
            await _filter(app, pilot, date="kemarin")
            text = str(app.screen.query_one("#result", Static).render())
            assert "YYYY-MM-DD" in text
            app.screen.query_one("#events", DataTable).focus()
            await pilot.press("v")
            await _settle(app, pilot)
            assert "utuh" in str(app.screen.query_one("#chain", Static).render())
            with station.db.write() as session:
                session.execute(
                    update(AuditEvent)
                    .where(AuditEvent.operator == "budi")
                    .values(operator="mallory")
                )
            app.screen.query_one("#subject", Input).focus()  # F6 works from a filter too
            await pilot.press("f6")
            await _settle(app, pilot)
            assert "RUSAK" in str(app.screen.query_one("#chain", Static).render())

    asyncio.run(scenario())


def test_labels_in_indonesian_and_a_detail_view(station: Station) -> None:
    """The table names actions in Indonesian (not ``queue.taken_over``); Enter on a row
    shows the code and every detail, however long (the table line is cut)."""
    long_reason = "salah ketik nama ayah " + "x" * 200 + " AKHIR"
    with station.db.write() as session:
        audit.record(
            session,
            office_id=station.office_id,
            action="queue.taken_over",
            subject="ticket:2026-11-29:B-001",
            details={"counter": 2, "from_counter": 1, "reason": long_reason},
            operator="budi",
        )

    async def scenario() -> None:
        app = Host(station)
        async with app.run_test(size=(140, 40)) as pilot:
            await _settle(app, pilot)
            top = _rows(app)[0]
            assert top[3] == "Tiket diambil alih loket lain"
            assert "queue.taken_over" not in top
            assert "Loket: 2" in top[6] and "Dari loket: 1" in top[6]
            assert "AKHIR" not in top[6] and top[6].endswith("…")
            table = app.screen.query_one("#events", DataTable)
            table.focus()
            table.move_cursor(row=0)
            await pilot.press("enter")
            await _settle(app, pilot)
            assert isinstance(app.screen, AuditDetail)
            text = str(app.screen.query_one("#detail", Static).render())
            assert "queue.taken_over" in text and "Tiket diambil alih loket lain" in text
            assert "budi" in text and "ticket:2026-11-29:B-001" in text
            assert long_reason in text.replace("\n", "")
            await pilot.press("escape")
            await _settle(app, pilot)
            assert isinstance(app.screen, AuditScreen)

    asyncio.run(scenario())
