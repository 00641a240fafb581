"""Field specifications of a letter type and the validation of typed values.

Values arrive as text (the CLI's ``--field KEY=VALUE``, a form); validation returns them in
one canonical form (ISO dates, ``HH:MM``, plain integers, the choice as listed) so the stored
letter never depends on how the operator typed it, and gives one Indonesian message per
field that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from station.letters.formats import clean_text, format_date_id, format_rupiah
from station.letters.resident import (
    MARRIED,
    NEVER_MARRIED,
    STATUS_ACTIVE,
    STATUS_DECEASED,
    WAS_MARRIED,
    ResidentSnapshot,
    marital_state,
    resident_values,
)
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
    rule: str | None = None  # a check against the resident, the KK or another field (FIELD_RULES)
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
        for key in ("prefill", "default", "rule"):
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


# ------------------------------------------------------------------------------------------
# Field rules: a value checked against the resident, the KK or another field of the letter.
# A letter type names them (``rule = "status_nikah"``) like its eligibility rules; what a
# marriage letter may say follows the register (docs/domain.md, letters).

# The marital status words of the marriage forms (model N1; OpenSID's S-50), by sex.
MARITAL_CHOICES: dict[str, str] = {
    "Jejaka": "L",
    "Duda": "L",
    "Beristri": "L",
    "Perawan": "P",
    "Janda": "P",
}
MARRIED_MAN = "Beristri"
# The word the register allows, by sex and register marital state; a woman still married
# has none (UU 1/1974 Pasal 3 and 9: only a husband may, with the court's permission).
EXPECTED_MARITAL: dict[tuple[str, str], str] = {
    ("L", NEVER_MARRIED): "Jejaka",
    ("L", MARRIED): "Beristri",
    ("L", WAS_MARRIED): "Duda",
    ("P", NEVER_MARRIED): "Perawan",
    ("P", WAS_MARRIED): "Janda",
}
# A child named on a letter is listed in the holder's KK as ANAK; the holder is its parent:
# the kepala keluarga or the spouse.
CHILD_RELATIONSHIP = "ANAK"
PARENT_RELATIONSHIPS = ("KEPALA KELUARGA", "SUAMI", "ISTRI")
_SEX_WORDS = {"L": "laki-laki", "P": "perempuan"}


@dataclass(frozen=True)
class RuleContext:
    """What a field rule sees: its field and value ("" when empty), the values that passed,
    the type's fields, the resident and the KK (None: not known here, so not checked)."""

    spec: FieldSpec
    value: str
    values: Mapping[str, str]
    specs: tuple[FieldSpec, ...]
    resident: ResidentSnapshot | None
    family: tuple[ResidentSnapshot, ...] | None

    def partner(self, rule: str) -> FieldSpec | None:
        return next((s for s in self.specs if s.rule == rule), None)


# A rule returns (value to store instead, or None) and (message, or None).
FieldRule = Callable[[RuleContext], tuple[str | None, str | None]]


def _status_nikah(ctx: RuleContext) -> tuple[str | None, str | None]:
    value, resident, label = ctx.value, ctx.resident, ctx.spec.label
    if not value or resident is None:
        return None, None
    name = clean_text(resident.name) or "Penduduk ini"
    sex = resident.sex if resident.sex in _SEX_WORDS else ""
    mine = [c for c in ctx.spec.choices if MARITAL_CHOICES.get(c) == sex]
    if sex and MARITAL_CHOICES.get(value) != sex:
        return None, (
            f"{label} '{value}' tidak untuk {_SEX_WORDS[sex]}; {name} tercatat "
            f"{_SEX_WORDS[sex]} (pilihan: {', '.join(mine) or '-'})."
        )
    registered = clean_text(resident.marital_status).upper()
    state = marital_state(registered)
    if not sex or state is None:
        return None, None
    expected = EXPECTED_MARITAL.get((sex, state))
    if expected is None:
        return None, (
            f"{name} tercatat berstatus {registered}; perempuan yang masih terikat perkawinan "
            "tidak dapat diberi pengantar nikah."
        )
    if value != expected:
        return None, (
            f"{label} '{value}' tidak sesuai data penduduk: {name} tercatat {registered}, "
            f"jadi {label.lower()} adalah {expected}."
        )
    return None, None


def _istri_ke(ctx: RuleContext) -> tuple[str | None, str | None]:
    status_spec = ctx.partner("status_nikah")
    if status_spec is None or status_spec.key not in ctx.values:
        return None, None  # the status is missing or wrong: its own message says so
    label = ctx.spec.label
    if ctx.values[status_spec.key] == MARRIED_MAN:
        if not ctx.value:
            return None, f"{label} wajib diisi untuk status {MARRIED_MAN}."
        if int(ctx.value) < 2:
            return None, (
                f"{label} untuk pria {MARRIED_MAN.lower()} paling kecil 2 (calon istri "
                "menjadi istri kedua atau berikutnya)."
            )
        return None, None
    if ctx.value:
        return None, (
            f"{label} hanya diisi untuk status {MARRIED_MAN}; "
            f"{status_spec.label.lower()}: {ctx.values[status_spec.key]}."
        )
    return None, None


