"""Print operations → one ESC/POS job (bytes), built in a fresh python-escpos ``Dummy``.

Each job starts with ``ESC @`` (a clean printer state, no stale code page) and is sent in one
write.  Text from operations is printable ASCII (see :mod:`station.printing.sanitize`) and is
written raw, so no code-page switching happens at all.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence

from station.printing.connection import escpos_modules
from station.printing.layout import (
    QR,
    SMALL_LINE_DOTS,
    Cut,
    Feed,
    Op,
    PrintSettings,
    Text,
    check_qr_data,
)
from station.printing.qr import native_module_dots, qr_image
from station.printing.sanitize import is_safe

_ALIGN = {"left": 0, "center": 1}


def _style(bold: bool, double: bool, align: str) -> bytes:
    """ESC a (justification), ESC E (emphasis), GS ! (character size)."""
    return bytes(
        [0x1B, 0x61, _ALIGN[align], 0x1B, 0x45, int(bold), 0x1D, 0x21, 0x11 if double else 0]
    )


def build_job(ops: Sequence[Op], settings: PrintSettings) -> bytes:
    """The whole job's bytes; raises ValueError on an op that is not safe to print."""
    printer_mod, constants = escpos_modules()
    dummy = printer_mod.Dummy(profile=settings.profile or "default")
    dummy.hw("INIT")  # ESC @
    style = (False, False, "left")  # the state after ESC @
    small_font = False  # font A, the printer's own line pitch (after ESC @)

    def set_small(small: bool) -> None:
        """Font B with a tighter pitch (ESC M 1, ESC 3 n), or back (ESC M 0, ESC 2)."""
        nonlocal small_font
        if small != small_font:
            dummy._raw(b"\x1bM\x01\x1b3" + bytes([SMALL_LINE_DOTS]) if small else b"\x1bM\x00\x1b2")
            small_font = small

    def set_style(bold: bool, double: bool, align: str) -> None:
        nonlocal style
        if (bold, double, align) != style:
            old_bold, old_double, old_align = style
            out = _style(bold, double, align)
            # only the commands that change something (3 bytes each)
            parts = [out[0:3] if align != old_align else b""]
            parts.append(out[3:6] if bold != old_bold else b"")
            parts.append(out[6:9] if double != old_double else b"")
            dummy._raw(b"".join(parts))
            style = (bold, double, align)

    for op in ops:
        if isinstance(op, Text):
            if not is_safe(op.text):
                raise ValueError("teks cetak harus ASCII tanpa karakter kendali")
            limit = op.limit(settings)
            if len(op.text) > limit:
                raise ValueError(f"baris lebih dari {limit} kolom: {op.text!r}")
            set_small(op.small)
            set_style(op.bold, op.double, op.align)
            dummy._raw(op.text.encode("ascii") + b"\n")
        elif isinstance(op, Feed):
            set_small(False)
            dummy._raw(b"\n" * max(0, op.lines))
        elif isinstance(op, QR):
            data = check_qr_data(op.data)
            set_small(False)
            set_style(False, False, "center")
            if settings.native_qr:
                size = native_module_dots(data, dpi=settings.dpi, dots=settings.dots)
                dummy.qr(data, ec=constants.QR_ECLEVEL_M, size=size, native=True)
            else:
                image = qr_image(data, dpi=settings.dpi, dots=settings.dots)
                # python-escpos print()s a notice for profiles without a pixel width
                with contextlib.redirect_stdout(io.StringIO()):
                    dummy.image(image, high_density_vertical=False, high_density_horizontal=False)
            dummy._raw(b"\n")
        elif isinstance(op, Cut):
            set_small(False)
            set_style(False, False, "left")
            dummy.cut(mode="PART")
        else:  # pragma: no cover - exhaustive
            raise TypeError(f"unknown print op {op!r}")
    return bytes(dummy.output)
