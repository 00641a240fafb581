"""Field specifications of a letter type and the validation of typed values.

Values arrive as text (the CLI's ``--field KEY=VALUE``, a form); validation returns them in
one canonical form (ISO dates, ``HH:MM``, plain integers, the choice as listed) so the stored
letter never depends on how the operator typed it, and gives one Indonesian message per
field that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from station.letters.formats import clean_text, format_date_id, format_rupiah
from station.letters.resident import ResidentSnapshot, resident_values
from station.register.nik import normalize_nik, parse_nik
from station.register.regions import PROVINCES

FIELD_KINDS: dict[str, str] = {
    "text": "teks satu baris",
    "date": "tanggal (17-08-2026 atau 2026-08-17)",
    "time": "jam (14:30 atau 14.30)",
    "number": "bilangan bulat",
    "money": "jumlah rupiah (1500000 atau Rp1.500.000)",
    "choice": "salah satu pilihan",
    "nik": "NIK 16 digit",
    "kk": "nomor KK 16 digit",
}
# Kinds whose value is a full identity number: printed on the paper, masked on public views.
SENSITIVE_KINDS = frozenset({"nik", "kk"})
DEFAULT_MAX_LENGTH = 100
MAX_NUMBER = 10**12


@dataclass(frozen=True)
class FieldSpec:
    """One input of a letter type (docs/domain.md §4.1)."""

    key: str
    label: str
    kind: str = "text"
    required: bool = True
    max_length: int = DEFAULT_MAX_LENGTH
    pattern: str | None = None
    pattern_hint: str = ""
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    past_only: bool = False
    future_only: bool = False
    not_before_birth: bool = False
    upper: bool = False
    public: bool = False  # on the public page (docs/seal.md, "What the page shows")
    prefill: str | None = None
    default: str | None = None
    help: str = ""
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Compiled once; the catalogue has already reported a pattern that does not compile.
        if self.pattern is not None and self._regex is None:
            object.__setattr__(self, "_regex", re.compile(self.pattern))

    @property
    def sensitive(self) -> bool:
        return self.kind in SENSITIVE_KINDS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description for ``letter types --json`` and the operator's form."""
        data: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
        }
        if self.kind == "text":
            data["max_length"] = self.max_length
            if self.pattern:
                data["pattern"] = self.pattern
        if self.choices:
            data["choices"] = list(self.choices)
        if self.minimum is not None:
            data["min"] = self.minimum
        if self.maximum is not None:
            data["max"] = self.maximum
        for flag in ("past_only", "future_only", "not_before_birth", "upper"):
            if getattr(self, flag):
                data[flag] = True
        for key in ("prefill", "default"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.help:
            data["help"] = self.help
        return data


@dataclass(frozen=True)
class FieldResult:
    """Canonical values of the fields that passed and a message per field that did not."""

    values: dict[str, str]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")
_MONEY_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")


def _parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _check_one(
    spec: FieldSpec, raw: str, *, today: date, resident: ResidentSnapshot | None
) -> tuple[str | None, str | None]:
    """(canonical value, None) or (None, message) for one non-empty value."""
    label = spec.label
    text = clean_text(raw)
    if spec.kind == "text":
        if spec.upper:
            text = text.upper()
        if len(text) > spec.max_length:
            return None, f"{label} paling banyak {spec.max_length} karakter (tertulis {len(text)})."
        if spec._regex is not None and not spec._regex.fullmatch(text):
            hint = f" ({spec.pattern_hint})" if spec.pattern_hint else ""
            return None, f"{label} tidak sesuai format{hint}."
        return text, None
    if spec.kind == "date":
        d = _parse_date(text)
        if d is None:
            return None, f"{label} harus tanggal seperti 17-08-2026 atau 2026-08-17."
        if spec.past_only and d > today:
            return None, f"{label} tidak boleh sesudah hari ini ({format_date_id(today)})."
        if spec.future_only and d < today:
            return None, f"{label} tidak boleh sebelum hari ini ({format_date_id(today)})."
        if spec.not_before_birth and resident is not None and d < resident.birth_date:
            return None, (
                f"{label} tidak boleh sebelum tanggal lahir "
                f"({format_date_id(resident.birth_date)})."
            )
        return d.isoformat(), None
    if spec.kind == "time":
        m = _TIME.fullmatch(text)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            return None, f"{label} harus jam seperti 14:30 (00:00–23:59)."
        return f"{int(m.group(1)):02d}:{m.group(2)}", None
    if spec.kind in ("number", "money"):
        digits = text
        if spec.kind == "money":
            digits = re.sub(r"^rp\.?\s*", "", digits, flags=re.IGNORECASE)
            digits = re.sub(r"(,00|,-)$", "", digits).replace(" ", "")
            if _MONEY_GROUPED.fullmatch(digits):
                digits = digits.replace(".", "")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 13:
            what = "jumlah rupiah tanpa sen" if spec.kind == "money" else "bilangan bulat"
            return None, f"{label} harus {what}."
        number = int(digits)
        low = spec.minimum if spec.minimum is not None else 0
        high = spec.maximum if spec.maximum is not None else MAX_NUMBER
        if not low <= number <= high:
            return None, f"{label} harus antara {low} dan {high}."
        return str(number), None
    if spec.kind == "choice":
        wanted = text.casefold()
        for choice in spec.choices:
            if choice.casefold() == wanted:
                return choice, None
        return None, f"{label} harus salah satu dari: {', '.join(spec.choices)}."
    if spec.kind == "nik":
        info = parse_nik(text, today=today)
        if not info.valid:
            return None, f"{label}: {info.errors[0].message}"
        return info.nik, None
    if spec.kind == "kk":
        kk = normalize_nik(text)
        if not (len(kk) == 16 and kk.isascii() and kk.isdigit()):
            return None, f"{label} harus 16 digit angka."
        if kk[:2] not in PROVINCES or kk[12:] == "0000":
            return None, f"{label} tidak sah (kode provinsi atau nomor urut salah)."
        return kk, None
    return None, f"{label}: jenis isian {spec.kind!r} tidak dikenal."


def validate_fields(
    specs: tuple[FieldSpec, ...],
    values: Mapping[str, object],
    *,
    today: date,
    resident: ResidentSnapshot | None = None,
    type_label: str = "surat ini",
) -> FieldResult:
    """Check typed values against the specs; never raises on any input.

    Missing values take the field's ``default``, then its ``prefill`` from the resident.
    Unknown keys are errors (a typo must not silently drop a value from the letter).
    """
    by_key = {s.key: s for s in specs}
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for key in values:
        if key not in by_key:
            errors[str(key)] = f"Isian '{key}' tidak dikenal untuk {type_label}."
    prefilled = resident_values(resident, on=today) if resident is not None else {}
    for spec in specs:
        raw = values.get(spec.key)
        text = clean_text(raw) if raw is not None else ""
        if not text and spec.default is not None:
            text = spec.default
        if not text and spec.prefill and prefilled.get(spec.prefill):
            text = prefilled[spec.prefill]
        if not text:
            if spec.required:
                errors[spec.key] = f"{spec.label} wajib diisi."
            continue
        value, message = _check_one(spec, text, today=today, resident=resident)
        if message is not None:
            errors[spec.key] = message
        elif value is not None:
            cleaned[spec.key] = value
    return FieldResult(cleaned, errors)


def display_value(spec: FieldSpec, value: str) -> str:
    """How a canonical value is printed on the letter (``17 Agustus 2026``, ``14.30``)."""
    if not value:
        return ""
    if spec.kind == "date":
        try:
            return format_date_id(date.fromisoformat(value))
        except ValueError:
            return clean_text(value)
    if spec.kind == "time":
        return value.replace(":", ".")
    if spec.kind == "money" and value.isdigit():
        return format_rupiah(int(value))
    return clean_text(value)
