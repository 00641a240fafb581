"""Kemendagri region codes and names.

The built-in table is deliberately small (all provinces, NTT regencies, Kota Kupang's kecamatan
and all its kelurahan) so the app works offline before the full national table is
imported; the importer reads CSV with :func:`read_region_csv`.  Keys are always dotted codes.
Kemendagri codes only: BPS codes differ (docs/domain.md §1.4) and must never be loaded here.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from typing import Protocol

from station.register.kota_kupang import KELURAHAN as KOTA_KUPANG_KELURAHAN

PROVINCES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kep. Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}

_NTT_KABUPATEN = (
    "Kupang",
    "Timor Tengah Selatan",
    "Timor Tengah Utara",
    "Belu",
    "Alor",
    "Flores Timur",
    "Sikka",
    "Ende",
    "Ngada",
    "Manggarai",
    "Sumba Timur",
    "Sumba Barat",
    "Lembata",
    "Rote Ndao",
    "Manggarai Barat",
    "Nagekeo",
    "Sumba Tengah",
    "Sumba Barat Daya",
    "Manggarai Timur",
    "Sabu Raijua",
    "Malaka",
)

NTT_REGENCIES: dict[str, str] = {
    f"53.{i:02d}": f"Kabupaten {name}" for i, name in enumerate(_NTT_KABUPATEN, start=1)
} | {"53.71": "Kota Kupang"}

KOTA_KUPANG_DISTRICTS: dict[str, str] = {
    "53.71.01": "Alak",
    "53.71.02": "Maulafa",
    "53.71.03": "Kelapa Lima",
    "53.71.04": "Oebobo",
    "53.71.05": "Kota Raja",
    "53.71.06": "Kota Lama",
}

KELAPA_LIMA_VILLAGES: dict[str, str] = {
    "53.71.03.1001": "Kelapa Lima",
    "53.71.03.1010": "Oesapa",
    "53.71.03.1011": "Lasiana",
    "53.71.03.1014": "Oesapa Barat",
    "53.71.03.1015": "Oesapa Selatan",
}

# Every kelurahan of Kota Kupang (station/register/kota_kupang.py, with its source).
KOTA_KUPANG_VILLAGES: dict[str, str] = dict(KOTA_KUPANG_KELURAHAN)

BUILTIN: dict[str, str] = (
    PROVINCES | NTT_REGENCIES | KOTA_KUPANG_DISTRICTS | KELAPA_LIMA_VILLAGES | KOTA_KUPANG_VILLAGES
)

_LEVELS = {1: "province", 2: "regency", 3: "district", 4: "village"}
_DOTTED = re.compile(r"\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?")
_UNDOTTED_CUTS = {2: (2,), 4: (2, 4), 6: (2, 4, 6), 10: (2, 4, 6, 10)}


def to_dotted(code: str) -> str | None:
    """Return the dotted form of a dotted or undotted Kemendagri code, or None if malformed.

    Undotted input is what most CSV exports and the NIK itself carry ("537103").
    """
    code = code.strip()
    if not code.isascii():
        return None
    if "." in code:
        return code if _DOTTED.fullmatch(code) else None
    cuts = _UNDOTTED_CUTS.get(len(code))
    if cuts is None or not code.isdigit():
        return None
    parts, start = [], 0
    for end in cuts:
        parts.append(code[start:end])
        start = end
    return ".".join(parts)


def level(code: str) -> str:
    """Level of a region code: "province", "regency", "district" or "village"."""
    dotted = to_dotted(code)
    if dotted is None:
        raise ValueError(f"kode wilayah tidak sah: {code!r}")
    return _LEVELS[dotted.count(".") + 1]


class RegionLookup(Protocol):
    """Anything that can name a dotted region code (builtin table, DB table, a chain)."""

    def name(self, code: str) -> str | None: ...


class BuiltinRegions:
    """Lookup over :data:`BUILTIN`; accepts dotted or undotted codes."""

    def __init__(self, table: dict[str, str] | None = None) -> None:
        self._table = BUILTIN if table is None else table

    def name(self, code: str) -> str | None:
        dotted = to_dotted(code)
        return None if dotted is None else self._table.get(dotted)


class ChainedRegions:
    """Ask each lookup in turn (e.g. the imported DB table first, then the builtin)."""

    def __init__(self, *lookups: RegionLookup) -> None:
        self.lookups = lookups

    def name(self, code: str) -> str | None:
        for lookup in self.lookups:
            found = lookup.name(code)
            if found:
                return found
        return None


def read_region_csv(
    path: str | os.PathLike[str],
) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """Read a ``kode,nama`` CSV into (good rows, rejected rows).

    Good rows are ``(dotted_code, name)``; rejected rows are ``(line_number, reason)`` with the
    reason in Bahasa Indonesia so the operator can fix the file.  Accepts UTF-8 with or without
    BOM, ``,`` or ``;`` (Excel in an Indonesian locale writes ``;``), an optional header, and the
    ``id,parent_id,name`` layout of sensasi-delight/id-administrative-divisions.  A file that is
    not UTF-8 raises ValueError rather than importing garbled names.
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            "Berkas bukan UTF-8; simpan ulang sebagai 'CSV UTF-8' lalu impor lagi."
        ) from exc
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    good: list[tuple[str, str]] = []
    bad: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    first_row = True
    for row in reader:
        lineno = reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if first_row:
            first_row = False
            if not any(ch.isdigit() for ch in cells[0]):
                continue  # header such as "kode,nama"
        if len(cells) < 2:
            bad.append((lineno, "kolom kurang: baris harus berisi kode dan nama"))
            continue
        code = to_dotted(cells[0])
        if code is None:
            bad.append(
                (
                    lineno,
                    f"kode wilayah tidak sah: {cells[0]!r} "
                    "(harus 2, 4, 6 atau 10 digit, boleh bertitik seperti 53.71.03)",
                )
            )
            continue
        name = cells[1]
        undotted = code.replace(".", "")
        parent = cells[1].replace(".", "")
        if len(cells) >= 3 and parent.isdigit() and undotted.startswith(parent):
            name = cells[2]  # id,parent_id,name layout
        if not name:
            bad.append((lineno, f"nama wilayah kosong untuk kode {code}"))
            continue
        if name.replace(".", "").isdigit():
            bad.append((lineno, f"nama wilayah untuk kode {code} berupa angka: {name!r}"))
            continue
        if code in seen:
            bad.append((lineno, f"kode {code} ganda (sudah ada di baris {seen[code]})"))
            continue
        seen[code] = lineno
        good.append((code, name))
    return good, bad
