"""Ticket and letter layouts as a list of neutral print operations.

The layouts know nothing of ESC/POS: :mod:`station.printing.escpos_job` turns the operations
into bytes and :mod:`station.printing.preview` into text or a PNG.  Every text from data is
passed through :func:`station.printing.sanitize.clean` here and wrapped at the paper's
columns without splitting words, so an operation's text is always printable ASCII no longer
than its line (half the columns for double-size text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import tzinfo
from typing import Any, Literal, cast

from station.letters.document import (
    VERIFY_HINT,
    Block,
    DataBlock,
    DataRow,
    Document,
    Paragraph,
    _block_text,
    wrap,
)
from station.letters.formats import format_date_id
from station.printing.sanitize import clean, is_safe

QrMode = Literal["auto", "native", "image"]

#: python-escpos profiles known to draw no QR themselves: ``auto`` rasterises
#: (docs/architecture.md §Printing).
NO_NATIVE_QR = frozenset({"simple", "POS-5890", "ZJ-5870"})
#: python-escpos profiles without font B (9 x 17 dots): their letters stay in font A.
NO_FONT_B = frozenset({"ZJ-5870"})
#: Line pitch in dots for font B lines (``ESC 3 n``); font A keeps the printer's default.
SMALL_LINE_DOTS = 20
CALL_LINE = "Nomor Anda akan dipanggil di layar dan lewat pengeras suara. Mohon menunggu."
#: The verification hint where a line is short (58 mm): the same sentence, one line.
SHORT_VERIFY_HINT = "Pindai QR untuk cek keaslian"
#: Below this many columns (58 mm paper) a letter is set compact: label columns, fewer
#: blank lines, one-line hint (docs/printers.md, "Receipt length").
COMPACT_BELOW = 40


@dataclass(frozen=True)
class PrintSettings:
    """What a layout and a job need to know about the printer."""

    paper_width: int = 58  # mm: 58 or 80
    profile: str = ""  # python-escpos profile name; "" = default
    qr_mode: QrMode = "auto"

    def __post_init__(self) -> None:
        if self.paper_width not in (58, 80):
            raise ValueError("lebar kertas harus 58 atau 80 mm")
        if self.qr_mode not in ("auto", "native", "image"):
            raise ValueError("mode QR harus auto, native atau image")

    @property
    def dpi(self) -> int:
        return 180 if self.profile.startswith("TM-T88") else 203

    @property
    def columns(self) -> int:
        if self.paper_width == 58:
            return 32
        return 42 if self.dpi == 180 else 48

    @property
    def dots(self) -> int:
        """Printable width in dots (font A is 12 dots wide)."""
        if self.paper_width == 58:
            return 384
        return 512 if self.dpi == 180 else 576

    @property
    def small_columns(self) -> int:
        """Columns in font B (9 dots wide: 42 on 58 mm), 0 when the profile has no font B."""
        return 0 if self.profile in NO_FONT_B else self.dots // 9

    @property
    def native_qr(self) -> bool:
        if self.qr_mode != "auto":
            return self.qr_mode == "native"
        return self.profile not in NO_NATIVE_QR

    @classmethod
    def from_config(cls, printer: Any) -> PrintSettings:
        """From ``PrinterConfig``: its ``qr_mode`` (or ``STATION_PRINTER_QR``) is checked there."""
        mode = getattr(printer, "qr_mode", "auto") or "auto"
        if mode not in ("auto", "native", "image"):
            raise ValueError(f"qr_mode harus auto, native atau image, bukan {mode!r}")
        return cls(
            paper_width=printer.paper_width,
            profile=printer.profile or "",
            qr_mode=cast("QrMode", mode),
        )


# --- operations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One printed line (no newline), already clean and wrapped."""

    text: str
    bold: bool = False
    double: bool = False  # double width and height
    align: Literal["left", "center"] = "left"
    small: bool = False  # font B (``ESC M 1``): ``small_columns`` wide, a shorter line

    def limit(self, settings: PrintSettings) -> int:
        """How many characters fit this line on the paper."""
        if self.small:
            return settings.small_columns
        return settings.columns // 2 if self.double else settings.columns


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class QR:
    data: str


