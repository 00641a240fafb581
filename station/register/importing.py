"""Reading and validating a resident file (CSV or XLSX) before it reaches the register.

Pure: no database.  ``residents.py`` feeds :func:`iter_validated` (or :class:`ImportReader`) into
its upsert-by-NIK; every row comes out either as a :class:`ValidRow` (typed values ready to
store, plus Indonesian warnings) or a :class:`RejectedRow` (row number as the office sees it in
the file, the NIK as found, and an Indonesian reason naming the column).  Problems with the file
as a whole raise :class:`ImportFormatError`.

Speed matters (a city imports millions of rows), so the per-row path avoids regular expressions
(but one search of the whole row for forbidden control characters), caches parsed dates and
coded values, and checks a NIK against the row's birth date and sex with a string comparison;
:func:`station.register.nik.parse_nik` is called only when that quick check does not pass, so every
error and mismatch message still comes from the NIK parser.

Hostile files are expected (docs/security.md): cells over ``MAX_FIELD_CHARS``, control and
bidi characters, and mixed encodings are refused with a message; nothing is ever evaluated.

The file format is described for office staff in ``docs/import-format.md``.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from operator import itemgetter
from pathlib import Path
from typing import Any

from station.register import codes
from station.register.nik import parse_nik
from station.register.regions import PROVINCES
from station.store.errors import StationError

__all__ = [
    "CANONICAL_FIELDS",
    "FIELD_LABELS",
    "MAX_FIELD_CHARS",
    "REQUIRED",
    "ImportFormatError",
    "ImportReader",
    "RejectedRow",
    "ValidRow",
    "count_data_rows",
    "header_aliases",
    "iter_rows",
    "iter_validated",
    "validate_row",
]

CANONICAL_FIELDS = (
    "nik",
    "kk_number",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "blood_type",
    "address",
    "rt",
    "rw",
    "kelurahan",
    "kecamatan",
    "religion",
    "marital_status",
    "occupation",
    "nationality",
    "education",
    "family_relationship",
    "father_name",
    "mother_name",
    "ektp_recorded",
    "ektp_recorded_on",
    "status",
)
REQUIRED = ("nik", "kk_number", "name", "birth_date", "sex")

# Indonesian column names used in every message.
FIELD_LABELS = {
    "nik": "NIK",
    "kk_number": "No. KK",
    "name": "Nama",
    "birth_place": "Tempat Lahir",
    "birth_date": "Tanggal Lahir",
    "sex": "Jenis Kelamin",
    "blood_type": "Golongan Darah",
    "address": "Alamat",
    "rt": "RT",
    "rw": "RW",
    "kelurahan": "Kelurahan/Desa",
    "kecamatan": "Kecamatan",
    "religion": "Agama",
    "marital_status": "Status Perkawinan",
    "occupation": "Pekerjaan",
    "nationality": "Kewarganegaraan",
    "education": "Pendidikan",
    "family_relationship": "SHDK",
    "father_name": "Nama Ayah",
    "mother_name": "Nama Ibu",
    "ektp_recorded": "e-KTP",
    "ektp_recorded_on": "Tanggal Perekaman e-KTP",
    "status": "Status Dasar",
}

MAX_FIELD_CHARS = 500
MAX_HEADER_CHARS = 1 << 20  # a header line longer than this is not a register's header
_MAX_LISTED_COLUMNS = 20  # unknown/duplicate column names named in the report
# Characters no register cell may hold: C0 controls but tab and line breaks (which the cleaning
# turns into spaces), DEL, C1 controls, and the bidi overrides/isolates that make text display
# in another order than it is stored (a name that reads differently on screen and in the
# database).  NUL also breaks PostgreSQL, and it is how a UTF-16 file read as UTF-8 looks.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# --------------------------------------------------------------------------------------------
# Header aliases.  Keys are compared after _norm_header (lower case, letters and digits only),
# so "No. KK", "NO_KK", "no kk" and "Nomor KK" all match.

_ALIASES: dict[str, tuple[str, ...]] = {
    "nik": ("NIK", "Nomor NIK", "No NIK", "Nomor Induk Kependudukan", "nomor_nik"),
    "kk_number": (
        "No KK",
        "NO_KK",
        "Nomor KK",
        "No. Kartu Keluarga",
        "Nomor Kartu Keluarga",
        "NKK",
        "KK",
        "nomor_kk",
    ),
    "name": ("Nama", "Nama Lengkap", "Nama Penduduk"),
    "birth_place": ("Tempat Lahir", "Tmp Lahir", "Tmpt Lahir", "tempatlahir", "tempat_lahir"),
    "birth_date": ("Tanggal Lahir", "Tgl Lahir", "Tgl. Lahir", "tanggallahir", "tanggal_lahir"),
    "sex": ("Jenis Kelamin", "JK", "L/P", "Kelamin", "jenis_kelamin"),
    "blood_type": ("Golongan Darah", "Gol Darah", "Gol. Darah", "golongan_darah_id", "gol_darah"),
    "address": ("Alamat", "Alamat Lengkap", "Jalan"),
    "rt": ("RT",),
    "rw": ("RW",),
    "kelurahan": ("Kelurahan", "Desa", "Kelurahan/Desa", "Kel/Desa", "Desa/Kelurahan"),
    "kecamatan": ("Kecamatan", "Kec"),
    "religion": ("Agama", "agama_id"),
    "marital_status": (
        "Status Perkawinan",
        "Status Kawin",
        "Perkawinan",
        "Kawin",
        "status_kawin",
        "status_kawin_id",
    ),
    "occupation": ("Pekerjaan", "Jenis Pekerjaan", "pekerjaan_id"),
    "nationality": (
        "Kewarganegaraan",
        "Warga Negara",
        "warganegara_id",
        "warga_negara_id",
    ),
    "education": (
        "Pendidikan",
        "Pendidikan dalam KK",
        "Pendidikan (dlm KK)",
        "Pendidikan KK",
        "Pendidikan Terakhir",
        "pendidikan_kk_id",
        "pendidikan_dlm_kk",
    ),
    "family_relationship": (
        "SHDK",
        "Hubungan Keluarga",
        "Hub. Keluarga",
        "Hubungan dalam Keluarga",
        "Status Hubungan Dalam Keluarga",
        "Status Hubungan",
        "kk_level",
    ),
    "father_name": ("Nama Ayah", "Nama Ayah Kandung", "nama_ayah"),
    "mother_name": ("Nama Ibu", "Nama Ibu Kandung", "nama_ibu"),
    "ektp_recorded": (
        "e-KTP",
        "KTP-el",
        "ktp_el",
        "Status Perekaman",
        "Status Rekam",
        "status_rekam",
        "Perekaman e-KTP",
        "Sudah Rekam",
        "Wajib KTP Sudah Rekam",
    ),
    "ektp_recorded_on": (
        "Tanggal Perekaman",
        "Tgl Perekaman",
        "Tanggal Rekam",
        "Tgl Rekam",
        "Tanggal Perekaman e-KTP",
    ),
    "status": ("Status Dasar", "status_dasar", "Status Penduduk Dasar"),
}

# OpenSID numbers in its two e-KTP columns (app/Enums/StatusRekamEnum, StatusKTPEnum) are not
# yes/no flags: they are turned into their labels while reading, so "1" in ``ktp_el`` means BELUM.
_VALUE_TRANSLATIONS: dict[str, dict[str, str]] = {
    "ktpel": {"1": "BELUM", "2": "KTP-EL", "3": "KIA"},
    "statusrekam": {
        "1": "BELUM WAJIB",
        "2": "BELUM REKAM",
        "3": "SUDAH REKAM",
        "4": "CARD PRINTED",
        "5": "PRINT READY RECORD",
        "6": "CARD SHIPPED",
        "7": "SENT FOR CARD PRINTING",
        "8": "CARD ISSUED",
    },
}
# A combined "RT/RW" column ("001/002") is split into rt and rw.
_RTRW_HEADERS = frozenset({"rtrw"})
_RTRW = "_rtrw"


def _norm_header(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_HEADER_MAP: dict[str, str] = {}
for _field in CANONICAL_FIELDS:
    _HEADER_MAP[_norm_header(_field)] = _field
for _field, _names in _ALIASES.items():
    for _name in _names:
        _HEADER_MAP.setdefault(_norm_header(_name), _field)


def header_aliases() -> dict[str, str]:
    """Normalised header (lower case, letters and digits only) -> canonical field.

    A combined ``RT/RW`` column is recognised in addition (split into ``rt`` and ``rw``).
    """
    return dict(_HEADER_MAP)


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


class ImportFormatError(StationError):
    """The file as a whole cannot be imported; the message is Indonesian and names the file."""


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


# --------------------------------------------------------------------------------------------
# Reading files.


# A UTF-8 multi-byte sequence: in a file that is not valid UTF-8 as a whole, it means the file
# mixes UTF-8 with a one-byte encoding (rows pasted from two sources), and no single reading
# would give every name right.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the text is ASCII-heavy UTF-16 with no BOM (every other byte
    is NUL); read as UTF-8, such a file would give cells full of NULs."""
    pairs = len(head) // 2
    if pairs < 4 or b"\x00" not in head:
        return None
    odd = head[1 : pairs * 2 : 2].count(0)
    even = head[0 : pairs * 2 : 2].count(0)
    if odd >= pairs * 0.6 and even <= pairs * 0.1:
        return "utf-16-le"
    if even >= pairs * 0.6 and odd <= pairs * 0.1:
        return "utf-16-be"
    return None


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode Text" export
    utf16 = _utf16_without_bom(head)
    if utf16 is not None:
        return utf16
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if encoding == "utf-8" and _has_utf8_sequence(path):
                raise ImportFormatError(
                    f"Berkas {path.name} mencampur pengodean UTF-8 dengan pengodean lain "
                    "(mis. Windows-1252), sehingga sebagian nama akan rusak. Buka di "
                    "Excel/LibreOffice lalu simpan ulang sebagai CSV UTF-8."
                ) from None
            continue
        return encoding
    return "latin-1"


