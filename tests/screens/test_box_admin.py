"""The admin screen's Layanan Mandiri tab: the lurah changes which letters the Service Box may
issue (issue "Service Box"), stored in the database and audited."""

from __future__ import annotations

from sqlalchemy import select
from textual.widgets import DataTable, TabbedContent

from station.home.context import Station
from station.letters.box import self_service_modes
from station.letters.store import LetterSettings
from station.screens.operator.app import OperatorApp
from station.store.models import AuditEvent, LetterSelfService
from tests.helpers.operator_pilot import add_admin, run, settle, to_admin


def _modes(station: Station) -> dict[str, str]:
    settings = LetterSettings.from_config(station.config)
    with station.db.read() as session:
        return self_service_modes(session, station.office_id, settings.catalogue)


def test_the_lurah_sets_a_letter_to_issue_at_the_box_and_back(station: Station) -> None:
    add_admin(station)
    assert _modes(station)["SKTM"] == "request" and _modes(station)["SKH"] == "no"

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=(120, 40)) as pilot:
            await to_admin(app, pilot)
            app.screen.query_one("#admin-tabs", TabbedContent).active = "tab-box"
            await settle(app, pilot)
            table = app.screen.query_one("#self-service", DataTable)
            table.focus()
            codes = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            assert "SKD" in codes and "SKH" in codes
            table.move_cursor(row=codes.index("SKH"))
            await pilot.press("1")  # a tenth type: refused, said, nothing changed
            await settle(app, pilot)
            assert _modes(station)["SKH"] == "no"
            assert any("hanya dapat menawarkan 9" in n.message for n in app._notifications)
            table.move_cursor(row=codes.index("SKP"))
            await pilot.press("3")  # Pindah off the box makes room
            await settle(app, pilot)
            table.move_cursor(row=codes.index("SKH"))
            await pilot.press("1")  # Surat Keterangan Kehilangan: issue at the box
            await settle(app, pilot)
            assert _modes(station)["SKH"] == "issue"
            assert "terbit langsung" in str(table.get_row_at(codes.index("SKH"))[2])
            for _ in range(2):  # issue → request → no (the TOML's own)
                await pilot.press("enter")
                await settle(app, pilot)

    run(scenario())
    assert _modes(station)["SKH"] == "no"
    with station.db.read() as session:
        overrides = session.scalars(select(LetterSelfService)).all()  # SKH back to default
        assert [(o.type_code, o.mode) for o in overrides] == [("SKP", "no")]
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "letter.self_service")
        ).all()
    assert [(e.subject, e.details["to"], e.operator) for e in events] == [
        ("SKP", "no", "admin"),
        ("SKH", "issue", "admin"),
        ("SKH", "request", "admin"),
        ("SKH", "no", "admin"),
    ]
