"""Letter types as data: one TOML file per type, checked when loaded.

Why files: an office adds or rewords a letter without a programmer, and the admin sees every
mistake at once with the file and key named (``SKD.toml: kunci 'fields[2].kind' …``).  The
built-in types ship inside the package (``station/letters/builtin``); the station home's
``letters/`` folder may add types or replace a built-in one by using the same ``code``.
The format is described in ``docs/letters.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Template

from station.letters.eligibility import EFFECT_KINDS, RULE_DESCRIPTIONS, RULES
from station.letters.errors import CatalogueError, LetterError
from station.letters.fields import (
    FIELD_KINDS,
    FIELD_RULE_KINDS,
    FIELD_RULE_PARTNERS,
    FIELD_RULES,
    MARITAL_CHOICES,
    FieldResult,
    FieldSpec,
    display_value,
    validate_fields,
)
from station.letters.formats import clean_text
from station.letters.resident import (
    DEFAULT_SUBJECT_ROWS,
    RESIDENT_LABELS,
    SENSITIVE_RESIDENT_KEYS,
    ResidentSnapshot,
)
from station.letters.templating import ENV, OFFICE_KEYS, SURAT_KEYS, template_problems

CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,9}")
KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
# Permendagri 83/2022 classification codes look like 400.12.2.1; legacy ones like 474.1.
CLASSIFICATION_RE = re.compile(r"\d{3}(\.\d{1,3}){0,5}")
PURPOSE_MODES = ("required", "optional", "none")
#: Where a letter type prints by default (docs/letters.md): the receipt printer, or a PDF on
#: F4 (215 x 330 mm, the usual paper of kelurahan letters) or A4 for the office printer.
PAPERS = ("receipt", "f4", "a4")
DEFAULT_PAPER = "receipt"
# May the Service Box issue it at once, store a request for the counter, or not offer it
# (issue "Service Box"; docs/box.md). The lurah may override it in the admin screen.
SELF_SERVICE_MODES = ("issue", "request", "no")
MAX_BOX_PURPOSES = 9  # each one a digit on the box's keypad
MAX_TEXT_LENGTH = 500
MAX_PATTERN_LENGTH = 200
DEFAULT_FAMILY_TITLE = "Anggota keluarga yang menjadi tanggungan :"
KK_FIELD_RULES = frozenset({"anak_dalam_kk", "nama_anak"})  # field rules that read the KK


@dataclass(frozen=True)
class TextBlockSpec:
    """A paragraph of the body: a template rendered with r, f, v, office, surat."""

    source: str
    template: Template = field(compare=False, repr=False)


@dataclass(frozen=True)
class RowsBlockSpec:
    """A numbered ``Label : value`` list of field values (``key``) or resident data
    (``r.key``); empty optional fields are left out."""

    rows: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class FamilyBlockSpec:
    """The KK members other than the applicant (SKTM's dependants table)."""

    title: str = DEFAULT_FAMILY_TITLE


BodySpec = TextBlockSpec | RowsBlockSpec | FamilyBlockSpec


@dataclass(frozen=True)
class EffectSpec:
    kind: str
    date_field: str | None = None


@dataclass(frozen=True)
class LetterType:
    """One kind of letter an office issues (docs/domain.md §4.1)."""

    code: str
    title: str
    classification: str
    name: str = ""
    description: str = ""
    noun: str = "surat keterangan"
    fields: tuple[FieldSpec, ...] = ()
    subject_rows: tuple[str, ...] = DEFAULT_SUBJECT_ROWS
    subject_title: str = ""
    opening: TextBlockSpec | None = None
    body: tuple[BodySpec, ...] = ()
    purpose: str = "required"
    default_purpose: str = ""
    validity_days: int | None = None
    validity_months: int | None = None
    eligibility: tuple[str, ...] = ("active",)
    effects: tuple[EffectSpec, ...] = ()
    holder_signature: bool = False
    active: bool = True
    order: int = 100
    paper: str = DEFAULT_PAPER  # one of PAPERS
    self_service: str = "no"
    box_purposes: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    @property
    def title_case(self) -> str:
        """The name used in sentences and refusals (``Surat Keterangan Domisili``)."""
        return self.name or self.title.title()

    @property
    def lists_family(self) -> bool:
        return any(isinstance(b, FamilyBlockSpec) for b in self.body)

    @property
    def prints_address(self) -> bool:
        """The letter prints the resident's address (a subject row, a listed row or the
        body's ``r.alamat``): issuing it then needs one (eligibility's ``has_address``)."""
        if {"alamat", "alamat_jalan"} & set(self.subject_rows):
            return True
        for block in (self.opening, *self.body):
            if isinstance(block, RowsBlockSpec) and {"r.alamat", "r.alamat_jalan"} & set(
                block.rows
            ):
                return True
            if isinstance(block, TextBlockSpec) and "r.alamat" in block.source:
                return True
        return False

    @property
    def reads_family(self) -> bool:
        """Issuing needs the resident's KK: to list it, to check a child named on it, or to
        see whether its head is still living there."""
        return (
            self.lists_family
            or "kepala_keluarga" in self.eligibility  # a head who died: his spouse acts
            or any(f.rule in KK_FIELD_RULES for f in self.fields)
        )

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)

    def validate(
        self,
        values: Mapping[str, object],
        *,
        today: date,
        resident: ResidentSnapshot | None = None,
        family: Iterable[ResidentSnapshot] | None = None,
    ) -> FieldResult:
        """:func:`validate_fields` for this type (messages name the letter)."""
        return validate_fields(
            self.fields,
            values,
            today=today,
            resident=resident,
            family=family,
            type_label=self.title_case,
        )

    def valid_until(self, issued_on: date) -> date | None:
        """Last day the letter is valid, inclusive; None when it does not expire.

        One month from 17 August is 16 September (docs/domain.md §4.2, OpenSID's default).
        """
        if self.validity_days is not None:
            return date.fromordinal(issued_on.toordinal() + self.validity_days - 1)
        if self.validity_months is not None:
            months = issued_on.month - 1 + self.validity_months
            year, month = issued_on.year + months // 12, months % 12 + 1
            day = issued_on.day
            while True:
                try:
                    end = date(year, month, day)
                    break
                except ValueError:
                    day -= 1
            if end.day == issued_on.day:
                return date.fromordinal(end.toordinal() - 1)
            return end
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary for ``station letter types --json`` and the operator's form."""
        return {
            "code": self.code,
            "title": self.title,
            "name": self.title_case,
            "classification": self.classification,
            "description": self.description,
            "fields": [f.to_dict() for f in self.fields],
            "purpose": self.purpose,
            "default_purpose": self.default_purpose,
            "validity_days": self.validity_days,
            "validity_months": self.validity_months,
            "eligibility": [
                {"rule": r, "description": RULE_DESCRIPTIONS[r]} for r in self.eligibility
            ],
            "effects": [e.kind for e in self.effects],
            "holder_signature": self.holder_signature,
            "active": self.active,
            "paper": self.paper,
            "self_service": self.self_service,
            "box_purposes": list(self.box_purposes),
            "source": self.source,
        }


