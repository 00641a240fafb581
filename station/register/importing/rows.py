"""Checking and typing one row of a resident file before it reaches the register.

Pure: no database, no file.  Every row comes out either as a :class:`ValidRow` (typed values
ready to store, plus Indonesian warnings) or a :class:`RejectedRow` (row number as the office
sees it in the file, the NIK as found, and an Indonesian reason naming the column).  The same
rules check a resident registered at the desk (``station.register.registration``).

Speed matters (a city imports millions of rows), so the per-row path avoids regular expressions
(but one search of the whole row for forbidden control characters), caches parsed dates and
coded values, and checks a NIK against the row's birth date and sex with a string comparison;
:func:`station.register.nik.parse_nik` is called only when that quick check does not pass, so every
error and mismatch message still comes from the NIK parser.

Hostile files are expected (docs/security.md): cells over ``MAX_FIELD_CHARS`` and control or
bidi characters are refused with a message naming the column; nothing is ever evaluated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from station.register import codes
from station.register.importing.schema import FIELD_LABELS
from station.register.nik import parse_nik
from station.register.regions import PROVINCES

MAX_FIELD_CHARS = 500
# Characters no register cell may hold: C0 controls but tab and line breaks (which the cleaning
# turns into spaces), DEL, C1 controls, and the bidi overrides/isolates that make text display
# in another order than it is stored (a name that reads differently on screen and in the
# database).  NUL also breaks PostgreSQL, and it is how a UTF-16 file read as UTF-8 looks.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# --------------------------------------------------------------------------------------------
# Results.


@dataclass(slots=True)
class ValidRow:
    """A row ready to store; ``values`` has only the file's columns (new residents get defaults)."""

    row_number: int
    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RejectedRow:
    """A row that is not imported; ``reason`` is Indonesian and names the column(s)."""

    row_number: int
    nik: str
    reason: str


# --------------------------------------------------------------------------------------------
# Cleaning helpers.

# Characters that disappear from a NIK / No. KK: control characters, spaces of every kind,
# zero-width characters, BOM, soft hyphen, the separators people type (". -") and Excel's
# text-marking apostrophe.
_ID_DROP = (
    "".join(map(chr, range(0x20)))
    + "\x7f"
    + " .-'`’‘\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u200c\u200d\u200e\u200f\u2060\u202f\u205f\u3000\ufeff\u00ad"
    "\u2010\u2011\u2012\u2013\u2014\u2212"
)
_ID_TABLE = str.maketrans("", "", _ID_DROP)
_ID_STRIP_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Pd"})


def _clean_id(text: str) -> str:
    cleaned = text.translate(_ID_TABLE)
    if cleaned.isascii():
        return cleaned
    return "".join(ch for ch in cleaned if unicodedata.category(ch) not in _ID_STRIP_CATEGORIES)


def _looks_like_excel_number(text: str) -> bool:
    upper = text.upper()
    return "E+" in upper or "E15" in upper


# Dates: text -> date or None, cached (a register has ~40,000 distinct birth dates).
_DATE_CACHE: dict[str, date | None] = {}
_DATE_CACHE_LIMIT = 200_000
_DATE_SEPARATORS = "-/."
_DATE_FORMATS = "DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY atau YYYY-MM-DD"


def _digits(*parts: str) -> bool:
    return all(p and p.isdigit() and p.isascii() for p in parts)


def _parse_date_text(text: str) -> date | None:
    t = text.strip()
    if " " in t or "T" in t:
        t = t.replace("T", " ").split()[0]  # "1990-08-17 00:00:00" from a database export
    sep = next((c for c in _DATE_SEPARATORS if c in t), None)
    if sep is None:
        return None
    parts = t.split(sep)
    if len(parts) != 3 or not _digits(*parts):
        return None
    a, b, c = parts
    if len(a) == 4 and len(b) <= 2 and len(c) <= 2:
        y, m, d = a, b, c
    elif len(c) == 4 and len(a) <= 2 and len(b) <= 2:
        d, m, y = a, b, c
    else:
        return None
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _parse_date(text: str) -> date | None:
    try:
        return _DATE_CACHE[text]
    except KeyError:
        pass
    result = _parse_date_text(text)
    if len(_DATE_CACHE) < _DATE_CACHE_LIMIT:
        _DATE_CACHE[text] = result
    return result


# date -> the six NIK digits DDMMYY for a man and for a woman (day + 40).
_NIK_DATE_CACHE: dict[date, tuple[str, str]] = {}


