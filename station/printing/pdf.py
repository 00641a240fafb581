"""A sealed letter as a PDF page on F4 or A4, for the office printer (docs/printers.md).

The same :class:`~station.letters.document.Document` as the receipt, laid out for paper that
lasts: the kop (with the office's lambang when configured), title, number, body, the data
rows as a table, purpose, validity, place and date, the signer's block with room for the
signature and the stamp (cap dinas), the holder's signature when the type asks for it, and
the QR drawn as vector squares (sharp at any printer resolution) with the verification line.
It is a view: the number, the seal and the QR are the stored letter's, never new ones, and
a reprint carries the same ``SALINAN n`` as a reprinted receipt (``Document.as_copy``).

fpdf2 (pure Python, LGPL, one small dependency tree: fontTools, Pillow, defusedxml) embeds
a *subset* of the shipped DejaVu Sans (``station/printing/fonts``, Latin only, ~60 KB) so
every name prints with its accents on any printer, and the file stays well under 100 KB.
Characters the font lacks are transliterated (``station.printing.sanitize``) rather than
printed as boxes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from pathlib import Path

from station.letters.document import DataBlock, DataRow, Document, Paragraph, PersonList
from station.printing.qr import QUIET_ZONE, qr_matrix
from station.printing.sanitize import clean
from station.store.errors import StationError

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"

#: Paper sizes in millimetres (width, height): F4 (folio, the usual paper of kelurahan
#: letters) and A4.
PAPER_SIZES: dict[str, tuple[float, float]] = {"f4": (215.0, 330.0), "a4": (210.0, 297.0)}
PDF_PAPERS = tuple(PAPER_SIZES)

MARGIN_LEFT = 25.0
MARGIN_RIGHT = 20.0
MARGIN_TOP = 12.0
MARGIN_BOTTOM = 12.0
QR_CODE_MM = 30.0  # the code without its quiet zone: ≥ 25 mm (station.printing.qr.MIN_QR_MM)
SIGN_SPACE = 22.0  # room for the signature and the stamp between position and name
BODY_PT = 11.0
LINE = 5.0  # mm per body line at 11 pt


class PdfError(StationError):
    """A paper name the PDF does not know, or a QR that cannot be drawn."""


@functools.cache
def _glyphs() -> frozenset[int]:
    """Code points the shipped fonts have (both weights are subset alike)."""
    from fontTools.ttLib import TTFont

    with TTFont(FONTS / "DejaVuSans.ttf", lazy=True) as font:
        return frozenset(font.getBestCmap())


def printable(text: str) -> str:
    """``text`` with every character the font lacks transliterated (or ``?``)."""
    have = _glyphs()
    if all(ord(ch) in have for ch in text):
        return text
    return "".join(ch if ord(ch) in have else clean(ch) or "" for ch in text)


class _Letter:
    """One letter being drawn on one ``FPDF`` (helpers that keep the layout readable)."""

    def __init__(self, paper: str, logo: Path | None, *, compact: bool = False) -> None:
        from fpdf import FPDF

        # compact: a letter too long for one page is set a point smaller and tighter.
        self.body_pt = BODY_PT - 1 if compact else BODY_PT
        self.line = LINE - 0.6 if compact else LINE
        self.sign_space = SIGN_SPACE - 2 if compact else SIGN_SPACE

        if paper not in PAPER_SIZES:
            raise PdfError(f"kertas {paper!r} tidak dikenal (yang boleh: f4, a4)")
        self.paper = paper
        self.logo = logo
        pdf = FPDF(unit="mm", format=PAPER_SIZES[paper])
        pdf.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        pdf.set_auto_page_break(True, MARGIN_BOTTOM)
        pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        pdf.set_text_color(0)
        pdf.set_draw_color(0)
        pdf.set_fill_color(0)
        self.pdf = pdf

    @property
    def width(self) -> float:
        return float(self.pdf.epw)

    def font(self, size: float | None = None, bold: bool = False, underline: bool = False) -> None:
        style = ("B" if bold else "") + ("U" if underline else "")
        self.pdf.set_font(FAMILY, style, size or self.body_pt)

    def center(
        self, text: str, size: float | None = None, *, bold: bool = False, underline: bool = False
    ) -> None:
        size = size or self.body_pt
        self.font(size, bold, underline)
        self.box(self.width, size * 0.45, printable(text), "C")

    def box(self, w: float, h: float, text: str, align: str = "L") -> None:
        """``text`` in a ``w`` mm wide box at the cursor, wrapped when it does not fit one
        line; the cursor then stands at the left margin under it. (A line that fits takes
        ``cell``, several times cheaper than fpdf2's line breaking.)"""
        pdf = self.pdf
        if pdf.get_string_width(text) <= w - 2 * pdf.c_margin:
            single = "L" if align == "J" else align  # a single line is never stretched
            pdf.cell(w, h, text, align=single, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(w, h, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str, *, gap: float = 2.0) -> None:
        if not text:
            return
        self.font()
        self.box(self.width, self.line, printable(text), "J")
        self.pdf.ln(gap)

    # --- the parts of the letter ------------------------------------------------------------

    def kop(self, lines: Sequence[str]) -> None:
        pdf = self.pdf
        top = pdf.get_y()
        if self.logo is not None:
            pdf.image(str(self.logo), x=MARGIN_LEFT, y=top, h=24)
        # The first lines are the government levels (large), the last the address (small).
        sizes = [14.0, 13.0, 15.0] + [10.0] * max(0, len(lines) - 3)
        for line, size in zip(lines, sizes, strict=False):
            self.center(line, size, bold=size > 10)
        bottom = max(pdf.get_y(), top + 24 if self.logo is not None else 0) + 1.5
        pdf.set_line_width(0.8)
        pdf.line(MARGIN_LEFT, bottom, pdf.w - MARGIN_RIGHT, bottom)
        pdf.set_line_width(0.2)
        pdf.line(MARGIN_LEFT, bottom + 1.1, pdf.w - MARGIN_RIGHT, bottom + 1.1)
        pdf.set_y(bottom + 5)

    def rows(self, rows: Sequence[DataRow], *, numbered: bool, indent: float = 0.0) -> None:
        """``1. Label : value`` as a three-column table; long values wrap in their column."""
        pdf = self.pdf
        self.font()
        number_w = 7.0 if numbered else 0.0
        label_w = min(
            max((pdf.get_string_width(printable(r.label)) for r in rows), default=0) + 2, 58
        )
        value_x = MARGIN_LEFT + indent + number_w + label_w + 4
        value_w = pdf.w - MARGIN_RIGHT - value_x
        for i, row in enumerate(rows, 1):
            y = pdf.get_y()
            if y + self.line > pdf.h - MARGIN_BOTTOM:
                pdf.add_page()
                y = pdf.get_y()
            x = MARGIN_LEFT + indent
            if numbered:
                pdf.set_xy(x, y)
                pdf.cell(number_w, self.line, f"{i}.")
            pdf.set_xy(x + number_w, y)
            self.box(label_w, self.line, printable(row.label))
            label_end = pdf.get_y()
            pdf.set_xy(value_x - 4, y)
            pdf.cell(4, self.line, ":")
            pdf.set_xy(value_x, y)
            self.box(value_w, self.line, printable(row.value or "-"))
            pdf.set_y(max(pdf.get_y(), label_end))

    def block(self, block: DataBlock | Paragraph | PersonList) -> None:
        if isinstance(block, Paragraph):
            self.paragraph(block.text)
            return
        if isinstance(block, DataBlock):
            if block.title:
                self.paragraph(block.title, gap=0.5)
            self.rows(block.rows, numbered=True, indent=4)
            self.pdf.ln(2)
            return
        self.paragraph(block.title, gap=0.5)
        self.people(block.people)
        self.pdf.ln(2)

    def people(self, people: Sequence[Sequence[DataRow]]) -> None:
        """Dependants as a table: No, then one column per row label of the first person."""
        pdf = self.pdf
        if not people:
            self.paragraph("-")
            return
        labels = [r.label for r in people[0]]
        self.font(9.0, bold=True)
        number_w = 8.0
        widths = _column_widths(
            [pdf.get_string_width(printable(label)) + 3 for label in labels],
            [
                max(pdf.get_string_width(printable(r.value)) + 3 for r in column)
                for column in zip(*people, strict=False)
            ],
            self.width - number_w,
        )
        height = 5.0
        pdf.cell(number_w, height, "No", border=1, align="C")
        for label, w in zip(labels, widths, strict=False):
            pdf.cell(w, height, printable(label), border=1, align="C")
        pdf.ln(height)
        self.font(9.0)
        for i, person in enumerate(people, 1):
            pdf.cell(number_w, height, str(i), border=1, align="C")
            for row, w in zip(person, widths, strict=False):
                pdf.cell(w, height, printable(row.value or "-"), border=1)
            pdf.ln(height)

    def signatures(self, doc: Document) -> float:
        """The holder (when asked for) on the left, the signer on the right, the stamp's
        room between the signer's position and name. Returns the block's top."""
        pdf = self.pdf
        signer = doc.signer
        # The signer's lines as the Document gives them (place and date, a.n., position, then
        # name, rank, NIP): the room for signature and stamp goes before the name, so a
        # change of the signer block in the Document flows into the page unchanged.
        lines = list(signer.lines)
        cut = lines.index(signer.name) if signer.name in lines else len(lines)
        head = lines[:cut]
        tail = [(line, i == 0) for i, line in enumerate(lines[cut:])]
        needed = self.line * (len(head) + len(tail)) + self.sign_space + 4
        if doc.holder_name is not None and doc.qr_text:
            needed += QR_CODE_MM + 6  # the QR goes under the signatures
        if pdf.get_y() + needed > pdf.h - MARGIN_BOTTOM:
            pdf.add_page()
        column = self.width / 2
        right = MARGIN_LEFT + column
        top = pdf.get_y() + 2
        self.font()
        y = top
        for line in head:
            pdf.set_xy(right, y)
            self.box(column, self.line, printable(line), "C")
            y = pdf.get_y()
        names_y = y + self.sign_space
        if doc.holder_name is not None:
            pdf.set_xy(MARGIN_LEFT, y - self.line)
            self.box(column, self.line, "Pemegang Surat", "C")
            self.font(bold=True, underline=True)
            pdf.set_xy(MARGIN_LEFT, names_y)
            self.box(column, self.line, printable(doc.holder_name), "C")
        y = names_y
        for text, bold in tail:
            self.font(bold=bold, underline=bold)
            pdf.set_xy(right, y)
            self.box(column, self.line, printable(text), "C")
            y = pdf.get_y()
        pdf.set_y(y + 4)
        return top

    def qr(self, data: str, hint: str, address: str, marker: str, *, top: float) -> None:
        """The QR (vector squares) from ``top`` at the left, the verification line under it
        (when it stands beside the signer) or beside it (under the signatures)."""
        pdf = self.pdf
        if not data or any(not " " <= ch <= "~" for ch in data):
            raise PdfError("isi QR harus teks ASCII tanpa karakter kendali")
        matrix = qr_matrix(data)
        module = QR_CODE_MM / len(matrix)
        quiet = QUIET_ZONE * module
        side = QR_CODE_MM + 2 * quiet  # with the quiet zone
        beside = top > 0  # beside the signer, in the left column
        y0 = top - quiet if beside else pdf.get_y()
        if not beside and y0 + side > pdf.h - MARGIN_BOTTOM / 2:
            pdf.add_page()
            y0 = pdf.get_y()
        x0 = MARGIN_LEFT - quiet  # the quiet zone may lie in the margin
        # One path of rectangles, one per run of dark modules, filled at once: a vector code
        # (sharp at any resolution), a few hundred bytes, and no per-rectangle overhead.
        k = pdf.k  # points per mm; PDF's y runs upwards from the page's bottom
        ops: list[str] = []
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                x = (x0 + (QUIET_ZONE + start) * module) * k
                y = (pdf.h - y0 - (QUIET_ZONE + r + 1) * module) * k
                ops.append(f"{x:.2f} {y:.2f} {(c - start) * module * k:.2f} {module * k:.2f} re")
        pdf._out("0 g " + " ".join(ops) + " f")  # fill black; fpdf2 keeps its own colour state
        lines = [line for line in (marker, hint, address) if line]
        if beside:
            text_x, width = MARGIN_LEFT, self.width / 2 - 4
            pdf.set_xy(text_x, y0 + side - quiet + 1)
        else:
            text_x, width = x0 + side, self.width - side
            pdf.set_xy(text_x, y0 + side / 2 - len(lines) * 2.2)
        end = pdf.get_y()
        for line in lines:
            self.font(8.5, bold=line == marker)
            pdf.set_x(text_x)
            self.box(width, 4.0, printable(line))
            end = pdf.get_y()
        pdf.set_y(max(end, y0 + side))

    def marker(self, marker: str) -> None:
        """``SALINAN n`` framed at the top right, as the receipt prints it at the top."""
        if not marker:
            return
        pdf = self.pdf
        self.font(10.0, bold=True)
        text = printable(marker)
        w = pdf.get_string_width(text) + 6
        y = pdf.get_y()
        pdf.set_xy(pdf.w - MARGIN_RIGHT - w, MARGIN_TOP - 6)
        pdf.cell(w, 5.5, text, border=1, align="C")
        pdf.set_y(y)


def _column_widths(heads: list[float], values: list[float], total: float) -> list[float]:
    """Each column as wide as its widest cell, shrunk in proportion when they do not fit."""
    wanted = [max(h, v) for h, v in zip(heads, values, strict=False)]
    scale = min(1.0, total / sum(wanted)) if wanted else 1.0
    widths = [w * scale for w in wanted]
    extra = total - sum(widths)
    if widths and extra > 0:
        widths = [w + extra * w / sum(widths) for w in widths]
    return widths


def letter_pdf(doc: Document, paper: str = "f4", *, logo: str | Path | None = None) -> bytes:
    """The letter as a PDF (one page for a typical letter).

    ``paper``: ``f4`` or ``a4``. ``logo``: an image file (PNG/JPEG) printed left of the kop;
    a missing or broken file is left out rather than refusing the letter. A letter that does
    not fit one page is set once more a little smaller; what still does not fit runs on.
    """
    logo_path = Path(logo).expanduser() if logo else None
    if logo_path is not None and not logo_path.is_file():
        logo_path = None
    try:
        page = _draw(doc, paper, logo_path, compact=False)
        if page.pdf.pages_count > 1:
            page = _draw(doc, paper, logo_path, compact=True)
    except PdfError:
        raise
    except Exception:  # an image fpdf cannot read: the letter prints without the lambang
        if logo_path is None:
            raise
        return letter_pdf(doc, paper, logo=None)
    return bytes(page.pdf.output())


def _draw(doc: Document, paper: str, logo: Path | None, *, compact: bool) -> _Letter:
    page = _Letter(paper, logo, compact=compact)
    pdf = page.pdf
    pdf.set_title(printable(f"{doc.title} {doc.number}"))
    pdf.set_creator("Station")
    pdf.set_producer("Station")
    # The issue day, not the moment of printing: the same letter gives the same bytes.
    pdf.set_creation_date(dt.datetime.combine(doc.issued_on, dt.time(), tzinfo=dt.UTC))
    pdf.add_page()
    page.marker(doc.copy_marker)
    page.kop(doc.kop)
    page.center(doc.title, 12.5, bold=True, underline=True)
    page.center(doc.number_line)
    pdf.ln(5)
    page.paragraph(doc.opening)
    page.block(doc.subject)
    for block in doc.body:
        page.block(block)
    for line in (doc.purpose_line, doc.validity_line, doc.closing):
        page.paragraph(line)
    top = page.signatures(doc)
    if doc.qr_text:
        beside = top if doc.holder_name is None else 0.0
        page.qr(doc.qr_text, doc.verify_hint, doc.verify_address, doc.copy_marker, top=beside)
    return page


def qr_code_mm(data: str) -> float:
    """The printed width of the code itself, without quiet zone (≥ 25 mm)."""
    return QR_CODE_MM if data else 0.0