@dataclass(frozen=True)
class Catalogue:
    """The letter types an office offers, by code, in display order."""

    types: Mapping[str, LetterType]

    def __iter__(self) -> Iterator[LetterType]:
        return iter(self.types.values())

    def __len__(self) -> int:
        return len(self.types)

    def get(self, code: str) -> LetterType | None:
        return self.types.get(code.strip().upper())

    def require(self, code: str) -> LetterType:
        """The active type with this code, or an Indonesian refusal listing the codes."""
        letter_type = self.get(code)
        if letter_type is None:
            known = ", ".join(t.code for t in self.active_types())
            raise LetterError(f"Jenis surat '{code}' tidak dikenal. Jenis yang ada: {known}.")
        if not letter_type.active:
            raise LetterError(f"Jenis surat '{letter_type.code}' sedang tidak aktif.")
        return letter_type

    def active_types(self) -> list[LetterType]:
        return [t for t in self.types.values() if t.active]

    def default_paper(self, code: str) -> str:
        """The paper a letter of this type prints on unless the operator chooses another:
        ``receipt``, ``f4`` or ``a4`` (an unknown code: the receipt). For the counter and
        the self-service box alike."""
        letter_type = self.get(code)
        return letter_type.paper if letter_type is not None else DEFAULT_PAPER


