"""The whole counter flow in the real app, and the keystroke budget (issue 6, point 10).

From the main screen with a waiting ticket of a known resident: call it, look the resident up,
issue and print a Keterangan Domisili, finish — at most 15 keys besides typing the NIK and the
purpose. Every key goes through ``Keys.press``, which counts it; typing goes through
``Keys.type``, which does not.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from textual.pilot import Pilot

from station.home.context import Station
from station.home.keys import public_keys
from station.letters.seal import verify_token
from station.letters.verify import register_check
from station.queue.facade import Queue
from station.screens.choice import ChoiceDialog
from station.screens.operator.app import OperatorApp
from station.screens.operator.letter import LetterScreen
from station.screens.operator.lookup import LookupScreen
from station.screens.operator.main import MainScreen
from station.store.models import Letter, Ticket
from tests.helpers.escpos_reader import decode_qr, parse
from tests.helpers.letter_helpers import HEAD, RESIDENTS
from tests.helpers.operator_pilot import (
    SIZE,
    add_indexed_residents,
    login,
    notes,
    run,
    settle,
    text,
)

KEYSTROKE_BUDGET = 15


class Keys:
    def __init__(self, app: OperatorApp, pilot: Pilot[None]) -> None:
        self.app = app
        self.pilot = pilot
        self.counted: list[str] = []

    async def press(self, key: str) -> None:
        self.counted.append(key)
        await self.pilot.press(key)
        await settle(self.app, self.pilot)

    async def type(self, words: str) -> None:
        await self.pilot.press(*[{" ": "space"}.get(ch, ch) for ch in words])
        await settle(self.app, self.pilot)


def test_serve_a_resident_with_a_domicile_letter_within_the_keystroke_budget(
    station: Station, tmp_path: Path
) -> None:
    add_indexed_residents(station, RESIDENTS)
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    station.config.printer.profile = "POS-5890"  # image QR, so zxing reads it back
    number = Queue.for_station(station).take_ticket("A").ticket.number
    counted: list[str] = []

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.pause(0.3)
            await settle(app, pilot)
            assert isinstance(app.screen, MainScreen)
            keys = Keys(app, pilot)

            await keys.press("f2")  # call the next ticket
            assert number in text(app, "#ticket")
            await keys.press("f7")  # look the resident up
            assert isinstance(app.screen, LookupScreen)
            await keys.type(HEAD)
            await keys.press("enter")
            assert "YOHANES EMANUEL KEBAN" in text(app, "#card")
            await keys.press("enter")  # on to the letter
            assert isinstance(app.screen, LetterScreen)
            await keys.press("enter")  # SKD, first in the list
            await keys.press("enter")  # its optional field (lama tinggal) left empty
            await keys.type("Melamar pekerjaan")
            await keys.press("enter")  # the preview
            await keys.press("enter")  # issue and print
            assert isinstance(app.screen, MainScreen)
            assert "Surat:" in text(app, "#ticket")
            await keys.press("f5")  # finish: the outcome chooser suggests the letter
            assert isinstance(app.screen, ChoiceDialog)
            await keys.press("enter")
            assert isinstance(app.screen, MainScreen)
            assert any(f"{number} selesai. Hasil: Surat diterbitkan." in n for n in notes(app))
            counted.extend(keys.counted)

    run(scenario())
    assert len(counted) <= KEYSTROKE_BUDGET, counted
    assert len(counted) == 10  # the path above; a change that costs keys shows up here

    with station.db.read() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        [letter] = session.scalars(select(Letter)).all()
        keys_by_id = public_keys(session, station.office_id)
        assert ticket.status == "done" and ticket.outcome == "letter_issued"
        assert ticket.resident_nik == HEAD
        assert letter.ticket_id == ticket.id and letter.print_count == 1
        parsed = parse((tmp_path / "printer.bin").read_bytes())
        [[qr_text]] = [decode_qr(raster) for raster in parsed.rasters]
        seal = verify_token(qr_text, keys_by_id)
        check = register_check(session, station.office_id, qr_text, seal)
    assert check.status == "valid"
    assert letter.number in "\n".join(parsed.lines)


def test_finish_with_letter_issued_but_no_letter_is_refused(station: Station) -> None:
    """Outcomes are facts: F5 "Surat diterbitkan" without a letter for the ticket is refused
    with the queue's own message, and the counter keeps the ticket."""
    number = Queue.for_station(station).take_ticket("A").ticket.number

    async def scenario() -> None:
        app = OperatorApp(station, counter=1, refresh_seconds=0.2)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await login(app, pilot)
            await pilot.pause(0.3)
            await settle(app, pilot)
            await pilot.press("f2")
            await settle(app, pilot)
            assert number in text(app, "#ticket")
            await pilot.press("f5")
            await settle(app, pilot)
            assert isinstance(app.screen, ChoiceDialog)
            await pilot.press("up")  # from the suggestion (information) to "Surat diterbitkan"
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, MainScreen)
            assert any(f"{number} belum punya surat yang diterbitkan" in n for n in notes(app))
            assert number in text(app, "#ticket")

    run(scenario())
    with station.db.read() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert ticket.status == "called" and ticket.outcome is None
