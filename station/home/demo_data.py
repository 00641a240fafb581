"""Deterministic generator of SYNTHETIC residents for the demo and the benchmarks.

Every person is made up: names, NIKs and KK numbers are random combinations of common parts,
so no row describes a real person.  The output uses the canonical import format of the
resident CSV (docs/domain.md §2.2 labels, ``DD-MM-YYYY`` dates, ``L``/``P``, ``Y``/``T``).

Residents come in KK families living in Kelurahan Oesapa (Kecamatan Kelapa Lima, Kota Kupang):
a KEPALA KELUARGA, usually an ISTRI, 0–5 ANAK and sometimes an ORANGTUA or FAMILI LAIN, with
consistent ages, marital status, names of parents and a shared address.  NIKs follow
docs/domain.md §1 (``PPKKCC DDMMYY SSSS``, day + 40 for women, serial from 0001) and are unique
within one run:
the serial is a counter per 12-digit prefix.  About 80 % of NIKs were issued in 53.71.03
(Kelapa Lima); the rest come from other NTT regencies and a few other cities.

Pure Python, stdlib only; the same ``seed`` and ``today`` always give the same rows.  It runs
at roughly 100,000+ rows/s so it can feed a 1,000,000-row benchmark; :func:`write_csv` streams.
"""

from __future__ import annotations

import csv
import os
import random
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeVar

from station.register.importing.schema import CANONICAL_FIELDS
from station.store.files import private_file

__all__ = ["RESIDENT_COLUMNS", "generate_residents", "write_csv"]

T = TypeVar("T")

# The import format's columns, less the recording date (the demo does not invent one).
RESIDENT_COLUMNS: tuple[str, ...] = tuple(f for f in CANONICAL_FIELDS if f != "ektp_recorded_on")

LOCAL_REGION = "537103"  # Kemendagri 53.71.03, Kecamatan Kelapa Lima
KELURAHAN = "OESAPA"
KECAMATAN = "KELAPA LIMA"
MAX_AGE = 95

# Labels (docs/domain.md §2.2, OpenSID seeder).
KEPALA, ISTRI, ANAK, ORANGTUA, FAMILI = (
    "KEPALA KELUARGA",
    "ISTRI",
    "ANAK",
    "ORANGTUA",
    "FAMILI LAIN",
)
BELUM, KAWIN, CERAI_HIDUP, CERAI_MATI = "BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI"
ED_NONE = "TIDAK/BELUM SEKOLAH"
ED_SD_NOT = "BELUM TAMAT SD/SEDERAJAT"
ED_SD = "TAMAT SD/SEDERAJAT"
ED_SLTP = "SLTP/SEDERAJAT"
ED_SLTA = "SLTA/SEDERAJAT"
ED_D12 = "DIPLOMA I/II"
ED_D3 = "AKADEMI/DIPLOMA III/S. MUDA"
ED_S1 = "DIPLOMA IV/STRATA I"
ED_S2 = "STRATA II"
ED_S3 = "STRATA III"
JOB_NONE = "BELUM/TIDAK BEKERJA"
JOB_IRT = "MENGURUS RUMAH TANGGA"
JOB_STUDENT = "PELAJAR/MAHASISWA"
JOB_RETIRED = "PENSIUNAN"
# Stored labels of the full OpenSID list (station.register.codes); docs/domain.md §2.2
# abbreviates these three.
JOB_PNS = "PEGAWAI NEGERI SIPIL (PNS)"
JOB_TNI = "TENTARA NASIONAL INDONESIA (TNI)"
JOB_POLRI = "KEPOLISIAN RI (POLRI)"
_PENSIONABLE = frozenset({JOB_PNS, JOB_TNI, JOB_POLRI, "GURU", "DOSEN", "PERAWAT", "BIDAN"})

# Day-count bounds for "parent is 18–40 years older than child" (safe in calendar years:
# 18 years are at most 6,576 days, 40 years at least 14,609 days).
_GAP_MIN_DAYS = 6_580
_GAP_MAX_DAYS = 14_600
_KK_MIN_AGE_DAYS = 6_215  # 17 years (at most 6,210 days)


def _expand(weighted: Iterable[tuple[T, int]]) -> tuple[T, ...]:
    """Turn ``[(value, integer weight), ...]`` into a tuple for O(1) weighted picks."""
    return tuple(value for value, weight in weighted for _ in range(weight))


# --- Names -------------------------------------------------------------------------------------

