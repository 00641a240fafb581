"""Canonical value lists of the resident register and one normaliser for all of them
(docs/domain.md §2.2).

Every coded column is stored as its canonical label (``Resident`` keeps labels, not numbers):

- ``sex`` is stored as ``"L"``/``"P"``; ``status`` as ``"active"``/``"moved"``/``"deceased"``.
- everything else is stored as the upper-case SIAK/OpenSID label, e.g. ``"KATHOLIK"``.

:func:`normalize_code` accepts the OpenSID numeric code or the label, case-insensitively and
tolerant of spacing and punctuation (``"Tidak / Belum Sekolah"``, ``"laki laki"``, ``"01"``).
It runs once per coded cell of an import (millions of calls), so every lookup is a dict hit on a
precomputed table; results for raw strings seen before come from a small per-kind cache.

Numbers come from OpenSID (GPL-3.0, read for facts only) ``Data_awal_seeder.php`` and
``app/Enums``.  Values without an OpenSID number (the Permendagri 118/2017 marital statuses)
are accepted by label only: no code is invented for them.
"""

from __future__ import annotations

import string
from collections.abc import Callable

from station.store.errors import StationError

__all__ = [
    "CODE_LISTS",
    "KINDS",
    "KIND_LABELS",
    "SEX_LABELS",
    "STATUS_LABELS",
    "CodeError",
    "blank_like",
    "code_of",
    "labels",
    "match_key",
    "normalize_code",
    "normalizer",
]


