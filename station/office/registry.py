"""Offices as data: the kelurahan of one city database, added and edited by the city's
administrator (``station office add|list|show|edit``, docs/city.md).

An office PC then joins with ``station init --office CODE``: its config is written from the
office row (station.home.context.join_office), never the other way round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.register.kota_kupang import KECAMATAN, KELURAHAN
from station.register.regions import BuiltinRegions
from station.store import audit
from station.store.errors import StationError
from station.store.models import Office

_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
EDITABLE = (
    "name",
    "kecamatan",
    "unit_code",
    "address",
    "postal_code",
    "lurah_name",
    "lurah_nip",
    "lurah_rank",
    "verify_base_url",
    "timezone",
)


class OfficeError(StationError):
    """An office that cannot be added or changed; the message is Indonesian."""


@dataclass(frozen=True)
class OfficeInfo:
    id: int
    code: str
    name: str
    kecamatan: str
    kota: str
    provinsi: str
    unit_code: str
    address: str
    postal_code: str
    lurah_name: str
    lurah_nip: str
    lurah_rank: str
    verify_base_url: str
    timezone: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _info(office: Office) -> OfficeInfo:
    return OfficeInfo(**{name: getattr(office, name) for name in OfficeInfo.__dataclass_fields__})


def check_code(code: str) -> str:
    code = code.strip()
    if not _CODE.match(code):
        raise OfficeError(
            f"Kode kantor harus kode Kemendagri kelurahan seperti 53.71.03.1010, bukan {code!r}"
        )
    return code


def default_unit_code(name: str) -> str:
    """``KEL.`` and the name's letters without vowels after the first (Oesapa -> KEL.OSP)."""
    letters = re.sub(r"[^A-Z0-9]", "", name.upper())
    if not letters:
        return "KEL"
    short = letters[0] + re.sub(r"[AIUEO]", "", letters[1:])
    return f"KEL.{short[:6]}"


def add_office(
    session: Session,
    code: str,
    *,
    name: str | None = None,
    kecamatan: str | None = None,
    unit_code: str | None = None,
    verify_base_url: str = "",
    timezone: str = "Asia/Makassar",
    by: str | None = None,
) -> OfficeInfo:
    """Add a kelurahan; a Kota Kupang code needs no name (the shipped table has it), and a
    name that differs from the table is kept as given (local spelling) but the kecamatan
    must agree with the code."""
    code = check_code(code)
    if session.scalars(select(Office).where(Office.code == code)).first() is not None:
        raise OfficeError(f"Kantor {code} sudah ada.")
    known_name = KELURAHAN.get(code)
    known_kecamatan = KECAMATAN.get(code[:8])
    name = (name or known_name or "").strip()
    if not name:
        raise OfficeError(f"Kode {code} tidak ada di tabel bawaan; sebutkan --name.")
    regions = BuiltinRegions()
    kecamatan = (kecamatan or known_kecamatan or regions.name(code[:8]) or "").strip()
    if not kecamatan:
        raise OfficeError(f"Kecamatan kode {code[:8]} tidak dikenal; sebutkan --kecamatan.")
    if known_kecamatan and kecamatan.lower() != known_kecamatan.lower():
        raise OfficeError(
            f"Kode {code} ada di Kecamatan {known_kecamatan}, bukan {kecamatan} "
            "(kode kecamatan adalah bagian dari kode kelurahan)."
        )
    kota = regions.name(code[:5]) or ""
    provinsi = regions.name(code[:2]) or ""
    office = Office(
        code=code,
        name=name,
        kecamatan=kecamatan,
        kota=kota,
        provinsi=provinsi,
        unit_code=(unit_code or default_unit_code(name)).strip(),
        verify_base_url=verify_base_url,
        timezone=timezone,
        address="",
        postal_code="",
        lurah_name="(isi nama lurah)",
        lurah_nip="(isi NIP lurah)",
        lurah_rank="(isi pangkat/golongan)",
    )
    session.add(office)
    session.flush()
    audit.record(
        session,
        office_id=office.id,
        action="office.add",
        subject=code,
        operator=by,
        details={"name": name, "kecamatan": kecamatan},
    )
    return _info(office)


def list_offices(session: Session) -> list[OfficeInfo]:
    return [_info(o) for o in session.scalars(select(Office).order_by(Office.code))]


def get_office(session: Session, code: str) -> OfficeInfo:
    office = session.scalars(select(Office).where(Office.code == code.strip())).first()
    if office is None:
        raise OfficeError(f"Kantor {code} tidak ada. Lihat: station office list")
    return _info(office)


def edit_office(
    session: Session, code: str, changes: dict[str, str], *, by: str | None = None
) -> tuple[OfficeInfo, dict[str, tuple[str, str]]]:
    """Change the given fields; returns (office, {field: (before, after)})."""
    office = session.scalars(select(Office).where(Office.code == code.strip())).first()
    if office is None:
        raise OfficeError(f"Kantor {code} tidak ada. Lihat: station office list")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise OfficeError(f"Tidak dapat diubah: {', '.join(sorted(unknown))}")
    known_kecamatan = KECAMATAN.get(office.code[:8])
    wanted = changes.get("kecamatan")
    if wanted and known_kecamatan and wanted.lower() != known_kecamatan.lower():
        raise OfficeError(f"Kode {office.code} ada di Kecamatan {known_kecamatan}, bukan {wanted}.")
    done: dict[str, tuple[str, str]] = {}
    for key, value in changes.items():
        before = getattr(office, key)
        if before != value:
            setattr(office, key, value)
            done[key] = (before, value)
    session.flush()
    if done:
        audit.record(
            session,
            office_id=office.id,
            action="office.edit",
            subject=office.code,
            operator=by,
            details={k: {"from": a, "to": b} for k, (a, b) in done.items()},
        )
    return _info(office), done