_CHRISTIAN_MALE = _expand(
    [(n, 4) for n in ("YOHANES", "YOSEF", "FRANSISKUS", "IMANUEL", "YAKOBUS", "PETRUS")]
    + [(n, 3) for n in ("DANIEL", "ARNOLDUS", "KRISTOFEL", "MARTHINUS", "SAMUEL", "PAULUS")]
    + [
        (n, 2)
        for n in (
            "ALEXANDER", "BENYAMIN", "DOMINGGUS", "ELIAS", "FREDERIK", "GABRIEL", "HENDRIK",
            "ISAK", "YONATHAN", "LUKAS", "MARKUS", "MATHEUS", "MIKHAEL", "NIKOLAUS", "ROBERT",
            "SEMUEL", "STEFANUS", "VIKTOR", "WILLEM", "YULIUS", "ANDREAS", "ADRIANUS",
            "BERNARDUS", "KORNELIS", "OKTOVIANUS", "MELKIANUS", "YERMIAS", "ABRAHAM",
            "RIKARDUS", "GERARDUS", "AGUSTINUS", "DOMINIKUS", "YOAKIM", "SIMON", "TOBIAS",
        )
    ]
)  # fmt: skip
_CHRISTIAN_FEMALE = _expand(
    [(n, 4) for n in ("MARIA", "AGUSTINA", "YULIANA", "DEBORA", "ESTER", "RUTH")]
    + [(n, 3) for n in ("MARIANA", "SELFINA", "NAOMI", "MAGDALENA", "ELISABETH", "YOHANA")]
    + [
        (n, 2)
        for n in (
            "KRISTINA", "LUSIA", "MARTHA", "MARGARETHA", "SARA", "REBEKA", "ANTONIA",
            "FRANSISKA", "ADRIANA", "BERNADETA", "DORKAS", "LEONORA", "YUNITA", "OKTAVIANA",
            "MERIYANA", "NELCI", "YOSINA", "SOFIA", "PAULINA", "KATARINA", "HELENA",
            "VERONIKA", "ABIGAIL", "SEPRINA", "FEBRIANA", "ROSALINA",
        )
    ]
)  # fmt: skip
# Given names that became common for children born since about 2000.
_MODERN_MALE = (
    "KEVIN", "RIVALDO", "GIOVANI", "JUNIOR", "RICKY", "ANDRE", "YOSUA", "RAFAEL", "GILBERT",
    "DEVIN", "MARVEL", "NATHAN", "JOSHUA", "ELVIS", "RONALDO", "ALDO",
)  # fmt: skip
_MODERN_FEMALE = (
    "GRACE", "ANGEL", "JESIKA", "GLORIA", "NATALIA", "CLARA", "FELISITAS", "MELANI", "DEVI",
    "INDRI", "SRIKANDI", "KEZIA", "NOVITA", "VIVIAN", "CINDY", "PRISKA",
)  # fmt: skip
_MIDDLE_INITIALS = tuple("ABDEFHIJKLMNOPRSTWY")
_MUSLIM_MALE = _expand(
    [(n, 4) for n in ("AHMAD", "MUHAMMAD")]
    + [
        (n, 1)
        for n in (
            "ABDUL", "HASAN", "ISMAIL", "YUSUF", "IBRAHIM", "ARIF", "RIZAL", "FAUZI",
            "HAMZAH", "SALIM", "RUSDI", "SYAMSUDIN", "ZAINAL", "ANWAR", "RAHMAT",
        )
    ]
)  # fmt: skip
_MUSLIM_FEMALE = _expand(
    [(n, 4) for n in ("SITI", "NUR")]
    + [
        (n, 1)
        for n in (
            "AMINAH", "FATIMAH", "AISYAH", "HALIMAH", "KHADIJAH", "ZAINAB", "SALMA",
            "MAISARAH", "RAHMAWATI", "NURHAYATI", "HASNAH", "MARYAM",
        )
    ]
)  # fmt: skip
_MUSLIM_SECOND_MALE = (
    "RAHMAN", "HIDAYAT", "SALEH", "ABDULLAH", "HAMID", "HASAN", "ANWAR", "SYARIF", "RIDWAN",
    "KADIR", "MANSUR", "ALI", "USMAN", "FAJAR", "IQBAL",
)  # fmt: skip
_MUSLIM_SECOND_FEMALE = (
    "AMINAH", "NURJANAH", "RAHMAWATI", "HASANAH", "SAFITRI", "WAHYUNI", "FAUZIAH", "ZAHRA",
    "KURNIASIH", "HIDAYATI", "MARDIANA", "SALSABILA",
)  # fmt: skip
# Balinese birth-order names (first, second, third, fourth child); GEDE is for boys only.
_BALI_ORDER_MALE = (("WAYAN", "PUTU", "GEDE"), ("MADE", "KADEK"), ("NYOMAN", "KOMANG"), ("KETUT",))
_BALI_ORDER_FEMALE = (("WAYAN", "PUTU", "LUH"), ("MADE", "KADEK"), ("NYOMAN", "KOMANG"), ("KETUT",))
_BALI_MALE = (
    "SUDARSANA", "ARTAWAN", "SUARDANA", "WIRAWAN", "ADNYANA", "SUPARTA", "MAHENDRA",
    "PRADNYANA", "SWASTIKA", "DARMAWAN",
)  # fmt: skip
_BALI_FEMALE = (
    "SUARNI", "ARIANI", "WIDIASTUTI", "SUDARMI", "KARTIKA", "PUSPITA", "ARDANI", "SURYANI",
    "DEWI", "ANTARI",
)  # fmt: skip
_TIONGHOA_MALE = (
    "HENDRA", "WILLY", "SUSANTO", "HARTONO", "BUDI", "JOHAN", "FELIX", "TONNY", "RUDY", "EDDY",
)  # fmt: skip
_TIONGHOA_FEMALE = (
    "LIANA", "MELIANA", "YENNY", "LINDA", "SUSI", "LILY", "VERA", "WENNY", "FENNY", "SHINTA",
)  # fmt: skip