# ------------------------------------------------------------------------------------------
# Parsing one file


class _Problems:
    """Collects every problem of one file, each prefixed with the file name."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        where = f"kunci '{key}' " if key else ""
        self.items.append(f"{self.source}: {where}{message}")


_TOP_KEYS = {
    "code",
    "title",
    "name",
    "classification",
    "description",
    "noun",
    "fields",
    "subject",
    "subject_title",
    "opening",
    "body",
    "purpose",
    "default_purpose",
    "validity_days",
    "validity_months",
    "eligibility",
    "effects",
    "holder_signature",
    "active",
    "order",
    "paper",
    "self_service",
    "box_purposes",
}
_FIELD_KEYS = {
    "public",
    "key",
    "label",
    "kind",
    "required",
    "max_length",
    "pattern",
    "pattern_hint",
    "choices",
    "min",
    "max",
    "past_only",
    "future_only",
    "not_before_birth",
    "upper",
    "prefill",
    "default",
    "help",
    "rule",
}


def _get(
    data: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    problems: _Problems,
    where: str,
    default: Any = None,
) -> Any:
    if key not in data:
        return default
    value = data[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        value = object()  # bool is an int in Python; refuse it where a number is meant
    if not isinstance(value, kinds):
        names = {str: "teks", int: "angka bulat", bool: "true/false", list: "daftar"}
        wanted = " atau ".join(names.get(k, k.__name__) for k in kinds)
        problems.add(where, f"harus berupa {wanted}, bukan {data[key]!r}")
        return default
    return value


def _text(
    data: Mapping[str, Any], key: str, problems: _Problems, where: str, *, required: bool = False
) -> str:
    value = _get(data, key, str, problems, where, "")
    cleaned = clean_text(value)
    if required and not cleaned:
        if key in data:
            problems.add(where, "tidak boleh kosong")
        else:
            problems.add(where, "wajib ada")
    if len(cleaned) > MAX_TEXT_LENGTH:
        problems.add(where, f"paling panjang {MAX_TEXT_LENGTH} karakter")
    return cleaned


def _parse_field(data: Any, index: int, problems: _Problems, seen: set[str]) -> FieldSpec | None:
    where = f"fields[{index}]"
    if not isinstance(data, dict):
        problems.add(where, "harus berupa tabel [[fields]]")
        return None
    for key in sorted(set(data) - _FIELD_KEYS):
        problems.add(
            f"{where}.{key}", f"tidak dikenal (yang boleh: {', '.join(sorted(_FIELD_KEYS))})"
        )
    key = _text(data, "key", problems, f"{where}.key", required=True)
    if key and not KEY_RE.fullmatch(key):
        problems.add(f"{where}.key", f"{key!r} harus huruf kecil, angka atau _ (mulai huruf)")
    elif key in seen:
        problems.add(f"{where}.key", f"{key!r} dipakai dua kali")
    seen.add(key)
    label = _text(data, "label", problems, f"{where}.label", required=True)
    kind = _text(data, "kind", problems, f"{where}.kind") or "text"
    if kind not in FIELD_KINDS:
        problems.add(
            f"{where}.kind", f"{kind!r} tidak dikenal (yang boleh: {', '.join(FIELD_KINDS)})"
        )
        return None
    before = len(problems.items)
    max_length = _get(data, "max_length", int, problems, f"{where}.max_length", 100)
    if not 1 <= max_length <= MAX_TEXT_LENGTH:
        problems.add(f"{where}.max_length", f"harus 1–{MAX_TEXT_LENGTH}")
    pattern = _get(data, "pattern", str, problems, f"{where}.pattern")
    if pattern is not None:
        if kind != "text":
            problems.add(f"{where}.pattern", 'hanya untuk isian kind = "text"')
        elif len(pattern) > MAX_PATTERN_LENGTH:
            problems.add(f"{where}.pattern", f"paling panjang {MAX_PATTERN_LENGTH} karakter")
        else:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.add(f"{where}.pattern", f"ekspresi reguler rusak: {exc}")
    raw_choices = _get(data, "choices", list, problems, f"{where}.choices", [])
    choices: list[str] = []
    for i, choice in enumerate(raw_choices):
        text = clean_text(choice) if isinstance(choice, str) else ""
        if not text:
            problems.add(f"{where}.choices[{i}]", "harus teks yang tidak kosong")
        elif text.casefold() in {c.casefold() for c in choices}:
            problems.add(f"{where}.choices[{i}]", f"{text!r} dipakai dua kali")
        else:
            choices.append(text)
    if kind == "choice" and not raw_choices:
        problems.add(f"{where}.choices", 'wajib ada untuk kind = "choice"')
    if kind != "choice" and raw_choices:
        problems.add(f"{where}.choices", 'hanya untuk kind = "choice"')
    minimum = _get(data, "min", int, problems, f"{where}.min")
    maximum = _get(data, "max", int, problems, f"{where}.max")
    if (minimum is not None or maximum is not None) and kind not in ("number", "money"):
        problems.add(f"{where}.min", 'min/max hanya untuk kind = "number" atau "money"')
    if minimum is not None and maximum is not None and minimum > maximum:
        problems.add(f"{where}.min", "tidak boleh lebih besar dari max")
    flags = {}
    for flag in ("required", "past_only", "future_only", "not_before_birth", "upper", "public"):
        flags[flag] = _get(data, flag, bool, problems, f"{where}.{flag}", flag == "required")
    if flags["public"] and kind in ("nik", "kk"):
        problems.add(f"{where}.public", "nomor NIK/KK tidak pernah tampil di halaman publik")
    for flag in ("past_only", "future_only", "not_before_birth"):
        if flags[flag] and kind != "date":
            problems.add(f"{where}.{flag}", 'hanya untuk kind = "date"')
    if flags["upper"] and kind != "text":
        problems.add(f"{where}.upper", 'hanya untuk kind = "text"')
    prefill = _get(data, "prefill", str, problems, f"{where}.prefill")
    if prefill is not None and prefill not in RESIDENT_LABELS:
        problems.add(
            f"{where}.prefill",
            f"{prefill!r} bukan data penduduk (yang boleh: {', '.join(RESIDENT_LABELS)})",
        )
    default = _get(data, "default", str, problems, f"{where}.default")
    rule = _get(data, "rule", str, problems, f"{where}.rule")
    if rule is not None:
        if rule not in FIELD_RULES:
            problems.add(
                f"{where}.rule",
                f"aturan isian {rule!r} tidak dikenal (yang ada: {', '.join(FIELD_RULES)})",
            )
        elif kind != FIELD_RULE_KINDS[rule]:
            problems.add(f"{where}.rule", f'{rule!r} hanya untuk kind = "{FIELD_RULE_KINDS[rule]}"')
        elif rule == "status_nikah":
            for choice in choices:
                if choice not in MARITAL_CHOICES:
                    problems.add(
                        f"{where}.choices",
                        f"{choice!r} bukan status untuk aturan status_nikah (yang boleh: "
                        f"{', '.join(MARITAL_CHOICES)})",
                    )
    pattern_hint = _text(data, "pattern_hint", problems, f"{where}.pattern_hint")
    help_text = _text(data, "help", problems, f"{where}.help")
    if len(problems.items) > before:
        return None
    spec = FieldSpec(
        key=key,
        label=label,
        kind=kind,
        required=flags["required"],
        max_length=max_length,
        pattern=pattern,
        pattern_hint=pattern_hint,
        choices=tuple(choices),
        minimum=minimum,
        maximum=maximum,
        past_only=flags["past_only"],
        future_only=flags["future_only"],
        not_before_birth=flags["not_before_birth"],
        upper=flags["upper"],
        public=flags["public"],
        prefill=prefill,
        default=default,
        help=help_text,
        rule=rule,
    )
    if default is not None:
        # The default must itself pass, or every letter of this type would be refused.
        check = validate_fields(
            (spec,), {key: default}, today=date(2000, 1, 1) if spec.future_only else date.max
        )
        if not check.ok:
            problems.add(f"{where}.default", f"tidak lolos pemeriksaan: {check.errors[key]}")
    return spec


_SAMPLES = {
    "text": "CONTOH",
    "date": "2026-08-17",
    "time": "09:30",
    "number": "1",
    "money": "1500000",
    "nik": "5371031708900001",
    "kk": "5371030101150003",
}


def _sample_contexts(fields: tuple[FieldSpec, ...]) -> list[dict[str, Any]]:
    """Two trial contexts: every field filled, and optional fields empty."""
    sample_r = {key: f"CONTOH {key.upper()}" for key in RESIDENT_LABELS}
    office = {key: f"CONTOH {key.upper()}" for key in OFFICE_KEYS}
    surat = {key: f"CONTOH {key.upper()}" for key in SURAT_KEYS}
    contexts = []
    for keep_optional in (True, False):
        v = {}
        for spec in fields:
            value = spec.choices[0] if spec.choices else _SAMPLES[spec.kind]
            v[spec.key] = value if keep_optional or spec.required else ""
        f = {s.key: display_value(s, v[s.key]) for s in fields}
        contexts.append({"r": sample_r, "f": f, "v": v, "office": office, "surat": surat})
    return contexts


def _compile(
    source: str,
    where: str,
    problems: _Problems,
    fields: tuple[FieldSpec, ...],
) -> TextBlockSpec | None:
    """Check a template statically, then render it with sample values so a mistake shows
    now, naming the file and key, rather than on a resident's letter."""
    found = template_problems(
        source,
        field_keys=[f.key for f in fields],
        resident_keys=RESIDENT_LABELS,
        sensitive_fields=[f.key for f in fields if f.sensitive],
        sensitive_resident=SENSITIVE_RESIDENT_KEYS,
    )
    for message in found:
        problems.add(where, message)
    if found:
        return None
    template = ENV.from_string(source)
    for context in _sample_contexts(fields):
        try:
            template.render(**context)
        except Exception as exc:  # any failure of an admin's template is reported, not raised
            problems.add(where, f"templat gagal dicoba: {exc}")
            return None
    return TextBlockSpec(source=source, template=template)


