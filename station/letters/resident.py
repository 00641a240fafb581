"""A frozen, database-free copy of one resident, as a letter needs it.

The letter freezes the resident's data at issue (``Letter.resident_data``); eligibility and
rendering work on this snapshot so they can be tested without a database and give the same
answer when a letter is re-rendered from the register years later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from station.letters.errors import LetterError
from station.letters.formats import age_on, clean_text, format_date_id
from station.register.codes import SEX_LABELS
from station.register.nik import mask_nik

STATUS_ACTIVE = "active"
STATUS_MOVED = "moved"
STATUS_DECEASED = "deceased"
STATUSES = (STATUS_ACTIVE, STATUS_MOVED, STATUS_DECEASED)


@dataclass(frozen=True)
class ResidentSnapshot:
    """The ``Resident`` columns a letter uses; coded values are the register's labels."""

    nik: str
    name: str
    birth_date: date
    sex: str  # L | P
    kk_number: str = ""
    birth_place: str = ""
    blood_type: str = ""
    address: str = ""
    rt: str = ""
    rw: str = ""
    kelurahan: str = ""
    kecamatan: str = ""
    religion: str = ""
    marital_status: str = ""
    occupation: str = ""
    nationality: str = "WNI"
    education: str = ""
    family_relationship: str = ""
    father_name: str = ""
    mother_name: str = ""
    ektp_recorded: bool = False
    ektp_recorded_on: date | None = None
    status: str = STATUS_ACTIVE

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ResidentSnapshot:
        """From a dict such as the frozen JSON (ISO date strings) or a row's ``__dict__``.

        Unknown keys are ignored so a register with more columns still fits.
        """
        if not data.get("nik") or not data.get("birth_date"):
            raise LetterError("Data penduduk belum lengkap: NIK dan tanggal lahir wajib ada.")
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name in ("birth_date", "ektp_recorded_on") and isinstance(value, str):
                value = date.fromisoformat(value) if value else None
            elif f.name == "ektp_recorded":
                value = bool(value)
            elif value is None and f.name not in ("ektp_recorded_on",):
                value = ""
            values[f.name] = value
        return cls(**values)

    @classmethod
    def from_object(cls, obj: Any) -> ResidentSnapshot:
        """From any object with the ``Resident`` attribute names (e.g. the ORM row)."""
        return cls.from_mapping(
            {f.name: getattr(obj, f.name) for f in fields(cls) if hasattr(obj, f.name)}
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (ISO dates), for freezing into ``Letter.resident_data``."""
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat()
        data["ektp_recorded_on"] = (
            self.ektp_recorded_on.isoformat() if self.ektp_recorded_on else None
        )
        return data


def format_address(resident: ResidentSnapshot, *, kota: str = "") -> str:
    """``Jl. Timor Raya No. 5, RT 003/RW 002, Kel. Oesapa, Kec. Kelapa Lima``."""
    parts = [clean_text(resident.address)]
    rt, rw = clean_text(resident.rt), clean_text(resident.rw)
    if rt or rw:
        parts.append(f"RT {rt or '-'}/RW {rw or '-'}")
    if resident.kelurahan:
        parts.append(f"Kel. {clean_text(resident.kelurahan)}")
    if resident.kecamatan:
        parts.append(f"Kec. {clean_text(resident.kecamatan)}")
    if kota:
        parts.append(clean_text(kota))
    return ", ".join(p for p in parts if p)


def resident_values(resident: ResidentSnapshot, *, on: date, kota: str = "") -> dict[str, str]:
    """The resident's printable values by template name (``r.nama``, ``r.ttl`` …)."""
    birth = format_date_id(resident.birth_date)
    place = clean_text(resident.birth_place)
    return {
        "nama": clean_text(resident.name),
        "nik": clean_text(resident.nik),
        "no_kk": clean_text(resident.kk_number),
        "tempat_lahir": place,
        "tanggal_lahir": birth,
        "ttl": f"{place}, {birth}" if place else birth,
        "umur": f"{age_on(resident.birth_date, on)} tahun",
        "jenis_kelamin": SEX_LABELS.get(resident.sex, clean_text(resident.sex)),
        "alamat": format_address(resident, kota=kota),
        "alamat_jalan": clean_text(resident.address),
        "rt": clean_text(resident.rt),
        "rw": clean_text(resident.rw),
        "kelurahan": clean_text(resident.kelurahan),
        "kecamatan": clean_text(resident.kecamatan),
        "agama": clean_text(resident.religion),
        "status_perkawinan": clean_text(resident.marital_status),
        "pendidikan": clean_text(resident.education),
        "pekerjaan": clean_text(resident.occupation),
        "kewarganegaraan": clean_text(resident.nationality),
        "hubungan_keluarga": clean_text(resident.family_relationship),
        "nama_ayah": clean_text(resident.father_name),
        "nama_ibu": clean_text(resident.mother_name),
        "golongan_darah": clean_text(resident.blood_type),
    }


# Labels of the resident rows a letter type may list in its data block (docs/domain.md §4.2).
RESIDENT_LABELS: dict[str, str] = {
    "nama": "Nama",
    "nik": "NIK",
    "no_kk": "No. KK",
    "ttl": "Tempat/Tgl Lahir",
    "tempat_lahir": "Tempat Lahir",
    "tanggal_lahir": "Tanggal Lahir",
    "umur": "Umur",
    "jenis_kelamin": "Jenis Kelamin",
    "alamat": "Alamat",
    "alamat_jalan": "Jalan",
    "rt": "RT",
    "rw": "RW",
    "kelurahan": "Kelurahan",
    "kecamatan": "Kecamatan",
    "agama": "Agama",
    "status_perkawinan": "Status Perkawinan",
    "pendidikan": "Pendidikan",
    "pekerjaan": "Pekerjaan",
    "kewarganegaraan": "Kewarganegaraan",
    "hubungan_keluarga": "Status dalam Keluarga",
    "nama_ayah": "Nama Ayah",
    "nama_ibu": "Nama Ibu",
    "golongan_darah": "Golongan Darah",
}
# Values printed in full on the paper but masked on public views, and never allowed in
# running text: identity numbers, and the birth date, which is the NIK's hidden digits 7–12.
SENSITIVE_RESIDENT_KEYS = frozenset({"nik", "no_kk", "ttl", "tanggal_lahir", "umur"})


def public_resident_value(key: str, values: dict[str, str]) -> str | None:
    """What a public view shows for a resident value; None when it is shown as is."""
    if key in ("nik", "no_kk"):
        return mask_nik(values[key]) if values[key] else ""
    if key == "ttl":
        place = values["tempat_lahir"]
        return f"{place}, (disamarkan)" if place else "(disamarkan)"
    if key in ("tanggal_lahir", "umur"):
        return "(disamarkan)"
    return None


DEFAULT_SUBJECT_ROWS = (
    "nama",
    "nik",
    "no_kk",
    "ttl",
    "jenis_kelamin",
    "alamat",
    "agama",
    "status_perkawinan",
    "pendidikan",
    "pekerjaan",
    "kewarganegaraan",
)