def _nik_date_digits(d: date) -> tuple[str, str]:
    found = _NIK_DATE_CACHE.get(d)
    if found is None:
        tail = f"{d.month:02d}{d.year % 100:02d}"
        found = (f"{d.day:02d}{tail}", f"{d.day + 40:02d}{tail}")
        if len(_NIK_DATE_CACHE) < _DATE_CACHE_LIMIT:
            _NIK_DATE_CACHE[d] = found
    return found


# KK digits 7-12 are the recording date DDMMYY (no +40 rule).
_KK_DATE_CACHE: dict[str, bool] = {}


def _kk_date_ok(ddmmyy: str) -> bool:
    found = _KK_DATE_CACHE.get(ddmmyy)
    if found is None:
        dd, mm, yy = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
        found = False
        for century in (2000, 1900):
            try:
                date(century + yy, mm, dd)
            except ValueError:
                continue
            found = True
            break
        _KK_DATE_CACHE[ddmmyy] = found
    return found


_EKTP_VALUES: dict[str, bool] = {}
for _words, _flag in (
    (
        (
            "Y YA YES 1 TRUE BENAR SUDAH REKAM SUDAH_REKAM KTP-EL KTPEL E-KTP EKTP ADA "
            "SUDAH_PEREKAMAN CARD_PRINTED PRINT_READY_RECORD CARD_SHIPPED "
            "SENT_FOR_CARD_PRINTING CARD_ISSUED"
        ),
        True,
    ),
    (
        "T N TIDAK NO 0 FALSE SALAH BELUM BELUM_REKAM BELUM_WAJIB BELUM_PEREKAMAN KIA TIDAK_ADA",
        False,
    ),
):
    for _word in _words.split():
        _EKTP_VALUES[_word.replace("_", "").replace("-", "")] = _flag


def _parse_ektp(text: str) -> bool | None:
    return _EKTP_VALUES.get(codes.match_key(text))


def _rt_rw(text: str) -> str | None:
    """'1' -> '001'; None if not 1-3 digits (a leading 'RT'/'RW' label is tolerated)."""
    t = text.strip()
    if t.isdigit() and t.isascii() and len(t) <= 3:
        return t.zfill(3)
    t = t.upper().removeprefix("RT").removeprefix("RW").strip(" .:")
    if t.endswith(".0"):
        t = t[:-2]
    if t.isdigit() and t.isascii() and len(t) <= 3:
        return t.zfill(3)
    return None


# Coded columns: (field, cache raw text -> stored value, normaliser, value for an empty cell).
_CODE_CACHE_LIMIT = 4096
_CODED_SPECS: tuple[tuple[str, dict[str, str], Callable[[str], str], str], ...] = tuple(
    (key, {"": empty}, codes.normalizer(key), empty)
    for key, empty in (
        ("blood_type", "TIDAK TAHU"),
        ("religion", ""),
        ("marital_status", ""),
        ("occupation", ""),
        ("nationality", "WNI"),
        ("education", ""),
        ("family_relationship", ""),
        ("status", "active"),
    )
)
_SEX_CACHE: dict[str, str] = {}
_NORMALIZE_SEX = codes.normalizer("sex")
# Free-text columns: (field, Resident column width, upper-case?).
_TEXT_SPECS = (
    ("birth_place", 100, False),
    ("address", 200, False),
    ("kelurahan", 100, False),
    ("kecamatan", 100, False),
    ("father_name", 150, True),
    ("mother_name", 150, True),
)
_NIK_WARNING_CODES = frozenset({"birth_date_mismatch", "sex_mismatch"})
_PROVINCE_CODES = frozenset(PROVINCES)
_MIN_BIRTH_YEAR = 1900
_RT_CACHE: dict[str, str | None] = {}
_EKTP_CACHE: dict[str, bool | None] = {}


def _nik_for_report(text: str) -> str:
    cleaned = _clean_id(text)
    return cleaned if len(cleaned) <= 32 else cleaned[:32] + "…"


def _check_nik_slow(
    nik: str, today: date, birth_date: date | None, sex: str | None
) -> tuple[list[str], list[str]]:
    """Errors and (mismatch) warnings for a NIK, straight from the NIK parser."""
    try:
        info = parse_nik(nik, today=today, known_birth_date=birth_date, known_sex=sex)
    except Exception:  # parse_nik promises not to raise; a row must never crash the import
        return ["NIK tidak dapat diperiksa"], []
    errors = [f"NIK: {issue.message}" for issue in info.errors]
    warnings = [
        f"NIK: {issue.message}" for issue in info.warnings if issue.code in _NIK_WARNING_CODES
    ]
    return errors, warnings