def _has_utf8_sequence(path: Path) -> bool:
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if _UTF8_SEQUENCE.search(chunk):
                return True
    return False


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_EXCEL_DIGITS = 15
_EXACT_FLOAT_LIMIT = 2**53


def _number_text(value: int | float, is_id: bool) -> str:
    """Text of a numeric cell.  For NIK/No. KK, a value Excel may have cut is flagged."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        if not value.is_integer():
            return repr(value)
        digits = str(int(value))
        inexact = abs(value) >= _EXACT_FLOAT_LIMIT
    else:
        digits = str(value)
        inexact = False
    if is_id and len(digits) > _EXCEL_DIGITS and (inexact or not digits[_EXCEL_DIGITS:].strip("0")):
        # Excel keeps 15 significant digits: the 16th came back as 0 and cannot be trusted.
        return f"{float(value):.{_EXCEL_DIGITS - 1}E}"
    return digits


def _cell_text(value: Any, is_id: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, int | float):
        return _number_text(value, is_id)
    return str(value)


def _listing(names: tuple[str, ...]) -> str:
    """Column names for a note, at most a screenful (a file may have thousands of columns)."""
    shown = [name if len(name) <= 60 else name[:60] + "…" for name in names[:_MAX_LISTED_COLUMNS]]
    text = ", ".join(shown)
    if len(names) > _MAX_LISTED_COLUMNS:
        text += f" (dan {len(names) - _MAX_LISTED_COLUMNS} kolom lain)"
    return text


class ImportReader:
    """One CSV/XLSX file: the header is read (and checked) on construction, rows on iteration.

    Iterating yields ``(row_number, raw)`` where ``row_number`` is the row as the office sees it
    (header = row 1 in a normal file) and ``raw`` maps canonical field -> cell text for the
    columns the file has.  Blank rows are skipped.  After construction:

    - ``columns``: canonical fields found, in file order;
    - ``unknown_columns``: header texts that were not recognised (ignored);
    - ``notes()``: Indonesian notes for the import report (unknown and duplicate columns).

    Use as a context manager or call :meth:`close` (an XLSX file stays open while reading).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.kind = self.path.suffix.lower()
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.header_row = 0
        self._skip_lines = 0
        self._workbook: Any = None
        if self.kind == ".csv":
            header = self._open_csv()
        elif self.kind == ".xlsx":
            header = self._open_xlsx()
        else:
            raise ImportFormatError(
                f"Berkas {self.path.name}: jenis berkas '{self.path.suffix or '(tanpa ekstensi)'}'"
                " tidak didukung; pakai .csv atau .xlsx"
            )
        try:
            self._map_header(header)
        except ImportFormatError:
            self.close()
            raise

    # -- header ---------------------------------------------------------------------------

    def _map_header(self, header: list[str]) -> None:
        indices: list[int] = []
        fields: list[str] = []
        unknown: list[str] = []
        duplicates: list[str] = []
        translations: list[tuple[str, dict[str, str]]] = []
        seen: set[str] = set()
        for index, text in enumerate(header):
            label = " ".join(text.split())
            norm = _norm_header(label)
            if not norm:
                continue
            target = _RTRW if norm in _RTRW_HEADERS else _HEADER_MAP.get(norm, "")
            if not target:
                unknown.append(label)
                continue
            if target in seen:
                duplicates.append(label)
                # The later column only fills cells the earlier one left empty.
            seen.add(target)
            indices.append(index)
            fields.append(target)
            table = _VALUE_TRANSLATIONS.get(norm)
            if table is not None:
                translations.append((target, table))
        if "nik" not in seen:
            raise ImportFormatError(
                f"Berkas {self.path.name}: tidak ada kolom NIK pada baris judul "
                f"(baris {self.header_row})"
            )
        present = set(seen)
        if _RTRW in present:
            present |= {"rt", "rw"}
        missing = [FIELD_LABELS[f] for f in REQUIRED if f not in present]
        if missing:
            raise ImportFormatError(
                f"Berkas {self.path.name}: kolom wajib tidak ada: {', '.join(missing)}"
            )
        self._indices = indices
        self._fields = fields
        self._width = max(indices) + 1
        self._getter: Callable[[Any], Any] = (
            itemgetter(*indices) if len(indices) > 1 else (lambda row, i=indices[0]: (row[i],))
        )
        self._has_duplicates = bool(duplicates)
        self._identity = indices == list(range(len(indices)))
        self._translations = translations
        self._has_rtrw = _RTRW in fields
        self._id_positions = frozenset(
            i for i, f in zip(indices, fields, strict=True) if f in ("nik", "kk_number")
        )
        self._nik_position = indices[fields.index("nik")]
        self.columns = tuple(dict.fromkeys(f for f in fields if f != _RTRW))
        if _RTRW in fields:
            self.columns = tuple(dict.fromkeys((*self.columns, "rt", "rw")))
        self.unknown_columns = tuple(unknown)
        self.duplicate_columns = tuple(duplicates)

    def notes(self) -> list[str]:
        """Indonesian notes about the header, for the import report."""
        notes = []
        if self.unknown_columns:
            notes.append("Kolom tidak dikenal diabaikan: " + _listing(self.unknown_columns))
        if self.duplicate_columns:
            notes.append(
                "Kolom ganda (hanya mengisi sel yang kosong di kolom pertama): "
                + _listing(self.duplicate_columns)
            )
        return notes

    # -- CSV ------------------------------------------------------------------------------

    def _open_csv(self) -> list[str]:
        try:
            self.encoding = _detect_encoding(self.path)
            with self.path.open(encoding=self.encoding, newline="") as fh:
                line = fh.readline(MAX_HEADER_CHARS)
                skip = 0
                hidden = 0
                stripped = line.strip()
                if stripped.lower().startswith("sep=") and len(stripped) == 5:
                    self.delimiter = stripped[4]  # Excel's "sep=;" line, hidden by Excel
                    skip = hidden = 1
                    line = fh.readline(MAX_HEADER_CHARS)
                while line and not line.strip() and skip < MAX_HEADER_CHARS:
                    skip += 1
                    line = fh.readline(MAX_HEADER_CHARS)
        except OSError as exc:
            raise ImportFormatError(
                f"Berkas {self.path.name} tidak dapat dibaca: {exc.strerror or exc}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                f"Berkas {self.path.name}: pengodean teks tidak dikenali ({exc.reason})"
            ) from exc
        if not line or not line.strip():
            raise ImportFormatError(f"Berkas {self.path.name} kosong: tidak ada baris judul")
        if len(line) >= MAX_HEADER_CHARS and not line.endswith(("\n", "\r")):
            raise ImportFormatError(
                f"Berkas {self.path.name}: baris judul lebih dari {MAX_HEADER_CHARS:,} karakter "
                "(bukan berkas daftar penduduk, atau baris barunya hilang)"
            )
        if self.delimiter is None:
            self.delimiter = _sniff_delimiter(line)
        if csv.field_size_limit() < (1 << 24):
            csv.field_size_limit(1 << 24)  # huge cells are rejected per row, not per file
        self._skip_lines = skip
        self.header_row = skip + 1 - hidden
        return next(csv.reader([line], delimiter=self.delimiter), [])

    def _iter_csv(self) -> Iterator[tuple[int, dict[str, str]]]:
        with self.path.open(encoding=self.encoding, newline="") as fh:
            for _ in range(self._skip_lines):
                fh.readline()
            reader = csv.reader(fh, delimiter=self.delimiter or ",")
            row_dict = self._row_dict
            try:
                next(reader, None)  # the header
                for number, row in enumerate(reader, start=self.header_row + 1):
                    if not any(row):
                        continue
                    raw = row_dict(row)
                    if raw is not None:
                        yield number, raw
            except csv.Error as exc:
                raise ImportFormatError(
                    f"Berkas {self.path.name} rusak sekitar baris {reader.line_num}: {exc}"
                ) from exc
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    f"Berkas {self.path.name}: pengodean teks tidak dikenali ({exc.reason})"
                ) from exc

    # -- XLSX -----------------------------------------------------------------------------

    def _open_xlsx(self) -> list[str]:
        import openpyxl  # only XLSX imports pay for it

        # data_only: a formula cell gives the value Excel saved with it (what the office sees);
        # nothing is ever evaluated here.  Text that merely starts with "=" stays text.
        try:
            workbook = openpyxl.load_workbook(
                self.path, read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # zipfile/XML errors of many kinds
            raise ImportFormatError(
                f"Berkas {self.path.name} bukan berkas Excel (.xlsx) yang dapat dibaca: {exc}"
            ) from exc
        self._workbook = workbook
        sheet = workbook.active
        if sheet is None or not hasattr(sheet, "iter_rows"):  # none, or a chart sheet
            sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            self.close()
            raise ImportFormatError(f"Berkas {self.path.name} tidak punya lembar kerja")
        sheet.reset_dimensions()  # a wrong <dimension> must not hide rows
        self._sheet = sheet
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v, False) for v in row]
            if any(c.strip() for c in cells):
                self.header_row = number
                return cells
        self.close()
        raise ImportFormatError(f"Berkas {self.path.name} kosong: tidak ada baris judul")

    def _iter_xlsx(self) -> Iterator[tuple[int, dict[str, str]]]:
        ids = self._id_positions
        rows = self._sheet.iter_rows(min_row=self.header_row + 1, values_only=True)
        for number, row in enumerate(rows, start=self.header_row + 1):
            if not any(v is not None and v != "" for v in row):
                continue
            cells = [_cell_text(v, i in ids) for i, v in enumerate(row)]
            raw = self._row_dict(cells)
            if raw is not None:
                yield number, raw

    # -- rows -----------------------------------------------------------------------------

    def _row_dict(self, row: list[str]) -> dict[str, str] | None:
        if len(row) < self._width:
            row = row + [""] * (self._width - len(row))
        nik_cell = row[self._nik_position]
        if (not nik_cell or nik_cell.isspace()) and not "".join(row).strip():
            return None
        if self._has_duplicates:
            raw: dict[str, str] = {}
            for key, text in zip(self._fields, self._getter(row), strict=True):
                if key not in raw or (not raw[key].strip() and text.strip()):
                    raw[key] = text
        elif self._identity:
            raw = dict(zip(self._fields, row, strict=False))  # extra cells ignored
        else:
            raw = dict(zip(self._fields, self._getter(row), strict=False))
        if self._translations:
            for key, table in self._translations:
                text = raw.get(key, "")
                raw[key] = table.get(text.strip().removesuffix(".0"), text)
        if self._has_rtrw:
            combined = raw.pop(_RTRW)
            parts = combined.replace("-", "/").split("/")
            rt, rw = parts if len(parts) == 2 else (combined, "")
            if not raw.get("rt", "").strip():
                raw["rt"] = rt
            if not raw.get("rw", "").strip():
                raw["rw"] = rw
        return raw

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        if self.kind == ".csv":
            return self._iter_csv()
        return self._iter_xlsx()

    def validated(self, *, today: date) -> Iterator[ValidRow | RejectedRow]:
        """Every row validated; a NIK seen earlier in the file rejects the later row."""
        seen: dict[int, int] = {}
        for row_number, raw in self:
            result = validate_row(row_number, raw, today=today)
            nik = result.values.get("nik", "") if isinstance(result, ValidRow) else result.nik
            if len(nik) == 16 and nik.isdigit() and nik.isascii():
                first = seen.setdefault(int(nik), row_number)
                if first != row_number:
                    result = RejectedRow(
                        row_number, nik, f"NIK ganda dalam berkas, sama dengan baris {first}"
                    )
            yield result

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def __enter__(self) -> ImportReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """``(row_number, raw)`` for every non-blank data row; raises ImportFormatError."""
    with ImportReader(path) as reader:
        yield from reader


def iter_validated(path: Path, *, today: date) -> Iterator[ValidRow | RejectedRow]:
    """Every data row of ``path`` as ValidRow or RejectedRow, duplicates within the file included.

    Use :class:`ImportReader` directly to also get ``unknown_columns`` / ``notes()``.
    """
    with ImportReader(path) as reader:
        yield from reader.validated(today=today)


def count_data_rows(path: Path | str) -> int | None:
    """A cheap estimate of the number of data rows, for a progress bar (None if unknown)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            lines = 0
            last = b"\n"
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
            if last != b"\n":
                lines += 1
            return max(lines - 1, 0)
        if suffix == ".xlsx":
            import openpyxl

            workbook = openpyxl.load_workbook(path, read_only=True)
            try:
                sheet = workbook.active
                max_row = getattr(sheet, "max_row", None)
                return max(max_row - 1, 0) if max_row else None
            finally:
                workbook.close()
    except Exception:
        return None
    return None
