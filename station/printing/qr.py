"""QR sizing and the raster QR image (for printers without native ``GS ( k``).

The module size is chosen so the code (without quiet zone) is at least :data:`MIN_QR_MM`
wide and the code with a 4-module quiet zone on each side still fits the printable width.
Error correction M (15 %) survives a smudged thermal print.
"""

from __future__ import annotations

import math
from typing import Any

import qrcode
import qrcode.constants

MIN_QR_MM = 25.0
QUIET_ZONE = 4
MAX_NATIVE_SIZE = 16


def _code(data: str | bytes, **kwargs: Any) -> Any:
    code = qrcode.QRCode(
        version=None, error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, **kwargs
    )
    code.add_data(data)
    return code


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules (True = dark), without quiet zone, error correction M.

    The mask pattern is fixed: every mask is valid for readers, and trying all eight (the
    library's default) costs ~10 ms per code in pure Python.
    """
    code = _code(data, mask_pattern=0)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def native_module_dots(data: str, *, dpi: int, dots: int) -> int:
    """Module size for ``GS ( k``: the printer encodes the data itself, maybe in byte mode
    (largest code), maybe in the optimal mode (smallest): ≥ 25 mm for the smallest when
    possible, and the largest still fits the paper with its quiet zone."""
    small = 17 + 4 * _code(data).best_fit()
    large = 17 + 4 * _code(data.encode("ascii")).best_fit()
    size = module_dots(small, dpi=dpi, dots=dots)
    while size > 1 and (large + 2 * QUIET_ZONE) * size > dots:
        size -= 1
    return size


def module_dots(modules: int, *, dpi: int, dots: int) -> int:
    """Dots per module: ≥ MIN_QR_MM wide when possible, always fitting with its quiet zone."""
    wanted = math.ceil(MIN_QR_MM * dpi / 25.4)
    size = max(1, math.ceil(wanted / modules))
    while size > 1 and (modules + 2 * QUIET_ZONE) * size > dots:
        size -= 1
    return min(size, MAX_NATIVE_SIZE)


def qr_image(data: str, *, dpi: int, dots: int, scale: int = 2) -> Any:
    """A 1-bit PIL image of the code (1-module white border; the paper is the quiet zone).

    ``scale`` is how many printer dots one image pixel covers: 2 when the raster is sent in
    double-width, double-height mode (``GS v 0`` m=3), which quarters the bytes on the wire.
    """
    from PIL import Image

    matrix = qr_matrix(data)
    n = len(matrix)
    size = max(1, math.ceil(MIN_QR_MM * dpi / 25.4 / (n * scale)))  # pixels per module
    while size > 1 and (n + 2 * QUIET_ZONE) * size * scale > dots:
        size -= 1
    border = 1
    side = (n + 2 * border) * size
    img = Image.new("1", (side, side), 1)
    pixels = img.load()
    assert pixels is not None
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                x0, y0 = (x + border) * size, (y + border) * size
                for yy in range(y0, y0 + size):
                    for xx in range(x0, x0 + size):
                        pixels[xx, yy] = 0
    return img
