"""Make data text safe for a receipt printer: printable ASCII only.

Every text that comes from data (names, addresses, field values, config) passes
:func:`clean` before it reaches python-escpos.  Control characters (C0 including ESC, GS,
DLE, FS; DEL; C1), format characters (zero-width, bidi) and line/paragraph separators are
removed or turned into spaces; the rest is normalised (NFKC, then accents stripped via NFKD)
and transliterated to ASCII.  What has no ASCII form prints as ``?``.  The result contains
only bytes 0x20..0x7E, so no data can cut paper, open a drawer, reset the printer or switch
modes, and no clone code page can garble it.
"""

from __future__ import annotations

import unicodedata

# Letters that NFKD does not decompose into an ASCII base letter.
_EXTRA = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "Th",
    "ı": "i",
    "‘": "'",
    "’": "'",
    "‚": ",",
    "“": '"',
    "”": '"',
    "„": '"',
    "–": "-",
    "—": "-",
    "‐": "-",
    "−": "-",
    "…": "...",
    "•": "*",
    "€": "EUR",
    "«": '"',
    "»": '"',
}


def _char(ch: str) -> str:
    if ch in _EXTRA:
        return _EXTRA[ch]
    category = unicodedata.category(ch)
    if category in ("Cc", "Zl", "Zp") or ch.isspace():
        return " "  # control chars (incl. tab, newline, ESC, DEL, C1) become spaces
    if category in ("Cf", "Cs", "Co", "Cn", "Mn", "Mc", "Me"):
        return ""
    if " " <= ch <= "~":
        return ch
    base = "".join(
        c for c in unicodedata.normalize("NFKD", ch) if unicodedata.category(c)[0] != "M"
    )
    if base and all(" " <= c <= "~" for c in base):
        return base
    return "?"


def clean(text: object) -> str:
    """One line of printable ASCII (0x20..0x7E), spaces collapsed, ends stripped."""
    value = unicodedata.normalize("NFKC", str(text))
    out = "".join(_char(ch) for ch in value)
    return " ".join(out.split())


def is_safe(text: str) -> bool:
    """True when ``text`` is printable ASCII only (what :func:`clean` returns)."""
    return all(" " <= ch <= "~" for ch in text)