def _parse_body(
    data: Any, problems: _Problems, fields: tuple[FieldSpec, ...]
) -> tuple[BodySpec, ...]:
    blocks: list[BodySpec] = []
    if not isinstance(data, list):
        problems.add("body", "harus berupa daftar [[body]]")
        return ()
    keys = [f.key for f in fields]
    for i, item in enumerate(data):
        where = f"body[{i}]"
        if not isinstance(item, dict):
            problems.add(where, "harus berupa tabel [[body]]")
            continue
        kinds = [k for k in ("text", "rows", "family") if k in item]
        unknown = set(item) - {"text", "rows", "family", "title"}
        for key in sorted(unknown):
            problems.add(f"{where}.{key}", "tidak dikenal (yang boleh: text, rows, family, title)")
        if len(kinds) != 1:
            problems.add(where, "harus berisi tepat satu dari: text, rows, family")
            continue
        title = _text(item, "title", problems, f"{where}.title")
        if kinds[0] == "text":
            if title:
                problems.add(f"{where}.title", "hanya untuk rows atau family")
            source = _get(item, "text", str, problems, f"{where}.text", "")
            compiled = _compile(source, f"{where}.text", problems, fields)
            if compiled is not None:
                blocks.append(compiled)
        elif kinds[0] == "rows":
            rows = _get(item, "rows", list, problems, f"{where}.rows", [])
            ok_rows: list[str] = []
            for j, row in enumerate(rows):
                ref = row if isinstance(row, str) else ""
                if (ref.startswith("r.") and ref[2:] in RESIDENT_LABELS) or ref in keys:
                    ok_rows.append(ref)
                else:
                    problems.add(
                        f"{where}.rows[{j}]",
                        f"{row!r} bukan kunci isian surat ini atau data penduduk 'r.…'",
                    )
            if not rows:
                problems.add(f"{where}.rows", "tidak boleh kosong")
            blocks.append(RowsBlockSpec(rows=tuple(ok_rows), title=title))
        else:
            if _get(item, "family", bool, problems, f"{where}.family", False) is not True:
                problems.add(f"{where}.family", "harus true")
            blocks.append(FamilyBlockSpec(title=title or DEFAULT_FAMILY_TITLE))
    return tuple(blocks)


