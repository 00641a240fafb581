"""Recording the head of a renewed KK, in the caller's transaction (audited); the rules of
a KK that lost its head are in ``station.register.household`` (docs/domain.md §4.6).

Core module: no Textual or click import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.register.household import ACTIVE, HEAD, relation_of
from station.register.nik import mask_nik, normalize_nik
from station.register.residents import RegisterError
from station.store import audit
from station.store.models import Resident, utcnow


def household_members(session: Session, resident: Resident) -> list[Resident]:
    """Everyone on the resident's KK (the resident included); empty without a KK number."""
    if not resident.kk_number:
        return []
    return list(
        session.scalars(
            select(Resident).where(Resident.kk_number == resident.kk_number).order_by(Resident.id)
        )
    )


@dataclass(frozen=True)
class HeadChange:
    kk_number: str
    new_head_nik: str
    new_head_name: str
    previous_relationship: str  # the new head's SHDK before (ISTRI, ANAK ...)
    former_heads: tuple[tuple[str, str, str], ...]  # (NIK, name, status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kk_masked": mask_nik(self.kk_number),
            "new_head": {
                "nik_masked": mask_nik(self.new_head_nik),
                "name": self.new_head_name,
                "previous_relationship": self.previous_relationship,
            },
            "former_heads": [
                {"nik_masked": mask_nik(nik), "name": name, "status": status}
                for nik, name, status in self.former_heads
            ],
        }


def record_new_head(session: Session, office_id: int, nik: str, *, operator: str) -> HeadChange:
    """Record ``nik`` as the head of its KK (the renewed KK from Dukcapil), in the caller's
    write transaction, audited with the old and the new head. Refused, in Indonesian, while
    the KK still has a living head, or for a resident who is not living here."""
    number = normalize_nik(nik)
    resident = session.scalars(
        select(Resident).where(Resident.nik == number).with_for_update()
    ).one_or_none()
    if resident is None:
        raise RegisterError("NIK tidak terdaftar di register kelurahan.")
    if resident.status != ACTIVE:
        raise RegisterError(
            f"{resident.name} tidak berstatus aktif; kepala keluarga baru harus penduduk yang "
            "masih tinggal di sini."
        )
    if not resident.kk_number:
        raise RegisterError(f"Nomor KK {resident.name} belum tercatat; perbarui data penduduk.")
    members = household_members(session, resident)
    if relation_of(resident) == HEAD:
        raise RegisterError(f"{resident.name} sudah tercatat sebagai kepala keluarga KK ini.")
    living = [m for m in members if relation_of(m) == HEAD and m.status == ACTIVE]
    if living:
        raise RegisterError(
            f"KK ini masih memiliki kepala keluarga yang tercatat aktif ({living[0].name}); "
            "kepala keluarga baru dicatat setelah kepala keluarga lama meninggal atau pindah."
        )
    gone = tuple((m.nik, m.name, m.status) for m in members if relation_of(m) == HEAD)
    previous = resident.family_relationship or ""
    resident.family_relationship = HEAD
    resident.updated_at = utcnow()
    change = HeadChange(resident.kk_number, resident.nik, resident.name, previous, gone)
    audit.record(
        session,
        office_id=office_id,
        action="resident.head_changed",
        subject=resident.nik,
        details={
            "kk_masked": mask_nik(resident.kk_number),
            "old": [{"nik_masked": mask_nik(n), "status": s} for n, _, s in gone],
            "new": {"nik_masked": mask_nik(resident.nik), "was": previous, "now": HEAD},
        },
        operator=operator,
    )
    session.flush()
    return change
