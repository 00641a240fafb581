"""The register's columns as a file import sees them: the canonical fields, their Indonesian
labels, and the header aliases that map a file's column names onto them.

Aliases cover the names offices write in a header, OpenSID's export columns included (its two
e-KTP columns hold numbers, translated to labels while reading).  Pure: no database, no file.
"""

from __future__ import annotations

from typing import Any

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

# Columns an import may fill; the register's identity is the NIK.
DATA_COLUMNS: tuple[str, ...] = tuple(f for f in CANONICAL_FIELDS if f != "nik")
# What a new resident gets in the columns a file (or the registration form) does not carry.
INSERT_DEFAULTS: dict[str, Any] = {
    "birth_place": "",
    "blood_type": "TIDAK TAHU",
    "address": "",
    "rt": "",
    "rw": "",
    "kelurahan": "",
    "kecamatan": "",
    "religion": "",
    "marital_status": "",
    "occupation": "",
    "nationality": "WNI",
    "education": "",
    "family_relationship": "",
    "father_name": "",
    "mother_name": "",
    "ektp_recorded": False,
    "ektp_recorded_on": None,
    "status": "active",
}

# --------------------------------------------------------------------------------------------
# Header aliases.  Keys are compared after norm_header (lower case, letters and digits only),
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
VALUE_TRANSLATIONS: dict[str, dict[str, str]] = {
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
RTRW_HEADERS = frozenset({"rtrw"})
RTRW = "_rtrw"


def norm_header(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_HEADER_MAP: dict[str, str] = {}
for _field in CANONICAL_FIELDS:
    _HEADER_MAP[norm_header(_field)] = _field
for _field, _names in _ALIASES.items():
    for _name in _names:
        _HEADER_MAP.setdefault(norm_header(_name), _field)


def header_aliases() -> dict[str, str]:
    """Normalised header (lower case, letters and digits only) -> canonical field.

    A combined ``RT/RW`` column is recognised in addition (split into ``rt`` and ``rw``).
    """
    return dict(_HEADER_MAP)