# Family names by origin; rare spellings (apostrophe, accent) get weight 1 among dozens.
_FAMILY_NAMES: dict[str, tuple[str, ...]] = {
    "TIMOR": _expand([(n, 3) for n in (
        "NOPE", "TEFA", "BENU", "NENOBAIS", "TANESIB", "TANEO", "SAE", "FAOT", "NUBATONIS",
        "BANUNAEK", "SELAN", "AMTIRAN", "KOLLO", "TALAN", "NENO", "BOIMAU", "LIUNOKAS", "NAITIO",
    )]),
    "ROTE": _expand([(n, 3) for n in (
        "NDOEN", "MOOY", "PELLO", "MANAFE", "LENGGU", "ZACHARIAS", "NDUN", "MESSAKH", "HANING",
        "TUNGGA", "FANGGIDAE", "PANDIE", "NDOLU", "LOMI", "BALUKH",
    )]),
    "SABU": _expand([(n, 3) for n in (
        "DIMA", "RIWU", "BIRE", "LADO", "KORE", "DJAMI", "HEDE", "BUNGA", "PA", "TALO", "LOBO",
        "HABA", "KANA",
    )]),
    "FLORES": _expand([(n, 3) for n in (
        "KEBAN", "DA COSTA", "PARERA", "FERNANDEZ", "KELEN", "KERANS", "OLA", "MARAN", "WADU",
        "DA SILVA", "LAMABELAWA", "MUDA", "LEWAR", "GORU",
    )] + [("D'COSTA", 1), ("FERNÁNDEZ", 1)]),
    "TIONGHOA": (
        "TANUWIJAYA", "GUNAWAN", "HALIM", "SANTOSO", "WIJAYA", "LIEM", "TAN", "SUTANTO",
    ),
}  # fmt: skip

# --- Origins: family groups, their religions and where their members were born -------------

# (group, weight, religion weights, family-name key or None, towns)
# A town is (birth place, regency code, highest kecamatan code used for NIKs).
_GROUPS = (
    (
        "TIMOR", 30, (("KRISTEN", 88), ("KATHOLIK", 12)), "TIMOR",
        (("SOE", "5302", 20, 4), ("KEFAMENANU", "5303", 20, 2), ("OELAMASI", "5301", 20, 3),
         ("ATAMBUA", "5304", 12, 1)),
    ),
    ("ROTE", 22, (("KRISTEN", 97), ("KATHOLIK", 3)), "ROTE", (("BA'A", "5314", 10, 1),)),
    ("SABU", 13, (("KRISTEN", 97), ("KATHOLIK", 3)), "SABU", (("SEBA", "5320", 6, 1),)),
    (
        "FLORES", 19, (("KATHOLIK", 85), ("KRISTEN", 5), ("ISLAM", 10)), "FLORES",
        (("RUTENG", "5310", 12, 2), ("MAUMERE", "5307", 20, 2), ("LARANTUKA", "5306", 19, 2),
         ("ENDE", "5308", 20, 1)),
    ),
    (
        "MUSLIM", 13, (("ISLAM", 100),), None,
        (("MAKASSAR", "7371", 15, 3), ("KALABAHI", "5305", 17, 2), ("LARANTUKA", "5306", 19, 1),
         ("JAKARTA", "3171", 10, 1)),
    ),
    ("BALI", 2, (("HINDU", 100),), None, (("DENPASAR", "5171", 4, 1),)),
    (
        "TIONGHOA", 1, (("BUDHA", 40), ("KHONGHUCU", 20), ("KRISTEN", 25), ("KATHOLIK", 15)),
        "TIONGHOA", (("JAKARTA", "3171", 10, 1), ("MAKASSAR", "7371", 15, 1)),
    ),
)  # fmt: skip