def parse_letter_type(data: Mapping[str, Any], source: str) -> LetterType:
    """Build and check one type from a parsed TOML table; raises :class:`CatalogueError`."""
    problems = _Problems(source)
    for key in sorted(set(data) - _TOP_KEYS):
        problems.add(key, f"tidak dikenal (yang boleh: {', '.join(sorted(_TOP_KEYS))})")
    code = _text(data, "code", problems, "code", required=True)
    if code and not CODE_RE.fullmatch(code):
        problems.add("code", f"{code!r} harus 1–10 huruf besar, angka atau '-' (mis. SKD)")
    title = _text(data, "title", problems, "title", required=True)
    classification = _text(data, "classification", problems, "classification", required=True)
    if classification and not CLASSIFICATION_RE.fullmatch(classification):
        problems.add(
            "classification", f"{classification!r} bukan kode klasifikasi seperti 400.12.2.1"
        )
    raw_fields = _get(data, "fields", list, problems, "fields", [])
    seen: set[str] = set()
    parsed = [_parse_field(item, i, problems, seen) for i, item in enumerate(raw_fields)]
    fields = tuple(f for f in parsed if f is not None)
    rules_used = {f.rule for f in fields if f.rule}
    for i, spec in enumerate(fields):
        partner = FIELD_RULE_PARTNERS.get(spec.rule or "")
        if partner and partner not in rules_used:
            problems.add(
                f"fields[{i}].rule",
                f"{spec.rule!r} membaca isian lain dengan rule = {partner!r}; tambahkan isian itu",
            )
    for rule in sorted(rules_used):
        if sum(f.rule == rule for f in fields) > 1:
            problems.add("fields", f"rule = {rule!r} hanya boleh dipakai satu isian")
    subject = _get(data, "subject", list, problems, "subject", list(DEFAULT_SUBJECT_ROWS))
    for i, key in enumerate(subject):
        if key not in RESIDENT_LABELS:
            problems.add(
                f"subject[{i}]",
                f"{key!r} bukan data penduduk (yang boleh: {', '.join(RESIDENT_LABELS)})",
            )
    opening = None
    if "opening" in data:
        source_text = _get(data, "opening", str, problems, "opening", "")
        opening = _compile(source_text, "opening", problems, fields)
    body = _parse_body(data.get("body", []), problems, fields)
    purpose = _text(data, "purpose", problems, "purpose") or "required"
    if purpose not in PURPOSE_MODES:
        problems.add("purpose", f"harus salah satu dari: {', '.join(PURPOSE_MODES)}")
    validity_days = _get(data, "validity_days", int, problems, "validity_days")
    validity_months = _get(data, "validity_months", int, problems, "validity_months")
    if validity_days is not None and validity_months is not None:
        problems.add("validity_days", "pilih salah satu: validity_days atau validity_months")
    if validity_days is not None and not 1 <= validity_days <= 3660:
        problems.add("validity_days", "harus 1–3660 hari")
    if validity_months is not None and not 1 <= validity_months <= 120:
        problems.add("validity_months", "harus 1–120 bulan")
    eligibility = _get(data, "eligibility", list, problems, "eligibility", ["active"])
    for i, rule in enumerate(eligibility):
        if rule not in RULES:
            problems.add(
                f"eligibility[{i}]",
                f"aturan {rule!r} tidak dikenal (yang ada: {', '.join(RULES)})",
            )
    effects: list[EffectSpec] = []
    for i, item in enumerate(_get(data, "effects", list, problems, "effects", [])):
        where = f"effects[{i}]"
        if not isinstance(item, dict) or item.get("kind") not in EFFECT_KINDS:
            problems.add(
                where, f"harus tabel dengan kind salah satu dari: {', '.join(EFFECT_KINDS)}"
            )
            continue
        date_field = _get(item, "date_field", str, problems, f"{where}.date_field")
        spec = next((f for f in fields if f.key == date_field), None)
        if spec is None or spec.kind != "date":
            problems.add(f"{where}.date_field", "harus kunci isian bertipe date dari surat ini")
        effects.append(EffectSpec(kind=item["kind"], date_field=date_field))
    holder = _get(data, "holder_signature", bool, problems, "holder_signature", False)
    active = _get(data, "active", bool, problems, "active", True)
    order = _get(data, "order", int, problems, "order", 100)
    paper = _text(data, "paper", problems, "paper").lower() or DEFAULT_PAPER
    if paper not in PAPERS:
        problems.add("paper", f"{paper!r} tidak dikenal (yang boleh: {', '.join(PAPERS)})")
    name = _text(data, "name", problems, "name")
    subject_title = _text(data, "subject_title", problems, "subject_title")
    description = _text(data, "description", problems, "description")
    noun = _text(data, "noun", problems, "noun") or "surat keterangan"
    default_purpose = _text(data, "default_purpose", problems, "default_purpose")
    self_service = _text(data, "self_service", problems, "self_service") or "no"
    if self_service not in SELF_SERVICE_MODES:
        problems.add("self_service", f"harus salah satu dari: {', '.join(SELF_SERVICE_MODES)}")
    box_purposes = _get(data, "box_purposes", list, problems, "box_purposes", [])
    if len(box_purposes) > MAX_BOX_PURPOSES:
        problems.add("box_purposes", f"paling banyak {MAX_BOX_PURPOSES} keperluan")
    for i, item in enumerate(box_purposes):
        if not isinstance(item, str) or not clean_text(item):
            problems.add(f"box_purposes[{i}]", "harus teks yang tidak kosong")
    if problems.items:
        raise CatalogueError(problems.items)
    return LetterType(
        code=code,
        title=title.upper(),
        classification=classification,
        name=name,
        description=description,
        noun=noun,
        fields=fields,
        subject_rows=tuple(subject),
        subject_title=subject_title,
        opening=opening,
        body=body,
        purpose=purpose,
        default_purpose=default_purpose,
        validity_days=validity_days,
        validity_months=validity_months,
        eligibility=tuple(eligibility),
        effects=tuple(effects),
        holder_signature=holder,
        active=active,
        order=order,
        paper=paper,
        self_service=self_service,
        box_purposes=tuple(clean_text(p) for p in box_purposes),
        source=source,
    )


