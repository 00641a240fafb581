"""Render a letter type for one resident into a :class:`Document` (docs/domain.md §4.2).

Pure: everything comes in as arguments (office, resident snapshot, validated field values,
number, dates, signer), so the same inputs always give the same Document, which is what the
seal's digest relies on.  Values are handed to the sandboxed templates as data, never as
template source.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from jinja2 import TemplateError

from station.letters.catalogue import (
    FamilyBlockSpec,
    LetterType,
    RowsBlockSpec,
    TextBlockSpec,
)
from station.letters.document import (
    SALT_LENGTH,
    Block,
    DataBlock,
    DataRow,
    Document,
    Paragraph,
    PersonList,
    SignerBlock,
    id_row,
)
from station.letters.eligibility import dependants_of
from station.letters.errors import LetterError
from station.letters.fields import display_value
from station.letters.formats import clean_text, format_date_id, format_nip, format_official_name
from station.letters.resident import (
    RESIDENT_LABELS,
    ResidentSnapshot,
    public_resident_value,
    resident_values,
)

# The statement a letter from the Service Box carries (issue "Service Box"; docs/box.md).
BOX_NOTE = (
    "Surat ini diterbitkan melalui Layanan Mandiri (Service Box) kelurahan atas permintaan "
    "yang bersangkutan dengan NIK dan PIN mandiri. Surat ini sah tanpa tanda tangan basah "
    "dan cap basah karena disegel secara elektronik oleh kantor kelurahan; keasliannya "
    "diperiksa dengan memindai kode QR pada surat ini."
)


@dataclass(frozen=True)
class OfficeInfo:
    """What a letter prints about the office (``OfficeConfig`` or the ``Office`` row)."""

    code: str
    name: str
    kecamatan: str
    kota: str
    provinsi: str
    address: str = ""
    postal_code: str = ""
    unit_code: str = ""
    verify_base_url: str = ""
    kind: str = "Kelurahan"

    @classmethod
    def from_object(cls, obj: Any, *, verify_base_url: str | None = None) -> OfficeInfo:
        """From ``OfficeConfig`` or the ``Office`` row (same attribute names)."""
        base = (
            verify_base_url if verify_base_url is not None else getattr(obj, "verify_base_url", "")
        )
        return cls(
            code=obj.code,
            name=obj.name,
            kecamatan=obj.kecamatan,
            kota=obj.kota,
            provinsi=obj.provinsi,
            address=getattr(obj, "address", ""),
            postal_code=getattr(obj, "postal_code", ""),
            unit_code=getattr(obj, "unit_code", ""),
            verify_base_url=base or "",
        )

    @property
    def head_title(self) -> str:
        """``LURAH OESAPA`` (``KEPALA DESA …`` for a desa)."""
        head = "LURAH" if self.kind.lower() == "kelurahan" else f"KEPALA {self.kind.upper()}"
        return f"{head} {clean_text(self.name).upper()}"

    def kop_lines(self) -> tuple[str, ...]:
        kota = clean_text(self.kota)
        address = clean_text(self.address)
        postal = clean_text(self.postal_code)
        last = ", ".join(p for p in (address, f"Kode Pos {postal}" if postal else "") if p)
        lines = [
            f"PEMERINTAH {kota.upper()}",
            f"KECAMATAN {clean_text(self.kecamatan).upper()}",
            f"{self.kind.upper()} {clean_text(self.name).upper()}",
        ]
        return tuple(lines + ([last] if last else []))


@dataclass(frozen=True)
class Signer:
    """Who signs: the lurah, or a delegate (``position`` set) signing ``a.n.`` the lurah."""

    name: str
    nip: str = ""
    rank: str = ""
    position: str = ""  # e.g. "Sekretaris Kelurahan"; empty when the lurah signs

    @classmethod
    def lurah(cls, office: Any) -> Signer:
        """The lurah from ``OfficeConfig``/``Office`` (``lurah_name``, ``lurah_nip`` …)."""
        return cls(
            name=getattr(office, "lurah_name", ""),
            nip=getattr(office, "lurah_nip", ""),
            rank=getattr(office, "lurah_rank", ""),
        )

    @property
    def delegated(self) -> bool:
        return bool(clean_text(self.position))


def verify_address(base_url: str) -> str:
    """The short, human form of the verification address: ``verifikasi.oesapa.example``."""
    try:
        parts = urlsplit(base_url.strip())
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    return f"{host}{path}" if host else ""


def _office_context(office: OfficeInfo) -> dict[str, str]:
    return {
        "nama": clean_text(office.name),
        "jenis": clean_text(office.kind),
        "kecamatan": clean_text(office.kecamatan),
        "kota": clean_text(office.kota),
        "provinsi": clean_text(office.provinsi),
        "alamat": clean_text(office.address),
        "kode_pos": clean_text(office.postal_code),
    }


def _default_opening(office: OfficeInfo, signer: Signer) -> str:
    """docs/domain.md §4.2 item 3; a delegate signs "atas nama" the lurah."""
    head = "Lurah" if office.kind.lower() == "kelurahan" else f"Kepala {office.kind}"
    who = f"{head} {clean_text(office.name)}"
    if signer.delegated:
        who = f"{clean_text(signer.position)}, atas nama {who}"
    region = (
        f"Kecamatan {clean_text(office.kecamatan)}, {clean_text(office.kota)}, "
        f"Provinsi {clean_text(office.provinsi)}"
    )
    return (
        f"Yang bertanda tangan di bawah ini {who}, {region} menerangkan dengan sebenarnya bahwa :"
    )


def _render_template(block: TextBlockSpec, context: Mapping[str, Any], where: str) -> str:
    try:
        return clean_text(block.template.render(**context))
    except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        # An admin's template must refuse the letter, never crash the operator's screen.
        raise LetterError(f"Templat {where} tidak dapat dipakai: {exc}") from exc


def _resident_row(key: str, values: dict[str, str], label: str | None = None) -> DataRow:
    return DataRow(label or RESIDENT_LABELS[key], values[key], public_resident_value(key, values))


def _person_rows(member: ResidentSnapshot, on: date) -> tuple[DataRow, ...]:
    values = resident_values(member, on=on)
    return (
        _resident_row("nama", values),
        _resident_row("nik", values),
        _resident_row("jenis_kelamin", values),
        _resident_row("ttl", values),
        _resident_row("hubungan_keluarga", values, "Hubungan"),
    )


def render_letter(
    letter_type: LetterType,
    office: OfficeInfo,
    resident: ResidentSnapshot,
    field_values: Mapping[str, str],
    purpose: str,
    number: str,
    issued_on: date,
    valid_until: date | None,
    signer: Signer,
    *,
    family: Iterable[ResidentSnapshot] = (),
    salt: bytes | None = None,
    channel: str = "counter",
) -> Document:
    """The letter as a Document, without QR (the seal adds it: the QR carries the digest).

    ``field_values`` are the canonical values from :func:`validate_fields`; ``family`` is the
    resident's KK for types that list dependants; ``salt`` is random unless given (tests).
    """
    if valid_until is not None and valid_until < issued_on:
        raise LetterError("Tanggal akhir berlaku tidak boleh sebelum tanggal surat.")
    if salt is None:
        salt = os.urandom(SALT_LENGTH)
    purpose_text = clean_text(purpose) or letter_type.default_purpose
    if letter_type.purpose == "required" and not purpose_text:
        raise LetterError("Keperluan surat wajib diisi.")
    r = resident_values(resident, on=issued_on)
    f = {s.key: display_value(s, str(field_values.get(s.key, ""))) for s in letter_type.fields}
    v = {s.key: clean_text(field_values.get(s.key, "")) for s in letter_type.fields}
    context = {
        "r": r,
        "f": f,
        "v": v,
        "office": _office_context(office),
        "surat": {
            "judul": letter_type.title,
            "kode": letter_type.code,
            "nomor": clean_text(number),
            "tanggal": format_date_id(issued_on),
            "sebutan": letter_type.noun,
        },
    }
    where = f"{letter_type.source or letter_type.code}"
    if letter_type.opening is not None:
        opening = _render_template(letter_type.opening, context, f"{where} (opening)")
    else:
        opening = _default_opening(office, signer)
    subject = DataBlock(
        tuple(_resident_row(key, r) for key in letter_type.subject_rows),
        clean_text(letter_type.subject_title),
    )
    body: list[Block] = []
    for i, spec in enumerate(letter_type.body):
        if isinstance(spec, TextBlockSpec):
            text = _render_template(spec, context, f"{where} body[{i}]")
            if text:
                body.append(Paragraph(text))
        elif isinstance(spec, RowsBlockSpec):
            rows = []
            for ref in spec.rows:
                if ref.startswith("r."):
                    key = ref[2:]
                    rows.append(_resident_row(key, r))
                else:
                    field_spec = letter_type.field(ref)
                    if field_spec is not None and f[ref]:
                        rows.append(
                            id_row(field_spec.label, f[ref])
                            if field_spec.sensitive
                            else DataRow(field_spec.label, f[ref])
                        )
            if rows:
                body.append(DataBlock(tuple(rows), clean_text(spec.title)))
        elif isinstance(spec, FamilyBlockSpec):
            members = dependants_of(resident, family)
            body.append(
                PersonList(
                    clean_text(spec.title),
                    tuple(_person_rows(m, issued_on) for m in members),
                )
            )
    if channel == "box":  # sealed with the rest: the statement is part of the digest
        body.append(Paragraph(BOX_NOTE))
    noun = letter_type.noun
    purpose_line = ""
    if letter_type.purpose != "none" and purpose_text:
        purpose_line = f"{noun[:1].upper()}{noun[1:]} ini dibuat untuk keperluan : {purpose_text}"
    validity_line = ""
    if valid_until is not None:
        validity_line = (
            f"Berlaku : {format_date_id(issued_on)} sampai dengan {format_date_id(valid_until)}"
        )
    closing = (
        f"Demikian {noun} ini dibuat dengan sebenarnya, untuk dipergunakan sebagaimana mestinya."
    )
    head = office.head_title
    signer_block = SignerBlock(
        place_date=f"{clean_text(office.name)}, {format_date_id(issued_on)}",
        position=clean_text(signer.position).upper() if signer.delegated else head,
        name=format_official_name(signer.name),
        rank=clean_text(signer.rank),
        nip=format_nip(signer.nip) if clean_text(signer.nip) else "",
        on_behalf=f"a.n. {head}" if signer.delegated else "",
    )
    return Document(
        kop=office.kop_lines(),
        title=letter_type.title,
        number=clean_text(number),
        opening=opening,
        subject=subject,
        body=tuple(body),
        purpose_line=purpose_line,
        validity_line=validity_line,
        closing=closing,
        signer=signer_block,
        holder_name=r["nama"] if letter_type.holder_signature else None,
        type_code=letter_type.code,
        issued_on=issued_on,
        valid_until=valid_until,
        salt=salt,
        verify_address=verify_address(office.verify_base_url),
    )
