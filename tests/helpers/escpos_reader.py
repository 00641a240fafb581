"""A small ESC/POS reader for tests: bytes → text lines, commands, native QR data, rasters.

It knows the commands Station's jobs may contain and fails on any other control byte, so a
test can say exactly which commands a job holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Parsed:
    lines: list[str] = field(default_factory=list)
    small: list[bool] = field(default_factory=list)  # per line: printed in font B
    commands: list[str] = field(default_factory=list)  # e.g. "ESC @", "GS V", "ESC a"
    native_qr: list[bytes] = field(default_factory=list)
    qr_sizes: list[int] = field(default_factory=list)
    rasters: list[Any] = field(default_factory=list)  # PIL images, 1-bit (black = 0)
    raster_scale: list[tuple[int, int]] = field(default_factory=list)  # dots per pixel x, y
    cuts: int = 0


class UnknownCommand(ValueError):
    pass


def parse(data: bytes) -> Parsed:
    from PIL import Image

    out = Parsed()
    line = bytearray()
    i = 0
    n = len(data)
    font = 0

    def need(k: int) -> None:
        if i + k > n:
            raise UnknownCommand(f"truncated command at {i}")

    while i < n:
        b = data[i]
        if b == 0x0A:
            out.lines.append(line.decode("ascii"))
            out.small.append(font == 1)
            line.clear()
            i += 1
        elif 0x20 <= b <= 0x7E:
            line.append(b)
            i += 1
        elif b == 0x1B:  # ESC
            need(2)
            c = data[i + 1]
            if c == 0x40:  # ESC @
                out.commands.append("ESC @")
                i += 2
            elif c in (
                0x21,
                0x61,
                0x45,
                0x2D,
                0x4D,
                0x47,
                0x7B,
                0x74,
                0x64,
                0x33,
            ):  # ! a E - M G { t d 3
                need(3)
                out.commands.append(f"ESC {chr(c)}")
                if c == 0x4D:  # ESC M n: font A (0) or B (1) for the lines that follow
                    font = data[i + 2] & 1
                i += 3
            elif c == 0x32:  # ESC 2: the default line pitch
                out.commands.append("ESC 2")
                i += 2
            else:
                raise UnknownCommand(f"ESC 0x{c:02x} at {i}")
        elif b == 0x1D:  # GS
            need(2)
            c = data[i + 1]
            if c == 0x21:  # GS ! n
                need(3)
                out.commands.append("GS !")
                i += 3
            elif c == 0x56:  # GS V m [n]
                need(3)
                m = data[i + 2]
                out.commands.append("GS V")
                out.cuts += 1
                i += 4 if m in (0x41, 0x42, 65, 66) else 3
            elif c == 0x28 and i + 2 < n and data[i + 2] == 0x6B:  # GS ( k pL pH cn fn ...
                need(7)
                plen = data[i + 3] | data[i + 4] << 8
                body = data[i + 5 : i + 5 + plen]
                if len(body) != plen:
                    raise UnknownCommand("truncated GS ( k")
                cn, fn = body[0], body[1]
                if cn != 0x31:
                    raise UnknownCommand(f"GS ( k cn {cn}")
                out.commands.append(f"GS ( k {chr(fn)}")
                if fn == 0x50:  # store data: cn fn m(0x30) data
                    out.native_qr.append(bytes(body[3:]))
                elif fn == 0x43:  # module size
                    out.qr_sizes.append(body[2])
                i += 5 + plen
            elif c == 0x76 and i + 2 < n and data[i + 2] == 0x30:  # GS v 0 m xL xH yL yH
                need(8)
                xb = data[i + 4] | data[i + 5] << 8
                yb = data[i + 6] | data[i + 7] << 8
                raw = data[i + 8 : i + 8 + xb * yb]
                if len(raw) != xb * yb:
                    raise UnknownCommand("truncated raster")
                img = Image.frombytes("1", (xb * 8, yb), bytes(raw))
                # ESC/POS raster: bit 1 = black; PIL "1": bit 1 = white -> invert
                out.rasters.append(Image.eval(img.convert("L"), lambda p: 255 - p).convert("1"))
                m = data[i + 3]
                out.raster_scale.append((2 if m & 1 else 1, 2 if m & 2 else 1))
                out.commands.append("GS v 0")
                i += 8 + xb * yb
            elif c in (0x4C, 0x57):  # GS L / GS W nL nH
                need(4)
                out.commands.append(f"GS {chr(c)}")
                i += 4
            else:
                raise UnknownCommand(f"GS 0x{c:02x} at {i}")
        else:
            raise UnknownCommand(f"control byte 0x{b:02x} at {i}")
    if line:
        out.lines.append(line.decode("ascii"))
        out.small.append(font == 1)
    return out


def decode_qr(image: Any) -> list[str]:
    """zxing-cpp decode of a raster (with a white quiet zone added)."""
    import zxingcpp
    from PIL import ImageOps

    padded = ImageOps.expand(image.convert("L"), border=40, fill=255)
    return [r.text for r in zxingcpp.read_barcodes(padded, formats=zxingcpp.BarcodeFormat.QRCode)]