class CodeError(StationError, ValueError):
    """A value that is not in the list for ``kind``; ``message`` is Indonesian, for the office."""

    def __init__(self, kind: str, value: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.value = value


# --------------------------------------------------------------------------------------------
# The lists: (OpenSID code or None, stored value).  Order is the official order.

SEX: tuple[tuple[int | None, str], ...] = ((1, "L"), (2, "P"))
SEX_LABELS = {"L": "LAKI-LAKI", "P": "PEREMPUAN"}

RELIGION: tuple[tuple[int | None, str], ...] = (
    (1, "ISLAM"),
    (2, "KRISTEN"),
    (3, "KATHOLIK"),
    (4, "HINDU"),
    (5, "BUDHA"),
    (6, "KHONGHUCU"),
    (7, "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA"),
)

MARITAL_STATUS: tuple[tuple[int | None, str], ...] = (
    (1, "BELUM KAWIN"),
    (2, "KAWIN"),
    (3, "CERAI HIDUP"),
    (4, "CERAI MATI"),
    # Permendagri 118/2017 KK values; OpenSID has no number for them.
    (None, "KAWIN TERCATAT"),
    (None, "KAWIN BELUM TERCATAT"),
    (None, "CERAI HIDUP TERCATAT"),
    (None, "CERAI HIDUP BELUM TERCATAT"),
)

FAMILY_RELATIONSHIP: tuple[tuple[int | None, str], ...] = (
    (1, "KEPALA KELUARGA"),
    (2, "SUAMI"),
    (3, "ISTRI"),
    (4, "ANAK"),
    (5, "MENANTU"),
    (6, "CUCU"),
    (7, "ORANGTUA"),
    (8, "MERTUA"),
    (9, "FAMILI LAIN"),
    (10, "PEMBANTU"),
    (11, "LAINNYA"),
)

# Seeder labels (correct); OpenSID's PendidikanKKEnum mislabels 9 and 10 (docs/domain.md §2.2).
EDUCATION: tuple[tuple[int | None, str], ...] = (
    (1, "TIDAK/BELUM SEKOLAH"),
    (2, "BELUM TAMAT SD/SEDERAJAT"),
    (3, "TAMAT SD/SEDERAJAT"),
    (4, "SLTP/SEDERAJAT"),
    (5, "SLTA/SEDERAJAT"),
    (6, "DIPLOMA I/II"),
    (7, "AKADEMI/DIPLOMA III/S. MUDA"),
    (8, "DIPLOMA IV/STRATA I"),
    (9, "STRATA II"),
    (10, "STRATA III"),
)

# OpenSID golongan_darah_id 1–13 (app/Enums/GolonganDarahEnum.php).
BLOOD_TYPE: tuple[tuple[int | None, str], ...] = (
    (1, "A"),
    (2, "B"),
    (3, "AB"),
    (4, "O"),
    (5, "A+"),
    (6, "A-"),
    (7, "B+"),
    (8, "B-"),
    (9, "AB+"),
    (10, "AB-"),
    (11, "O+"),
    (12, "O-"),
    (13, "TIDAK TAHU"),
)

NATIONALITY: tuple[tuple[int | None, str], ...] = (
    (1, "WNI"),
    (2, "WNA"),
    (3, "DUA KEWARGANEGARAAN"),
)

# OpenSID tweb_penduduk_pekerjaan 1–89 (app/Enums/PekerjaanEnum.php).  Code 5 is the SIAK label
# "PEGAWAI NEGERI SIPIL (PNS)"; newer OpenSID renamed it "APARATUR SIPIL NEGARA (ASN)", which is
# accepted as an alias.
OCCUPATION: tuple[tuple[int | None, str], ...] = tuple(
    enumerate(
        (
            "BELUM/TIDAK BEKERJA",
            "MENGURUS RUMAH TANGGA",
            "PELAJAR/MAHASISWA",
            "PENSIUNAN",
            "PEGAWAI NEGERI SIPIL (PNS)",
            "TENTARA NASIONAL INDONESIA (TNI)",
            "KEPOLISIAN RI (POLRI)",
            "PERDAGANGAN",
            "PETANI/PEKEBUN",
            "PETERNAK",
            "NELAYAN/PERIKANAN",
            "INDUSTRI",
            "KONSTRUKSI",
            "TRANSPORTASI",
            "KARYAWAN SWASTA",
            "KARYAWAN BUMN",
            "KARYAWAN BUMD",
            "KARYAWAN HONORER",
            "BURUH HARIAN LEPAS",
            "BURUH TANI/PERKEBUNAN",
            "BURUH NELAYAN/PERIKANAN",
            "BURUH PETERNAKAN",
            "PEMBANTU RUMAH TANGGA",
            "TUKANG CUKUR",
            "TUKANG LISTRIK",
            "TUKANG BATU",
            "TUKANG KAYU",
            "TUKANG SOL SEPATU",
            "TUKANG LAS/PANDAI BESI",
            "TUKANG JAHIT",
            "TUKANG GIGI",
            "PENATA RIAS",
            "PENATA BUSANA",
            "PENATA RAMBUT",
            "MEKANIK",
            "SENIMAN",
            "TABIB",
            "PARAJI",
            "PERANCANG BUSANA",
            "PENTERJEMAH",
            "IMAM MASJID",
            "PENDETA",
            "PASTOR",
            "WARTAWAN",
            "USTADZ/MUBALIGH",
            "JURU MASAK",
            "PROMOTOR ACARA",
            "ANGGOTA DPR-RI",
            "ANGGOTA DPD",
            "ANGGOTA BPK",
            "PRESIDEN",
            "WAKIL PRESIDEN",
            "ANGGOTA MAHKAMAH KONSTITUSI",
            "ANGGOTA KABINET KEMENTERIAN",
            "DUTA BESAR",
            "GUBERNUR",
            "WAKIL GUBERNUR",
            "BUPATI",
            "WAKIL BUPATI",
            "WALIKOTA",
            "WAKIL WALIKOTA",
            "ANGGOTA DPRD PROVINSI",
            "ANGGOTA DPRD KABUPATEN/KOTA",
            "DOSEN",
            "GURU",
            "PILOT",
            "PENGACARA",
            "NOTARIS",
            "ARSITEK",
            "AKUNTAN",
            "KONSULTAN",
            "DOKTER",
            "BIDAN",
            "PERAWAT",
            "APOTEKER",
            "PSIKIATER/PSIKOLOG",
            "PENYIAR TELEVISI",
            "PENYIAR RADIO",
            "PELAUT",
            "PENELITI",
            "SOPIR",
            "PIALANG",
            "PARANORMAL",
            "PEDAGANG",
            "PERANGKAT DESA",
            "KEPALA DESA",
            "BIARAWATI",
            "WIRASWASTA",
            "LAINNYA",
        ),
        start=1,
    )
)

# OpenSID status_dasar: 1 HIDUP, 2 MATI, 3 PINDAH.  (4 HILANG, 6 PERGI, 9 TIDAK VALID have no
# equivalent here and are refused rather than guessed.)
STATUS: tuple[tuple[int | None, str], ...] = ((1, "active"), (2, "deceased"), (3, "moved"))
STATUS_LABELS = {"active": "HIDUP", "moved": "PINDAH", "deceased": "MENINGGAL"}

CODE_LISTS: dict[str, tuple[tuple[int | None, str], ...]] = {
    "sex": SEX,
    "religion": RELIGION,
    "marital_status": MARITAL_STATUS,
    "family_relationship": FAMILY_RELATIONSHIP,
    "education": EDUCATION,
    "blood_type": BLOOD_TYPE,
    "nationality": NATIONALITY,
    "occupation": OCCUPATION,
    "status": STATUS,
}
KINDS = tuple(CODE_LISTS)

# Indonesian column names, for messages.
KIND_LABELS = {
    "sex": "Jenis Kelamin",
    "religion": "Agama",
    "marital_status": "Status Perkawinan",
    "family_relationship": "SHDK (Hubungan Keluarga)",
    "education": "Pendidikan",
    "blood_type": "Golongan Darah",
    "nationality": "Kewarganegaraan",
    "occupation": "Pekerjaan",
    "status": "Status Dasar",
}

# Other names for a kind (Indonesian / OpenSID), accepted by normalize_code.
_KIND_ALIASES = {
    "jenis_kelamin": "sex",
    "agama": "religion",
    "status_perkawinan": "marital_status",
    "status_kawin": "marital_status",
    "shdk": "family_relationship",
    "hubungan_keluarga": "family_relationship",
    "pendidikan": "education",
    "golongan_darah": "blood_type",
    "kewarganegaraan": "nationality",
    "pekerjaan": "occupation",
    "status_dasar": "status",
}

# Extra spellings -> stored value.  Keys are written naturally; they are keyed like input.
_ALIASES: dict[str, dict[str, str]] = {
    "sex": {
        "LAKI-LAKI": "L",
        "LAKI": "L",
        "LELAKI": "L",
        "LK": "L",
        "PRIA": "L",
        "MALE": "L",
        "PEREMPUAN": "P",
        "PR": "P",
        "PRP": "P",
        "WANITA": "P",
        "FEMALE": "P",
    },
    "religion": {
        "KATOLIK": "KATHOLIK",
        "KRISTEN KATOLIK": "KATHOLIK",
        "KRISTEN KATHOLIK": "KATHOLIK",
        "KATOLIK ROMA": "KATHOLIK",
        "KRISTEN PROTESTAN": "KRISTEN",
        "PROTESTAN": "KRISTEN",
        "BUDDHA": "BUDHA",
        "BUDA": "BUDHA",
        "KONGHUCU": "KHONGHUCU",
        "KONG HU CU": "KHONGHUCU",
        "KHONG HU CU": "KHONGHUCU",
        "KONGHUCHU": "KHONGHUCU",
        "KHONGHUCHU": "KHONGHUCU",
        "KEPERCAYAAN": "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA",
        "KEPERCAYAAN TERHADAP TUHAN YME": "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA",
        "KEPERCAYAAN TERHADAP TUHAN YANG MAHA ESA": "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA",
        "PENGHAYAT KEPERCAYAAN": "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA",
        "ALIRAN KEPERCAYAAN": "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA",
        "LAINNYA": "KEPERCAYAAN TERHADAP TUHAN YME / LAINNYA",
    },
    "marital_status": {
        "BELUM MENIKAH": "BELUM KAWIN",
        "MENIKAH": "KAWIN",
        "KAWIN TIDAK TERCATAT": "KAWIN BELUM TERCATAT",
        "CERAI HIDUP TIDAK TERCATAT": "CERAI HIDUP BELUM TERCATAT",
    },
    "family_relationship": {
        "KEPALA KK": "KEPALA KELUARGA",
        "ISTERI": "ISTRI",
        "ORANG TUA": "ORANGTUA",
        "FAMILY LAIN": "FAMILI LAIN",
        "FAMILI": "FAMILI LAIN",
    },
    "education": {
        "TIDAK SEKOLAH": "TIDAK/BELUM SEKOLAH",
        "BELUM SEKOLAH": "TIDAK/BELUM SEKOLAH",
        "TIDAK/BLM SEKOLAH": "TIDAK/BELUM SEKOLAH",
        "BELUM TAMAT SD": "BELUM TAMAT SD/SEDERAJAT",
        "TAMAT SD": "TAMAT SD/SEDERAJAT",
        "SD": "TAMAT SD/SEDERAJAT",
        "SD/SEDERAJAT": "TAMAT SD/SEDERAJAT",
        "SLTP": "SLTP/SEDERAJAT",
        "SMP": "SLTP/SEDERAJAT",
        "SMP/SEDERAJAT": "SLTP/SEDERAJAT",
        "SLTA": "SLTA/SEDERAJAT",
        "SMA": "SLTA/SEDERAJAT",
        "SMK": "SLTA/SEDERAJAT",
        "SMA/SEDERAJAT": "SLTA/SEDERAJAT",
        "D1": "DIPLOMA I/II",
        "D2": "DIPLOMA I/II",
        "D-I": "DIPLOMA I/II",
        "D-II": "DIPLOMA I/II",
        "DIPLOMA I": "DIPLOMA I/II",
        "DIPLOMA II": "DIPLOMA I/II",
        "D3": "AKADEMI/DIPLOMA III/S. MUDA",
        "D-III": "AKADEMI/DIPLOMA III/S. MUDA",
        "DIPLOMA III": "AKADEMI/DIPLOMA III/S. MUDA",
        "AKADEMI/DIPLOMA III/SARJANA MUDA": "AKADEMI/DIPLOMA III/S. MUDA",
        "SARJANA MUDA": "AKADEMI/DIPLOMA III/S. MUDA",
        "D4": "DIPLOMA IV/STRATA I",
        "D-IV": "DIPLOMA IV/STRATA I",
        "DIPLOMA IV": "DIPLOMA IV/STRATA I",
        "S1": "DIPLOMA IV/STRATA I",
        "STRATA I": "DIPLOMA IV/STRATA I",
        "STRATA 1": "DIPLOMA IV/STRATA I",
        "SARJANA": "DIPLOMA IV/STRATA I",
        "S2": "STRATA II",
        "STRATA 2": "STRATA II",
        "MAGISTER": "STRATA II",
        "S3": "STRATA III",
        "STRATA 3": "STRATA III",
        "DOKTOR": "STRATA III",
    },
    "blood_type": {
        "TIDAK_TAHU": "TIDAK TAHU",
        "TIDAK DIKETAHUI": "TIDAK TAHU",
        "BELUM DIKETAHUI": "TIDAK TAHU",
        "A POSITIF": "A+",
        "A NEGATIF": "A-",
        "B POSITIF": "B+",
        "B NEGATIF": "B-",
        "AB POSITIF": "AB+",
        "AB NEGATIF": "AB-",
        "O POSITIF": "O+",
        "O NEGATIF": "O-",
    },
    "nationality": {
        "INDONESIA": "WNI",
        "WARGA NEGARA INDONESIA": "WNI",
        "ASING": "WNA",
        "WARGA NEGARA ASING": "WNA",
        "DWI KEWARGANEGARAAN": "DUA KEWARGANEGARAAN",
        "GANDA": "DUA KEWARGANEGARAAN",
    },
    "occupation": {
        "BELUM BEKERJA": "BELUM/TIDAK BEKERJA",
        "TIDAK BEKERJA": "BELUM/TIDAK BEKERJA",
        "TIDAK/BELUM BEKERJA": "BELUM/TIDAK BEKERJA",
        "IBU RUMAH TANGGA": "MENGURUS RUMAH TANGGA",
        "IRT": "MENGURUS RUMAH TANGGA",
        "PELAJAR": "PELAJAR/MAHASISWA",
        "MAHASISWA": "PELAJAR/MAHASISWA",
        "PNS": "PEGAWAI NEGERI SIPIL (PNS)",
        "PEGAWAI NEGERI SIPIL": "PEGAWAI NEGERI SIPIL (PNS)",
        "ASN": "PEGAWAI NEGERI SIPIL (PNS)",
        "APARATUR SIPIL NEGARA": "PEGAWAI NEGERI SIPIL (PNS)",
        "APARATUR SIPIL NEGARA (ASN)": "PEGAWAI NEGERI SIPIL (PNS)",
        "TNI": "TENTARA NASIONAL INDONESIA (TNI)",
        "TENTARA NASIONAL INDONESIA": "TENTARA NASIONAL INDONESIA (TNI)",
        "POLRI": "KEPOLISIAN RI (POLRI)",
        "KEPOLISIAN RI": "KEPOLISIAN RI (POLRI)",
        "PETANI": "PETANI/PEKEBUN",
        "PEKEBUN": "PETANI/PEKEBUN",
        "NELAYAN": "NELAYAN/PERIKANAN",
        "IMAM MESJID": "IMAM MASJID",
        "USTADZ": "USTADZ/MUBALIGH",
        "ANGGOTA KABINET/KEMENTERIAN": "ANGGOTA KABINET KEMENTERIAN",
        "WIRAUSAHA": "WIRASWASTA",
        "SUPIR": "SOPIR",
    },
    "status": {
        "HIDUP": "active",
        "AKTIF": "active",
        "ACTIVE": "active",
        "PINDAH": "moved",
        "PINDAH KELUAR": "moved",
        "MOVED": "moved",
        "MATI": "deceased",
        "MENINGGAL": "deceased",
        "MENINGGAL DUNIA": "deceased",
        "WAFAT": "deceased",
        "DECEASED": "deceased",
    },
}

# Kinds where an unknown *label* is kept as free text (upper-cased) instead of refused.
_FREE_TEXT_KINDS = frozenset({"occupation"})
_FREE_TEXT_MAX = {"occupation": 60}  # Resident.occupation is String(60)

# --------------------------------------------------------------------------------------------
# Keys: upper-case, every space/punctuation/invisible character removed.

_DROP = (
    string.whitespace
    + string.punctuation
    + "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    + "\u200b\u200c\u200d\u2060\u202f\u205f\u3000\ufeff\u00ad"
    + "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2018\u2019\u201c\u201d"
)
_KEY_TABLE = str.maketrans("", "", _DROP)
_MINUS_SIGNS = "-\u2010\u2011\u2012\u2013\u2014\u2212"


def _key(text: str) -> str:
    key = text.upper().translate(_KEY_TABLE)
    if key.isascii() and key.isdigit():
        return str(int(key))
    return key


def match_key(text: str) -> str:
    """The comparison key used for labels: upper case, no spaces, punctuation or invisibles."""
    return text.upper().translate(_KEY_TABLE)


def blank_like(text: str) -> bool:
    """True for an empty, blank or punctuation-only cell ("", "  ", "-", "."): no value."""
    return not text.translate(_KEY_TABLE)


def _blood_key(text: str) -> str:
    """Like :func:`_key` but the Rhesus sign at the end is significant (``A+`` vs ``A``)."""
    text = text.strip()
    if text.endswith("+"):
        return _key(text[:-1]) + "+"
    if text and text[-1] in _MINUS_SIGNS and _key(text[:-1]) in ("A", "B", "AB", "O"):
        return _key(text[:-1]) + "-"
    return _key(text)


def _strip_float_zero(text: str) -> str:
    # "1.0" (a number cell turned into text) must be code 1, not "10".
    if text.endswith(".0") and text[:-2].isdigit():
        return text[:-2]
    return text


_TABLES: dict[str, dict[str, str]] = {}
_CODES: dict[str, dict[str, str]] = {}  # kind -> {"1": value}
for _kind, _pairs in CODE_LISTS.items():
    _keyfn = _blood_key if _kind == "blood_type" else _key
    _table: dict[str, str] = {}
    _codes: dict[str, str] = {}
    for _code, _value in _pairs:
        _table[_keyfn(_value)] = _value
        if _code is not None:
            _codes[str(_code)] = _value
    for _alias, _value in _ALIASES.get(_kind, {}).items():
        _table.setdefault(_keyfn(_alias), _value)
    if _kind == "sex":
        for _stored, _label in SEX_LABELS.items():
            _table[_key(_label)] = _stored
    if _kind == "status":
        for _stored, _label in STATUS_LABELS.items():
            _table[_key(_label)] = _stored
    _TABLES[_kind] = _table
    _CODES[_kind] = _codes

_CACHE_LIMIT = 4096
_CACHES: dict[str, dict[str, str]] = {kind: {} for kind in CODE_LISTS}
_LABEL_BY_VALUE = {kind: {v: c for c, v in pairs} for kind, pairs in CODE_LISTS.items()}


def _resolve_kind(kind: str) -> str:
    if kind in CODE_LISTS:
        return kind
    try:
        return _KIND_ALIASES[kind]
    except KeyError:
        raise ValueError(f"unknown code kind: {kind!r}") from None


def _normalize_slow(kind: str, value: str) -> str:
    label = KIND_LABELS[kind]
    text = _strip_float_zero(" ".join(value.split()))
    if not text:
        raise CodeError(kind, value, f"kolom {label} kosong")
    key = _blood_key(text) if kind == "blood_type" else _key(text)
    if key.isascii() and key.isdigit():
        found = _CODES[kind].get(key)
        if found is not None:
            return found
        codes = _CODES[kind]
        span = f"{min(map(int, codes))}–{max(map(int, codes))}"
        raise CodeError(kind, value, f"kode {label} '{text}' tidak dikenal (kode sah {span})")
    found = _TABLES[kind].get(key)
    if found is not None:
        return found
    if kind in _FREE_TEXT_KINDS and key:
        free = text.upper()
        limit = _FREE_TEXT_MAX[kind]
        if len(free) > limit:
            raise CodeError(kind, value, f"kolom {label} terlalu panjang (maks {limit} karakter)")
        return free
    raise CodeError(kind, value, f"nilai {label} '{text}' tidak dikenal")


def normalize_code(kind: str, value: str) -> str:
    """The stored value for ``value`` (a code or a label) of ``kind``; raises :class:`CodeError`.

    ``kind`` is a Resident column name (``sex``, ``religion``, ``marital_status``,
    ``family_relationship``, ``education``, ``blood_type``, ``nationality``, ``occupation``,
    ``status``) or its Indonesian name (``agama``, ``pekerjaan`` ...).  An empty value raises.
    A pekerjaan label that is not in the list is returned upper-cased (free text); an unknown
    pekerjaan *number* still raises.
    """
    kind = _resolve_kind(kind)
    cache = _CACHES[kind]
    found = cache.get(value)
    if found is not None:
        return found
    result = _normalize_slow(kind, value)
    if len(cache) < _CACHE_LIMIT:
        cache[value] = result
    return result


def normalizer(kind: str) -> Callable[[str], str]:
    """A one-argument :func:`normalize_code` for ``kind``: the per-row fast path for importers."""
    kind = _resolve_kind(kind)
    cache = _CACHES[kind]
    get = cache.get
    limit = _CACHE_LIMIT

    def normalize(value: str) -> str:
        found = get(value)
        if found is not None:
            return found
        result = _normalize_slow(kind, value)
        if len(cache) < limit:
            cache[value] = result
        return result

    return normalize


def labels(kind: str) -> tuple[str, ...]:
    """The stored values of ``kind`` in official order."""
    return tuple(value for _code, value in CODE_LISTS[_resolve_kind(kind)])


def code_of(kind: str, value: str) -> int | None:
    """The OpenSID number of a stored value (None for label-only values and free text)."""
    return _LABEL_BY_VALUE[_resolve_kind(kind)].get(value)
