"""The rendered letter as a neutral structure, its plain-text preview and digest
(docs/architecture.md §Layers).

One Document feeds every output: the text preview here, ESC/POS on the receipt printer, the
verification page, a future A4 PDF.  It is stored with the letter (``to_dict``) so a reprint
or the verification page shows exactly what was printed, even after the letter type, the
office data or the lurah changes.

The digest that the QR seal carries is over the *canonical text* of the letter (every printed
line, in order, independent of paper width) plus a random per-letter salt that is stored with
the letter but printed nowhere.  Without the salt the digest of a letter whose only unknowns
are the hidden NIK digits could be brute-forced from a token; with it, only the register can
recompute the digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from station.register.nik import mask_nik

VERIFY_HINT = "Pindai QR untuk memeriksa keaslian surat"
DIGEST_CONTEXT = b"station-letter-digest-v1\x00"
SALT_LENGTH = 16


MASKED = "(disamarkan)"


@dataclass(frozen=True)
class DataRow:
    """``Label : value``.  ``public`` is what a public view (the verification page) shows
    instead of ``value``: set for a full NIK or KK number and for birth dates, which with
    a masked NIK would give the hidden NIK digits back."""

    label: str
    value: str
    public: str | None = None

    @property
    def sensitive(self) -> bool:
        return self.public is not None

    def shown(self, *, public: bool) -> str:
        return self.public if public and self.public is not None else self.value


def id_row(label: str, value: str) -> DataRow:
    """A row holding a full NIK or KK number: ``5371********0001`` on public views."""
    return DataRow(label, value, mask_nik(value) if value else "")


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class DataBlock:
    """Numbered ``Label : value`` lines (docs/domain.md §4.2 item 4), optionally under a title."""

    rows: tuple[DataRow, ...]
    title: str = ""


@dataclass(frozen=True)
class PersonList:
    """People listed in a letter (SKTM's dependants), each as a few rows, the name first."""

    title: str
    people: tuple[tuple[DataRow, ...], ...]


Block = Paragraph | DataBlock | PersonList


@dataclass(frozen=True)
class SignerBlock:
    """Place and date, then ``a.n.`` when delegated, position, name, rank and NIP."""

    place_date: str
    position: str
    name: str
    rank: str = ""
    nip: str = ""  # formatted: 19680411 199303 1 009
    on_behalf: str = ""  # "a.n. LURAH OESAPA" when a delegate signs

    @property
    def lines(self) -> tuple[str, ...]:
        head = [self.place_date]
        if self.on_behalf:
            head.append(self.on_behalf)
        head.append(self.position)
        tail = [self.name]
        if self.rank:
            tail.append(self.rank)
        if self.nip:
            tail.append(f"NIP {self.nip}")
        return (*head, *tail)


@dataclass(frozen=True)
class Document:
    """Everything printed on one letter, in reading order."""

    kop: tuple[str, ...]
    title: str
    number: str
    opening: str
    subject: DataBlock
    body: tuple[Block, ...]
    purpose_line: str
    validity_line: str
    closing: str
    signer: SignerBlock
    holder_name: str | None
    type_code: str
    issued_on: date
    valid_until: date | None
    salt: bytes
    qr_text: str = ""
    verify_hint: str = VERIFY_HINT
    verify_address: str = ""
    copy_marker: str = ""

    @property
    def number_line(self) -> str:
        return f"Nomor : {self.number}"

    def with_qr(self, qr_text: str) -> Document:
        """The sealed letter: the QR is added after the digest is taken (it contains it)."""
        return replace(self, qr_text=qr_text)

    def as_copy(self, n: int) -> Document:
        """A reprint, marked ``SALINAN n``; digest and seal stay those of the original."""
        if n < 1:
            raise ValueError("nomor salinan mulai dari 1")
        return replace(self, copy_marker=f"SALINAN {n}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, to store with the letter; :func:`document_from_dict` reverses it."""
        return {
            "format": 1,
            "kop": list(self.kop),
            "title": self.title,
            "number": self.number,
            "opening": self.opening,
            "subject": _block_to_dict(self.subject),
            "body": [_block_to_dict(b) for b in self.body],
            "purpose_line": self.purpose_line,
            "validity_line": self.validity_line,
            "closing": self.closing,
            "signer": {
                "place_date": self.signer.place_date,
                "position": self.signer.position,
                "name": self.signer.name,
                "rank": self.signer.rank,
                "nip": self.signer.nip,
                "on_behalf": self.signer.on_behalf,
            },
            "holder_name": self.holder_name,
            "type_code": self.type_code,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "salt": self.salt.hex(),
            "qr_text": self.qr_text,
            "verify_hint": self.verify_hint,
            "verify_address": self.verify_address,
            "copy_marker": self.copy_marker,
        }


def _rows_to_list(rows: tuple[DataRow, ...]) -> list[dict[str, Any]]:
    return [{"label": r.label, "value": r.value, "public": r.public} for r in rows]


def _rows_from_list(data: list[dict[str, Any]]) -> tuple[DataRow, ...]:
    return tuple(DataRow(r["label"], r["value"], r.get("public")) for r in data)


def _block_to_dict(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "text": block.text}
    if isinstance(block, DataBlock):
        return {"type": "data", "title": block.title, "rows": _rows_to_list(block.rows)}
    return {
        "type": "people",
        "title": block.title,
        "people": [_rows_to_list(p) for p in block.people],
    }


def _block_from_dict(data: dict[str, Any]) -> Block:
    kind = data["type"]
    if kind == "paragraph":
        return Paragraph(data["text"])
    if kind == "data":
        return DataBlock(_rows_from_list(data["rows"]), data.get("title", ""))
    if kind == "people":
        return PersonList(data["title"], tuple(_rows_from_list(p) for p in data["people"]))
    raise ValueError(f"jenis blok tidak dikenal: {kind!r}")


def document_from_dict(data: dict[str, Any]) -> Document:
    """Rebuild a stored Document (raises KeyError/ValueError on a damaged record)."""
    if data.get("format") != 1:
        raise ValueError(f"format dokumen tidak dikenal: {data.get('format')!r}")
    subject = _block_from_dict(data["subject"])
    if not isinstance(subject, DataBlock):
        raise ValueError("blok data pemohon rusak")
    signer = data["signer"]
    valid_until = data.get("valid_until")
    return Document(
        kop=tuple(data["kop"]),
        title=data["title"],
        number=data["number"],
        opening=data["opening"],
        subject=subject,
        body=tuple(_block_from_dict(b) for b in data["body"]),
        purpose_line=data["purpose_line"],
        validity_line=data["validity_line"],
        closing=data["closing"],
        signer=SignerBlock(
            place_date=signer["place_date"],
            position=signer["position"],
            name=signer["name"],
            rank=signer.get("rank", ""),
            nip=signer.get("nip", ""),
            on_behalf=signer.get("on_behalf", ""),
        ),
        holder_name=data.get("holder_name"),
        type_code=data["type_code"],
        issued_on=date.fromisoformat(data["issued_on"]),
        valid_until=date.fromisoformat(valid_until) if valid_until else None,
        salt=bytes.fromhex(data["salt"]),
        qr_text=data.get("qr_text", ""),
        verify_hint=data.get("verify_hint", VERIFY_HINT),
        verify_address=data.get("verify_address", ""),
        copy_marker=data.get("copy_marker", ""),
    )


# ------------------------------------------------------------------------------------------
# Canonical text and digest


def canonical_text(doc: Document) -> str:
    """Every printed line of the letter, tagged, one per line, width-independent.

    The QR, the verification hint and the copy marker are left out: the QR contains the
    digest, and a reprint (``SALINAN n``) is the same letter.  Values never contain tabs or
    newlines (they pass ``clean_text``), so the tagging is unambiguous.
    """
    lines = [f"KOP\t{line}" for line in doc.kop]
    lines += [f"JUDUL\t{doc.title}", f"NOMOR\t{doc.number}", f"PEMBUKA\t{doc.opening}"]
    lines += _canonical_block("DATA", doc.subject)
    for block in doc.body:
        lines += _canonical_block("ISI", block)
    lines += [
        f"KEPERLUAN\t{doc.purpose_line}",
        f"BERLAKU\t{doc.validity_line}",
        f"PENUTUP\t{doc.closing}",
    ]
    lines += [f"TTD\t{line}" for line in doc.signer.lines]
    if doc.holder_name is not None:
        lines.append(f"PEMEGANG\t{doc.holder_name}")
    return "\n".join(lines)


def _canonical_block(tag: str, block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [f"{tag}-P\t{block.text}"]
    if isinstance(block, DataBlock):
        out = [f"{tag}-T\t{block.title}"]
        out += [f"{tag}-R\t{i}\t{r.label}\t{r.value}" for i, r in enumerate(block.rows, 1)]
        return out
    out = [f"{tag}-L\t{block.title}"]
    for i, person in enumerate(block.people, 1):
        out += [f"{tag}-L{i}\t{r.label}\t{r.value}" for r in person]
    return out


def document_digest(doc: Document) -> bytes:
    """SHA-256 over the salt and the canonical text (32 bytes; the seal keeps 16)."""
    if len(doc.salt) != SALT_LENGTH:
        raise ValueError(f"salt harus {SALT_LENGTH} byte")
    h = hashlib.sha256(DIGEST_CONTEXT)
    h.update(doc.salt)
    h.update(canonical_text(doc).encode("utf-8"))
    return h.digest()


# ------------------------------------------------------------------------------------------
# Plain-text preview


def wrap(text: str, width: int, *, first: str = "", rest: str = "") -> list[str]:
    """Greedy word wrap that never splits a word that fits on a line.

    Only a word longer than a whole line (a URL, a token) is cut, because it cannot be
    printed otherwise.  ``first``/``rest`` prefix the first and the following lines and must
    be shorter than ``width``.
    """
    if len(first) >= width or len(rest) >= width:
        raise ValueError("awalan baris harus lebih pendek dari lebar")
    lines: list[str] = []
    line, empty = first, True
    for word in text.split():
        if not empty:
            if len(line) + 1 + len(word) <= width:
                line += " " + word
                continue
            lines.append(line)
            line, empty = rest, True
        if not lines and line == first and len(first) + len(word) > width >= len(rest) + len(word):
            lines.append(line)  # a label alone on its line; the word goes whole to the next
            line = rest
        while len(line) + len(word) > width:
            cut = width - len(line)
            lines.append(line + word[:cut])
            line, word = rest, word[cut:]
        line += word
        empty = False
    lines.append(line)
    return [item.rstrip() for item in lines]


def _center(text: str, width: int) -> list[str]:
    return [line.strip().center(width).rstrip() for line in wrap(text, width)]


def _rows(rows: tuple[DataRow, ...], width: int, *, public: bool, numbered: bool) -> list[str]:
    out: list[str] = []
    digits = len(str(len(rows)))
    label_width = max((len(r.label) for r in rows), default=0)
    num_width = digits + 2 if numbered else 0
    # Aligned columns when the values still get a useful width; stacked otherwise (58 mm).
    aligned = num_width + label_width + 3 + 16 <= width
    for i, row in enumerate(rows, 1):
        number = f"{i}.".ljust(num_width) if numbered else ""
        value = row.shown(public=public) or "-"
        if aligned:
            head = f"{number}{row.label.ljust(label_width)} : "
            out += wrap(value, width, first=head, rest=" " * len(head))
        else:
            indent = " " * max(num_width, 2)
            out += wrap(row.label, width, first=number, rest=indent)
            out += wrap(value, width, first=indent + ": ", rest=indent + "  ")
    return out


def document_to_text(doc: Document, width: int = 32, *, public: bool = False) -> str:
    """The letter as monospaced text: 32 columns for 58 mm paper, 48 for 80 mm.

    ``public=True`` masks full NIK/KK numbers, for the verification page.
    """
    if width < 20:
        raise ValueError("lebar minimal 20 kolom")
    rule = "=" * width
    out: list[str] = []
    if doc.copy_marker:
        out += _center(f"*** {doc.copy_marker} ***", width)
    for line in doc.kop:
        out += _center(line, width)
    out += [rule, ""]
    out += _center(doc.title, width)
    out += _center("-" * min(len(doc.title), width), width)
    out += _center(doc.number_line, width)
    out += [""]
    out += wrap(doc.opening, width)
    out += [""]
    out += _block_text(doc.subject, width, public=public)
    for block in doc.body:
        out += [""]
        out += _block_text(block, width, public=public)
    for line in (doc.purpose_line, doc.validity_line, doc.closing):
        if line:
            out += [""]
            out += wrap(line, width)
    out += [""]
    signer = doc.signer
    out += _center(signer.place_date, width)
    if signer.on_behalf:
        out += _center(signer.on_behalf, width)
    out += _center(signer.position, width)
    out += ["", "", ""]
    out += _center(signer.name, width)
    if signer.rank:
        out += _center(signer.rank, width)
    if signer.nip:
        out += _center(f"NIP {signer.nip}", width)
    if doc.holder_name is not None:
        out += ["", *_center("Pemegang Surat", width), "", "", ""]
        out += _center(doc.holder_name, width)
    if doc.qr_text:
        out += ["", *_center("[ QR ]", width)]
    if doc.verify_hint:
        out += _center(doc.verify_hint, width)
    if doc.verify_address:
        out += _center(doc.verify_address, width)
    if doc.copy_marker:
        out += _center(f"*** {doc.copy_marker} ***", width)
    return "\n".join(out) + "\n"


def _block_text(block: Block, width: int, *, public: bool) -> list[str]:
    if isinstance(block, Paragraph):
        return wrap(block.text, width)
    if isinstance(block, DataBlock):
        head = wrap(block.title, width) if block.title else []
        return head + _rows(block.rows, width, public=public, numbered=True)
    out = wrap(block.title, width)
    if not block.people:
        out += ["-"]
    for i, person in enumerate(block.people, 1):
        name, *details = person
        number = f"{i}. "
        out += wrap(name.shown(public=public), width, first=number, rest=" " * len(number))
        indented = [
            " " * len(number) + line
            for line in _rows(tuple(details), width - len(number), public=public, numbered=False)
        ]
        out += indented
    return out
