"""The Service Box under Pilot on a real SQLite station home and a real file printer, at
23.30 office time with no counter open and nobody signed in (issue "Service Box").

NIK, PIN, a Domisili letter, a listed purpose, Enter: the printed bytes hold a QR the
register calls valid, the letter records channel ``box``, and the screen clears back to the
start within the idle time with no NIK left. Five wrong PINs lock the NIK; an unknown NIK and
a wrong PIN look the same; the quit keys do nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from textual.pilot import Pilot
from textual.widgets import Button, Static

from station.home.context import Station
from station.home.keys import public_keys
from station.letters.render import BOX_NOTE
from station.letters.seal import verify_token
from station.letters.verify import register_check
from station.register.pins import set_pin
from station.screens.box.app import BoxApp
from station.screens.box.box import BoxScreen
from station.store.models import AuditEvent, Letter, Resident, ResidentPin
from tests.helpers.escpos_reader import decode_qr, parse
from tests.helpers.letter_helpers import HEAD, add_residents
from tests.helpers.pdf_reader import pdf_text

SIZE = (100, 40)
WITA = ZoneInfo("Asia/Makassar")
THURSDAY_2330 = dt.datetime(2026, 12, 3, 23, 30, tzinfo=WITA)
PIN = "482913"
UNKNOWN = "5371031708900009"


async def _until(pilot: Pilot[None], check: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        await pilot.pause(0.02)
    return bool(check())  # type: ignore[operator]


def _ready(station: Station, printer: Path) -> None:
    add_residents(station.db, station.office_id)
    with station.db.write() as session:
        session.execute(update(Resident).where(Resident.nik == HEAD).values(ektp_recorded=True))
        set_pin(session, station.office_id, HEAD, PIN, operator="sari", now=THURSDAY_2330)
    station.config.printer.uri = f"file:{printer}"
    station.config.printer.profile = "POS-5890"  # image QR, so zxing reads it back


def _screen_text(app: BoxApp) -> str:
    parts = [str(w.render()) for w in app.screen.query(Static)]
    parts += [str(b.label) for b in app.screen.query(Button)]
    return "\n".join(parts)


def _step(app: BoxApp) -> str:
    screen = app.screen
    return screen.visit.step if isinstance(screen, BoxScreen) else ""


async def _type(pilot: Pilot[None], digits: str) -> None:
    await pilot.press(*digits)


def test_a_domicile_letter_at_2330_prints_a_valid_sealed_letter_and_the_box_forgets(
    station: Station, tmp_path: Path
) -> None:
    printer = tmp_path / "printer.bin"
    _ready(station, printer)
    station.config.box.idle_seconds = 2

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: _step(app) == "start")
            assert not app.is_open()
            text = _screen_text(app)
            assert "Ambil nomor antrean" not in text  # closed: letters only
            assert "Jam layanan kantor: Senin–Kamis 08.00–15.00" in text  # the help line
            await pilot.press("1")
            assert _step(app) == "nik"
            assert "Silakan rekam KTP-el" in _screen_text(app)  # the nudge to record it
            await _type(pilot, HEAD)
            assert HEAD in _screen_text(app)  # typing shows what is typed
            await pilot.press("enter")
            assert _step(app) == "pin"
            await _type(pilot, PIN)
            assert PIN not in _screen_text(app)
            await pilot.press("enter")
            assert await _until(pilot, lambda: _step(app) == "letters"), _screen_text(app)
            text = _screen_text(app)
            assert HEAD not in text and "5371********0001" in text
            assert "YOH. EMA. KEB." in text
            visitor = app.screen.visit.visitor  # type: ignore[attr-defined]
            codes = [o.code for o in visitor.offers]
            assert {"SKD", "SKCK", "SKTM"} <= set(codes) and "SKH" not in codes
            await pilot.press(str(codes.index("SKD") + 1))
            assert _step(app) == "purpose"
            assert "1   Melamar pekerjaan" in _screen_text(app)
            await pilot.press("1")
            assert _step(app) == "confirm"
            await pilot.press("enter")
            assert await _until(pilot, lambda: _step(app) == "done")
            assert "sudah dicetak" in _screen_text(app)
            assert HEAD not in _screen_text(app)
            # nobody presses anything: back to the start within the idle time, nothing left
            assert await _until(pilot, lambda: _step(app) == "start", 4)
            screen = app.screen
            assert isinstance(screen, BoxScreen)
            assert screen.visit.nik == "" and screen.visit.visitor is None
            assert "0001" not in _screen_text(app)

    asyncio.run(scenario())

    with station.db.read() as session:
        [letter] = session.scalars(select(Letter)).all()
        assert letter.channel == "box" and letter.print_count == 1
        assert letter.operator_id is None
        parsed = parse(printer.read_bytes())
        [[qr]] = [decode_qr(raster) for raster in parsed.rasters]
        seal = verify_token(qr, public_keys(session, station.office_id), today=THURSDAY_2330.date())
        check = register_check(session, station.office_id, qr, seal)
        issue_event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "letter.issue")
        ).one()
    assert check.status == "valid"
    assert letter.number in "\n".join(parsed.lines)
    printed = " ".join(" ".join(parsed.lines).split())
    assert "Layanan Mandiri" in printed and "tanpa tanda tangan basah" in printed
    assert BOX_NOTE.split()[0] in printed
    assert issue_event.operator == "layanan-mandiri"
    assert issue_event.details["channel"] == "box"


def test_five_wrong_pins_lock_and_unknown_nik_looks_like_a_wrong_pin(
    station: Station, tmp_path: Path
) -> None:
    _ready(station, tmp_path / "p.bin")
    station.config.box.guess_limit = 50  # this test is about the NIK's own lock
    messages: list[str] = []

    async def attempt(app: BoxApp, pilot: Pilot[None], nik: str, pin: str) -> str:
        await pilot.press("escape")
        await pilot.press("1")
        await _type(pilot, nik)
        await pilot.press("enter")
        await _type(pilot, pin)
        await pilot.press("enter")
        assert await _until(pilot, lambda: _step(app) in ("nik", "letters"))
        return _step(app) + "|" + str(app.screen.query_one("#box-message", Static).render())

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: _step(app) == "start")
            messages.append(await attempt(app, pilot, UNKNOWN, "590264"))
            for _ in range(5):
                messages.append(await attempt(app, pilot, HEAD, "590264"))
            messages.append(await attempt(app, pilot, HEAD, PIN))  # right PIN, locked

    asyncio.run(scenario())
    assert len(set(messages)) == 1, messages
    assert messages[0].startswith("nik|NIK atau PIN salah")
    with station.db.read() as session:
        row = session.scalars(select(ResidentPin)).one()
        assert row.locked_until is not None


def test_many_refused_pins_pause_the_box_whatever_the_nik(station: Station, tmp_path: Path) -> None:
    _ready(station, tmp_path / "p.bin")
    station.config.box.guess_limit = 3

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: _step(app) == "start")
            for i in range(4):
                await pilot.press("escape", "1")
                await _type(pilot, f"537103170890001{i + 2}")
                await pilot.press("enter")
                await _type(pilot, "590264")
                await pilot.press("enter")
                assert await _until(pilot, lambda: _step(app) == "nik")
            message = str(app.screen.query_one("#box-message", Static).render())
            assert "Terlalu banyak percobaan" in message
            # even the right NIK and PIN wait out the pause
            await pilot.press("escape", "1")
            await _type(pilot, HEAD)
            await pilot.press("enter")
            await _type(pilot, PIN)
            await pilot.press("enter")
            assert await _until(pilot, lambda: _step(app) == "nik")

    asyncio.run(scenario())


def test_quit_keys_do_nothing_and_esc_goes_back_one_step(station: Station, tmp_path: Path) -> None:
    _ready(station, tmp_path / "p.bin")

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: _step(app) == "start")
            await pilot.press("1")
            await _type(pilot, HEAD)
            await pilot.press("enter")
            await _type(pilot, "48")
            for key in ("ctrl+c", "ctrl+q", "ctrl+p"):
                await pilot.press(key)
                await pilot.pause()
                assert app.is_running and _step(app) == "pin"
            await pilot.press("backspace")
            assert app.screen.visit.typed == "4"  # type: ignore[attr-defined]
            await pilot.press("escape")
            assert _step(app) == "nik"
            await pilot.press("escape")
            assert _step(app) == "start"
            # touch: the on-screen pad posts the same keys
            await pilot.click("#choice-1")
            assert _step(app) == "nik"
            await pilot.click("#pad-5")
            await pilot.click("#pad-3")
            assert app.screen.visit.typed == "53"  # type: ignore[attr-defined]
            await pilot.click("#pad-delete")
            assert app.screen.visit.typed == "5"  # type: ignore[attr-defined]

    asyncio.run(scenario())


async def _sign_in(app: BoxApp, pilot: Pilot[None], nik: str = HEAD, pin: str = PIN) -> None:
    assert await _until(pilot, lambda: _step(app) == "start")
    await pilot.press("1")
    await _type(pilot, nik)
    await pilot.press("enter")
    await _type(pilot, pin)
    await pilot.press("enter")
    assert await _until(pilot, lambda: _step(app) in ("letters", "pending"))


def _digit(app: BoxApp, code: str) -> str:
    visitor = app.screen.visit.visitor  # type: ignore[attr-defined]
    return str([o.code for o in visitor.offers].index(code) + 1)


async def _issue_skd(app: BoxApp, pilot: Pilot[None]) -> None:
    await pilot.press(_digit(app, "SKD"), "1", "enter")
    assert await _until(pilot, lambda: _step(app) in ("done", "letters"))


def test_a_printer_fault_keeps_the_letter_and_the_next_sign_in_prints_the_original(
    station: Station, tmp_path: Path
) -> None:
    _ready(station, tmp_path / "p.bin")
    station.config.printer.uri = f"file:{tmp_path / 'unplugged' / 'lp0'}"
    printer = tmp_path / "later.bin"

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            await _sign_in(app, pilot)
            await _issue_skd(app, pilot)
            assert _step(app) == "done" and app.screen.has_class("fault")
            text = _screen_text(app)
            assert "printer bermasalah" in text and "PIN lagi di mesin ini" in text
            await pilot.press("enter")  # done: back to the start
            assert _step(app) == "start"
            station.config.printer.uri = f"file:{printer}"  # paper is back
            await _sign_in(app, pilot)
            assert _step(app) == "pending"
            await pilot.press("escape")  # not now: on to the letters
            assert _step(app) == "letters"
            await pilot.press("escape")
            await _sign_in(app, pilot)  # still waiting for its print
            assert _step(app) == "pending"
            await pilot.press("enter")
            assert await _until(pilot, lambda: _step(app) == "done")
            assert "sudah dicetak" in _screen_text(app)
            await pilot.press("enter")
            await _sign_in(app, pilot)  # nothing pending any more
            assert _step(app) == "letters"

    asyncio.run(scenario())
    with station.db.read() as session:
        [letter] = session.scalars(select(Letter)).all()
        assert letter.print_count == 1 and letter.copies == 0 and letter.channel == "box"
    lines = parse(printer.read_bytes()).lines
    assert letter.number in "\n".join(lines)
    assert not any("SALINAN" in line for line in lines)  # the original, not a copy


FAKE_LP = """#!/bin/sh
# CUPS' lp as the office printer: keeps the file it was given
for last; do :; done
cp "$last" "{keep}"
"""


@pytest.mark.parametrize("office_printer", [True, False])
def test_an_f4_type_goes_to_the_office_printer_when_the_box_has_one(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, office_printer: bool
) -> None:
    """The type's paper is followed at the box (SKCK is F4): with ``printer.office`` the PDF
    goes there; without one the receipt printer prints it (a PDF left in the home is nothing
    a resident can take away)."""
    receipt = tmp_path / "p.bin"
    _ready(station, receipt)
    kept = tmp_path / "sent.pdf"
    if office_printer:
        folder = tmp_path / "bin"
        folder.mkdir()
        (folder / "lp").write_text(FAKE_LP.format(keep=kept))
        (folder / "lp").chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
        station.config.printer.office = "cups:KANTOR"

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            await _sign_in(app, pilot)
            await pilot.press(_digit(app, "SKCK"), "1", "enter")
            assert await _until(pilot, lambda: _step(app) == "done"), _screen_text(app)
            assert "sudah dicetak" in _screen_text(app)

    asyncio.run(scenario())
    with station.db.read() as session:
        [letter] = session.scalars(select(Letter)).all()
    assert letter.print_count == 1 and letter.channel == "box"
    if office_printer:
        assert letter.number in pdf_text(kept.read_bytes())
        assert not receipt.exists() or letter.number not in receipt.read_bytes().decode("latin-1")
    else:
        assert not kept.exists()
        assert letter.number in "\n".join(parse(receipt.read_bytes()).lines)


def test_the_daily_limit_per_nik_refuses_the_fourth_letter(
    station: Station, tmp_path: Path
) -> None:
    _ready(station, tmp_path / "p.bin")

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(3):
                await _sign_in(app, pilot)
                await _issue_skd(app, pilot)
                assert _step(app) == "done"
                await pilot.press("enter")
            await _sign_in(app, pilot)
            assert "Surat hari ini: 3 dari 3" in _screen_text(app)
            await _issue_skd(app, pilot)
            assert _step(app) == "letters"
            assert "Batas 3 surat per hari" in _screen_text(app)

    asyncio.run(scenario())
    with station.db.read() as session:
        assert len(session.scalars(select(Letter)).all()) == 3
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "box.refused")
        ).all()
    assert [e.details["reason"] for e in refused] == ["limit"]
    assert refused[0].subject is None  # no NIK in the refusal


def test_a_request_type_prints_a_pickup_ticket_for_the_next_opening(
    station: Station, tmp_path: Path
) -> None:
    printer = tmp_path / "p.bin"
    _ready(station, printer)

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            await _sign_in(app, pilot)
            await pilot.press(_digit(app, "SKTM"), "1")
            assert _step(app) == "confirm"
            assert "Ajukan permohonan" in _screen_text(app)
            await pilot.press("enter")
            assert await _until(pilot, lambda: _step(app) == "done")
            assert "KODE AMBIL" in _screen_text(app)

    asyncio.run(scenario())
    from station.store.models import LetterRequest

    with station.db.read() as session:
        [made] = session.scalars(select(LetterRequest)).all()
        assert made.channel == "box" and made.type_code == "SKTM"
        assert made.purpose == "Keringanan biaya sekolah"
        assert made.ready_on == dt.date(2026, 12, 4)  # the next opening: Friday morning
        assert session.scalars(select(Letter)).all() == []
    printed = "\n".join(parse(printer.read_bytes()).lines)
    assert made.pickup_code in printed


def test_a_birth_request_picks_by_digit_and_leaves_the_typed_fields_to_the_counter(
    station: Station, tmp_path: Path
) -> None:
    """Kelahiran at 23:30, keys only: the child's sex from its list, the birth date among the
    last days, "Lainnya" for anak ke-; the names are left to the counter and the box says so
    before and after Enter; the pickup ticket prints."""
    printer = tmp_path / "p.bin"
    _ready(station, printer)
    note = "Nama Anak, Tempat Lahir, Nama Ibu dan Anak Ke- diisi petugas di loket."

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            await _sign_in(app, pilot)
            assert "Kelahiran (diajukan, diambil di loket)" in _screen_text(app)
            await pilot.press(_digit(app, "SKL"))
            assert _step(app) == "field" and "2   PEREMPUAN" in _screen_text(app)
            await pilot.press("2")
            text = _screen_text(app)
            assert "Pilih Tanggal Lahir" in text and "2   Kemarin, 2 Desember 2026" in text
            await pilot.press("2")
            text = _screen_text(app)
            assert "Pilih Anak Ke-" in text and "9   Lainnya — diisi petugas di loket" in text
            await pilot.press("9", "1")  # anak ke-: the counter asks; the reporter: AYAH
            assert _step(app) == "confirm"
            text = " ".join(_screen_text(app).split())
            assert "Tanggal Lahir: Kemarin, 2 Desember 2026" in text and note in text
            await pilot.press("enter")
            assert await _until(pilot, lambda: _step(app) == "done")
            text = " ".join(_screen_text(app).split())
            assert "KODE AMBIL" in text and note in text

    asyncio.run(scenario())
    from station.store.models import LetterRequest

    with station.db.read() as session:
        [made] = session.scalars(select(LetterRequest)).all()
    assert made.type_code == "SKL" and made.field_values == {
        "jenis_kelamin_anak": "PEREMPUAN",
        "tanggal_lahir_anak": "2026-12-02",
        "hubungan_pelapor": "AYAH",
    }
    assert made.pickup_code in "\n".join(parse(printer.read_bytes()).lines)


def test_in_opening_hours_the_box_also_gives_queue_tickets_and_speaks_each_step(
    station: Station, tmp_path: Path
) -> None:
    printer = tmp_path / "p.bin"
    _ready(station, printer)
    station.config.box.voice = True
    spoken: list[str] = []
    monday_9 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=WITA)

    async def scenario() -> None:
        app = BoxApp(station, clock=lambda: monday_9, speak=spoken.append)
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: _step(app) == "start")
            assert "2   Ambil nomor antrean loket" in _screen_text(app)
            await pilot.press("2")
            assert await _until(pilot, lambda: _step(app) == "services")
            assert "1   A · " in _screen_text(app)
            await pilot.press("1")
            assert await _until(pilot, lambda: _step(app) == "done")
            assert "Nomor antrean Anda: A-001" in _screen_text(app)
            await pilot.press("escape", "1")
            assert await _until(pilot, lambda: "Ketik NIK Anda" in " ".join(spoken))
            app.announcer.wait_idle(5)

    asyncio.run(scenario())
    from station.queue.facade import Queue

    waiting = Queue.for_station(station).status(now=monday_9.astimezone(dt.UTC)).waiting
    assert [t.number for t in waiting] == ["A-001"]
    assert b"A-001" in printer.read_bytes()
    assert any("Pilih layanan loket" in s for s in spoken)
    with station.db.read() as session:
        issued = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "queue.issued")
        ).all()
    assert [e.details.get("channel") for e in issued] == ["box"]


def test_the_box_starts_without_the_printer_driver_and_loads_it_after_the_first_screen(
    station: Station, tmp_path: Path
) -> None:
    """The box's start (<= 1 s) imports no printer driver, PDF or web library; once the start
    step is up it loads the driver in a thread, so the first print does not pay for it."""
    import subprocess
    import sys

    heavy = ("escpos", "fpdf", "qrcode", "PIL", "starlette", "alembic")
    code = (
        "import sys\nfrom station.home.context import open_station\n"
        "from station.screens.box.app import BoxApp\nopen_station().close()\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    env = {**os.environ, "STATION_HOME": str(station.home)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.strip() == "[]", done.stdout

    from station.printing import connection

    _ready(station, tmp_path / "printer.bin")

    async def run() -> None:
        app = BoxApp(station, clock=lambda: THURSDAY_2330)
        async with app.run_test(size=SIZE) as pilot:
            assert await _until(pilot, lambda: _step(app) == "start")
            assert await _until(pilot, lambda: app.warmed)
            assert connection._modules is not None

    asyncio.run(run())
