"""The board's big number: always whole inside its panel, as large as the panel allows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from station.screens.board.big_number import FONT, GLYPH_H, big_lines, scale_for


def _ink_rows(lines: list[str]) -> list[str]:
    return [line for line in lines if line.strip()]


@given(
    number=st.from_regex(r"[A-Z]-[0-9]{3}", fullmatch=True),
    width=st.integers(min_value=30, max_value=200),
    height=st.integers(min_value=4, max_value=60),
)
def test_the_number_always_fits_its_panel(number: str, width: int, height: int) -> None:
    lines = big_lines(number, width, height)
    assert len(lines) <= height
    assert all(len(line) <= width for line in lines)


def test_a_tv_panel_gets_a_number_several_times_the_height_of_digits() -> None:
    """Textual's Digits is 3 rows; the panel of a 160×45 board is about 95×28 cells."""
    assert len(_ink_rows(big_lines("A-012", 95, 28))) >= 3 * 3
    assert scale_for("A-012", 95, 28)[0] >= 3
    assert len(_ink_rows(big_lines("A-012", 45, 8))) == 4  # 80×24: small, whole


def test_the_glyphs_read_back_at_scale_one() -> None:
    """Half blocks carry two pixel rows per line: decoding them gives the font's bitmap."""
    lines = _ink_rows(big_lines("7", 5, 4))
    pixels = []
    for line in lines:
        line = line.ljust(5)[:5]
        pixels.append("".join("#" if c in "█▀" else " " for c in line))
        pixels.append("".join("#" if c in "█▄" else " " for c in line))
    assert tuple(pixels[:GLYPH_H]) == FONT["7"]
