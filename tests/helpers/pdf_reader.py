"""Reading a PDF back the way a person or a scanner would: poppler's pdftotext, pdfinfo and
pdftoppm (Debian's poppler-utils; .ci/run installs it), and zxing-cpp for the QR.

Like the PostgreSQL tests, a test that needs poppler is skipped on a developer machine
without it; under CI (``CI`` set) a missing poppler is a failure, never a silent skip."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

MM_PER_PT = 25.4 / 72


def need_poppler() -> None:
    import pytest

    if shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("pdfinfo"):
        return
    if os.environ.get("CI"):
        pytest.fail("poppler-utils not found in CI; .ci/run must install poppler-utils")
    pytest.skip("poppler-utils (pdftotext, pdftoppm) not installed on this machine")


def _run(*command: str, data: bytes) -> bytes:
    need_poppler()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "letter.pdf"
        path.write_bytes(data)
        return subprocess.run(
            [*command, str(path), *([] if command[0] == "pdftoppm" else ["-"])],
            capture_output=True,
            check=True,
        ).stdout


def pdf_text(data: bytes) -> str:
    """The text of every page (pdftotext -layout), spaces collapsed."""
    return " ".join(_run("pdftotext", "-layout", data=data).decode("utf-8").split())


def pdf_pages(data: bytes) -> list[tuple[float, float]]:
    """Each page's size in millimetres (pdfinfo), one decimal."""
    need_poppler()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "letter.pdf"
        path.write_bytes(data)
        info = subprocess.run(
            ["pdfinfo", "-l", "-1", str(path)], capture_output=True, check=True, text=True
        ).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    return [(round(float(w) * MM_PER_PT, 1), round(float(h) * MM_PER_PT, 1)) for w, h in sizes]


def first_page_png(data: bytes, dpi: int) -> Any:
    """The first page as a grayscale PIL image (pdftoppm -gray)."""
    from PIL import Image

    png = _run("pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-gray", "-png", data=data)
    return Image.open(io.BytesIO(png)).convert("L")


def page_qr(image: Any) -> list[tuple[str, float]]:
    """Every QR on the page image: its text and its width in pixels."""
    import zxingcpp

    found = []
    for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        p = result.position
        width = max(p.top_right.x, p.bottom_right.x) - min(p.top_left.x, p.bottom_left.x)
        found.append((result.text, float(width)))
    return found