def _child_of(ctx: RuleContext, nik: str) -> tuple[ResidentSnapshot | None, str | None]:
    """The holder's child with this NIK from the KK, or why it is not one."""
    resident, family = ctx.resident, ctx.family
    if resident is None or family is None:
        return None, None
    name = clean_text(resident.name) or "Pemohon"
    kk = resident.kk_number
    if not kk:
        return None, f"Nomor KK {name} belum tercatat; anak tidak dapat diperiksa dalam KK."
    if nik == resident.nik:
        return None, f"{ctx.spec.label} adalah NIK pemohon sendiri, bukan anaknya."
    relation = clean_text(resident.family_relationship).upper()
    if relation not in PARENT_RELATIONSHIPS:
        shown = relation or "belum tercatat"
        return None, (
            f"{name} tercatat dalam KK sebagai {shown}, bukan orang tua (kepala keluarga, "
            "suami atau istri); surat ini diajukan oleh orang tua anak."
        )
    child = next((m for m in family if m.nik == nik and m.kk_number == kk), None)
    if child is None:
        return None, f"Anak dengan NIK {nik} tidak tercantum dalam KK {name} (No. KK {kk})."
    child_name = clean_text(child.name)
    child_relation = clean_text(child.family_relationship).upper()
    if child_relation != CHILD_RELATIONSHIP:
        return None, (
            f"{child_name} tercatat dalam KK sebagai {child_relation or 'belum tercatat'}, "
            f"bukan {CHILD_RELATIONSHIP}."
        )
    if child.status != STATUS_ACTIVE:
        gone = "meninggal dunia" if child.status == STATUS_DECEASED else "pindah"
        return None, f"{child_name} tercatat sudah {gone}."
    return child, None


def _anak_dalam_kk(ctx: RuleContext) -> tuple[str | None, str | None]:
    if not ctx.value:
        return None, None
    _, message = _child_of(ctx, ctx.value)
    return None, message


def _nama_anak(ctx: RuleContext) -> tuple[str | None, str | None]:
    nik_spec = ctx.partner("anak_dalam_kk")
    if nik_spec is None or nik_spec.key not in ctx.values:
        return None, None
    child, message = _child_of(ctx, ctx.values[nik_spec.key])
    if child is None or message:
        return None, None  # the NIK field carries the message
    registered = clean_text(child.name).upper()
    if not ctx.value:
        return registered, None
    if ctx.value.upper() != registered:
        return None, (
            f"{ctx.spec.label} '{ctx.value}' tidak sama dengan data KK untuk NIK "
            f"{child.nik}: {registered}."
        )
    return None, None


FIELD_RULES: dict[str, FieldRule] = {
    "status_nikah": _status_nikah,
    "istri_ke": _istri_ke,
    "anak_dalam_kk": _anak_dalam_kk,
    "nama_anak": _nama_anak,
}
# The kind each rule's field must have, and what the rule means (docs/letters.md).
FIELD_RULE_KINDS: dict[str, str] = {
    "status_nikah": "choice",
    "istri_ke": "number",
    "anak_dalam_kk": "nik",
    "nama_anak": "text",
}
FIELD_RULE_DESCRIPTIONS: dict[str, str] = {
    "status_nikah": (
        "status perkawinan calon pengantin sesuai jenis kelamin dan data penduduk "
        "(Jejaka/Duda/Beristri untuk laki-laki, Perawan/Janda untuk perempuan)"
    ),
    "istri_ke": "istri ke-n (2–4), hanya dan wajib untuk status Beristri",
    "anak_dalam_kk": "NIK anak tercantum sebagai ANAK dalam KK pemohon (orang tuanya)",
    "nama_anak": "nama anak sama dengan data KK (diisi dari KK bila kosong)",
}
# A rule that reads another field needs that field's rule in the same type.
FIELD_RULE_PARTNERS: dict[str, str] = {"istri_ke": "status_nikah", "nama_anak": "anak_dalam_kk"}


def validate_fields(
    specs: tuple[FieldSpec, ...],
    values: Mapping[str, object],
    *,
    today: date,
    resident: ResidentSnapshot | None = None,
    family: Iterable[ResidentSnapshot] | None = None,
    type_label: str = "surat ini",
) -> FieldResult:
    """Check typed values against the specs; never raises on any input.

    Missing values take the field's ``default``, then its ``prefill`` from the resident.
    Unknown keys are errors (a typo must not silently drop a value from the letter).
    Field rules then check values against the resident and, when ``family`` (the KK
    members) is given, the KK; without it those checks wait for issuing.
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
    members = tuple(family) if family is not None else None
    # rules that read another field's value run after that field's own rule
    for spec in sorted(specs, key=lambda s: (s.rule or "") in FIELD_RULE_PARTNERS):
        rule = FIELD_RULES.get(spec.rule or "")
        if rule is None or spec.key in errors:
            continue
        ctx = RuleContext(spec, cleaned.get(spec.key, ""), cleaned, specs, resident, members)
        filled, message = rule(ctx)
        if message is not None:
            errors[spec.key] = message
            cleaned.pop(spec.key, None)
        elif filled:
            cleaned[spec.key] = filled
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