# Given-name style per religion: (male names, female names, kind).
_STYLE_CHRISTIAN, _STYLE_MUSLIM, _STYLE_BALI, _STYLE_TIONGHOA = range(4)
_RELIGION_STYLE = {
    "KRISTEN": _STYLE_CHRISTIAN,
    "KATHOLIK": _STYLE_CHRISTIAN,
    "ISLAM": _STYLE_MUSLIM,
    "HINDU": _STYLE_BALI,
    "BUDHA": _STYLE_TIONGHOA,
    "KHONGHUCU": _STYLE_TIONGHOA,
}

# Other Kota Kupang kecamatan (people who first registered elsewhere in the city).
_KUPANG_OTHER = ("537101", "537102", "537104", "537105", "537106")

_BLOOD = _expand(
    [("TIDAK TAHU", 40), ("O", 22), ("B", 16), ("A", 14), ("AB", 4), ("O+", 2), ("B+", 1),
     ("A+", 1)]
)  # fmt: skip

_STREETS = _expand(
    [(s, 2) for s in ("SUKUN", "NANGKA", "KELAPA", "BAKAU", "MANGGA", "CEMARA", "FLAMBOYAN")]
    + [(s, 1) for s in ("KENARI", "ASAM", "LONTAR", "CENDANA", "KESUMBA", "MELATI", "ANGGREK",
                        "PANTAI INDAH", "TERATAI", "BOUGENVILLE")]
)  # fmt: skip

_EDU_ADULT_YOUNG = _expand(
    [(ED_NONE, 2), (ED_SD_NOT, 3), (ED_SD, 12), (ED_SLTP, 14), (ED_SLTA, 38), (ED_D12, 3),
     (ED_D3, 7), (ED_S1, 18), (ED_S2, 3)]
)  # fmt: skip
_EDU_ADULT_OLD = _expand(
    [(ED_NONE, 8), (ED_SD_NOT, 10), (ED_SD, 25), (ED_SLTP, 15), (ED_SLTA, 25), (ED_D12, 3),
     (ED_D3, 4), (ED_S1, 8), (ED_S2, 2), (ED_S3, 1)]
)  # fmt: skip
_EDU_TIER = {
    ED_NONE: 0, ED_SD_NOT: 0, ED_SD: 0, ED_SLTP: 1, ED_SLTA: 1,
    ED_D12: 2, ED_D3: 2, ED_S1: 2, ED_S2: 2, ED_S3: 2,
}  # fmt: skip
# Occupations by education tier (low, middle, high) and sex.
_JOBS_MALE = (
    _expand([("PETANI/PEKEBUN", 20), ("NELAYAN/PERIKANAN", 18), ("BURUH HARIAN LEPAS", 22),
             ("TUKANG BATU", 5), ("SOPIR", 6), ("PEDAGANG", 8), ("WIRASWASTA", 10), (JOB_NONE, 8),
             ("LAINNYA", 5)]),
    _expand([("WIRASWASTA", 20), ("KARYAWAN SWASTA", 15), ("BURUH HARIAN LEPAS", 12),
             ("SOPIR", 8), ("NELAYAN/PERIKANAN", 8), ("PETANI/PEKEBUN", 5), ("PEDAGANG", 8),
             ("KARYAWAN HONORER", 4), (JOB_TNI, 4), (JOB_POLRI, 4), (JOB_NONE, 8), ("LAINNYA", 6)]),
    _expand([(JOB_PNS, 26), ("GURU", 13), ("DOSEN", 3), ("KARYAWAN SWASTA", 18),
             ("KARYAWAN HONORER", 6), ("WIRASWASTA", 12), (JOB_TNI, 3), (JOB_POLRI, 5),
             ("PENDETA", 3), ("PEDAGANG", 3), (JOB_NONE, 5), ("LAINNYA", 3)]),
)  # fmt: skip
_JOBS_FEMALE = (
    _expand([(JOB_IRT, 50), ("PETANI/PEKEBUN", 12), ("PEDAGANG", 14), ("BURUH HARIAN LEPAS", 8),
             ("WIRASWASTA", 8), (JOB_NONE, 6), ("LAINNYA", 2)]),
    _expand([(JOB_IRT, 36), ("WIRASWASTA", 13), ("KARYAWAN SWASTA", 13), ("PEDAGANG", 14),
             ("KARYAWAN HONORER", 4), ("BURUH HARIAN LEPAS", 4), (JOB_POLRI, 1), (JOB_NONE, 10),
             ("LAINNYA", 5)]),
    _expand([(JOB_PNS, 26), ("GURU", 22), ("PERAWAT", 5), ("BIDAN", 3), ("DOSEN", 2),
             ("KARYAWAN SWASTA", 14), ("KARYAWAN HONORER", 5), (JOB_IRT, 12), ("WIRASWASTA", 6),
             ("PENDETA", 2), (JOB_POLRI, 1), (JOB_NONE, 4), ("LAINNYA", 2)]),
)  # fmt: skip