def parse_letter_type_text(text: str, source: str) -> LetterType:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError([f"{source}: berkas TOML rusak: {exc}"]) from exc
    return parse_letter_type(data, source)


def load_letter_type(path: Path) -> LetterType:
    """One ``*.toml`` file; raises :class:`CatalogueError` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError([f"{path}: tidak dapat dibaca: {exc}"]) from exc
    return parse_letter_type_text(text, str(path))


def _builtin_files() -> list[tuple[str, str]]:
    folder = resources.files("station.letters") / "builtin"
    found = [
        (f"builtin/{item.name}", item.read_text(encoding="utf-8"))
        for item in folder.iterdir()
        if item.name.endswith(".toml")
    ]
    return sorted(found)


def load_catalogue(
    extra_dirs: Iterable[str | Path] = (), *, include_builtin: bool = True
) -> Catalogue:
    """The built-in types, then each extra folder's ``*.toml`` (e.g. ``$STATION_HOME/letters``).

    A later folder's type replaces an earlier one with the same code (an office rewording a
    built-in letter); two files with one code in the same folder are an error.  A folder
    that does not exist is skipped.  All problems of all files are raised together.
    """
    problems: list[str] = []
    chosen: dict[str, LetterType] = {}

    def take(batch: list[tuple[str, str]]) -> None:
        mine: dict[str, str] = {}
        for source, text in batch:
            try:
                letter_type = parse_letter_type_text(text, source)
            except CatalogueError as exc:
                problems.extend(exc.problems)
                continue
            if letter_type.code in mine:
                first = mine[letter_type.code]
                problems.append(f"{source}: kode '{letter_type.code}' sudah dipakai oleh {first}")
                continue
            mine[letter_type.code] = source
            chosen[letter_type.code] = letter_type

    if include_builtin:
        take(_builtin_files())
    for folder in extra_dirs:
        path = Path(folder)
        if not path.exists():
            continue
        if not path.is_dir():
            problems.append(f"{path}: bukan folder")
            continue
        batch = []
        for file in sorted(path.glob("*.toml")):
            try:
                batch.append((str(file), file.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{file}: tidak dapat dibaca: {exc}")
        take(batch)
    if problems:
        raise CatalogueError(problems)
    ordered = sorted(chosen.values(), key=lambda t: (t.order, t.code))
    return Catalogue({t.code: t for t in ordered})
