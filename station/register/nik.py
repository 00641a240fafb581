"""NIK (Nomor Induk Kependudukan) parsing and validation, docs/domain.md §1.

Pure functions only: the UI, importers and printing all need the same answer, so nothing here
touches the DB or the screen.  There is no check digit; validity is structural (length,
province, day/month/year, serial).  Region codes that are not in the lookup table are only
warnings, because the NIK keeps the region where it was first issued (docs/domain.md §1.4).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from station.register.regions import PROVINCES, BuiltinRegions, RegionLookup

_DIGITS = frozenset("0123456789")
# Separators people type or paste: ASCII ones plus Unicode spaces, controls, format chars
# (zero-width space/joiners, BOM) and dashes.
_STRIP_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Pd"})
_SEX_WORDS = {
    "L": "L",
    "LAKI-LAKI": "L",
    "LAKI LAKI": "L",
    "LAKI": "L",
    "PRIA": "L",
    "1": "L",
    "P": "P",
    "PEREMPUAN": "P",
    "WANITA": "P",
    "2": "P",
}
_SEX_LABEL = {"L": "laki-laki", "P": "perempuan"}
_BUILTIN = BuiltinRegions()


@dataclass(frozen=True)
class NikIssue:
    """One problem found in a NIK: a stable ``code`` for programs, a ``message`` for people."""

    code: str
    message: str


@dataclass(frozen=True)
class NikInfo:
    """Everything a NIK says, plus what is wrong with it.  ``valid`` means no errors."""

    input: str
    nik: str
    valid: bool
    errors: tuple[NikIssue, ...]
    warnings: tuple[NikIssue, ...]
    province_code: str | None
    province: str | None
    regency_code: str | None
    regency: str | None
    district_code: str | None
    district: str | None
    birth_date: date | None
    birth_date_candidates: tuple[date, ...]
    sex: str | None
    serial: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings); the raw ``input`` is left out."""
        return {
            "valid": self.valid,
            "errors": [{"code": i.code, "message": i.message} for i in self.errors],
            "warnings": [{"code": i.code, "message": i.message} for i in self.warnings],
            "province_code": self.province_code,
            "province": self.province,
            "regency_code": self.regency_code,
            "regency": self.regency,
            "district_code": self.district_code,
            "district": self.district,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "birth_date_candidates": [d.isoformat() for d in self.birth_date_candidates],
            "sex": self.sex,
            "serial": self.serial,
            "nik": self.nik,
        }


def normalize_nik(text: str) -> str:
    """Drop separators and invisible characters people type or paste (``53.7103 1708-9000``).

    Anything else (letters, non-ASCII digits) is kept so validation can report it.
    """
    return "".join(
        ch for ch in text if ch not in " .-" and unicodedata.category(ch) not in _STRIP_CATEGORIES
    )


