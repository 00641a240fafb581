"""The household (KK) and its head: a KK whose kepala keluarga died or moved, and recording
the new head (docs/domain.md §2, "The head of a household").

When the SKK marks the head deceased, the KK still lists him: the family must renew the KK at
Dukcapil (UU 24/2013 Pasal 12; Perpres 96/2018). Until then the surviving spouse acts for the
household (an SKTM for the widow is not refused for want of a head), every member's card says
the KK must be renewed and offers the pengantar for it, and once the new KK is out the
operator records its head here (audited with the old and the new head).

Core module: no Textual or click import (docs/architecture.md §Import contracts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.register.nik import mask_nik, normalize_nik
from station.register.residents import RegisterError
from station.store import audit
from station.store.models import Resident, utcnow

HEAD = "KEPALA KELUARGA"
SPOUSES = frozenset({"ISTRI", "SUAMI"})
ACTIVE = "active"
# The pengantar to Dukcapil for the renewed KK (station/letters/builtin/SPKK.toml).
KK_RENEWAL_TYPE = "SPKK"
KK_RENEWAL_NAME = "Surat Pengantar Perubahan KK"


def _relation(member: Any) -> str:
    return " ".join(str(getattr(member, "family_relationship", "") or "").upper().split())


def former_heads(members: Iterable[Any]) -> list[Any]:
    """The KK's recorded heads who are no longer living here (deceased or moved) when no
    living member is its head: the KK must be renewed. Empty for a KK with a living head,
    and for a KK whose head was never recorded (nothing says who is missing)."""
    members = list(members)
    heads = [m for m in members if _relation(m) == HEAD]
    if any(getattr(m, "status", ACTIVE) == ACTIVE for m in heads):
        return []
    return heads


def needs_new_head(members: Iterable[Any]) -> bool:
    """True when the KK's head died or moved and no new head is recorded."""
    return bool(former_heads(members))


def acts_for_household(resident: Any, members: Iterable[Any]) -> bool:
    """The surviving spouse of a head who died or moved acts for the household until the
    renewed KK names its head."""
    return (
        getattr(resident, "status", ACTIVE) == ACTIVE
        and _relation(resident) in SPOUSES
        and needs_new_head(members)
    )


def renewal_warning(members: Iterable[Any]) -> str | None:
    """The card's words for a member of a KK without a living head, or None."""
    gone = former_heads(members)
    if not gone:
        return None
    head = gone[0]
    what = "MENINGGAL" if getattr(head, "status", "") == "deceased" else "PINDAH"
    return (
        f"Kepala keluarga KK ini ({getattr(head, 'name', '-')}) tercatat {what}: KK harus "
        f"diperbarui di Dukcapil. Tawarkan {KK_RENEWAL_NAME} ({KK_RENEWAL_TYPE}); setelah KK "
        "baru terbit, catat kepala keluarga baru (F4 di kartu penduduk)."
    )


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
    if _relation(resident) == HEAD:
        raise RegisterError(f"{resident.name} sudah tercatat sebagai kepala keluarga KK ini.")
    living = [m for m in members if _relation(m) == HEAD and m.status == ACTIVE]
    if living:
        raise RegisterError(
            f"KK ini masih memiliki kepala keluarga yang tercatat aktif ({living[0].name}); "
            "kepala keluarga baru dicatat setelah kepala keluarga lama meninggal atau pindah."
        )
    gone = tuple((m.nik, m.name, m.status) for m in members if _relation(m) == HEAD)
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
