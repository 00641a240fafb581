"""Resident lookup, registration, idle lock and takeover in the real operator app (Pilot)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from textual.widgets import Input, OptionList, Select

from station.home.context import Station
from station.queue.facade import Queue
from station.screens.operator.app import OperatorApp
from station.screens.operator.lock import LockScreen
from station.screens.operator.login import LoginScreen
from station.screens.operator.lookup import LookupScreen, live_nik_text
from station.screens.operator.main import MainScreen
from station.screens.operator.register import RegisterScreen
from station.store.models import Resident, Ticket
from tests.helpers.letter_helpers import HEAD, RESIDENTS
from tests.helpers.operator_pilot import (
    SIZE,
    add_indexed_residents,
    audit_actions,
    login,
    notes,
    run,
    settle,
    text,
    to_lookup,
)

NEW_NIK = "5371034112850003"  # a woman born 1 December 1985 (day + 40)


def _ticket(station: Station, number: str) -> Ticket:
    with station.db.read() as session:
        return session.scalars(select(Ticket).where(Ticket.number == number)).one()


def test_live_nik_line_decodes_and_names_errors() -> None:
    today = dt.date(2026, 11, 29)
    line, error = live_nik_text("5371031708900001", today)
    assert not error
    assert "NUSA TENGGARA TIMUR" in line.upper()
    assert "17-08-1990" in line
    assert "Laki-Laki" in line
    assert live_nik_text("53", today) == ("Provinsi Nusa Tenggara Timur · 2/16 digit", False)
    line, error = live_nik_text("5371031713900001", today)  # month 13
    assert error and "Bulan" in line
    assert live_nik_text("53710317089000012", today)[1]  # 17 digits
    assert "Kota Kupang" in live_nik_text("5371", today)[0]


def test_lookup_found_attaches_the_nik_and_starts_service(station: Station) -> None:
    add_indexed_residents(station, RESIDENTS)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            number = Queue.for_station(station).take_ticket("A").ticket.number
            await pilot.press("f2")
            await settle(app, pilot)
            await pilot.press("f7")
            await pilot.pause()
            assert isinstance(app.screen, LookupScreen)
            await pilot.press(*HEAD)
            assert "17-08-1990" in text(app, "#nik-live")
            await pilot.press("enter")
            await settle(app, pilot)
            card = text(app, "#card")
            assert "YOHANES EMANUEL KEBAN" in card
            assert "umur" in card
            assert "Jl. Timor Raya No. 12" in card
            await pilot.press("escape")
            await settle(app, pilot)
            assert isinstance(app.screen, MainScreen)
            assert "NIK 5371********0001" in text(app, "#ticket")
        ticket = _ticket(station, number)
        assert ticket.resident_nik == HEAD
        assert ticket.status == "serving"

    run(scenario())
    assert "resident.lookup" in audit_actions(station)


def test_an_invalid_nik_is_refused_before_the_register_is_touched(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*"5371031713900001", "enter")
            await settle(app, pilot)
            assert "Bulan" in text(app, "#nik-live")
            assert app.screen.query_one("#nik", Input).value == "5371031713900001"

    run(scenario())
    assert "resident.lookup" not in audit_actions(station)


def test_not_found_then_registered_then_found_by_name(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*NEW_NIK, "enter")
            await settle(app, pilot)
            assert "tidak terdaftar" in text(app, "#card")
            await pilot.press("f2")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, RegisterScreen)
            assert form.query_one("#nik", Input).value == NEW_NIK
            await pilot.press("f2")  # save with the required fields empty: refused
            await settle(app, pilot)
            assert "Belum dapat disimpan" in text(app, "#register-message")
            assert isinstance(app.screen, RegisterScreen)
            form.query_one("#kk_number", Input).value = "5371030101150003"
            form.query_one("#name", Input).value = "  welhelmina   nalle "
            form.query_one("#birth_place", Input).value = "Kupang"
            form.query_one("#birth_date", Input).value = "01-12-1985"
            form.query_one("#sex", Select).value = "P"
            form.query_one("#address", Input).value = "Jl. Adisucipto 7"
            await pilot.press("f2")
            await settle(app, pilot)
            assert isinstance(app.screen, LookupScreen)
            assert "WELHELMINA NALLE" in text(app, "#card")
            assert any("terdaftar" in n for n in notes(app))

            # found again by name (the search index knows the new resident)
            await pilot.press("f3")
            await pilot.press(*"nalle", "enter")
            await settle(app, pilot)
            results = app.screen.query_one("#results", OptionList)
            assert results.option_count == 1
            await pilot.press("enter")
            await settle(app, pilot)
            assert "WELHELMINA NALLE" in text(app, "#card")

    run(scenario())
    with station.db.read() as session:
        resident = session.scalars(select(Resident).where(Resident.nik == NEW_NIK)).one()
        assert resident.name == "WELHELMINA NALLE"
        assert resident.birth_date == dt.date(1985, 12, 1)
        assert resident.kelurahan == station.config.office.name.upper()
    actions = audit_actions(station)
    assert "resident.register" in actions
    assert "resident.search" in actions


def test_registering_a_known_nik_is_refused(station: Station) -> None:
    add_indexed_residents(station, RESIDENTS)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            await pilot.press("f2")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, RegisterScreen)
            values: dict[str, Any] = {
                "#nik": HEAD,
                "#kk_number": "5371030101150003",
                "#name": "Someone Else",
                "#birth_date": "17-08-1990",
            }
            for selector, value in values.items():
                form.query_one(selector, Input).value = value
            form.query_one("#sex", Select).value = "L"
            await pilot.press("f2")
            await settle(app, pilot)
            assert "sudah terdaftar" in text(app, "#register-message")

    run(scenario())
    with station.db.read() as session:
        assert session.scalars(select(Resident.name).where(Resident.nik == HEAD)).one() == (
            "YOHANES EMANUEL KEBAN"
        )


def test_idle_lock_keeps_the_work_and_needs_the_pin(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, counter=1, idle_lock_seconds=3600)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*"53710317")  # half a NIK typed, then the operator walks away
            await pilot.pause(1.0)
            assert isinstance(app.screen, LookupScreen)  # not idle long enough yet
            app.idle_lock_seconds = 0.2
            await pilot.pause(1.2)
            assert isinstance(app.screen, LockScreen)
            await pilot.press(*"1111", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LockScreen)
            assert "PIN salah" in text(app, "#lock-message")
            await pilot.press(*"2468", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, LookupScreen)
            assert app.screen.query_one("#nik", Input).value == "53710317"

    run(scenario())
    actions = audit_actions(station)
    assert "operator.login_failed" in actions


def test_five_wrong_pins_at_the_lock_sign_out_and_close_the_counter(station: Station) -> None:
    async def scenario() -> None:
        app = OperatorApp(station, counter=1, idle_lock_seconds=3600)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            app.idle_lock_seconds = 0.2
            await pilot.pause(1.2)
            assert isinstance(app.screen, LockScreen)
            for _ in range(5):
                await pilot.press(*"1111", "enter")
                await settle(app, pilot)
            assert isinstance(app.screen, LoginScreen)
            assert "terkunci" in text(app, "#login-message")
        assert Queue.for_station(station).status().counters[0].open is False

    run(scenario())


def test_the_card_offers_the_ektp_letter_to_an_adult_without_ektp(station: Station) -> None:
    add_indexed_residents(station, RESIDENTS)  # HEAD: 36 years old, e-KTP not recorded

    async def scenario() -> None:
        from station.screens.operator.letter import LetterScreen

        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            assert not app.screen.check_action("ektp_letter", ())  # nobody found yet
            await pilot.press(*HEAD, "enter")
            await settle(app, pilot)
            assert "Pengantar Perekaman" in text(app, "#card")
            await pilot.press("f9")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, LetterScreen)
            assert screen.offers[0].code == "EKTP"

    run(scenario())


def test_f6_records_the_ektp_and_the_warning_goes(station: Station) -> None:
    add_indexed_residents(station, RESIDENTS)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*HEAD, "enter")
            await settle(app, pilot)
            assert "BELUM REKAM" in text(app, "#card")
            await pilot.press("f6")
            await pilot.pause()
            await pilot.press("enter")  # "Batal" is the safe default
            await settle(app, pilot)
            assert "BELUM REKAM" in text(app, "#card")
            await pilot.press("f6")
            await pilot.pause()
            await pilot.press("up", "enter")
            await settle(app, pilot)
            card = text(app, "#card")
            assert "SUDAH REKAM" in card and "Pengantar Perekaman" not in card

    run(scenario())
    with station.db.read() as session:
        resident = session.scalars(select(Resident).where(Resident.nik == HEAD)).one()
        assert resident.ektp_recorded and resident.ektp_recorded_on is not None
    assert "resident.ektp_recorded" in audit_actions(station)
