"""The PIN mandiri set from the resident card at the counter (F5), only for a resident who may
hold one, and offered after a letter is issued (issue "Service Box")."""

from __future__ import annotations

from sqlalchemy import select, update
from textual.widgets import Input

from station.home.context import Station
from station.register.pins import has_pin
from station.screens.operator.app import OperatorApp
from station.screens.operator.lookup import LookupScreen
from station.screens.operator.pin import PinScreen
from station.store.models import AuditEvent, Resident
from tests.helpers.letter_helpers import HEAD, RESIDENTS, WIFE
from tests.helpers.operator_pilot import (
    SIZE,
    add_indexed_residents,
    run,
    settle,
    text,
    to_lookup,
)


def _ready(station: Station) -> None:
    add_indexed_residents(station, RESIDENTS)
    with station.db.write() as session:
        session.execute(update(Resident).where(Resident.nik == HEAD).values(ektp_recorded=True))


def test_f4_on_the_card_sets_the_pin_after_two_equal_entries(station: Station) -> None:
    _ready(station)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*HEAD, "enter")
            await settle(app, pilot)
            assert "F5" in text(app, "#card") and "pasang PIN mandiri" in text(app, "#card")
            await pilot.press("f5")
            await pilot.pause()
            assert isinstance(app.screen, PinScreen)
            await pilot.press(*"482913", "enter", *"482914", "enter")
            await settle(app, pilot)
            assert "tidak sama" in text(app, "#pin-message")
            await pilot.press(*"123456", "enter", *"123456", "enter")
            await settle(app, pilot)
            assert "mudah" in text(app, "#pin-message")  # the core's rules, shown
            assert app.screen.query_one("#pin-first", Input).value == ""
            await pilot.press(*"482913", "enter", *"482913", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LookupScreen)
            assert "ganti PIN mandiri" in text(app, "#card")

    run(scenario())
    with station.db.read() as session:
        assert has_pin(session, station.office_id, HEAD)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "resident.pin_set")
        ).one()
        assert event.operator == "sari" and "482913" not in str(event.details)


def test_no_pin_for_a_resident_without_a_recorded_e_ktp(station: Station) -> None:
    _ready(station)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*WIFE, "enter")
            await settle(app, pilot)
            assert "MARIA KEBAN" in text(app, "#card")
            assert "PIN mandiri" not in text(app, "#card")
            await pilot.press("f5")
            await pilot.pause()
            assert isinstance(app.screen, LookupScreen)

    run(scenario())
    with station.db.read() as session:
        assert not has_pin(session, station.office_id, WIFE)


def test_after_a_letter_the_counter_is_reminded_to_offer_the_pin(
    station: Station, tmp_path: object
) -> None:
    _ready(station)
    station.config.printer.uri = f"file:{tmp_path}/printer.bin"
    from tests.helpers.operator_pilot import notes

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*HEAD, "enter")
            await settle(app, pilot)
            for key in ("enter", "enter", "enter"):  # letter, SKD, its optional field
                await pilot.press(key)
                await settle(app, pilot)
            await pilot.press(*"Melamar", "enter")  # purpose, then the preview
            await settle(app, pilot)
            await pilot.press("enter")  # issue and print
            await settle(app, pilot)
            assert any("belum punya PIN mandiri" in n for n in notes(app)), notes(app)

    run(scenario())
