"""Letter numbers (nomor surat): the pattern from ``station.toml`` and the sequence scope.

The pattern is checked once, when the config loads, so a typo never reaches a printed letter;
formatting then only substitutes known placeholders (no attribute or index access, no
conversions), so neither a pattern nor a value can run code.  Allocating the sequence value is
the database's job, inside the issuing transaction (phase 2); this module names the scope.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from station.letters.errors import NumberingError
from station.letters.formats import roman_month

DEFAULT_PATTERN = "{kode}/{nomor:03d}/{unit}/{bulan_romawi}/{tahun}"
DEFAULT_SCOPE = "office"
# office: one sequence per office per year; type: per letter type per year;
# classification: per classification code per year (a real kelurahan register does this).
SCOPES = ("office", "type", "classification")
# Numbers are printed on a 32-column receipt and carried in the QR seal.
MAX_NUMBER_LENGTH = 60

PLACEHOLDERS: dict[str, str] = {
    "kode": "kode klasifikasi jenis surat (mis. 400.12.2.1)",
    "nomor": "nomor urut (angka)",
    "unit": "kode unit kantor (office.unit_code, mis. KEL.OSP)",
    "bulan_romawi": "bulan terbit dalam angka Romawi (I–XII)",
    "bulan": "bulan terbit (angka)",
    "tahun": "tahun terbit (angka)",
    "jenis": "kode jenis surat (mis. SKD)",
}
_NUMERIC = frozenset({"nomor", "bulan", "tahun"})
# Zero-padding to a width, nothing else: ``{nomor:03d}``, ``{bulan:02}``, ``{nomor}``.
_INT_SPEC = re.compile(r"(0[1-9])?d?")


@dataclass(frozen=True)
class NumberPattern:
    """A checked pattern: literal text and placeholders with their (safe) format specs."""

    text: str
    parts: tuple[tuple[str, str | None, str], ...]  # (literal, placeholder, spec)

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(name for _, name, _ in self.parts if name)

    def format(
        self, *, kode: str, nomor: int, unit: str, month: int, year: int, type_code: str
    ) -> str:
        """Substitute the values; raises :class:`NumberingError` for bad values."""
        if isinstance(nomor, bool) or not isinstance(nomor, int) or nomor < 1:
            raise NumberingError(f"Nomor urut surat harus bilangan bulat ≥ 1, bukan {nomor!r}.")
        try:
            romawi = roman_month(month)
        except ValueError as exc:
            raise NumberingError(f"Bulan surat tidak sah: {month!r}.") from exc
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
            raise NumberingError(f"Tahun surat tidak sah: {year!r}.")
        values: dict[str, Any] = {
            "kode": str(kode),
            "nomor": nomor,
            "unit": str(unit),
            "bulan_romawi": romawi,
            "bulan": month,
            "tahun": year,
            "jenis": str(type_code),
        }
        out = []
        for literal, name, spec in self.parts:
            out.append(literal)
            if name is not None:
                out.append(format(values[name], spec))
        number = "".join(out)
        if len(number) > MAX_NUMBER_LENGTH:
            raise NumberingError(
                f"Nomor surat {number!r} terlalu panjang ({len(number)} karakter, "
                f"paling banyak {MAX_NUMBER_LENGTH})."
            )
        if any(ch.isspace() for ch in number) or not number.isprintable():
            raise NumberingError(f"Nomor surat {number!r} tidak boleh berisi spasi.")
        return number


def parse_pattern(pattern: str, *, source: str = "station.toml") -> NumberPattern:
    """Check the syntax of a pattern; :func:`check_numbering` adds the uniqueness checks."""
    where = f"{source}: kunci 'letters.number_pattern'"
    if not isinstance(pattern, str) or not pattern.strip():
        raise NumberingError(f"{where} tidak boleh kosong.")
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise NumberingError(
            f"{where}: pola {pattern!r} rusak (kurung kurawal tidak berpasangan; "
            "tulis {{ atau }} untuk tanda kurung kurawal biasa)."
        ) from exc
    parts: list[tuple[str, str | None, str]] = []
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for literal, name, spec, conversion in parsed:
        if name is None:
            parts.append((literal, None, ""))
            continue
        if name == "" or name.isdigit():
            raise NumberingError(
                f"{where}: tanda {{}} harus berisi nama, mis. {{nomor}} (yang dikenal: {known})."
            )
        if name not in PLACEHOLDERS:
            if any(ch in name for ch in ".[]"):
                raise NumberingError(
                    f"{where}: {{{name}}} tidak boleh memakai titik atau [ ] "
                    f"(yang dikenal: {known})."
                )
            raise NumberingError(f"{where}: {{{name}}} tidak dikenal (yang dikenal: {known}).")
        if conversion:
            raise NumberingError(f"{where}: {{{name}!{conversion}}} tidak diizinkan.")
        spec = spec or ""
        if name in _NUMERIC:
            if not _INT_SPEC.fullmatch(spec):
                raise NumberingError(
                    f"{where}: format {{{name}:{spec}}} tidak diizinkan; "
                    f"yang boleh hanya lebar dengan nol di depan, mis. {{{name}:03d}}."
                )
        elif spec:
            raise NumberingError(f"{where}: {{{name}}} tidak boleh diberi format ':{spec}'.")
        parts.append((literal, name, spec))
    return NumberPattern(pattern, tuple(parts))


@dataclass(frozen=True)
class NumberingConfig:
    """The ``[letters]`` numbering settings after checking."""

    pattern: NumberPattern
    scope: str = DEFAULT_SCOPE


def check_numbering(
    pattern: str = DEFAULT_PATTERN,
    scope: str = DEFAULT_SCOPE,
    *,
    classifications: Mapping[str, str] | None = None,
    source: str = "station.toml",
) -> NumberingConfig:
    """Refuse a pattern/scope pair that could print the same number twice.

    ``classifications`` (type code -> classification code) lets the check accept
    ``scope = "type"`` with only ``{kode}`` when no two types share a classification.
    """
    if scope not in SCOPES:
        raise NumberingError(
            f"{source}: kunci 'letters.number_scope' harus salah satu dari "
            f"{', '.join(SCOPES)}, bukan {scope!r}."
        )
    parsed = parse_pattern(pattern, source=source)
    names = parsed.placeholders
    where = f"{source}: kunci 'letters.number_pattern'"
    if "nomor" not in names:
        raise NumberingError(f"{where}: pola harus memuat {{nomor}} agar setiap surat berbeda.")
    if "tahun" not in names:
        raise NumberingError(
            f"{where}: pola harus memuat {{tahun}}, karena nomor urut dimulai lagi setiap tahun."
        )
    if scope == "classification" and not names & {"kode", "jenis"}:
        raise NumberingError(
            f'{where}: dengan number_scope = "classification" pola harus memuat {{kode}}.'
        )
    if scope == "type" and "jenis" not in names:
        shared = _shared_classifications(classifications) if classifications else None
        if "kode" not in names or shared is None or shared:
            detail = f" (dipakai bersama: {', '.join(shared)})" if shared else ""
            raise NumberingError(
                f'{where}: dengan number_scope = "type" pola harus memuat {{jenis}}, '
                f"atau {{kode}} bila tiap jenis surat punya kode klasifikasi sendiri{detail}."
            )
    return NumberingConfig(parsed, scope)


def _shared_classifications(classifications: Mapping[str, str]) -> list[str]:
    seen: dict[str, str] = {}
    shared = []
    for code, classification in classifications.items():
        if classification in seen:
            shared.append(f"{seen[classification]}/{code} = {classification}")
        seen.setdefault(classification, code)
    return shared


def parse_numbering_config(
    data: Mapping[str, Any],
    *,
    source: str = "station.toml",
    classifications: Mapping[str, str] | None = None,
) -> NumberingConfig:
    """From the ``[letters]`` table of ``station.toml`` (keys ``number_pattern``,
    ``number_scope``); missing keys take the defaults."""
    unknown = set(data) - {"number_pattern", "number_scope"}
    if unknown:
        raise NumberingError(f"{source}: kunci 'letters.{sorted(unknown)[0]}' tidak dikenal.")
    pattern = data.get("number_pattern", DEFAULT_PATTERN)
    scope = data.get("number_scope", DEFAULT_SCOPE)
    if not isinstance(pattern, str):
        raise NumberingError(f"{source}: kunci 'letters.number_pattern' harus berupa teks.")
    if not isinstance(scope, str):
        raise NumberingError(f"{source}: kunci 'letters.number_scope' harus berupa teks.")
    return check_numbering(pattern, scope, classifications=classifications, source=source)


def format_number(
    pattern: str | NumberPattern,
    *,
    kode: str,
    nomor: int,
    unit: str,
    month: int,
    year: int,
    type_code: str,
) -> str:
    """``400.12.2.1/007/KEL.OSP/VIII/2026`` from a pattern (text or checked)."""
    parsed = pattern if isinstance(pattern, NumberPattern) else parse_pattern(pattern)
    return parsed.format(
        kode=kode, nomor=nomor, unit=unit, month=month, year=year, type_code=type_code
    )


def sequence_scope(scope: str, *, year: int, type_code: str = "", classification: str = "") -> str:
    """The ``Sequence.scope`` key: ``letter:2026``, ``letter:SKD:2026`` or
    ``letter:kode:400.12.2.1:2026`` (type codes are upper case, so ``kode`` never collides)."""
    if scope == "office":
        return f"letter:{year}"
    if scope == "type":
        if not type_code:
            raise NumberingError("Kode jenis surat diperlukan untuk penomoran per jenis.")
        return f"letter:{type_code}:{year}"
    if scope == "classification":
        if not classification:
            raise NumberingError("Kode klasifikasi diperlukan untuk penomoran per klasifikasi.")
        return f"letter:kode:{classification}:{year}"
    raise NumberingError(f"Cakupan penomoran {scope!r} tidak dikenal ({', '.join(SCOPES)}).")
