"""The 58 mm letter is short (docs/printers.md, "Receipt length"): the same content as the
Document, in fewer lines; a Domisili receipt is well under 20 cm, measured on the preview
picture at the printer's resolution."""

from __future__ import annotations

from collections import Counter

import pytest

from station.letters.document import canonical_text
from station.printing import PrintSettings, letter_ops
from station.printing.layout import Text
from station.printing.preview import preview_png, preview_text
from tests.unit.test_letter_pdf import sealed
from tests.unit.test_letters import REQUIRED_TYPES

MM_PER_INCH = 25.4


def receipt_mm(code: str, settings: PrintSettings) -> float:
    image = preview_png(letter_ops(sealed(code), settings), settings)
    return image.height / settings.dpi * MM_PER_INCH


def _words(text: str) -> Counter[str]:
    return Counter(w.strip(":") for w in text.split() if w.strip(":"))


def test_a_domisili_receipt_is_well_under_20_cm() -> None:
    assert receipt_mm("SKD", PrintSettings(58)) <= 185.0  # it was 270 mm


@pytest.mark.parametrize("code", sorted(REQUIRED_TYPES))
def test_every_receipt_keeps_every_word_of_the_letter(code: str) -> None:
    settings = PrintSettings(58)
    doc = sealed(code)
    printed = _words(preview_text(letter_ops(doc, settings), settings))
    lines = [line.split("\t", 1)[1] for line in canonical_text(doc).splitlines()]
    wanted = _words(" ".join(line.split("\t")[-1] for line in lines))
    assert not wanted - printed, f"{code}: missing on the receipt: {wanted - printed}"
    assert receipt_mm(code, settings) <= 225.0  # SKTM, the longest, lists the dependants


def test_font_b_only_where_the_printer_has_it() -> None:
    doc = sealed("SKD")
    small = [op for op in letter_ops(doc, PrintSettings(58)) if isinstance(op, Text) and op.small]
    assert small and all(len(op.text) <= 42 for op in small)
    plain = letter_ops(doc, PrintSettings(58, "ZJ-5870"))  # a profile without font B
    assert not any(isinstance(op, Text) and op.small for op in plain)
    assert all(len(op.text) <= 32 for op in plain if isinstance(op, Text))
    assert receipt_mm("SKD", PrintSettings(58, "ZJ-5870")) < 250.0