def _school_age(age: int) -> tuple[str, str]:
    """Education and occupation of a child still in school, by age in years."""
    if age < 7:
        return ED_NONE, JOB_NONE
    if age < 13:
        return ED_SD_NOT, JOB_STUDENT
    if age < 16:
        return ED_SD, JOB_STUDENT
    if age < 19:
        return ED_SLTP, JOB_STUDENT
    return ED_SLTA, JOB_STUDENT


_SCHOOL_AGE = tuple(_school_age(a) for a in range(MAX_AGE + 1))

# Head of household ages: weights per five-year band (a young, growing city).
_HEAD_AGES = _expand(
    [
        (age, weight)
        for lo, weight in (
            (20, 3), (25, 8), (30, 10), (35, 11), (40, 11), (45, 10), (50, 9), (55, 8),
            (60, 6), (65, 4), (70, 3), (75, 2), (80, 1),
        )
        for age in range(lo, lo + 5)
    ]
)  # fmt: skip
_OLD_HEAD_AGES = tuple(range(65, 91))
_SINGLE_AGES = _expand([(a, 4) for a in range(19, 31)] + [(a, 1) for a in range(31, 45)])
# Husband minus wife, in years.
_SPOUSE_GAP = _expand(
    [(-3, 1), (-2, 2), (-1, 4), (0, 6), (1, 8), (2, 9), (3, 9), (4, 7), (5, 5), (6, 3), (7, 2),
     (8, 1)]
)  # fmt: skip
_CHILD_COUNT = _expand([(0, 6), (1, 14), (2, 24), (3, 25), (4, 17), (5, 14)])


# --- Calendar tables ---------------------------------------------------------------------------


class _Calendar:
    """Every possible birth date (age 0–95 on ``today``) as an index, with its strings.

    Index 0 is the oldest date, index ``n - 1`` is ``today``; a larger index is a younger
    person.  Formatting 35,000 dates once is far cheaper than once per resident.
    """

    def __init__(self, today: date) -> None:
        try:
            oldest = today.replace(year=today.year - MAX_AGE - 1)
        except ValueError:  # today is 29 February
            oldest = today.replace(year=today.year - MAX_AGE - 1, day=28)
        start = oldest + timedelta(days=1)
        self.n = today.toordinal() - start.toordinal() + 1
        self.birth: list[str] = []  # DD-MM-YYYY
        self.male: list[str] = []  # DDMMYY (also the KK recording date)
        self.female: list[str] = []  # (DD+40)MMYY
        self.age: list[int] = []
        d, one = start, timedelta(days=1)
        ty, tmd = today.year, (today.month, today.day)
        for _ in range(self.n):
            dd, mm, yy = d.day, d.month, d.year
            tail = f"{mm:02d}{yy % 100:02d}"
            self.birth.append(f"{dd:02d}-{mm:02d}-{yy:04d}")
            self.male.append(f"{dd:02d}{tail}")
            self.female.append(f"{dd + 40:02d}{tail}")
            self.age.append(ty - yy - (tmd < (mm, dd)))
            d += one
        # first[a]: first index whose age is a; ages decrease as the index grows.
        first = [self.n] * (MAX_AGE + 2)
        for i in range(self.n - 1, -1, -1):
            first[self.age[i]] = i
        self.first = first
        # Earliest index from which a KK may have been recorded (SIAK era).
        self.kk_epoch = min(max(0, date(2005, 1, 1).toordinal() - start.toordinal()), self.n - 1)

    def span(self, age: int) -> tuple[int, int]:
        """Index range [lo, hi] of people exactly ``age`` years old."""
        lo = self.first[age]
        hi = (self.first[age - 1] if age > 0 else self.n) - 1
        return lo, hi


@lru_cache(maxsize=4)
def _calendar(today: date) -> _Calendar:
    return _Calendar(today)


# --- Generator ---------------------------------------------------------------------------------

_ALL_FAMILY_NAMES = tuple(
    name for key in ("TIMOR", "ROTE", "SABU", "FLORES") for name in _FAMILY_NAMES[key]
)
_MARRIED_SHARE = 0.77  # families headed by a married couple


