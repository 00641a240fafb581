"""``printer.preview_dir``: every printed job also leaves a text and a PNG picture (demo)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from station.home.config import PrinterConfig
from station.home.context import Station
from station.printing import print_ticket
from station.queue.facade import Queue


def test_a_printed_ticket_leaves_a_text_and_a_picture(station: Station, tmp_path: Path) -> None:
    issued = Queue.for_station(station).take_ticket("A")
    printer = PrinterConfig(
        uri=f"file:{tmp_path / 'out.bin'}", preview_dir=str(tmp_path / "cetakan")
    )
    job = print_ticket(issued, "Oesapa", printer, tz=station.config.tz)
    assert (tmp_path / "out.bin").read_bytes() == job
    texts = sorted((tmp_path / "cetakan").glob("*.txt"))
    pictures = sorted((tmp_path / "cetakan").glob("*.png"))
    assert len(texts) == len(pictures) == 1
    assert issued.ticket.number in texts[0].name
    assert issued.ticket.number in texts[0].read_text().replace(" ", "")
    with Image.open(pictures[0]) as image:
        assert image.width > 300 and image.height > 200


def test_no_preview_dir_no_files(station: Station, tmp_path: Path) -> None:
    issued = Queue.for_station(station).take_ticket("A")
    out = tmp_path / "printer"
    out.mkdir()
    print_ticket(
        issued, "Oesapa", PrinterConfig(uri=f"file:{out / 'out.bin'}"), tz=station.config.tz
    )
    assert [p.name for p in out.iterdir()] == ["out.bin"]
