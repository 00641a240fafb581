"""The same print operations as plain text (operator app) and as a receipt-like PNG."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from station.printing.layout import QR, SMALL_LINE_DOTS, Cut, Feed, Op, PrintSettings, Text


def preview_text(ops: Sequence[Op], settings: PrintSettings) -> str:
    """Monospaced text, ``columns`` wide; double-size text is spaced out, the QR a box;
    font B lines (``small``) are ``small_columns`` wide."""
    width = settings.columns
    out: list[str] = []
    for op in ops:
        if isinstance(op, Text):
            line = " ".join(op.text) if op.double else op.text
            if op.align == "center" or op.double:
                line = line.strip().center(op.limit(settings) if op.small else width).rstrip()
            out.append(line)
        elif isinstance(op, Feed):
            out += [""] * op.lines
        elif isinstance(op, QR):
            out.append("[ QR ]".center(width).rstrip())
        elif isinstance(op, Cut):
            out.append("-" * width)
    return "\n".join(out) + "\n"


def preview_png(ops: Sequence[Op], settings: PrintSettings) -> Any:
    """A PIL image of the receipt at printer resolution (font A ≈ 12 x 24 dots a line,
    font B 9 dots wide at a pitch of ``SMALL_LINE_DOTS``)."""
    from PIL import Image, ImageDraw, ImageFont

    from station.printing.qr import qr_image

    dots = settings.dots
    char_w = dots // settings.columns
    line_h = 24
    font = ImageFont.load_default()
    pieces: list[tuple[str, Any]] = []
    height = 16
    for op in ops:
        if isinstance(op, Text):
            pieces.append(("text", op))
            height += SMALL_LINE_DOTS if op.small else line_h * (2 if op.double else 1)
        elif isinstance(op, Feed):
            height += line_h * op.lines
            pieces.append(("feed", op))
        elif isinstance(op, QR):
            img = qr_image(op.data, dpi=settings.dpi, dots=dots, scale=1)
            pieces.append(("qr", img))
            height += img.height + 8
        elif isinstance(op, Cut):
            pieces.append(("cut", op))
            height += 16
    page = Image.new("L", (dots, height), 255)
    draw = ImageDraw.Draw(page)
    y = 8
    for kind, item in pieces:
        if kind == "text":
            scale = 2 if item.double else 1
            text = item.text
            x = 0
            if item.align == "center" or item.double:
                x = max(0, (dots - len(text) * char_w * scale) // 2)
            if item.small:
                if item.align == "center":
                    x = max(0, (dots - len(text) * 9) // 2)
                draw.text((x, y + 3), text, fill=0, font=font)
                y += SMALL_LINE_DOTS
                continue
            if scale == 1:
                draw.text((x, y + 4), text, fill=0, font=font)
            else:
                tmp = Image.new("L", (max(1, len(text) * char_w), line_h), 255)
                ImageDraw.Draw(tmp).text((0, 4), text, fill=0, font=font)
                big = tmp.resize((tmp.width * 2, tmp.height * 2))
                page.paste(big, (x, y))
            y += line_h * scale
        elif kind == "feed":
            y += line_h * item.lines
        elif kind == "qr":
            page.paste(item.convert("L"), ((dots - item.width) // 2, y))
            y += item.height + 8
        else:
            for x in range(0, dots, 8):
                draw.line((x, y + 8, x + 4, y + 8), fill=0)
            y += 16
    return page