def generate_residents(
    count: int, *, seed: int = 2017, today: date = date(2026, 1, 1)
) -> Iterator[dict[str, str]]:
    """Yield ``count`` synthetic residents (dicts keyed by :data:`RESIDENT_COLUMNS`).

    Deterministic for a given ``seed`` and ``today``.  Families come whole and in KK order
    (KEPALA KELUARGA, ISTRI, ANAK by age, ORANGTUA, FAMILI LAIN); only the last family may be
    cut short at ``count``, and its KEPALA KELUARGA always comes first.
    """
    if count <= 0:
        return
    rnd = random.Random(seed).random
    cal = _calendar(today)
    birth_s, male_s, female_s, age_of = cal.birth, cal.male, cal.female, cal.age
    last = cal.n - 1
    spans = [cal.span(a) for a in range(MAX_AGE + 1)]
    adult18 = spans[18][1]  # youngest index aged 18
    kk_epoch = cal.kk_epoch
    modern_idx = cal.first[min(MAX_AGE, max(0, today.year - 2000))]  # born about 2000 or later

    local_serial = [0] * (2 * cal.n)  # NIK serials for 537103, slot = date index * 2 + female
    other_serial: dict[str, int] = {}  # NIK serials for every other 12-digit prefix
    kk_serial: dict[str, int] = {}

    groups = _expand([(g, g[1]) for g in _GROUPS])
    religions = {g[0]: _expand(g[2]) for g in _GROUPS}
    towns_of = {
        g[0]: _expand(
            [
                ((town, tuple(f"{reg}{k:02d}" for k in range(1, kmax + 1))), weight)
                for town, reg, kmax, weight in g[4]
            ]
        )
        for g in _GROUPS
    }
    rts = tuple(f"{r:03d}" for r in range(1, 31))
    rws = tuple(f"{(r - 1) // 3 + 1:03d}" for r in range(1, 31))
    blood, n_blood = _BLOOD, len(_BLOOD)
    cm, cf = _CHRISTIAN_MALE, _CHRISTIAN_FEMALE
    n_cm, n_cf = len(cm), len(cf)

    def pick(seq: Sequence[T]) -> T:
        return seq[int(rnd() * len(seq))]

    def at_age(age: int) -> int:
        lo, hi = spans[age]
        return lo + int(rnd() * (hi - lo + 1))

    def new_nik(region: str, idx: int, female: bool) -> str:
        date_part = female_s[idx] if female else male_s[idx]
        if region == LOCAL_REGION:
            slot = idx * 2 + female
            serial = local_serial[slot] + 1
            if serial <= 9999:
                local_serial[slot] = serial
                return f"{region}{date_part}{serial:04d}"
            region = _KUPANG_OTHER[0]
        # On the (practically impossible) overflow of 9,999 people sharing one prefix, move on
        # to another Kota Kupang kecamatan so that NIKs stay unique and valid.
        for candidate in (region, *_KUPANG_OTHER):
            prefix = candidate + date_part
            serial = other_serial.get(prefix, 0) + 1
            if serial <= 9999:
                other_serial[prefix] = serial
                return f"{prefix}{serial:04d}"
        raise RuntimeError("NIK serials exhausted for one birth date")  # pragma: no cover

    def name_of(style: int, female: bool, idx: int, family: str | None, order: int = -1) -> str:
        """Upper-case full name: GIVEN [MIDDLE] FAMILY (styles without family names differ).

        ``order`` is the birth order among siblings (Balinese names), -1 when unknown.
        """
        if style == _STYLE_CHRISTIAN:
            if idx >= modern_idx and rnd() < 0.45:
                given = pick(_MODERN_FEMALE if female else _MODERN_MALE)
            else:
                given = cf[int(rnd() * n_cf)] if female else cm[int(rnd() * n_cm)]
            r = rnd()
            if r < 0.4:
                given = f"{given} {_MIDDLE_INITIALS[int(r * 47.5)]}"
            elif r < 0.65:
                given = f"{given} {cf[int(rnd() * n_cf)] if female else cm[int(rnd() * n_cm)]}"
        elif style == _STYLE_MUSLIM:
            if female:
                given = f"{pick(_MUSLIM_FEMALE)} {pick(_MUSLIM_SECOND_FEMALE)}"
            else:
                given = f"{pick(_MUSLIM_MALE)} {pick(_MUSLIM_SECOND_MALE)}"
        elif style == _STYLE_BALI:
            if order < 0:
                order = int(rnd() * 4)
            orders = _BALI_ORDER_FEMALE if female else _BALI_ORDER_MALE
            given = (
                f"{'NI' if female else 'I'} {pick(orders[min(order, 3)])} "
                f"{pick(_BALI_FEMALE if female else _BALI_MALE)}"
            )
        else:
            given = pick(_TIONGHOA_FEMALE if female else _TIONGHOA_MALE)
        return f"{given} {family}" if family else given

    def distinct(
        style: int, female: bool, idx: int, family: str | None, taken: set[str], order: int = -1
    ) -> str:
        """A name nobody else in the household has (styles without family names repeat)."""
        for _ in range(100):
            name = name_of(style, female, idx, family, order)
            if name not in taken:
                break
        taken.add(name)
        return name

    def adult_work(age: int, female: bool) -> tuple[str, str]:
        """Education, then an occupation that fits it, sex and age."""
        edu = pick(_EDU_ADULT_OLD if age >= 50 else _EDU_ADULT_YOUNG)
        job = pick((_JOBS_FEMALE if female else _JOBS_MALE)[_EDU_TIER[edu]])
        if age >= 58 and job in _PENSIONABLE:
            job = JOB_RETIRED
        elif age >= 70 and rnd() < 0.5:
            job = JOB_NONE
        return edu, job

    emitted = 0
    while True:
        # ---- one family (KK) -------------------------------------------------------------------
        group = pick(groups)
        gname, fam_key = group[0], group[3]
        religion = pick(religions[gname])
        style = _RELIGION_STYLE[religion]
        surnames = _FAMILY_NAMES[fam_key] if fam_key else None
        towns = towns_of[gname]

        def surname(names: tuple[str, ...] | None = surnames) -> str | None:
            return pick(names) if names else None

        def outside_surname(names: tuple[str, ...] | None = surnames) -> str | None:
            """Spouse's family name: usually the same origin, sometimes any NTT family."""
            if not names:
                return None
            return pick(names) if rnd() < 0.75 else pick(_ALL_FAMILY_NAMES)

        rt_i = int(rnd() * 30)
        rt, rw = rts[rt_i], rws[rt_i]
        if rnd() < 0.12:
            address = f"JL. TIMOR RAYA KM {8 + int(rnd() * 3)}"
        else:
            address = f"JL. {pick(_STREETS)} NO. {1 + int(rnd() * 150)}"

        # Each row: (date index, female, name, SHDK, marital status, father, mother)
        rows: list[tuple[int, bool, str, str, str, str, str]] = []
        kind = rnd()
        if kind < _MARRIED_SHARE:
            h_idx = at_age(pick(_HEAD_AGES))
            h_female = False
            w_idx = h_idx + pick(_SPOUSE_GAP) * 365 + int(rnd() * 365) - 182
            w_idx = min(max(w_idx, 0), adult18)
            h_family, w_family = surname(), outside_surname()
            h_name = name_of(style, False, h_idx, h_family)
            w_name = name_of(style, True, w_idx, w_family)
            h_marital = KAWIN
            kids_father, kids_mother, kids_family = h_name, w_name, h_family
            parents: tuple[int, ...] = (h_idx, w_idx)
        else:
            if kind < 0.86:  # widowed or divorced mother
                h_female, ages = True, _HEAD_AGES
            elif kind < 0.89:  # widowed or divorced father
                h_female, ages = False, _HEAD_AGES
            elif kind < 0.96:  # young single person: student or worker
                h_female, ages = rnd() < 0.45, _SINGLE_AGES
            else:  # elderly person living alone
                h_female, ages = rnd() < 0.65, _OLD_HEAD_AGES
            h_idx = at_age(pick(ages))
            h_family = surname()
            h_name = name_of(style, h_female, h_idx, h_family)
            if ages is _SINGLE_AGES:
                h_marital = BELUM
            else:
                h_marital = CERAI_MATI if rnd() < 0.65 else CERAI_HIDUP
            if ages is _HEAD_AGES:
                other = outside_surname()
                if h_female:  # children carry their (late or former) father's family name
                    kids_father = name_of(style, False, h_idx, other)
                    kids_mother, kids_family = h_name, other
                else:
                    kids_father, kids_family = h_name, h_family
                    kids_mother = name_of(style, True, h_idx, other)
                parents = (h_idx,)
            else:
                kids_father = kids_mother = ""
                kids_family = None
                parents = ()

        # The head's parents; one of them sometimes lives in the household (ORANGTUA).
        # Names of household members (and of the children's other parent) must not repeat.
        taken = {h_name, kids_father, kids_mother}
        if kind < _MARRIED_SHARE:
            taken.add(w_name)
        head_father = distinct(style, False, h_idx, h_family, taken)
        mother_family = surname()
        head_mother = distinct(style, True, h_idx, mother_family, taken)
        rows.append((h_idx, h_female, h_name, KEPALA, h_marital, head_father, head_mother))
        if kind < _MARRIED_SHARE:
            w_father = name_of(style, False, w_idx, w_family)
            w_mother = name_of(style, True, w_idx, surname())
            rows.append((w_idx, True, w_name, ISTRI, KAWIN, w_father, w_mother))

        # Children: 18–40 years younger than each parent; most grown-ups have moved out.
        if parents:
            lo = max(parents) + _GAP_MIN_DAYS
            hi = min(min(parents) + _GAP_MAX_DAYS, last)
            if lo <= hi:
                kids = []
                for _ in range(pick(_CHILD_COUNT)):
                    c_idx = lo + int(rnd() * (hi - lo + 1))
                    c_age = age_of[c_idx]
                    if c_age > 24 and rnd() < (0.6 if c_age < 30 else 0.9):
                        continue
                    kids.append(c_idx)
                kids.sort()
                for order, c_idx in enumerate(kids):
                    c_female = rnd() < 0.49
                    family = kids_family if rnd() < 0.92 else surname()
                    c_name = distinct(style, c_female, c_idx, family, taken, order)
                    rows.append((c_idx, c_female, c_name, ANAK, BELUM, kids_father, kids_mother))

        if rnd() < 0.11:
            lo, hi = max(0, h_idx - _GAP_MAX_DAYS), h_idx - _GAP_MIN_DAYS
            if lo <= hi:
                e_idx = lo + int(rnd() * (hi - lo + 1))
                e_female = rnd() < 0.7
                e_name = head_mother if e_female else head_father
                e_family = mother_family if e_female else h_family
                e_father = name_of(style, False, e_idx, e_family)
                e_mother = name_of(style, True, e_idx, surname())
                rows.append((e_idx, e_female, e_name, ORANGTUA, CERAI_MATI, e_father, e_mother))

        if rnd() < 0.08:  # a nephew or niece from the village, often a student
            f_idx = at_age(10 + int(rnd() * 18))
            f_female = rnd() < 0.5
            f_family = surname()
            rows.append(
                (f_idx, f_female, distinct(style, f_female, f_idx, f_family, taken), FAMILI, BELUM,
                 name_of(style, False, f_idx, f_family), name_of(style, True, f_idx, surname()))
            )  # fmt: skip

        # KK number: region + recording date (after the head turned 17, SIAK era) + serial.
        kk_lo = min(max(kk_epoch, h_idx + _KK_MIN_AGE_DAYS), last)
        kk_idx = kk_lo + int(rnd() * (last - kk_lo + 1))
        kk_prefix = (LOCAL_REGION if rnd() < 0.97 else pick(_KUPANG_OTHER)) + male_s[kk_idx]
        kk_no = kk_serial.get(kk_prefix, 0) + 1
        kk_serial[kk_prefix] = kk_no
        kk_number = f"{kk_prefix}{kk_no:04d}"

        # ---- rows ---------------------------------------------------------------------------
        for p_idx, female, name, relation, marital, father, mother in rows:
            age = age_of[p_idx]
            if relation in (ANAK, FAMILI):
                if age < 19 or (age < 24 and rnd() < 0.7):
                    edu, job = _SCHOOL_AGE[age]
                else:
                    edu, job = adult_work(age, female)
                born_here = 0.92 if age < 30 else 0.5
            else:
                edu, job = adult_work(age, female)
                born_here = 0.5
            # Birth place, and the region where the NIK was first issued.
            if rnd() < born_here:
                place = "KUPANG"
                region = LOCAL_REGION if rnd() < 0.97 else pick(_KUPANG_OTHER)
            else:
                place, regions = pick(towns)
                region = pick(regions) if rnd() < 0.6 else LOCAL_REGION
            yield {
                "nik": new_nik(region, p_idx, female),
                "kk_number": kk_number,
                "name": name,
                "birth_place": place,
                "birth_date": birth_s[p_idx],
                "sex": "P" if female else "L",
                "blood_type": blood[int(rnd() * n_blood)],
                "address": address,
                "rt": rt,
                "rw": rw,
                "kelurahan": KELURAHAN,
                "kecamatan": KECAMATAN,
                "religion": religion,
                "marital_status": marital,
                "occupation": job,
                "nationality": "WNI",
                "education": edu,
                "family_relationship": relation,
                "father_name": father,
                "mother_name": mother,
                "ektp_recorded": "Y" if (age >= 17 or marital != BELUM) and rnd() >= 1 / 3 else "T",
                "status": "active",
            }
            emitted += 1
            if emitted >= count:
                return


def write_csv(
    path: str | os.PathLike[str],
    count: int,
    *,
    seed: int = 2017,
    today: date = date(2026, 1, 1),
) -> int:
    """Write ``count`` synthetic residents as the canonical import CSV; return rows written.

    UTF-8 without BOM, header = :data:`RESIDENT_COLUMNS`.  Rows are streamed: a 1,000,000-row
    file needs no more memory than a small one, apart from the NIK serial counters.
    """
    written = 0
    # Invented people, but in a register's shape: private like every export (0600).
    with private_file(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(RESIDENT_COLUMNS)
        for row in generate_residents(count, seed=seed, today=today):
            writer.writerow(row.values())
            written += 1
    return written
