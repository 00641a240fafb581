"""Printing wired into the CLI: ``STATION_PRINTER=file:PATH`` gets the raw ESC/POS bytes; the
printed QR verifies; data never reaches the printer as commands; faults lose nothing."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from station.home.context import Station, init_station, open_station
from station.store.models import Resident
from tests.helpers.cli_auth import TEST_PIN, add_operators
from tests.helpers.escpos_reader import decode_qr, parse
from tests.helpers.letter_helpers import HEAD, add_residents, run_cli
from tests.helpers.office import signed_template

INJECTED = [b"\x1b@", b"\x1bp\x00\x19\xfa", b"\x1dV\x00", b"\x1dVA\x00", b"\x10\x14\x01\x00\x05"]
NASTY = "".join(chunk.decode("latin-1") for chunk in INJECTED) + "\x1b!\x38\x1ct\x1b\x74\x10"


@pytest.fixture
def station(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Station]:
    monkeypatch.delenv("STATION_PRINTER_PROFILE", raising=False)
    monkeypatch.delenv("STATION_PRINTER_QR", raising=False)
    init_station(home, template=signed_template(home))
    opened = open_station(home)
    add_residents(opened.db, opened.office_id)
    add_operators(opened, "ani", role="admin")
    try:
        yield opened
    finally:
        opened.close()


def _issue(*extra: str) -> tuple[Any, dict[str, Any]]:
    return run_cli(
        "letter", "issue", "--type", "SKD", "--nik", HEAD, "--operator", "ani",
        "--purpose", "Melamar pekerjaan", *extra,
    )  # fmt: skip


@pytest.mark.parametrize(("profile", "native"), [("", True), ("POS-5890", False)])
def test_printed_qr_is_the_letters_and_verifies(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str, native: bool
) -> None:
    out = tmp_path / "printer.bin"
    monkeypatch.setenv("STATION_PRINTER", f"file:{out}")
    if profile:
        monkeypatch.setenv("STATION_PRINTER_PROFILE", profile)
    result, issued = _issue()
    assert result.exit_code == 0, result.output
    assert issued["printed"] is True and issued["print_count"] == 1
    job = out.read_bytes()
    parsed = parse(job)
    assert len(job) <= (2048 if native else 8192)  # issue 5 targets, a real sealed letter
    if native:
        assert [q.decode() for q in parsed.native_qr] == [issued["qr"]]
    else:
        assert not parsed.native_qr
        assert [decode_qr(r) for r in parsed.rasters] == [[issued["qr"]]]
    assert parsed.commands[0] == "ESC @"
    assert issued["number"] in "\n".join(parsed.lines)
    # the 58 mm letter's body is in font B (42 columns), the rest in font A (32)
    assert any(parsed.small) and not all(parsed.small)
    assert all(len(t) <= (42 if b else 32) for t, b in zip(parsed.lines, parsed.small, strict=True))
    result, check = run_cli("letter", "verify", issued["qr"])
    assert result.exit_code == 0 and check["status"] == "valid"


def test_control_sequences_in_a_record_never_reach_the_printer(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with station.db.write() as session:
        resident = session.query(Resident).filter_by(nik=HEAD).one()
        resident.name = f"YOHANES{NASTY}KEBAN 王"
        resident.address = f"Jl. Timor{NASTY} Raya"
        resident.occupation = NASTY
    out = tmp_path / "printer.bin"
    monkeypatch.setenv("STATION_PRINTER", f"file:{out}")
    result, _ = _issue("--purpose", f"Melamar{NASTY}pekerjaan")
    assert result.exit_code == 0, result.output
    job = out.read_bytes()
    for chunk in INJECTED[1:]:
        assert chunk not in job
    parsed = parse(job)  # only the commands Station itself writes
    assert parsed.commands.count("ESC @") == 1 and job.startswith(b"\x1b@")
    assert parsed.cuts == 1 and parsed.commands[-1] == "GS V"
    assert not any(c.startswith("ESC p") for c in parsed.commands)
    assert "YOHANES" in "\n".join(parsed.lines)


class FailingFile:
    """A device that accepts ``limit`` bytes, then fails like a pulled cable or a hang."""

    def __init__(self, sink: bytearray, limit: int, exc: BaseException) -> None:
        self.sink, self.limit, self.exc = sink, limit, exc

    def write(self, data: bytes) -> int:
        room = self.limit - len(self.sink)
        self.sink += data[: max(0, room)]
        if len(data) > room:
            raise self.exc
        return len(data)

    def __enter__(self) -> FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError("write timed out"), "timeout"),
        (OSError(errno.ENODEV, "No such device"), "unplugged"),
        (OSError(errno.EIO, "I/O error"), "offline"),
    ],
)
def test_printer_failing_mid_job_keeps_the_letter(
    station: Station,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exc: BaseException,
    kind: str,
) -> None:
    import station.printing.connection as connection

    sink = bytearray()
    monkeypatch.setattr(
        connection, "open_private_append", lambda *a, **k: FailingFile(sink, 300, exc)
    )
    monkeypatch.setenv("STATION_PRINTER", f"file:{tmp_path / 'lp0'}")
    result, issued = _issue()
    assert result.exit_code == 1
    assert issued["printed"] is False and issued["print_fault"] == kind
    assert "cetak ulang" in issued["print_message"] and issued["error"]
    assert len(sink) == 300  # it really failed mid-job
    _, shown = run_cli("letter", "show", issued["number"])
    assert shown["status"] == "issued" and shown["print_count"] == 0

    monkeypatch.undo()
    monkeypatch.setenv("STATION_PIN", TEST_PIN)
    out = tmp_path / "ok.bin"
    monkeypatch.setenv("STATION_HOME", str(station.home))
    monkeypatch.setenv("STATION_PRINTER", f"file:{out}")
    result, again = run_cli("letter", "reprint", issued["number"])
    assert result.exit_code == 0, result.output
    assert again["printed"] is True and again["print_count"] == 1
    assert [q.decode() for q in parse(out.read_bytes()).native_qr] == [issued["qr"]]
    # No print of it had reached paper: this one is the original, not a copy (issue 14.2).
    assert again["copy_marker"] == "" and again["copy"] == 0
    assert "SALINAN" not in "\n".join(parse(out.read_bytes()).lines)
    copy = tmp_path / "copy.bin"
    monkeypatch.setenv("STATION_PRINTER", f"file:{copy}")
    result, copied = run_cli("letter", "reprint", issued["number"])
    assert copied["copy_marker"] == "SALINAN 1" and copied["print_count"] == 2
    assert parse(copy.read_bytes()).lines[0].strip() == "*** SALINAN 1 ***"
    _, after = _issue("--no-print")
    assert "/002/" in after["number"]  # the failed print took no extra number


def test_no_print_prints_nothing(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "printer.bin"
    monkeypatch.setenv("STATION_PRINTER", f"file:{out}")
    result, issued = _issue("--no-print")
    assert result.exit_code == 0 and issued["printed"] is False
    assert not out.exists()


def test_ticket_take_prints_and_a_fault_keeps_the_ticket(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "printer.bin"
    monkeypatch.setenv("STATION_PRINTER", f"file:{out}")
    result, ticket = run_cli("ticket", "take", "A")
    assert result.exit_code == 0, result.output
    assert ticket["printed"] is True
    parsed = parse(out.read_bytes())
    assert "A-001" in "\n".join(parsed.lines) and parsed.cuts == 1

    monkeypatch.setenv("STATION_PRINTER", f"file:{tmp_path / 'gone' / 'lp0'}")
    result, second = run_cli("ticket", "take", "A")
    assert result.exit_code == 1
    assert second["printed"] is False and second["print_fault"] == "unplugged"
    assert second["number"] == "A-002" and "A-002" in second["print_message"]
    _, status = run_cli("queue", "status")
    assert "A-002" in str(status)


def test_printer_test_and_status(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "printer.bin"
    monkeypatch.setenv("STATION_PRINTER", f"file:{out}")
    result, data = run_cli("printer", "test")
    assert result.exit_code == 0 and data["printed"] is True
    assert data["qr"] == "native" and data["columns"] == 32
    parsed = parse(out.read_bytes())
    assert parsed.native_qr == [b"STATION-PRINTER-TEST"]
    assert "HALAMAN UJI PRINTER" in "\n".join(parsed.lines)
    result, status = run_cli("printer", "status")
    assert result.exit_code == 0 and status["online"] is None and status["message"]
    monkeypatch.setenv("STATION_PRINTER", f"file:{tmp_path / 'gone' / 'lp0'}")
    result, data = run_cli("printer", "test")
    assert result.exit_code == 1 and data["print_fault"] == "unplugged"
    result, status = run_cli("printer", "status")
    assert status["online"] is False
