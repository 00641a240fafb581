"""A letter request from the Service Box served at the counter (issue 16, point 6): after the
operator calls its ticket, F7 opens the letter filled from the request and Enter issues it:
at most 3 keys after the call (real OperatorApp, Pilot, SQLite, file printer)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import select

from station.home.context import Station
from station.letters.requests import create_request
from station.screens.operator.app import OperatorApp
from station.screens.operator.letter import STEP_PREVIEW, LetterScreen
from station.store.models import Letter, LetterRequest, Ticket
from tests.helpers.escpos_reader import parse
from tests.helpers.letter_helpers import HEAD, add_residents
from tests.helpers.operator_pilot import login, settle, text

SIZE = (100, 34)


def test_request_ticket_issues_in_three_keys_after_the_call(
    station: Station, tmp_path: Path
) -> None:
    add_residents(station.db, station.office_id)
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    station.config.kiosk.opening_hours = []  # always open: the ticket is today's
    receipt = create_request(
        station,
        nik=HEAD,
        type_code="SKU",
        fields={
            "nama_usaha": "Kios Sembako Kasih",
            "jenis_usaha": "Perdagangan eceran",
            "alamat_usaha": "Jl. Timor Raya No. 12",
        },
        purpose="Pengajuan kredit usaha",
    )
    keys: list[str] = []

    async def main() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f2")  # the call
            await settle(app, pilot)
            assert app.screen.current is not None  # type: ignore[attr-defined]
            assert app.screen.current.number == receipt.ticket_number  # type: ignore[attr-defined]
            for key in ("f7",):
                keys.append(key)
                await pilot.press(key)
                await settle(app, pilot, rounds=5)
            screen = app.screen
            assert isinstance(screen, LetterScreen) and screen.step == STEP_PREVIEW
            preview = " ".join(text(app, "#preview-text").split()).casefold()
            assert "kios sembako kasih" in preview and "pengajuan kredit usaha" in preview
            keys.append("enter")
            await pilot.press("enter")  # issue and print
            await settle(app, pilot, rounds=5)
            assert not isinstance(app.screen, LetterScreen)

    asyncio.run(main())
    assert len(keys) <= 3
    with station.db.read() as session:
        letter = session.scalars(select(Letter)).one()
        row = session.scalars(select(LetterRequest)).one()
        ticket = session.scalars(select(Ticket)).one()
    assert row.status == "served" and row.letter_id == letter.id
    assert (
        letter.ticket_id == ticket.id and letter.field_values["nama_usaha"] == "Kios Sembako Kasih"
    )
    assert letter.number in "\n".join(parse((tmp_path / "printer.bin").read_bytes()).lines)


def test_a_resident_without_the_ticket_gets_the_request_filled_in_from_the_card(
    station: Station, tmp_path: Path
) -> None:
    """After its day the ticket is gone; the request still opens filled from the card (F8)."""
    from station.office.clock import OfficeClock

    add_residents(station.db, station.office_id)
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    station.config.kiosk.opening_hours = []
    real_clock = station.clock
    two_days_ago = real_clock.now() - dt.timedelta(days=2)
    station.clock = OfficeClock(station.config.tz, lambda: two_days_ago)
    receipt = create_request(
        station, nik=HEAD, type_code="SKTM", fields={}, purpose="Beasiswa sekolah anak"
    )
    station.clock = real_clock

    async def main() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f7")  # no ticket held: the lookup
            await settle(app, pilot)
            await pilot.press(*HEAD, "enter")
            await settle(app, pilot)
            await pilot.press("f8")  # a letter for the resident on the card
            await settle(app, pilot, rounds=6)
            screen = app.screen
            assert isinstance(screen, LetterScreen) and screen.step == STEP_PREVIEW
            assert screen.request is not None and screen.request.pickup_code == receipt.pickup_code
            assert any(receipt.pickup_code in n.message for n in app._notifications)
            await pilot.press("enter")
            await settle(app, pilot, rounds=5)

    asyncio.run(main())
    with station.db.read() as session:
        row = session.scalars(select(LetterRequest)).one()
        letter = session.scalars(select(Letter)).one()
    assert row.status == "served" and row.letter_id == letter.id and letter.ticket_id is None


def test_a_box_request_opens_on_the_first_field_left_to_the_counter(
    station: Station, tmp_path: Path
) -> None:
    """A Kelahiran requested at the box: what the resident picked is filled in, the cursor is
    on the first field the box left to the counter, Enter goes on to the next empty one and,
    when none is left, to the preview; Enter there issues it."""
    from textual.widgets import Input

    add_residents(station.db, station.office_id)
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    station.config.kiosk.opening_hours = []
    today = station.clock.today()
    receipt = create_request(
        station,
        nik=HEAD,
        type_code="SKL",
        fields={
            "jenis_kelamin_anak": "PEREMPUAN",
            "tanggal_lahir_anak": today.isoformat(),
            "hubungan_pelapor": "AYAH",
        },
        purpose="",
        at_counter=["nama_anak", "tempat_lahir_anak", "anak_ke", "nama_ibu"],
    )
    typed = {
        "nama_anak": "MARIA ANGELINA KEBAN",
        "tempat_lahir_anak": "RSUD Kupang",
        "anak_ke": "2",
        "nama_ibu": "MARIA KEBAN",
    }
    focused: list[str] = []

    async def main() -> None:
        app = OperatorApp(station, counter=2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot, counter="2")  # Kependudukan (B): births are served there
            await pilot.press("f2")
            await settle(app, pilot)
            assert app.screen.current.number == receipt.ticket_number  # type: ignore[attr-defined]
            await pilot.press("f7")
            await settle(app, pilot, rounds=6)
            screen = app.screen
            assert isinstance(screen, LetterScreen) and screen.step != STEP_PREVIEW
            assert screen.query_one("#field-jenis_kelamin_anak", Input).value == "PEREMPUAN"
            message = text(app, "#form-message")
            assert receipt.pickup_code in message and "Nama Anak" in message
            for _ in typed:
                assert isinstance(app.focused, Input)
                key = (app.focused.id or "").removeprefix("field-")
                focused.append(key)
                await pilot.press(*typed[key], "enter")
                await settle(app, pilot, rounds=3)
            assert screen.step == STEP_PREVIEW
            preview = " ".join(text(app, "#preview-text").split())
            assert "MARIA ANGELINA KEBAN" in preview and "RSUD Kupang" in preview
            await pilot.press("enter")
            await settle(app, pilot, rounds=5)
            assert not isinstance(app.screen, LetterScreen)

    asyncio.run(main())
    assert focused == ["nama_anak", "tempat_lahir_anak", "anak_ke", "nama_ibu"]
    with station.db.read() as session:
        letter = session.scalars(select(Letter)).one()
        row = session.scalars(select(LetterRequest)).one()
    assert row.status == "served" and row.letter_id == letter.id
    assert letter.field_values["jenis_kelamin_anak"] == "PEREMPUAN"
    assert letter.field_values["nama_anak"] == "MARIA ANGELINA KEBAN"


def test_a_purpose_the_box_had_no_list_for_is_asked_at_the_counter(
    station: Station, tmp_path: Path
) -> None:
    """SKPOT from the box: the child picked from the KK; the school, the income and the
    purpose (no list at the box) are the fields the cursor walks at the counter."""
    from textual.widgets import Input

    from station.store.models import Resident

    add_residents(station.db, station.office_id)
    child = "5371035005190003"
    with station.db.write() as session:
        head = session.scalars(select(Resident).where(Resident.nik == HEAD)).one()
        session.add(
            Resident(
                office_id=station.office_id, nik=child, kk_number=head.kk_number,
                name="PAULUS KEBAN", birth_place="KUPANG", birth_date=dt.date(2019, 5, 10),
                sex="L", address=head.address, marital_status="BELUM KAWIN",
                family_relationship="ANAK",
            )
        )  # fmt: skip
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    station.config.kiosk.opening_hours = []
    create_request(
        station, nik=HEAD, type_code="SKPOT", fields={"nik_anak": child}, purpose="",
        at_counter=["sekolah", "penghasilan", "keperluan"],
    )  # fmt: skip
    typed = {"sekolah": "SDI Oesapa", "penghasilan": "2000000", "keperluan": "Beasiswa"}
    focused: list[str] = []

    async def main() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            await pilot.press("f7")
            await settle(app, pilot, rounds=6)
            screen = app.screen
            assert isinstance(screen, LetterScreen) and screen.step != STEP_PREVIEW
            assert "Keperluan" in text(app, "#form-message")
            for _ in typed:
                assert isinstance(app.focused, Input)
                key = (app.focused.id or "").removeprefix("field-")
                focused.append(key)
                await pilot.press(*typed[key], "enter")
                await settle(app, pilot, rounds=3)
            assert screen.step == STEP_PREVIEW
            assert "PAULUS KEBAN" in " ".join(text(app, "#preview-text").split())
            await pilot.press("enter")
            await settle(app, pilot, rounds=5)

    asyncio.run(main())
    assert focused == ["sekolah", "penghasilan", "keperluan"]
    with station.db.read() as session:
        letter = session.scalars(select(Letter)).one()
        assert session.scalars(select(LetterRequest)).one().status == "served"
    assert letter.purpose == "Beasiswa" and letter.field_values["nik_anak"] == child