@dataclass(frozen=True)
class Cut:
    pass


Op = Text | Feed | QR | Cut


def _lines(text: str, width: int, **style: Any) -> list[Op]:
    return [Text(line, **style) for line in wrap(clean(text), width)]


def _centered(text: str, width: int, **style: Any) -> list[Op]:
    return [Text(line.strip().center(width).rstrip(), **style) for line in wrap(clean(text), width)]


def check_qr_data(data: str) -> str:
    """QR data is printed as is (it must match the seal exactly): refuse anything unsafe."""
    if not data or not is_safe(data):
        raise ValueError("isi QR harus teks ASCII tanpa karakter kendali")
    return data


# --- ticket ----------------------------------------------------------------------------------


def ticket_ops(issued: Any, office_name: str, settings: PrintSettings, *, tz: tzinfo) -> list[Op]:
    """The queue ticket (``IssuedTicket``): office, service, number big, time, wait, papers.

    ``tz`` is the office's time zone: the stored ``issued_at`` is UTC, the person holding the
    ticket reads office time (docs/architecture.md, "Time")."""
    width = settings.columns
    t = issued.ticket
    issued_at = t.issued_at.astimezone(tz)
    ops: list[Op] = []
    ops += _centered(office_name, width, bold=True)
    ops += [Text("-" * width)]
    ops += _centered(t.service_name, width)
    ops += [Feed(1)]
    ops += _centered(t.number, width // 2, double=True)
    ops += [Feed(1)]
    if t.priority:
        ops += _centered("PRIORITAS", width, bold=True)
    ops += _centered(f"{format_date_id(issued_at.date())} {issued_at:%H:%M}", width)
    ops += [Feed(1)]
    ready_on = getattr(issued, "ready_on", None)
    if getattr(issued, "pickup_code", None):  # a letter request (station.letters.requests)
        ops += _request_lines(issued, width)
    if ready_on is None or ready_on == issued_at.date():
        ops += _lines(f"Di depan Anda: {issued.ahead} orang", width)
        ops += _lines(f"Perkiraan menunggu: {issued.estimated_wait_min} menit", width)
    if issued.documents:
        ops += [Feed(1)]
        ops += _lines("Siapkan:", width, bold=True)
        for doc in issued.documents:
            ops += [Text(line) for line in wrap(clean(doc), width, first="- ", rest="  ")]
    ops += [Feed(1)]
    ops += _lines(CALL_LINE, width)
    ops += [Feed(2), Cut()]
    return ops


def _request_lines(receipt: Any, width: int) -> list[Op]:
    """A request's ticket: what was asked, the pickup code the counter opens it with, and the
    day it is served (the ticket's day)."""
    ops: list[Op] = _lines(f"Permohonan: {receipt.type_name}", width)
    ops += _centered("KODE AMBIL", width, bold=True)
    ops += _centered(receipt.pickup_code, width // 2, double=True)
    ops += _lines(f"Dilayani: {format_date_id(receipt.ready_on)}, pada jam layanan", width)
    ops += [Feed(1)]
    return ops


# --- letter ----------------------------------------------------------------------------------


def _clean_obj(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, tuple):
        return tuple(_clean_obj(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _clean_obj(getattr(value, f.name)) for f in fields(value)})  # type: ignore[arg-type]
    return value


def clean_document(doc: Document) -> Document:
    """Every text of the Document sanitised (the QR text is kept; it is checked instead)."""
    cleaned = _clean_obj(replace(doc, qr_text=""))
    return replace(cleaned, qr_text=doc.qr_text)


def _label_rows(rows: tuple[DataRow, ...], width: int) -> list[str]:
    """``Label     : value`` in two columns for narrow paper: the label wraps inside its own
    column, the value inside the rest. The label column is the width that gives the fewest
    lines; values keep at least 16 columns (a NIK whole on one line). A label with a word
    longer than the column stands on its own line, its value under it in the column."""
    labels = [clean(r.label) for r in rows]
    values = [clean(r.value) or "-" for r in rows]
    best: tuple[float, list[str]] | None = None
    for label_w in range(8, width - 16 - 2 + 1):
        value_w = width - label_w - 2
        out: list[str] = []
        misfits = 0  # rows whose label has a word wider than the column
        for label, value in zip(labels, values, strict=True):
            if max((len(w) for w in label.split()), default=0) > label_w:
                misfits += 1
                left, right = [*wrap(label, width), ""], ["", *wrap(value, value_w)]
            else:
                left, right = wrap(label, label_w) if label else [""], wrap(value, value_w)
            for i in range(max(len(left), len(right))):
                head = left[i] if i < len(left) else ""
                tail = right[i] if i < len(right) else ""
                if not tail:
                    out.append(head)
                    continue
                sep = ": " if i == 0 or (i == 1 and not right[0]) else "  "
                out.append(f"{head.ljust(label_w)}{sep}{tail}".rstrip())
        cost = len(out) + misfits  # a label alone on its line reads worse than a wrap
        if best is None or cost < best[0]:
            best = (cost, out)
    if best is None:  # a width this narrow never reaches a receipt; stacked rows then
        return _block_text(DataBlock(rows), width, public=False)
    return best[1]


def _compact_block(block: Block, width: int) -> list[str]:
    """A block of the compact (58 mm) letter: data rows in label columns, the rest as the
    plain-text view sets it."""
    if isinstance(block, DataBlock):
        head = wrap(clean(block.title), width) if block.title else []
        return head + _label_rows(block.rows, width)
    if isinstance(block, Paragraph):
        return wrap(clean(block.text), width)
    return _block_text(block, width, public=False)


def letter_ops(doc: Document, settings: PrintSettings) -> list[Op]:
    """The letter as printed, in the order of :func:`document_to_text`; centred lines are
    sent with ``ESC a 1`` instead of padding spaces. On 58 mm paper the same content is set
    compact (label columns, fewer blank lines and rules) so a letter stays short; on 80 mm
    the line breaks are those of :func:`document_to_text`."""
    if settings.columns < COMPACT_BELOW:
        return compact_letter_ops(doc, settings)
    width = settings.columns
    safe = clean_document(doc)
    ops: list[Op] = []

    def center(text: str, bold: bool = False) -> None:
        ops.extend(
            Text(line.strip(), bold=bold, align="center") for line in wrap(clean(text), width)
        )

    def left(lines: list[str]) -> None:
        ops.extend(Text(line) if line else Feed(1) for line in lines)

    marker = f"*** {safe.copy_marker} ***" if safe.copy_marker else ""
    if marker:
        center(marker, bold=True)
    for line in safe.kop:
        center(line, bold=True)
    ops += [Text("=" * width), Feed(1)]
    center(safe.title, bold=True)
    center("-" * min(len(safe.title), width))
    center(safe.number_line)
    ops.append(Feed(1))
    left(wrap(safe.opening, width))
    ops.append(Feed(1))
    left(_block_text(safe.subject, width, public=False))
    for block in safe.body:
        ops.append(Feed(1))
        left(_block_text(block, width, public=False))
    for line in (safe.purpose_line, safe.validity_line, safe.closing):
        if line:
            ops.append(Feed(1))
            left(wrap(line, width))
    ops.append(Feed(1))
    _signer_lines(safe.signer, center, ops)
    if safe.holder_name is not None:
        ops.append(Feed(1))
        center("Pemegang Surat")
        ops.append(Feed(3))
        center(safe.holder_name, bold=True)
    if doc.qr_text:
        ops += [Feed(1), QR(check_qr_data(doc.qr_text))]
    if safe.verify_hint:
        center(safe.verify_hint)
    if safe.verify_address:
        center(safe.verify_address)
    if marker:
        center(marker, bold=True)
    ops += [Feed(2), Cut()]
    return ops


def compact_letter_ops(doc: Document, settings: PrintSettings) -> list[Op]:
    """The letter on 58 mm paper: every text of the Document, in the same order, in fewer
    lines: the body in font B (42 columns) where the printer has it, data rows as
    ``Label : value`` columns, no underline under the title, no blank lines between the
    body's paragraphs (font B's pitch sets them apart enough), the hint on one line."""
    width = settings.columns
    small = settings.small_columns > width  # the body in font B where the printer has it
    body_width = settings.small_columns if small else width
    safe = clean_document(doc)
    ops: list[Op] = []

    def center(text: str, bold: bool = False) -> None:
        ops.extend(
            Text(line.strip(), bold=bold, align="center") for line in wrap(clean(text), width)
        )

    def left(lines: list[str]) -> None:
        ops.extend(Text(line, small=small) if line else Feed(1) for line in lines)

    def gap() -> None:  # a blank line at font B's pitch between the blocks of the body
        ops.append(Text("", small=True) if small else Feed(1))

    marker = f"*** {safe.copy_marker} ***" if safe.copy_marker else ""
    if marker:
        center(marker, bold=True)
    *government, address = safe.kop or ("",)
    for line in government:
        center(line, bold=True)
    if small:  # the address line, whole in font B
        ops.extend(
            Text(line.strip(), align="center", small=True) for line in wrap(address, body_width)
        )
    else:
        center(address, bold=True)
    ops.append(Text("=" * width))
    center(safe.title, bold=True)
    if small and len(safe.number_line) > width and len(safe.number_line) <= body_width:
        ops.append(Text(safe.number_line, bold=True, align="center", small=True))
    else:
        center(safe.number_line)
    gap()
    left(wrap(safe.opening, body_width))
    left(_compact_block(safe.subject, body_width))
    for block in safe.body:
        gap()
        left(_compact_block(block, body_width))
    gap()
    for line in (safe.purpose_line, safe.validity_line, safe.closing):
        if line:
            left(wrap(line, body_width))
    ops.append(Feed(1))
    _signer_lines(safe.signer, center, ops)
    if safe.holder_name is not None:
        center("Pemegang Surat")
        ops.append(Feed(3))
        center(safe.holder_name, bold=True)
    if doc.qr_text:
        ops += [Feed(1), QR(check_qr_data(doc.qr_text))]
    if safe.verify_hint:
        hint = safe.verify_hint
        center(SHORT_VERIFY_HINT if len(hint) > width and hint == VERIFY_HINT else hint)
    if safe.verify_address:
        center(safe.verify_address)
    if marker:
        center(marker, bold=True)
    ops += [Feed(2), Cut()]
    return ops


def selftest_ops(office_name: str, settings: PrintSettings, uri: str) -> list[Op]:
    """``station printer test``: office, settings, a character check, a QR, a cut."""
    width = settings.columns
    ops: list[Op] = []
    ops += _centered(office_name, width, bold=True)
    ops += _centered("HALAMAN UJI PRINTER", width, bold=True)
    ops += [Text("-" * width)]
    ops += _lines(f"Alamat: {uri}", width)
    ops += _lines(f"Profil: {settings.profile or 'default'}", width)
    ops += _lines(f"Kertas: {settings.paper_width} mm, {width} kolom", width)
    ops += _lines(f"QR: {'native' if settings.native_qr else 'gambar'}", width)
    ops += [Text("-" * width)]
    ruler = "".join(str(i % 10) for i in range(1, width + 1))
    ops += [Text(ruler), Text("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:width])]
    ops += [Text("abcdefghijklmnopqrstuvwxyz"[:width]), Text("0123456789 .,:;!?-/()+=*#@%&")]
    ops += _lines("Aksen: Jose Muller, Sao Tome -> " + clean("José Müller, São Tomé"), width)
    ops += [Text("X" * (width // 2), double=True)]
    ops += [Feed(1), QR("STATION-PRINTER-TEST"), Feed(2), Cut()]
    return ops


def _signer_lines(signer: Any, center: Callable[..., None], ops: list[Op]) -> None:
    """Place and date, "a.n." when delegated, position, room to sign, name, rank, NIP: the
    same in the full and the compact receipt."""
    center(signer.place_date)
    if signer.on_behalf:
        center(signer.on_behalf)
    center(signer.position)
    ops.append(Feed(3))
    center(signer.name, bold=True)
    if signer.rank:
        center(signer.rank)
    if signer.nip:
        center(f"NIP {signer.nip}")
