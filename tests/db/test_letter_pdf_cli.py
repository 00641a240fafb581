"""F4/A4 letters from the command line: ``letter issue`` follows the type's paper, ``letter pdf``
makes the same sealed letter again (SALINAN n once printed); the PDF goes to CUPS through
``lp`` (a fake ``lp`` on PATH here) or into the home's ``surat/`` folder, 0600; a fault keeps
the letter."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from station.home.context import Station, init_station, open_station
from tests.helpers.cli_auth import add_operators
from tests.helpers.letter_helpers import HEAD, add_residents, run_cli
from tests.helpers.office import signed_template
from tests.helpers.pdf_reader import first_page_png, page_qr, pdf_pages, pdf_text

FAKE_LP = """#!/bin/sh
# A stand-in for CUPS' lp: keeps its arguments and the file it was given.
echo "$@" > "{log}"
for last; do :; done
cp "$last" "{keep}"
echo "request id is {queue}-7 (1 file(s))"
exit {code}
"""


@pytest.fixture
def station(home: Path) -> Iterator[Station]:
    init_station(home, template=signed_template(home))
    opened = open_station(home)
    add_residents(opened.db, opened.office_id)
    add_operators(opened, "ani")  # --operator asks their PIN (STATION_PIN)
    try:
        yield opened
    finally:
        opened.close()


def _office_printer(home: Path, value: str) -> None:
    config = home / "station.toml"
    text = config.read_text(encoding="utf-8")
    assert 'office = ""' in text
    config.write_text(text.replace('office = ""', f'office = "{value}"'), encoding="utf-8")


def _fake_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, code: int = 0) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    lp = folder / "lp"
    lp.write_text(
        FAKE_LP.format(log=tmp_path / "lp-args", keep=tmp_path / "lp-file.pdf", queue="KANTOR",
                       code=code)
    )  # fmt: skip
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return tmp_path


def _issue_skck(*extra: str) -> tuple[object, dict]:
    return run_cli(
        "letter", "issue", "--type", "SKCK", "--nik", HEAD, "--operator", "ani",
        "--purpose", "Melamar pekerjaan", *extra,
    )  # fmt: skip


def test_an_f4_type_is_saved_as_pdf_in_surat_and_reprinted_as_salinan(
    station: Station, home: Path
) -> None:
    result, issued = _issue_skck()
    assert result.exit_code == 0, result.output
    assert issued["paper"] == "f4" and issued["printed"] is True and issued["print_count"] == 1
    path = Path(issued["pdf_path"])
    assert path.parent == home / "surat"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = path.read_bytes()
    assert pdf_pages(data) == [(215.0, 330.0)]
    text = pdf_text(data)
    assert issued["number"] in text and "YOHANES EMANUEL KEBAN" in text
    assert "Melamar pekerjaan" in text and "SALINAN" not in text
    assert [qr for qr, _ in page_qr(first_page_png(data, 150))] == [issued["qr"]]

    # Again as a PDF, on A4: the same number and seal, now SALINAN 1, counted.
    result, again = run_cli("letter", "pdf", issued["number"], "--paper", "a4")
    assert result.exit_code == 0, result.output
    assert again["copy_marker"] == "SALINAN 1" and again["print_count"] == 2
    copy = Path(again["pdf_path"]).read_bytes()
    assert pdf_pages(copy) == [(210.0, 297.0)]
    assert "SALINAN 1" in pdf_text(copy)
    qr = [q for q, _ in page_qr(first_page_png(copy, 150))]
    assert qr == [issued["qr"]]
    result, check = run_cli("letter", "verify", qr[0])
    assert result.exit_code == 0 and check["status"] == "valid"
    _, shown = run_cli("letter", "show", issued["number"])
    assert shown["print_count"] == 2 and shown["copies"] == 1


def test_receipt_type_can_be_issued_on_paper_and_pdf_written_where_asked(
    station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "printer.bin"
    monkeypatch.setenv("STATION_PRINTER", f"file:{out}")
    result, issued = run_cli(
        "letter", "issue", "--type", "SKD", "--nik", HEAD, "--operator", "ani",
        "--purpose", "Melamar pekerjaan",
    )  # fmt: skip
    assert result.exit_code == 0 and issued["paper"] == "receipt" and out.stat().st_size > 0
    target = tmp_path / "kirim" / "skd.pdf"
    target.parent.mkdir()
    result, again = run_cli("letter", "pdf", issued["number"], "--output", str(target))
    assert result.exit_code == 0, result.output
    assert again["paper"] == "f4" and again["pdf_path"] == str(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "SALINAN 1" in pdf_text(target.read_bytes())


def test_office_printer_gets_the_pdf_through_lp(
    station: Station, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _office_printer(home, "cups:KANTOR")
    logs = _fake_lp(tmp_path, monkeypatch)
    result, issued = _issue_skck()
    assert result.exit_code == 0, result.output
    assert issued["pdf_printer"] == "KANTOR" and issued["pdf_path"] is None
    assert issued["print_count"] == 1
    args = (logs / "lp-args").read_text().split()
    assert args[:2] == ["-d", "KANTOR"]
    sent = (logs / "lp-file.pdf").read_bytes()
    assert issued["number"] in pdf_text(sent)
    assert not (home / "surat").exists()  # nothing kept on disk when CUPS took it
    assert not Path(args[-1]).exists()  # lp's temporary copy is gone


@pytest.mark.parametrize("broken", ["exit", "missing"])
def test_an_lp_fault_is_a_refusal_that_keeps_the_letter(
    station: Station, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    _office_printer(home, "cups:KANTOR")
    if broken == "exit":
        _fake_lp(tmp_path, monkeypatch, code=1)
    else:
        empty = tmp_path / "empty-bin"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
    result, refused = _issue_skck()
    assert result.exit_code == 1
    assert refused["printed"] is False
    assert refused["print_fault"] == ("lp_failed" if broken == "exit" else "lp_missing")
    assert "station letter reprint" in refused["print_message"]
    _, shown = run_cli("letter", "show", refused["number"])
    assert shown["status"] == "issued" and shown["print_count"] == 0
    # Once CUPS is back, the first PDF that gets out is the original (no SALINAN).
    monkeypatch.undo()
    monkeypatch.setenv("STATION_HOME", str(home))
    monkeypatch.delenv("STATION_PRINTER", raising=False)
    (home / "station.toml").write_text(
        (home / "station.toml").read_text().replace('office = "cups:KANTOR"', 'office = ""')
    )
    result, again = run_cli("letter", "pdf", refused["number"])
    assert result.exit_code == 0, result.output
    assert again["copy_marker"] == "" and again["print_count"] == 1


def test_office_printer_must_be_a_cups_queue(station: Station, home: Path) -> None:
    _office_printer(home, "usb:0416:5011")
    result, refused = run_cli("letter", "pdf", "400/001")
    assert result.exit_code != 0
    assert "printer.office" in (refused.get("message") or result.output)


def test_the_lambang_from_the_config_is_on_the_page(station: Station, home: Path) -> None:
    from PIL import Image

    Image.new("RGB", (80, 90), (200, 30, 30)).save(home / "lambang.png")
    config = home / "station.toml"
    text = config.read_text(encoding="utf-8")
    assert 'logo = ""' in text  # written by station init, commented
    config.write_text(text.replace('logo = ""', 'logo = "lambang.png"'), encoding="utf-8")
    result, issued = _issue_skck()
    assert result.exit_code == 0, result.output
    data = Path(issued["pdf_path"]).read_bytes()
    assert b"/Subtype /Image" in data
    assert pdf_pages(data) == [(215.0, 330.0)]
