"""Printing core: layouts, sanitising, ESC/POS jobs parsed back, QR native vs image, golden
previews, faults.  Bytes are python-escpos's real output (``Dummy``)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from station.printing import PrinterFault, build_job, letter_ops, ticket_ops
from station.printing.faults import classify
from station.printing.layout import QR, Cut, PrintSettings, Text, selftest_ops
from station.printing.preview import preview_png, preview_text
from station.printing.qr import module_dots, native_module_dots, qr_matrix
from station.printing.sanitize import clean, is_safe
from tests.helpers.escpos_reader import decode_qr, parse
from tests.helpers.printing_samples import OFFICE_TZ, QR_TEXT, sample_document, sample_ticket

GOLDEN = Path(__file__).parent / "golden" / "printing"
PAPERS = [(58, "", 32), (80, "", 48), (80, "TM-T88V", 42), (58, "POS-5890", 32)]


def _check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="ascii")
    assert text == path.read_text(encoding="ascii")


@pytest.mark.parametrize("width", [58, 80])
def test_golden_ticket_and_letter(width: int) -> None:
    settings = PrintSettings(width)
    _check_golden(
        f"ticket_{width}.txt",
        preview_text(
            ticket_ops(sample_ticket(), "Kelurahan Oesapa", settings, tz=OFFICE_TZ), settings
        ),
    )
    _check_golden(
        f"letter_{width}.txt", preview_text(letter_ops(sample_document(), settings), settings)
    )


@pytest.mark.parametrize(("width", "profile", "columns"), PAPERS)
def test_jobs_fit_the_paper(width: int, profile: str, columns: int) -> None:
    settings = PrintSettings(width, profile)
    assert settings.columns == columns
    long_docs = ["Surat pengantar dari Ketua RT dan Ketua RW setempat yang masih berlaku " * 2]
    ticket = sample_ticket(
        service_name="Pelayanan Administrasi Kependudukan " * 2, documents=long_docs
    )
    for ops in (
        ticket_ops(ticket, "Kelurahan Oesapa " * 4, settings, tz=OFFICE_TZ),
        letter_ops(sample_document(address="Perumahan " * 12), settings),
        letter_ops(sample_document().as_copy(2), settings),
    ):
        for op in ops:
            if isinstance(op, Text):
                if op.small:  # font B: the 58 mm letter's body, 42 columns
                    assert width == 58 and len(op.text) <= settings.small_columns == 42, op
                else:
                    assert len(op.text) <= (columns // 2 if op.double else columns), op
        parsed = parse(build_job(ops, settings))
        assert parsed.commands[0] == "ESC @"
        for line, small in zip(parsed.lines, parsed.small, strict=True):
            assert len(line) <= (settings.small_columns if small else columns)


def test_words_are_not_split() -> None:
    settings = PrintSettings(58)
    doc = sample_document(address="Kompleks Perumahan Bumi Indah Permai Blok Cendana Nomor 12")
    text = preview_text(letter_ops(doc, settings), settings)
    words = set(text.split())
    for word in ("Kompleks", "Perumahan", "Permai", "Cendana", "bertanda", "Kelurahan"):
        assert word in words


def test_letter_layout_order_and_copy_marker() -> None:
    settings = PrintSettings(80)
    ops = letter_ops(sample_document().as_copy(1), settings)
    texts = [op.text.strip() for op in ops if isinstance(op, Text)]
    assert texts[0] == texts[-1] == "*** SALINAN 1 ***"
    for first, later in [
        ("PEMERINTAH KOTA KUPANG", "KECAMATAN KELAPA LIMA"),
        ("KELURAHAN OESAPA", "SURAT KETERANGAN DOMISILI"),
        ("SURAT KETERANGAN DOMISILI", "Nomor : 400.12.2.1/001/KEL.OSP/XI/2026"),
        ("LURAH OESAPA", "MARKUS TALLO, S.Sos"),
    ]:
        assert texts.index(first) < texts.index(later)
    qr_at = next(i for i, op in enumerate(ops) if isinstance(op, QR))
    hint_at = next(i for i, op in enumerate(ops) if isinstance(op, Text) and "Pindai QR" in op.text)
    assert qr_at < hint_at
    assert isinstance(ops[-1], Cut)


@pytest.mark.parametrize(
    ("profile", "native"),
    [
        ("", True),
        ("default", True),
        ("TM-T88V", True),
        ("simple", False),
        ("POS-5890", False),
        ("ZJ-5870", False),
    ],
)
@pytest.mark.parametrize("width", [58, 80])
def test_qr_native_or_image_per_profile(profile: str, native: bool, width: int) -> None:
    settings = PrintSettings(width, profile)
    assert settings.native_qr is native
    job = build_job(letter_ops(sample_document(), settings), settings)
    parsed = parse(job)
    if native:
        assert parsed.native_qr == [QR_TEXT.encode()]
        assert not parsed.rasters
        assert len(job) <= 2048
    else:
        assert not parsed.native_qr and "GS ( k P" not in parsed.commands
        assert len(parsed.rasters) == 1
        (sx, _sy), img = parsed.raster_scale[0], parsed.rasters[0]
        assert img.width * sx <= settings.dots
        assert img.width * sx * 25.4 / settings.dpi >= 25
        assert decode_qr(parsed.rasters[0]) == [QR_TEXT]
        assert len(job) <= 8192


def test_qr_override() -> None:
    image = PrintSettings(80, "TM-T88V", qr_mode="image")
    assert not image.native_qr
    assert decode_qr(parse(build_job(letter_ops(sample_document(), image), image)).rasters[0]) == [
        QR_TEXT
    ]
    native = PrintSettings(58, "POS-5890", qr_mode="native")
    assert parse(build_job(letter_ops(sample_document(), native), native)).native_qr == [
        QR_TEXT.encode()
    ]


@pytest.mark.parametrize(("width", "profile"), [(58, ""), (80, ""), (80, "TM-T88V")])
def test_qr_module_size_gives_25_mm_and_fits(width: int, profile: str) -> None:
    settings = PrintSettings(width, profile)
    for data in (QR_TEXT, QR_TEXT * 2, "X"):
        n = len(qr_matrix(data))
        size = module_dots(n, dpi=settings.dpi, dots=settings.dots)
        assert (n + 8) * size <= settings.dots
        assert n * size * 25.4 / settings.dpi >= 24.9
        native = native_module_dots(data, dpi=settings.dpi, dots=settings.dots)
        byte_mode = len(qr_matrix(data.lower()))  # lower case: byte mode, the largest code
        assert (byte_mode + 8) * native <= settings.dots
    parsed = parse(build_job(letter_ops(sample_document(), settings), settings))
    assert parsed.qr_sizes and 1 <= parsed.qr_sizes[0] <= 16


def test_cut_only_where_supported() -> None:
    for profile, cuts in (("", 1), ("TM-T88V", 1)):
        settings = PrintSettings(80, profile)
        assert parse(build_job(letter_ops(sample_document(), settings), settings)).cuts == cuts


def test_sanitize_examples() -> None:
    assert clean("José Müller\x1b@\x1dV\x00\x10\x14\x01\x1c.") == "Jose Muller @ V ."
    assert clean("Ａｌｉ\u200b\u202eX\u0085\x7fY") == "AliX Y"
    assert clean("Straße — “Nusa”") == 'Strasse - "Nusa"'
    assert clean("王小明 محمد") == "??? ????"
    assert is_safe(clean("\x1bp\x00\x19\xfa"))


def test_selftest_page_and_previews() -> None:
    for width, profile in ((58, "POS-5890"), (80, "")):
        settings = PrintSettings(width, profile)
        ops = selftest_ops("Kelurahan Oesapa", settings, "file:/dev/usb/lp0")
        parsed = parse(build_job(ops, settings))
        assert "HALAMAN UJI PRINTER" in "\n".join(parsed.lines)
        png = preview_png(letter_ops(sample_document(), settings), settings)
        assert png.width == settings.dots and png.height > 1000
        png_qr = decode_qr(png.convert("1"))
        assert QR_TEXT in png_qr


def test_unsafe_qr_data_refused() -> None:
    settings = PrintSettings(58)
    with pytest.raises(ValueError):
        letter_ops(replace(sample_document(), qr_text="abc\x1bi"), settings)


def test_fault_classification() -> None:
    import errno

    assert classify(TimeoutError()).kind == "timeout"
    assert classify(FileNotFoundError(errno.ENOENT, "x")).kind == "unplugged"
    assert classify(OSError(errno.ENODEV, "x")).kind == "unplugged"
    assert classify(ConnectionRefusedError(errno.ECONNREFUSED, "x")).kind == "offline"
    assert classify(OSError(errno.ETIMEDOUT, "x")).kind == "timeout"
    for kind in ("offline", "paper_out", "cover_open", "unplugged", "timeout"):
        assert PrinterFault(kind).message


def test_core_does_not_import_escpos() -> None:
    import subprocess
    import sys

    code = (
        "import sys, station.letters, station.queue.facade, station.letters.store, "
        "station.printing, "
        "station.cli; assert 'escpos' not in sys.modules, 'escpos imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_connections_fail_with_faults(tmp_path: Path) -> None:
    from station.printing.connection import connect

    with pytest.raises(PrinterFault) as info:
        connect("bogus:thing")
    assert info.value.kind == "config"
    with pytest.raises(PrinterFault) as info:
        connect(f"file:{tmp_path / 'missing' / 'lp0'}").send(b"\x1b@")
    assert info.value.kind == "unplugged"
    with pytest.raises(PrinterFault) as info:
        connect("serial:/dev/ttyStationNone:19200").send(b"\x1b@")
    assert info.value.kind == "unplugged"
    target = tmp_path / "lp0"
    conn = connect(f"file:{target}")
    conn.send(b"\x1b@A\n")
    conn.send(b"\x1b@B\n")
    assert target.read_bytes() == b"\x1b@A\n\x1b@B\n"  # appends, one write per job


class _FakeDevice:
    """A python-escpos device printer that answers status queries like a real one."""

    def __init__(self, offline_cause: bytes, paper: int, fail: BaseException | None = None):
        self.offline_cause, self.paper, self.fail = offline_cause, paper, fail
        self.written = b""
        self.closed = False

    def query_status(self, mode: bytes) -> bytes:
        if not self.offline_cause:
            return b""  # a printer that never answers status
        n = mode[-1]
        if n == 2:
            return bytes([0x12 | self.offline_cause[0]])
        if n == 4:
            return bytes([0x12 | {0: 0x60, 1: 0x0C, 2: 0x00}[self.paper]])
        if n == 1:
            return bytes([0x12 | (0x08 if self.offline_cause[0] & 0x24 else 0)])
        return b"\x12"

    def paper_status(self) -> int:
        return self.paper

    def is_online(self) -> bool:
        return not self.offline_cause or not self.offline_cause[0] & 0x24

    def _raw(self, data: bytes) -> None:
        if self.fail:
            raise self.fail
        self.written += data

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("cause", "paper", "fail", "kind"),
    [
        (b"\x04", 2, None, "cover_open"),
        (b"\x20", 2, None, "paper_out"),
        (b"\x00", 0, None, "paper_out"),
        (b"", 2, TimeoutError("usb write timed out"), "timeout"),
        (b"", 2, OSError(19, "No such device"), "unplugged"),
        (b"", 2, None, None),  # no status answer: a hint only, the job is sent
    ],
)
def test_device_faults(
    monkeypatch: pytest.MonkeyPatch,
    cause: bytes,
    paper: int,
    fail: BaseException | None,
    kind: str | None,
) -> None:
    from station.printing import connection as connection_module
    from station.printing.connection import connect

    monkeypatch.setattr(connection_module, "_SILENT", {})  # no printer found silent before
    conn = connect("tcp:192.0.2.1")
    device = _FakeDevice(cause, paper, fail)
    monkeypatch.setattr(conn, "_open", lambda: device)
    if kind is None:
        conn.send(b"\x1b@job")
        assert device.written == b"\x1b@job"
    else:
        with pytest.raises(PrinterFault) as info:
            conn.send(b"\x1b@job")
        assert info.value.kind == kind and info.value.message
        assert device.written == b""
    assert device.closed
    status = conn.status()
    assert status["paper"] == {0: "habis", 2: "cukup"}[paper]
