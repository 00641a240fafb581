"""The called number as large as the panel allows, for the back of a waiting room.

Textual's ``Digits`` is three rows high: readable at a desk, not across a hall on a TV. This
draws a 5×7 pixel font with block characters, scaled to the widget's size: each pixel is one
or more cells wide and, with half blocks (▀ ▄ █), half a row or more high. At 160×45 a ticket
number is about 20 rows high; at 80×24 it still fits whole (smaller, never cut). The text is
data (a ticket number), so the widget renders plain ``Text``, never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

# 5 columns × 7 rows per glyph; '#' is ink.
FONT: dict[str, tuple[str, ...]] = {
    "0": (" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "),
    "1": ("  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "),
    "2": (" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"),
    "3": ("#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "),
    "4": ("   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "),
    "5": ("#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "),
    "6": ("  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "),
    "7": ("#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "),
    "8": (" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "),
    "9": (" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "),
    "A": (" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"),
    "B": ("#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "),
    "C": (" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "),
    "D": ("#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "),
    "E": ("#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"),
    "F": ("#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "),
    "G": (" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"),
    "H": ("#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"),
    "I": (" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "),
    "J": ("  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "),
    "K": ("#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"),
    "L": ("#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"),
    "M": ("#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"),
    "N": ("#   #", "#   #", "##  #", "# # #", "#  ##", "#   #", "#   #"),
    "O": (" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "),
    "P": ("#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "),
    "Q": (" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"),
    "R": ("#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"),
    "S": (" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "),
    "T": ("#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "),
    "U": ("#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "),
    "V": ("#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "),
    "W": ("#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "),
    "X": ("#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"),
    "Y": ("#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "),
    "Z": ("#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"),
    "-": ("     ", "     ", "     ", "#####", "     ", "     ", "     "),
    " ": ("     ",) * 7,
}
GLYPH_W, GLYPH_H = 5, 7
UNKNOWN = ("#####",) + ("#   #",) * 5 + ("#####",)


def _pixels(text: str) -> list[list[bool]]:
    """The text as one bitmap, one blank column between glyphs."""
    rows: list[list[bool]] = [[] for _ in range(GLYPH_H)]
    for index, char in enumerate(text.upper()):
        glyph = FONT.get(char, UNKNOWN)
        for y in range(GLYPH_H):
            if index:
                rows[y].append(False)
            rows[y].extend(cell == "#" for cell in glyph[y])
    return rows


def scale_for(text: str, width: int, height: int) -> tuple[int, int]:
    """The largest (cells per pixel across, half-rows per pixel down) that fits, keeping the
    pixels about square (a cell is about twice as high as wide): across = down, so each pixel
    is ``n`` cells wide and ``n`` half rows high. Never below (1, 1)."""
    columns = len(text) * GLYPH_W + max(0, len(text) - 1)
    best = 1
    for n in range(1, 64):
        if columns * n <= width and (GLYPH_H * n + 1) // 2 <= height:
            best = n
        else:
            break
    return best, best


def big_lines(text: str, width: int, height: int) -> list[str]:
    """``text`` drawn in block characters, as large as ``width`` × ``height`` cells allow,
    centred. Half blocks give two pixel rows per text row."""
    if not text:
        return []
    across, down = scale_for(text, width, height)
    bitmap = _pixels(text)
    tall: list[list[bool]] = [row for row in bitmap for _ in range(down)]
    if len(tall) % 2:
        tall.append([False] * len(tall[0]))
    lines = []
    for top, bottom in zip(tall[0::2], tall[1::2], strict=True):
        cells = []
        for upper, lower in zip(top, bottom, strict=True):
            char = "█" if upper and lower else "▀" if upper else "▄" if lower else " "
            cells.append(char * across)
        lines.append("".join(cells))
    drawn = len(lines[0])
    pad = max(0, (width - drawn) // 2)
    top_pad = max(0, (height - len(lines)) // 2)
    return [""] * top_pad + [" " * pad + line for line in lines]


class BigNumber(Widget):
    """A ticket number filling its widget (see :func:`big_lines`)."""

    DEFAULT_CSS = """
    BigNumber { height: 1fr; width: 1fr; content-align: center middle; }
    """

    value: reactive[str] = reactive("", layout=False)

    def __init__(self, value: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.value = value

    def update(self, value: str) -> None:
        self.value = value

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        return Text("\n".join(big_lines(self.value, width, height)), no_wrap=True)
