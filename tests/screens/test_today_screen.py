"""The Today screen on the real OperatorApp (Pilot): today's letters and served tickets,
reprint through the print spooler, revoke for admins only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from textual.widgets._footer import FooterKey

from station.home.config import PrinterConfig
from station.home.context import Station
from station.letters import desk as letter_desk
from station.letters.store import IssuedLetter, IssueRequest, LetterSettings
from station.office.operators import add_operator
from station.printing import print_and_record
from station.queue.facade import Queue
from station.screens.dialogs import PrinterFaultDialog, RevokeReasonDialog
from station.screens.operator.app import OperatorApp
from station.screens.operator.login import LoginScreen
from station.screens.operator.today import TodayScreen
from station.store.models import AuditEvent, Letter
from tests.helpers.escpos_reader import parse
from tests.helpers.letter_helpers import HEAD, add_residents
from tests.helpers.operator_pilot import settle

SIZE = (110, 34)
Scenario = Callable[[OperatorApp, Pilot[None]], Awaitable[None]]


@pytest.fixture
def desk(station: Station, tmp_path: Path) -> Iterator[Station]:
    add_residents(station.db, station.office_id)
    with station.db.write() as session:
        add_operator(
            session, station.office_id, username="lurah", display_name="Admin Kantor",
            role="admin", pin="1357",
        )  # fmt: skip
    station.config.printer.uri = f"file:{tmp_path / 'printer.bin'}"
    station.config.printer.profile = ""
    yield station


def issue_served(station: Station) -> tuple[IssuedLetter, str]:
    """A ticket served at counter 1 by sari with an SKD letter (not printed)."""
    queue = Queue.for_station(station)
    queue.open_counter(1, "sari")
    number = queue.take_ticket("A").ticket.number
    queue.call_next(1, "sari")
    settings = LetterSettings.from_config(station.config)
    request = IssueRequest("SKD", HEAD, "sari", purpose="Melamar kerja", ticket=number)
    issued = letter_desk.issue(station, settings, request)
    queue.finish(1, "sari", outcome="letter_issued")
    queue.close_counter(1, "sari")
    return issued, number


def run_today(station: Station, user: str, pin: str, scenario: Scenario) -> None:
    async def main() -> None:
        app = OperatorApp(station, counter=1)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            login = app.screen
            assert isinstance(login, LoginScreen)
            login.query_one("#counter", Input).value = "1"
            login.query_one("#username", Input).value = user
            login.query_one("#pin", Input).focus()
            login.query_one("#pin", Input).value = pin
            await pilot.press("enter")
            await settle(app, pilot)
            app.push_screen(TodayScreen())
            await settle(app, pilot)
            await scenario(app, pilot)

    asyncio.run(main())


def stored(station: Station, number: str) -> Letter:
    with station.db.read() as session:
        return session.scalars(select(Letter).where(Letter.number == number)).one()


def cells(app: OperatorApp, table: str) -> list[list[str]]:
    found = app.screen.query_one(table, DataTable)
    return [[str(c) for c in found.get_row_at(i)] for i in range(found.row_count)]


def notes(app: OperatorApp) -> list[str]:
    return [n.message for n in app._notifications]


def test_tables_and_reprint_for_an_operator_who_cannot_revoke(
    desk: Station, tmp_path: Path
) -> None:
    issued, ticket = issue_served(desk)

    async def scenario(app: OperatorApp, pilot: Pilot[None]) -> None:
        assert isinstance(app.screen, TodayScreen)
        [row] = cells(app, "#letters")
        assert row[:6] == [
            issued.number,
            "terbit",
            "SKD",
            "YOHANES EMANUEL KEBAN",
            issued.nik_masked,
            "Sari Ndun",
        ]
        assert row[7:] == ["0"]
        assert cells(app, "#tickets") == [
            [ticket, "Surat Keterangan", "Sari Ndun", "Surat diterbitkan", issued.number]
        ]
        await pilot.press("p")  # never printed before: this print is the original
        await settle(app, pilot)
        assert f"Surat {issued.number} dicetak (asli)." in notes(app)
        assert cells(app, "#letters")[0][7] == "1"
        await pilot.press("p")
        await settle(app, pilot)
        assert f"Surat {issued.number} dicetak ulang (SALINAN 1)." in notes(app)
        assert cells(app, "#letters")[0][7] == "2"
        await pilot.press("c")  # revoke is not an operator's key
        await settle(app, pilot)
        assert isinstance(app.screen, TodayScreen)
        shown = [k.description for k in app.screen.query(FooterKey)]
        assert "Cetak ulang" in shown and "Cabut" not in shown
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, TodayScreen)

    run_today(desk, "sari", "2468", scenario)
    parsed = parse((tmp_path / "printer.bin").read_bytes())
    assert parsed.cuts == 2 and parsed.lines.count("*** SALINAN 1 ***") == 2  # top and bottom
    assert [q.decode() for q in parsed.native_qr] == [issued.qr, issued.qr]  # same seal
    letter = stored(desk, issued.number)
    assert (letter.status, letter.print_count, letter.copies) == ("issued", 2, 1)


def test_admin_revokes_with_a_reason(desk: Station) -> None:
    issued, _ = issue_served(desk)

    async def scenario(app: OperatorApp, pilot: Pilot[None]) -> None:
        shown = [k.description for k in app.screen.query(FooterKey)]
        assert "Cabut" in shown
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, RevokeReasonDialog)
        await pilot.press("enter")  # no reason: refused in the dialog
        assert "wajib diisi" in str(app.screen.query_one("#revoke-error", Static).render())
        await pilot.press(*"salah", "space", *"data")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TodayScreen)
        assert cells(app, "#letters")[0][1] == "DICABUT"
        await pilot.press("p")  # a revoked letter is not reprinted
        await settle(app, pilot)
        assert any("sudah dicabut" in n for n in notes(app))

    run_today(desk, "lurah", "1357", scenario)
    letter = stored(desk, issued.number)
    assert letter.status == "revoked" and letter.revoke_reason == "salah data"
    assert letter.copies == 0
    with desk.db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "letter.revoke")
        ).one()
    assert event.operator == "lurah" and event.subject == issued.number


def test_reprint_fault_then_retry(desk: Station, tmp_path: Path) -> None:
    issued, _ = issue_served(desk)
    broken = tmp_path / "unplugged" / "lp0"
    desk.config.printer.uri = f"file:{broken}"

    async def scenario(app: OperatorApp, pilot: Pilot[None]) -> None:
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PrinterFaultDialog)
        assert stored(desk, issued.number).print_count == 0
        broken.parent.mkdir()
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, TodayScreen)

    run_today(desk, "sari", "2468", scenario)
    letter = stored(desk, issued.number)
    assert (letter.print_count, letter.copies) == (1, 0)
    parsed = parse(broken.read_bytes())
    assert parsed.cuts == 1 and not any("SALINAN" in line for line in parsed.lines)


def test_a_letter_kept_after_a_printer_fault_prints_as_the_original_then_salinan_1(
    desk: Station, tmp_path: Path
) -> None:
    """Issue 14.2: the letter was issued, its print failed ("Simpan tanpa cetak"), so no print
    of it ever reached paper. Its first print from Today is the original, unmarked; only
    the print after that is SALINAN 1."""
    issued, _ = issue_served(desk)
    unplugged = f"file:{tmp_path / 'unplugged' / 'lp0'}"
    kept = print_and_record(
        issued.document,
        PrinterConfig(uri=unplugged),
        lambda: letter_desk.record_letter_print(desk, issued.number, operator="sari"),
    )
    assert kept.fault is not None and kept.fault.kind == "unplugged"
    assert stored(desk, issued.number).print_count == 0
    first, second = tmp_path / "first.bin", tmp_path / "second.bin"

    async def scenario(app: OperatorApp, pilot: Pilot[None]) -> None:
        desk.config.printer.uri = f"file:{first}"
        await pilot.press("p")
        await settle(app, pilot)
        assert cells(app, "#letters")[0][7] == "1"
        desk.config.printer.uri = f"file:{second}"
        await pilot.press("p")
        await settle(app, pilot)
        assert cells(app, "#letters")[0][7] == "2"

    run_today(desk, "sari", "2468", scenario)
    original, copy = parse(first.read_bytes()), parse(second.read_bytes())
    assert original.cuts == copy.cuts == 1
    original_text = [line.strip() for line in original.lines if line.strip()]
    copy_text = [line.strip() for line in copy.lines if line.strip()]
    assert not any("SALINAN" in line for line in original_text)
    assert copy_text[0] == copy_text[-1] == "*** SALINAN 1 ***"  # top and bottom
    assert copy_text[1:-1] == original_text  # the same letter between the marks
    assert [q.decode() for q in original.native_qr + copy.native_qr] == [issued.qr] * 2
    letter = stored(desk, issued.number)
    assert (letter.print_count, letter.copies) == (2, 1)


def test_header_counts_served_tickets_not_no_shows(desk: Station) -> None:
    _, ticket = issue_served(desk)
    queue = Queue.for_station(desk)
    queue.open_counter(1, "sari")
    missed = queue.take_ticket("A").ticket.number
    queue.call_next(1, "sari")
    for _ in range(2):  # no-show only after three calls
        queue.recall(1, "sari")
    queue.no_show(1, "sari")
    queue.close_counter(1, "sari")

    async def scenario(app: OperatorApp, pilot: Pilot[None]) -> None:
        header = str(app.screen.query_one("#today-header", Static).render())
        assert "1 surat, 1 tiket terlayani, 1 tidak hadir" in header
        assert [row[0] for row in cells(app, "#tickets")] == [missed, ticket]

    run_today(desk, "sari", "2468", scenario)


def test_f_makes_the_f4_pdf_of_the_selected_letter_original_then_salinan(
    desk: Station, tmp_path: Path
) -> None:
    """Issue 17: "Cetak F4/A4" from Today: the same number and seal as a PDF in surat/; the
    first print is the original, the next (receipt or PDF) SALINAN 1."""
    from tests.helpers.pdf_reader import first_page_png, page_qr, pdf_text

    issued, _ = issue_served(desk)

    async def scenario(app: OperatorApp, pilot: Pilot[None]) -> None:
        shown = [k.description for k in app.screen.query(FooterKey)]
        assert "Cetak F4/A4" in shown
        await pilot.press("f")
        await settle(app, pilot)
        assert any(f"Surat {issued.number} dicetak (asli). PDF disimpan" in n for n in notes(app))
        await pilot.press("f")
        await settle(app, pilot)
        assert any("(SALINAN 1). PDF disimpan" in n for n in notes(app))

    run_today(desk, "sari", "2468", scenario)
    pdfs = sorted((Path(desk.config.home) / "surat").glob("*.pdf"))
    assert [p.name.endswith("-f4.pdf") for p in pdfs] == [True, True]
    original = next(p for p in pdfs if "salinan" not in p.name).read_bytes()
    copy = next(p for p in pdfs if "salinan-1" in p.name).read_bytes()
    assert "SALINAN" not in pdf_text(original) and "SALINAN 1" in pdf_text(copy)
    for data in (original, copy):
        assert [q for q, _ in page_qr(first_page_png(data, 150))] == [issued.qr]
    assert not (tmp_path / "printer.bin").exists()
    letter = stored(desk, issued.number)
    assert (letter.print_count, letter.copies) == (2, 1)