def _id_problem(text: str, label: str) -> tuple[str, str | None]:
    """Slow path for a NIK / No. KK cell that is not plain 16 digits: (cleaned, error)."""
    cleaned = _clean_id(text)
    if not cleaned:
        return cleaned, f"kolom {label} kosong"
    if _looks_like_excel_number(cleaned):
        return cleaned, (
            f"{label} rusak oleh Excel (angka > 15 digit): format kolom {label} sebagai Teks "
            f"lalu ketik ulang {label} dari KK"
        )
    return cleaned, None


def _kk_problems(kk: str, errors: list[str], warnings: list[str]) -> bool:
    if not (len(kk) == 16 and kk.isdigit() and kk.isascii()):
        errors.append(f"No. KK harus 16 digit angka (tertulis '{kk[:40]}')")
        return False
    if kk[:2] not in _PROVINCE_CODES:
        errors.append(f"No. KK: kode provinsi {kk[:2]} tidak dikenal")
        return False
    if not _kk_date_ok(kk[6:12]):
        warnings.append(f"No. KK: digit 7–12 ({kk[6:12]}) bukan tanggal DDMMYY yang sah")
    if kk[12:] == "0000":
        warnings.append("No. KK: nomor urut 0000 tidak lazim (mulai dari 0001)")
    return True


def _date_problem(text: str, label: str, parsed: date | None, today: date) -> str | None:
    if parsed is None:
        return (
            f"kolom {label} '{text.strip()[:40]}' bukan tanggal yang sah (format {_DATE_FORMATS})"
        )
    if parsed > today:
        return f"{label} {parsed:%d-%m-%Y} ada di masa depan"
    return None


