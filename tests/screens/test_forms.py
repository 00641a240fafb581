"""Forms that read well (issue 14, point 11): login typed fast, the registration form, the
Today screen at 100 columns, the audit viewer's labels and detail.

pytest-asyncio is not installed: each test runs its coroutine with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from textual import events
from textual.widgets import DataTable, Input, Select

from station.home.context import Station
from station.letters import desk as letter_desk
from station.screens.operator.app import OperatorApp
from station.screens.operator.lookup import LookupScreen
from station.screens.operator.main import MainScreen
from station.screens.operator.register import RegisterScreen
from station.screens.operator.today import TodayScreen
from station.store.models import AuditEvent, Resident
from tests.helpers.letter_helpers import HEAD, RESIDENTS
from tests.helpers.operator_pilot import add_indexed_residents, notes, run, settle, text, to_lookup
from tests.screens.test_today_screen import desk, issue_served  # noqa: F401  (fixture)

SIZE = (100, 30)


def type_fast(app: OperatorApp, text: str) -> None:
    """Queue every key at once, as a fast typist (or a barcode scanner) does: nothing is
    processed between two keys."""
    for char in text:
        key = "enter" if char == "\r" else char
        app.post_message(events.Key(key, char))


@pytest.mark.parametrize(("preset", "typed"), [(1, "sari\r2468\r"), (None, "1\rsari\r2468\r")])
def test_keys_typed_fast_at_login_land_in_their_fields(
    station: Station, preset: int | None, typed: str
) -> None:
    """`sari⏎2468⏎` typed before the screen has caught up: user sari, PIN 2468, signed in
    (it used to end as user `sari2468` with an empty PIN)."""

    async def scenario() -> None:
        app = OperatorApp(station, counter=preset)
        async with app.run_test(size=SIZE) as pilot:
            type_fast(app, typed)
            await settle(app, pilot)
            assert isinstance(app.screen, MainScreen)
            assert app.user is not None and app.user.username == "sari"
            assert app.counter == 1

    asyncio.run(scenario())


def test_today_at_100_columns_shows_status(desk: Station) -> None:  # noqa: F811
    """A revoked letter must not look valid on a 100-column terminal: its status is on
    screen, not scrolled off to the right of the letters table."""
    issued, _ = issue_served(desk)
    letter_desk.revoke(desk, issued.number, reason="salah data", operator="lurah")

    async def scenario() -> None:
        app = OperatorApp(station=desk, counter=1)
        async with app.run_test(size=(100, 30)) as pilot:
            type_fast(app, "sari\r2468\r")
            await settle(app, pilot)
            app.push_screen(TodayScreen())
            await settle(app, pilot)
            table = app.screen.query_one("#letters", DataTable)
            labels = [str(c.label) for c in table.columns.values()]
            widths = [c.get_render_width(table) for c in table.columns.values()]
            status = labels.index("Status")
            assert str(table.get_row_at(0)[status]) == "DICABUT"
            left = sum(widths[:status])
            assert left + len("DICABUT") <= table.scrollable_content_region.width

    asyncio.run(scenario())


NEW_NIK = "5371034112850003"  # a woman born 1 December 1985 (day + 40)


def test_registration_form_borders_prefill_from_nik_and_sex_labels(station: Station) -> None:
    """Opened from the lookup (whose `#nik, #name` style once leaked into it): NIK and Nama
    keep the form's border; birth date and sex come from the NIK; sex reads Laki-laki /
    Perempuan, not L / P."""

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=(100, 40)) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*NEW_NIK, "enter")
            await settle(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            form = app.screen
            assert isinstance(form, RegisterScreen)
            kk = form.query_one("#kk_number", Input)
            for key in ("nik", "name"):
                field = form.query_one(f"#{key}", Input)
                edge = field.styles.border_top[0]
                assert edge == kk.styles.border_top[0] and edge not in ("", "none")
                assert field.region.height == kk.region.height == 3
            assert form.query_one("#birth_date", Input).value == "01-12-1985"
            sex = form.query_one("#sex", Select)
            assert sex.value == "P"
            assert [str(label) for label, _ in sex._options[1:]] == ["Laki-laki", "Perempuan"]
            # Another NIK (a man born 17-08-1990) moves the filled-in values along ...
            form.query_one("#nik", Input).value = HEAD
            await pilot.pause()
            assert form.query_one("#birth_date", Input).value == "17-08-1990"
            assert sex.value == "L"
            # ... but never over what the operator typed.
            form.query_one("#birth_date", Input).value = "18-08-1990"
            form.query_one("#nik", Input).value = NEW_NIK
            await pilot.pause()
            assert form.query_one("#birth_date", Input).value == "18-08-1990"
            assert sex.value == "P"

    run(scenario())


def test_edit_a_resident_from_the_card(station: Station) -> None:
    """F4 on the card opens the form filled in; the correction is saved through the
    importer's checks, shown on the card, and audited with old and new values."""
    add_indexed_residents(station, RESIDENTS)

    async def scenario() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=(100, 40)) as pilot:
            await to_lookup(app, pilot)
            await pilot.press(*HEAD, "enter")
            await settle(app, pilot)
            assert "Jl. Timor Raya No. 12" in text(app, "#card")
            await pilot.press("f4")
            await settle(app, pilot)
            form = app.screen
            assert isinstance(form, RegisterScreen)
            assert form.query_one("#nik", Input).disabled
            assert form.query_one("#name", Input).value == "YOHANES EMANUEL KEBAN"
            assert form.query_one("#birth_date", Input).value == "17-08-1990"
            assert form.query_one("#religion", Select).value == "KATHOLIK"
            form.query_one("#rt", Input).value = "abc"  # the importer's rule refuses it
            await pilot.press("f2")
            await settle(app, pilot)
            assert "kolom RT harus angka" in text(app, "#register-message")
            assert isinstance(app.screen, RegisterScreen)
            form.query_one("#rt", Input).value = "7"
            address = form.query_one("#address", Input)
            address.value = "Jl. Adisucipto No. 7"
            await pilot.press("f2")
            await settle(app, pilot)
            assert isinstance(app.screen, LookupScreen)
            card = text(app, "#card")
            assert "Jl. Adisucipto No. 7" in card and "RT 007" in card
            assert any("diperbarui" in n for n in notes(app))

    run(scenario())
    with station.db.read() as session:
        resident = session.scalars(select(Resident).where(Resident.nik == HEAD)).one()
        assert (resident.address, resident.rt) == ("Jl. Adisucipto No. 7", "007")
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "resident.update")
        ).all()
    assert event.operator == "sari"
    assert event.details["changes"] == {
        "address": {"old": "Jl. Timor Raya No. 12", "new": "Jl. Adisucipto No. 7"},
        "rt": {"old": "003", "new": "007"},
    }
