"""What the operator sees of a resident after a lookup: labelled fields, age and warnings.

A plain data view so the screen only lays it out, and the same words can be tested without
Textual. Warnings are the things an operator must not miss before issuing a letter: a NIK
that disagrees with the register's birth date or sex, a deceased or moved resident, an adult
without a recorded e-KTP.

Core module: no Textual import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from station.register.codes import SEX_LABELS, STATUS_LABELS
from station.register.ektp import is_obliged
from station.register.household import renewal_warning
from station.register.nik import parse_nik
from station.register.residents import age_on
from station.store.models import Resident


@dataclass(frozen=True)
class ResidentCard:
    nik: str
    name: str
    rows: tuple[tuple[str, str], ...]  # (label, value) in display order
    warnings: tuple[str, ...]
    status: str
    ektp_missing: bool
    # The KK's head died or moved and no new head is recorded: renew the KK at Dukcapil
    # (station.register.household); the card offers the pengantar and recording the new head.
    kk_renewal: bool = False


def _ttl(resident: Resident) -> str:
    place = resident.birth_place or "-"
    return f"{place}, {resident.birth_date:%d-%m-%Y}"


def _address(resident: Resident) -> str:
    parts = [resident.address or "-"]
    if resident.rt or resident.rw:
        parts.append(f"RT {resident.rt or '-'}/RW {resident.rw or '-'}")
    if resident.kelurahan:
        parts.append(f"Kel. {resident.kelurahan.title()}")
    return ", ".join(parts)


def _ektp(resident: Resident) -> str:
    if not resident.ektp_recorded:
        return "BELUM REKAM"
    if resident.ektp_recorded_on:
        return f"SUDAH REKAM ({resident.ektp_recorded_on:%d-%m-%Y})"
    return "SUDAH REKAM"


def build_card(
    resident: Resident, today: dt.date, members: Iterable[Resident] = ()
) -> ResidentCard:
    """The card for ``resident`` as of ``today`` (the office's local date); ``members``: the
    resident's KK (for the warning that it must be renewed)."""
    age = age_on(resident.birth_date, today)
    rows = (
        ("NIK", resident.nik),
        ("No. KK", resident.kk_number),
        ("Nama", resident.name),
        ("Tempat/Tgl Lahir", f"{_ttl(resident)} (umur {age} tahun)"),
        ("Jenis Kelamin", SEX_LABELS.get(resident.sex, resident.sex)),
        ("Alamat", _address(resident)),
        ("Agama", resident.religion or "-"),
        ("Status Perkawinan", resident.marital_status or "-"),
        ("Pekerjaan", resident.occupation or "-"),
        ("Hubungan Keluarga", resident.family_relationship or "-"),
        ("Kewarganegaraan", resident.nationality or "-"),
        ("e-KTP", _ektp(resident)),
        ("Status", STATUS_LABELS.get(resident.status, resident.status)),
    )
    warnings: list[str] = []
    if resident.status == "deceased":
        warnings.append("Penduduk tercatat MENINGGAL: hanya surat kematian yang dapat dibuat.")
    elif resident.status == "moved":
        warnings.append("Penduduk tercatat PINDAH: periksa apakah masih berdomisili di sini.")
    info = parse_nik(
        resident.nik, today=today, known_birth_date=resident.birth_date, known_sex=resident.sex
    )
    warnings.extend(issue.message for issue in info.errors)
    warnings.extend(issue.message for issue in info.warnings)
    ektp_missing = (
        resident.status == "active"
        and not resident.ektp_recorded
        and is_obliged(resident.birth_date, resident.marital_status, today)
    )
    if ektp_missing:
        warnings.append("Wajib KTP tetapi belum rekam e-KTP: tawarkan Pengantar Perekaman e-KTP.")
    renewal = renewal_warning(members) if resident.status == "active" else None
    if renewal:
        warnings.append(renewal)
    return ResidentCard(
        nik=resident.nik,
        name=resident.name,
        rows=rows,
        warnings=tuple(warnings),
        status=resident.status,
        ektp_missing=ektp_missing,
        kk_renewal=renewal is not None,
    )