def validate_row(row_number: int, raw: dict[str, str], *, today: date) -> ValidRow | RejectedRow:
    """Check and type one row (keys are canonical fields, values the cell text); never raises.

    Written for speed (it runs once per row of million-row files): caches and inlined checks.
    """
    errors: list[str] = []
    warnings: list[str] = []
    values: dict[str, Any] = {}
    get = raw.get
    text: str | None  # one name for the cell being read, row after row below

    if raw and max(map(len, raw.values())) > MAX_FIELD_CHARS:
        for key, text in raw.items():
            if len(text) > MAX_FIELD_CHARS:
                errors.append(
                    f"kolom {FIELD_LABELS.get(key, key)} terlalu panjang "
                    f"(lebih dari {MAX_FIELD_CHARS} karakter)"
                )
        return RejectedRow(row_number, _nik_for_report(get("nik") or ""), "; ".join(errors))
    if raw and _FORBIDDEN.search("".join(raw.values())):
        for key, text in raw.items():
            if _FORBIDDEN.search(text):
                errors.append(
                    f"kolom {FIELD_LABELS.get(key, key)} memuat karakter kontrol atau pembalik "
                    "arah teks (mis. NUL, ESC, U+202E); periksa pengodean berkas"
                )
        return RejectedRow(row_number, _nik_for_report(get("nik") or ""), "; ".join(errors))

    # NIK and No. KK: shape first; the NIK itself is checked once birth date and sex are known.
    nik = get("nik") or ""
    nik_ok = True
    if not (len(nik) == 16 and nik.isdigit() and nik.isascii()):
        nik, problem = _id_problem(nik, "NIK")
        if problem is not None:
            errors.append(problem)
            nik_ok = False

    kk = get("kk_number") or ""
    if len(kk) == 16 and kk.isdigit() and kk.isascii() and kk[:2] in _PROVINCE_CODES:
        values["kk_number"] = kk
        ok = _KK_DATE_CACHE.get(kk[6:12])
        if ok is None:
            ok = _kk_date_ok(kk[6:12])
        if not ok or kk[12:] == "0000":
            _kk_problems(kk, errors, warnings)
    else:
        kk, problem = _id_problem(kk, "No. KK")
        if problem is not None:
            errors.append(problem)
        elif _kk_problems(kk, errors, warnings):
            values["kk_number"] = kk

    name = " ".join((get("name") or "").split()).upper()
    if not name:
        errors.append("kolom Nama kosong")
    elif len(name) > 150:
        errors.append("kolom Nama terlalu panjang (maks 150 karakter)")
    else:
        values["name"] = name

    birth_date: date | None = None
    text = get("birth_date") or ""
    parsed = _DATE_CACHE.get(text)
    if parsed is not None and parsed <= today and parsed.year >= _MIN_BIRTH_YEAR:
        birth_date = values["birth_date"] = parsed
    elif not text.strip():
        errors.append("kolom Tanggal Lahir kosong")
    else:
        parsed = _parse_date(text)
        problem = _date_problem(text, "Tanggal Lahir", parsed, today)
        if problem is not None:
            errors.append(problem)
        elif parsed is not None and parsed.year < _MIN_BIRTH_YEAR:
            errors.append(f"Tanggal Lahir {parsed:%d-%m-%Y} tidak masuk akal (sebelum 1900)")
        else:
            birth_date = values["birth_date"] = parsed

    text = get("sex") or ""
    sex = _SEX_CACHE.get(text)
    if sex is None:
        try:
            sex = _NORMALIZE_SEX(text)
        except codes.CodeError as exc:
            errors.append(exc.message)
        else:
            if len(_SEX_CACHE) < _CODE_CACHE_LIMIT:
                _SEX_CACHE[text] = sex
    if sex is not None:
        values["sex"] = sex

    # NIK: the quick check accepts exactly the NIKs that parse_nik finds valid and that agree
    # with the row's birth date and sex; every other NIK goes through parse_nik.
    if nik_ok:
        if (
            birth_date is not None
            and sex is not None
            and len(nik) == 16
            and nik.isdigit()
            and nik.isascii()
            and birth_date.year < 2100
            and nik[:2] in _PROVINCE_CODES
            and nik[12:] != "0000"
            and nik[6:12]
            == (_NIK_DATE_CACHE.get(birth_date) or _nik_date_digits(birth_date))[
                0 if sex == "L" else 1
            ]
        ):
            values["nik"] = nik
        else:
            nik_errors, nik_warnings = _check_nik_slow(nik, today, birth_date, sex)
            if nik_errors:
                errors.extend(nik_errors)
            else:
                values["nik"] = nik
                warnings.extend(nik_warnings)

    # Optional columns: present in the file -> present in values (empty cell -> empty value).
    for key, cache, normalize, empty in _CODED_SPECS:
        text = get(key)
        if text is None:
            continue
        found = cache.get(text)
        if found is None:
            if codes.blank_like(text):  # "", "  ", "-", "." ...: an empty cell
                found = empty
            else:
                try:
                    found = normalize(text)
                except codes.CodeError as exc:
                    errors.append(exc.message)
                    continue
                if len(cache) < _CODE_CACHE_LIMIT:
                    cache[text] = found
        values[key] = found

    for key, limit, upper in _TEXT_SPECS:
        text = get(key)
        if text is not None:
            text = " ".join(text.split())
            if upper:
                text = text.upper()
            if len(text) > limit:
                errors.append(f"kolom {FIELD_LABELS[key]} terlalu panjang (maks {limit} karakter)")
            values[key] = text

    for key in ("rt", "rw"):
        text = get(key)
        if text is None:
            continue
        number = _RT_CACHE.get(text)
        if number is None:
            if codes.blank_like(text):
                values[key] = ""
                continue
            number = _rt_rw(text)
            if number is None or number == "000":
                errors.append(
                    f"kolom {FIELD_LABELS[key]} harus angka 1–999 (tertulis '{text.strip()[:40]}')"
                )
                continue
            if len(_RT_CACHE) < _CODE_CACHE_LIMIT:
                _RT_CACHE[text] = number
        values[key] = number

    text = get("ektp_recorded")
    if text is not None:
        flag = _EKTP_CACHE.get(text)
        if flag is None:
            flag = False if codes.blank_like(text) else _parse_ektp(text)
            if flag is None:
                errors.append(
                    f"nilai e-KTP '{text.strip()[:40]}' tidak dikenal "
                    "(pakai Y/T, YA/TIDAK, SUDAH/BELUM, 1/0)"
                )
            elif len(_EKTP_CACHE) < _CODE_CACHE_LIMIT:
                _EKTP_CACHE[text] = flag
        if flag is not None:
            values["ektp_recorded"] = flag

    text = get("ektp_recorded_on")
    if text is not None:
        if not text or text.isspace():
            values["ektp_recorded_on"] = None
        else:
            parsed = _parse_date(text)
            problem = _date_problem(text, "Tanggal Perekaman e-KTP", parsed, today)
            if problem is not None:
                errors.append(problem)
            else:
                values["ektp_recorded_on"] = parsed
                if "ektp_recorded" not in raw:
                    values["ektp_recorded"] = True
                elif values.get("ektp_recorded") is False:
                    warnings.append(
                        "Tanggal Perekaman e-KTP diisi padahal status e-KTP belum rekam"
                    )

    if errors:
        return RejectedRow(row_number, nik, "; ".join(errors))
    # Only the file's columns: an update must never reset a column the file does not carry
    # (a resident recorded as deceased stays so when a later file has no status column).
    return ValidRow(row_number, values, warnings)