def _fmt(d: date) -> str:
    return d.strftime("%d-%m-") + f"{d.year:04d}"


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_nik(
    text: str,
    *,
    today: date | None = None,
    known_birth_date: date | None = None,
    known_sex: str | None = None,
    regions: RegionLookup | None = None,
) -> NikInfo:
    """Parse and validate a NIK (docs/domain.md §1.2); never raises on any string.

    ``known_birth_date``/``known_sex`` are the stored register values: they pick the century
    and produce mismatch warnings, but never change what the NIK itself says.
    """
    today = today or date.today()
    if isinstance(known_birth_date, datetime):
        known_birth_date = known_birth_date.date()
    lookup = regions or _BUILTIN
    nik = normalize_nik(text)
    errors: list[NikIssue] = []
    warnings: list[NikIssue] = []
    fields: dict[str, Any] = {}

    def done() -> NikInfo:
        return NikInfo(
            input=text,
            nik=nik,
            valid=not errors,
            errors=tuple(errors),
            warnings=tuple(warnings),
            province_code=fields.get("province_code"),
            province=fields.get("province"),
            regency_code=fields.get("regency_code"),
            regency=fields.get("regency"),
            district_code=fields.get("district_code"),
            district=fields.get("district"),
            birth_date=fields.get("birth_date"),
            birth_date_candidates=fields.get("birth_date_candidates", ()),
            sex=fields.get("sex"),
            serial=fields.get("serial"),
        )

    # 1. Shape.
    all_digits = all(ch in _DIGITS for ch in nik)
    if not nik:
        errors.append(NikIssue("bad_length", "NIK belum diisi (harus 16 digit angka)."))
        return done()
    if not all_digits:
        errors.append(NikIssue("not_digits", "NIK hanya boleh berisi angka 0–9."))
    if len(nik) != 16:
        unit = "digit" if all_digits else "karakter"
        errors.append(
            NikIssue("bad_length", f"NIK harus 16 digit angka (tertulis {len(nik)} {unit}).")
        )
    if errors:
        return done()

    pp, kk, cc = nik[0:2], nik[2:4], nik[4:6]
    day_code, mm, yy, serial = nik[6:8], nik[8:10], nik[10:12], nik[12:16]
    fields["province_code"] = pp
    fields["regency_code"] = f"{pp}.{kk}"
    fields["district_code"] = f"{pp}.{kk}.{cc}"
    fields["serial"] = serial

    # 2–3. Region: province is an error, regency/kecamatan only warnings.
    if pp in PROVINCES:
        fields["province"] = lookup.name(pp) or PROVINCES[pp]
        regency = lookup.name(fields["regency_code"])
        district = lookup.name(fields["district_code"])
        fields["regency"], fields["district"] = regency, district
        if kk in ("00", "70"):
            warnings.append(
                NikIssue(
                    "unknown_regency",
                    f"Kode kabupaten/kota {kk} tidak lazim (01–69 kabupaten, 71–99 kota).",
                )
            )
        elif regency is None:
            warnings.append(
                NikIssue(
                    "unknown_regency",
                    f"Kabupaten/kota {fields['regency_code']} tidak ada dalam tabel wilayah.",
                )
            )
        elif district is None:
            warnings.append(
                NikIssue(
                    "unknown_district",
                    f"Kecamatan {fields['district_code']} tidak ada dalam tabel wilayah.",
                )
            )
    else:
        errors.append(NikIssue("unknown_province", f"Kode provinsi {pp} tidak dikenal."))

    # 4. Day (+40 for women).
    raw_day = int(day_code)
    day = raw_day - 40 if raw_day > 40 else raw_day
    day_ok = 1 <= day <= 31
    if day_ok:
        fields["sex"] = "P" if raw_day > 40 else "L"
    else:
        errors.append(
            NikIssue(
                "bad_day",
                f"Kode tanggal lahir {day_code} tidak sah "
                "(harus 01–31, atau 41–71 untuk perempuan).",
            )
        )

    # 5. Month.
    month = int(mm)
    month_ok = 1 <= month <= 12
    if not month_ok:
        errors.append(NikIssue("bad_month", f"Bulan lahir {mm} tidak sah (harus 01–12)."))

    # 6. Century: keep real, non-future dates; most recent first.
    if day_ok and month_ok:
        existing = [
            d
            for d in (
                _date_or_none(2000 + int(yy), month, day),
                _date_or_none(1900 + int(yy), month, day),
            )
            if d is not None
        ]
        candidates = tuple(d for d in existing if d <= today)
        fields["birth_date_candidates"] = candidates
        shown = f"{day:02d}-{mm}-{yy}"
        if not existing:
            errors.append(NikIssue("bad_date", f"Tanggal lahir {shown} tidak ada di kalender."))
        elif not candidates:
            errors.append(NikIssue("future_date", f"Tanggal lahir {shown} masih di masa depan."))
        else:
            # 8. The stored birth date picks the century; a mismatch is only a warning.
            if known_birth_date is not None and known_birth_date in candidates:
                fields["birth_date"] = known_birth_date
            else:
                fields["birth_date"] = candidates[0]
                if len(candidates) > 1:
                    warnings.append(
                        NikIssue(
                            "ambiguous_year",
                            f"Tahun lahir bisa {candidates[0].year} atau "
                            f"{candidates[1].year}; periksa dengan KK atau akta kelahiran.",
                        )
                    )
                if known_birth_date is not None:
                    warnings.append(
                        NikIssue(
                            "birth_date_mismatch",
                            f"Tanggal lahir dalam NIK ({_fmt(candidates[0])}) berbeda dengan "
                            f"data tersimpan ({_fmt(known_birth_date)}). NIK tidak diubah.",
                        )
                    )

    # 7. Serial starts at 0001.
    if serial == "0000":
        errors.append(NikIssue("bad_serial", "Nomor urut NIK 0000 tidak sah (mulai dari 0001)."))

    if known_sex is not None and fields.get("sex"):
        stored = _SEX_WORDS.get(" ".join(known_sex.upper().split()))
        if stored is not None and stored != fields["sex"]:
            warnings.append(
                NikIssue(
                    "sex_mismatch",
                    f"Jenis kelamin dalam NIK ({_SEX_LABEL[fields['sex']]}) berbeda dengan "
                    f"data tersimpan ({_SEX_LABEL[stored]}).",
                )
            )
    return done()


def is_valid_nik(text: str, *, today: date | None = None) -> bool:
    """True when :func:`parse_nik` finds no errors (warnings do not count)."""
    return parse_nik(text, today=today).valid


def mask_nik(nik: str) -> str:
    """Hide digits 5–12 (kecamatan and birth date) for display and printouts.

    Input that does not normalise to 16 digits is fully masked so nothing ever leaks.
    """
    clean = normalize_nik(nik)
    if len(clean) == 16 and all(ch in _DIGITS for ch in clean):
        return clean[:4] + "*" * 8 + clean[12:]
    return "*" * len(nik)


def build_nik(region6: str, birth_date: date, sex: str, serial: int) -> str:
    """Compose a NIK from its parts (inverse of :func:`parse_nik`), for tests and demo data.

    ``region6`` may be dotted ("53.71.03") or not ("537103").  Raises ValueError on bad parts.
    """
    region = region6.replace(".", "")
    if len(region) != 6 or not all(ch in _DIGITS for ch in region):
        raise ValueError(f"region6 harus 6 digit: {region6!r}")
    if sex not in ("L", "P"):
        raise ValueError(f"sex harus 'L' atau 'P': {sex!r}")
    if isinstance(serial, bool) or not 1 <= serial <= 9999:
        raise ValueError(f"serial harus 1–9999: {serial!r}")
    if not 1900 <= birth_date.year <= 2099:
        raise ValueError(f"tahun lahir di luar 1900–2099: {birth_date.year}")
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{region}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"
