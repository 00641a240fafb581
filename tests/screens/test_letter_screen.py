"""The letter screen on the real OperatorApp (Pilot), a real SQLite home and a file printer:
choose, fill, preview, issue and print; faults, refusals and backing out.

pytest-asyncio is not installed: each test runs its coroutine with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from station.home.context import Station
from station.home.keys import public_keys
from station.letters.seal import verify_token
from station.letters.store import IssuedLetter
from station.letters.verify import register_check
from station.queue.facade import Queue
from station.screens.dialogs import PrinterFaultDialog
from station.screens.operator.app import OperatorApp
from station.screens.operator.letter import STEP_FORM, STEP_PREVIEW, STEP_TYPE, LetterScreen
from station.screens.operator.login import LoginScreen
from station.store.models import Letter, Resident, Ticket
from tests.helpers.escpos_reader import decode_qr, parse
from tests.helpers.letter_helpers import HEAD, add_residents
from tests.helpers.operator_pilot import settle

SIZE = (100, 34)
Scenario = Callable[[OperatorApp, Pilot[None], list[Any]], Awaitable[None]]


@pytest.fixture
def desk(station: Station, tmp_path: Path) -> Iterator[Station]:
    add_residents(station.db, station.office_id)
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    station.config.printer.profile = ""
    station.config.printer.qr_mode = "auto"
    yield station


async def sign_in(app: OperatorApp, pilot: Pilot[None]) -> None:
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LoginScreen)
    screen.query_one("#counter", Input).value = "1"
    screen.query_one("#username", Input).value = "sari"
    screen.query_one("#pin", Input).focus()
    screen.query_one("#pin", Input).value = "2468"
    await pilot.press("enter")
    await settle(app, pilot)


def run_letter(station: Station, scenario: Scenario, ticket: str | None = None) -> list[Any]:
    """Sign in, push ``LetterScreen(HEAD, ticket)``, run the scenario; the dismiss results."""
    results: list[Any] = []

    async def main() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await sign_in(app, pilot)
            app.push_screen(LetterScreen(HEAD, ticket), results.append)
            await settle(app, pilot)
            await scenario(app, pilot, results)

    asyncio.run(main())
    return results


def letters(station: Station) -> list[Letter]:
    with station.db.read() as session:
        return list(session.scalars(select(Letter).order_by(Letter.id)))


def text_of(app: OperatorApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notes(app: OperatorApp) -> list[str]:
    return [n.message for n in app._notifications]


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


async def to_preview(app: OperatorApp, pilot: Pilot[None], keys: list[str]) -> None:
    """SKD, the most used (top of the list): pick, skip its optional field, type the purpose."""
    for key in ("enter", "enter"):
        keys.append(key)
        await pilot.press(key)
        await settle(app, pilot)
    assert app.focused is not None and app.focused.id == "field-keperluan"
    await type_text(pilot, "Melamar kerja")
    keys.append("enter")
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, LetterScreen) and app.screen.step == STEP_PREVIEW


def test_skd_issued_and_printed_in_four_keys_with_a_qr_that_verifies(
    desk: Station, tmp_path: Path
) -> None:
    desk.config.printer.profile = "POS-5890"  # no native QR: a raster for zxing to read
    queue = Queue.for_station(desk)
    ticket = queue.take_ticket("A").ticket.number
    keys: list[str] = []

    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, LetterScreen)
        assert screen.offers[0].code == "SKD"
        assert "YOHANES EMANUEL KEBAN" in text_of(app, "#letter-header")
        await to_preview(app, pilot, keys)
        preview = text_of(app, "#preview-text")
        assert "SURAT KETERANGAN DOMISILI" in preview and "Melamar kerja" in preview
        assert "[ QR ]" in preview
        keys.append("enter")
        await pilot.press("enter")  # issue and print
        await settle(app, pilot)
        assert not isinstance(app.screen, LetterScreen)
        assert results and isinstance(results[0], IssuedLetter)
        assert f"Surat {results[0].number} diterbitkan dan dicetak." in notes(app)

    results = run_letter(desk, scenario, ticket)
    assert len(keys) == 4  # besides typing the purpose
    issued = results[0]
    assert issued.type_code == "SKD" and issued.ticket == ticket
    parsed = parse((tmp_path / "printer.bin").read_bytes())
    assert issued.number in "\n".join(parsed.lines)
    assert [decode_qr(r) for r in parsed.rasters] == [[issued.qr]]
    with desk.db.read() as session:
        seal = verify_token(issued.qr, public_keys(session, desk.office_id))
        check = register_check(session, desk.office_id, issued.qr, seal)
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == ticket))
    assert check.status == "valid" and check.text_matches is True
    [stored] = letters(desk)
    assert stored.print_count == 1 and stored.ticket_id == ticket_id


def test_printer_fault_then_retry_prints_the_same_letter(desk: Station, tmp_path: Path) -> None:
    broken = tmp_path / "unplugged" / "lp0"
    desk.config.printer.uri = f"file:{broken}"

    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        await to_preview(app, pilot, [])
        await pilot.press("f9")
        await settle(app, pilot)
        assert isinstance(app.screen, PrinterFaultDialog)
        assert "tidak ditemukan" in str(app.screen.query_one("#fault-message", Static).render())
        # the keys are written on the buttons (not eaten as markup) and the dialog is centred
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Coba lagi [C]", "Simpan tanpa cetak [S]"]
        dialog = app.screen.query_one("#fault-dialog")
        assert abs(dialog.region.x - (SIZE[0] - dialog.region.right)) <= 1
        [issued] = letters(desk)  # issued before printing, kept through the fault
        assert issued.print_count == 0
        broken.parent.mkdir()  # the cable is back
        await pilot.press("c")  # Coba lagi
        await settle(app, pilot)
        assert results and results[0].number == issued.number
        assert not isinstance(app.screen, LetterScreen | PrinterFaultDialog)

    results = run_letter(desk, scenario)
    [stored] = letters(desk)  # never a second number
    assert stored.number == results[0].number and stored.print_count == 1
    parsed = parse(broken.read_bytes())
    assert [q.decode() for q in parsed.native_qr] == [results[0].qr]
    assert parsed.cuts == 1


def test_keep_without_printing_leaves_the_letter_issued(desk: Station, tmp_path: Path) -> None:
    desk.config.printer.uri = f"file:{tmp_path / 'unplugged' / 'lp0'}"

    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        await to_preview(app, pilot, [])
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PrinterFaultDialog)
        await pilot.press("s")  # Simpan tanpa cetak
        await settle(app, pilot)
        assert not isinstance(app.screen, LetterScreen)
        assert any("belum dicetak" in n for n in notes(app))

    results = run_letter(desk, scenario)
    [stored] = letters(desk)
    assert results == [results[0]] and isinstance(results[0], IssuedLetter)
    assert stored.number == results[0].number
    assert stored.status == "issued" and stored.print_count == 0


def test_ineligible_type_is_refused_with_its_reason(desk: Station) -> None:
    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        await type_text(pilot, "skbm")
        screen = app.screen
        assert isinstance(screen, LetterScreen)
        assert [o.code for o in screen.offers] == ["SKBM"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.step == STEP_TYPE
        message = text_of(app, "#type-message")
        assert "hanya untuk penduduk berstatus BELUM KAWIN" in message
        await pilot.press(*["backspace"] * 4)
        await type_text(pilot, "domisili")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.step == STEP_FORM  # an allowed type goes on to its form

    assert run_letter(desk, scenario) == []
    assert letters(desk) == []


def test_missing_purpose_is_shown_on_the_form_and_nothing_is_issued(desk: Station) -> None:
    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        await pilot.press("enter")
        await settle(app, pilot)
        await type_text(pilot, "5 tahun")
        await pilot.press("enter", "enter")  # to the purpose, then Enter on it left empty
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LetterScreen) and screen.step == STEP_FORM
        assert text_of(app, "#error-keperluan") == "Keperluan surat wajib diisi."
        assert app.focused is not None and app.focused.id == "field-keperluan"
        await pilot.press("f9")  # not on the preview: nothing happens
        await settle(app, pilot)
        assert screen.query_one("#field-lama_tinggal", Input).value == "5 tahun"

    run_letter(desk, scenario)
    assert letters(desk) == []


def test_register_refusal_at_issue_goes_back_to_the_form_keeping_values(desk: Station) -> None:
    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        await to_preview(app, pilot, [])
        with desk.db.write() as session:  # meanwhile the resident is recorded as moved away
            session.execute(update(Resident).where(Resident.nik == HEAD).values(status="moved"))
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, LetterScreen) and screen.step == STEP_FORM
        assert "sudah pindah" in text_of(app, "#form-message")
        assert screen.query_one("#field-keperluan", Input).value == "Melamar kerja"

    assert run_letter(desk, scenario) == []
    assert letters(desk) == []


def test_escape_backs_out_step_by_step_without_a_letter(desk: Station) -> None:
    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        await to_preview(app, pilot, [])
        screen = app.screen
        assert isinstance(screen, LetterScreen)
        await pilot.press("escape")
        assert screen.step == STEP_FORM
        assert screen.query_one("#field-keperluan", Input).value == "Melamar kerja"
        await pilot.press("escape")
        assert screen.step == STEP_TYPE
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is not screen

    assert run_letter(desk, scenario) == [None]
    with desk.db.read() as session:
        assert session.scalar(select(func.count(Letter.id))) == 0


def test_a_print_ending_behind_another_screen_waits_to_dismiss(desk: Station) -> None:
    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        await to_preview(app, pilot, [])
        letter_screen = app.screen
        gate = threading.Event()
        app.spooler.submit(gate.wait, 30)  # the printer is busy with an earlier job
        await pilot.press("enter")
        await pilot.pause()
        app.push_screen(Screen())  # e.g. the idle lock comes up meanwhile
        await pilot.pause()
        gate.set()
        await settle(app, pilot)
        assert results == [] and letter_screen in app.screen_stack
        app.pop_screen()
        await settle(app, pilot)
        assert letter_screen not in app.screen_stack
        assert len(results) == 1 and isinstance(results[0], IssuedLetter)

    run_letter(desk, scenario)
    [stored] = letters(desk)
    assert stored.print_count == 1


def test_f_prints_the_letter_as_an_f4_pdf_instead_of_a_receipt(
    desk: Station, tmp_path: Path
) -> None:
    """Issue 17: SKD prints on the receipt by default; F in the preview steps the paper to
    F4, and F9 then issues the letter and makes its PDF in the home's surat/ folder."""
    from tests.helpers.pdf_reader import pdf_pages, pdf_text

    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        await to_preview(app, pilot, [])
        assert "Kertas: struk" in text_of(app, "#preview-note")
        await pilot.press("f")
        assert "Kertas: F4 (PDF)" in text_of(app, "#preview-note")
        await pilot.press("f9")
        await settle(app, pilot)
        assert results and isinstance(results[0], IssuedLetter)
        assert any("PDF disimpan di" in n for n in notes(app))

    results = run_letter(desk, scenario)
    issued = results[0]
    assert not (tmp_path / "printer.bin").exists()  # nothing went to the receipt printer
    [pdf] = (Path(desk.config.home) / "surat").glob("*.pdf")
    assert pdf_pages(pdf.read_bytes()) == [(215.0, 330.0)]
    assert issued.number in pdf_text(pdf.read_bytes())
    [stored] = letters(desk)
    assert stored.print_count == 1


def test_an_f4_type_starts_on_f4_and_the_operator_may_choose_the_receipt(desk: Station) -> None:
    async def scenario(app: OperatorApp, pilot: Pilot[None], results: list[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, LetterScreen)
        skck = next(o for o in screen.offers if o.code == "SKCK")
        screen.pick(skck)
        await settle(app, pilot)
        assert screen.paper == "f4"  # the type's paper (SKCK.toml: paper = "f4")
        screen.query_one("#field-keperluan", Input).value = "Melamar kerja"
        screen.go_preview()
        await settle(app, pilot)
        assert screen.step == STEP_PREVIEW
        assert "Kertas: F4 (PDF)" in text_of(app, "#preview-note")
        for _ in range(2):  # F4 -> A4 -> struk
            await pilot.press("f")
        assert "Kertas: struk" in text_of(app, "#preview-note") and screen.paper == "receipt"

    run_letter(desk, scenario)
